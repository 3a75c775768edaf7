#!/usr/bin/env node
/**
 * The `sheetc` command line: build, eval, inspect. Errors print their message and
 * code (no stack trace) and exit non-zero.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compile } from './compile.js';
import { loadEngine } from './engine-loader.js';
import { verify } from './verify.js';
import { SheetcError } from './errors.js';
import type { BuildReport, ProgressEvent } from './types.js';
import type { InputValue, JsonValue, RunResult } from './runtime/engine.js';
import { isExcelError } from './runtime/values.js';

const HELP = `sheetc — compile an Excel workbook into a standalone JavaScript engine

Usage:
  sheetc build FILE.xlsx -o DIR [--lazy] [--max-module-mb N] [--inputs REFS]
               [--outputs REFS] [--strict] [--json]
      Compile the workbook into the engine directory DIR.
  sheetc eval FILE.xlsx|DIR [--set REF=VALUE]... [--cells REFS] [--json]
      Compute the workbook (compiling it to a temporary directory first when given a
      workbook) and print the values of every formula cell, or of REFS.
  sheetc verify FILE.xlsx [--json]
      Compile and run the workbook, and compare every formula cell with the value
      Excel stored in the file; exits 1 when any differs.
  sheetc inspect FILE.xlsx [--json]
      Compile to a temporary directory and report sheets, cells, formula shapes,
      functions used, unsupported functions, backfilled cells, names and clusters.

Options:
  -o, --out DIR         output directory for build
  --set REF=VALUE       an input: REF is Sheet!A1 or a defined name; VALUE is a number,
                        TRUE/FALSE, or text (repeatable)
  --cells REFS          comma-separated references to print (default: every formula cell)
  --strict              fail the build when any cell would be backfilled
  --lazy                emit a lazy engine: its load({ cells }) imports only the modules
                        in the cells' dependency cone (eval loads what --cells needs)
  --max-module-mb N     split sheets into modules (row bands) of about N MB each
  --inputs REFS         output profile: the engine's inputs (comma-separated cells,
                        ranges, defined names); cells no input reaches are folded
  --outputs REFS        output profile: the engine's outputs; cells outside their
                        dependency cone are dropped
  --max-uncompressed-mb N   limit on the workbook's uncompressed size (default 4096)
  --max-cells N         limit on the number of cells (default 50000000)
  --json                machine-readable output
  -h, --help            this help
  -v, --version         the version
`;

interface Args {
  command: string | undefined;
  positional: string[];
  out?: string;
  sets: [string, string][];
  cells?: string;
  json: boolean;
  strict: boolean;
  lazy: boolean;
  maxModuleMb?: number;
  inputs?: string[];
  outputs?: string[];
  maxUncompressedMb?: number;
  maxCells?: number;
  help: boolean;
  version: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { command: undefined, positional: [], sets: [], json: false, strict: false, lazy: false, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new SheetcError('E_INVALID_OPTION', `${arg} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = Number(next());
      if (!Number.isFinite(v) || v <= 0) throw new SheetcError('E_INVALID_OPTION', `${arg} needs a positive number`);
      return v;
    };
    switch (arg) {
      case '-o':
      case '--out':
        a.out = next();
        break;
      case '--set': {
        const s = next();
        const eq = s.indexOf('=');
        if (eq <= 0) throw new SheetcError('E_INVALID_OPTION', `--set needs REF=VALUE, got "${s}"`);
        a.sets.push([s.slice(0, eq), s.slice(eq + 1)]);
        break;
      }
      case '--cells':
        a.cells = next();
        break;
      case '--json':
        a.json = true;
        break;
      case '--strict':
        a.strict = true;
        break;
      case '--inputs':
        a.inputs = splitRefs(next());
        break;
      case '--outputs':
        a.outputs = splitRefs(next());
        break;
      case '--lazy':
        a.lazy = true;
        break;
      case '--max-module-mb':
        a.maxModuleMb = num();
        break;
      case '--max-uncompressed-mb':
        a.maxUncompressedMb = num();
        break;
      case '--max-cells':
        a.maxCells = num();
        break;
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '-v':
      case '--version':
        a.version = true;
        break;
      default:
        if (arg.startsWith('-')) throw new SheetcError('E_INVALID_OPTION', `unknown option ${arg} (see sheetc --help)`);
        if (a.command === undefined) a.command = arg;
        else a.positional.push(arg);
    }
  }
  return a;
}

/** Comma-separated references; commas inside quoted sheet names do not split. */
function splitRefs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  const refs = out.filter(Boolean);
  if (!refs.length) throw new SheetcError('E_INVALID_OPTION', 'expected comma-separated references');
  return refs;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** A progress bar on a TTY; nothing otherwise. */
function progressBar(enabled: boolean): ((e: ProgressEvent) => void) | undefined {
  if (!enabled) return undefined;
  let last = '';
  return (e) => {
    const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const line = `${e.phase.padEnd(6)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(frac * 100)}%`;
    if (line !== last) {
      process.stderr.write(`\r${line}`);
      last = line;
    }
    if (e.phase === 'emit' && frac >= 1) process.stderr.write('\n');
  };
}

function parseInputValue(text: string): InputValue {
  const t = text.trim();
  if (/^(true|false)$/i.test(t)) return t.toUpperCase() === 'TRUE';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return text;
}

function jsonValue(v: unknown): JsonValue | JsonValue[][] {
  if (isExcelError(v)) return { error: v.code };
  if (Array.isArray(v)) return v.map((row: unknown[]) => row.map((x) => jsonValue(x) as JsonValue));
  return v as JsonValue;
}

function display(v: JsonValue | JsonValue[][]): string {
  if (v !== null && typeof v === 'object' && 'error' in v) return v.error;
  return JSON.stringify(v);
}

async function buildTo(file: string, outDir: string, args: Args, quiet: boolean): Promise<BuildReport> {
  return compile(file, {
    outDir,
    strict: args.strict,
    lazy: args.lazy,
    maxModuleMb: args.maxModuleMb,
    inputs: args.inputs,
    outputs: args.outputs,
    maxUncompressedMb: args.maxUncompressedMb,
    maxCells: args.maxCells,
    onProgress: progressBar(!quiet && !args.json && process.stderr.isTTY === true),
  });
}

async function withTempEngine<T>(file: string, args: Args, fn: (dir: string, report: BuildReport) => Promise<T>): Promise<T> {
  const base = mkdtempSync(join(tmpdir(), 'sheetc-'));
  try {
    const dir = join(base, 'engine');
    const report = await buildTo(file, dir, args, true);
    return await fn(dir, report);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function evaluate(dir: string, args: Args, report: BuildReport | null): Promise<void> {
  const engine = await loadEngine(dir);
  const inputs: Record<string, InputValue> = {};
  for (const [ref, value] of args.sets) inputs[ref] = parseInputValue(value);
  const cells = args.cells ? args.cells.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  let result: RunResult;
  try {
    if (engine.load) {
      // A lazy engine: load what the requested cells need (or every sheet).
      const sheets = cells ? undefined : engine.spec.sheets.map((s) => s.name);
      await engine.load(cells ? { cells } : { sheets });
    }
    result = engine.run(inputs);
  } catch (e) {
    const err = e as { code?: string; message: string };
    throw new SheetcError((err.code as never) ?? 'E_UNKNOWN_REF', err.message);
  }
  let values: Record<string, JsonValue | JsonValue[][]>;
  if (cells) {
    values = {};
    for (const ref of cells) values[ref] = jsonValue(result.get(ref));
  } else values = result.toJSON();
  const meta = { ...result.meta, backfilled: report ? report.backfilled.length : undefined };
  if (args.json) {
    process.stdout.write(JSON.stringify({ values, meta }) + '\n');
    return;
  }
  for (const [k, v] of Object.entries(values)) process.stdout.write(`${k}\t${display(v)}\n`);
  if (!result.meta.converged) process.stdout.write(`(iteration did not converge after ${result.meta.iterations} iterations)\n`);
  if (result.meta.stale.length) process.stdout.write(`(stale backfilled cells: ${result.meta.stale.join(', ')})\n`);
}

function summary(report: BuildReport): string {
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

function inspectText(report: BuildReport): string {
  const fns = Object.entries(report.functions).sort((a, b) => b[1] - a[1]);
  const lines = [summary(report), `functions used: ${fns.map(([n, c]) => `${n}×${c}`).join(', ') || 'none'}`];
  const unsupported = Object.entries(report.unsupportedFunctions);
  if (unsupported.length) lines.push(`unsupported functions: ${unsupported.map(([n, c]) => `${n}×${c}`).join(', ')}`);
  if (report.definedNames.length) lines.push(`defined names: ${report.definedNames.join(', ')}`);
  return lines.join('\n');
}

// A closed pipe (`sheetc eval ... | head`) ends the output quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.version) {
    process.stdout.write(`sheetc ${packageVersion()}\n`);
    return 0;
  }
  if (args.help || !args.command) {
    process.stdout.write(HELP);
    return args.command || args.help ? 0 : 1;
  }
  const file = args.positional[0];
  switch (args.command) {
    case 'build': {
      if (!file) throw new SheetcError('E_INVALID_OPTION', 'build needs a workbook: sheetc build FILE.xlsx -o DIR');
      if (!args.out) throw new SheetcError('E_INVALID_OPTION', 'build needs an output directory: -o DIR');
      const report = await buildTo(file, args.out, args, false);
      process.stdout.write(args.json ? JSON.stringify(report) + '\n' : `built ${resolve(args.out)}\n${summary(report)}\n`);
      return 0;
    }
    case 'eval': {
      if (!file) throw new SheetcError('E_INVALID_OPTION', 'eval needs a workbook or an engine directory');
      let isDir = false;
      try {
        isDir = statSync(file).isDirectory();
      } catch {
        throw new SheetcError('E_IO', `${file} does not exist`);
      }
      if (isDir) await evaluate(file, args, null);
      else await withTempEngine(file, args, (dir, report) => evaluate(dir, args, report));
      return 0;
    }
    case 'verify': {
      if (!file) throw new SheetcError('E_INVALID_OPTION', 'verify needs a workbook: sheetc verify FILE.xlsx');
      const r = await verify(file, { strict: args.strict, maxUncompressedMb: args.maxUncompressedMb, maxCells: args.maxCells });
      if (args.json) process.stdout.write(JSON.stringify({ ...r, build: undefined, buildSummary: { formulaCells: r.build.formulaCells, backfilled: r.build.backfilled.length } }) + '\n');
      else {
        process.stdout.write(`${r.matched} / ${r.total} formula cells match the values Excel stored${r.total ? ` (${((100 * r.matched) / r.total).toFixed(2)}%)` : ''}\n`);
        if (r.backfilled) process.stdout.write(`${r.backfilled} backfilled cell(s) not compared (they keep the stored value)\n`);
        if (r.withoutStoredValue) process.stdout.write(`${r.withoutStoredValue} formula cell(s) have no stored value (not compared)\n`);
        for (const m of r.mismatches) process.stdout.write(`  ${m.cell}: Excel ${display(m.expected)}, sheetc ${display(m.actual)}\n`);
        if (r.total - r.matched > r.mismatches.length) process.stdout.write(`  ... ${r.total - r.matched - r.mismatches.length} more\n`);
      }
      return r.matched === r.total ? 0 : 1;
    }
    case 'inspect': {
      if (!file) throw new SheetcError('E_INVALID_OPTION', 'inspect needs a workbook');
      await withTempEngine(file, args, async (_dir, report) => {
        process.stdout.write(args.json ? JSON.stringify(report) + '\n' : inspectText(report) + '\n');
      });
      return 0;
    }
    default:
      throw new SheetcError('E_INVALID_OPTION', `unknown command "${args.command}" (see sheetc --help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof SheetcError || (e && typeof e === 'object' && 'code' in e)) {
      const err = e as SheetcError;
      process.stderr.write(`sheetc: ${err.message} [${err.code}]\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`sheetc: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    }
  },
);
