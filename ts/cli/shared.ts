/** Pieces several commands share: building to a directory, values as text, the build summary. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compile.js';
import type { InputValue, JsonValue } from '../runtime/engine.js';
import { isExcelError } from '../runtime/values.js';
import type { BuildReport, CompileOptions } from '../types.js';
import { flag, list, num, str, type CommandContext } from './command.js';
import { progressBar } from './io.js';

/** The compile options a command's parsed options ask for. */
export function compileOptionsOf(ctx: CommandContext, outDir: string): CompileOptions {
  const o = ctx.options;
  const opts: CompileOptions = { outDir };
  if (flag(o, 'strict')) opts.strict = true;
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
    return await compile(file, { ...compileOptionsOf(ctx, outDir), ...extra, onProgress: bar.update });
  } finally {
    bar.done();
  }
}

/** Builds into a temporary directory, calls `fn`, and removes the directory. */
export async function withTempEngine<T>(file: string, ctx: CommandContext, fn: (dir: string, report: BuildReport) => Promise<T>, extra: Partial<CompileOptions> = {}): Promise<T> {
  const base = mkdtempSync(join(tmpdir(), 'sheetc-'));
  try {
    const dir = join(base, 'engine');
    const report = await buildTo(file, ctx, dir, extra);
    return await fn(dir, report);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** `--set` values: TRUE/FALSE, numbers, else text. */
export function parseInputValue(text: string): InputValue {
  const t = text.trim();
  if (/^(true|false)$/i.test(t)) return t.toUpperCase() === 'TRUE';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return text;
}

export function jsonValue(v: unknown): JsonValue | JsonValue[][] {
  if (isExcelError(v)) return { error: v.code };
  if (Array.isArray(v)) return v.map((row: unknown[]) => row.map((x) => jsonValue(x) as JsonValue));
  return v as JsonValue;
}

export function display(v: JsonValue | JsonValue[][]): string {
  if (v !== null && typeof v === 'object' && 'error' in v) return v.error;
  return JSON.stringify(v);
}

/** The build summary `build` and `inspect` print. */
export function summary(report: BuildReport): string {
  const lines = [
    `sheets: ${report.sheets.length}, cells: ${report.cells}, formula cells: ${report.formulaCells}, shapes: ${report.shapes}`,
    `modules: ${report.modules}, engine size: ${report.engineBytes} bytes, time: ${Math.round(report.timings.totalMs)} ms`,
  ];
  if (report.clusters.length) lines.push(`circular clusters: ${report.clusters.length}${report.iterative ? ' (iterative calculation on)' : ' (iterative calculation off)'}`);
  if (report.backfilled.length) {
    lines.push(`backfilled cells: ${report.backfilled.length} (kept Excel's cached value)`);
    for (const b of report.backfilled.slice(0, 10)) lines.push(`  ${b.sheet}!${b.cell}: ${b.reason}`);
    if (report.backfilled.length > 10) lines.push(`  ... ${report.backfilled.length - 10} more (see manifest.json)`);
  }
  return lines.join('\n');
}
