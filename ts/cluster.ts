/**
 * `sheetc/cluster`: the pool's batches beyond one machine, as BullMQ jobs on Redis served
 * by `sheetc worker` processes on any number of machines (ts/cluster-worker.ts).
 *
 * `createClusterRunner({ connection, queue, engine })` has the pool's `run()`/`stream()`
 * with the same semantics and result shapes (results in input order, identical scenarios
 * computed once, typed per-scenario errors, failFast, progress, AbortSignal): the same
 * batch scheduler (ts/pool-batch.ts) cuts a batch into jobs of `jobSize` scenarios and
 * gathers each job's return value in place. BullMQ gives the failure semantics: a worker
 * that dies mid-job loses its lock, and after the stalled interval another worker runs the
 * job again (its results are taken once, from the job that completes); a scenario that
 * throws is a per-scenario error inside a completed job, never a retried job.
 *
 * The engine travels by content hash: before a batch the runner hashes the engine
 * directory and, once per hash, publishes its files to Redis (or, with
 * `engineTransport: 'shared-path'`, sends the directory's path, which workers check
 * against the hash); workers keep engines in a cache by hash, so a rebuilt engine is a new
 * hash and no worker runs a stale one.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { SheetcError } from './errors.js';
import { Batch, cancelledError, runOn, streamOn, type BatchHost } from './pool-batch.js';
import {
  ClusterUnavailable,
  connectChecked,
  describeConnection,
  ENGINE_TTL_S,
  keys,
  packEngine,
  PROTOCOL_VERSION,
  readEngine,
  redisOptions,
  type ClusterConnection,
  type JobData,
  type JobResult,
} from './cluster-protocol.js';
import {
  PoolError,
  type PoolRunOptions,
  type Scenario,
  type ScenarioErrorInfo,
  type ScenarioFailure,
  type ScenarioResult,
  type ScenarioRunner,
  type StreamItem,
} from './pool-types.js';

export * from './pool-types.js';
export type { ClusterConnection } from './cluster-protocol.js';
export { startClusterWorker, type ClusterWorker, type ClusterWorkerOptions } from './cluster-worker.js';

export interface ClusterRunnerOptions {
  /** Redis: a URL (`redis://host:6379`) or ioredis options (`{ host, port, password, db }`). */
  connection: ClusterConnection;
  /** The BullMQ queue the workers serve (`sheetc worker --queue NAME`). */
  queue: string;
  /** The engine directory (holding `engine.js`) built by `compile()`. */
  engine: string;
  /** Scenarios per job (default 250). */
  jobSize?: number;
  /** A job's time limit, measured by the worker: its unfinished scenarios fail with E_TIMEOUT. */
  jobTimeoutMs?: number;
  /**
   * How workers get the engine: 'redis' (default) publishes its files once per content
   * hash; 'shared-path' sends the engine directory's path (a file system every worker
   * mounts at the same path), which workers check against the hash before use.
   */
  engineTransport?: 'redis' | 'shared-path';
  /** Jobs of one batch queued or running at once (default 64; a stream keeps 8). */
  maxJobsInFlight?: number;
  /** Attempts of a job whose processing failed outside any scenario (default 3). */
  attempts?: number;
  /** Redis down this long during a batch fails it with E_CLUSTER_UNAVAILABLE (default 15,000 ms). */
  unavailableAfterMs?: number;
}

export interface ClusterRunner extends ScenarioRunner {
  readonly queue: string;
  /** Closes the runner's Redis connections; pending batches reject with E_CLOSED. Workers keep running. */
  close(): Promise<void>;
}

interface InflightJob {
  batch: Batch;
  uids: number[];
  id: string | null;
  over: boolean;
  addedAt: number;
}

/** How often in-flight jobs are looked up directly (should a completion event be missed). */
const POLL_MS = 2000;

class Runner implements ClusterRunner, BatchHost {
  readonly queue: string;
  private readonly connection: ClusterConnection;
  private readonly where: string;
  private readonly engineDir: string;
  private readonly jobSize: number;
  private readonly jobTimeoutMs: number | null;
  private readonly transport: 'redis' | 'shared-path';
  private readonly maxJobs: number;
  private readonly attempts: number;
  private readonly unavailableAfterMs: number;
  private started: Promise<{ client: Redis; queue: Queue; events: QueueEvents }> | null = null;
  private readonly batches: Batch[] = [];
  private readonly jobs = new Map<string, InflightJob>();
  private readonly pendingAdds = new Set<InflightJob>();
  private readonly early = new Map<string, { ok: true; value: unknown } | { ok: false; reason: string }>();
  private readonly published = new Set<string>();
  private readonly batchMeta = new Map<Batch, { id: string; hash: string; maxJobs: number }>();
  private poller: NodeJS.Timeout | null = null;
  private downSince: number | null = null;
  private closed = false;

  constructor(o: ClusterRunnerOptions) {
    if (!o || typeof o !== 'object') throw new SheetcError('E_INVALID_OPTION', 'createClusterRunner() needs { connection, queue, engine }');
    if (typeof o.queue !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(o.queue)) throw new SheetcError('E_INVALID_OPTION', 'queue must be a name of letters, digits, ".", "_" or "-"');
    if (typeof o.engine !== 'string' || o.engine === '') throw new SheetcError('E_INVALID_OPTION', 'createClusterRunner() needs { engine }: an engine directory');
    if (typeof o.connection !== 'string' && (o.connection === null || typeof o.connection !== 'object')) throw new SheetcError('E_INVALID_OPTION', 'connection must be a Redis URL or ioredis options');
    const int = (v: number | undefined, name: string, def: number) => {
      if (v === undefined) return def;
      if (!Number.isInteger(v) || v < 1) throw new SheetcError('E_INVALID_OPTION', `${name} must be a positive integer`);
      return v;
    };
    this.queue = o.queue;
    this.connection = o.connection;
    this.where = describeConnection(o.connection);
    try {
      redisOptions(o.connection);
    } catch (e) {
      throw new SheetcError('E_INVALID_OPTION', (e as Error).message);
    }
    this.engineDir = resolve(o.engine);
    this.jobSize = int(o.jobSize, 'jobSize', 250);
    this.jobTimeoutMs = o.jobTimeoutMs === undefined ? null : int(o.jobTimeoutMs, 'jobTimeoutMs', 0);
    if (o.engineTransport !== undefined && o.engineTransport !== 'redis' && o.engineTransport !== 'shared-path') throw new SheetcError('E_INVALID_OPTION', "engineTransport must be 'redis' or 'shared-path'");
    this.transport = o.engineTransport ?? 'redis';
    this.maxJobs = int(o.maxJobsInFlight, 'maxJobsInFlight', 64);
    this.attempts = int(o.attempts, 'attempts', 3);
    this.unavailableAfterMs = int(o.unavailableAfterMs, 'unavailableAfterMs', 15_000);
  }

  // ------------------------------------------------------------------ connection

  private start(): Promise<{ client: Redis; queue: Queue; events: QueueEvents }> {
    this.started ??= (async () => {
      const client = await connectChecked(this.connection);
      client.on('error', () => this.markDown());
      const connection = redisOptions(this.connection);
      const queue = new Queue(this.queue, { connection });
      const events = new QueueEvents(this.queue, { connection });
      queue.on('error', () => this.markDown());
      events.on('error', () => this.markDown());
      events.on('completed', ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue));
      events.on('failed', ({ jobId, failedReason }) => this.onFailed(jobId, failedReason));
      await events.waitUntilReady();
      return { client, queue, events };
    })().catch((e: unknown) => {
      this.started = null;
      throw e;
    });
    return this.started;
  }

  private markDown(): void {
    this.downSince ??= Date.now();
  }

  private unavailable(message: string): PoolError {
    return new PoolError('E_CLUSTER_UNAVAILABLE', message, [], new Map());
  }

  // ------------------------------------------------------------------ batches

  private async prepare(scenarios: Scenario[], options: PoolRunOptions): Promise<{ batch: Batch; conn: { client: Redis; queue: Queue } }> {
    if (this.closed) throw new PoolError('E_CLOSED', 'the cluster runner is closed', [], new Map());
    if (options.signal?.aborted) throw cancelledError(new Map());
    const batch = new Batch(scenarios, options, () => this.jobSize, 'run()');
    let conn: { client: Redis; queue: Queue };
    try {
      conn = await this.start();
    } catch (e) {
      if (e instanceof ClusterUnavailable) throw this.unavailable(e.message);
      throw e;
    }
    let engine;
    try {
      engine = readEngine(this.engineDir);
    } catch (e) {
      throw new SheetcError('E_IO', (e as Error).message);
    }
    if (this.transport === 'redis' && !this.published.has(engine.hash)) {
      const key = keys.engine(this.queue, engine.hash);
      try {
        const set = await conn.client.set(key, packEngine(engine), 'EX', ENGINE_TTL_S, 'NX');
        if (set === null) await conn.client.expire(key, ENGINE_TTL_S);
      } catch (e) {
        throw this.unavailable(`Redis at ${this.where}: could not publish the engine: ${(e as Error).message}`);
      }
      this.published.add(engine.hash);
    }
    this.batchMeta.set(batch, { id: randomUUID(), hash: engine.hash, maxJobs: this.maxJobs });
    if (options.signal?.aborted) throw cancelledError(new Map());
    return { batch, conn };
  }

  run(scenarios: Scenario[], options: PoolRunOptions = {}): Promise<any> {
    return this.runBatch(scenarios, options);
  }

  private async runBatch(scenarios: Scenario[], options: PoolRunOptions): Promise<(ScenarioResult | ScenarioFailure)[]> {
    const { batch } = await this.prepare(scenarios, options);
    return runOn(this, batch, options.signal);
  }

  stream(scenarios: Scenario[], options: PoolRunOptions = {}): AsyncIterableIterator<StreamItem> {
    return this.streamBatch(scenarios, options);
  }

  private async *streamBatch(scenarios: Scenario[], options: PoolRunOptions): AsyncGenerator<StreamItem> {
    const { batch } = await this.prepare(scenarios, options);
    this.batchMeta.get(batch)!.maxJobs = Math.min(8, this.maxJobs);
    yield* streamOn(this, batch, options.signal, Math.min(8, this.maxJobs));
  }

  // ------------------------------------------------------------------ BatchHost

  add(batch: Batch): void {
    this.batches.push(batch);
    this.pump();
  }

  stop(batch: Batch): void {
    batch.stopping = true;
    batch.queue.length = 0;
    // Jobs not started are removed; running ones finish and are taken as they come.
    for (const job of [...this.jobs.values()]) if (job.batch === batch) void this.tryRemove(job);
    if (batch.maybeSettle()) this.forget(batch);
  }

  abort(batch: Batch, err?: PoolError): void {
    if (batch.settled) return;
    const meta = this.batchMeta.get(batch);
    if (meta && this.started) {
      // Workers running its jobs see the cancel key and stop; queued jobs are removed.
      void this.started.then(({ client }) => client.set(keys.cancel(this.queue, meta.id), '1', 'EX', 3600)).catch(() => {});
    }
    for (const job of [...this.jobs.values(), ...this.pendingAdds]) {
      if (job.batch !== batch || job.over) continue;
      job.over = true;
      batch.inflight--;
      if (job.id) {
        this.jobs.delete(job.id);
        void this.removeJob(job.id);
      }
    }
    this.forget(batch);
    batch.forceSettle(err ?? cancelledError(batch.completed));
    this.pump();
  }

  pump(): void {
    if (this.closed) return;
    for (const batch of this.batches) {
      const meta = this.batchMeta.get(batch)!;
      while (batch.hasWork() && batch.inflight < meta.maxJobs) this.dispatch(batch, meta);
    }
    this.updatePoller();
  }

  private forget(batch: Batch): void {
    const i = this.batches.indexOf(batch);
    if (i >= 0) this.batches.splice(i, 1);
    this.batchMeta.delete(batch);
  }

  private dispatch(batch: Batch, meta: { id: string; hash: string }): void {
    const uids = batch.takeChunk();
    const job: InflightJob = { batch, uids, id: null, over: false, addedAt: Date.now() };
    const data: JobData = {
      v: PROTOCOL_VERSION,
      batch: meta.id,
      engine: this.transport === 'shared-path' ? { hash: meta.hash, path: this.engineDir } : { hash: meta.hash },
      outputs: batch.outputs,
      full: batch.full,
      scenarios: uids.map((u) => batch.uniques[u]!.inputs!),
      timeoutMs: this.jobTimeoutMs,
    };
    this.pendingAdds.add(job);
    void this.start()
      .then(({ queue }) => queue.add('scenarios', data, { attempts: this.attempts, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } }))
      .then(
        (added) => {
          this.pendingAdds.delete(job);
          const id = String(added.id);
          if (job.over) {
            void this.removeJob(id);
            return;
          }
          job.id = id;
          this.jobs.set(id, job);
          const e = this.early.get(id);
          if (e) {
            this.early.delete(id);
            if (e.ok) this.onCompleted(id, e.value);
            else this.onFailed(id, e.reason);
          }
        },
        (e: unknown) => {
          this.pendingAdds.delete(job);
          if (job.over) return;
          this.failBatch(batch, `Redis at ${this.where}: could not queue a job: ${(e as Error)?.message ?? String(e)}`);
        },
      );
  }

  private onCompleted(jobId: string, returnvalue: unknown): void {
    const job = this.jobs.get(jobId);
    if (!job) {
      if (this.pendingAdds.size > 0) this.keepEarly(jobId, { ok: true, value: returnvalue });
      return;
    }
    let r: JobResult;
    try {
      r = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as JobResult;
    } catch {
      r = { fatal: { code: 'E_INTERNAL', message: 'a worker returned a result that is not JSON' } };
    }
    this.finish(job, r);
  }

  private onFailed(jobId: string, reason: string): void {
    const job = this.jobs.get(jobId);
    if (!job) {
      if (this.pendingAdds.size > 0) this.keepEarly(jobId, { ok: false, reason });
      return;
    }
    this.finish(job, { fatal: { code: 'E_WORKER_CRASHED', message: `the job failed: ${reason}` } });
  }

  /** An event for a job whose queue.add() has not answered yet (or of another runner's job). */
  private keepEarly(jobId: string, e: { ok: true; value: unknown } | { ok: false; reason: string }): void {
    this.early.set(jobId, e);
    if (this.early.size > 10_000) this.early.delete(this.early.keys().next().value!);
  }

  private finish(job: InflightJob, r: JobResult): void {
    if (job.over) return;
    job.over = true;
    if (job.id) {
      this.jobs.delete(job.id);
      void this.removeJob(job.id); // its result is taken
    }
    const batch = job.batch;
    if ('fatal' in r) {
      const error: ScenarioErrorInfo = r.fatal;
      for (const u of job.uids) batch.record(u, { ok: false, error });
    } else {
      job.uids.forEach((uid, k) => {
        const item = Array.isArray(r.items) ? r.items[k] : undefined;
        if (!Array.isArray(item) || item[1] === null || typeof item[1] !== 'object') {
          batch.record(uid, { ok: false, error: { code: 'E_INTERNAL', message: 'the worker returned no outcome for this scenario' } });
          return;
        }
        const [ok, payload] = item;
        batch.record(uid, ok ? { ok: true, result: payload as ScenarioResult } : { ok: false, error: payload as ScenarioErrorInfo });
      });
    }
    batch.chunkOver(job.uids, true);
    if (batch.stopping) this.stop(batch);
    else if (batch.maybeSettle()) this.forget(batch);
    this.pump();
  }

  private failBatch(batch: Batch, message: string): void {
    this.abort(batch, new PoolError('E_CLUSTER_UNAVAILABLE', message, batch.failures, batch.completed));
  }

  private async removeJob(id: string): Promise<void> {
    try {
      const { queue } = await this.start();
      await queue.remove(id);
    } catch {
      // active (locked) jobs cannot be removed: their worker sees the cancel key
    }
  }

  /** Removes a job that has not started; when removed, its scenarios go back (or away, when stopping). */
  private async tryRemove(job: InflightJob): Promise<void> {
    if (!job.id || job.over) return;
    try {
      const { queue } = await this.start();
      const removed = await queue.remove(job.id);
      if (removed === 1 && !job.over) {
        job.over = true;
        this.jobs.delete(job.id);
        job.batch.chunkOver(job.uids, true);
        if (job.batch.maybeSettle()) this.forget(job.batch);
        this.pump();
      }
    } catch {
      // it is running: its result is taken when it completes
    }
  }

  // ------------------------------------------------------------------ safety net

  private updatePoller(): void {
    const busy = this.jobs.size + this.pendingAdds.size > 0;
    if (busy && !this.poller) {
      this.poller = setInterval(() => void this.poll(), POLL_MS);
      this.poller.unref();
    } else if (!busy && this.poller) {
      clearInterval(this.poller);
      this.poller = null;
    }
  }

  /** Looks up jobs whose completion event may have been missed; fails batches when Redis stays down. */
  private async poll(): Promise<void> {
    if (!this.started) return;
    const { client, queue } = await this.started;
    try {
      await client.ping();
      this.downSince = null;
    } catch {
      this.markDown();
    }
    if (this.downSince !== null && Date.now() - this.downSince > this.unavailableAfterMs) {
      const message = `Redis at ${this.where} has been unreachable for ${Math.round((Date.now() - this.downSince) / 1000)} s`;
      for (const b of [...this.batches]) this.failBatch(b, message);
      return;
    }
    if (this.downSince !== null) return;
    for (const job of [...this.jobs.values()]) {
      if (job.over || Date.now() - job.addedAt < POLL_MS) continue;
      try {
        const state = await queue.getJobState(job.id!);
        if (state === 'completed' || state === 'failed') {
          const j = await queue.getJob(job.id!);
          if (!j) continue;
          if (state === 'completed') this.onCompleted(job.id!, j.returnvalue);
          else this.onFailed(job.id!, j.failedReason);
        }
      } catch {
        this.markDown();
      }
    }
  }

  // ------------------------------------------------------------------ close

  async close(): Promise<void> {
    if (this.closed) return;
    for (const b of [...this.batches]) this.abort(b, new PoolError('E_CLOSED', 'the cluster runner was closed', b.failures, b.completed));
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    const s = this.started;
    this.started = null;
    if (s) {
      try {
        const { client, queue, events } = await s;
        await Promise.allSettled([events.close(), queue.close()]);
        client.disconnect();
      } catch {
        // never connected
      }
    }
  }
}

/** A runner of scenario batches on the `sheetc worker` processes serving `queue`. */
export function createClusterRunner(options: ClusterRunnerOptions): ClusterRunner {
  return new Runner(options);
}
