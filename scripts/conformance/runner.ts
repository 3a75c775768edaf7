/**
 * Runs the conformance check over a set of workbooks: extract Excel's results, strip
 * them, compile and run the stripped copy in a child process, compare.
 */
import { START_LIMIT_MS, STARTED } from './started.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callsNondeterministic, compareValues, normalizeKey, type MismatchReason } from './compare.js';
import type { Backfill } from './engine.js';
import { extractExpected, stripWorkbook, type CellValue, type ExpectedCell } from './xlsx.js';
import { formatOfPath, oracleFor, stripTwin, type Format } from './twins.js';

export type FileStatus =
  | 'ok' // compiled and ran; cells compared
  | 'compile-error'
  | 'run-error' // engine.js failed to load or run() threw
  | 'crash' // the worker died (native crash, OOM...) without a result
  | 'timeout'
  | 'unreadable' // the workbook could not be read / extracted
  | 'skipped'; // --dry-run: extracted and stripped only

export interface CellMismatch {
  cell: string;
  formula: string;
  kind: ExpectedCell['kind'];
  from?: string;
  expected: CellValue;
  /** The engine's value; absent when the key was missing or the file failed. */
  got?: unknown;
  reason: MismatchReason;
  relDiff?: number;
  /** The compiler's reason, for backfilled cells. */
  backfillReason?: string;
}

export interface FileResult {
  file: string;
  /** The file's format (by extension): a twin's is not its oracle's. */
  format: Format;
  /** For a twin (.xlsb/.xls/.ods), the .xlsx/.xlsm whose stored values it is scored against. */
  oracle?: string;
  /** How a twin's stored results were kept from the engine (see twins.ts). */
  stripped?: 'removed' | 'replaced';
  status: FileStatus;
  error?: string;
  durationMs: number;
  timings?: { compileMs: number; importMs: number; runMs: number };
  total: number;
  matched: number;
  backfilled: number;
  mismatched: number;
  /** Formula cells without a stored value (not counted). */
  noValue: number;
  /**
   * Formula cells that call RAND, RANDBETWEEN, RANDARRAY, NOW or TODAY (not counted):
   * Excel's stored value is a draw made when it saved. Cells that only depend on such a
   * cell are still counted.
   */
  nondeterministic: number;
  /** Cells the build report says were backfilled (any cell, counted or not). */
  backfilledReported: number;
  mismatches: CellMismatch[];
  matchedCells: string[];
}

export interface RunOptions {
  /** Files or folders. */
  paths: string[];
  filter?: string;
  timeoutMs: number;
  jobs: number;
  /** Module exporting compile(); default: the repo's ts/index. */
  compiler?: string;
  /** Work folder (stripped copies, engines); default a fresh temp dir, removed after. */
  workDir?: string;
  keep?: boolean;
  dryRun?: boolean;
  onProgress?: (done: number, total: number, r: FileResult) => void;
}

export interface Corpus {
  /** Absolute path → name shown in the report (relative to the folder given). */
  files: { path: string; name: string }[];
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const WORKER = join(HERE, 'worker.ts');

function walk(dir: string, out: string[]): void {
  for (const n of readdirSync(dir).sort()) {
    if (n.startsWith('.') || n.startsWith('~$')) continue;
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (/\.xls[xm]$/i.test(n)) out.push(p);
    // A twin is scored only against its oracle beside it.
    else if (/\.(xlsb|xls|ods)$/i.test(n) && oracleFor(p)) out.push(p);
  }
}

/** The workbooks under the given paths (throws when a path cannot be read). */
export function listWorkbooks(paths: string[], filter?: string): Corpus {
  const files: { path: string; name: string }[] = [];
  for (const p0 of paths) {
    const p = resolve(p0);
    const st = statSync(p);
    if (st.isDirectory()) {
      const found: string[] = [];
      walk(p, found);
      for (const f of found) files.push({ path: f, name: relative(p, f) });
    } else files.push({ path: p, name: basename(p) });
  }
  const f = filter?.toLowerCase();
  return { files: f ? files.filter((x) => x.name.toLowerCase().includes(f)) : files };
}

interface WorkerOutcome {
  status: FileStatus;
  error?: string;
  /** The engine's sheets in workbook order (from the build report). */
  sheetNames?: string[];
  values?: Record<string, unknown>;
  backfilled?: Backfill[];
  timings?: FileResult['timings'];
}

function tail(s: string, n = 2000): string {
  const t = s.trim();
  return t.length > n ? '…' + t.slice(-n) : t;
}

/** Compiles and runs one stripped workbook in a child process, with a timeout. */
export function runWorker(xlsx: string, outDir: string, timeoutMs: number, compiler?: string): Promise<WorkerOutcome> {
  const resultPath = join(outDir, '..', 'result.json');
  rmSync(resultPath, { force: true });
  mkdirSync(outDir, { recursive: true });
  const tsx = import.meta.resolve('tsx');
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', tsx, WORKER, xlsx, outDir, resultPath, compiler ?? ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let timedOut = false;
    let started = false;
    const kill = () => {
      timedOut = true;
      child.kill('SIGKILL');
    };
    // The workbook's time limit starts when the worker says it is loaded; until then only
    // a generous start-up limit applies.
    let timer = setTimeout(kill, Math.max(START_LIMIT_MS, timeoutMs));
    const keep = (b: Buffer) => {
      out += b.toString();
      if (!started && out.includes(STARTED)) {
        started = true;
        clearTimeout(timer);
        timer = setTimeout(kill, timeoutMs);
      }
      if (out.length > 20_000) out = out.slice(-10_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ status: 'crash', error: `could not start the worker: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return done({ status: 'timeout', error: started ? `no result after ${timeoutMs / 1000} s` : `the worker did not start within ${Math.max(START_LIMIT_MS, timeoutMs) / 1000} s` });
      let res: Record<string, unknown> | undefined;
      try {
        if (existsSync(resultPath)) res = JSON.parse(readFileSync(resultPath, 'utf8'));
      } catch (e) {
        return done({ status: 'crash', error: `unreadable result: ${(e as Error).message}` });
      }
      if (!res) {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        return done({ status: 'crash', error: `worker died (${how})${out ? ': ' + tail(out.replace(STARTED, '')) : ''}` });
      }
      if (!res.ok) {
        const stage = String(res.stage);
        return done({ status: stage === 'compile' ? 'compile-error' : 'run-error', error: `${stage}: ${String(res.error)}` });
      }
      const reportSheets = (res.report as { sheets?: { name?: unknown }[] } | undefined)?.sheets;
      done({
        status: 'ok',
        ...(Array.isArray(reportSheets) ? { sheetNames: reportSheets.map((x) => String(x.name)) } : {}),
        values: res.values as Record<string, unknown>,
        backfilled: res.backfilled as Backfill[],
        timings: res.timings as FileResult['timings'],
      });
    });
  });
}

/** Compares a file's expected cells with the engine's values. */
export function compareFile(
  cells: ExpectedCell[],
  values: Record<string, unknown>,
  backfilled: Backfill[] = [],
): Pick<FileResult, 'matched' | 'backfilled' | 'mismatched' | 'mismatches' | 'matchedCells'> {
  const got = new Map<string, unknown>();
  for (const [k, v] of Object.entries(values)) got.set(normalizeKey(k), v);
  const bf = new Map<string, Backfill>();
  for (const b of backfilled) bf.set(normalizeKey(`${b.sheet}!${b.cell}`), b);
  const r = { matched: 0, backfilled: 0, mismatched: 0, mismatches: [] as CellMismatch[], matchedCells: [] as string[] };
  for (const c of cells) {
    const nk = normalizeKey(c.key);
    const v = got.get(nk);
    const base = { cell: c.key, formula: c.displayFormula, kind: c.kind, ...(c.from ? { from: c.from } : {}), expected: c.expected };
    const b = bf.get(nk);
    if (b) {
      r.backfilled++;
      r.mismatches.push({ ...base, ...(v !== undefined ? { got: v } : {}), reason: 'backfilled', ...(b.reason ? { backfillReason: b.reason } : {}) });
      continue;
    }
    const cmp = compareValues(c.expected, v);
    if (cmp.ok) {
      r.matched++;
      r.matchedCells.push(c.key);
    } else {
      r.mismatched++;
      r.mismatches.push({ ...base, ...(v !== undefined ? { got: v } : {}), reason: cmp.reason!, ...(cmp.relDiff !== undefined ? { relDiff: cmp.relDiff } : {}) });
    }
  }
  return r;
}

/**
 * A twin's sheets may be named otherwise than its oracle's (Excel saved a renamed copy):
 * the oracle's n-th worksheet is the twin's n-th sheet.
 */
export function renameSheets(cells: ExpectedCell[], oracleSheets: string[], twinSheets: string[]): ExpectedCell[] {
  const to = new Map<string, string>();
  oracleSheets.forEach((name, i) => {
    const t = twinSheets[i];
    if (t !== undefined && t.toLowerCase() !== name.toLowerCase()) to.set(name, t);
  });
  if (!to.size) return cells;
  return cells.map((c) => {
    const sheet = to.get(c.sheet);
    return sheet === undefined ? c : { ...c, sheet, key: `${sheet}!${c.cell}` };
  });
}

function fileWorkDir(workDir: string, index: number, path: string): string {
  return join(workDir, `${String(index).padStart(4, '0')}-${basename(path).replace(/[^\w.-]+/g, '_')}`);
}

/** Runs one workbook end to end. */
export async function checkFile(path: string, name: string, workDir: string, index: number, opts: RunOptions): Promise<{ result: FileResult; cells: ExpectedCell[] }> {
  const t0 = performance.now();
  const format = formatOfPath(path) ?? 'xlsx';
  const oracle = format === 'xlsx' || format === 'xlsm' ? undefined : oracleFor(path);
  const base: FileResult = {
    file: name,
    format,
    ...(oracle ? { oracle: basename(oracle) } : {}),
    status: 'ok',
    durationMs: 0,
    total: 0,
    matched: 0,
    backfilled: 0,
    mismatched: 0,
    noValue: 0,
    nondeterministic: 0,
    backfilledReported: 0,
    mismatches: [],
    matchedCells: [],
  };
  let cells: ExpectedCell[] = [];
  let oracleSheets: string[] = [];
  let strippedPath: string;
  const dir = fileWorkDir(workDir, index, path);
  try {
    const bytes = readFileSync(path);
    const ex = extractExpected(oracle ? readFileSync(oracle) : bytes);
    cells = ex.cells.filter((c) => !callsNondeterministic(c.displayFormula));
    base.nondeterministic = ex.cells.length - cells.length;
    oracleSheets = ex.sheets.filter((s) => s.type === 'worksheet').map((s) => s.name);
    base.total = cells.length;
    base.noValue = ex.noValue;
    const stripped = oracle ? stripTwin(bytes, format) : stripWorkbook(bytes);
    if (oracle) base.stripped = (stripped as { how: 'removed' | 'replaced' }).how;
    mkdirSync(dir, { recursive: true });
    strippedPath = join(dir, basename(path));
    writeFileSync(strippedPath, stripped.bytes);
  } catch (e) {
    base.status = 'unreadable';
    base.error = (e as Error).message;
    base.durationMs = performance.now() - t0;
    return { result: base, cells };
  }
  if (opts.dryRun) {
    base.status = 'skipped';
    base.mismatched = 0;
    base.durationMs = performance.now() - t0;
    return { result: base, cells };
  }
  const w = await runWorker(strippedPath, join(dir, 'out'), opts.timeoutMs, opts.compiler);
  base.status = w.status;
  if (w.error) base.error = w.error;
  if (w.timings) base.timings = w.timings;
  if (w.status === 'ok' && oracle && w.sheetNames) cells = renameSheets(cells, oracleSheets, w.sheetNames);
  if (w.status === 'ok') {
    base.backfilledReported = w.backfilled?.length ?? 0;
    Object.assign(base, compareFile(cells, w.values ?? {}, w.backfilled));
  } else {
    base.mismatched = cells.length;
    base.mismatches = cells.map((c) => ({
      cell: c.key,
      formula: c.displayFormula,
      kind: c.kind,
      ...(c.from ? { from: c.from } : {}),
      expected: c.expected,
      reason: 'failed' as const,
    }));
  }
  base.durationMs = performance.now() - t0;
  return { result: base, cells };
}

export interface RunResult {
  results: FileResult[];
  /** Expected cells per file (same order as results), for the function table. */
  cells: ExpectedCell[][];
  workDir: string;
}

/** Runs every workbook with `jobs` workers at a time. */
export async function runConformance(corpus: Corpus, opts: RunOptions): Promise<RunResult> {
  const workDir = opts.workDir ? resolve(opts.workDir) : mkdtempSync(join(tmpdir(), 'sheetc-conformance-'));
  mkdirSync(workDir, { recursive: true });
  const n = corpus.files.length;
  const results: FileResult[] = new Array(n);
  const cells: ExpectedCell[][] = new Array(n);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const f = corpus.files[i]!;
      const r = await checkFile(f.path, f.name, workDir, i, opts);
      results[i] = r.result;
      cells[i] = r.cells;
      done++;
      opts.onProgress?.(done, n, r.result);
      // Free the per-file work as we go unless asked to keep it.
      if (!opts.keep) rmSync(fileWorkDir(workDir, i, f.path), { recursive: true, force: true });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, n || 1)) }, lane));
  } finally {
    if (!opts.keep && !opts.workDir) rmSync(workDir, { recursive: true, force: true });
  }
  return { results, cells, workDir };
}
