#!/usr/bin/env node
/**
 * sheetc benchmark harness: `npm run bench -- [options]`.
 *
 * For each size it generates (or reuses from bench/.cache/) the synthetic PE model
 * (bench/generate.mjs), then measures, each in a fresh child process (bench/measure.mjs)
 * so that peak RSS is per measurement:
 *
 *   build         sheetc compile(): phases, wall time, peak RSS, engine bytes
 *   scan          the calamine floor: native scanCells() streams every cell through calamine
 *                 and only counts (median of --runs); build / scan per size
 *   engine        import, full run(), run() after changing the start date, scoped run (n/a)
 *   hyperformula  buildFromSheets (load), setCellContents on the start date (recalc)
 *   ironcalc      setUserInput + evaluate (load), evaluate() after the start date change
 *
 * Options:
 *   --sizes 10k,100k,1M   sizes (target formula cells; default 10k,100k,1M)
 *   --quick               10k only
 *   --runs N              timed repetitions, median reported (default 5; 3 from 1M up)
 *   --build-runs N        builds per size, each in its own process; the median build (by
 *                         wall time) is reported with every run's figures (default 1)
 *   --skip-peers          sheetc only
 *   --peers-max SIZE      skip peers above this size (default 100k: HyperFormula did not
 *                         finish loading 1M cells within 20 min on a 2-core machine)
 *   --ironcalc-max SIZE   skip IronCalc above this size (default 100k: its evaluate() is
 *                         superlinear on this model, ~2 min per evaluate at 100k); above 10k
 *                         IronCalc gets 1 timed run (plus the first evaluate)
 *   --months N            months across columns (default 120)
 *   --shared              write month formulas as shared formulas
 *   --stored              the workbook as Excel saves it: every formula cell with its
 *                         stored value (bench/stored.mjs), so the build's verification
 *                         compares every cell, as it does on a real file
 *   --timeout SEC         per measurement (default 1200)
 *   --regenerate          ignore cached workbooks
 *
 * Writes bench/results/latest.json and a timestamped copy.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, OUTPUTS, cachePath, parseSize, plan, sizeLabel } from './generate.mjs';
import { storedCachePath } from './stored.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const cacheDir = join(here, '.cache');
const resultsDir = join(here, 'results');
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);
const NODE_FLAGS = ['--expose-gc', '--max-old-space-size=16384'];

function parseArgs(argv) {
  const a = { sizes: ['10k', '100k', '1M'], runs: null, buildRuns: 1, skipPeers: false, peersMax: 100000, ironcalcMax: 100000, months: 120, shared: false, stored: false, timeout: 1200, regenerate: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--sizes') a.sizes = argv[++i].split(',').filter(Boolean);
    else if (x === '--quick') a.sizes = ['10k'];
    else if (x === '--runs') a.runs = Number(argv[++i]);
    else if (x === '--build-runs') a.buildRuns = Math.max(1, Number(argv[++i]));
    else if (x === '--skip-peers') a.skipPeers = true;
    else if (x === '--peers-max') a.peersMax = parseSize(argv[++i]);
    else if (x === '--ironcalc-max') a.ironcalcMax = parseSize(argv[++i]);
    else if (x === '--months') a.months = Number(argv[++i]);
    else if (x === '--shared') a.shared = true;
    else if (x === '--stored') a.stored = true;
    else if (x === '--timeout') a.timeout = Number(argv[++i]);
    else if (x === '--regenerate') a.regenerate = true;
    else if (x === '-h' || x === '--help') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${x} (see --help)`);
  }
  return a;
}

const log = (...xs) => console.error('[bench]', ...xs);

/** Runs `node ARGS` in its own process group; resolves with exit info, peak RSS and stderr tail. */
function child(nodeArgs, { timeoutSec, label }) {
  return new Promise((done) => {
    const rssFile = join(cacheDir, `rss-${process.pid}-${Date.now()}.txt`);
    const cmd = hasTime ? TIME : process.execPath;
    const argv = hasTime ? ['-f', '%M %e', '-o', rssFile, process.execPath, ...nodeArgs] : nodeArgs;
    const t0 = performance.now();
    const p = spawn(cmd, argv, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    p.stdout.on('data', (d) => (stdout = (stdout + d).slice(-20000)));
    p.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log(`${label}: timed out after ${timeoutSec}s, killing process group ${p.pid}`);
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {}
    }, timeoutSec * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      let peakRssMb = null;
      if (hasTime && existsSync(rssFile)) {
        const m = /(\d+) ([\d.]+)\s*$/.exec(readFileSync(rssFile, 'utf8'));
        if (m) peakRssMb = Math.round(Number(m[1]) / 102.4) / 10;
        rmSync(rssFile, { force: true });
      }
      // GNU time prints "Command exited with non-zero status" / "Command terminated by signal" to its -o file too.
      done({ code, signal, timedOut, wallMs: Math.round(performance.now() - t0), peakRssMb, stdout, stderr });
    });
  });
}

/** Runs one measurement in a child; returns its result or { error }. */
async function measure(kind, args, opts) {
  const resultFile = join(cacheDir, `result-${kind}-${process.pid}-${Date.now()}.json`);
  const r = await child([...NODE_FLAGS, join(here, 'measure.mjs'), kind, JSON.stringify(args), resultFile], { ...opts, label: kind });
  let result = null;
  if (existsSync(resultFile)) {
    result = JSON.parse(readFileSync(resultFile, 'utf8'));
    rmSync(resultFile, { force: true });
  }
  if (r.code === 0 && result) return { ...result, processPeakRssMb: r.peakRssMb, processWallMs: r.wallMs };
  const tail = r.stderr.trim().split('\n').slice(-12).join('\n');
  const error = r.timedOut ? `timed out after ${opts.timeoutSec}s` : `exit ${r.code ?? r.signal}${tail ? `: ${tail}` : ''}`;
  return { error, processPeakRssMb: r.peakRssMb, processWallMs: r.wallMs };
}

async function ensureWorkbook(target, a) {
  const file = a.stored ? storedCachePath(cacheDir, target, a) : cachePath(cacheDir, target, a);
  const metaFile = `${file}.json`;
  if (!a.regenerate && existsSync(file) && existsSync(metaFile)) {
    return { ...JSON.parse(readFileSync(metaFile, 'utf8')), cached: true };
  }
  log(`generating ${sizeLabel(target)} → ${file}`);
  const r = await child([join(here, a.stored ? 'stored.mjs' : 'generate.mjs'), '--cells', String(target), '--months', String(a.months), ...(a.shared ? ['--shared'] : []), '-o', file], {
    timeoutSec: a.timeout,
    label: 'generate',
  });
  if (r.code !== 0) throw new Error(`generating ${target} failed: ${r.stderr}`);
  const stats = { ...JSON.parse(r.stdout.trim().split('\n').pop()), peakRssMb: r.peakRssMb };
  writeFileSync(metaFile, JSON.stringify(stats));
  return { ...stats, cached: false };
}

const relDiff = (a, b) => (typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300) : null);
const fmtVal = (v) => (typeof v === 'number' ? v.toPrecision(12) : JSON.stringify(v));

function compareOutputs(sheetc, peer, name) {
  if (!sheetc || !peer || sheetc.error || peer.error || peer.skipped) return null;
  const rows = [];
  for (const [k, o] of Object.entries(OUTPUTS)) {
    const a = sheetc.outputs?.[k];
    const b = peer.outputs?.[k];
    const d = relDiff(a, b);
    rows.push({ output: k, ref: o.ref, circular: o.circular, sheetc: a, [name]: b, relDiff: d, match: d === null ? null : d <= 1e-6 });
  }
  const a = sheetc.changed?.npvUnlevered;
  const b = peer.changed?.npvUnlevered;
  const d = relDiff(a, b);
  rows.push({ output: 'npvUnlevered after start date change', ref: OUTPUTS.npvUnlevered.ref, circular: false, sheetc: a, [name]: b, relDiff: d, match: d === null ? null : d <= 1e-6 });
  const nonCircular = rows.filter((r) => !r.circular);
  return { rows, nonCircularMatch: nonCircular.every((r) => r.match === true) };
}

const ms = (x) => (typeof x === 'number' ? (x >= 10000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`) : x ?? '—');
const mb = (x) => (typeof x === 'number' ? `${Math.round(x)} MB` : '—');
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? Math.round((a / b) * 10) / 10 : null);

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, k) => {
    const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
    return k === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first');
  const started = new Date();
  const startLoad = os.loadavg();
  const timeout = { timeoutSec: a.timeout };
  log(`sizes ${a.sizes.join(', ')}; ${os.cpus().length} cpus; node ${process.version}${hasTime ? '' : ' (no /usr/bin/time: peak RSS from the child only)'}`);
  const baseline = await measure('baseline', {}, timeout);

  const results = [];
  for (const label of a.sizes) {
    const target = parseSize(label);
    const runs = a.runs ?? (target >= 1e6 ? 3 : 5);
    const p = plan(target, a.months);
    const entry = { size: sizeLabel(target), loadavgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100), target, lines: p.lines, months: p.months, expectedFormulaCells: p.formulaCells, runs };
    results.push(entry);
    try {
      entry.workbook = await ensureWorkbook(target, a);
    } catch (e) {
      entry.workbook = { error: String(e.message ?? e) };
      log(entry.workbook.error);
      continue;
    }
    const workbook = entry.workbook.file;
    log(`${entry.size}: ${entry.workbook.formulaCells} formula cells, ${(statSync(workbook).size / 1e6).toFixed(1)} MB xlsx${entry.workbook.cached ? ' (cached)' : ''}`);
    const outDir = join(cacheDir, `engine-${entry.size}${a.shared ? '-shared' : ''}${a.stored ? '-stored' : ''}`);
    rmSync(outDir, { recursive: true, force: true });

    const builds = [];
    for (let i = 0; i < a.buildRuns; i++) {
      log(`${entry.size}: sheetc build${a.buildRuns > 1 ? ` ${i + 1}/${a.buildRuns}` : ''}`);
      rmSync(outDir, { recursive: true, force: true });
      const b = await measure('build', { workbook, outDir }, timeout);
      builds.push(b);
      if (b.error) {
        log(`${entry.size}: build FAILED: ${b.error}`);
        break;
      }
      log(`${entry.size}: build ${ms(b.wallMs)} (read ${ms(b.timings.readMs)}, parse ${ms(b.timings.parseMs)}, graph ${ms(b.timings.graphMs)}, emit ${ms(b.timings.emitMs)}), peak ${mb(b.processPeakRssMb ?? b.maxRssMb)}, ${b.shapes} shapes, ${b.backfilled} backfilled`);
    }
    // The median build by wall time (the last one's engine stays in outDir: same input, same output).
    const ok = builds.filter((b) => !b.error);
    entry.build = ok.length === builds.length ? [...ok].sort((x, y) => x.wallMs - y.wallMs)[(ok.length - 1) >> 1] : builds[builds.length - 1];
    if (builds.length > 1) {
      entry.buildRuns = builds.map((b) => (b.error ? { error: b.error } : { wallMs: b.wallMs, timings: b.timings, peakRssMb: b.processPeakRssMb ?? b.maxRssMb }));
      entry.buildMinMs = ok.length ? Math.min(...ok.map((b) => b.wallMs)) : null;
    }

    log(`${entry.size}: calamine floor (scan, ${runs} runs)`);
    entry.scan = await measure('scan', { workbook, runs }, timeout);
    if (entry.scan.error) log(`${entry.size}: scan FAILED: ${entry.scan.error}`);
    else if (entry.scan.measured) {
      log(`${entry.size}: scan ${ms(entry.scan.wallMs)} (min ${ms(entry.scan.wallMinMs)}); build / scan ${ratio(entry.build?.wallMs, entry.scan.wallMs)}×`);
      log(`${entry.size}: scan on ${entry.scan.parallelThreads} threads ${ms(entry.scan.parallelWallMs)}; build / that ${ratio(entry.build?.wallMs, entry.scan.parallelWallMs)}×`);
    }

    if (!entry.build.error) {
      log(`${entry.size}: sheetc engine (${runs} runs)`);
      entry.engine = await measure('engine', { outDir, runs }, timeout);
      if (entry.engine.error) log(`${entry.size}: engine FAILED: ${entry.engine.error}`);
      else log(`${entry.size}: engine import ${ms(entry.engine.importMs)}, run ${ms(entry.engine.fullRunMs)}, recalc ${ms(entry.engine.recalcMs)}`);

      // The lazy engine: built separately, then one narrow output, cold, in fresh processes.
      const lazyDir = `${outDir}-lazy`;
      rmSync(lazyDir, { recursive: true, force: true });
      log(`${entry.size}: sheetc build --lazy`);
      entry.lazyBuild = await measure('build', { workbook, outDir: lazyDir, lazy: true }, timeout);
      if (!entry.lazyBuild.error) {
        const scoped = [];
        for (let i = 0; i < 3; i++) scoped.push(await measure('scoped', { outDir: lazyDir, target, months: a.months }, timeout));
        const ok = scoped.filter((x) => !x.error);
        const best = ok.sort((x, y) => x.totalMs - y.totalMs)[ok.length >> 1] ?? scoped[0];
        entry.scoped = { ...best, totalsMs: ok.map((x) => x.totalMs) };
        const eagerCold = entry.engine?.importMs !== undefined ? entry.engine.importMs + entry.engine.firstRunMs : undefined;
        if (eagerCold && best && !best.error) {
          entry.scoped.eagerImportPlusRunMs = Math.round(eagerCold * 100) / 100;
          entry.scoped.fractionOfEager = Math.round((best.totalMs / eagerCold) * 10000) / 10000;
          entry.scoped.coneFraction = entry.build?.formulaCells ? Math.round((best.coneFormulaCells / entry.build.formulaCells) * 1e5) / 1e5 : undefined;
          log(`${entry.size}: scoped ${best.output}: ${ms(best.totalMs)} (import ${ms(best.importMs)}, load ${ms(best.loadMs)}, run ${ms(best.runMs)}) = ${(entry.scoped.fractionOfEager * 100).toFixed(1)}% of eager import+run; cone ${best.coneFormulaCells} cells`);
        }
      }
      rmSync(lazyDir, { recursive: true, force: true });

      // Output profile: 5 inputs, 10 outputs, against the full engine.
      const profileDir = `${outDir}-profile`;
      rmSync(profileDir, { recursive: true, force: true });
      log(`${entry.size}: sheetc build --inputs (5) --outputs (10)`);
      entry.profile = await measure('profile', { workbook, outDir: profileDir, fullDir: outDir, target, months: a.months, runs }, timeout);
      if (!entry.profile.error && entry.build?.engineBytes) {
        entry.profile.sizeRatio = Math.round((entry.build.engineBytes / entry.profile.engineBytes) * 10) / 10;
        log(`${entry.size}: profile engine ${entry.profile.engineBytes} bytes (${entry.profile.sizeRatio}× smaller), run ${ms(entry.profile.profileRunMs)} (${entry.profile.runSpeedup}× faster), ${entry.profile.mismatches} mismatches over ${entry.profile.inputSets} input sets`);
      }
      rmSync(profileDir, { recursive: true, force: true });
    }

    const peers = !a.skipPeers && target <= a.peersMax;
    if (!peers) {
      for (const peer of ['hyperformula', 'ironcalc']) entry[peer] = { skipped: a.skipPeers ? '--skip-peers' : `above --peers-max ${sizeLabel(a.peersMax)}` };
    }
    if (peers) {
      for (const peer of ['hyperformula', 'ironcalc']) {
        if (peer === 'ironcalc' && target > a.ironcalcMax) {
          entry[peer] = { skipped: `above --ironcalc-max ${sizeLabel(a.ironcalcMax)}` };
          log(`${entry.size}: ${peer} skipped (${entry[peer].skipped})`);
          continue;
        }
        const peerRuns = peer === 'ironcalc' && target > 10000 ? Math.min(runs, 1) : runs;
        log(`${entry.size}: ${peer} (${peerRuns} runs)`);
        entry[peer] = await measure(peer, { target, months: a.months, runs: peerRuns }, timeout);
        if (entry[peer].error) log(`${entry.size}: ${peer} FAILED: ${entry[peer].error}`);
        else log(`${entry.size}: ${peer} load ${ms(entry[peer].loadMs)}, recalc ${ms(entry[peer].recalcMs)}, peak ${mb(entry[peer].processPeakRssMb ?? entry[peer].maxRssMb)}`);
      }
      entry.correctness = {
        hyperformula: compareOutputs(entry.engine, entry.hyperformula, 'hyperformula'),
        ironcalc: compareOutputs(entry.engine, entry.ironcalc, 'ironcalc'),
      };
    }
    const recalc = entry.engine?.recalcMs;
    entry.ratios = {
      buildOverScan: ratio(entry.build?.wallMs, entry.scan?.measured ? entry.scan.wallMs : null),
      buildOverParallelScan: ratio(entry.build?.wallMs, entry.scan?.measured ? entry.scan.parallelWallMs : null),
      profileBuildOverBuild: ratio(entry.profile?.buildMs, entry.build?.wallMs),
      buildMinOverScanMin: ratio(entry.buildMinMs ?? entry.build?.wallMs, entry.scan?.measured ? entry.scan.wallMinMs : null),
      recalcHyperformulaOverSheetc: ratio(entry.hyperformula?.recalcMs, recalc),
      recalcIroncalcOverSheetc: ratio(entry.ironcalc?.recalcMs, recalc),
      recalcMinHyperformulaOverSheetc: ratio(entry.hyperformula?.recalcMinMs, entry.engine?.recalcMinMs),
      recalcMinIroncalcOverSheetc: ratio(entry.ironcalc?.recalcMinMs, entry.engine?.recalcMinMs),
      loadHyperformulaOverSheetcImport: ratio(entry.hyperformula?.loadMs, entry.engine?.importMs),
      loadIroncalcOverSheetcImport: ratio(entry.ironcalc?.loadMs, entry.engine?.importMs),
    };
    // Partial results survive a later crash.
    writeFileSync(join(resultsDir, 'partial.tmp'), JSON.stringify(results, null, 2));
  }

  const at100k = results.find((r) => r.target === 100000);
  const out = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    options: a,
    generatorVersion: GENERATOR_VERSION,
    machine: {
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().map((c) => ({ model: c.model, speedMHz: c.speed })),
      cpuCount: os.cpus().length,
      totalMemMb: Math.round(os.totalmem() / 2 ** 20),
      loadavgAtStart: startLoad,
      loadavgAtEnd: os.loadavg(),
      node: process.version,
      peakRssSource: hasTime ? '/usr/bin/time %M of the child process (and process.resourceUsage().maxRSS inside it)' : 'process.resourceUsage().maxRSS inside the child',
    },
    baseline,
    notes: [
      'Medians and minimums of --runs timed repetitions (gc() before each); the machine may be shared, see machine.loadavgAtStart/AtEnd and results[].loadavgAtStart: the minimum is the better estimate under contention.',
      'sheetc run() always recomputes the whole model, so "full run" and "recalc after start date change" measure the same work; recalc includes pinning the input.',
      'lazy (scoped) figures are cold, each in a fresh process (median of 3): import engine.js + load({ cells: [one output] }) + run(); compared with the eager engine cold import + first run.',
      'calamine floor (scan): native scanCells() streams every cell of every sheet through the calamine cell reader the build uses (values and formulas) and only counts; median of --runs in one process, after the build (page cache warm for both). build / scan = build wall time (compile() in its child) over the scan median. The floor is one thread, as the issue defines it; the build reads sheets on every core, so the same scan spread over every core (sheets largest first, as the build reads them) is reported too, with build / that.',
      'HyperFormula and IronCalc have no iterative calculation: the circular debt cluster and what depends on it evaluates to #CYCLE!/#CIRC! there; compare non-circular outputs only.',
      'HyperFormula and IronCalc get the cells from the same generator that writes the xlsx (neither reads xlsx here); their "load" excludes that feeding for HyperFormula (prepMs) but includes setUserInput for IronCalc (feedMs) plus the first evaluate().',
    ],
    ratiosAt100k: at100k ? at100k.ratios : null,
    results,
  };
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(out, null, 2));
  writeFileSync(join(resultsDir, `${stamp}.json`), JSON.stringify(out, null, 2));
  rmSync(join(resultsDir, 'partial.tmp'), { force: true });
  printReport(out);
  console.log(`\nwrote bench/results/latest.json and bench/results/${stamp}.json`);
}

function printReport(out) {
  const R = out.results;
  const head = ['', ...R.map((r) => r.size)];
  const row = (label, f) => [label, ...R.map((r) => {
    try {
      const v = f(r);
      return v === undefined || v === null ? '—' : v;
    } catch {
      return '—';
    }
  })];
  const err = (x) => (x?.error ? 'FAILED' : x?.skipped ? 'skipped' : undefined);
  console.log(`\nsheetc benchmark — ${out.machine.cpuCount}× ${out.machine.cpus[0]?.model ?? '?'}, node ${out.machine.node}, idle node RSS ${mb(out.baseline?.processPeakRssMb ?? out.baseline?.maxRssMb)}, load average ${out.machine.loadavgAtStart.map((x) => x.toFixed(1)).join(' ')} → ${out.machine.loadavgAtEnd.map((x) => x.toFixed(1)).join(' ')}\n`);
  console.log(table([
    head,
    row('formula cells', (r) => r.workbook?.formulaCells?.toLocaleString('en-US')),
    row('line items × months', (r) => `${r.lines}×${r.months}`),
    row('xlsx size', (r) => (r.workbook?.zipBytes ? `${(r.workbook.zipBytes / 1e6).toFixed(1)} MB` : undefined)),
    row('generate', (r) => (r.workbook?.cached ? 'cached' : ms(r.workbook?.ms))),
    ['sheetc build', ...R.map(() => '')],
    row('  read', (r) => err(r.build) ?? ms(r.build.timings.readMs)),
    row('  parse', (r) => err(r.build) ?? ms(r.build.timings.parseMs)),
    row('  graph', (r) => err(r.build) ?? ms(r.build.timings.graphMs)),
    row('  emit', (r) => err(r.build) ?? ms(r.build.timings.emitMs)),
    row('  total (report)', (r) => err(r.build) ?? ms(r.build.timings.totalMs)),
    row('  wall (compile())', (r) => err(r.build) ?? ms(r.build.wallMs)),
    row('  wall min (of --build-runs)', (r) => (r.buildRuns ? `${ms(r.buildMinMs)} (${r.buildRuns.length})` : undefined)),
    row('  peak RSS', (r) => mb(r.build?.processPeakRssMb ?? r.build?.maxRssMb)),
    row('  shapes', (r) => err(r.build) ?? r.build.shapes),
    row('  backfilled', (r) => err(r.build) ?? r.build.backfilled),
    row('  engine bytes', (r) => err(r.build) ?? `${(r.build.engineBytes / 1e6).toFixed(2)} MB`),
    row('  bytes / formula cell', (r) => err(r.build) ?? r.build.bytesPerFormulaCell),
    row('calamine floor (scan, median / min)', (r) => (r.scan?.error ? 'FAILED' : r.scan?.measured ? `${ms(r.scan.wallMs)} / ${ms(r.scan.wallMinMs)}` : 'not measured')),
    row('build / scan', (r) => (r.ratios?.buildOverScan ? `${r.ratios.buildOverScan}×` : undefined)),
    row('scan on every core (median)', (r) => (r.scan?.measured && r.scan.parallelWallMs ? `${ms(r.scan.parallelWallMs)} (${r.scan.parallelThreads} threads)` : undefined)),
    row('build / scan on every core', (r) => (r.ratios?.buildOverParallelScan ? `${r.ratios.buildOverParallelScan}×` : undefined)),
    ['sheetc engine', ...R.map(() => '')],
    row('  import', (r) => err(r.engine) ?? ms(r.engine?.importMs)),
    row('  first run', (r) => err(r.engine) ?? ms(r.engine?.firstRunMs)),
    row('  full run (median / min)', (r) => err(r.engine) ?? `${ms(r.engine?.fullRunMs)} / ${ms(r.engine?.fullRunMinMs)}`),
    row('  recalc, start date (median / min)', (r) => err(r.engine) ?? `${ms(r.engine?.recalcMs)} / ${ms(r.engine?.recalcMinMs)}`),
    row('  lazy: import+load+run of 1 output', (r) => (r.scoped?.totalMs !== undefined ? `${ms(r.scoped.totalMs)} (${(r.scoped.fractionOfEager * 100).toFixed(1)}% of eager)` : err(r.scoped) ?? 'n/a')),
    row('  lazy: cone / modules loaded', (r) => (r.scoped?.coneFormulaCells !== undefined ? `${r.scoped.coneFormulaCells} cells / ${r.scoped.modulesLoaded} of ${r.scoped.modulesTotal}` : undefined)),
    row('  profile (5 in, 10 out): size / run', (r) => (r.profile?.engineBytes ? `${r.profile.sizeRatio}× smaller / ${r.profile.runSpeedup}× faster` : err(r.profile) ?? 'n/a')),
    row('  profile: build / ÷ plain build (wall)', (r) => (r.profile?.buildMs ? `${ms(r.profile.buildMs)} / ${r.ratios?.profileBuildOverBuild ?? '?'}×` : undefined)),
    row('  profile: mismatches vs full engine', (r) => (r.profile?.inputSets ? `${r.profile.mismatches} in ${r.profile.inputSets}×10 outputs` : undefined)),
    row('  peak RSS', (r) => mb(r.engine?.processPeakRssMb ?? r.engine?.maxRssMb)),
    row('  converged / iterations', (r) => (r.engine?.meta ? `${r.engine.meta.converged} / ${r.engine.meta.iterations}` : undefined)),
    ['HyperFormula', ...R.map(() => '')],
    row('  load (buildFromSheets)', (r) => err(r.hyperformula) ?? ms(r.hyperformula?.loadMs)),
    row('  recalc, start date (median / min)', (r) => err(r.hyperformula) ?? `${ms(r.hyperformula?.recalcMs)} / ${ms(r.hyperformula?.recalcMinMs)}`),
    row('  peak RSS', (r) => mb(r.hyperformula?.processPeakRssMb ?? r.hyperformula?.maxRssMb)),
    ['IronCalc', ...R.map(() => '')],
    row('  load (feed + 1st evaluate)', (r) => err(r.ironcalc) ?? ms(r.ironcalc?.loadMs)),
    row('  recalc, start date (median / min)', (r) => err(r.ironcalc) ?? `${ms(r.ironcalc?.recalcMs)} / ${ms(r.ironcalc?.recalcMinMs)}`),
    row('  peak RSS', (r) => mb(r.ironcalc?.processPeakRssMb ?? r.ironcalc?.maxRssMb)),
    ['recalc ratio (peer / sheetc)', ...R.map(() => '')],
    row('  HyperFormula', (r) => (r.ratios?.recalcHyperformulaOverSheetc ? `${r.ratios.recalcHyperformulaOverSheetc}×` : undefined)),
    row('  IronCalc', (r) => (r.ratios?.recalcIroncalcOverSheetc ? `${r.ratios.recalcIroncalcOverSheetc}×` : undefined)),
    row('  HyperFormula (min / min)', (r) => (r.ratios?.recalcMinHyperformulaOverSheetc ? `${r.ratios.recalcMinHyperformulaOverSheetc}×` : undefined)),
    row('  IronCalc (min / min)', (r) => (r.ratios?.recalcMinIroncalcOverSheetc ? `${r.ratios.recalcMinIroncalcOverSheetc}×` : undefined)),
  ]));
  for (const r of R) {
    for (const x of ['build', 'scan', 'engine', 'hyperformula', 'ironcalc']) if (r[x]?.error) console.log(`\n${r.size} ${x} error: ${r[x].error}`);
    if (r.build?.backfilled) console.log(`\n${r.size} backfilled reasons: ${JSON.stringify(r.build.backfilledReasons)}`);
  }
  const first = R.find((r) => r.correctness);
  if (first) {
    console.log(`\ncorrectness at ${first.size} (relative tolerance 1e-6; circular outputs are errors in the peers):`);
    for (const [peer, c] of Object.entries(first.correctness)) {
      if (!c) {
        console.log(`  ${peer}: not compared (a measurement failed or was skipped)`);
        continue;
      }
      console.log(`  sheetc vs ${peer}: non-circular outputs ${c.nonCircularMatch ? 'MATCH' : 'DIFFER'}`);
      for (const x of c.rows) {
        console.log(`    ${x.output.padEnd(38)} ${fmtVal(x.sheetc).padStart(22)} ${fmtVal(x[peer]).padStart(22)}  ${x.relDiff === null ? '' : `rel ${x.relDiff.toExponential(1)}`}${x.circular ? '  (circular)' : ''}`);
      }
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
