#!/usr/bin/env node
/**
 * The scenario pool's throughput on one engine: N scenarios (default 1,000) through the
 * worker path with 1 worker and with 2 workers, against calling run() in-process.
 * Prints one JSON line: scenarios/s for each, the 2-vs-1 ratio, and the pool's
 * per-scenario overhead (1-worker time per scenario minus in-process time per scenario).
 *
 *   npm run build:ts
 *   node bench/pool.mjs ENGINE_DIR [--scenarios N] [--runtime worker_threads|child_process]
 *       [--input REF]... [--outputs REF,REF,...] [--full] [--full-runs] [--repeats K]
 *
 * Each scenario changes the --input cells (default: the first numeric constant, on a
 * sheet named like "Inputs" when there is one) to distinct values, and reads --outputs
 * (default: the last 8 formula cells of toJSON(); --full: every formula cell, as
 * toJSON()). For the bench workload: --input Inputs!B2 --outputs Summary!B2,Summary!B4.
 * --full-runs: every scenario a full run (`{ full: true }`), to compare with the default,
 * where each run is incremental against the previous scenario run by the same engine.
 * Timings exclude worker start-up (a warm-up batch runs first); each figure is the best
 * of --repeats (default 3) batches.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPool } from '../dist/index.js';
import { runOne } from '../dist/pool-worker.js';

const argv = process.argv.slice(2);
const opts = { engine: null, scenarios: 1000, runtime: 'worker_threads', inputs: [], outputs: null, full: false, fullRuns: false, repeats: 3 };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--scenarios') opts.scenarios = Number(argv[++i]);
  else if (a === '--runtime') opts.runtime = argv[++i];
  else if (a === '--input') opts.inputs.push(argv[++i]);
  else if (a === '--outputs') opts.outputs = argv[++i].split(',').filter(Boolean);
  else if (a === '--full') opts.full = true;
  else if (a === '--full-runs') opts.fullRuns = true;
  else if (a === '--repeats') opts.repeats = Number(argv[++i]);
  else if (!opts.engine) opts.engine = resolve(a);
  else throw new Error(`unexpected argument ${a}`);
}
if (!opts.engine) {
  console.error('usage: node bench/pool.mjs ENGINE_DIR [--scenarios N] [--runtime R] [--input REF]... [--outputs REFS] [--full]');
  process.exit(2);
}

const engine = await import(pathToFileURL(join(opts.engine, 'engine.js')).href);
const spec = engine.spec;

function colName(c) {
  let s = '';
  for (c += 1; c > 0; c = Math.floor((c - 1) / 26)) s = String.fromCharCode(65 + ((c - 1) % 26)) + s;
  return s;
}
const addr = (sheet, r, c) => `${spec.sheets[sheet].name.includes(' ') ? `'${spec.sheets[sheet].name}'` : spec.sheets[sheet].name}!${colName(c)}${r + 1}`;

// The engine's modules, in the order engine.js imports them (m0, m1, ...).
const modDir = join(opts.engine, 'modules');
const modFiles = readdirSync(modDir)
  .filter((f) => /^m\d+\.js$/.test(f))
  .sort((a, b) => Number(a.slice(1, -3)) - Number(b.slice(1, -3)));
const modules = [];
for (const f of modFiles) modules.push(await import(pathToFileURL(join(modDir, f)).href));

/** Input cells and their base values. */
const inputs = [];
if (opts.inputs.length) {
  const base = engine.run();
  for (const ref of opts.inputs) {
    const v = base.get(ref);
    inputs.push({ ref, base: typeof v === 'number' ? v : 0 });
  }
} else {
  const candidates = [];
  for (const m of modules) {
    const k = m.constants ?? [];
    for (let i = 0; i < k.length; i += 4) if (typeof k[i + 3] === 'number' && spec.sheets[k[i]]) candidates.push({ ref: addr(k[i], k[i + 1], k[i + 2]), base: k[i + 3], sheet: k[i] });
  }
  const preferred = candidates.find((c) => /input/i.test(spec.sheets[c.sheet].name)) ?? candidates[0];
  if (!preferred) throw new Error('no numeric constant to vary; pass --input REF');
  inputs.push({ ref: preferred.ref, base: preferred.base });
}

/** Outputs: given, all (toJSON), or the last 8 formula cells of toJSON(). */
let outputs = opts.full ? null : opts.outputs;
if (!opts.full && !outputs) {
  const cells = Object.keys(engine.run().toJSON());
  outputs = cells.slice(-8);
}

const scenario = (i) => {
  const s = {};
  for (const { ref, base } of inputs) s[ref] = base === 0 ? (i + 1) * 1e-3 : base * (1 + (i + 1) * 1e-5);
  return s;
};
const batch = (offset) => Array.from({ length: opts.scenarios }, (_, i) => scenario(offset + i));

// In-process: run() plus the same encoding the pool does.
const direct = () => {
  const s = batch(0);
  const t0 = performance.now();
  for (const x of s) runOne(engine, x, outputs, opts.fullRuns);
  return performance.now() - t0;
};
for (let i = 0; i < Math.max(1000, opts.scenarios); i++) runOne(engine, scenario(i), outputs, opts.fullRuns);
let directMs = Infinity;
for (let r = 0; r < opts.repeats; r++) directMs = Math.min(directMs, direct());

async function pooled(threads) {
  const pool = createPool({ engine: opts.engine, threads, runtime: opts.runtime, inlineThreshold: 0 });
  const t0 = performance.now();
  await pool.run(batch(10_000_000), { outputs: outputs ?? undefined, full: opts.fullRuns });
  const firstBatchMs = performance.now() - t0;
  let best = Infinity;
  for (let r = 0; r < opts.repeats; r++) {
    const t = performance.now();
    const res = await pool.run(batch(r * opts.scenarios), { outputs: outputs ?? undefined, full: opts.fullRuns });
    best = Math.min(best, performance.now() - t);
    if (res.length !== opts.scenarios) throw new Error('short result');
  }
  const stats = pool.stats();
  await pool.close();
  return { ms: best, firstBatchMs, stats };
}

const one = await pooled(1);
const two = await pooled(2);
const rate = (ms) => Math.round((opts.scenarios / ms) * 1000);
const us = (ms) => Math.round((ms / opts.scenarios) * 1000 * 100) / 100;
console.log(
  JSON.stringify({
    bench: 'pool',
    engine: opts.engine,
    runtime: opts.runtime,
    scenarios: opts.scenarios,
    inputs: inputs.map((x) => x.ref),
    fullRuns: opts.fullRuns,
    outputs: outputs ?? 'all',
    direct: { perSec: rate(directMs), usPerScenario: us(directMs) },
    threads1: { perSec: rate(one.ms), usPerScenario: us(one.ms), firstBatchMs: Math.round(one.firstBatchMs), chunks: one.stats.chunksDispatched },
    threads2: { perSec: rate(two.ms), usPerScenario: us(two.ms), firstBatchMs: Math.round(two.firstBatchMs), chunks: two.stats.chunksDispatched },
    ratio2to1: Math.round((one.ms / two.ms) * 100) / 100,
    overheadUsPerScenario: Math.round((us(one.ms) - us(directMs)) * 100) / 100,
    cores: (await import('node:os')).availableParallelism(),
    loadavg: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100),
  }),
);
