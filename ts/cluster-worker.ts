/**
 * A cluster worker (`sheetc worker`, or `startClusterWorker()` from `sheetc/cluster`): a
 * BullMQ worker on one machine that runs the jobs of `createClusterRunner()` (ts/cluster.ts)
 * with the local scenario pool.
 *
 * Each job names its engine by content hash. The worker keeps engines in a cache
 * directory by hash, fetching a missing one from Redis (or copying it from the shared path
 * the job names, after checking its hash), so it never runs a stale engine. A job's
 * scenarios run on a pool of that engine (always on worker threads or processes, so this
 * process's event loop stays free to renew the job's lock); every scenario's outcome is
 * returned in place, errors included: a scenario that throws is an outcome, not a failed
 * job. A job past its time limit returns E_TIMEOUT for its unfinished scenarios; a job
 * whose batch was cancelled stops and returns E_CANCELLED for them.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createPool } from './pool.js';
import { decodeScenario } from './pool-input.js';
import { errorInfo, type ErrorInfo, type Item } from './pool-worker.js';
import { errorFromCode } from './runtime/values.js';
import {
  connectChecked,
  describeConnection,
  installEngine,
  keys,
  PROTOCOL_VERSION,
  readEngine,
  redisOptions,
  unpackEngine,
  type ClusterConnection,
  type JobData,
  type JobResult,
} from './cluster-protocol.js';
import type { Pool, PoolRuntime, Scenario } from './pool-types.js';

export interface ClusterWorkerOptions {
  /** Redis: a URL (`redis://host:6379`) or ioredis options. */
  connection: ClusterConnection;
  /** The queue to serve (the runner's `queue`). */
  queue: string;
  /** Pool workers (default: available cores − 1, at least 1, at most 8). */
  threads?: number;
  runtime?: PoolRuntime;
  /** Where engines are kept by content hash (default: `<tmpdir>/sheetc-engines`). */
  engineCache?: string;
  /** Jobs run at once (default 1: a job's scenarios already use every pool worker; a job's time limit counts from its start). */
  concurrency?: number;
  /** BullMQ lock: a job whose worker stops renewing it for this long is stalled (default 30,000 ms). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for and sent back to the queue (default 30,000 ms). */
  stalledIntervalMs?: number;
  /** A job stalled more often than this fails (default 3). */
  maxStalledCount?: number;
  /** Called for each job done (for logs). */
  onJob?: (e: { jobId: string; scenarios: number; failed: number; ms: number }) => void;
}

export interface ClusterWorker {
  readonly queue: string;
  readonly engineCache: string;
  /** Finishes the jobs running, then stops. */
  close(): Promise<void>;
}

/** How often a running job looks for its batch's cancel key. */
const CANCEL_POLL_MS = 250;
/** Engines (and their pools) kept ready at once. */
const POOLS_KEPT = 2;

export async function startClusterWorker(o: ClusterWorkerOptions): Promise<ClusterWorker> {
  const client: Redis = await connectChecked(o.connection);
  const engineCache = resolve(o.engineCache ?? join(tmpdir(), 'sheetc-engines'));
  const queueName = o.queue;
  const engines = new Map<string, Promise<string>>();
  const pools = new Map<string, { pool: Pool; active: number }>();

  function engineDir(engine: JobData['engine']): Promise<string> {
    let p = engines.get(engine.hash);
    if (!p) {
      p = (async () => {
        let files: Map<string, Buffer>;
        if (engine.path) {
          const e = readEngine(engine.path);
          if (e.hash !== engine.hash) {
            throw Object.assign(new Error(`the engine at ${engine.path} has changed since the batch was submitted (hash ${e.hash}, expected ${engine.hash})`), { code: 'E_ENGINE_MISMATCH' });
          }
          files = e.files;
        } else {
          const packed = await client.get(keys.engine(queueName, engine.hash));
          if (packed === null) throw Object.assign(new Error(`engine ${engine.hash} is not in Redis (expired, or published to another queue)`), { code: 'E_ENGINE_UNAVAILABLE' });
          files = unpackEngine(packed);
        }
        return installEngine(engineCache, engine.hash, files);
      })();
      engines.set(engine.hash, p);
      p.catch(() => engines.delete(engine.hash));
    }
    return p;
  }

  function poolFor(hash: string, dir: string): { pool: Pool; active: number } {
    let entry = pools.get(hash);
    if (!entry) {
      entry = { pool: createPool({ engine: dir, threads: o.threads, runtime: o.runtime, inlineThreshold: 0 }), active: 0 };
      pools.set(hash, entry);
      for (const [h, e] of pools) {
        if (pools.size <= POOLS_KEPT) break;
        if (h !== hash && e.active === 0) {
          pools.delete(h);
          void e.pool.close();
        }
      }
    }
    return entry;
  }

  async function processJob(job: Job<JobData>): Promise<JobResult> {
    const t0 = Date.now();
    const d = job.data;
    if (!d || d.v !== PROTOCOL_VERSION || !Array.isArray(d.scenarios)) {
      return { fatal: { code: 'E_PROTOCOL', message: `job ${job.id} is not a sheetc job of protocol version ${PROTOCOL_VERSION}` } };
    }
    let dir: string;
    try {
      dir = await engineDir(d.engine);
    } catch (e) {
      return { fatal: errorInfo(e) };
    }
    const entry = poolFor(d.engine.hash, dir);
    entry.active++;
    const n = d.scenarios.length;
    const items: (Item | undefined)[] = new Array(n);
    const ac = new AbortController();
    let why: ErrorInfo | null = null;
    const stop = (e: ErrorInfo) => {
      why ??= e;
      ac.abort();
    };
    const timer = d.timeoutMs ? setTimeout(() => stop({ code: 'E_TIMEOUT', message: `the job ran longer than ${d.timeoutMs} ms` }), d.timeoutMs) : null;
    const cancelKey = keys.cancel(queueName, d.batch);
    const poll = setInterval(() => {
      client.exists(cancelKey).then(
        (n) => n > 0 && stop({ code: 'E_CANCELLED', message: 'the batch was cancelled' }),
        () => {},
      );
    }, CANCEL_POLL_MS);
    try {
      if (await client.exists(cancelKey).catch(() => 0)) stop({ code: 'E_CANCELLED', message: 'the batch was cancelled' });
      const scenarios: Scenario[] = d.scenarios.map((s) => decodeScenario(s, errorFromCode) as Scenario);
      if (!ac.signal.aborted) {
        for await (const it of entry.pool.stream(scenarios, { outputs: d.outputs ?? undefined, full: d.full === true, failFast: false, signal: ac.signal })) {
          items[it.index] = 'result' in it ? [true, it.result as never] : [false, it.error];
        }
      }
    } catch (e) {
      if (!why) why = errorInfo(e);
    } finally {
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      entry.active--;
    }
    let failed = 0;
    const out: Item[] = Array.from({ length: n }, (_, k) => {
      const it = items[k];
      if (it && it[0]) return it;
      failed++;
      return it ?? [false, why ?? { code: 'E_INTERNAL', message: 'the scenario was not run' }];
    });
    o.onJob?.({ jobId: String(job.id), scenarios: n, failed, ms: Date.now() - t0 });
    return { items: out };
  }

  const worker = new Worker<JobData, JobResult>(queueName, processJob, {
    connection: redisOptions(o.connection),
    concurrency: o.concurrency ?? 1,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 30_000,
    maxStalledCount: o.maxStalledCount ?? 3,
    autorun: true,
  });
  worker.on('error', () => {}); // connection errors: BullMQ reconnects
  await worker.waitUntilReady();

  let closing: Promise<void> | null = null;
  return {
    queue: queueName,
    engineCache,
    close() {
      closing ??= (async () => {
        await worker.close();
        await Promise.allSettled([...pools.values()].map((e) => e.pool.close()));
        client.disconnect();
      })();
      return closing;
    },
  };
}

export { describeConnection };
