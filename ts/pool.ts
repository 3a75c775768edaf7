/**
 * The scenario pool: runs many scenarios (input maps) through one compiled engine.
 *
 * This file is the scheduler; tinypool owns the workers (worker_threads or child
 * processes running ts/pool-worker.ts: start, reuse, idle shutdown, recycling, heap
 * limits, termination of an aborted task's worker). The scheduler keeps what is ours:
 * small batches (≤ `inlineThreshold`, default 16) run inline in the calling thread;
 * larger ones are cut into chunks, at most one per worker in flight, in input order,
 * identical scenarios computed once; failFast stops scheduling, lets the chunks in
 * flight skip their unstarted scenarios, then rejects; streams keep at most about
 * threads × 2 chunks ahead of their consumer.
 *
 * Per-scenario attribution: the worker says which position of its chunk it is running
 * (ts/pool-worker.ts), so a scenario past `timeoutMs` fails with E_TIMEOUT (its task is
 * aborted, so tinypool terminates and replaces that worker) and a worker that dies fails
 * only the scenario it was running (E_WORKER_CRASHED); the rest of the chunk is requeued.
 *
 * Where tinypool falls short we work around it here (each shown by a test in
 * __test__/tinypool-limits.test.ts): a worker thread that exits during a task leaves the
 * task pending forever (we watch each worker's exit and abort its task); a child worker's
 * death is reported without its exit code or signal (we watch the exit); child workers get
 * no environment unless one is passed (we pass ours); maxMemoryLimitBeforeRecycle counts
 * the JS heap only (our worker also counts ArrayBuffers and RSS, and asks to be recycled).
 */
import { availableParallelism, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import Tinypool from 'tinypool';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SheetcError } from './errors.js';
import { Batch, cancelledError, runOn, streamOn, type BatchHost } from './pool-batch.js';
import { builtEntry } from './pool-entry.js';
import {
  CTL_BYTES,
  CTL_CANCEL,
  CTL_FINISHED,
  CTL_START_AT,
  CTL_STARTED,
  CTL_WORKER,
  loadEngine,
  runEncoded,
  type ChunkReturn,
  type ChunkTask,
  type Item,
  type WorkerNote,
} from './pool-worker.js';
import {
  PoolError,
  type Pool,
  type PoolOptions,
  type PoolRunOptions,
  type PoolRuntime,
  type PoolStats,
  type Scenario,
  type ScenarioErrorInfo,
  type ScenarioFailure,
  type ScenarioResult,
  type StreamItem,
} from './pool-types.js';

export * from './pool-types.js';

interface Chunk {
  id: number;
  batch: Batch;
  uids: number[];
  /** Positions [0, reported) have their outcome. */
  reported: number;
  over: boolean;
  /** Aborting it makes tinypool terminate the worker running the task. */
  ac: AbortController;
  // worker_threads
  ctl?: Int32Array;
  startAt?: Float64Array;
  port?: MessagePort;
  // child_process
  send?: (m: unknown) => void;
  pid?: number;
  begun: boolean;
  lastProgress: number;
  checking?: boolean;
  cancelRequested?: boolean;
  crashPending?: boolean;
  lastError?: string;
}

/** What tinypool exposes of a worker (`pool.threads`). */
interface WorkerHandle {
  threadId: number;
  once(event: 'exit', listener: (code: number | null, signal?: NodeJS.Signals | null) => void): void;
  on(event: 'error', listener: (e: unknown) => void): void;
}

interface WorkerEntry {
  exited: Promise<void>;
  /** How it exited, once it did. */
  how: string | null;
  /** The error a worker thread died of (uncaught exception, out of memory). */
  error: string | null;
}

let nextChunkId = 1;

/** The default hard heap limit of a worker, in MB. */
function defaultHeapLimitMb(threads: number): number {
  const own = Math.floor(getHeapStatistics().heap_size_limit / 1048576);
  const share = Math.floor(totalmem() / (threads + 1) / 1048576);
  return Math.max(64, Math.min(own, share));
}

class ScenarioPool implements Pool, BatchHost {
  readonly threads: number;
  readonly runtime: PoolRuntime;
  private readonly engineDir: string;
  private readonly timeoutMs: number | null;
  private readonly maxMemoryBytes: number | null;
  private readonly heapLimitMb: number;
  private readonly inlineThreshold: number;
  private readonly idleTimeoutMs: number;
  private readonly isolateWorkers: boolean;
  private tinypool: Tinypool | null = null;
  private readonly batches: Batch[] = [];
  private readonly chunks = new Set<Chunk>();
  /** Workers seen (by thread id or pid): their exit, once it happened. */
  private readonly workers = new Map<number, WorkerEntry>();
  private rr = 0;
  private startupFailures = 0;
  private closed = false;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly counters: Omit<PoolStats, 'workersAlive' | 'workersStarted'> = {
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
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new SheetcError('E_INVALID_OPTION', `${name} must be a positive number`);
      return v;
    };
    this.timeoutMs = positive(o.timeoutMs, 'timeoutMs');
    const mem = positive(o.maxMemoryMb, 'maxMemoryMb');
    this.maxMemoryBytes = mem === null ? null : mem * 1024 * 1024;
    const heap = positive(o.heapLimitMb, 'heapLimitMb');
    if (heap !== null && heap < 16) throw new SheetcError('E_INVALID_OPTION', 'heapLimitMb must be at least 16');
    this.heapLimitMb = heap === null ? defaultHeapLimitMb(threads) : Math.floor(heap);
    this.inlineThreshold = o.inlineThreshold ?? (this.timeoutMs === null ? 16 : 0);
    if (typeof this.inlineThreshold !== 'number' || !(this.inlineThreshold >= 0)) throw new SheetcError('E_INVALID_OPTION', 'inlineThreshold must be ≥ 0');
    this.idleTimeoutMs = positive(o.idleTimeoutMs, 'idleTimeoutMs') ?? 30_000;
    if (o.isolateWorkers !== undefined && typeof o.isolateWorkers !== 'boolean') throw new SheetcError('E_INVALID_OPTION', 'isolateWorkers must be a boolean');
    this.isolateWorkers = o.isolateWorkers ?? false;
  }

  stats(): PoolStats {
    let alive = 0;
    for (const w of this.workers.values()) if (w.how === null) alive++;
    return { ...this.counters, workersStarted: this.workers.size, workersAlive: alive };
  }

  // ------------------------------------------------------------------ batches

  private newBatch(scenarios: Scenario[], options: PoolRunOptions): Batch {
    if (this.closed) throw new PoolError('E_CLOSED', 'the pool is closed', [], new Map());
    if (options.signal?.aborted) throw cancelledError(new Map());
    return new Batch(scenarios, options, (n) => Math.min(64, Math.ceil(n / (this.threads * 4))), 'pool.run()');
  }

  run(scenarios: Scenario[], options: PoolRunOptions = {}): Promise<any> {
    return this.runBatch(scenarios, options);
  }

  private async runBatch(scenarios: Scenario[], options: PoolRunOptions): Promise<(ScenarioResult | ScenarioFailure)[]> {
    const batch = this.newBatch(scenarios, options);
    if (scenarios.length <= this.inlineThreshold) {
      await this.runInline(batch, options.signal);
      return batch.collect();
    }
    return runOn(this, batch, options.signal);
  }

  stream(scenarios: Scenario[], options: PoolRunOptions = {}): AsyncIterableIterator<StreamItem> {
    return this.streamBatch(scenarios, options);
  }

  private async *streamBatch(scenarios: Scenario[], options: PoolRunOptions): AsyncGenerator<StreamItem> {
    const batch = this.newBatch(scenarios, options);
    if (scenarios.length > this.inlineThreshold) {
      yield* streamOn(this, batch, options.signal, this.threads * 2);
      return;
    }
    // Inline: one scenario computed per pull.
    const buffer: StreamItem[] = [];
    batch.onOutcome = (uid, o) => {
      batch.uniques[uid]!.indices.forEach((index, k) => {
        if (o.ok) buffer.push({ index, result: k === 0 ? o.result : structuredClone(o.result) });
        else buffer.push({ index, error: o.error });
      });
    };
    let failure: PoolError | null = null;
    batch.onSettle = (e) => (failure = e);
    batch.start();
    while (buffer.length > 0) yield buffer.shift()!;
    const loaded = batch.queue.length > 0 ? await this.loadInline() : null;
    while (batch.queue.length > 0 && !batch.stopping) {
      await this.inlineStep(batch, loaded!, options.signal);
      while (buffer.length > 0) yield buffer.shift()!;
    }
    batch.maybeSettle();
    if (failure) throw failure;
  }

  // ------------------------------------------------------------------ inline

  private async loadInline() {
    try {
      return await loadEngine(this.engineDir);
    } catch (e) {
      throw new SheetcError('E_IO', (e as Error).message);
    }
  }

  /** Computes the next queued scenario in this thread (throws when cancelled or closed). */
  private async inlineStep(batch: Batch, loaded: Awaited<ReturnType<ScenarioPool['loadInline']>>, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted || this.closed) {
      batch.settled = true;
      throw this.closed ? new PoolError('E_CLOSED', 'the pool was closed', [], batch.completed) : cancelledError(batch.completed);
    }
    const uid = batch.queue.shift()!;
    const [ok, payload] = await runEncoded(loaded, batch.uniques[uid]!.inputs!, batch.outputs, batch.full);
    this.counters.scenariosInline++;
    batch.record(uid, ok ? { ok: true, result: payload as ScenarioResult } : { ok: false, error: payload });
  }

  /** Runs the batch in this thread; settles it like the worker path does. */
  private async runInline(batch: Batch, signal: AbortSignal | undefined): Promise<void> {
    let failure: PoolError | null = null;
    batch.onSettle = (e) => (failure = e);
    batch.start();
    if (batch.queue.length > 0 && !batch.stopping) {
      const loaded = await this.loadInline();
      while (batch.queue.length > 0 && !batch.stopping) await this.inlineStep(batch, loaded, signal);
    }
    batch.maybeSettle();
    if (failure) throw failure;
  }

  // ------------------------------------------------------------------ BatchHost

  add(batch: Batch): void {
    this.batches.push(batch);
    this.pump();
  }

  stop(batch: Batch): void {
    batch.stopping = true;
    batch.queue.length = 0;
    this.cancelInflight(batch);
    if (batch.maybeSettle()) this.removeBatch(batch);
  }

  abort(batch: Batch, err?: PoolError): void {
    if (batch.settled) return;
    for (const c of [...this.chunks]) {
      if (c.batch !== batch) continue;
      this.drop(c, true);
      batch.inflight--;
    }
    this.removeBatch(batch);
    batch.forceSettle(err ?? cancelledError(batch.completed));
    this.pump();
  }

  pump(): void {
    if (this.closed) return;
    while (this.chunks.size < this.threads) {
      const batch = this.nextBatch();
      if (!batch) break;
      this.dispatch(batch);
    }
    this.updateWatchdog();
  }

  private removeBatch(batch: Batch): void {
    const i = this.batches.indexOf(batch);
    if (i >= 0) this.batches.splice(i, 1);
  }

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

  private cancelInflight(batch: Batch): void {
    for (const c of this.chunks) {
      if (c.batch !== batch) continue;
      if (c.ctl) Atomics.store(c.ctl, CTL_CANCEL, 1);
      else {
        c.cancelRequested = true;
        c.send?.({ t: 'cancel', id: c.id });
      }
    }
  }

  // ------------------------------------------------------------------ tinypool

  private pool(): Tinypool {
    if (this.tinypool) return this.tinypool;
    const child = this.runtime === 'child_process';
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const tp = new Tinypool({
      filename: builtEntry('pool-worker').url,
      runtime: this.runtime,
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: this.idleTimeoutMs,
      isolateWorkers: this.isolateWorkers,
      ...(this.maxMemoryBytes !== null && !this.isolateWorkers ? { maxMemoryLimitBeforeRecycle: this.maxMemoryBytes } : {}),
      // A worker never inherits this process's flags (e.g. a TypeScript loader).
      execArgv: child ? [`--max-old-space-size=${this.heapLimitMb}`] : [],
      ...(child ? { env, serialization: 'advanced' as const } : { resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb } }),
    });
    // A worker that dies with no task (e.g. at startup) is reported on the pool.
    tp.on('error', (e: unknown) => this.onPoolError(e));
    this.tinypool = tp;
    return tp;
  }

  /** Watches the exit of every worker tinypool has started (they are created inside `run()`). */
  private watchWorkers(): void {
    if (!this.tinypool) return;
    for (const w of this.tinypool.threads as unknown as WorkerHandle[]) {
      const id = w.threadId;
      if (this.workers.has(id)) continue;
      const entry: WorkerEntry = { exited: Promise.resolve(), how: null, error: null };
      // A worker thread's 'error' comes just before its 'exit' (a child's says only that it exited).
      if (this.runtime === 'worker_threads') w.on('error', (e) => (entry.error = describeFailure(e, this.heapLimitMb)));
      entry.exited = new Promise<void>((r) =>
        w.once('exit', (code, signal) => {
          entry.how = signal ? `signal ${signal}` : `exit code ${code}`;
          r();
          this.onWorkerExit(id);
        }),
      );
      this.workers.set(id, entry);
    }
  }

  private dispatch(batch: Batch): void {
    const uids = batch.takeChunk();
    const chunk: Chunk = { id: nextChunkId++, batch, uids, reported: 0, over: false, ac: new AbortController(), begun: false, lastProgress: Date.now() };
    const task: ChunkTask = {
      id: chunk.id,
      engine: this.engineDir,
      items: uids.map((u) => batch.uniques[u]!.inputs!),
      outputs: batch.outputs,
      full: batch.full,
      maxMemoryBytes: this.maxMemoryBytes,
    };
    const options: Parameters<Tinypool['run']>[1] = { signal: chunk.ac.signal };
    if (this.runtime === 'worker_threads') {
      const sab = new SharedArrayBuffer(CTL_BYTES);
      chunk.ctl = new Int32Array(sab, 0, 4);
      chunk.startAt = new Float64Array(sab);
      const { port1, port2 } = new MessageChannel();
      chunk.port = port1;
      port1.on('message', (m: WorkerNote) => this.onNote(chunk, m));
      // A worker thread that exits during a task: tinypool never settles the task. The
      // exit watcher handles it; this is for a worker it missed (the port closes before
      // the thread's 'error' and 'exit' events, which carry the cause: wait for them).
      port1.on('close', () => {
        if (!chunk.over) setTimeout(() => this.crash(chunk, null), 2000);
      });
      task.ctl = sab;
      task.port = port2;
      options.transferList = [port2];
    } else {
      options.channel = {
        onMessage: (send: (m: unknown) => void) => {
          chunk.send = send;
          if (chunk.cancelRequested) send({ t: 'cancel', id: chunk.id });
        },
        postMessage: (m: WorkerNote) => this.onNote(chunk, m),
      };
    }
    this.chunks.add(chunk);
    this.counters.chunksDispatched++;
    this.counters.scenariosDispatched += uids.length;
    this.pool()
      .run(task, options)
      .then(
        (ret: ChunkReturn) => this.onReturn(chunk, ret),
        (e: unknown) => this.crash(chunk, e),
      );
    this.watchWorkers();
  }

  private apply(chunk: Chunk, from: number, items: Item[]): void {
    const batch = chunk.batch;
    items.forEach((item, k) => {
      const uid = chunk.uids[from + k];
      if (uid === undefined) return;
      const [ok, payload] = item;
      batch.record(uid, ok ? { ok: true, result: payload as ScenarioResult } : { ok: false, error: payload as ScenarioErrorInfo });
    });
    chunk.reported = Math.max(chunk.reported, from + items.length);
    chunk.lastProgress = Date.now();
    if (batch.stopping) this.cancelInflight(batch);
  }

  private onNote(chunk: Chunk, m: WorkerNote): void {
    if (chunk.over) return;
    switch (m.t) {
      case 'begin':
        chunk.begun = true;
        chunk.pid = m.pid;
        chunk.lastProgress = Date.now();
        this.startupFailures = 0;
        this.watchWorkers();
        return;
      case 'items':
        this.apply(chunk, m.from, m.items);
        return;
      case 'recycle':
        this.apply(chunk, m.from, m.items);
        this.counters.workersRecycled++;
        this.end(chunk, true, true);
        return;
      case 'uncaught':
        chunk.lastError = `${m.error.code}: ${m.error.message}`;
        return;
    }
  }

  /** Takes the results still queued on the chunk's port (flushed before the task returned or died). */
  private drain(chunk: Chunk): void {
    if (!chunk.port) return;
    for (let m = receiveMessageOnPort(chunk.port); m; m = receiveMessageOnPort(chunk.port)) this.onNote(chunk, m.message as WorkerNote);
  }

  private onReturn(chunk: Chunk, ret: ChunkReturn): void {
    if (chunk.over) return;
    this.drain(chunk);
    if (chunk.over) return;
    this.startupFailures = 0;
    this.apply(chunk, ret.from, ret.items);
    if (ret.fatal) {
      // The engine cannot be loaded: fail everything queued (the next batch tries again).
      const error = ret.fatal;
      for (let p = chunk.reported; p < chunk.uids.length; p++) chunk.batch.record(chunk.uids[p]!, { ok: false, error });
      chunk.reported = chunk.uids.length;
      for (const b of this.batches) b.failQueued(error);
    }
    this.end(chunk, true, false);
  }

  /**
   * The chunk's worker died (or its task failed): only the scenario it was running fails.
   * A child's last results may still be in the IPC pipe when its exit is seen: they are
   * read first.
   */
  private crash(chunk: Chunk, cause: unknown): void {
    if (chunk.over) return;
    if (!chunk.ctl) {
      if (chunk.crashPending) return;
      chunk.crashPending = true;
      if (cause !== null && chunk.lastError === undefined) chunk.lastError = describeFailure(cause, this.heapLimitMb);
      setTimeout(() => this.crashNow(chunk, null), 20);
      return;
    }
    this.crashNow(chunk, cause);
  }

  private crashNow(chunk: Chunk, cause: unknown): void {
    if (chunk.over) return;
    this.drain(chunk);
    if (chunk.over) return;
    const began = chunk.ctl ? Atomics.load(chunk.ctl, CTL_WORKER) !== 0 : chunk.begun;
    const workerId = chunk.ctl ? Atomics.load(chunk.ctl, CTL_WORKER) : chunk.pid;
    const entry = workerId !== undefined ? this.workers.get(workerId) : undefined;
    const how = entry?.how;
    const detail = chunk.lastError ?? entry?.error ?? describeFailure(cause, this.heapLimitMb);
    const message = `the worker died${how ? ` (${how})` : ''}${detail ? `: ${detail}` : ''}`;
    this.counters.workersCrashed++;
    if (!began) {
      // Died before starting the chunk: nothing of it is to blame.
      this.startupFailures++;
      this.end(chunk, true, true);
      if (this.startupFailures >= 3) {
        this.startupFailures = 0;
        for (const b of [...this.batches]) {
          b.failQueued({ code: 'E_WORKER_CRASHED', message: `workers keep dying at startup: ${message}` });
          if (b.maybeSettle()) this.removeBatch(b);
        }
      }
      return;
    }
    const culprit = this.runningPosition(chunk);
    if (culprit !== null) chunk.batch.record(chunk.uids[culprit]!, { ok: false, error: { code: 'E_WORKER_CRASHED', message } });
    this.end(chunk, culprit !== null, true);
  }

  /**
   * A worker exited. tinypool also ends workers on purpose after a task (isolateWorkers,
   * maxMemoryLimitBeforeRecycle), and settles that task only after the exit: so look a
   * little later, and only a chunk still unsettled then lost its worker.
   */
  private onWorkerExit(id: number): void {
    setTimeout(() => {
      for (const c of [...this.chunks]) {
        const wid = c.ctl ? Atomics.load(c.ctl, CTL_WORKER) : c.pid;
        if (wid === id) this.crash(c, null);
      }
    }, 20);
  }

  private onPoolError(e: unknown): void {
    // A worker died outside any task (at startup): the chunks waiting for a worker may
    // be queued behind it in tinypool; requeue them so that new workers are started.
    this.startupFailures++;
    for (const c of [...this.chunks]) if (!(c.ctl ? Atomics.load(c.ctl, CTL_WORKER) !== 0 : c.begun)) this.end(c, true, true);
    if (this.startupFailures >= 3) {
      this.startupFailures = 0;
      const message = `workers keep dying at startup: ${describeFailure(e, this.heapLimitMb)}`;
      for (const b of [...this.batches]) {
        b.failQueued({ code: 'E_WORKER_CRASHED', message });
        if (b.maybeSettle()) this.removeBatch(b);
      }
    }
  }

  /** The chunk position of the scenario the worker was running when it died, if known. */
  private runningPosition(chunk: Chunk): number | null {
    if (chunk.ctl) {
      const started = Atomics.load(chunk.ctl, CTL_STARTED);
      if (started === 0) return null;
      const p = started - 1;
      return p >= chunk.reported ? p : null;
    }
    return chunk.reported < chunk.uids.length ? chunk.reported : null;
  }

  /** Forgets a chunk; `kill` aborts its task, so tinypool terminates the worker. */
  private drop(chunk: Chunk, kill: boolean): void {
    chunk.over = true;
    this.chunks.delete(chunk);
    if (kill) chunk.ac.abort();
    chunk.port?.close();
  }

  /** The chunk is over: unreported scenarios go back to the queue (or are dropped when stopping). */
  private end(chunk: Chunk, innocent: boolean, kill: boolean): void {
    if (chunk.over) return;
    this.drop(chunk, kill);
    const batch = chunk.batch;
    if (!batch.settled) {
      batch.chunkOver(chunk.uids.slice(chunk.reported), innocent);
      if (batch.stopping) this.cancelInflight(batch);
      if (batch.maybeSettle()) this.removeBatch(batch);
    }
    this.pump();
  }

  // ------------------------------------------------------------------ timeouts

  private updateWatchdog(): void {
    if (this.timeoutMs === null) return;
    if (this.chunks.size > 0 && !this.watchdog) {
      const period = Math.max(1, Math.min(200, this.timeoutMs / 4));
      this.watchdog = setInterval(() => this.checkTimeouts(), period);
      this.watchdog.unref();
    } else if (this.chunks.size === 0 && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = null;
    }
  }

  private checkTimeouts(): void {
    const limit = this.timeoutMs!;
    const now = Date.now();
    for (const chunk of [...this.chunks]) {
      if (chunk.ctl) {
        const started = Atomics.load(chunk.ctl, CTL_STARTED);
        if (started > Atomics.load(chunk.ctl, CTL_FINISHED) && now - chunk.startAt![CTL_START_AT]! > limit) this.timeout(chunk, started - 1);
      } else if (chunk.begun && now - chunk.lastProgress > limit && !chunk.checking) {
        // Progress may be waiting in the IPC pipe: look again after I/O has been read.
        chunk.checking = true;
        const seen = chunk.lastProgress;
        setImmediate(() => {
          chunk.checking = false;
          if (!chunk.over && chunk.lastProgress === seen) this.timeout(chunk, chunk.reported);
        });
      }
    }
    this.updateWatchdog();
  }

  private timeout(chunk: Chunk, position: number): void {
    this.drain(chunk);
    if (chunk.over) return;
    this.counters.timeouts++;
    if (position >= chunk.reported && position < chunk.uids.length) {
      chunk.batch.record(chunk.uids[position]!, { ok: false, error: { code: 'E_TIMEOUT', message: `the scenario ran longer than ${this.timeoutMs} ms` } });
    }
    this.end(chunk, true, true);
  }

  // ------------------------------------------------------------------ close

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const b of [...this.batches]) this.abort(b, new PoolError('E_CLOSED', 'the pool was closed', b.failures, b.completed));
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    const tp = this.tinypool;
    if (tp) {
      this.watchWorkers();
      await tp.destroy();
      // Workers terminated earlier (aborted tasks) exit on their own time.
      await Promise.all([...this.workers.values()].map((w) => w.exited));
    }
  }
}

function describeFailure(e: unknown, heapLimitMb: number): string {
  if (e === null || e === undefined) return '';
  if (typeof e !== 'object') return String(e);
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') return `out of memory (heap limit ${heapLimitMb} MB): ${String(err.message)}`;
  return typeof err.message === 'string' ? err.message : String(e);
}

/** Creates a pool of workers serving scenarios of one engine. */
export function createPool(options: PoolOptions): Pool {
  return new ScenarioPool(options);
}

