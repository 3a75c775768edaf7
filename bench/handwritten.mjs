#!/usr/bin/env node
/**
 * sheetc against hand-written JavaScript on the bench workload (issue #18: "full run() on
 * any model shape within 5x of hand-written JavaScript for the same model").
 *
 * The hand-written model below (`createHandwrittenModel`) is the PE model of
 * bench/generate.mjs written the way a competent developer would write it by hand: typed
 * arrays and plain loops, lookups resolved once at setup (MATCH on the region names, the
 * category rows SUMIFS adds up), per-month factors computed once per run (month ends,
 * days, seasonality, inflation), one pass over the line items, one pass over the months
 * for the cash flow and the circular debt block, then the summary (NPV, IRR, totals).
 * It takes the same inputs as the engine (any numeric cell of the Inputs sheet by its
 * reference, e.g. `{ 'Inputs!B2': 45689, 'Inputs!B5': 0.08 }`) and computes every
 * formula cell of the Timeline (except YEAR, which nothing reads), Revenue, Costs, Debt
 * and CashFlow sheets and the outputs of `OUTPUTS` (Summary!B2..B8). Its buffers are
 * allocated once per model and reused by every run (a result is valid until the next run).
 *
 * Excel semantics it reproduces for the values that occur in this model:
 *   - iterative calculation as the workbook sets it (calcPr iterate, iterateCount 100,
 *     iterateDelta 0.001): each month's cluster (interest, repayment, closing balance)
 *     is swept in calculation order (Gauss-Seidel) until no cell moves by 0.001 or more,
 *     at most 100 sweeps; the first sweep sees the closing balance blank, which AVERAGE
 *     ignores (so interest is on the opening balance alone), and can never stop the
 *     iteration (a blank before, a number after);
 *   - EOMONTH / DAY / MONTH on 1900-system serials (every serial here is after 1900-03-01),
 *     MATCH exact and case-insensitive, SUMIFS on text equality (case-insensitive);
 *   - Excel's + and -, which return 0 for a result equal to zero up to the 15th
 *     significant digit (it occurs: when the cash sweep takes all the free cash flow,
 *     equity cash flow is exactly 0 in Excel and ±3e-11 in plain IEEE arithmetic);
 *   - NPV with the cumulative discount factor, IRR by Excel's secant iteration on the
 *     NPV polynomial in 1/(1+r) from the guess (stop when the step is below 1e-7), with a
 *     bisection fallback should the secant fail; NaN for Excel's #NUM! when the flows do
 *     not change sign.
 * It is not bit-for-bit the engine's arithmetic: it folds the month-over-month revenue
 * factors (seasonality ratio times days ratio) once per month, as one would by hand, so
 * values differ in the last bits; the check below allows 1e-9 relative.
 *
 * What the script does, per size:
 *   1. generates the workbook with bench/generate.mjs into bench/.cache/ (same cache path
 *      and metadata file as bench/run.mjs, so either reuses the other's workbook);
 *   2. compiles it with sheetc (dist/index.js, verify: false; in a child process, so the
 *      build's memory stays out of this process's RSS) into
 *      bench/.cache/engine-SIZE-handwritten/ and imports engine.js;
 *   3. verifies before timing anything: for the base inputs, three start dates (one of
 *      them mid-month), changed scalar assumptions (B3:B8), changed seasonality / price /
 *      region growth / cost ratio cells, no opening debt and no equity outlay (the IRR is
 *      #NUM!), and start date + scalars + tables combined, every OUTPUTS value and every
 *      computed cell of
 *      Timeline, CashFlow and Debt and of three Revenue and Costs lines is compared with
 *      the engine's get() (relative 1e-9; the engine's iteration count and convergence
 *      too). Any mismatch is printed with both values, the size is not timed and the
 *      script exits 1;
 *   4. times N runs (after 3 warm-ups) of the engine's full run(inputs) and of the
 *      hand-written run(inputs) with the same changing start date (START_DATE + 31 × k
 *      days, as bench/measure.mjs), interleaved, gc() before each; every timed run's
 *      outputs are compared again (outside the timing). Reports min and median of each,
 *      the ratios sheetc / hand-written (min / min, median / median) and the process RSS
 *      peak sampled after each timed run (one process holds both sides).
 * Prints a markdown table and writes bench/results/handwritten.json (with the load
 * average, node version, date).
 *
 * Run (after `npm run build:ts`):
 *   node bench/handwritten.mjs --sizes 10k,100k,1M [--runs 20] [--months 120]
 * Options:
 *   --sizes LIST     target formula cells (default 10k,100k,1M)
 *   --runs N         timed runs per side (default 20, after 3 warm-ups)
 *   --months N       months across columns (default 120)
 *   --regenerate     ignore a cached workbook
 *   --perturb REL    scales the hand-written model's interest rate by 1 + REL: to see the
 *                    check fail (e.g. --perturb 1e-6 must report mismatches and exit 1)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  FIRST_LINE_ROW,
  FIRST_MONTH_COL,
  GENERATOR_VERSION,
  OUTPUTS,
  START_DATE,
  START_DATE_REF,
  cachePath,
  colName,
  parseSize,
  plan,
  sheetRows,
  sizeLabel,
  writeWorkbook,
} from './generate.mjs';
import { SERIAL_1970, daysFromCivil, yearMonthFromDays } from './lib/dates.mjs';
import { compileInChild } from './lib/compile-child.mjs';

// ---------------------------------------------------------------------------------
// The hand-written model

/** Iterative calculation as generate.mjs writes it in calcPr (checked against the engine's spec). */
export const ITERATE_COUNT = 100;
export const ITERATE_DELTA = 0.001;

/**
 * Excel's + and -: a result equal to zero up to the 15th significant digit of the larger
 * operand is 0 (=0.3-0.2-0.1 is 0 in Excel). It shows here: when the cash sweep takes
 * every free dollar, equity cash flow = FCF - (repayment + interest) is exactly 0 in
 * Excel, where IEEE arithmetic leaves ±3e-11.
 */
function sub(x, y) {
  const r = x - y;
  return r !== 0 && Math.abs(r) < Math.max(Math.abs(x), Math.abs(y)) * 1e-15 ? 0 : r;
}

/** NPV polynomial in the discount factor x = 1/(1+r), Horner. */
function npvInFactor(flows, n, x) {
  let y = 0;
  for (let i = n - 1; i >= 0; i--) y = y * x + flows[i];
  return y;
}

/**
 * IRR as Excel computes it: the secant method on the NPV polynomial in x = 1/(1+r), from
 * x0 = 1/(1+guess), x1 = x0 - 0.001, until a step is below 1e-7. Falls back to bisection
 * on r (a sign change between -0.99 and 10 per period) should the secant fail. NaN (Excel's
 * #NUM!) when the flows do not change sign.
 */
function irr(flows, n, guess) {
  let pos = false;
  let neg = false;
  for (let i = 0; i < n; i++) {
    if (flows[i] > 0) pos = true;
    else if (flows[i] < 0) neg = true;
  }
  if (!pos || !neg) return NaN; // Excel: #NUM!
  let a = 1 / (1 + guess);
  let b = a - 0.001;
  let fa = npvInFactor(flows, n, a);
  for (let i = 0; i < 100; i++) {
    const fb = npvInFactor(flows, n, b);
    if (!Number.isFinite(fb) || fb === fa) break;
    const c = b - (fb * (b - a)) / (fb - fa);
    if (!Number.isFinite(c) || c <= 0) break;
    if (Math.abs(c - b) < 1e-7) return 1 / c - 1;
    a = b;
    fa = fb;
    b = c;
  }
  let lo = -0.99;
  let hi = 10;
  let flo = npvInFactor(flows, n, 1 / (1 + lo));
  if (flo * npvInFactor(flows, n, 1 / (1 + hi)) > 0) return NaN;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    const f = npvInFactor(flows, n, 1 / (1 + mid));
    if ((f < 0) === (flo < 0)) {
      lo = mid;
      flo = f;
    } else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The model for `lines` line items over `months` months. Its data (the Inputs sheet's
 * constants, the line items' region, category and base volume) is read once from the
 * generator's cells, as a hand-written model would load its data; run() does the rest.
 */
export function createHandwrittenModel({ lines, months }, { perturb = 0 } = {}) {
  const p = { lines, months };
  const L = lines;
  const M = months;

  // Inputs: every numeric constant of the Inputs sheet is an input slot ("B2" -> slot);
  // the region and category names for MATCH and SUMIFS.
  const slotOf = new Map();
  const baseInputs = [];
  const names = new Map(); // "A15" -> "Region 1"
  for (const [row, cells] of sheetRows(p, 'Inputs')) {
    for (const c of cells) {
      const a1 = `${colName(c.c)}${row}`;
      if (typeof c.v === 'number') {
        slotOf.set(a1, baseInputs.length);
        baseInputs.push(c.v);
      } else names.set(a1, c.v);
    }
  }
  const slot = (a1) => {
    const s = slotOf.get(a1);
    if (s === undefined) throw new Error(`Inputs!${a1} is not a numeric input`);
    return s;
  };
  const S_START = slot('B2');
  const S_GROWTH = slot('B3');
  const S_INFLATION = slot('B4');
  const S_INTEREST = slot('B5');
  const S_DISCOUNT = slot('B6');
  const S_TAX = slot('B7');
  const S_CAPEX = slot('B8');
  const S_DEBT = slot('B9');
  const S_EQUITY = slot('B10');
  const S_SEASON = Int32Array.from({ length: 12 }, (_, k) => slot(`${colName(2 + k)}11`));
  const REGIONS = 20;
  const S_PRICE = Int32Array.from({ length: REGIONS }, (_, k) => slot(`B${15 + k}`));
  const S_REGION_GROWTH = Int32Array.from({ length: REGIONS }, (_, k) => slot(`C${15 + k}`));
  const CATEGORY_ROWS = 20;
  const S_CATEGORY_RATIO = Int32Array.from({ length: CATEGORY_ROWS }, (_, k) => slot(`B${38 + k}`));

  // MATCH(region, Inputs!A15:A34, 0): exact, case-insensitive, first match.
  const regionIndex = new Map();
  for (let k = REGIONS - 1; k >= 0; k--) regionIndex.set(String(names.get(`A${15 + k}`)).toLowerCase(), k);
  // SUMIFS(Inputs!B38:B57, Inputs!A38:A57, category): the category of each table row.
  const categoryIds = new Map();
  const rowCategory = new Int32Array(CATEGORY_ROWS);
  for (let k = 0; k < CATEGORY_ROWS; k++) {
    const key = String(names.get(`A${38 + k}`) ?? '').toLowerCase();
    if (!categoryIds.has(key)) categoryIds.set(key, categoryIds.size);
    rowCategory[k] = categoryIds.get(key);
  }

  // Line items: base volume (Revenue!D), region (Revenue!B), category (Costs!C).
  const volume = new Float64Array(L);
  const lineRegion = new Int32Array(L);
  const lineCategory = new Int32Array(L);
  for (const [row, cells] of sheetRows(p, 'Revenue')) {
    const i = row - FIRST_LINE_ROW;
    if (i < 0) continue;
    for (const c of cells) {
      if (c.c === 2) {
        const k = regionIndex.get(String(c.v).toLowerCase());
        if (k === undefined) throw new Error(`line ${i + 1}: region "${c.v}" is not in the region table`);
        lineRegion[i] = k;
      } else if (c.c === 4) volume[i] = c.v;
      else if (c.c > 4) break;
    }
  }
  for (const [row, cells] of sheetRows(p, 'Costs')) {
    const i = row - FIRST_LINE_ROW;
    if (i < 0) continue;
    const c = cells.find((x) => x.c === 3);
    // A category missing from the table sums to 0 in SUMIFS.
    const key = String(c.v).toLowerCase();
    if (!categoryIds.has(key)) categoryIds.set(key, categoryIds.size);
    lineCategory[i] = categoryIds.get(key);
  }
  const categoryRatio = new Float64Array(categoryIds.size);

  // Buffers, reused by every run.
  const inp = new Float64Array(baseInputs.length);
  const monthEnd = new Float64Array(M); // Timeline row 2
  const days = new Float64Array(M); // Timeline row 4
  const monthOf = new Int32Array(M); // MONTH(Timeline row 2)
  const firstFactor = new Float64Array(1); // seasonality × days / 30 of month 1
  const stepFactor = new Float64Array(M); // month t over month t-1: seasonality ratio × days ratio
  const inflation = new Float64Array(M); // (1 + inflation) ^ (period / 12)
  const revenue = new Float64Array(L * M); // Revenue!G5.. (line-major)
  const costs = new Float64Array(L * M); // Costs!G5..
  const cf = {
    revenue: new Float64Array(M),
    costs: new Float64Array(M),
    ebitda: new Float64Array(M),
    capex: new Float64Array(M),
    tax: new Float64Array(M),
    fcf: new Float64Array(M),
    interest: new Float64Array(M),
    debtService: new Float64Array(M),
    equity: new Float64Array(M),
  };
  const debt = {
    opening: new Float64Array(M),
    cfads: new Float64Array(M),
    interest: new Float64Array(M),
    repayment: new Float64Array(M),
    closing: new Float64Array(M),
  };
  const inputRef = /^(?:Inputs!)?\$?([A-Z]+)\$?(\d+)$/;

  function run(inputs = {}) {
    // Inputs.
    inp.set(baseInputs);
    for (const ref in inputs) {
      const m = inputRef.exec(ref);
      const v = inputs[ref];
      if (!m || typeof v !== 'number') throw new Error(`unsupported input ${ref}=${v}`);
      inp[slot(m[1] + m[2])] = v;
    }
    const growthIn = inp[S_GROWTH];
    const interestRate = inp[S_INTEREST] * (1 + perturb);
    const taxRate = inp[S_TAX];
    const capexRatio = inp[S_CAPEX];

    // Timeline: month ends from EOMONTH(start, 0), days in the month, seasonality, inflation.
    let [y, mo] = yearMonthFromDays(Math.floor(inp[S_START]) - SERIAL_1970);
    const onePlusInflation = 1 + inp[S_INFLATION];
    let prevSeason = 0;
    let prevDays = 0;
    for (let t = 0; t < M; t++) {
      const first = daysFromCivil(y, mo, 1);
      const next = mo === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, mo + 1, 1);
      monthEnd[t] = next - 1 + SERIAL_1970;
      const d = next - first;
      days[t] = d;
      monthOf[t] = mo;
      const s = inp[S_SEASON[mo - 1]];
      if (t === 0) firstFactor[0] = (s * d) / 30;
      else stepFactor[t] = (s / prevSeason) * (d / prevDays);
      inflation[t] = Math.pow(onePlusInflation, (t + 1) / 12);
      prevSeason = s;
      prevDays = d;
      if (++mo > 12) {
        mo = 1;
        y++;
      }
    }

    // SUMIFS over the category table, once per category.
    categoryRatio.fill(0);
    for (let k = 0; k < CATEGORY_ROWS; k++) categoryRatio[rowCategory[k]] += inp[S_CATEGORY_RATIO[k]];

    // Revenue and costs, line by line; monthly totals (CashFlow rows 4 and 5).
    const revTotal = cf.revenue;
    const costTotal = cf.costs;
    revTotal.fill(0);
    costTotal.fill(0);
    const f0 = firstFactor[0];
    for (let i = 0, o = 0; i < L; i++, o += M) {
      const k = lineRegion[i];
      const g = 1 + (inp[S_REGION_GROWTH[k]] + growthIn) / 12;
      const ratio = categoryRatio[lineCategory[i]];
      let r = volume[i] * inp[S_PRICE[k]] * f0;
      let c = r * ratio * inflation[0];
      revenue[o] = r;
      costs[o] = c;
      revTotal[0] += r;
      costTotal[0] += c;
      for (let t = 1; t < M; t++) {
        r = r * g * stepFactor[t];
        c = r * ratio * inflation[t];
        revenue[o + t] = r;
        costs[o + t] = c;
        revTotal[t] += r;
        costTotal[t] += c;
      }
    }

    // Cash flow and debt, month by month; the debt block iterates like Excel.
    let opening = inp[S_DEBT];
    let peakDebt = -Infinity;
    let totalInterest = 0;
    let iterations = 0;
    let converged = true;
    for (let t = 0; t < M; t++) {
      const ebitda = sub(revTotal[t], costTotal[t]);
      const capex = revTotal[t] * capexRatio;
      const taxable = sub(ebitda, capex);
      const tax = (taxable > 0 ? taxable : 0) * taxRate;
      const fcf = sub(taxable, tax);
      cf.ebitda[t] = ebitda;
      cf.capex[t] = capex;
      cf.tax[t] = tax;
      cf.fcf[t] = fcf;

      // Interest on AVERAGE(opening, closing), repayment MAX(0, MIN(opening, CFADS -
      // interest)), closing = opening - repayment: swept in that order. Sweep 1 sees the
      // closing balance blank (AVERAGE ignores it) and always counts as a change.
      let interest = (opening * interestRate) / 12;
      let repayment = sub(fcf, interest);
      if (!(repayment < opening)) repayment = opening;
      if (!(repayment > 0)) repayment = 0;
      let closing = sub(opening, repayment);
      let it = 1;
      for (;;) {
        if (it === ITERATE_COUNT) {
          converged = false;
          break;
        }
        it++;
        const i1 = (((opening + closing) / 2) * interestRate) / 12;
        let r1 = sub(fcf, i1);
        if (!(r1 < opening)) r1 = opening;
        if (!(r1 > 0)) r1 = 0;
        const c1 = sub(opening, r1);
        const change = Math.max(Math.abs(i1 - interest), Math.abs(r1 - repayment), Math.abs(c1 - closing));
        interest = i1;
        repayment = r1;
        closing = c1;
        if (change < ITERATE_DELTA) break;
      }
      if (it > iterations) iterations = it;

      debt.opening[t] = opening;
      debt.cfads[t] = fcf;
      debt.interest[t] = interest;
      debt.repayment[t] = repayment;
      debt.closing[t] = closing;
      cf.interest[t] = interest;
      const service = repayment + interest;
      cf.debtService[t] = service;
      cf.equity[t] = t === 0 ? sub(sub(fcf, service), inp[S_EQUITY]) : sub(fcf, service);
      if (opening > peakDebt) peakDebt = opening;
      totalInterest += interest;
      opening = closing;
    }

    // Summary.
    const d = 1 / (1 + inp[S_DISCOUNT] / 12);
    let factor = 1;
    let npvUnlevered = 0;
    let npvEquity = 0;
    let totalRevenue = 0;
    for (let t = 0; t < M; t++) {
      factor *= d;
      npvUnlevered += cf.fcf[t] * factor;
      npvEquity += cf.equity[t] * factor;
      totalRevenue += revTotal[t];
    }
    // (1+IRR(...,0.01))^12-1; NaN stands for Excel's #NUM! (no sign change).
    const equityIrr = sub(Math.pow(1 + irr(cf.equity, M, 0.01), 12), 1);
    return {
      outputs: {
        npvUnlevered,
        equityIrr,
        totalRevenue,
        peakDebt,
        totalInterest,
        finalDebt: debt.closing[M - 1],
        npvEquity,
      },
      iterations,
      converged,
      timeline: { monthEnd, days, monthOf },
      revenue,
      costs,
      cf,
      debt,
    };
  }

  return { lines: L, months: M, run, bufferBytes: (2 * L * M + 20 * M) * 8 };
}

// ---------------------------------------------------------------------------------
// The bench: generate, compile, verify, time

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const cacheDir = join(here, '.cache');
const resultsDir = join(here, 'results');
const TOLERANCE = 1e-9;

/** New start dates for the timed runs, as bench/measure.mjs (never the original). */
const startDate = (k) => START_DATE + 31 * (1 + (k % 11));

const gc = (() => {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc');
  } catch {
    return () => {};
  }
})();

const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const mb = (bytes) => Math.round(bytes / 2 ** 20);
const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const relDiff = (a, b) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

function parseArgs(argv) {
  const a = { sizes: ['10k', '100k', '1M'], runs: 20, warmups: 3, months: 120, regenerate: false, perturb: 0 };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--sizes') a.sizes = argv[++i].split(',').filter(Boolean);
    else if (x === '--runs') a.runs = Math.max(1, Number(argv[++i]));
    else if (x === '--months') a.months = Number(argv[++i]);
    else if (x === '--regenerate') a.regenerate = true;
    else if (x === '--perturb') a.perturb = Number(argv[++i]);
    else if (x === '-h' || x === '--help') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${x} (see --help)`);
  }
  return a;
}

const log = (...xs) => console.error('[handwritten]', ...xs);

/** The cached workbook (bench/run.mjs's path and metadata), generated in-process when missing. */
function ensureWorkbook(target, a) {
  const file = cachePath(cacheDir, target, { months: a.months });
  const metaFile = `${file}.json`;
  if (!a.regenerate && existsSync(file) && existsSync(metaFile)) return { file, cached: true };
  log(`generating ${sizeLabel(target)} → ${file}`);
  const t0 = now();
  const stats = writeWorkbook(file, plan(target, a.months));
  const ms = Math.round(now() - t0);
  writeFileSync(metaFile, JSON.stringify({ ...stats, ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), peakRssMb: null }));
  return { file, cached: false, ms };
}

/** The cells compared besides the outputs: [ref, read from the hand-written result]. */
function checkedCells(p) {
  const cells = [];
  const F = FIRST_MONTH_COL;
  const M = p.months;
  const lines = [...new Set([0, p.lines >> 1, p.lines - 1])];
  for (let t = 0; t < M; t++) {
    const c = colName(F + t);
    cells.push([`Timeline!${c}2`, (h) => h.timeline.monthEnd[t]]);
    cells.push([`Timeline!${c}3`, () => t + 1]);
    cells.push([`Timeline!${c}4`, (h) => h.timeline.days[t]]);
    for (const i of lines) {
      cells.push([`Revenue!${c}${FIRST_LINE_ROW + i}`, (h) => h.revenue[i * M + t]]);
      cells.push([`Costs!${c}${FIRST_LINE_ROW + i}`, (h) => h.costs[i * M + t]]);
    }
    const d = ['opening', 'cfads', 'interest', 'repayment', 'closing'];
    d.forEach((k, j) => cells.push([`Debt!${c}${4 + j}`, (h) => h.debt[k][t]]));
    const f = ['revenue', 'costs', 'ebitda', 'capex', 'tax', 'fcf', 'interest', 'debtService', 'equity'];
    f.forEach((k, j) => cells.push([`CashFlow!${c}${4 + j}`, (h) => h.cf[k][t]]));
  }
  return cells;
}

/** Compares one run of each; returns the mismatches (and the largest relative difference). */
function compare(engineResult, hand, cells, calc) {
  const mismatches = [];
  let maxRel = 0;
  const check = (what, a, b) => {
    // The hand-written model's NaN is Excel's #NUM! (IRR without a sign change).
    const d = typeof a === 'number' && typeof b === 'number' ? relDiff(a, b) : Number.isNaN(b) && a?.code === '#NUM!' ? 0 : Infinity;
    if (!(d <= TOLERANCE)) mismatches.push({ what, sheetc: a, handwritten: b, relDiff: d });
    else if (d > maxRel) maxRel = d;
  };
  for (const [k, o] of Object.entries(OUTPUTS)) check(`${k} (${o.ref})`, engineResult.get(o.ref), hand.outputs[k]);
  if (cells) for (const [ref, read] of cells) check(ref, engineResult.get(ref), read(hand));
  if (calc) {
    if (engineResult.meta.converged !== hand.converged) mismatches.push({ what: 'converged', sheetc: engineResult.meta.converged, handwritten: hand.converged });
    if (engineResult.meta.iterations !== hand.iterations) mismatches.push({ what: 'iterations (max per cluster)', sheetc: engineResult.meta.iterations, handwritten: hand.iterations });
  }
  return { mismatches, maxRel };
}

/** The verification input sets: base, start dates, scalar assumptions, tables, combined. */
function verificationSets() {
  const scalars = { 'Inputs!B3': 0.055, 'Inputs!B4': 0.04, 'Inputs!B5': 0.11, 'Inputs!B6': 0.085, 'Inputs!B7': 0.3, 'Inputs!B8': 0.06 };
  const tables = { 'Inputs!E11': 1.2, 'Inputs!M11': 0.8, 'Inputs!B15': 31.5, 'Inputs!C22': 0.07, 'Inputs!B40': 0.3, 'Inputs!B57': 0.05 };
  const financing = { 'Inputs!B9': 0, 'Inputs!B10': 1 };
  return [
    ['base', {}],
    ['start date +1 month', { [START_DATE_REF]: startDate(0) }],
    ['start date mid-February 2024 (leap)', { [START_DATE_REF]: 45337 }],
    ['start date +10 months', { [START_DATE_REF]: startDate(9) }],
    ['scalar assumptions (B3:B8)', scalars],
    ['tables (seasonality, price, region growth, cost ratios)', tables],
    ['no opening debt, tiny equity', financing],
    ['start date + scalars + tables', { [START_DATE_REF]: startDate(5), ...scalars, ...tables }],
  ];
}

function fmtVal(v) {
  return typeof v === 'number' ? v.toPrecision(17) : JSON.stringify(v);
}

async function benchSize(label, a) {
  const target = parseSize(label);
  const p = plan(target, a.months);
  const entry = { size: sizeLabel(target), target, lines: p.lines, months: p.months, formulaCells: p.formulaCells, loadavgAtStart: os.loadavg().map((x) => round(x, 2)) };
  const wb = ensureWorkbook(target, a);
  entry.workbook = { file: wb.file, cached: wb.cached };

  const outDir = join(cacheDir, `engine-${entry.size}${a.months === 120 ? '' : `-m${a.months}`}-handwritten`);
  rmSync(outDir, { recursive: true, force: true });
  log(`${entry.size}: compiling (${p.formulaCells.toLocaleString('en-US')} formula cells)`);
  let t0 = now();
  compileInChild(wb.file, outDir);
  entry.buildMs = Math.round(now() - t0);
  const engine = await import(pathToFileURL(join(outDir, 'engine.js')).href);
  const calc = engine.spec.calc;
  if (!calc.iterate || calc.count !== ITERATE_COUNT || calc.delta !== ITERATE_DELTA) {
    throw new Error(`the workbook's iteration settings (${JSON.stringify(calc)}) are not the hand-written model's (count ${ITERATE_COUNT}, delta ${ITERATE_DELTA})`);
  }

  t0 = now();
  const model = createHandwrittenModel(p, { perturb: a.perturb });
  entry.handwrittenSetupMs = round(now() - t0, 1);

  // Verify before timing.
  log(`${entry.size}: verifying`);
  const cells = checkedCells(p);
  const sets = verificationSets();
  const mismatches = [];
  let maxRel = 0;
  for (const [name, inputs] of sets) {
    const r = compare(engine.run(inputs), model.run(inputs), cells, true);
    maxRel = Math.max(maxRel, r.maxRel);
    for (const m of r.mismatches) mismatches.push({ inputs: name, ...m });
  }
  entry.verify = {
    inputSets: sets.map(([name, inputs]) => ({ name, inputs })),
    valuesComparedPerSet: Object.keys(OUTPUTS).length + cells.length,
    tolerance: TOLERANCE,
    maxRelDiff: maxRel,
    mismatches: mismatches.length,
  };
  if (mismatches.length) {
    console.log(`\n${entry.size}: ${mismatches.length} MISMATCHES between sheetc and the hand-written model (relative tolerance ${TOLERANCE}):`);
    for (const m of mismatches.slice(0, 40)) console.log(`  [${m.inputs}] ${m.what}: sheetc ${fmtVal(m.sheetc)}, hand-written ${fmtVal(m.handwritten)}${m.relDiff !== undefined ? `, rel ${Number(m.relDiff).toExponential(2)}` : ''}`);
    if (mismatches.length > 40) console.log(`  ... and ${mismatches.length - 40} more`);
    entry.verify.sample = mismatches.slice(0, 40);
    entry.ok = false;
    return entry;
  }
  log(`${entry.size}: ${sets.length} input sets × ${entry.verify.valuesComparedPerSet} values match (max relative difference ${maxRel.toExponential(2)})`);

  // Time: warm-ups, then interleaved timed runs with the same inputs on both sides.
  for (let i = 0; i < a.warmups; i++) {
    const inputs = { [START_DATE_REF]: startDate(i + 3) };
    engine.run(inputs, { full: true });
    model.run(inputs);
  }
  const sheetcMs = [];
  const handMs = [];
  let sheetcRss = 0;
  let handRss = 0;
  let timedMismatches = 0;
  let sink = 0;
  for (let i = 0; i < a.runs; i++) {
    const inputs = { [START_DATE_REF]: startDate(i) };
    gc();
    let t = now();
    const er = engine.run(inputs, { full: true });
    sheetcMs.push(now() - t);
    sheetcRss = Math.max(sheetcRss, process.memoryUsage().rss);
    gc();
    t = now();
    const hr = model.run(inputs);
    handMs.push(now() - t);
    handRss = Math.max(handRss, process.memoryUsage().rss);
    sink += hr.outputs.npvEquity;
    const c = compare(er, hr, null, false);
    timedMismatches += c.mismatches.length;
    for (const m of c.mismatches) console.log(`  [timed run ${i}, start date ${inputs[START_DATE_REF]}] ${m.what}: sheetc ${fmtVal(m.sheetc)}, hand-written ${fmtVal(m.handwritten)}`);
  }
  if (!Number.isFinite(sink)) log('(non-finite checksum)');
  entry.verify.timedRunMismatches = timedMismatches;
  entry.ok = timedMismatches === 0;
  entry.sheetc = { minMs: round(Math.min(...sheetcMs)), medianMs: round(median(sheetcMs)), runsMs: sheetcMs.map((x) => round(x)) };
  entry.handwritten = { minMs: round(Math.min(...handMs), 4), medianMs: round(median(handMs), 4), runsMs: handMs.map((x) => round(x, 4)), bufferMb: round(model.bufferBytes / 2 ** 20, 1), setupMs: entry.handwrittenSetupMs };
  entry.ratio = { min: round(entry.sheetc.minMs / entry.handwritten.minMs, 1), median: round(entry.sheetc.medianMs / entry.handwritten.medianMs, 1) };
  entry.rssPeakMb = { afterSheetcRuns: mb(sheetcRss), afterHandwrittenRuns: mb(handRss), processMaxRss: Math.round(process.resourceUsage().maxRSS / 1024) };
  entry.loadavgAtEnd = os.loadavg().map((x) => round(x, 2));
  log(`${entry.size}: sheetc ${fmtMs(entry.sheetc.minMs)} / ${fmtMs(entry.sheetc.medianMs)} ms, hand-written ${fmtMs(entry.handwritten.minMs)} / ${fmtMs(entry.handwritten.medianMs)} ms (min / median): ${entry.ratio.min}× / ${entry.ratio.median}×`);
  return entry;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first');
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const startedAt = new Date();
  const loadavgAtStart = os.loadavg();
  log(`sizes ${a.sizes.join(', ')}; ${a.runs} timed runs after ${a.warmups} warm-ups; ${os.cpus().length} cpus; node ${process.version}; load ${loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  const results = [];
  for (const s of a.sizes) results.push(await benchSize(s, a));

  const out = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    node: process.version,
    machine: { platform: `${os.type()} ${os.release()} ${os.arch()}`, cpu: os.cpus()[0]?.model, cpuCount: os.cpus().length, totalMemMb: Math.round(os.totalmem() / 2 ** 20) },
    loadavgAtStart,
    loadavgAtEnd: os.loadavg(),
    options: a,
    generatorVersion: GENERATOR_VERSION,
    notes: [
      'sheetc: the compiled engine\'s full run(inputs) (with { full: true }: it recomputes the whole model); hand-written: createHandwrittenModel(...).run(inputs) in bench/handwritten.mjs, the same model in plain JavaScript with typed arrays, its buffers allocated once per model.',
      'Both sides get the same inputs (the start date Inputs!B2 changed on every run, as bench/measure.mjs), interleaved, gc() before each run; min and median of the timed runs after the warm-ups.',
      `Before timing, every output of OUTPUTS and every computed cell of Timeline, CashFlow and Debt and of three Revenue and Costs lines was compared with the engine for ${verificationSets().length} input sets (relative ${TOLERANCE}), and the outputs again after every timed run.`,
      'The workbook is compiled in a child process; rssPeakMb: this process\'s RSS sampled after each timed run (both sides share the process: the engine, its last result and the hand-written model\'s buffers are all resident), and its maxRSS (which includes generating the workbook and reading the line items for the hand-written model).',
    ],
    results,
  };
  writeFileSync(join(resultsDir, 'handwritten.json'), JSON.stringify(out, null, 2));

  const ms = (x) => (x === undefined ? '—' : `${fmtMs(x)} ms`);
  const rows = [
    ['size', 'formula cells', 'lines × months', 'sheetc run() min', 'sheetc median', 'hand-written min', 'hand-written median', 'ratio min/min', 'ratio median/median', 'RSS peak (timed runs)', 'check'],
    ...results.map((r) => [
      r.size,
      r.formulaCells.toLocaleString('en-US'),
      `${r.lines} × ${r.months}`,
      ms(r.sheetc?.minMs),
      ms(r.sheetc?.medianMs),
      ms(r.handwritten?.minMs),
      ms(r.handwritten?.medianMs),
      r.ratio ? `${r.ratio.min}×` : '—',
      r.ratio ? `${r.ratio.median}×` : '—',
      r.rssPeakMb ? `${Math.max(r.rssPeakMb.afterSheetcRuns, r.rssPeakMb.afterHandwrittenRuns)} MB` : '—',
      r.ok ? `match (max rel ${r.verify.maxRelDiff.toExponential(1)})` : 'MISMATCH',
    ]),
  ];
  console.log(`\nsheetc full run() vs hand-written JavaScript — node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}, load average ${loadavgAtStart.map((x) => x.toFixed(2)).join(' ')} → ${out.loadavgAtEnd.map((x) => x.toFixed(2)).join(' ')}, ${a.runs} runs after ${a.warmups} warm-ups\n`);
  console.log(rows.map((r, i) => `| ${r.join(' | ')} |${i === 0 ? `\n|${r.map((_, j) => (j < 3 ? ' --- |' : ' ---: |')).join('')}` : ''}`).join('\n'));
  console.log('\nwrote bench/results/handwritten.json');
  if (results.some((r) => !r.ok)) {
    console.error('\nthe hand-written model and the engine disagree: see the mismatches above');
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
