#!/usr/bin/env node
/**
 * sheetc/cluster on this machine: scenarios/s through 1 and 2 `sheetc worker` processes
 * (one pool thread each) on a local Redis, against the local pool with 1 and 2 threads
 * and against run() in-process; the cluster's cost per scenario; and the coordination
 * ceiling (a trivial engine through the same path), which bounds what N machines can do.
 * Prints one JSON line.
 *
 *   npm run build:ts
 *   node bench/cluster.mjs ENGINE_DIR --input REF --outputs REF,REF [--scenarios N]
 *       [--job-size N] [--repeats K]
 *
 * For the bench workload (node bench/generate.mjs --cells 10k -o /tmp/pe-10k.xlsx, then
 * sheetc build): --input Inputs!B2 --outputs Summary!B2,Summary!B4. Needs redis-server
 * (started here on 127.0.0.1, a free port, no persistence). Timings exclude start-up: a
 * warm-up batch runs first (workers fetch the engine, pools start); each figure is the
 * best of --repeats batches.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPool } from '../dist/index.js';
import { createClusterRunner } from '../dist/cluster.js';
import { runOne } from '../dist/pool-worker.js';

const argv = process.argv.slice(2);
const opts = { engine: null, scenarios: 1000, jobSize: 250, inputs: [], outputs: null, repeats: 3 };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--scenarios') opts.scenarios = Number(argv[++i]);
  else if (a === '--job-size') opts.jobSize = Number(argv[++i]);
  else if (a === '--input') opts.inputs.push(argv[++i]);
  else if (a === '--outputs') opts.outputs = argv[++i].split(',').filter(Boolean);
  else if (a === '--repeats') opts.repeats = Number(argv[++i]);
  else if (!opts.engine) opts.engine = resolve(a);
  else throw new Error(`unexpected argument ${a}`);
}
if (!opts.engine || opts.inputs.length === 0 || !opts.outputs) {
  console.error('usage: node bench/cluster.mjs ENGINE_DIR --input REF [--input REF]... --outputs REFS [--scenarios N] [--job-size N] [--repeats K]');
  process.exit(2);
}

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const engine = await import(pathToFileURL(join(opts.engine, 'engine.js')).href);
const base = engine.run();
const inputs = opts.inputs.map((ref) => ({ ref, base: typeof base.get(ref) === 'number' ? base.get(ref) : 0 }));
const scenario = (i) => Object.fromEntries(inputs.map(({ ref, base: b }) => [ref, b === 0 ? (i + 1) * 1e-3 : b * (1 + (i + 1) * 1e-5)]));
const batch = (offset, n = opts.scenarios) => Array.from({ length: n }, (_, i) => scenario(offset + i));

// A trivial engine: what the coordination alone costs.
const trivial = mkdtempSync(join(tmpdir(), 'sheetc-bench-trivial-'));
writeFileSync(join(trivial, 'engine.js'), 'export function run(i = {}) { const x = Object.values(i)[0] ?? 0; return { get: () => x, toJSON: () => ({ x }), meta: { converged: true, iterations: 0, elapsedMs: 0, stale: [] } }; }\n');

// ------------------------------------------------------------------ Redis and workers

function freePort() {
  return new Promise((r, j) => {
    const s = createServer();
    s.once('error', j);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });
}
const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
const cache = mkdtempSync(join(tmpdir(), 'sheetc-bench-cache-'));
const children = new Set([redis]);
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', cleanup);

async function startWorkers(n, queue) {
  const ws = [];
  for (let k = 0; k < n; k++) {
    const w = spawn(process.execPath, [cli, 'worker', '--redis', url, '--queue', queue, '--threads', '1', '--engine-cache', cache, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(w);
    await new Promise((r, j) => {
      let buf = '';
      w.stdout.on('data', (d) => {
        buf += d;
        if (buf.includes('"ready"')) r();
      });
      w.once('exit', (c) => j(new Error(`worker exited ${c}`)));
    });
    ws.push(w);
  }
  return ws;
}
async function stopWorkers(ws) {
  await Promise.all(ws.map((w) => new Promise((r) => (w.once('exit', r), w.kill('SIGTERM')))));
  for (const w of ws) children.delete(w);
}
for (let tries = 0; ; tries++) {
  const probe = createClusterRunner({ connection: url, queue: 'probe', engine: trivial });
  try {
    await probe.run([], {});
    await probe.close();
    break;
  } catch (e) {
    await probe.close();
    if (tries > 50) throw e;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ------------------------------------------------------------------ measurements

const outputs = opts.outputs;
function best(fn) {
  return (async () => {
    let b = Infinity;
    for (let r = 0; r < opts.repeats; r++) b = Math.min(b, await fn(r));
    return b;
  })();
}

// In-process run() with the pool's encoding of results.
for (let i = 0; i < 200; i++) runOne(engine, scenario(i), outputs);
const directMs = await best(async () => {
  const s = batch(0);
  const t0 = performance.now();
  for (const x of s) runOne(engine, x, outputs);
  return performance.now() - t0;
});

// Every configuration is started and warmed up first, then measured in turns (one batch
// each per round, best of --repeats rounds), so that a busy machine slows them alike.
async function localPool(threads) {
  const pool = createPool({ engine: opts.engine, threads, inlineThreshold: 0 });
  await pool.run(batch(10_000_000, Math.min(200, opts.scenarios)), { outputs });
  return {
    measure: async (r) => {
      const t0 = performance.now();
      await pool.run(batch(r * opts.scenarios), { outputs });
      return performance.now() - t0;
    },
    close: () => pool.close(),
  };
}

async function clusterOf(workers, engineDir, n = opts.scenarios, outs = outputs) {
  const queue = `bench-${workers}-${Math.random().toString(36).slice(2)}`;
  const ws = await startWorkers(workers, queue);
  const runner = createClusterRunner({ connection: url, queue, engine: engineDir, jobSize: opts.jobSize });
  await runner.run(batch(20_000_000, Math.min(opts.jobSize * workers, n)), { outputs: outs });
  return {
    measure: async (r) => {
      const t0 = performance.now();
      const res = await runner.run(batch(30_000_000 + r * n, n), { outputs: outs });
      if (res.length !== n) throw new Error('short result');
      return performance.now() - t0;
    },
    close: async () => {
      await runner.close();
      await stopWorkers(ws);
    },
  };
}

const ceilingN = Math.max(opts.scenarios, 5000);
const configs = {
  pool1: await localPool(1),
  pool2: await localPool(2),
  cluster1: await clusterOf(1, opts.engine),
  cluster2: await clusterOf(2, opts.engine),
  ceiling1: await clusterOf(1, trivial, ceilingN, undefined),
};
const bestMs = Object.fromEntries(Object.keys(configs).map((k) => [k, Infinity]));
for (let r = 0; r < opts.repeats; r++) {
  for (const [k, c] of Object.entries(configs)) bestMs[k] = Math.min(bestMs[k], await c.measure(r));
}
for (const c of Object.values(configs)) await c.close();
const { pool1, pool2, cluster1, cluster2, ceiling1 } = bestMs;

const rate = (ms, n = opts.scenarios) => Math.round((n / ms) * 1000);
const us = (ms, n = opts.scenarios) => Math.round((ms / n) * 1000 * 10) / 10;
console.log(
  JSON.stringify({
    bench: 'cluster',
    engine: opts.engine,
    scenarios: opts.scenarios,
    jobSize: opts.jobSize,
    inputs: inputs.map((x) => x.ref),
    outputs,
    direct: { perSec: rate(directMs), usPerScenario: us(directMs) },
    pool: { threads1: { perSec: rate(pool1), usPerScenario: us(pool1) }, threads2: { perSec: rate(pool2), usPerScenario: us(pool2) } },
    cluster: { workers1: { perSec: rate(cluster1), usPerScenario: us(cluster1) }, workers2: { perSec: rate(cluster2), usPerScenario: us(cluster2) } },
    clusterOverheadUsPerScenario: Math.round((us(cluster1) - us(pool1)) * 10) / 10,
    coordinationCeiling: { engine: 'trivial', workers: 1, scenarios: ceilingN, perSec: rate(ceiling1, ceilingN), usPerScenario: us(ceiling1, ceilingN) },
    cores: availableParallelism(),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  }),
);
cleanup();
process.exit(0);
