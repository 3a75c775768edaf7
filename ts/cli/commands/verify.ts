import { SheetcError } from '../../errors.js';
import { verify } from '../../verify.js';
import { COMMON_OPTIONS, LIMIT_OPTIONS, flag, num, str, type Command } from '../command.js';
import { progressBar } from '../io.js';
import { display } from '../shared.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "compare a compiled workbook with the values Excel stored",
  usage: 'sheetc verify FILE.xlsx [options]',
  description:
    'Compile and run the workbook, and compare every formula cell with the value Excel stored\nin the file; exits 1 when any differs, or when the file stores no results to compare with.',
  options: {
    strict: { type: 'boolean', description: 'fail when any cell would be backfilled' },
    now: {
      type: 'string',
      valueName: 'ISO_DATE',
      description: 'the clock for NOW and TODAY (2024-03-15 or 2024-03-15T09:30; default: when the\nfile was last saved, i.e. when Excel last calculated it)',
    },
    ...LIMIT_OPTIONS,
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file) throw new SheetcError('E_INVALID_OPTION', 'verify needs a workbook: sheetc verify FILE.xlsx');
    const maxUncompressedMb = num(ctx.options, 'max-uncompressed-mb');
    const maxCells = num(ctx.options, 'max-cells');
    const now = str(ctx.options, 'now');
    // The build's progress, as `build` shows it (on a terminal, cleared when done).
    const bar = progressBar(ctx.streams.stderr, ctx.showProgress);
    let r: Awaited<ReturnType<typeof verify>>;
    try {
      r = await verify(file, {
        strict: flag(ctx.options, 'strict'),
        ...(now !== undefined ? { now } : {}),
        ...(maxUncompressedMb !== undefined ? { maxUncompressedMb } : {}),
        ...(maxCells !== undefined ? { maxCells } : {}),
        ...(ctx.showProgress ? { onProgress: bar.update } : {}),
      });
    } finally {
      bar.done();
    }
    const out = ctx.streams.stdout;
    // Nothing to compare is no answer: never "0 / 0 match".
    const nothing = r.total === 0;
    // As verify() returns it ({ total, matched, withoutStoredValue, backfilled, now, mismatches, build }), and whether there was anything to compare.
    if (ctx.json) out.write(JSON.stringify({ ...r, nothingToCompare: nothing }) + '\n');
    else if (nothing) {
      out.write(
        `nothing to verify: ${file} stores no results of its formulas to compare with (${r.withoutStoredValue} formula cell(s) without a stored value, ${r.backfilled} backfilled)\n`,
      );
    } else {
      const line = `${r.matched} / ${r.total} formula cells match the values Excel stored (${((100 * r.matched) / r.total).toFixed(2)}%)`;
      out.write((r.matched === r.total ? ctx.paint.green(line) : ctx.paint.red(line)) + '\n');
      if (r.now) out.write(`NOW and TODAY ran at ${r.now}\n`);
      if (r.backfilled) out.write(`${r.backfilled} backfilled cell(s) not compared (they keep the stored value)\n`);
      if (r.withoutStoredValue) out.write(`${r.withoutStoredValue} formula cell(s) have no stored value (not compared)\n`);
      for (const m of r.mismatches) out.write(`  ${m.cell}${m.formula ? ` ${m.formula}` : ''}: Excel ${display(m.expected)}, sheetc ${display(m.actual)}\n`);
      if (r.total - r.matched > r.mismatches.length) out.write(`  ... ${r.total - r.matched - r.mismatches.length} more\n`);
    }
    return !nothing && r.matched === r.total ? 0 : 1;
  },
};
