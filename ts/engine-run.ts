/**
 * Runs a compiled engine once, with no inputs, for the build: the full model's formula
 * values for an output profile's folding, and the comparison of every formula cell with
 * the value Excel stored (the verification that follows every build, and `verify()`).
 *
 * It normally runs in a child process (`node engine-run.js JOB.json`): an imported ES
 * module is never unloaded, so running the engine in the caller would leave the whole
 * model in its heap after every build. An engine with user-defined functions runs in
 * the caller instead (JavaScript functions cannot be sent to another process).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { EncodedScalar, EngineSpec, RunOptions, RunResult } from './runtime/engine.js';
import type { UserFunction } from './runtime/udf.js';
import { readCachedTexts, readCachedValues, storedValue, type CachedTexts } from './cached-values.js';

/** One run of an engine and what to write from it. */
export interface EngineJob {
  /** The engine directory. */
  engine: string;
  /** The clock for NOW/TODAY: milliseconds since the epoch. */
  nowMs?: number;
  /** Write the formula values (`RunResult.formulaValues()`), only of the cells listed in `only` when given. */
  formulaValues?: { out: string; only?: string };
  /** Write the run's meta (`converged`, `iterations`, `elapsedMs`): the HTML report shows it. */
  meta?: { out: string };
  /** Compare with Excel's stored values (the build's `cachedValuesOut` file). */
  verify?: {
    cached: string;
    /** Backfilled cells as [sheet, row, col] (they keep the stored value: not compared). */
    backfilled: [number, number, number][];
    maxDifferences: number;
    out: string;
  };
}

/** A difference, before its formula is rendered (the caller has the native addon). */
export interface RawDifference {
  sheet: number;
  row: number;
  col: number;
  expected: EncodedScalar;
  actual: EncodedScalar;
  /** The formula text and the cell it is written for; null inside an array formula's range. */
  text: [number, number, string] | null;
}

export interface Comparison {
  total: number;
  matched: number;
  withoutStoredValue: number;
  backfilled: number;
  differences: RawDifference[];
  ms: number;
  /** The run's circular clusters converged (see RunResult.meta). */
  converged: boolean;
  iterations: number;
}

/** What a job's `meta` file holds. */
export interface JobMeta {
  converged: boolean;
  iterations: number;
  elapsedMs: number;
}

const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;

/** Excel's stored value against the engine's: numbers within 1e-9 relative (or 1e-12 absolute), the rest exactly. */
export function sameValue(expected: EncodedScalar, actual: EncodedScalar): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const d = Math.abs(expected - actual);
    return d < ABS_TOL || d <= REL_TOL * Math.max(Math.abs(expected), Math.abs(actual));
  }
  if (expected !== null && typeof expected === 'object') return actual !== null && typeof actual === 'object' && actual.e === expected.e;
  return expected === actual;
}

function compare(result: RunResult, job: NonNullable<EngineJob['verify']>): Comparison {
  const t0 = performance.now();
  const cached = readCachedValues(job.cached);
  // Read only when a difference shows its formula.
  let texts: CachedTexts | undefined;
  const textOf = (s: number, t: number) => (texts ??= readCachedTexts(job.cached))[s]?.[t] ?? null;
  // Every formula cell of a full engine is in its result: read by position (the result
  // class's internal valueAt), no map of a million values built first.
  const valueAt = (result as RunResult & { valueAt(sheet: number, row: number, col: number): EncodedScalar }).valueAt.bind(result);
  const backfilled = new Set(job.backfilled.map(([s, r, c]) => `${s},${r},${c}`));
  const out: Comparison = {
    total: 0,
    matched: 0,
    withoutStoredValue: 0,
    backfilled: 0,
    differences: [],
    ms: 0,
    converged: result.meta.converged,
    iterations: result.meta.iterations,
  };
  cached.forEach((sheet, s) => {
    out.withoutStoredValue += sheet.blank;
    const { rows, cols, texts: textIndex } = sheet;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const col = cols[i]!;
      if (backfilled.size && backfilled.has(`${s},${row},${col}`)) {
        out.backfilled++;
        continue;
      }
      out.total++;
      const expected = storedValue(sheet, i);
      const actual = valueAt(s, row, col);
      if (sameValue(expected, actual)) out.matched++;
      else if (out.differences.length < job.maxDifferences) {
        const t = textIndex[i]!;
        out.differences.push({ sheet: s, row, col, expected, actual, text: t >= 0 ? textOf(s, t) : null });
      }
    }
  });
  out.ms = performance.now() - t0;
  return out;
}

/** Imports the engine (fresh: `fresh` busts the module cache), runs it once, does the job. */
export async function runEngineJob(job: EngineJob, functions?: Record<string, UserFunction>, fresh?: string): Promise<Comparison | undefined> {
  const url = pathToFileURL(join(resolve(job.engine), 'engine.js')).href + (fresh ? `?${fresh}` : '');
  const engine = (await import(url)) as {
    run(inputs?: object, options?: RunOptions): RunResult;
    load?(scope: { sheets: string[] }): Promise<void>;
    spec: EngineSpec;
  };
  // A lazy engine loads everything first.
  if (engine.load) await engine.load({ sheets: engine.spec.sheets.map((s) => s.name) });
  const options: RunOptions = {};
  if (job.nowMs !== undefined) options.now = new Date(job.nowMs);
  if (functions) options.functions = functions;
  const result = engine.run({}, options);
  if (job.formulaValues) {
    let value = result.formulaValues();
    if (job.formulaValues.only) {
      // Numeric keys (sheet, row, column): a million formula cells are checked per build.
      const key = (s: number, r: number, c: number) => (s * 1048576 + r) * 16384 + c;
      const keep = new Set((JSON.parse(readFileSync(job.formulaValues.only, 'utf8')) as number[][]).map(([s, r, c]) => key(s!, r!, c!)));
      value = {
        sheets: value.sheets.map((flat, s) => {
          const o: EncodedScalar[] = [];
          if (keep.size === 0) return o;
          for (let i = 0; i + 2 < flat.length; i += 3) if (keep.has(key(s, flat[i] as number, flat[i + 1] as number))) o.push(flat[i]!, flat[i + 1]!, flat[i + 2]!);
          return o;
        }),
      };
    }
    writeFileSync(job.formulaValues.out, JSON.stringify(value));
  }
  if (job.meta) {
    const { converged, iterations, elapsedMs } = result.meta;
    writeFileSync(job.meta.out, JSON.stringify({ converged, iterations, elapsedMs } satisfies JobMeta));
  }
  if (job.verify) {
    const comparison = compare(result, job.verify);
    writeFileSync(job.verify.out, JSON.stringify(comparison));
    return comparison;
  }
  return undefined;
}

/**
 * As a child process: `node engine-run.js --sheetc-engine-job [HEAP_MB]`, the job file's
 * path as the first line on stdin. The child starts (and starts its worker) before the
 * job is known, so a build overlaps that start-up with its own work (compile.ts
 * EngineRunner). Its main thread runs the job in a worker thread and watches stdin, a
 * pipe from the parent: when the parent dies (even by SIGKILL) the pipe closes and the
 * child exits. The engine's run is synchronous, so a job on the main thread could never
 * notice (a killed profile build left its engine runner computing at full CPU).
 */
const asChild = /engine-run\.[cm]?[jt]s$/.test(process.argv[1] ?? '') && process.argv[2] === '--sheetc-engine-job';
if (isMainThread && asChild) {
  process.stdin.on('end', () => process.exit(70));
  process.stdin.on('error', () => process.exit(70));
  const heapMb = Number(process.argv[3]);
  // execArgv: [] — the worker must not inherit flags meant for this process.
  const worker = new Worker(new URL(import.meta.url), {
    execArgv: [],
    workerData: { sheetcEngineJob: true },
    ...(heapMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: heapMb } } : {}),
  });
  let line: string | null = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    if (line === null) return;
    line += d;
    const end = line.indexOf('\n');
    if (end < 0) return;
    worker.postMessage(line.slice(0, end));
    line = null;
  });
  worker.on('error', (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
  worker.on('exit', (code) => process.exit(code));
} else if (!isMainThread && (workerData as { sheetcEngineJob?: boolean } | null)?.sheetcEngineJob) {
  parentPort!.once('message', (jobFile: unknown) => {
    runEngineJob(JSON.parse(readFileSync(String(jobFile), 'utf8')) as EngineJob).then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
      },
    );
  });
}
