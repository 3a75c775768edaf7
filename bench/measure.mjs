#!/usr/bin/env node
/**
 * One measurement, in its own process so that peak RSS belongs to it alone. Spawned by
 * bench/run.mjs: `node --expose-gc bench/measure.mjs KIND JSON_ARGS RESULT_FILE`.
 * Writes its result as JSON to RESULT_FILE. Kinds:
 *
 *   baseline      an idle node process (RSS floor for the others)
 *   build         sheetc compile(): phases, wall time, engine size, report summary
 *   scan          calamine floor: bare streaming iteration over the cells (native scanCells)
 *   engine        sheetc engine: import, full run(), recalculation after a start date change
 *   scoped        sheetc lazy engine (--lazy): import + load + run of one narrow output, cold
 *   profile       sheetc output profile (5 inputs, 10 outputs): build, engine size, run
 *                 time and outputs against the full engine for random inputs
 *   hyperformula  HyperFormula: buildFromSheets, setCellContents on the start date
 *   ironcalc      IronCalc (wasm): load through setUserInput, evaluate() after a change
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FIRST_LINE_ROW, FIRST_MONTH_COL, OUTPUTS, SHEETS, START_DATE, START_DATE_REF, colName, plan, sheetRows } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const [kind, argJson, resultFile] = process.argv.slice(2);
const args = JSON.parse(argJson ?? '{}');

const now = () => performance.now();
const gc = () => globalThis.gc?.();
const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const min = (xs) => (xs.length ? Math.min(...xs) : null);
const round = (x, d = 2) => (x === null || x === undefined ? x : Math.round(x * 10 ** d) / 10 ** d);
const maxRssMb = () => round(process.resourceUsage().maxRSS / 1024, 1);
/** New start dates for the recalculation runs: shift by k months (never the original). */
const startDate = (k) => START_DATE + 31 * (1 + (k % 11));

/** Formula cells' text as the peers want it; numbers and text as they are. */
function* allCells(p) {
  for (let s = 0; s < SHEETS.length; s++) {
    for (const [row, cells] of sheetRows(p, SHEETS[s])) {
      for (const c of cells) yield { s, row, col: c.c, f: c.f, v: c.v };
    }
  }
}

function parseRef(ref) {
  const m = /^(\w+)!([A-Z]+)(\d+)$/.exec(ref);
  let col = 0;
  for (const ch of m[2]) col = col * 26 + ch.charCodeAt(0) - 64;
  return { sheet: m[1], s: SHEETS.indexOf(m[1]), row: Number(m[3]), col };
}

const scalar = (v) => {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v ?? null;
  if (typeof v === 'object' && 'code' in v) return { error: String(v.code) };
  if (typeof v === 'object' && 'value' in v) return { error: String(v.value) };
  return String(v);
};

const kinds = {
  async baseline() {
    return { maxRssMb: maxRssMb() };
  },

  async build({ workbook, outDir, lazy = false }) {
    const { compile } = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
    const progress = {};
    const t0 = now();
    const report = await compile(workbook, {
      outDir,
      lazy,
      onProgress: (e) => {
        progress[e.phase] ??= { firstMs: round(now() - t0) };
        progress[e.phase].lastMs = round(now() - t0);
        progress[e.phase].total = e.total;
      },
    });
    const wallMs = now() - t0;
    const reasons = {};
    for (const b of report.backfilled) reasons[`${b.code}: ${b.reason}`] = (reasons[`${b.code}: ${b.reason}`] ?? 0) + 1;
    return {
      wallMs: round(wallMs),
      timings: report.timings,
      progress,
      maxRssMb: maxRssMb(),
      engineBytes: report.engineBytes,
      formulaCells: report.formulaCells,
      cells: report.cells,
      bytesPerFormulaCell: round(report.engineBytes / report.formulaCells, 1),
      shapes: report.shapes,
      modules: report.modules,
      largestModuleBytes: report.largestModuleBytes,
      segments: report.segments,
      edges: report.edges,
      clusters: report.clusters.length,
      clusterCells: report.clusters.reduce((n, c) => n + c.length, 0),
      iterative: report.iterative,
      functions: report.functions,
      unsupportedFunctions: report.unsupportedFunctions,
      backfilled: report.backfilled.length,
      backfilledReasons: reasons,
      backfilledSample: report.backfilled.slice(0, 5),
    };
  },

  /**
   * The calamine floor: `native.scanCells(path)` streams every cell of every sheet
   * through calamine's cell reader (the one the build's read phase uses, values and
   * formulas) and only counts them. Reading the file once is the least any build must
   * do, so build / scan is how far the build is from the physical floor. `runs`
   * repetitions in this process (the file is in the page cache after the build).
   */
  async scan({ workbook, runs = 1 }) {
    const { loadNative } = await import(pathToFileURL(join(root, 'dist', 'native.js')).href);
    const native = loadNative();
    if (typeof native.scanCells !== 'function') {
      return { measured: false, note: 'not measured: the native addon has no scanCells() binding' };
    }
    const walls = [];
    const inner = [];
    let result = null;
    for (let i = 0; i < Math.max(1, runs); i++) {
      gc();
      const t0 = now();
      result = await native.scanCells(resolve(workbook));
      walls.push(now() - t0);
      inner.push(result.elapsedMs);
    }
    // The same iteration with sheets spread over every core (largest first), as the
    // build's reader does: the floor for a reader that uses the whole machine.
    const threads = availableParallelism();
    const parallel = [];
    for (let i = 0; i < Math.max(1, runs); i++) {
      gc();
      const t0 = now();
      const r = await native.scanCells(resolve(workbook), threads);
      parallel.push(now() - t0);
      if (r.cells !== result.cells) throw new Error(`the parallel scan saw ${r.cells} cells, the sequential one ${result.cells}`);
    }
    return {
      measured: true,
      wallMs: round(median(walls)),
      wallMinMs: round(min(walls)),
      wallsMs: walls.map((x) => round(x)),
      elapsedMs: round(median(inner)),
      parallelThreads: threads,
      parallelWallMs: round(median(parallel)),
      parallelWallMinMs: round(min(parallel)),
      result,
      maxRssMb: maxRssMb(),
    };
  },

  async engine({ outDir, runs }) {
    gc();
    const t0 = now();
    const mod = await import(pathToFileURL(join(outDir, 'engine.js')).href);
    const importMs = now() - t0;
    const t1 = now();
    const first = mod.run();
    const firstRunMs = now() - t1;
    const outputs = Object.fromEntries(Object.entries(OUTPUTS).map(([k, o]) => [k, scalar(first.get(o.ref))]));
    const meta = { converged: first.meta.converged, iterations: first.meta.iterations, stale: first.meta.stale.length };
    const full = [];
    for (let i = 0; i < runs; i++) {
      gc();
      const t = now();
      mod.run({}, { full: true });
      full.push(now() - t);
    }
    const recalc = [];
    let changed = null;
    for (let i = 0; i < runs; i++) {
      gc();
      const inputs = { [START_DATE_REF]: startDate(i) };
      const t = now();
      const r = mod.run(inputs, { full: true });
      recalc.push(now() - t);
      if (i === 0) changed = { startDate: startDate(0), npvUnlevered: scalar(r.get(OUTPUTS.npvUnlevered.ref)), converged: r.meta.converged, iterations: r.meta.iterations };
    }
    return {
      importMs: round(importMs),
      firstRunMs: round(firstRunMs),
      fullRunMs: round(median(full)),
      fullRunMinMs: round(min(full)),
      fullRunsMs: full.map((x) => round(x)),
      recalcMs: round(median(recalc)),
      recalcMinMs: round(min(recalc)),
      recalcRunsMs: recalc.map((x) => round(x)),
      outputs,
      meta,
      changed,
      maxRssMb: maxRssMb(),
    };
  },

  /**
   * The lazy engine, cold (a fresh process): import engine.js, load the cone of one
   * narrow output (the last month of the middle cost line: its revenue line, the
   * timeline and the inputs), run with a changed start date.
   */
  async scoped({ outDir, target, months }) {
    const p = plan(target, months);
    const output = `Costs!${colName(FIRST_MONTH_COL + p.months - 1)}${FIRST_LINE_ROW + (p.lines >> 1)}`;
    const t0 = now();
    const mod = await import(pathToFileURL(join(outDir, 'engine.js')).href);
    const importMs = now() - t0;
    const t1 = now();
    await mod.load({ cells: [output] });
    const loadMs = now() - t1;
    const t2 = now();
    const r = mod.run({ [START_DATE_REF]: startDate(0) });
    const value = scalar(r.get(output));
    const runMs = now() - t2;
    const coneCells = Object.keys(r.toJSON()).length;
    const loaded = mod.default.loaded;
    return {
      output,
      value,
      importMs: round(importMs),
      loadMs: round(loadMs),
      runMs: round(runMs),
      totalMs: round(importMs + loadMs + runMs),
      coneFormulaCells: coneCells,
      modulesLoaded: loaded.modules,
      modulesTotal: mod.spec.modules.length,
      unitsLoaded: loaded.units,
      maxRssMb: maxRssMb(),
    };
  },

  async profile({ workbook, outDir, fullDir, target, months, runs }) {
    const { compile } = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
    const p = plan(target, months);
    const last = colName(FIRST_MONTH_COL + p.months - 1);
    // Five inputs: revenue growth, cost inflation and three regional prices; ten
    // outputs: the last month of five revenue lines and of their five cost lines.
    const inputs = ['Inputs!B3', 'Inputs!B4', 'Inputs!B15', 'Inputs!B16', 'Inputs!B17'];
    const rows = [0, 1, 2, 3, 4].map((k) => FIRST_LINE_ROW + Math.floor((k * p.lines) / 5));
    const outputs = [...rows.map((r) => `Revenue!${last}${r}`), ...rows.map((r) => `Costs!${last}${r}`)];
    const t0 = now();
    const report = await compile(workbook, { outDir, inputs, outputs });
    const buildMs = now() - t0;
    const full = await import(pathToFileURL(join(fullDir, 'engine.js')).href);
    const prof = await import(pathToFileURL(join(outDir, 'engine.js')).href);
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
    const sets = Array.from({ length: runs + 2 }, () => ({
      'Inputs!B3': rand() * 0.1,
      'Inputs!B4': rand() * 0.06,
      'Inputs!B15': 50 + rand() * 100,
      'Inputs!B16': 50 + rand() * 100,
      'Inputs!B17': 50 + rand() * 100,
    }));
    let mismatches = 0;
    const fullMs = [];
    const profMs = [];
    for (const s of sets) {
      gc();
      let t = now();
      const a = full.run(s);
      fullMs.push(now() - t);
      gc();
      t = now();
      const b = prof.run(s);
      profMs.push(now() - t);
      for (const o of outputs) if (JSON.stringify(scalar(a.get(o))) !== JSON.stringify(scalar(b.get(o)))) mismatches++;
    }
    const fullRun = median(fullMs.slice(1));
    const profRun = median(profMs.slice(1));
    return {
      inputs,
      outputs,
      buildMs: round(buildMs),
      engineBytes: report.engineBytes,
      foldedCells: report.foldedCells,
      droppedCells: report.droppedCells,
      keptFormulaCells: report.formulaCells,
      inputSets: sets.length,
      mismatches,
      fullRunMs: round(fullRun),
      profileRunMs: round(profRun, 3),
      runSpeedup: round(fullRun / profRun, 1),
      maxRssMb: maxRssMb(),
    };
  },

  async hyperformula({ target, months, runs }) {
    const { HyperFormula } = await import('hyperformula');
    const p = plan(target, months);
    // Feeding: the same cells as the xlsx, as HyperFormula's sheets (not timed as load).
    const t0 = now();
    const sheets = Object.fromEntries(SHEETS.map((s) => [s, []]));
    let n = 0;
    for (const c of allCells(p)) {
      const rows = sheets[SHEETS[c.s]];
      const r = (rows[c.row - 1] ??= []);
      r[c.col - 1] = c.f !== undefined ? `=${c.f}` : c.v;
      n++;
    }
    // Dense rows: HyperFormula wants arrays; holes become null.
    for (const s of SHEETS) {
      const rows = sheets[s];
      for (let i = 0; i < rows.length; i++) {
        const row = (rows[i] ??= []);
        for (let j = 0; j < row.length; j++) if (row[j] === undefined) row[j] = null;
      }
    }
    const prepMs = now() - t0;
    gc();
    const t1 = now();
    const hf = HyperFormula.buildFromSheets(sheets, { licenseKey: 'gpl-v3' });
    const loadMs = now() - t1;
    const addr = (ref) => {
      const a = parseRef(ref);
      return { sheet: hf.getSheetId(a.sheet), row: a.row - 1, col: a.col - 1 };
    };
    const outputs = Object.fromEntries(Object.entries(OUTPUTS).map(([k, o]) => [k, scalar(hf.getCellValue(addr(o.ref)))]));
    const input = addr(START_DATE_REF);
    const recalc = [];
    let changed = null;
    let changes = 0;
    for (let i = 0; i < runs; i++) {
      gc();
      const t = now();
      const ch = hf.setCellContents(input, startDate(i));
      recalc.push(now() - t);
      changes = ch.length;
      if (i === 0) changed = { startDate: startDate(0), npvUnlevered: scalar(hf.getCellValue(addr(OUTPUTS.npvUnlevered.ref))) };
    }
    return {
      cellsFed: n,
      prepMs: round(prepMs),
      loadMs: round(loadMs),
      recalcMs: round(median(recalc)),
      recalcMinMs: round(min(recalc)),
      recalcRunsMs: recalc.map((x) => round(x)),
      changedCellsPerRecalc: changes,
      outputs,
      changed,
      maxRssMb: maxRssMb(),
      note: 'HyperFormula has no iterative calculation: the debt cluster evaluates to #CYCLE! (and everything downstream of it).',
    };
  },

  async ironcalc({ target, months, runs }) {
    const wasmDir = join(root, 'node_modules', '@ironcalc', 'wasm');
    const { initSync, Model } = await import(pathToFileURL(join(wasmDir, 'wasm.js')).href);
    const t0 = now();
    initSync({ module: readFileSync(join(wasmDir, 'wasm_bg.wasm')) });
    const initMs = now() - t0;
    const p = plan(target, months);
    const t1 = now();
    const m = new Model('bench', 'en', 'UTC', 'en');
    for (let s = 1; s < SHEETS.length; s++) m.newSheet();
    SHEETS.forEach((s, i) => m.renameSheet(i, s));
    m.pauseEvaluation();
    let n = 0;
    for (const c of allCells(p)) {
      m.setUserInput(c.s, c.row, c.col, c.f !== undefined ? `=${c.f}` : String(c.v));
      n++;
    }
    const feedMs = now() - t1;
    // Enough digits for a comparison (the default format rounds, NPV gets a currency format).
    for (const o of Object.values(OUTPUTS)) {
      const a = parseRef(o.ref);
      m.updateRangeStyle({ sheet: a.s, row: a.row, column: a.col, width: 1, height: 1 }, 'num_fmt', '0.0000000000');
    }
    gc();
    const t2 = now();
    m.evaluate();
    const firstEvalMs = now() - t2;
    const read = (ref) => {
      const a = parseRef(ref);
      const text = m.getFormattedCellValue(a.s, a.row, a.col);
      const x = Number(text);
      return Number.isFinite(x) && text.trim() !== '' ? x : text;
    };
    const outputs = Object.fromEntries(Object.entries(OUTPUTS).map(([k, o]) => [k, read(o.ref)]));
    const input = parseRef(START_DATE_REF);
    const recalc = [];
    let changed = null;
    for (let i = 0; i < runs; i++) {
      m.setUserInput(input.s, input.row, input.col, String(startDate(i)));
      gc();
      const t = now();
      m.evaluate();
      recalc.push(now() - t);
      if (i === 0) changed = { startDate: startDate(0), npvUnlevered: read(OUTPUTS.npvUnlevered.ref) };
    }
    return {
      cellsFed: n,
      initMs: round(initMs),
      feedMs: round(feedMs),
      firstEvalMs: round(firstEvalMs),
      loadMs: round(feedMs + firstEvalMs),
      recalcMs: round(median(recalc)),
      recalcMinMs: round(min(recalc)),
      recalcRunsMs: recalc.map((x) => round(x)),
      outputs,
      changed,
      maxRssMb: maxRssMb(),
      note: 'IronCalc has no xlsx reader in @ironcalc/wasm and no iterative calculation: cells are fed through setUserInput (evaluation paused); the debt cluster evaluates to #CIRC!. evaluate() always recomputes the whole workbook.',
    };
  },
};

const fn = kinds[kind];
if (!fn) {
  console.error(`unknown measurement ${kind}; one of ${Object.keys(kinds).join(', ')}`);
  process.exit(2);
}
const result = await fn(args);
if (resultFile) writeFileSync(resultFile, JSON.stringify(result));
else console.log(JSON.stringify(result, null, 2));
