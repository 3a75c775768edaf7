/** Pieces several commands share: building to a directory, values as text, the build summary. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compile.js';
import { scratchDir } from '../temp.js';
import type { InputValue, JsonValue } from '../runtime/engine.js';
import { numberText } from '../runtime/display.js';
import { isExcelError } from '../runtime/values.js';
import { SheetcError } from '../errors.js';
import type { BuildReport, CompileOptions } from '../types.js';
import { flag, list, num, str, type CommandContext } from './command.js';
import { progressBar } from './io.js';

/** The compile options a command's parsed options ask for. */
export function compileOptionsOf(ctx: CommandContext, outDir: string): CompileOptions {
  const o = ctx.options;
  const opts: CompileOptions = { outDir };
  if (flag(o, 'strict')) opts.strict = true;
  if (flag(o, 'no-verify')) opts.verify = false;
  if (flag(o, 'lazy')) opts.lazy = true;
  const maxModuleMb = num(o, 'max-module-mb');
  if (maxModuleMb !== undefined) opts.maxModuleMb = maxModuleMb;
  const inputs = list(o, 'inputs');
  if (inputs) opts.inputs = inputs;
  const outputs = list(o, 'outputs');
  if (outputs) opts.outputs = outputs;
  const maxUncompressedMb = num(o, 'max-uncompressed-mb');
  if (maxUncompressedMb !== undefined) opts.maxUncompressedMb = maxUncompressedMb;
  const maxCells = num(o, 'max-cells');
  if (maxCells !== undefined) opts.maxCells = maxCells;
  const report = str(o, 'report');
  if (report !== undefined) opts.report = report;
  return opts;
}

/** Compiles with a progress bar (on a terminal, without --json), cleared when done. */
export async function buildTo(file: string, ctx: CommandContext, outDir: string, extra: Partial<CompileOptions> = {}): Promise<BuildReport> {
  const bar = progressBar(ctx.streams.stderr, ctx.showProgress);
  try {
    return await compile(file, { ...compileOptionsOf(ctx, outDir), ...extra, ...(ctx.showProgress ? { onProgress: bar.update } : {}) });
  } finally {
    bar.done();
  }
}

/** The build's warnings on stderr (`warning: ...`), unless --json (they are in the report). */
export function printWarnings(report: { warnings?: { message: string }[] }, ctx: CommandContext): void {
  if (ctx.json) return;
  for (const w of report.warnings ?? []) ctx.streams.stderr.write(`${ctx.paintErr.yellow('warning:')} ${w.message}\n`);
}

/** Builds into a temporary directory, calls `fn`, and removes the directory. */
export async function withTempEngine<T>(file: string, ctx: CommandContext, fn: (dir: string, report: BuildReport) => Promise<T>, extra: Partial<CompileOptions> = {}): Promise<T> {
  const base = scratchDir('cli');
  try {
    const dir = join(base, 'engine');
    const report = await buildTo(file, ctx, dir, extra);
    return await fn(dir, report);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

/**
 * `--set` values: `TRUE`/`FALSE`, numbers, ISO dates and date-times (`2027-03-15`,
 * `2027-03-15T10:30`, read by their UTC calendar fields, so they mean the same date on
 * every machine; a date that does not exist, such as 2027-02-30, is an error), times
 * (`10:30`, `10:30:15`: fractions of a day, as Excel reads them typed into a cell), else
 * text. A leading `'` forces text, as in Excel: `--set "A1='2027-03-15"`.
 */
export function parseInputValue(text: string, ref = ''): InputValue {
  const t = text.trim();
  if (t.startsWith("'")) return text.slice(text.indexOf("'") + 1);
  if (/^(true|false)$/i.test(t)) return t.toUpperCase() === 'TRUE';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  const d = ISO_DATE.exec(t);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const date = new Date(Date.UTC(y, m - 1, day));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== day) {
      throw new SheetcError('E_INVALID_OPTION', `--set ${ref}=${text}: there is no such date`);
    }
    if (d[4] === undefined) return date;
    const iso = `${d[1]}-${d[2]}-${d[3]}T${d[4]}:${d[5]}:${d[6] ?? '00'}${d[7] ?? 'Z'}`;
    const withTime = new Date(iso);
    if (Number.isNaN(withTime.getTime()) || Number(d[4]) > 23 || Number(d[5]) > 59 || Number(d[6] ?? 0) > 59) {
      throw new SheetcError('E_INVALID_OPTION', `--set ${ref}=${text}: not a valid date and time`);
    }
    return withTime;
  }
  const tm = TIME.exec(t);
  if (tm && Number(tm[2]) < 60 && Number(tm[3] ?? 0) < 60) {
    const seconds = Number(tm[1]) * 3600 + Number(tm[2]) * 60 + Number(tm[3] ?? 0) + Number(`0.${tm[4] ?? 0}`);
    return seconds / 86400;
  }
  return text;
}

export function jsonValue(v: unknown): JsonValue | JsonValue[][] {
  if (isExcelError(v)) return { error: v.code };
  if (Array.isArray(v)) return v.map((row: unknown[]) => row.map((x) => jsonValue(x) as JsonValue));
  return v as JsonValue;
}

/**
 * A value as `eval` prints it: numbers as Excel shows them to 15 significant digits
 * (`0.1+0.2` is `0.3`), text as JSON strings, errors by code; a range as JSON rows.
 */
export function display(v: JsonValue | JsonValue[][]): string {
  if (v !== null && typeof v === 'object' && 'error' in v) return v.error;
  if (typeof v === 'number') return numberText(v);
  if (Array.isArray(v)) return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(15)) : isExcelError(x) ? x.code : x));
  return JSON.stringify(v);
}

/** Thousands separators, as the summary prints counts. */
const count = (n: number): string => n.toLocaleString('en-US');

/** The build summary `build` and `inspect` print. */
export function summary(report: BuildReport): string {
  const lines = [
    `sheets: ${report.sheets.length}, cells: ${report.cells}, formula cells: ${report.formulaCells}, shapes: ${report.shapes}`,
    `modules: ${report.modules}, engine size: ${report.engineBytes} bytes, time: ${Math.round(report.timings.totalMs)} ms`,
  ];
  if (report.clusters.length) lines.push(`circular clusters: ${report.clusters.length}${report.iterative ? ' (iterative calculation on)' : ' (iterative calculation off)'}`);
  if (report.backfilled.length) {
    const cached = report.backfilled.filter((b) => b.hasCachedValue).length;
    const none = report.backfilled.length - cached;
    const kept = [cached ? `${cached} keep the value Excel stored` : '', none ? `${none} had no stored value and hold #NAME?` : ''].filter(Boolean).join(', ');
    lines.push(`backfilled cells: ${report.backfilled.length} (${kept}; they do not recalculate)`);
    for (const b of report.backfilled.slice(0, 10)) {
      lines.push(`  ${b.sheet}!${b.cell}: ${b.reason}${b.hasCachedValue ? '' : ' — no stored value: the cell is #NAME?'}`);
    }
    if (report.backfilled.length > 10) lines.push(`  ... ${report.backfilled.length - 10} more (see manifest.json)`);
    lines.push(
      '  what to do: give such a cell its value as an input (run({ "Sheet!A1": value }) or --set), replace the formula with' +
        ' functions sheetc implements (FUNCTIONS.md), or recalculate the workbook in Excel and save it so that it stores the values',
    );
  }
  const udfs = Object.entries(report.userDefinedFunctions);
  if (udfs.length) lines.push(`user-defined functions: ${udfs.map(([n, c]) => `${n} (${count(c ?? 0)} cell${c === 1 ? '' : 's'})`).join(', ')}`);
  if (report.unknownFunctions.length) {
    lines.push(`unknown functions (not Excel functions: #NAME?, as in Excel): ${report.unknownFunctions.length}`);
    for (const u of report.unknownFunctions.slice(0, 10)) {
      lines.push(`  ${u.name}: ${count(u.count)} cell${u.count === 1 ? '' : 's'} (${u.cells.slice(0, 3).join(', ')}${u.count > 3 ? ', ...' : ''})`);
    }
  }
  const v = report.verification;
  if (v) {
    if (v.total === 0) lines.push(`not verified: the file stores no results to compare with (${count(v.withoutStoredValue)} formula cell(s) without a stored value)`);
    else {
      lines.push(`verified ${count(v.matched)} / ${count(v.total)} cells against Excel's stored values; ${count(v.differ)} differ`);
      for (const d of v.differences.slice(0, 10)) lines.push(`  ${d.cell}${d.formula ? ` ${d.formula}` : ''}: Excel ${display(d.expected)}, sheetc ${display(d.actual)}`);
      if (v.differ > 10) lines.push(`  ... ${count(v.differ - Math.min(10, v.differences.length))} more${v.differences.length > 10 ? ' (see manifest.json)' : ''}`);
    }
    if (!v.converged) {
      const first = report.clusters[0]?.slice(0, 3).join(', ');
      lines.push(
        `circular references did not converge in ${count(v.iterations)} iteration(s)${first ? ` (${first}${(report.clusters[0]?.length ?? 0) > 3 ? ', ...' : ''})` : ''}:` +
          " their values are where the iterations stopped, as Excel's would be; raise the workbook's maximum iterations or check the model",
      );
    }
  }
  return lines.join('\n');
}
