import { resolve } from 'node:path';
import { SheetcError } from '../../errors.js';
import { COMMON_OPTIONS, LIMIT_OPTIONS, str, type Command } from '../command.js';
import { buildTo, summary } from '../shared.js';

/** Options of every command that compiles (build; eval/inspect of a workbook take a subset). */
export const BUILD_OPTIONS = {
  strict: { type: 'boolean', description: 'fail the build when any cell would be backfilled' },
  lazy: {
    type: 'boolean',
    description: "emit a lazy engine: its load({ cells }) imports only the modules in the\ncells' dependency cone",
  },
  'max-module-mb': { type: 'number', valueName: 'N', description: 'split sheets into modules (row bands) of about N MB each' },
  inputs: {
    type: 'string',
    list: true,
    valueName: 'REFS',
    description: "output profile: the engine's inputs (cells, ranges, defined names);\ncells no input reaches are folded",
  },
  outputs: {
    type: 'string',
    list: true,
    valueName: 'REFS',
    description: "output profile: the engine's outputs; cells outside their dependency\ncone are dropped",
  },
  ...LIMIT_OPTIONS,
} as const satisfies Command['options'];

export const build: Command = {
  name: 'build',
  summary: 'compile a workbook into an engine directory',
  usage: 'sheetc build FILE.xlsx -o DIR [options]',
  description: 'Compile the workbook into the engine directory DIR (written to a temporary sibling and\nrenamed into place: a failed build leaves DIR as it was).',
  options: {
    out: { type: 'string', short: 'o', valueName: 'DIR', description: 'the engine directory to write' },
    ...BUILD_OPTIONS,
    report: { type: 'string', valueName: 'FILE', description: 'also write an HTML report of the workbook and its engine (see sheetc report)' },
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file) throw new SheetcError('E_INVALID_OPTION', 'build needs a workbook: sheetc build FILE.xlsx -o DIR');
    if (ctx.positionals.length > 1) throw new SheetcError('E_INVALID_OPTION', `build takes one workbook, got ${ctx.positionals.length} arguments`);
    const out = str(ctx.options, 'out');
    if (!out) throw new SheetcError('E_INVALID_OPTION', 'build needs an output directory: -o DIR');
    const report = await buildTo(file, ctx, out);
    const html = str(ctx.options, 'report');
    const wrote = html ? `report ${resolve(html)}\n` : '';
    ctx.streams.stdout.write(ctx.json ? JSON.stringify(report) + '\n' : `built ${resolve(out)}\n${wrote}${summary(report)}\n`);
    return 0;
  },
};
