/**
 * The scenario pool: runs many scenarios (input maps) through one compiled engine.
 *
 * Small batches (≤ `inlineThreshold`, default 16) run inline in the calling thread
 * against an engine imported once, lazily. Larger batches are cut into chunks and
 * sent to workers (worker_threads or child processes running ts/pool-worker.ts), each
 * of which imports the engine once and serves many chunks. Identical scenarios in a
 * batch are computed once. A scenario past `timeoutMs` fails with E_TIMEOUT and its
 * worker is replaced; a worker that dies fails only the scenario it was running
 * (E_WORKER_CRASHED); a worker above `maxMemoryMb` is recycled between scenarios.
 * Idle workers are unref'd, so an unclosed pool does not keep the process alive.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SheetcError } from './errors.js';
import { CTL_CANCEL, CTL_CHUNK, CTL_FINISHED, CTL_LENGTH, CTL_STARTED, runOne, type EngineModule, type WorkerConfig } from './pool-worker.js';
import type { InputValue, JsonValue, RunMeta } from './runtime/engine.js';

export type PoolRuntime = 'worker_threads' | 'child_process';

export interface PoolOptions {
  /** The engine directory (holding `engine.js`) built by `compile()`. */
  engine: string;
  /** Workers at most (default: available cores − 1, at least 1, at most 8). */
  threads?: number;
  /** Default worker_threads; child_process isolates native crashes and memory. */
  runtime?: PoolRuntime;
  /** Per-scenario time limit (on workers: see `inlineThreshold`). */
  timeoutMs?: number;
  /** A worker whose heap (or, for child processes, RSS) exceeds this is recycled between scenarios. */
  maxMemoryMb?: number;
  /**
   * Batches of at most this many scenarios run inline in the calling thread, without
   * workers (default 16, or 0 when `timeoutMs` is set, since an inline run cannot be
   * interrupted; 0 always uses workers).
   */
  inlineThreshold?: number;
  /** Idle workers are shut down after this long (default 30,000 ms). Idle workers never keep the process alive. */
  idleTimeoutMs?: number;
}

export type Scenario = Record<string, InputValue>;

/** A cell's value as JSON (errors as `{ error: "#N/A" }`); a range as rows. */
export type PoolValue = JsonValue | JsonValue[][];

export interface ScenarioResult {
  /** `get()` of each requested output, or the whole `toJSON()` without `outputs`. */
  values: Record<string, PoolValue>;
  meta: RunMeta;
}

export interface ScenarioErrorInfo {
  /** E_TIMEOUT, E_WORKER_CRASHED, E_CANCELLED, or the engine's error code (e.g. E_UNKNOWN_REF). */
  code: string;
  message: string;
}

export interface ScenarioFailure {
  error: ScenarioErrorInfo;
}

export interface PoolProgress {
  /** Scenarios (by input index) finished, failed ones included. */
  done: number;
  failed: number;
  total: number;
}

export interface PoolRunOptions {
  /** References (`Sheet!A1`, ranges, names) to return; default: every formula cell. */
  outputs?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: PoolProgress) => void;
  /** Stop at the first failure and reject (default true); false: failures are returned in place. */
  failFast?: boolean;
}

export type StreamItem = { index: number; result: ScenarioResult } | { index: number; error: ScenarioErrorInfo };

export interface PoolStats {
  workersStarted: number;
  workersAlive: number;
  workersRecycled: number;
  workersCrashed: number;
  timeouts: number;
  chunksDispatched: number;
  /** Scenarios sent to workers (re-sends after a crash included). */
  scenariosDispatched: number;
  scenariosInline: number;
}

export interface Pool {
  run(scenarios: Scenario[], options?: PoolRunOptions & { failFast?: true }): Promise<ScenarioResult[]>;
  run(scenarios: Scenario[], options: PoolRunOptions & { failFast: false }): Promise<(ScenarioResult | ScenarioFailure)[]>;
  run(scenarios: Scenario[], options?: PoolRunOptions): Promise<(ScenarioResult | ScenarioFailure)[]>;
  /** Results as they finish, keeping at most about threads × 2 chunks in flight. */
  stream(scenarios: Scenario[], options?: PoolRunOptions): AsyncIterableIterator<StreamItem>;
  stats(): PoolStats;
  /** Terminates every worker; pending batches reject with E_CLOSED. */
  close(): Promise<void>;
  readonly threads: number;
  readonly runtime: PoolRuntime;
}

export type PoolErrorCode = 'E_SCENARIO_FAILED' | 'E_CANCELLED' | 'E_CLOSED' | 'E_COMPILE_FAILED';

/** A batch that did not complete: its failures and what completed before it stopped. */
export class PoolError<T = ScenarioResult> extends Error {
  readonly code: PoolErrorCode;
  readonly failures: { index: number; error: ScenarioErrorInfo }[];
  /** Results completed before the batch stopped, by input index. */
  readonly completed: Map<number, T>;
  constructor(code: PoolErrorCode, message: string, failures: { index: number; error: ScenarioErrorInfo }[], completed: Map<number, T>) {
    super(message);
    this.name = 'PoolError';
    this.code = code;
    this.failures = failures;
    this.completed = completed;
  }
}

// ---------------------------------------------------------------------------------
// Entry points of helper processes: the compiled `.js` next to this module, or the
// `.ts` source (loaded through tsx) when running from source.

/** Resolves a sibling entry file (`pool-worker`, `compile-many-child`) for a worker or child process. */
export function siblingEntry(name: string): { file: string; url: string; source: boolean } {
  const self = import.meta.url;
  const fromSource = /\.[cm]?ts$/.test(new URL(self).pathname);
  const order = fromSource ? ['.ts', '.js'] : ['.js', '.ts'];
  for (const ext of order) {
    const url = new URL(`./${name}${ext}`, self);
    const file = fileURLToPath(url);
    if (existsSync(file)) return { file, url: url.href, source: ext === '.ts' };
  }
  throw new SheetcError('E_IO', `${name}.js is missing next to ${fileURLToPath(self)}; run \`npm run build\``);
}

/** `--import` arguments that let a child process load TypeScript sources. */
export function tsxExecArgv(): string[] {
  return ['--import', import.meta.resolve('tsx')];
}

// ---------------------------------------------------------------------------------

interface Unique {
  inputs: Scenario;
  indices: number[];
  attempts: number;
  done: boolean;
}

type Outcome = { ok: true; result: ScenarioResult } | { ok: false; error: ScenarioErrorInfo };

interface Chunk {
  id: number;
  batch: Batch;
  uids: number[];
  /** Positions [0, reported) have their outcome. */
  reported: number;
  slot: Slot | null;
}

interface Slot {
  id: number;
  kind: PoolRuntime;
  worker?: Worker;
  child?: ChildProcess;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  chunk: Chunk | null;
  ctl?: Int32Array;
  startAt?: Float64Array;
  lastProgress: number;
  lastError?: string;
  idleTimer?: NodeJS.Timeout;
  checking?: boolean;
}

const MAX_ATTEMPTS = 3;

let nextChunkId = 1;

class Batch {
  readonly uniques: Unique[];
  readonly total: number;
  readonly queue: number[] = [];
  readonly inflight = new Set<Chunk>();
  readonly failures: { index: number; error: ScenarioErrorInfo }[] = [];
  readonly completed = new Map<number, ScenarioResult>();
  readonly outputs: string[] | null;
  readonly failFast: boolean;
  readonly chunkSize: number;
  /** Chunks in flight plus chunks' worth of unconsumed results, at most (stream back-pressure). */
  maxInflight = Infinity;
  buffered = () => 0;
  stopping = false;
  settled = false;
  done = 0;
  onOutcome: (uid: number, o: Outcome) => void = () => {};
  onSettle: (err: PoolError | null) => void = () => {};
  onProgress: ((p: PoolProgress) => void) | undefined;

  constructor(uniques: Unique[], total: number, opts: PoolRunOptions, threads: number) {
    this.uniques = uniques;
    this.total = total;
    this.outputs = opts.outputs ? [...opts.outputs] : null;
    this.failFast = opts.failFast ?? true;
    this.onProgress = opts.onProgress;
    this.chunkSize = Math.max(1, Math.min(64, Math.ceil(uniques.length / (threads * 4))));
    for (let i = 0; i < uniques.length; i++) this.queue.push(i);
  }

  hasWork(): boolean {
    if (this.stopping || this.settled || this.queue.length === 0) return false;
    return this.inflight.size + Math.ceil(this.buffered() / this.chunkSize) < this.maxInflight;
  }

  takeChunk(): Chunk {
    const uids = this.queue.splice(0, this.chunkSize);
    const c: Chunk = { id: nextChunkId++, batch: this, uids, reported: 0, slot: null };
    this.inflight.add(c);
    return c;
  }

  record(uid: number, o: Outcome): void {
    const u = this.uniques[uid]!;
    if (u.done || this.settled) return;
    u.done = true;
    u.indices.forEach((index, k) => {
      if (o.ok) this.completed.set(index, k === 0 ? o.result : structuredClone(o.result));
      else this.failures.push({ index, error: o.error });
    });
    this.done += u.indices.length;
    this.onOutcome(uid, o);
    if (!o.ok && this.failFast) this.stopping = true;
    this.onProgress?.({ done: this.done, failed: this.failures.length, total: this.total });
  }

  /** Settles once nothing is in flight and nothing more will be scheduled. */
  maybeSettle(): boolean {
    if (this.settled || this.inflight.size > 0) return false;
    if (!this.stopping && this.queue.length > 0) return false;
    this.settled = true;
    this.queue.length = 0;
    if (this.failures.length > 0 && this.failFast) {
      this.failures.sort((a, b) => a.index - b.index);
      const f = this.failures[0]!;
      this.onSettle(
        new PoolError('E_SCENARIO_FAILED', `scenario ${f.index} failed: ${f.error.code}: ${f.error.message}`, this.failures, this.completed),
      );
    } else this.onSettle(null);
    return true;
  }
}

/** A canonical key: deep-equal scenarios (key order aside) get the same key. */
function canonical(v: unknown): string {
  if (v === undefined) return 'u';
  if (v === null) return 'n';
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'T' : 'F';
    case 'object': {
      if (v instanceof Date) return `D${v.getTime()}`;
      if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
      const proto = Object.getPrototypeOf(v);
      const tag = proto === Object.prototype || proto === null ? '' : `<${(proto as { constructor?: { name?: string } }).constructor?.name ?? '?'}>`;
      const o = v as Record<string, unknown>;
      return `${tag}{${Object.keys(o)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
        .join(',')}}`;
    }
    default:
      return `?${String(v)}`;
  }
}

function dedupe(scenarios: Scenario[]): Unique[] {
  if (!Array.isArray(scenarios)) throw new SheetcError('E_INVALID_OPTION', 'pool.run() needs an array of scenarios');
  const byKey = new Map<string, Unique>();
  const out: Unique[] = [];
  scenarios.forEach((s, index) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) {
      throw new SheetcError('E_INVALID_OPTION', `scenario ${index} is not an object of inputs`);
    }
    const key = canonical(s);
    const u = byKey.get(key);
    if (u) u.indices.push(index);
    else {
      const n: Unique = { inputs: s, indices: [index], attempts: 0, done: false };
      byKey.set(key, n);
      out.push(n);
    }
  });
  return out;
}

function cancelledError(completed: Map<number, ScenarioResult>): PoolError {
  return new PoolError('E_CANCELLED', 'the batch was cancelled', [], completed);
}

class ScenarioPool implements Pool {
  readonly threads: number;
  readonly runtime: PoolRuntime;
  private readonly engineDir: string;
  private readonly timeoutMs: number | null;
  private readonly maxMemoryBytes: number | null;
  private readonly inlineThreshold: number;
  private readonly idleTimeoutMs: number;
  private readonly slots = new Set<Slot>();
  private readonly batches: Batch[] = [];
  private rr = 0;
  private nextSlotId = 1;
  private startupFailures = 0;
  private closed = false;
  private watchdog: NodeJS.Timeout | null = null;
  private inlineEngine: Promise<EngineModule> | null = null;
  private readonly counters: Omit<PoolStats, 'workersAlive'> = {
    workersStarted: 0,
    workersRecycled: 0,
    workersCrashed: 0,
    timeouts: 0,
    chunksDispatched: 0,
    scenariosDispatched: 0,
    scenariosInline: 0,
  };

  constructor(o: PoolOptions) {
    if (!o || typeof o.engine !== 'string' || o.engine === '') throw new SheetcError('E_INVALID_OPTION', 'createPool() needs { engine }: an engine directory');
    this.engineDir = resolve(o.engine);
    if (!existsSync(join(this.engineDir, 'engine.js'))) throw new SheetcError('E_IO', `no engine.js in ${this.engineDir}`);
    const threads = o.threads ?? Math.max(1, Math.min(8, availableParallelism() - 1));
    if (!Number.isInteger(threads) || threads < 1) throw new SheetcError('E_INVALID_OPTION', 'threads must be a positive integer');
    this.threads = threads;
    const runtime = o.runtime ?? 'worker_threads';
    if (runtime !== 'worker_threads' && runtime !== 'child_process') {
      throw new SheetcError('E_INVALID_OPTION', `runtime must be 'worker_threads' or 'child_process', not ${String(runtime)}`);
    }
    this.runtime = runtime;
    const positive = (v: number | undefined, name: string): number | null => {
      if (v === undefined) return null;
      if (typeof v !== 'number' || !(v > 0)) throw new SheetcError('E_INVALID_OPTION', `${name} must be a positive number`);
      return v;
    };
    this.timeoutMs = positive(o.timeoutMs, 'timeoutMs');
    const mem = positive(o.maxMemoryMb, 'maxMemoryMb');
    this.maxMemoryBytes = mem === null ? null : mem * 1024 * 1024;
    this.inlineThreshold = o.inlineThreshold ?? (this.timeoutMs === null ? 16 : 0);
    if (!(this.inlineThreshold >= 0)) throw new SheetcError('E_INVALID_OPTION', 'inlineThreshold must be ≥ 0');
    this.idleTimeoutMs = positive(o.idleTimeoutMs, 'idleTimeoutMs') ?? 30_000;
  }

  stats(): PoolStats {
    let alive = 0;
    for (const s of this.slots) if (s.state !== 'dead') alive++;
    return { ...this.counters, workersAlive: alive };
  }

  // ------------------------------------------------------------------ batches

  run(scenarios: Scenario[], options: PoolRunOptions = {}): Promise<any> {
    return this.runBatch(scenarios, options);
  }

  private async runBatch(scenarios: Scenario[], options: PoolRunOptions): Promise<(ScenarioResult | ScenarioFailure)[]> {
    if (this.closed) throw new PoolError('E_CLOSED', 'the pool is closed', [], new Map());
    const uniques = dedupe(scenarios);
    const signal = options.signal;
    if (signal?.aborted) throw cancelledError(new Map());
    const batch = new Batch(uniques, scenarios.length, options, this.threads);
    if (scenarios.length <= this.inlineThreshold) {
      await this.runInline(batch, signal);
    } else {
      await new Promise<void>((resolveP, rejectP) => {
        batch.onSettle = (err) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) rejectP(err);
          else resolveP();
        };
        const onAbort = () => this.abortBatch(batch);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.batches.push(batch);
        this.pump();
      });
    }
    const out: (ScenarioResult | ScenarioFailure)[] = new Array(scenarios.length);
    for (const [i, r] of batch.completed) out[i] = r;
    for (const f of batch.failures) out[f.index] = { error: f.error };
    return out;
  }

  private loadInline(): Promise<EngineModule> {
    if (!this.inlineEngine) {
      const url = pathToFileURL(join(this.engineDir, 'engine.js')).href;
      this.inlineEngine = (import(url) as Promise<EngineModule>).catch((e: unknown) => {
        this.inlineEngine = null;
        throw new SheetcError('E_IO', `the engine ${url} could not be loaded: ${(e as Error)?.message ?? String(e)}`);
      });
    }
    return this.inlineEngine;
  }

  /** Computes the next queued scenario in this thread (throws when cancelled or closed). */
  private inlineStep(batch: Batch, engine: Parameters<typeof runOne>[0], signal: AbortSignal | undefined): void {
    if (signal?.aborted || this.closed) {
      batch.settled = true;
      throw this.closed ? new PoolError('E_CLOSED', 'the pool was closed', [], batch.completed) : cancelledError(batch.completed);
    }
    const uid = batch.queue.shift()!;
    const [ok, payload] = runOne(engine, batch.uniques[uid]!.inputs as Record<string, unknown>, batch.outputs);
    this.counters.scenariosInline++;
    batch.record(uid, ok ? { ok: true, result: payload as ScenarioResult } : { ok: false, error: payload });
  }

  /** Runs the batch in this thread; settles the batch like the worker path does. */
  private async runInline(batch: Batch, signal: AbortSignal | undefined): Promise<void> {
    const engine = await this.loadInline();
    const settled: { err: PoolError | null } = { err: null };
    batch.onSettle = (e) => (settled.err = e);
    while (batch.queue.length > 0 && !batch.stopping) this.inlineStep(batch, engine, signal);
    batch.maybeSettle();
    if (settled.err) throw settled.err;
  }

  stream(scenarios: Scenario[], options: PoolRunOptions = {}): AsyncIterableIterator<StreamItem> {
    return this.streamBatch(scenarios, options);
  }

  private async *streamBatch(scenarios: Scenario[], options: PoolRunOptions): AsyncGenerator<StreamItem> {
    if (this.closed) throw new PoolError('E_CLOSED', 'the pool is closed', [], new Map());
    const uniques = dedupe(scenarios);
    const signal = options.signal;
    if (signal?.aborted) throw cancelledError(new Map());
    const batch = new Batch(uniques, scenarios.length, options, this.threads);
    const buffer: StreamItem[] = [];
    let wake: (() => void) | null = null;
    let final: { err: PoolError | null } | null = null;
    batch.onOutcome = (uid, o) => {
      const u = batch.uniques[uid]!;
      u.indices.forEach((index, k) => {
        if (o.ok) buffer.push({ index, result: k === 0 ? o.result : structuredClone(o.result) });
        else buffer.push({ index, error: o.error });
      });
      wake?.();
    };
    batch.onSettle = (err) => {
      final = { err };
      wake?.();
    };
    if (scenarios.length <= this.inlineThreshold) {
      // Inline: one scenario computed per pull.
      const engine = await this.loadInline();
      while (batch.queue.length > 0 && !batch.stopping) {
        this.inlineStep(batch, engine, signal);
        while (buffer.length > 0) yield buffer.shift()!;
      }
      batch.maybeSettle();
      const f = final as { err: PoolError | null } | null;
      if (f?.err) throw f.err;
      return;
    }
    batch.maxInflight = this.threads * 2;
    batch.buffered = () => buffer.length;
    const onAbort = () => this.abortBatch(batch);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.batches.push(batch);
    this.pump();
    try {
      for (;;) {
        if (buffer.length > 0) {
          const item = buffer.shift()!;
          this.pump();
          yield item;
          continue;
        }
        const f = final as { err: PoolError | null } | null;
        if (f) {
          if (f.err) throw f.err;
          return;
        }
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!batch.settled) this.stopBatch(batch);
    }
  }

  /** Soft stop: nothing more is scheduled; in-flight chunks skip their unstarted scenarios. */
  private stopBatch(batch: Batch): void {
    batch.stopping = true;
    batch.queue.length = 0;
    for (const c of batch.inflight) this.cancelChunk(c);
    if (batch.maybeSettle()) this.removeBatch(batch);
  }

  /** Hard stop (signal): running scenarios are abandoned and their workers replaced. */
  private abortBatch(batch: Batch, err?: PoolError): void {
    if (batch.settled) return;
    batch.stopping = true;
    batch.queue.length = 0;
    for (const c of [...batch.inflight]) {
      batch.inflight.delete(c);
      if (c.slot) this.killSlot(c.slot);
    }
    batch.settled = true;
    this.removeBatch(batch);
    batch.onSettle(err ?? cancelledError(batch.completed));
    this.pump();
  }

  private removeBatch(batch: Batch): void {
    const i = this.batches.indexOf(batch);
    if (i >= 0) this.batches.splice(i, 1);
  }

  private cancelChunk(c: Chunk): void {
    const s = c.slot;
    if (!s || s.state === 'dead') return;
    if (s.ctl) Atomics.store(s.ctl, CTL_CANCEL, c.id);
    else if (s.child?.connected) s.child.send({ type: 'cancel', id: c.id });
  }

  // ------------------------------------------------------------------ scheduling

  private nextBatch(): Batch | null {
    const n = this.batches.length;
    for (let k = 0; k < n; k++) {
      const b = this.batches[(this.rr + k) % n]!;
      if (b.hasWork()) {
        this.rr = (this.rr + k + 1) % n;
        return b;
      }
    }
    return null;
  }

  private pump(): void {
    if (this.closed) return;
    for (;;) {
      const batch = this.nextBatch();
      if (!batch) break;
      let slot: Slot | null = null;
      for (const s of this.slots) {
        if (s.state === 'idle') {
          slot = s;
          break;
        }
      }
      if (!slot) {
        // Start workers for the remaining demand, up to `threads`.
        let starting = 0;
        let demand = 0;
        for (const s of this.slots) if (s.state === 'starting') starting++;
        for (const b of this.batches) if (b.hasWork()) demand += Math.ceil(b.queue.length / b.chunkSize);
        while (this.slots.size < this.threads && starting < demand) {
          this.spawn();
          starting++;
        }
        break;
      }
      this.dispatch(slot, batch.takeChunk());
    }
    this.updateWatchdog();
  }

  private dispatch(slot: Slot, chunk: Chunk): void {
    chunk.slot = slot;
    slot.chunk = chunk;
    slot.state = 'busy';
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.setRef(slot, true);
    slot.lastProgress = Date.now();
    this.counters.chunksDispatched++;
    this.counters.scenariosDispatched += chunk.uids.length;
    const msg = { type: 'chunk', id: chunk.id, items: chunk.uids.map((u) => chunk.batch.uniques[u]!.inputs), outputs: chunk.batch.outputs };
    try {
      if (slot.worker) slot.worker.postMessage(msg);
      else slot.child!.send(msg);
    } catch (e) {
      // Inputs that cannot be cloned fail the chunk's scenarios.
      const error = { code: 'E_INVALID_OPTION', message: `the scenario could not be sent to a worker: ${(e as Error).message}` };
      for (const u of chunk.uids) chunk.batch.record(u, { ok: false, error });
      chunk.reported = chunk.uids.length;
      this.finishChunk(slot, chunk, false);
    }
  }

  private spawn(): void {
    const slot: Slot = { id: this.nextSlotId++, kind: this.runtime, state: 'starting', chunk: null, lastProgress: 0 };
    this.slots.add(slot);
    this.counters.workersStarted++;
    const entry = siblingEntry('pool-worker');
    const config: WorkerConfig = { engine: this.engineDir, maxMemoryBytes: this.maxMemoryBytes };
    if (this.runtime === 'worker_threads') {
      const ctlBuf = new SharedArrayBuffer(CTL_LENGTH * 4);
      const startBuf = new SharedArrayBuffer(8);
      slot.ctl = new Int32Array(ctlBuf);
      slot.startAt = new Float64Array(startBuf);
      config.ctl = ctlBuf;
      config.startAt = startBuf;
      const workerData = { sheetcPool: true, config };
      const w = entry.source
        ? new Worker(
            `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => m.tsImport(${JSON.stringify(entry.url)}, ${JSON.stringify(entry.url)}))`,
            { eval: true, workerData, execArgv: [] },
          )
        : new Worker(new URL(entry.url), { workerData, execArgv: [] });
      slot.worker = w;
      w.on('message', (m) => this.onMessage(slot, m));
      w.on('error', (e) => {
        slot.lastError = `${e.name}: ${e.message}`;
      });
      w.on('exit', (code) => this.onExit(slot, `exit code ${code}`));
    } else {
      const c = fork(entry.file, ['--sheetc-pool-worker'], {
        execArgv: entry.source ? tsxExecArgv() : [],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      slot.child = c;
      c.on('message', (m) => this.onMessage(slot, m as WorkerMessage));
      c.on('error', (e) => {
        slot.lastError = e.message;
      });
      c.on('exit', (code, sig) => this.onExit(slot, sig ? `signal ${sig}` : `exit code ${code}`));
      c.send({ type: 'init', config });
    }
  }

  private setRef(slot: Slot, on: boolean): void {
    if (slot.worker) {
      if (on) slot.worker.ref();
      else slot.worker.unref();
    } else if (slot.child) {
      const ch = slot.child.channel as { ref?: () => void; unref?: () => void } | undefined;
      if (on) {
        slot.child.ref();
        ch?.ref?.();
      } else {
        slot.child.unref();
        ch?.unref?.();
      }
    }
  }

  private setIdle(slot: Slot): void {
    slot.state = 'idle';
    slot.chunk = null;
    this.setRef(slot, false);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.state === 'idle') this.killSlot(slot);
    }, this.idleTimeoutMs);
    slot.idleTimer.unref();
  }

  private killSlot(slot: Slot): void {
    if (slot.state === 'dead') return;
    slot.state = 'dead';
    slot.chunk = null;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.slots.delete(slot);
    // Referenced until it is gone, so that close() can wait for the exit.
    this.setRef(slot, true);
    if (slot.worker) void slot.worker.terminate();
    else if (slot.child) slot.child.kill('SIGKILL');
  }

  private onMessage(slot: Slot, m: WorkerMessage): void {
    if (slot.state === 'dead') return;
    switch (m.type) {
      case 'ready':
        this.startupFailures = 0;
        this.setIdle(slot);
        this.pump();
        return;
      case 'fatal': {
        // The engine cannot be loaded: fail everything queued (the next batch tries again).
        const chunk = slot.chunk;
        this.killSlot(slot);
        if (chunk) this.failChunk(chunk, chunk.reported, m.error);
        this.failAllQueued(m.error);
        return;
      }
      case 'uncaught':
        slot.lastError = `${m.error.code}: ${m.error.message}`;
        return;
      case 'results': {
        const chunk = slot.chunk;
        if (!chunk || chunk.id !== m.id) return;
        slot.lastProgress = Date.now();
        m.items.forEach((item, k) => {
          const uid = chunk.uids[m.from + k]!;
          const [ok, payload] = item;
          chunk.batch.record(uid, ok ? { ok: true, result: payload as ScenarioResult } : { ok: false, error: payload as ScenarioErrorInfo });
        });
        chunk.reported = Math.max(chunk.reported, m.from + m.items.length);
        if (chunk.batch.stopping) for (const c of chunk.batch.inflight) this.cancelChunk(c);
        if (m.done) {
          if (m.recycle) {
            this.counters.workersRecycled++;
            this.killSlot(slot);
          }
          this.finishChunk(m.recycle ? null : slot, chunk, true);
        }
        return;
      }
    }
  }

  /** The chunk is over: unreported scenarios go back to the queue (or are dropped when stopping). */
  private finishChunk(slot: Slot | null, chunk: Chunk, innocent: boolean): void {
    const batch = chunk.batch;
    batch.inflight.delete(chunk);
    chunk.slot = null;
    const rest = chunk.uids.slice(chunk.reported).filter((u) => !batch.uniques[u]!.done);
    if (!batch.stopping && !batch.settled && rest.length > 0) {
      for (const u of rest) {
        const un = batch.uniques[u]!;
        if (!innocent) un.attempts++;
        if (un.attempts >= MAX_ATTEMPTS) {
          batch.record(u, { ok: false, error: { code: 'E_WORKER_CRASHED', message: `the worker died ${MAX_ATTEMPTS} times around this scenario` } });
        }
      }
      batch.queue.unshift(...rest.filter((u) => !batch.uniques[u]!.done));
    }
    if (slot && slot.state !== 'dead') this.setIdle(slot);
    if (batch.stopping) for (const c of batch.inflight) this.cancelChunk(c);
    if (batch.maybeSettle()) this.removeBatch(batch);
    this.pump();
  }

  private failChunk(chunk: Chunk, position: number, error: ScenarioErrorInfo): void {
    for (let p = position; p < chunk.uids.length; p++) chunk.batch.record(chunk.uids[p]!, { ok: false, error });
    chunk.reported = chunk.uids.length;
    this.finishChunk(null, chunk, true);
  }

  private failAllQueued(error: ScenarioErrorInfo): void {
    for (const b of [...this.batches]) {
      for (const u of b.queue.splice(0)) b.record(u, { ok: false, error });
      if (b.maybeSettle()) this.removeBatch(b);
    }
  }

  private onExit(slot: Slot, how: string): void {
    if (slot.state === 'dead') return; // terminated by the pool
    const wasStarting = slot.state === 'starting';
    const chunk = slot.chunk;
    const culprit = chunk ? this.runningPosition(slot, chunk, true) : null;
    slot.state = 'dead';
    this.slots.delete(slot);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.counters.workersCrashed++;
    const message = `the worker died (${how})${slot.lastError ? `: ${slot.lastError}` : ''}`;
    if (wasStarting) {
      this.startupFailures++;
      if (this.startupFailures >= MAX_ATTEMPTS) {
        this.startupFailures = 0;
        this.failAllQueued({ code: 'E_WORKER_CRASHED', message: `workers keep dying at startup: ${message}` });
      }
    }
    if (chunk) {
      if (culprit !== null) {
        chunk.batch.record(chunk.uids[culprit]!, { ok: false, error: { code: 'E_WORKER_CRASHED', message } });
        this.finishChunk(null, chunk, true);
      } else this.finishChunk(null, chunk, false);
      return;
    }
    this.pump();
  }

  /** The chunk position of the scenario the worker is running (or last ran), if known. */
  private runningPosition(slot: Slot, chunk: Chunk, crashed: boolean): number | null {
    if (slot.ctl) {
      if (Atomics.load(slot.ctl, CTL_CHUNK) !== chunk.id) return null;
      const started = Atomics.load(slot.ctl, CTL_STARTED);
      const finished = Atomics.load(slot.ctl, CTL_FINISHED);
      if (started > finished || (crashed && started > 0)) {
        const p = started - 1;
        return p >= chunk.reported ? p : null;
      }
      return null;
    }
    return chunk.reported < chunk.uids.length ? chunk.reported : null;
  }

  // ------------------------------------------------------------------ timeouts

  private updateWatchdog(): void {
    if (this.timeoutMs === null) return;
    let busy = false;
    for (const s of this.slots) if (s.state === 'busy') busy = true;
    if (busy && !this.watchdog) {
      const period = Math.max(1, Math.min(200, this.timeoutMs / 4));
      this.watchdog = setInterval(() => this.checkTimeouts(), period);
      this.watchdog.unref();
    } else if (!busy && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = null;
    }
  }

  private checkTimeouts(): void {
    const limit = this.timeoutMs!;
    const now = Date.now();
    for (const slot of [...this.slots]) {
      const chunk = slot.chunk;
      if (slot.state !== 'busy' || !chunk) continue;
      if (slot.ctl) {
        if (Atomics.load(slot.ctl, CTL_CHUNK) !== chunk.id) continue;
        const started = Atomics.load(slot.ctl, CTL_STARTED);
        if (started > Atomics.load(slot.ctl, CTL_FINISHED) && now - slot.startAt![0]! > limit) this.timeout(slot, chunk, started - 1);
      } else if (now - slot.lastProgress > limit && !slot.checking) {
        // Progress may be waiting in the IPC pipe: look again after I/O has been read.
        slot.checking = true;
        const seen = slot.lastProgress;
        setImmediate(() => {
          slot.checking = false;
          if (slot.chunk === chunk && slot.state === 'busy' && slot.lastProgress === seen) this.timeout(slot, chunk, chunk.reported);
        });
      }
    }
    this.updateWatchdog();
  }

  private timeout(slot: Slot, chunk: Chunk, position: number): void {
    this.counters.timeouts++;
    this.killSlot(slot);
    if (position >= chunk.reported && position < chunk.uids.length) {
      chunk.batch.record(chunk.uids[position]!, { ok: false, error: { code: 'E_TIMEOUT', message: `the scenario ran longer than ${this.timeoutMs} ms` } });
    }
    this.finishChunk(null, chunk, true);
  }

  // ------------------------------------------------------------------ close

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const b of [...this.batches]) this.abortBatch(b, new PoolError('E_CLOSED', 'the pool was closed', b.failures, b.completed));
    const exits: Promise<unknown>[] = [];
    for (const s of [...this.slots]) {
      if (s.worker) exits.push(new Promise((r) => s.worker!.once('exit', r)));
      else if (s.child && s.child.exitCode === null && s.child.signalCode === null) exits.push(new Promise((r) => s.child!.once('exit', r)));
      this.killSlot(s);
    }
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    await Promise.all(exits);
  }
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; error: ScenarioErrorInfo }
  | { type: 'uncaught'; error: ScenarioErrorInfo }
  | {
      type: 'results';
      id: number;
      from: number;
      items: [boolean, unknown][];
      done: boolean;
      recycle?: boolean;
      cancelled?: boolean;
    };

/** Creates a pool of workers serving scenarios of one engine. */
export function createPool(options: PoolOptions): Pool {
  return new ScenarioPool(options);
}
