import { SheetcError } from '../../errors.js';
import { verify } from '../../verify.js';
import { COMMON_OPTIONS, LIMIT_OPTIONS, flag, num, type Command } from '../command.js';
import { progressBar } from '../io.js';
import { display } from '../shared.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "compare a compiled workbook with the values Excel stored",
  usage: 'sheetc verify FILE.xlsx [options]',
  description:
    'Compile and run the workbook, and compare every formula cell with the value Excel stored\nin the file; exits 1 when any differs.',
  options: { strict: { type: 'boolean', description: 'fail when any cell would be backfilled' }, ...LIMIT_OPTIONS, ...COMMON_OPTIONS },
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file) throw new SheetcError('E_INVALID_OPTION', 'verify needs a workbook: sheetc verify FILE.xlsx');
    const maxUncompressedMb = num(ctx.options, 'max-uncompressed-mb');
    const maxCells = num(ctx.options, 'max-cells');
    // The build's progress, as `build` shows it (on a terminal, cleared when done).
    const bar = progressBar(ctx.streams.stderr, ctx.showProgress);
    let r: Awaited<ReturnType<typeof verify>>;
    try {
      r = await verify(file, {
        strict: flag(ctx.options, 'strict'),
        ...(maxUncompressedMb !== undefined ? { maxUncompressedMb } : {}),
        ...(maxCells !== undefined ? { maxCells } : {}),
        ...(ctx.showProgress ? { onProgress: bar.update } : {}),
      });
    } finally {
      bar.done();
    }
    const out = ctx.streams.stdout;
    // As verify() returns it: { total, matched, withoutStoredValue, backfilled, mismatches, build }.
    if (ctx.json) out.write(JSON.stringify(r) + '\n');
    else {
      const line = `${r.matched} / ${r.total} formula cells match the values Excel stored${r.total ? ` (${((100 * r.matched) / r.total).toFixed(2)}%)` : ''}`;
      out.write((r.matched === r.total ? ctx.paint.green(line) : ctx.paint.red(line)) + '\n');
      if (r.backfilled) out.write(`${r.backfilled} backfilled cell(s) not compared (they keep the stored value)\n`);
      if (r.withoutStoredValue) out.write(`${r.withoutStoredValue} formula cell(s) have no stored value (not compared)\n`);
      for (const m of r.mismatches) out.write(`  ${m.cell}: Excel ${display(m.expected)}, sheetc ${display(m.actual)}\n`);
      if (r.total - r.matched > r.mismatches.length) out.write(`  ... ${r.total - r.matched - r.mismatches.length} more\n`);
    }
    return r.matched === r.total ? 0 : 1;
  },
};
