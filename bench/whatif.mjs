#!/usr/bin/env node
/**
 * What-if timings on the bench model (issue #22): a 21×21 two-variable sensitivity grid
 * (revenue growth × discount rate → unlevered NPV) inline and on the pool, and one goal
 * seek (the growth rate that gives an NPV 10% above the base). Every point is a full
 * run() (the incremental run of issue #18 will make them faster).
 *
 *   node bench/generate.mjs --cells 100k -o /tmp/pe-100k.xlsx
 *   node bench/whatif.mjs /tmp/pe-100k.xlsx [--threads 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, goalSeek, openModel, sensitivity } from '../dist/index.js';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/whatif.mjs MODEL.xlsx [--threads N]');
const ti = process.argv.indexOf('--threads');
const threads = ti > 0 ? Number(process.argv[ti + 1]) : 2;
const dir = mkdtempSync(join(tmpdir(), 'sheetc-whatif-'));
try {
  const out = join(dir, 'engine');
  let t = performance.now();
  await compile(file, { outDir: out, verify: false });
  console.log(`build: ${(performance.now() - t).toFixed(0)} ms`);
  const m = await openModel(out);
  t = performance.now();
  const base = m.engine.run({}).get('Summary!B2');
  console.log(`one run: ${(performance.now() - t).toFixed(0)} ms (NPV ${base})`);
  const steps = (a, b) => Array.from({ length: 21 }, (_, i) => Number((a + ((b - a) * i) / 20).toPrecision(12)));
  const vary = [
    { ref: 'Inputs!B3', values: steps(0, 0.06) },
    { ref: 'Inputs!B6', values: steps(0.06, 0.14) },
  ];
  for (const pool of [false, true]) {
    const r = await sensitivity(m, { vary, outputs: ['Summary!B2'], pool, threads });
    console.log(`21×21 grid ${pool ? `on the pool (${threads} threads)` : 'inline'}: ${r.elapsedMs.toFixed(0)} ms, ${r.runs} runs`);
  }
  t = performance.now();
  const g = await goalSeek(m.engine, { set: 'Summary!B2', to: base * 1.1, changing: 'Inputs!B3', tolerance: 1e-6 * Math.abs(base) });
  console.log(`goal seek (NPV +10% by revenue growth): ${(performance.now() - t).toFixed(0)} ms, ${g.runs} runs, growth ${g.value}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
