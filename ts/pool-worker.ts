/**
 * The scenario pool's worker: imports one engine once and runs chunks of scenarios
 * sent by `createPool()` (ts/pool.ts). The same file serves both runtimes:
 *
 * - worker_threads: configuration arrives in `workerData`; progress (chunk id,
 *   scenarios started/finished, the current scenario's start time) and the cancel
 *   request are shared through a SharedArrayBuffer, so results are posted once per
 *   chunk (or every FLUSH_MS) and the main thread still knows which scenario is
 *   running when it times out or crashes.
 * - child_process: configuration arrives in the first IPC message; each scenario's
 *   result is sent as soon as it finishes (the main thread derives progress from the
 *   messages), and the loop yields every few milliseconds so cancel requests land.
 *
 * Protocol (main → worker): `{ type: 'chunk', id, items: inputs[], outputs }`,
 * `{ type: 'cancel', id }` (child_process only). Worker → main: `{ type: 'ready' }`,
 * `{ type: 'fatal', error }`, `{ type: 'results', id, from, items, done, recycle?,
 * cancelled? }` where each item is `[true, { values, meta }]` or `[false, { code,
 * message }]` for the scenario at position `from + k` of the chunk.
 */
import { getHeapStatistics } from 'node:v8';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

/** Indices into the shared Int32 control array (worker_threads). */
export const CTL_CHUNK = 0;
export const CTL_STARTED = 1;
export const CTL_FINISHED = 2;
export const CTL_CANCEL = 3;
export const CTL_LENGTH = 4;

export interface WorkerConfig {
  engine: string;
  /** Recycle above this many bytes (heap used + external memory always; RSS too in child_process). */
  maxMemoryBytes: number | null;
  /** worker_threads only: Int32Array(CTL_LENGTH) + Float64Array(1) over SharedArrayBuffers. */
  ctl?: SharedArrayBuffer;
  startAt?: SharedArrayBuffer;
}

export interface EngineModule {
  run(inputs?: Record<string, unknown>): {
    get(ref: string): unknown;
    toJSON(): Record<string, unknown>;
    readonly meta: { converged: boolean; iterations: number; elapsedMs: number; stale: string[] };
  };
}

export interface ChunkMessage {
  type: 'chunk';
  id: number;
  items: Record<string, unknown>[];
  outputs: string[] | null;
}

export type Item = [true, { values: Record<string, unknown>; meta: unknown }] | [false, { code: string; message: string }];

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

function errorInfo(e: unknown): { code: string; message: string } {
  if (e !== null && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    const message = (e as { message?: unknown }).message;
    return { code: typeof code === 'string' ? code : 'E_ENGINE', message: typeof message === 'string' ? message : String(e) };
  }
  return { code: 'E_ENGINE', message: String(e) };
}

export function runOne(engine: EngineModule, inputs: Record<string, unknown>, outputs: string[] | null): Item {
  try {
    const r = engine.run(inputs);
    let values: Record<string, unknown>;
    if (outputs) {
      values = {};
      for (const ref of outputs) values[ref] = encodeValue(r.get(ref));
    } else values = r.toJSON();
    const m = r.meta;
    return [true, { values, meta: { converged: m.converged, iterations: m.iterations, elapsedMs: m.elapsedMs, stale: [...m.stale] } }];
  } catch (e) {
    return [false, errorInfo(e)];
  }
}

async function loadEngine(dir: string): Promise<EngineModule> {
  const mod = (await import(pathToFileURL(join(resolve(dir), 'engine.js')).href)) as Partial<EngineModule>;
  if (typeof mod.run !== 'function') throw Object.assign(new Error(`${dir}/engine.js does not export run()`), { code: 'E_IO' });
  return mod as EngineModule;
}

function overMemory(limit: number | null, rss: boolean): boolean {
  if (limit === null) return false;
  const h = getHeapStatistics() as { used_heap_size: number; external_memory?: number };
  if (h.used_heap_size + (h.external_memory ?? 0) > limit) return true;
  return rss && process.memoryUsage.rss() > limit;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** worker_threads: progress through shared memory; one message per chunk (or per FLUSH_MS). */
async function threadMain(config: WorkerConfig): Promise<void> {
  const port = parentPort!;
  const ctl = new Int32Array(config.ctl!);
  const startAt = new Float64Array(config.startAt!);
  let engine: EngineModule;
  try {
    engine = await loadEngine(config.engine);
  } catch (e) {
    port.postMessage({ type: 'fatal', error: errorInfo(e) });
    return;
  }
  // An uncaught exception (e.g. thrown in a microtask the engine queued) ends the
  // worker at once, while its scenario is still the current one in shared memory.
  // process.exit() in a worker thread takes effect only when the thread returns to its
  // event loop, so the chunk loop checks `dying` and stops without reporting.
  let dying = false;
  process.on('exit', () => {
    dying = true;
  });
  process.on('uncaughtException', (e) => {
    dying = true;
    port.postMessage({ type: 'uncaught', error: errorInfo(e) });
    process.exit(70);
  });
  port.on('message', (msg: ChunkMessage) => {
    if (msg.type !== 'chunk') return;
    void runChunk(msg);
  });
  let queue = Promise.resolve();
  // Chunks are processed one at a time, in arrival order.
  function runChunk(msg: ChunkMessage): Promise<void> {
    queue = queue.then(async () => {
      Atomics.store(ctl, CTL_STARTED, 0);
      Atomics.store(ctl, CTL_FINISHED, 0);
      Atomics.store(ctl, CTL_CHUNK, msg.id);
      let from = 0;
      let items: Item[] = [];
      let lastFlush = Date.now();
      let recycle = false;
      let cancelled = false;
      for (let k = 0; k < msg.items.length; k++) {
        if (Atomics.load(ctl, CTL_CANCEL) === msg.id) {
          cancelled = true;
          break;
        }
        startAt[0] = Date.now();
        Atomics.store(ctl, CTL_STARTED, k + 1);
        const item = runOne(engine, msg.items[k]!, msg.outputs);
        Atomics.store(ctl, CTL_FINISHED, k + 1);
        // Microtasks the engine queued run now, while this scenario is still the current one.
        await null;
        if (dying) return;
        items.push(item);
        if (overMemory(config.maxMemoryBytes, false)) {
          recycle = true;
          break;
        }
        const now = Date.now();
        if (now - lastFlush >= FLUSH_MS && k + 1 < msg.items.length) {
          port.postMessage({ type: 'results', id: msg.id, from, items, done: false });
          from += items.length;
          items = [];
          lastFlush = now;
        }
      }
      port.postMessage({ type: 'results', id: msg.id, from, items, done: true, recycle, cancelled });
    });
    return queue;
  }
  port.postMessage({ type: 'ready' });
}

/** child_process: one IPC message per scenario; yields every few ms so cancels arrive. */
function childMain(): void {
  let engine: EngineModule | null = null;
  let config: WorkerConfig | null = null;
  const cancelled = new Set<number>();
  let queue = Promise.resolve();
  const send = (m: unknown) => {
    if (process.connected) process.send!(m);
  };
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', (e) => {
    send({ type: 'uncaught', error: errorInfo(e) });
    process.exit(70);
  });
  process.on('message', (msg: { type: string; id?: number; config?: WorkerConfig }) => {
    if (msg.type === 'init') {
      config = msg.config!;
      loadEngine(config.engine).then(
        (m) => {
          engine = m;
          send({ type: 'ready' });
        },
        (e) => send({ type: 'fatal', error: errorInfo(e) }),
      );
    } else if (msg.type === 'cancel') {
      cancelled.add(msg.id!);
    } else if (msg.type === 'chunk') {
      const chunk = msg as unknown as ChunkMessage;
      queue = queue.then(async () => {
        let lastYield = Date.now();
        let recycle = false;
        let k = 0;
        for (; k < chunk.items.length; k++) {
          if (cancelled.has(chunk.id)) break;
          const item = runOne(engine!, chunk.items[k]!, chunk.outputs);
          await null;
          const last = k + 1 === chunk.items.length;
          recycle = overMemory(config!.maxMemoryBytes, true);
          send({ type: 'results', id: chunk.id, from: k, items: [item], done: last || recycle, recycle });
          if (recycle) break;
          if (Date.now() - lastYield >= YIELD_MS) {
            await tick();
            lastYield = Date.now();
          }
        }
        if (k < chunk.items.length && !recycle) send({ type: 'results', id: chunk.id, from: k, items: [], done: true, cancelled: true });
        cancelled.delete(chunk.id);
      });
    }
  });
}

if (parentPort && workerData && (workerData as { sheetcPool?: boolean }).sheetcPool) {
  void threadMain((workerData as { config: WorkerConfig }).config);
} else if (typeof process.send === 'function' && process.argv.includes('--sheetc-pool-worker')) {
  childMain();
}
