import { statSync } from 'node:fs';
import { SheetcError, isSheetcError } from '../../errors.js';
import { loadEngine, type LoadedEngine } from '../../engine-loader.js';
import { parseArea } from '../../runtime/address.js';
import type { InputValue, JsonValue, RunResult } from '../../runtime/engine.js';
import type { BuildReport } from '../../types.js';
import { COMMON_OPTIONS, LIMIT_OPTIONS, flag, list, str, type Command, type CommandContext } from '../command.js';
import { parseNow } from '../../verify.js';
import { display, jsonValue, parseInputValue, printWarnings, withTempEngine } from '../shared.js';

/**
 * An error out of the engine as the CLI reports it: sheetc's errors keep their code; any
 * other (a RangeError from a bug, an error without a code) is `E_INTERNAL`, never
 * mislabelled as a problem with the user's references.
 */
function engineFailure(e: unknown): SheetcError {
  if (isSheetcError(e)) return e;
  const err = e as { message?: unknown; stack?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return new SheetcError('E_INTERNAL', `the engine failed: ${message} (please report it with the workbook)`, undefined, { cause: e });
}

/** The sheet, rows and columns a reference covers (names through the engine's spec), or null. */
function areaOf(ref: string, engine: LoadedEngine): { sheet: string; r0: number; c0: number; r1: number; c1: number } | null {
  const sheets = engine.spec.sheets;
  const a = parseArea(ref);
  if (a) {
    const sheet = a.sheet ?? (sheets.length === 1 ? sheets[0]!.name : null);
    return sheet === null ? null : { ...a, sheet };
  }
  const n = engine.spec.names.find((x) => x.name.toUpperCase() === ref.trim().toUpperCase() && x.area);
  if (!n?.area) return null;
  const [s, r0, c0, r1, c1] = n.area;
  return { sheet: sheets[s]!.name, r0, c0, r1, c1 };
}

/** The stale cells among those asked for (`--cells`), or all of them. */
function staleAmong(stale: string[], cells: string[] | undefined, engine: LoadedEngine): string[] {
  if (!cells) return stale;
  const areas = cells.map((c) => areaOf(c, engine)).filter((a) => a !== null);
  return stale.filter((key) => {
    const k = parseArea(key);
    return k !== null && areas.some((a) => a.sheet.toUpperCase() === (k.sheet ?? '').toUpperCase() && k.r0 >= a.r0 && k.r0 <= a.r1 && k.c0 >= a.c0 && k.c0 <= a.c1);
  });
}

async function evaluate(dir: string, ctx: CommandContext, report: BuildReport | null): Promise<void> {
  const engine = await loadEngine(dir);
  const nowText = str(ctx.options, 'now');
  const runOptions = nowText !== undefined ? { now: parseNow(nowText) } : {};
  const inputs: Record<string, InputValue> = {};
  for (const s of list(ctx.options, 'set') ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new SheetcError('E_INVALID_OPTION', `--set needs REF=VALUE, got "${s}"`);
    const ref = s.slice(0, eq);
    inputs[ref] = parseInputValue(s.slice(eq + 1), ref);
  }
  const cells = list(ctx.options, 'cells');
  const formatted = flag(ctx.options, 'formatted');
  let result: RunResult;
  try {
    if (engine.load) {
      // A lazy engine: load what the requested cells need (or every sheet).
      const sheets = cells ? undefined : engine.spec.sheets.map((s) => s.name);
      await engine.load(cells ? { cells } : { sheets });
    }
    result = engine.run(inputs, runOptions);
  } catch (e) {
    throw engineFailure(e);
  }
  let values: Record<string, JsonValue | JsonValue[][]>;
  try {
    if (cells) {
      values = {};
      for (const ref of cells) values[ref] = formatted ? result.text(ref) : jsonValue(result.get(ref));
    } else values = result.toJSON({ formatted });
  } catch (e) {
    throw engineFailure(e);
  }
  const meta = { ...result.meta, backfilled: report ? report.backfilled.length : undefined };
  if (ctx.json) {
    ctx.streams.stdout.write(JSON.stringify({ values, meta }) + '\n');
    return;
  }
  for (const [k, v] of Object.entries(values)) {
    const shown = formatted ? (Array.isArray(v) ? v.map((row) => row.join('\t')).join('\n' + ' '.repeat(k.length) + '\t') : String(v)) : display(v);
    ctx.streams.stdout.write(`${k}\t${shown}\n`);
  }
  const note = (text: string) => ctx.streams.stderr.write(`${ctx.paintErr.yellow('note:')} ${text}\n`);
  if (!result.meta.converged) note(`iteration did not converge after ${result.meta.iterations} iterations`);
  const stale = staleAmong(result.meta.stale, cells, engine);
  if (stale.length) note(`stale backfilled cells (they keep Excel's stored value, which the inputs may have changed): ${stale.join(', ')}`);
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'compute a workbook or an engine and print cell values',
  usage: 'sheetc eval FILE.xlsx|DIR [--set REF=VALUE]... [--cells REFS] [options]',
  description:
    'Compute the workbook (compiling it to a temporary directory first when given a workbook)\n' +
    'and print the values of every formula cell, or of REFS. Numbers print as Excel shows them\n' +
    'to 15 significant digits (--json prints them exactly; --formatted with the cells\' number\n' +
    'formats).',
  options: {
    set: {
      type: 'string',
      multiple: true,
      valueName: 'REF=VALUE',
      description:
        "an input: REF is Sheet!A1, a range or a defined name; VALUE is a number,\nTRUE/FALSE, an ISO date or date-time (2027-03-15, 2027-03-15T10:30, read\nas UTC), a time (10:30), or text ('text forces text)",
    },
    cells: { type: 'string', list: true, valueName: 'REFS', description: 'references to print (default: every formula cell)' },
    formatted: { type: 'boolean', description: "print the text Excel displays, with each cell's number format" },
    now: { type: 'string', valueName: 'ISO_DATE', description: 'the clock for NOW and TODAY (2024-03-15 or 2024-03-15T09:30; default: now)' },
    ...LIMIT_OPTIONS,
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file) throw new SheetcError('E_INVALID_OPTION', 'eval needs a workbook or an engine directory');
    if (ctx.positionals.length > 1) throw new SheetcError('E_INVALID_OPTION', `eval takes one workbook or engine directory, got ${ctx.positionals.length} arguments`);
    let isDir = false;
    try {
      isDir = statSync(file).isDirectory();
    } catch {
      throw new SheetcError('E_IO', `${file} does not exist`);
    }
    if (isDir) await evaluate(file, ctx, null);
    else
      await withTempEngine(
        file,
        ctx,
        (dir, report) => {
          printWarnings(report, ctx);
          return evaluate(dir, ctx, report);
        },
        // Computing values needs no comparison with the stored ones (that is `verify`).
        { verify: false },
      );
    return 0;
  },
};
