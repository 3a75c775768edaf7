/**
 * The scenario pool's task, run by tinypool in a worker thread or a child process
 * (createPool(), ts/pool.ts): one chunk of encoded scenarios through one engine, the
 * engine imported once per worker.
 *
 * The main thread must know which scenario a worker is running when it times out or
 * dies, so that only that scenario fails:
 * - worker_threads: the task carries a SharedArrayBuffer where the worker writes its
 *   thread id, the position it started and finished last, and the start time (read by
 *   the main thread even after the worker died; a cancel flag goes the other way), and a
 *   MessagePort for results finished so far (flushed every FLUSH_MS and after a failure).
 * - child_process: the task's tinypool channel carries a `begin` message, then each
 *   scenario's result as soon as it finishes (so the position running is the next one),
 *   and a `cancel` message the other way; the loop yields every few ms so it lands.
 *
 * A worker whose memory (heap + external, and RSS in a child) is above the pool's
 * `maxMemoryMb` after a scenario reports `recycle` and waits: the main thread then aborts
 * the task, which makes tinypool replace the worker. (tinypool's own
 * maxMemoryLimitBeforeRecycle counts the JS heap only, not ArrayBuffers: see
 * __test__/tinypool-limits.test.ts.)
 */
import { getHeapStatistics } from 'node:v8';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId, type MessagePort } from 'node:worker_threads';
import { decodeScenario, hasErrorInput, type EncodedScenario } from './pool-input.js';

/** Int32 slots of the shared control buffer (worker_threads). */
export const CTL_WORKER = 0;
export const CTL_STARTED = 1;
export const CTL_FINISHED = 2;
export const CTL_CANCEL = 3;
/** Bytes: 4 Int32 slots, then the start time of the current scenario as a Float64. */
export const CTL_BYTES = 24;
export const CTL_START_AT = 2; // Float64 index (byte offset 16)

export interface EngineModule {
  run(
    inputs?: Record<string, unknown>,
    options?: { full?: boolean },
  ): {
    get(ref: string): unknown;
    toJSON(): Record<string, unknown>;
    readonly meta: { converged: boolean; iterations: number; elapsedMs: number; stale: string[]; incremental?: boolean; recomputed?: number | null };
  };
}

export interface ChunkTask {
  id: number;
  engine: string;
  items: EncodedScenario[];
  outputs: string[] | null;
  /** Full runs (PoolRunOptions.full). */
  full: boolean;
  maxMemoryBytes: number | null;
  /** worker_threads only. */
  ctl?: SharedArrayBuffer;
  port?: MessagePort;
}

export type ErrorInfo = { code: string; message: string };
export type Item = [true, { values: Record<string, unknown>; meta: unknown }] | [false, ErrorInfo];

export interface ChunkReturn {
  /** Items for positions [from, from + items.length). */
  from: number;
  items: Item[];
  cancelled: boolean;
  /** The engine could not be loaded: nothing ran. */
  fatal?: ErrorInfo;
}

/** Worker → main messages (the port in worker_threads, the channel in child_process). */
export type WorkerNote =
  | { t: 'begin'; id: number; pid: number }
  | { t: 'items'; id: number; from: number; items: Item[] }
  | { t: 'recycle'; id: number; from: number; items: Item[] }
  | { t: 'uncaught'; error: ErrorInfo };

const FLUSH_MS = 50;
const YIELD_MS = 4;

/** A cell value as JSON, like RunResult.toJSON(): errors as `{ error: code }`; ranges as rows. */
export function encodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v !== null && typeof v === 'object') {
    const code = (v as { code?: unknown }).code;
    return { error: typeof code === 'string' ? code : '#VALUE!' };
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return { error: '#NUM!' };
  return v === undefined ? null : v;
}

export function errorInfo(e: unknown): ErrorInfo {
  if (e !== null && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    const message = (e as { message?: unknown }).message;
    return { code: typeof code === 'string' ? code : 'E_INTERNAL', message: typeof message === 'string' ? message : String(e) };
  }
  return { code: 'E_INTERNAL', message: String(e) };
}

/** Runs one scenario (already decoded) and encodes its outcome. */
export function runOne(engine: EngineModule, inputs: Record<string, unknown>, outputs: string[] | null, full = false): Item {
  try {
    const r = full ? engine.run(inputs, { full: true }) : engine.run(inputs);
    let values: Record<string, unknown>;
    if (outputs) {
      values = {};
      for (const ref of outputs) values[ref] = encodeValue(r.get(ref));
    } else values = r.toJSON();
    const m = r.meta;
    return [true, { values, meta: { converged: m.converged, iterations: m.iterations, elapsedMs: m.elapsedMs, stale: [...m.stale], incremental: m.incremental ?? false, recomputed: m.recomputed ?? null } }];
  } catch (e) {
    return [false, errorInfo(e)];
  }
}

/** An engine and, when an error input needs it, its runtime's errorFromCode. */
export interface LoadedEngine {
  engine: EngineModule;
  errorOf(): Promise<((code: string) => unknown) | null>;
}

const engines = new Map<string, Promise<LoadedEngine>>();

/** Imports `DIR/engine.js` once per directory (a failed import is retried next time). */
export function loadEngine(dir: string): Promise<LoadedEngine> {
  const key = resolve(dir);
  let p = engines.get(key);
  if (!p) {
    p = (async () => {
      const url = pathToFileURL(join(key, 'engine.js')).href;
      let mod: Partial<EngineModule>;
      try {
        mod = (await import(url)) as Partial<EngineModule>;
      } catch (e) {
        throw Object.assign(new Error(`the engine ${url} could not be loaded: ${(e as Error)?.message ?? String(e)}`), { code: 'E_IO' });
      }
      if (typeof mod.run !== 'function') throw Object.assign(new Error(`${key}/engine.js does not export run()`), { code: 'E_IO' });
      let errorOf: Promise<((code: string) => unknown) | null> | null = null;
      return {
        engine: mod as EngineModule,
        errorOf: () =>
          (errorOf ??= (async () => {
            const rt = join(key, 'runtime.js');
            if (!existsSync(rt)) return null;
            const m = (await import(pathToFileURL(rt).href)) as { errorFromCode?: (code: string) => unknown };
            return typeof m.errorFromCode === 'function' ? m.errorFromCode : null;
          })()),
      };
    })();
    engines.set(key, p);
    p.catch(() => engines.delete(key));
  }
  return p;
}

/** A scenario's engine inputs, decoded (with the engine's own error values when it has error inputs). */
export async function decodeFor(loaded: LoadedEngine, s: EncodedScenario): Promise<{ ok: true; inputs: Record<string, unknown> } | { ok: false; error: ErrorInfo }> {
  try {
    return { ok: true, inputs: decodeScenario(s, hasErrorInput(s) ? await loaded.errorOf() : null) };
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

/** Runs one encoded scenario. */
export async function runEncoded(loaded: LoadedEngine, s: EncodedScenario, outputs: string[] | null, full = false): Promise<Item> {
  if (!hasErrorInput(s)) return runOne(loaded.engine, decodeScenario(s, null), outputs, full);
  const d = await decodeFor(loaded, s);
  return d.ok ? runOne(loaded.engine, d.inputs, outputs, full) : [false, d.error];
}

function overMemory(limit: number | null, rss: boolean): boolean {
  if (limit === null) return false;
  const h = getHeapStatistics() as { used_heap_size: number; external_memory?: number };
  if (h.used_heap_size + (h.external_memory ?? 0) > limit) return true;
  return rss && process.memoryUsage.rss() > limit;
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const forever = () => new Promise<never>(() => {});

// ------------------------------------------------------------------ child_process side

const inChild = (process as { __tinypool_state__?: { isChildProcess?: boolean } }).__tinypool_state__?.isChildProcess === true;
const cancelledIds = new Set<number>();
function notify(m: WorkerNote): void {
  if (process.connected) process.send!(m);
}
if (inChild) {
  // The pool's process is gone (killed, even by SIGKILL): do not linger.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { __tinypool_worker_message__?: boolean; t?: string; id?: number }) => {
    if (m && !m.__tinypool_worker_message__ && m.t === 'cancel' && typeof m.id === 'number') cancelledIds.add(m.id);
  });
  // Say why before dying: tinypool reports only "Worker exited unexpectedly".
  process.on('uncaughtException', (e) => {
    notify({ t: 'uncaught', error: errorInfo(e) });
    process.exit(70);
  });
}

// A worker thread ending (process.exit() in an engine, an uncaught exception) stops at
// the next return to the event loop; the loop checks `dying` so that it never reports
// or starts another scenario meanwhile.
let dying = false;
process.on('exit', () => {
  dying = true;
});

/** The tinypool task: runs one chunk. */
export default async function runChunk(task: ChunkTask): Promise<ChunkReturn> {
  const ctl = task.ctl ? new Int32Array(task.ctl, 0, 4) : null;
  const startAt = task.ctl ? new Float64Array(task.ctl) : null;
  if (ctl) Atomics.store(ctl, CTL_WORKER, threadId);
  else notify({ t: 'begin', id: task.id, pid: process.pid });
  let loaded: LoadedEngine;
  try {
    loaded = await loadEngine(task.engine);
  } catch (e) {
    return { from: 0, items: [], cancelled: false, fatal: errorInfo(e) };
  }
  const port = task.port ?? null;
  let from = 0;
  let items: Item[] = [];
  let lastFlush = Date.now();
  let lastYield = lastFlush;
  const cancelled = () => (ctl ? Atomics.load(ctl, CTL_CANCEL) !== 0 : cancelledIds.has(task.id));
  try {
    for (let k = 0; k < task.items.length; k++) {
      if (cancelled()) return { from, items, cancelled: true };
      if (ctl) {
        startAt![CTL_START_AT] = Date.now();
        Atomics.store(ctl, CTL_STARTED, k + 1);
      }
      const item = await runEncoded(loaded, task.items[k]!, task.outputs, task.full === true);
      if (ctl) Atomics.store(ctl, CTL_FINISHED, k + 1);
      // Microtasks the engine queued run now, while this scenario is still the current one.
      await null;
      if (dying) return forever();
      if (overMemory(task.maxMemoryBytes, !ctl)) {
        items.push(item);
        const note: WorkerNote = { t: 'recycle', id: task.id, from, items };
        if (port) port.postMessage(note);
        else notify(note);
        return forever();
      }
      if (port) {
        items.push(item);
        const now = Date.now();
        if ((now - lastFlush >= FLUSH_MS || !item[0]) && k + 1 < task.items.length) {
          port.postMessage({ t: 'items', id: task.id, from, items } satisfies WorkerNote);
          from += items.length;
          items = [];
          lastFlush = now;
        }
      } else {
        notify({ t: 'items', id: task.id, from: k, items: [item] });
        from = k + 1;
        if (Date.now() - lastYield >= YIELD_MS) {
          await tick();
          lastYield = Date.now();
        }
      }
    }
    return { from, items, cancelled: false };
  } finally {
    cancelledIds.delete(task.id);
  }
}
