/**
 * sheetc/cluster against a real Redis server (redis-server on 127.0.0.1, a free port, no
 * persistence) and real `sheetc worker` processes (dist/cli.js): results identical to the
 * local pool, a worker killed mid-job, a job past its time limit, a scenario that throws,
 * cancellation, a rebuilt engine, and an unreachable server. Needs `npm run build:ts`.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { compile } from '../ts/compile.js';
import { createClusterRunner, type ClusterRunner } from '../ts/cluster.js';
import { createPool, PoolError, type PoolProgress, type ScenarioResult } from '../ts/pool.js';
import { writeXlsx } from '../scripts/lib/xlsx-writer.js';
import { tempDir } from './helpers/build.js';
import { startRedis, type RedisServer } from './helpers/redis.js';

const cli = join(process.cwd(), 'dist', 'cli.js');
let redis: RedisServer;
const workers = new Set<ChildProcess>();
const runners = new Set<ClusterRunner>();
const cache = tempDir('sheetc-cluster-cache-');

test.before(async () => {
  redis = await startRedis();
});

test.after.always(async () => {
  await Promise.allSettled([...runners].map((r) => r.close()));
  await Promise.allSettled([...workers].map((w) => stopWorker(w)));
  await redis?.stop();
});

/** A `sheetc worker` process; resolves once it serves the queue. Short lock and stalled interval, for the kill test. */
async function startWorker(queue: string): Promise<ChildProcess & { pid: number }> {
  const child = spawn(
    process.execPath,
    [cli, 'worker', '--redis', redis.url, '--queue', queue, '--threads', '1', '--engine-cache', cache, '--lock-duration', '2000', '--stalled-interval', '1000', '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  workers.add(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolveP, reject) => {
    lines.on('line', (l) => {
      if (l.includes('"ready"')) resolveP();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${err}`)));
  });
  child.once('exit', () => workers.delete(child));
  return child as ChildProcess & { pid: number };
}

function stopWorker(w: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (w.exitCode !== null || w.signalCode !== null) return r();
    w.once('exit', () => r());
    w.kill('SIGTERM');
    setTimeout(() => w.kill('SIGKILL'), 10_000).unref();
  });
}

function runner(queue: string, engine: string, extra: Partial<Parameters<typeof createClusterRunner>[0]> = {}): ClusterRunner {
  const r = createClusterRunner({ connection: redis.url, queue, engine, ...extra });
  runners.add(r);
  return r;
}

/** A hand-made engine: x; log (file: a line `id pid` when a scenario starts); sleep ms; hang; fail (throws). */
const FAKE = (factor: number) => `
import { appendFileSync } from 'node:fs';
export function run(inputs = {}) {
  if (inputs.log) appendFileSync(inputs.log, inputs.id + ' ' + process.pid + '\\n');
  if (inputs.sleep) { const end = Date.now() + inputs.sleep; while (Date.now() < end); }
  if (inputs.hang) for (;;);
  if (inputs.fail) { const e = new Error('unknown cell reference or name "nope"'); e.code = 'E_UNKNOWN_REF'; throw e; }
  const x = inputs.x ?? 0;
  return { get: () => x * ${factor}, toJSON: () => ({ x, y: x * ${factor} }), meta: { converged: true, iterations: 0, elapsedMs: 0, stale: [] } };
}
`;
function fakeEngine(factor = 2): string {
  const dir = tempDir('sheetc-cluster-fake-');
  writeFileSync(join(dir, 'engine.js'), FAKE(factor));
  return dir;
}

function logLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
}

/** A result without its timing (elapsedMs differs from run to run). */
function comparable(r: unknown): unknown {
  if (r && typeof r === 'object' && 'meta' in r) {
    const { meta, ...rest } = r as ScenarioResult;
    // How long a run took and how much of it was incremental depend on which worker ran
    // which scenario before: not part of the result.
    const { elapsedMs: _e, incremental: _i, recomputed: _r, ...m } = meta;
    return { ...rest, meta: m };
  }
  return r;
}

test.serial('10,000 scenarios on two worker processes: results identical to pool.run, in order, duplicates once', async (t) => {
  const dir = tempDir('sheetc-cluster-real-');
  const file = join(dir, 'model.xlsx');
  writeFileSync(
    file,
    writeXlsx({
      sheets: [
        {
          name: 'Model',
          cells: {
            A1: 3,
            A2: 4,
            B1: { formula: 'A1*2', value: 6 },
            B2: { formula: 'A1+A2', value: 7 },
            B3: { formula: 'SUM(A1:A2)*B1', value: 42 },
            B4: { formula: 'A1/A2', value: 0.75 },
            B5: { formula: 'IF(A1>100,NA(),A1)', value: 3 },
          },
        },
      ],
    }),
  );
  const engine = join(dir, 'engine');
  await compile(file, { outDir: engine });
  const w = [await startWorker('same'), await startWorker('same')];
  const scenarios = Array.from({ length: 10_000 }, (_, i) => ({ 'Model!A1': i % 3000, 'Model!A2': (i * 7) % 11 }));
  const outputs = ['Model!B1', 'Model!B3', 'Model!B4', 'Model!B5', 'Model!A1:B2'];
  const pool = createPool({ engine, threads: 2 });
  t.teardown(() => pool.close());
  const local = await pool.run(scenarios, { outputs, failFast: false });
  await pool.close();
  const r = runner('same', engine);
  const progress: PoolProgress[] = [];
  const remote = await r.run(scenarios, { outputs, failFast: false, onProgress: (p) => progress.push(p) });
  t.is(remote.length, 10_000);
  let same = 0;
  for (let i = 0; i < 10_000; i++) if (JSON.stringify(comparable(remote[i])) === JSON.stringify(comparable(local[i]))) same++;
  t.is(same, 10_000, 'every result equals the local pool’s');
  t.deepEqual(comparable(remote[9_999]), comparable(local[9_999]));
  t.deepEqual((remote[150] as ScenarioResult).values['Model!B5'], { error: '#N/A' });
  t.not(remote[0], remote[3000], 'duplicates get their own copy');
  t.deepEqual(progress.at(-1), { done: 10_000, failed: 0, total: 10_000 });
  t.true(progress.every((p, k) => k === 0 || p.done > progress[k - 1]!.done), 'progress only grows');
  // stream: every index once, same values.
  const seen = new Map<number, unknown>();
  for await (const item of r.stream(scenarios.slice(0, 1200), { outputs })) {
    t.false(seen.has(item.index));
    seen.set(item.index, 'result' in item ? comparable(item.result) : item.error);
  }
  t.is(seen.size, 1200);
  t.deepEqual(seen.get(1199), comparable(local[1199]));
  // Workers' engines run incrementally, unless the batch asks for full runs.
  t.true(remote.some((x) => (x as ScenarioResult).meta.incremental), 'incremental runs on the workers');
  const fulls = await r.run(scenarios.slice(0, 300), { outputs, full: true });
  t.true(fulls.every((x) => x.meta.incremental === false && x.meta.recomputed === 5), '{ full: true } reaches the workers');
  t.deepEqual(
    fulls.map((x) => x.values),
    local.slice(0, 300).map((x) => (x as ScenarioResult).values),
  );
  await r.close();
  await Promise.all(w.map(stopWorker));
});

test.serial('a scenario that throws is a typed per-scenario error, not a retried job; failFast rejects', async (t) => {
  const w = [await startWorker('throws')];
  const log = join(tempDir(), 'log');
  const r = runner('throws', fakeEngine(), { jobSize: 20 });
  const scenarios = Array.from({ length: 100 }, (_, i) => ({ id: i, x: i, log, fail: i === 37 }));
  const results = await r.run(scenarios, { failFast: false, outputs: ['y'] });
  t.deepEqual(results[37], { error: { code: 'E_UNKNOWN_REF', message: 'unknown cell reference or name "nope"' } });
  for (let i = 0; i < 100; i++) if (i !== 37) t.is((results[i] as ScenarioResult).values['y'], i * 2);
  t.is(logLines(log).filter((l) => l.startsWith('37 ')).length, 1, 'the job holding it ran once');
  t.is(logLines(log).length, 100);
  const err = (await t.throwsAsync(r.run(scenarios.map((s) => ({ ...s, log: join(tempDir(), 'log2') }))))) as PoolError;
  t.true(err instanceof PoolError);
  t.is(err.code, 'E_SCENARIO_FAILED');
  t.deepEqual(err.failures.map((f) => [f.index, f.error.code]), [[37, 'E_UNKNOWN_REF']]);
  await Promise.all(w.map(stopWorker));
});

test.serial('a job past its time limit: E_TIMEOUT for its unfinished scenarios, the others complete', async (t) => {
  const w = [await startWorker('timeout')];
  // A limit well above what a 10-scenario job of this engine takes even on a loaded
  // machine (the pool's worker thread may have to start again after the hung one).
  const engine = fakeEngine();
  const r = runner('timeout', engine, { jobSize: 10, jobTimeoutMs: 5000 });
  const scenarios = Array.from({ length: 40 }, (_, i) => ({ x: i, hang: i === 5 }));
  const results = await r.run(scenarios, { failFast: false });
  t.is((results[5] as { error: { code: string } }).error.code, 'E_TIMEOUT');
  for (let i = 0; i < 40; i++) {
    const res = results[i]!;
    if (i < 10 && 'error' in res) t.is(res.error.code, 'E_TIMEOUT', `scenario ${i} of the timed-out job`);
    else if (i !== 5) t.is((res as ScenarioResult).values['y'], i * 2, `scenario ${i}`);
  }
  // The worker goes on (its hung pool worker was terminated).
  const again = await runner('timeout', engine).run(Array.from({ length: 30 }, (_, i) => ({ x: i + 1 })));
  t.is(again[29]!.values['y'], 60);
  await Promise.all(w.map(stopWorker));
});

test.serial('a worker killed mid-job (SIGKILL): another worker runs its job after the stalled interval; no scenario lost or counted twice', async (t) => {
  const a = await startWorker('kill');
  const b = await startWorker('kill');
  const log = join(tempDir(), 'log');
  const r = runner('kill', fakeEngine(), { jobSize: 20 });
  const scenarios = Array.from({ length: 200 }, (_, i) => ({ id: i, x: i, log, sleep: 25 }));
  const progress: PoolProgress[] = [];
  const p = r.run(scenarios, { onProgress: (e) => progress.push(e) });
  await until(() => logLines(log).filter((l) => l.endsWith(` ${a.pid}`)).length >= 5);
  a.kill('SIGKILL');
  const killedAt = logLines(log).filter((l) => l.endsWith(` ${a.pid}`)).map((l) => Number(l.split(' ')[0]));
  const results = await p;
  t.is(results.length, 200);
  for (let i = 0; i < 200; i++) t.is(results[i]!.values['y'], i * 2, `scenario ${i}`);
  t.is(progress.length, 200, 'each scenario counted once');
  t.deepEqual(progress.at(-1), { done: 200, failed: 0, total: 200 });
  // The killed worker's unfinished job ran again on the other worker.
  const byB = new Set(logLines(log).filter((l) => l.endsWith(` ${b.pid}`)).map((l) => Number(l.split(' ')[0])));
  t.true(killedAt.some((id) => byB.has(id)), 'a scenario the killed worker had started was run again by the other');
  await stopWorker(b);
});

test.serial('signal aborts: E_CANCELLED at once, queued jobs removed, running jobs stop', async (t) => {
  const w = [await startWorker('abort'), await startWorker('abort')];
  const log = join(tempDir(), 'log');
  const r = runner('abort', fakeEngine(), { jobSize: 10 });
  const ac = new AbortController();
  const scenarios = Array.from({ length: 400 }, (_, i) => ({ id: i, x: i, log, sleep: 20 }));
  const p = r.run(scenarios, { signal: ac.signal });
  await until(() => logLines(log).length >= 10);
  ac.abort();
  const err = (await t.throwsAsync(p)) as PoolError;
  t.is(err.code, 'E_CANCELLED');
  t.true(err.completed.size < 400, 'rejected without waiting for the batch');
  const q = new Queue('abort', { connection: { host: '127.0.0.1', port: redis.port } });
  t.teardown(() => q.close());
  let counts = await q.getJobCounts('waiting', 'active', 'delayed');
  for (let k = 0; k < 300 && counts['waiting']! + counts['active']! + counts['delayed']! > 0; k++) {
    await sleep(100);
    counts = await q.getJobCounts('waiting', 'active', 'delayed');
  }
  t.deepEqual(counts, { waiting: 0, active: 0, delayed: 0 }, 'queued jobs removed, running ones stopped');
  const settled = logLines(log).length;
  t.true(settled < 400, `${settled} scenarios started`);
  await sleep(1000);
  t.is(logLines(log).length, settled, 'nothing runs after the cancellation');
  t.true((await r.run([{ x: 4 }, { x: 5 }]))[1]!.values['y'] === 10, 'the runner still works');
  await Promise.all(w.map(stopWorker));
});

test.serial('a rebuilt engine is a new hash: workers never run a stale one', async (t) => {
  const w = [await startWorker('rebuild')];
  const engine = fakeEngine(2);
  const r = runner('rebuild', engine);
  t.is((await r.run([{ x: 21 }]))[0]!.values['y'], 42);
  writeFileSync(join(engine, 'engine.js'), FAKE(3));
  t.is((await r.run([{ x: 21 }]))[0]!.values['y'], 63);
  // Through a shared path too (the path is checked against the hash).
  const shared = runner('rebuild', engine, { engineTransport: 'shared-path' });
  writeFileSync(join(engine, 'engine.js'), FAKE(5));
  t.is((await shared.run([{ x: 21 }]))[0]!.values['y'], 105);
  await Promise.all(w.map(stopWorker));
});

test.serial('Redis unreachable: E_CLUSTER_UNAVAILABLE naming the URL, no hang (runner and worker)', async (t) => {
  const down = `redis://127.0.0.1:${redis.port === 1 ? 2 : 1}`;
  const r = createClusterRunner({ connection: down, queue: 'nowhere', engine: fakeEngine() });
  runners.add(r);
  const err = (await t.throwsAsync(r.run([{ x: 1 }]))) as PoolError; // settles: no hang
  t.is(err.code, 'E_CLUSTER_UNAVAILABLE');
  t.true(err.message.includes(down), err.message);
  const w = spawnSync(process.execPath, [cli, 'worker', '--redis', down, '--queue', 'nowhere'], { encoding: 'utf8', timeout: 30_000 });
  t.is(w.status, 2, w.stderr);
  t.regex(w.stderr, /unreachable.*\[E_CLUSTER_UNAVAILABLE\]/);
  t.true(w.stderr.includes(down), w.stderr);
});
