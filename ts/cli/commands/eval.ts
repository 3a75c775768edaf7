import { statSync } from 'node:fs';
import { SheetcError } from '../../errors.js';
import { loadEngine } from '../../engine-loader.js';
import type { InputValue, JsonValue, RunResult } from '../../runtime/engine.js';
import type { BuildReport } from '../../types.js';
import { COMMON_OPTIONS, LIMIT_OPTIONS, list, str, type Command, type CommandContext } from '../command.js';
import { parseNow } from '../../verify.js';
import { display, jsonValue, parseInputValue, withTempEngine } from '../shared.js';

async function evaluate(dir: string, ctx: CommandContext, report: BuildReport | null): Promise<void> {
  const engine = await loadEngine(dir);
  const nowText = str(ctx.options, 'now');
  const runOptions = nowText !== undefined ? { now: parseNow(nowText) } : {};
  const inputs: Record<string, InputValue> = {};
  for (const s of list(ctx.options, 'set') ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new SheetcError('E_INVALID_OPTION', `--set needs REF=VALUE, got "${s}"`);
    inputs[s.slice(0, eq)] = parseInputValue(s.slice(eq + 1));
  }
  const cells = list(ctx.options, 'cells');
  let result: RunResult;
  try {
    if (engine.load) {
      // A lazy engine: load what the requested cells need (or every sheet).
      const sheets = cells ? undefined : engine.spec.sheets.map((s) => s.name);
      await engine.load(cells ? { cells } : { sheets });
    }
    result = engine.run(inputs, runOptions);
  } catch (e) {
    const err = e as { code?: string; message: string };
    throw new SheetcError((err.code as never) ?? 'E_INTERNAL', err.message);
  }
  let values: Record<string, JsonValue | JsonValue[][]>;
  if (cells) {
    values = {};
    for (const ref of cells) values[ref] = jsonValue(result.get(ref));
  } else values = result.toJSON();
  const meta = { ...result.meta, backfilled: report ? report.backfilled.length : undefined };
  if (ctx.json) {
    ctx.streams.stdout.write(JSON.stringify({ values, meta }) + '\n');
    return;
  }
  for (const [k, v] of Object.entries(values)) ctx.streams.stdout.write(`${k}\t${display(v)}\n`);
  if (!result.meta.converged) ctx.streams.stderr.write(`(iteration did not converge after ${result.meta.iterations} iterations)\n`);
  if (result.meta.stale.length) ctx.streams.stderr.write(`(stale backfilled cells: ${result.meta.stale.join(', ')})\n`);
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'compute a workbook or an engine and print cell values',
  usage: 'sheetc eval FILE.xlsx|DIR [--set REF=VALUE]... [--cells REFS] [options]',
  description:
    'Compute the workbook (compiling it to a temporary directory first when given a workbook)\nand print the values of every formula cell, or of REFS.',
  options: {
    set: {
      type: 'string',
      multiple: true,
      valueName: 'REF=VALUE',
      description: 'an input: REF is Sheet!A1, a range or a defined name; VALUE is a number,\nTRUE/FALSE, or text',
    },
    cells: { type: 'string', list: true, valueName: 'REFS', description: 'references to print (default: every formula cell)' },
    now: { type: 'string', valueName: 'ISO_DATE', description: 'the clock for NOW and TODAY (2024-03-15 or 2024-03-15T09:30; default: now)' },
    ...LIMIT_OPTIONS,
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file) throw new SheetcError('E_INVALID_OPTION', 'eval needs a workbook or an engine directory');
    let isDir = false;
    try {
      isDir = statSync(file).isDirectory();
    } catch {
      throw new SheetcError('E_IO', `${file} does not exist`);
    }
    if (isDir) await evaluate(file, ctx, null);
    // Computing values needs no comparison with the stored ones (that is `verify`).
    else await withTempEngine(file, ctx, (dir, report) => evaluate(dir, ctx, report), { verify: false });
    return 0;
  },
};
