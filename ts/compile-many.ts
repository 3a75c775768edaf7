/**
 * `compileMany()`: compiles many workbooks, each in its own child process
 * (ts/compile-many-child.ts), at most `concurrency` at a time. A child that dies
 * (a native crash) fails only its workbook, with E_WORKER_CRASHED.
 *
 * Each engine goes to `outDir/<index>-<basename>`, the basename being the workbook's
 * file name without its extension, reduced to [A-Za-z0-9._-] (never a sheet name).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { basename, extname, join, resolve } from 'node:path';
import { SheetcError } from './errors.js';
import { builtEntry } from './pool-entry.js';
import { PoolError, type ScenarioErrorInfo } from './pool-types.js';
import type { BuildReport } from './types.js';

export interface CompileManyOptions {
  /** Parent directory of the engines: each goes to `outDir/<index>-<basename>`. */
  outDir: string;
  /** Child processes at once (default 2). */
  concurrency?: number;
  /** Cancels: pending workbooks never start, running builds are cancelled; rejects with E_CANCELLED. */
  signal?: AbortSignal;
  /** Stop at the first failure and reject with a PoolError (E_COMPILE_FAILED); default false. */
  failFast?: boolean;
  /** Fail instead of backfilling (as in `compile()`). */
  strict?: boolean;
  /** Called as each workbook finishes. */
  onProgress?: (event: { index: number; workbook: string; ok: boolean; done: number; total: number }) => void;
}

export type CompileManyResult =
  | { workbook: string; outDir: string; report: BuildReport }
  | { workbook: string; outDir: string; error: ScenarioErrorInfo };

/** The engine directory name for the workbook at `index`. */
export function engineDirName(index: number, workbook: string): string {
  const base = basename(workbook, extname(workbook)).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `${index}-${base || 'workbook'}`;
}

/** Grace period between asking a cancelled child to stop and killing it. */
const CANCEL_GRACE_MS = 2000;

export async function compileMany(workbooks: string[], options: CompileManyOptions): Promise<CompileManyResult[]> {
  if (!Array.isArray(workbooks) || workbooks.some((w) => typeof w !== 'string')) {
    throw new SheetcError('E_INVALID_OPTION', 'compileMany() needs an array of workbook paths');
  }
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new SheetcError('E_INVALID_OPTION', 'compileMany() needs { outDir }');
  }
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new SheetcError('E_INVALID_OPTION', 'concurrency must be a positive integer');
  const signal = options.signal;
  if (signal?.aborted) throw new SheetcError('E_CANCELLED', 'the build was cancelled');
  const failFast = options.failFast ?? false;
  const root = resolve(options.outDir);
  // Built JavaScript, never this process's flags (e.g. a TypeScript loader).
  const entry = builtEntry('compile-many-child');
  const execArgv: string[] = [];

  const results: (CompileManyResult | undefined)[] = new Array(workbooks.length);
  const running = new Set<ChildProcess>();
  let next = 0;
  let done = 0;
  let stopping = false;
  let cancelled = false;

  return new Promise<CompileManyResult[]>((resolveAll, rejectAll) => {
    const finish = () => {
      if (running.size > 0 || (!stopping && next < workbooks.length)) return;
      signal?.removeEventListener('abort', onAbort);
      if (cancelled) {
        rejectAll(new SheetcError('E_CANCELLED', 'the build was cancelled'));
        return;
      }
      const failures: { index: number; error: ScenarioErrorInfo }[] = [];
      const completed = new Map<number, CompileManyResult>();
      results.forEach((r, index) => {
        if (!r) return;
        if ('error' in r) failures.push({ index, error: r.error });
        else completed.set(index, r);
      });
      if (failFast && failures.length > 0) {
        const f = failures[0]!;
        rejectAll(new PoolError('E_COMPILE_FAILED', `${workbooks[f.index]}: ${f.error.code}: ${f.error.message}`, failures, completed));
      } else resolveAll(results as CompileManyResult[]);
    };

    const settle = (index: number, r: CompileManyResult) => {
      if (results[index]) return;
      results[index] = r;
      done++;
      options.onProgress?.({ index, workbook: workbooks[index]!, ok: !('error' in r), done, total: workbooks.length });
      if ('error' in r && failFast) stopping = true;
    };

    const start = () => {
      while (!stopping && running.size < concurrency && next < workbooks.length) {
        const index = next++;
        const workbook = workbooks[index]!;
        const outDir = join(root, engineDirName(index, workbook));
        const child = fork(entry.file, ['--sheetc-compile-child'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        running.add(child);
        child.on('message', (m: { type: string; report?: BuildReport; error?: ScenarioErrorInfo }) => {
          if (m.type === 'done') settle(index, { workbook, outDir, report: m.report! });
          else if (m.type === 'failed') settle(index, { workbook, outDir, error: m.error! });
          if (child.connected) child.disconnect();
        });
        child.on('error', (e) => {
          settle(index, { workbook, outDir, error: { code: 'E_WORKER_CRASHED', message: `the compiler process failed: ${e.message}` } });
        });
        child.on('exit', (code, sig) => {
          running.delete(child);
          if (!cancelled) {
            settle(index, {
              workbook,
              outDir,
              error: { code: 'E_WORKER_CRASHED', message: `the compiler process died (${sig ? `signal ${sig}` : `exit code ${code}`}) before reporting` },
            });
          }
          start();
          finish();
        });
        child.send({ type: 'compile', workbook: resolve(workbook), outDir, strict: options.strict ?? false });
      }
    };

    const onAbort = () => {
      cancelled = true;
      stopping = true;
      for (const child of running) {
        if (child.connected) child.send({ type: 'cancel' });
        const t = setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE_MS);
        t.unref();
        child.once('exit', () => clearTimeout(t));
      }
      finish();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    start();
    finish();
  });
}
