import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SheetcError } from '../../errors.js';
import { COMMON_OPTIONS, LIMIT_OPTIONS, str, type Command } from '../command.js';
import { summary, withTempEngine } from '../shared.js';
import { BUILD_OPTIONS } from './build.js';

export const report: Command = {
  name: 'report',
  summary: 'write an HTML report of a workbook and its engine',
  usage: 'sheetc report FILE.xlsx -o REPORT.html [options]',
  description:
    "Compile the workbook (in a temporary directory), run the engine once, and write one\nself-contained HTML page: summary, sheet graph, a heat map per sheet, differences from\nExcel's stored values, backfilled cells, functions, largest shapes, circular clusters,\nand with --inputs/--outputs the profile's cones. The page needs no network to view.",
  options: {
    out: { type: 'string', short: 'o', valueName: 'FILE', description: 'the HTML file to write' },
    strict: BUILD_OPTIONS.strict,
    inputs: BUILD_OPTIONS.inputs,
    outputs: BUILD_OPTIONS.outputs,
    ...LIMIT_OPTIONS,
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file) throw new SheetcError('E_INVALID_OPTION', 'report needs a workbook: sheetc report FILE.xlsx -o REPORT.html');
    if (ctx.positionals.length > 1) throw new SheetcError('E_INVALID_OPTION', `report takes one workbook, got ${ctx.positionals.length} arguments`);
    const out = str(ctx.options, 'out');
    if (!out) throw new SheetcError('E_INVALID_OPTION', 'report needs the file to write: -o REPORT.html');
    const path = resolve(out);
    const build = await withTempEngine(file, ctx, async (_dir, r) => r, { report: path });
    const bytes = statSync(path).size;
    if (ctx.json) ctx.streams.stdout.write(JSON.stringify({ report: path, bytes, build: { ...build, outDir: '' } }) + '\n');
    else ctx.streams.stdout.write(`wrote ${path} (${(bytes / 1024).toFixed(1)} KB)\n${summary(build)}\n`);
    return 0;
  },
};
