// Incremental what-if (issue #18 item 2): the cost of run(inputs) when one input changed
// since the previous run, against a full run of the same engine, on the PE bench model
// and the ledger model (bench/generate-ledger.mjs).
//
//   node --expose-gc bench/incremental.mjs [--sizes 100k,1M] [--models pe,ledger] [--runs 20] [--loop-runs 500]
//
// For each probe (one input cell, alternated between two values so that every timed run
// changes it), the engine's own count of the cells it recomputed (`meta.recomputed`) is
// the cone, and the result of every incremental run is compared, on every formula cell,
// with a full run of a second instance of the engine on the same inputs before timing.
// Each probe is timed twice: with gc() before every run (as the other benches time full
// runs) and back to back (a what-if loop: the mean over up to --loop-runs runs, GC
// included). Results: bench/results/incremental.json.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as pe from './generate.mjs';
import * as ledger from './generate-ledger.mjs';
import { compileInChild } from './lib/compile-child.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'bench', '.cache');
const resultsDir = join(root, 'bench', 'results');
const now = () => performance.now();
const log = (m) => console.error(`[incremental] ${m}`);
const gc = globalThis.gc ?? (() => {});
const LOOP_BUDGET_MS = 3000;

/** Probes per model: one input each, two values, and what it is in the model. */
const MODELS = {
  pe: {
    gen: pe,
    months: 120,
    probes: [
      { ref: 'Inputs!B10', values: [1_000_000, 2_000_000], what: 'equity invested (first equity cash flow, equity NPV/IRR)' },
      { ref: 'Inputs!B8', values: [0.04, 0.05], what: 'capex % of revenue (CashFlow capex row and what follows)' },
      { ref: 'Inputs!B5', values: [0.075, 0.08], what: 'interest rate (the circular debt block and what follows)' },
      { ref: 'Inputs!B15', values: [30, 31], what: 'price of region 1 (its revenue lines, then every total)' },
      { ref: 'Inputs!B2', values: [45658, 45689], what: 'start date (the whole model)' },
    ],
  },
  ledger: {
    gen: ledger,
    months: 12,
    probes: [
      { ref: 'Inputs!B2', values: [0.05, 0.06], what: 'cash interest rate (the circular cash block)' },
      { ref: 'Inputs!B8', values: [1000, 2000], what: 'fixed monthly cost (cash block)' },
      { ref: 'Inputs!B6', values: [5000, 6000], what: 'large-transaction threshold (a flag per row, its COUNTIFS)' },
      { ref: 'Inputs!B3', values: [0.02, 0.03], what: 'fee rate (every transaction amount and what follows)' },
    ],
  },
};

function parseArgs(argv) {
  const a = { sizes: ['100k', '1M'], models: ['pe', 'ledger'], runs: 20, loopRuns: 500 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') a.sizes = argv[++i].split(',');
    else if (argv[i] === '--models') a.models = argv[++i].split(',');
    else if (argv[i] === '--runs') a.runs = Number(argv[++i]);
    else if (argv[i] === '--loop-runs') a.loopRuns = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (options: --sizes 100k,1M --models pe,ledger --runs 20 --loop-runs 500)`);
  }
  for (const m of a.models) if (!MODELS[m]) throw new Error(`unknown model ${m} (models: ${Object.keys(MODELS).join(', ')})`);
  return a;
}

const min = (xs) => Math.min(...xs);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function ensureWorkbook(model, target) {
  const { gen, months } = MODELS[model];
  const file = gen.cachePath(cacheDir, target, { months });
  if (existsSync(file)) return file;
  log(`generating ${model} ${gen.sizeLabel(target)} → ${file}`);
  gen.writeWorkbook(file, gen.plan(target, months));
  return file;
}

function sameJson(a, b) {
  const x = a.toJSON();
  const y = b.toJSON();
  let diffs = 0;
  for (const k of Object.keys(y)) if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) diffs++;
  return diffs + Math.abs(Object.keys(x).length - Object.keys(y).length);
}

async function benchSize(model, label, a) {
  const target = pe.parseSize(label);
  const size = pe.sizeLabel(target);
  const file = ensureWorkbook(model, target);
  const outDir = join(cacheDir, `engine-${model}-${size}-incremental`);
  rmSync(outDir, { recursive: true, force: true });
  log(`${model} ${size}: compiling`);
  compileInChild(file, outDir);
  const url = pathToFileURL(join(outDir, 'engine.js')).href;
  const engine = await import(url);
  const reference = await import(`${url}?full`);
  const full = [];
  for (let i = 0; i < a.runs + 3; i++) {
    gc();
    const t = now();
    engine.run({}, { full: true });
    if (i >= 3) full.push(now() - t);
  }
  const totalCells = engine.run({}, { full: true }).meta.recomputed;
  const entry = { model, size, formulaCells: totalCells, fullRunMinMs: round(min(full)), fullRunMedianMs: round(median(full)), probes: [] };
  log(`${model} ${entry.size}: full run ${entry.fullRunMinMs} / ${round(median(full))} ms (min / median), ${totalCells} formula cells`);
  for (const p of MODELS[model].probes) {
    // Check first: every incremental run of the probe against a full run of the other instance.
    let mismatches = 0;
    engine.run({}, { full: true });
    for (const v of [...p.values, ...p.values]) {
      const inc = engine.run({ [p.ref]: v });
      if (!inc.meta.incremental) throw new Error(`${p.ref}: the run was not incremental`);
      mismatches += sameJson(inc, reference.run({ [p.ref]: v }, { full: true }));
    }
    // With gc(): `runs` runs after 3 warm-up ones. Back to back (a what-if loop): as many
    // runs as fit in LOOP_BUDGET_MS, at least `runs` and at most `loopRuns`, after 20
    // warm-up ones; a what-if loop runs for long, so the JIT has warmed up its code.
    const timed = (collect) => {
      const times = [];
      let cone = 0;
      const warm = collect ? 3 : 20;
      const started = now();
      for (let i = 0; ; i++) {
        const counted = i - warm;
        if (collect ? counted >= a.runs : counted >= a.loopRuns || (counted >= a.runs && now() - started > LOOP_BUDGET_MS)) break;
        if (collect) gc();
        const t = now();
        const r = engine.run({ [p.ref]: p.values[i % 2] });
        const ms = now() - t;
        if (counted >= 0) times.push(ms);
        cone = r.meta.recomputed;
      }
      return { times, cone };
    };
    const withGc = timed(true);
    const loop = timed(false);
    const cone = withGc.cone;
    const row = {
      input: p.ref,
      what: p.what,
      coneCells: cone,
      coneShare: round(cone / totalCells, 5),
      minMs: round(min(withGc.times)),
      medianMs: round(median(withGc.times)),
      loopMinMs: round(min(loop.times)),
      loopMedianMs: round(median(loop.times)),
      loopMeanMs: round(mean(loop.times)),
      loopRuns: loop.times.length,
      shareOfFullRun: round(min(withGc.times) / min(full), 4),
      loopShareOfFullRun: round(mean(loop.times) / min(full), 4),
      mismatches,
    };
    entry.probes.push(row);
    log(`${model} ${entry.size}: ${p.ref} cone ${cone} cells (${(row.coneShare * 100).toFixed(2)}%), ${row.minMs} / ${row.medianMs} ms with gc() = ${(row.shareOfFullRun * 100).toFixed(2)}% of a full run; loop mean ${row.loopMeanMs} ms over ${row.loopRuns} runs (median ${row.loopMedianMs}) = ${(row.loopShareOfFullRun * 100).toFixed(2)}%; ${mismatches} mismatches`);
  }
  return entry;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first');
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const loadavgAtStart = os.loadavg();
  const results = [];
  for (const m of a.models) for (const s of a.sizes) results.push(await benchSize(m, s, a));
  const out = { startedAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavgAtStart, loadavgAtEnd: os.loadavg(), options: a, results };
  writeFileSync(join(resultsDir, 'incremental.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nincremental run(inputs) vs full run — node ${process.version}, ${os.cpus().length} cpus, load ${loadavgAtStart.map((x) => x.toFixed(2)).join(' ')} → ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| model | size | input | cone (cells) | cone share | incremental, gc() before each: min / median | ÷ full min | loop mean (runs) | ÷ full min | full run min | check |');
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const e of results) {
    for (const p of e.probes) {
      const pct = (x) => `${(x * 100).toFixed(2)}%`;
      console.log(`| ${e.model} | ${e.size} | ${p.input} (${p.what}) | ${p.coneCells.toLocaleString('en-US')} | ${pct(p.coneShare)} | ${p.minMs} / ${p.medianMs} ms | ${pct(p.shareOfFullRun)} | ${p.loopMeanMs} ms (${p.loopRuns}) | ${pct(p.loopShareOfFullRun)} | ${e.fullRunMinMs} ms | ${p.mismatches === 0 ? 'match' : `${p.mismatches} mismatches`} |`);
    }
  }
  console.log('\nwrote bench/results/incremental.json');
}

await main();
