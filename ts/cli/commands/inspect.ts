import { SheetcError } from '../../errors.js';
import type { BuildReport } from '../../types.js';
import { COMMON_OPTIONS, LIMIT_OPTIONS, type Command } from '../command.js';
import { summary, withTempEngine } from '../shared.js';

function inspectText(report: BuildReport): string {
  const fns = Object.entries(report.functions).map(([n, c]) => [n, c ?? 0] as const).sort((a, b) => b[1] - a[1]);
  const lines = [summary(report), `functions used: ${fns.map(([n, c]) => `${n}×${c}`).join(', ') || 'none'}`];
  const unsupported = Object.entries(report.unsupportedFunctions);
  if (unsupported.length) lines.push(`unsupported functions: ${unsupported.map(([n, c]) => `${n}×${c}`).join(', ')}`);
  if (report.definedNames.length) lines.push(`defined names: ${report.definedNames.join(', ')}`);
  return lines.join('\n');
}

export const inspect: Command = {
  name: 'inspect',
  summary: 'report what a workbook holds and how sheetc compiles it',
  usage: 'sheetc inspect FILE.xlsx [options]',
  description: 'Compile to a temporary directory and report sheets, cells, formula shapes, functions used,\nunsupported functions, backfilled cells, names and clusters.',
  options: { ...LIMIT_OPTIONS, ...COMMON_OPTIONS },
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file) throw new SheetcError('E_INVALID_OPTION', 'inspect needs a workbook');
    await withTempEngine(file, ctx, async (_dir, report) => {
      ctx.streams.stdout.write(ctx.json ? JSON.stringify(report) + '\n' : inspectText(report) + '\n');
    });
    return 0;
  },
};
