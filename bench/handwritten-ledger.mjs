#!/usr/bin/env node
/**
 * sheetc against hand-written JavaScript, HyperFormula and IronCalc on a second model
 * shape, the "ledger" of bench/generate-ledger.mjs (issue #18 item 1: "full run() on any
 * model shape within 5x of hand-written JavaScript ... report both, side by side with
 * HyperFormula and IronCalc, as ratios in one run"). bench/handwritten.mjs does the same
 * against hand-written code for the first model (the PE projection of bench/generate.mjs);
 * `--models ledger,pe` adds that model's rows to this table (see below).
 *
 * The hand-written model (`createLedgerModel`) is the ledger written the way a competent
 * developer would write it: the data (the Inputs constants, the price and account
 * tables, the transactions) read once from the generator's cells as one would load it;
 * at setup, every lookup that depends on text only is resolved once with Maps: the price
 * table row of each transaction (MATCH), its account's category (XLOOKUP, "Unknown" when
 * absent), its month end (EOMONTH of a constant date), and its Summary row and column
 * keys; then run(inputs) makes one pass over the transactions with typed arrays: price,
 * amount, running balance, the trailing 12 as a sliding sum, the flag, and every SUMIFS /
 * COUNTIFS of Summary accumulated per key (account x month, category x month) in the
 * same pass; then the Summary totals, the cash block month by month, the report. Its
 * buffers are allocated once per model and reused (a result is valid until the next run).
 * Inputs: any numeric constant of Inputs and Prices, and the quantities (Data!E), by
 * reference ({ 'Inputs!B3': 0.03, 'Prices!B17': 12.5, 'Data!E40': 7 }).
 *
 * Excel semantics it reproduces for the values that occur in this model:
 *   - iterative calculation as the workbook sets it (calcPr iterate, 100, 0.001): each
 *     month's circular pair (interest, closing) is swept in calculation order
 *     (Gauss-Seidel: interest, then closing) until no cell moves by 0.001 or more, at
 *     most 100 sweeps; the first sweep sees the closing balance blank, which AVERAGE
 *     ignores (interest on the opening balance alone), and always counts as a change;
 *   - Excel's + and -: a result equal to zero up to the 15th significant digit is 0
 *     (running balance, cash closing), as bench/handwritten.mjs;
 *   - MATCH / XLOOKUP exact and case-insensitive (first match), SUMIFS/COUNTIFS text
 *     criteria case-insensitive; a criterion built as ">="&B6 goes through text, so the
 *     threshold is compared at 15 significant digits; COUNTIFS by date range (">"&previous
 *     month end, "<="&month end) on whole-number dates is the same key as the month end
 *     of the date (checked at setup: every date is a whole number);
 *   - sums in row order with plain IEEE addition (SUM, SUMIFS), AVERAGE as sum / count.
 * It is not bit-for-bit the engine's arithmetic: the trailing window is a sliding sum
 * (add the new amount, drop the one 12 rows up), where the engine adds 12 cells; the
 * check allows 1e-9 relative.
 *
 * What the script does, per size:
 *   1. generates the workbook (bench/generate-ledger.mjs) into bench/.cache/ (with a
 *      .json of its stats beside it; reused unless --regenerate);
 *   2. compiles it with sheetc (dist/index.js compile(), verify: false, in a child
 *      process) into bench/.cache/engine-ledger-SIZE/ and imports engine.js;
 *   3. verifies before timing: for ten input sets (base; fee rate; interest, opening cash
 *      and costs; a high interest rate that needs more sweeps; the threshold at an
 *      awkward value; the first month one later and mid-month earlier, so that a month of
 *      data falls outside Summary; prices; quantities; all combined), every output and
 *      every computed cell of Summary, Cash and Report and of Data's formula columns
 *      (every row up to 20,000 rows, the first, middle and last 2,000 rows above) is
 *      compared with the engine's get(), relative 1e-9 (text exactly), and the engine's
 *      iteration count and convergence too. A mismatch is printed with both values, the
 *      size is neither timed nor run in the peers, and the script exits 1;
 *   4. times N runs (after 3 warm-ups) of the engine's full run(inputs) and of the
 *      hand-written run(inputs) with a changing fee rate (Inputs!B3: 0.02 + 0.001 x (1 +
 *      k mod 11)), interleaved, gc() before each; every timed run's outputs are compared
 *      again (outside the timing);
 *   5. runs the peers, each in its own child process (this script with --peer), fed the
 *      same cells from the generator (neither reads xlsx here), with the same fee rates
 *      (--peer-runs timed runs, by default --runs up to 10k and 3 above, after 3 warm-ups
 *      up to 10k and 1 above):
 *        HyperFormula  buildFromSheets (load, reported), then per run setCellContents of
 *                      the fee rate, timed (HyperFormula recalculates what depends on it);
 *        IronCalc      setUserInput of every cell (evaluation paused) and a first
 *                      evaluate() (load, reported), then per run setUserInput of the fee
 *                      rate and evaluate(), the evaluate() timed (it recomputes the whole
 *                      workbook);
 *      both without iterative calculation: the cash block is #CYCLE! / #CIRC! there, so
 *      only non-circular values are compared: every non-circular output after every
 *      timed run and, after the first, a sample of cells (Data's formula columns for 25
 *      rows, Summary cells of each block, Cash's receipts and costs), relative 1e-6 as
 *      bench/run.mjs (the peers' values are read as text with 10 decimals for IronCalc);
 *      the ratios: peer time / sheetc time, min / min and median / median.
 * Prints a markdown table and writes bench/results/handwritten-ledger.json (load average,
 * node version, date).
 *
 * With --models ledger,pe the first model (bench/generate.mjs, 120 months) gets its rows
 * too: its engine (bench/.cache/engine-pe-SIZE-side/) against createHandwrittenModel() of
 * bench/handwritten.mjs (outputs compared after every timed run: the full cell-by-cell
 * verification of that model is bench/handwritten.mjs's), and its HyperFormula and
 * IronCalc figures from bench/measure.mjs (start date changed, as there, --peer-runs
 * runs without warm-up; IronCalc is skipped above --pe-ironcalc-max: bench/run.mjs
 * measured about 2 min per evaluate() at 100k on that model).
 *
 * Run (after `npm run build:ts`):
 *   node --expose-gc bench/handwritten-ledger.mjs --sizes 10k,100k [--runs 10]
 * Options:
 *   --sizes LIST         target formula cells (default 10k,100k)
 *   --runs N             timed runs of sheetc and hand-written (default 10, after 3 warm-ups)
 *   --months N           ledger months (default 12)
 *   --models LIST        ledger (default), pe, or both: ledger,pe
 *   --regenerate         ignore a cached workbook
 *   --perturb REL        scales the hand-written model's fee rate by 1 + REL: to see the
 *                        check fail (e.g. --perturb 1e-6 must report mismatches, exit 1;
 *                        the results file is not written)
 *   --skip-peers         sheetc and hand-written only
 *   --ironcalc-max SIZE  skip IronCalc above this size (default 100k)
 *   --peers-max SIZE     skip both peers above this size (default 100k)
 *   --peer-runs N        timed runs of each peer (default: --runs up to 10k, 3 above: one
 *                        recalculation of the 100k ledger took 15-23 s in each peer on a
 *                        shared 2-core machine)
 *   --pe-ironcalc-max SIZE  skip IronCalc on the pe model above this size (default 10k:
 *                        bench/run.mjs measured about 2 min per evaluate() at 100k)
 *   --timeout SEC        per peer process (default 900)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  CASH,
  FEE_RATE,
  FEE_RATE_REF,
  FIRST_DATA_ROW,
  FIRST_MONTH_COL,
  GENERATOR_VERSION,
  OUTPUTS,
  SHEETS,
  START_DATE,
  UNKNOWN,
  WINDOW,
  cachePath,
  colName,
  parseSize,
  plan,
  sheetRows,
  sizeLabel,
  summaryLayout,
  writeWorkbook,
} from './generate-ledger.mjs';
import { SERIAL_1970, daysFromCivil, yearMonthFromDays } from './lib/dates.mjs';
import { compileInChild } from './lib/compile-child.mjs';

// ---------------------------------------------------------------------------------
// The hand-written model

/** Iterative calculation as generate-ledger.mjs writes it in calcPr (checked against the engine's spec). */
export const ITERATE_COUNT = 100;
export const ITERATE_DELTA = 0.001;

/** EOMONTH(serial, k) for serials after 1900-03-01. */
function eomonth(serial, k) {
  const [y, m] = yearMonthFromDays(Math.floor(serial) - SERIAL_1970);
  const n = y * 12 + (m - 1) + k + 1; // the month after the target, 0-based from year 0
  return daysFromCivil(Math.floor(n / 12), (n % 12) + 1, 1) - 1 + SERIAL_1970;
}

/** Excel's + : a result equal to zero up to the 15th significant digit is 0. */
function add(x, y) {
  const r = x + y;
  return r !== 0 && Math.abs(r) < Math.max(Math.abs(x), Math.abs(y)) * 1e-15 ? 0 : r;
}
/** Excel's - (the same snap). */
function sub(x, y) {
  const r = x - y;
  return r !== 0 && Math.abs(r) < Math.max(Math.abs(x), Math.abs(y)) * 1e-15 ? 0 : r;
}

const lower = (v) => String(v).toLowerCase();

/**
 * The ledger model for the plan `p` (rows, months, accounts of generate-ledger.mjs's
 * plan()). Its data is read once from the generator's cells; run() does the rest.
 */
export function createLedgerModel(p, { perturb = 0 } = {}) {
  const N = p.rows;
  const M = p.months;
  const S = summaryLayout(p.accounts);

  // Inputs: numeric constants of column B, by address.
  const slotOf = new Map();
  const baseInputs = [];
  for (const [row, cells] of sheetRows(p, 'Inputs')) {
    for (const c of cells) {
      if (typeof c.v === 'number') {
        slotOf.set(`${colName(c.c)}${row}`, baseInputs.length);
        baseInputs.push(c.v);
      }
    }
  }
  const slot = (a1) => {
    const s = slotOf.get(a1);
    if (s === undefined) throw new Error(`Inputs!${a1} is not a numeric input`);
    return s;
  };
  const S_RATE = slot('B2');
  const S_FEE = slot('B3');
  const S_OPENING = slot('B4');
  const S_FIRST_MONTH = slot('B5');
  const S_THRESHOLD = slot('B6');
  const S_COST_PER = slot('B7');
  const S_FIXED = slot('B8');

  // Prices: code -> table row (first match, case-insensitive); prices by table row.
  const priceRow = new Map();
  const basePrices = [];
  for (const [row, cells] of sheetRows(p, 'Prices')) {
    if (row < 2) continue;
    const j = row - 2;
    const code = cells.find((c) => c.c === 1)?.v;
    const price = cells.find((c) => c.c === 2)?.v;
    if (j !== basePrices.length) throw new Error(`Prices row ${row}: rows must be contiguous`);
    basePrices.push(typeof price === 'number' ? price : 0);
    if (code !== undefined && !priceRow.has(lower(code))) priceRow.set(lower(code), j);
  }
  const priceCount = basePrices.length;

  // Accounts: code -> { region, category } (first match, case-insensitive).
  const accounts = new Map();
  for (const [row, cells] of sheetRows(p, 'Accounts')) {
    if (row < 2) continue;
    const get = (col) => cells.find((c) => c.c === col)?.v;
    const code = lower(get(1));
    if (!accounts.has(code)) accounts.set(code, { region: get(2), category: get(3) });
  }

  // Summary's keys: the account of each row of the sales and count blocks, the category
  // of each row of the category block (SUMIFS criteria, case-insensitive).
  const labelOf = new Map();
  for (const [row, cells] of sheetRows(p, 'Summary')) {
    const a = cells.find((c) => c.c === 1);
    if (a && a.v !== undefined) labelOf.set(row, a.v);
  }
  const keyRows = (first, count) => {
    const m = new Map();
    const labels = [];
    for (let k = 0; k < count; k++) {
      const label = labelOf.get(first + k);
      labels.push(label);
      if (m.has(lower(label))) throw new Error(`Summary row ${first + k}: "${label}" is listed twice (not supported)`);
      m.set(lower(label), k);
    }
    return { m, labels };
  };
  const salesKeys = keyRows(S.salesRow, p.accounts);
  const countKeys = keyRows(S.countRow, p.accounts);
  const categoryKeys = keyRows(S.categoryRow, S.categories.length);
  const unknownIndex = S.unknownRow - S.categoryRow;
  // XLOOKUP of each Summary account's region.
  const summaryRegion = salesKeys.labels.map((code) => accounts.get(lower(code))?.region ?? UNKNOWN);

  // Transactions: constants read once; every text lookup resolved once.
  const baseQty = new Float64Array(N);
  const priceIdx = new Int32Array(N); // Prices row of MATCH(product)
  const internal = new Uint8Array(N); // category = "Internal"
  const categoryOf = new Array(N); // XLOOKUP result (Data!G)
  const salesKey = new Int32Array(N); // Summary sales row index of the account, -1: none
  const countKey = new Int32Array(N);
  const categoryKey = new Int32Array(N); // Summary category row index, -1: none
  const monthEnd = new Float64Array(N); // EOMONTH(date, 0) (Data!I)
  const monthId = new Int32Array(N); // index into distinctMonths
  const distinctMonths = [];
  const monthIdOf = new Map();
  let i = 0;
  for (const [row, cells] of sheetRows(p, 'Data')) {
    if (row < FIRST_DATA_ROW) continue;
    if (row !== FIRST_DATA_ROW + i) throw new Error(`Data row ${row}: rows must be contiguous`);
    const get = (col) => cells.find((c) => c.c === col)?.v;
    const date = get(2);
    const account = get(3);
    const product = get(4);
    baseQty[i] = get(5);
    if (!Number.isInteger(date)) throw new Error(`Data!B${row}: a whole-number date is assumed (COUNTIFS by month end)`);
    const k = priceRow.get(lower(product));
    if (k === undefined) throw new Error(`Data!D${row}: product "${product}" is not in Prices (MATCH's #N/A is not modelled)`);
    priceIdx[i] = k;
    const category = accounts.get(lower(account))?.category ?? UNKNOWN;
    categoryOf[i] = category;
    internal[i] = lower(category) === 'internal' ? 1 : 0;
    salesKey[i] = salesKeys.m.get(lower(account)) ?? -1;
    countKey[i] = countKeys.m.get(lower(account)) ?? -1;
    categoryKey[i] = categoryKeys.m.get(lower(category)) ?? -1;
    const me = eomonth(date, 0);
    monthEnd[i] = me;
    let id = monthIdOf.get(me);
    if (id === undefined) {
      id = distinctMonths.length;
      monthIdOf.set(me, id);
      distinctMonths.push(me);
    }
    monthId[i] = id;
    i++;
  }
  if (i !== N) throw new Error(`read ${i} transactions, expected ${N}`);

  // Buffers, reused by every run.
  const inp = new Float64Array(baseInputs.length);
  const prices = new Float64Array(priceCount);
  const qty = Float64Array.from(baseQty);
  const touchedQty = [];
  const colOfMonth = new Int32Array(distinctMonths.length);
  const amount = new Float64Array(N);
  const balance = new Float64Array(N);
  const trailing = new Float64Array(N);
  const flag = new Uint8Array(N);
  const A = p.accounts;
  const C = S.categories.length;
  const summary = {
    monthEnd: new Float64Array(M),
    prevMonthEnd: new Float64Array(M),
    region: summaryRegion,
    sales: new Float64Array(A * M), // account-major
    salesTotal: new Float64Array(M),
    counts: new Float64Array(A * M),
    countTotal: new Float64Array(M),
    categorySales: new Float64Array(C * M),
  };
  const cash = {
    opening: new Float64Array(M),
    receipts: new Float64Array(M),
    costs: new Float64Array(M),
    interest: new Float64Array(M),
    closing: new Float64Array(M),
  };
  const inputRef = /^(Inputs|Prices|Data)!\$?([A-Z]+)\$?(\d+)$/;

  function setInput(ref, v) {
    const m = inputRef.exec(ref);
    if (!m || typeof v !== 'number') throw new Error(`unsupported input ${ref}=${v}`);
    const [, sheet, col, rowText] = m;
    const row = Number(rowText);
    if (sheet === 'Inputs') inp[slot(col + row)] = v;
    else if (sheet === 'Prices' && col === 'B' && row >= 2 && row < 2 + priceCount) prices[row - 2] = v;
    else if (sheet === 'Data' && col === 'E' && row >= FIRST_DATA_ROW && row < FIRST_DATA_ROW + N) {
      qty[row - FIRST_DATA_ROW] = v;
      touchedQty.push(row - FIRST_DATA_ROW);
    } else throw new Error(`unsupported input ${ref}`);
  }

  function run(inputs = {}) {
    inp.set(baseInputs);
    prices.set(basePrices);
    for (const j of touchedQty) qty[j] = baseQty[j];
    touchedQty.length = 0;
    for (const ref in inputs) setInput(ref, inputs[ref]);
    const fee = inp[S_FEE] * (1 + perturb);
    const external = 1 + fee;
    const threshold = inp[S_THRESHOLD];
    const criterionThreshold = Number(threshold.toPrecision(15)); // ">="&B6 goes through text

    // Summary's month columns: month ends from the first month; each data month's column.
    for (let t = 0; t < M; t++) {
      summary.monthEnd[t] = eomonth(inp[S_FIRST_MONTH], t);
      summary.prevMonthEnd[t] = eomonth(summary.monthEnd[t], -1);
    }
    for (let id = 0; id < distinctMonths.length; id++) {
      const me = distinctMonths[id];
      let col = -1;
      for (let t = 0; t < M; t++) {
        if (summary.monthEnd[t] === me) {
          col = t;
          break;
        }
      }
      colOfMonth[id] = col;
    }

    // One pass over the transactions: row formulas and every SUMIFS / COUNTIFS.
    const sales = summary.sales;
    const counts = summary.counts;
    const categorySales = summary.categorySales;
    sales.fill(0);
    counts.fill(0);
    categorySales.fill(0);
    let bal = 0;
    let win = 0;
    let totalSales = 0;
    let maxTrailing = -Infinity;
    let largeFlags = 0;
    let largeCounted = 0;
    for (let j = 0; j < N; j++) {
      const a = qty[j] * prices[priceIdx[j]] * (internal[j] ? 1 : external);
      amount[j] = a;
      bal = j === 0 ? a : add(bal, a);
      balance[j] = bal;
      win += a;
      if (j >= WINDOW) win -= amount[j - WINDOW];
      trailing[j] = win;
      if (win > maxTrailing) maxTrailing = win;
      const f = a >= threshold ? 1 : 0;
      flag[j] = f;
      largeFlags += f;
      if (a >= criterionThreshold) largeCounted++;
      totalSales += a;
      const t = colOfMonth[monthId[j]];
      if (t >= 0) {
        const s = salesKey[j];
        if (s >= 0) sales[s * M + t] += a;
        const c = countKey[j];
        if (c >= 0) counts[c * M + t]++;
        const g = categoryKey[j];
        if (g >= 0) categorySales[g * M + t] += a;
      }
    }

    // Summary totals (SUM down each month column, in row order).
    for (let t = 0; t < M; t++) {
      let s = 0;
      let c = 0;
      for (let k = 0; k < A; k++) {
        s += sales[k * M + t];
        c += counts[k * M + t];
      }
      summary.salesTotal[t] = s;
      summary.countTotal[t] = c;
    }

    // Cash, month by month; interest and closing iterate like Excel.
    const rate = inp[S_RATE];
    const costPer = inp[S_COST_PER];
    const fixed = inp[S_FIXED];
    let opening = inp[S_OPENING];
    let iterations = 0;
    let converged = true;
    let totalInterest = 0;
    let lowestCash = Infinity;
    for (let t = 0; t < M; t++) {
      const receipts = summary.salesTotal[t];
      const costs = summary.countTotal[t] * costPer + fixed;
      const base = sub(add(opening, receipts), costs);
      // Sweep 1: AVERAGE(opening, blank closing) is the opening balance.
      let interest = (opening * rate) / 12;
      let closing = add(base, interest);
      let it = 1;
      for (;;) {
        if (it === ITERATE_COUNT) {
          converged = false;
          break;
        }
        it++;
        const i1 = (((opening + closing) / 2) * rate) / 12;
        const c1 = add(base, i1);
        const change = Math.max(Math.abs(i1 - interest), Math.abs(c1 - closing));
        interest = i1;
        closing = c1;
        if (change < ITERATE_DELTA) break;
      }
      if (it > iterations) iterations = it;
      cash.opening[t] = opening;
      cash.receipts[t] = receipts;
      cash.costs[t] = costs;
      cash.interest[t] = interest;
      cash.closing[t] = closing;
      totalInterest += interest;
      if (closing < lowestCash) lowestCash = closing;
      opening = closing;
    }

    let accountSales = 0;
    let transactions = 0;
    let unknownSales = 0;
    for (let t = 0; t < M; t++) {
      accountSales += summary.salesTotal[t];
      transactions += summary.countTotal[t];
      unknownSales += categorySales[unknownIndex * M + t];
    }
    return {
      outputs: {
        totalSales,
        finalBalance: balance[N - 1],
        maxTrailing,
        largeFlags,
        largeCounted,
        accountSales,
        transactions,
        unknownSales,
        closingCash: cash.closing[M - 1],
        totalInterest,
        lowestCash,
      },
      iterations,
      converged,
      data: { prices, priceIdx, categoryOf, amount, monthEnd, balance, trailing, flag },
      summary,
      cash,
    };
  }

  return { rows: N, months: M, run, bufferBytes: N * (8 * 4 + 1) + (2 * A + C + 4) * M * 8 + 5 * M * 8 };
}

// ---------------------------------------------------------------------------------
// The bench: generate, compile, verify, time, peers

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const cacheDir = join(here, '.cache');
const resultsDir = join(here, 'results');
const TOLERANCE = 1e-9;
const PEER_TOLERANCE = 1e-6;

/** The fee rates of the timed runs (never the base rate, never two equal in a row). */
const feeRate = (k) => Math.round((FEE_RATE + 0.001 * (1 + (k % 11))) * 1e6) / 1e6;
/** The fee rates of the warm-ups: half-way between those of the timed runs. */
const warmupFeeRate = (k) => Math.round((FEE_RATE + 0.0005 + 0.001 * (k % 11)) * 1e6) / 1e6;

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
const round = (x, d = 3) => (x === null || x === undefined ? x : Math.round(x * 10 ** d) / 10 ** d);
const mb = (bytes) => Math.round(bytes / 2 ** 20);
const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const relDiff = (a, b) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));
const fmtVal = (v) => (typeof v === 'number' ? v.toPrecision(17) : JSON.stringify(v));
const log = (...xs) => console.error('[ledger]', ...xs);

function parseArgs(argv) {
  const a = {
    sizes: ['10k', '100k'],
    runs: 10,
    warmups: 3,
    months: 12,
    models: ['ledger'],
    regenerate: false,
    perturb: 0,
    skipPeers: false,
    ironcalcMax: 100000,
    peersMax: 100000,
    peerRuns: null,
    peIroncalcMax: 10000,
    timeout: 900,
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--sizes') a.sizes = argv[++i].split(',').filter(Boolean);
    else if (x === '--runs') a.runs = Math.max(1, Number(argv[++i]));
    else if (x === '--months') a.months = Number(argv[++i]);
    else if (x === '--models') a.models = argv[++i].split(',').filter(Boolean);
    else if (x === '--regenerate') a.regenerate = true;
    else if (x === '--perturb') a.perturb = Number(argv[++i]);
    else if (x === '--skip-peers') a.skipPeers = true;
    else if (x === '--ironcalc-max') a.ironcalcMax = parseSize(argv[++i]);
    else if (x === '--peers-max') a.peersMax = parseSize(argv[++i]);
    else if (x === '--peer-runs') a.peerRuns = Math.max(1, Number(argv[++i]));
    else if (x === '--pe-ironcalc-max') a.peIroncalcMax = parseSize(argv[++i]);
    else if (x === '--timeout') a.timeout = Number(argv[++i]);
    else if (x === '-h' || x === '--help') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${x} (see --help)`);
  }
  for (const m of a.models) if (m !== 'ledger' && m !== 'pe') throw new Error(`unknown model ${m} (ledger, pe)`);
  if (!Number.isFinite(a.perturb)) throw new Error('--perturb wants a number');
  return a;
}

/** The cached workbook with its stats beside it, generated in-process when missing. */
function ensureWorkbook(file, write, regenerate) {
  const metaFile = `${file}.json`;
  if (!regenerate && existsSync(file) && existsSync(metaFile)) return { file, cached: true };
  log(`generating ${file}`);
  const t0 = now();
  const stats = write(file);
  const ms = Math.round(now() - t0);
  writeFileSync(metaFile, JSON.stringify({ ...stats, ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), peakRssMb: null }));
  return { file, cached: false, ms };
}

/** Data rows whose cells are compared: all up to 20,000, else the first, middle and last 2,000. */
function checkedDataRows(n) {
  if (n <= 20000) return Array.from({ length: n }, (_, j) => j);
  const out = [];
  const band = (from, count) => {
    for (let j = from; j < from + count; j++) out.push(j);
  };
  band(0, 2000);
  band((n >> 1) - 1000, 2000);
  band(n - 2000, 2000);
  return out;
}

/** The cells compared besides the outputs: [ref, read from the hand-written result]. */
function checkedCells(p, dataRows) {
  const cells = [];
  const S = summaryLayout(p.accounts);
  const M = p.months;
  for (const j of dataRows) {
    const r = FIRST_DATA_ROW + j;
    cells.push([`Data!F${r}`, (h) => h.data.prices[h.data.priceIdx[j]]]);
    cells.push([`Data!G${r}`, (h) => h.data.categoryOf[j]]);
    cells.push([`Data!H${r}`, (h) => h.data.amount[j]]);
    cells.push([`Data!I${r}`, (h) => h.data.monthEnd[j]]);
    cells.push([`Data!J${r}`, (h) => h.data.balance[j]]);
    cells.push([`Data!K${r}`, (h) => h.data.trailing[j]]);
    cells.push([`Data!L${r}`, (h) => h.data.flag[j]]);
  }
  for (let k = 0; k < p.accounts; k++) cells.push([`Summary!B${S.salesRow + k}`, (h) => h.summary.region[k]]);
  for (let t = 0; t < M; t++) {
    const c = colName(FIRST_MONTH_COL + t);
    cells.push([`Summary!${c}2`, (h) => h.summary.monthEnd[t]]);
    cells.push([`Summary!${c}3`, (h) => h.summary.prevMonthEnd[t]]);
    for (let k = 0; k < p.accounts; k++) {
      cells.push([`Summary!${c}${S.salesRow + k}`, (h) => h.summary.sales[k * M + t]]);
      cells.push([`Summary!${c}${S.countRow + k}`, (h) => h.summary.counts[k * M + t]]);
    }
    cells.push([`Summary!${c}${S.salesTotalRow}`, (h) => h.summary.salesTotal[t]]);
    cells.push([`Summary!${c}${S.countTotalRow}`, (h) => h.summary.countTotal[t]]);
    for (let k = 0; k < S.categories.length; k++) cells.push([`Summary!${c}${S.categoryRow + k}`, (h) => h.summary.categorySales[k * M + t]]);
    cells.push([`Cash!${c}${CASH.monthEnd}`, (h) => h.summary.monthEnd[t]]);
    for (const k of ['opening', 'receipts', 'costs', 'interest', 'closing']) cells.push([`Cash!${c}${CASH[k]}`, (h) => h.cash[k][t]]);
  }
  return cells;
}

function compareValue(what, a, b, tolerance, out) {
  let d;
  if (typeof a === 'number' && typeof b === 'number') d = relDiff(a, b);
  else d = a === b ? 0 : Infinity;
  if (!(d <= tolerance)) out.mismatches.push({ what, sheetc: a, other: b, relDiff: d });
  else if (d > out.maxRel) out.maxRel = d;
}

/** Compares one run of each; returns the mismatches and the largest relative difference. */
function compare(engineResult, hand, cells, calc) {
  const out = { mismatches: [], maxRel: 0 };
  for (const [k, o] of Object.entries(OUTPUTS)) compareValue(`${k} (${o.ref})`, engineResult.get(o.ref), hand.outputs[k], TOLERANCE, out);
  if (cells) for (const [ref, read] of cells) compareValue(ref, engineResult.get(ref), read(hand), TOLERANCE, out);
  if (calc) {
    if (engineResult.meta.converged !== hand.converged) out.mismatches.push({ what: 'converged', sheetc: engineResult.meta.converged, other: hand.converged });
    if (engineResult.meta.iterations !== hand.iterations) out.mismatches.push({ what: 'iterations (max per cluster)', sheetc: engineResult.meta.iterations, other: hand.iterations });
  }
  return out;
}

/** The verification input sets. */
function verificationSets(p) {
  const last = FIRST_DATA_ROW + p.rows - 1;
  const mid = FIRST_DATA_ROW + (p.rows >> 1);
  const cashSet = { 'Inputs!B2': 0.09, 'Inputs!B4': 0, 'Inputs!B7': 2.25 };
  const prices = { 'Prices!B2': 120, 'Prices!B50': 0.5, 'Prices!B201': 33.3 };
  const quantities = { 'Data!E2': 500, [`Data!E${mid}`]: -40, [`Data!E${last}`]: 1000, 'Data!E14': 0 };
  return [
    ['base', {}],
    ['fee rate', { [FEE_RATE_REF]: 0.035 }],
    ['interest, opening cash, cost per transaction', cashSet],
    ['interest 60% (more sweeps)', { 'Inputs!B2': 0.6 }],
    ['threshold 1234.5678', { 'Inputs!B6': 1234.5678 }],
    ['first month one later (the first data month falls out)', { 'Inputs!B5': START_DATE + 31 }],
    ['first month mid-month earlier (the last data month falls out)', { 'Inputs!B5': START_DATE - 20 }],
    ['prices', prices],
    ['quantities', quantities],
    ['all combined', { [FEE_RATE_REF]: 0.005, ...cashSet, 'Inputs!B6': 800, 'Inputs!B5': START_DATE + 59, ...prices, ...quantities }],
  ];
}

/** The peers' sample (after the first timed run): [ref, circular]. */
function peerSample(p) {
  const S = summaryLayout(p.accounts);
  const refs = [];
  const rows = new Set();
  for (let j = 0; j < 15; j++) rows.add(j);
  for (let j = 0; j < 5; j++) rows.add((p.rows >> 1) + j);
  for (let j = 0; j < 5; j++) rows.add(p.rows - 5 + j);
  for (const j of [...rows].filter((j) => j >= 0 && j < p.rows)) for (const c of 'FGHIJKL') refs.push(`Data!${c}${FIRST_DATA_ROW + j}`);
  const cols = [...new Set([0, p.months >> 1, p.months - 1])].map((t) => colName(FIRST_MONTH_COL + t));
  for (const c of cols) {
    refs.push(`Summary!${c}2`, `Summary!${c}3`, `Summary!${c}${S.salesRow}`, `Summary!${c}${S.salesRow + 17}`, `Summary!${c}${S.salesTotalRow}`);
    refs.push(`Summary!${c}${S.countRow + 3}`, `Summary!${c}${S.countTotalRow}`);
    for (let k = 0; k < S.categories.length; k++) refs.push(`Summary!${c}${S.categoryRow + k}`);
    refs.push(`Cash!${c}${CASH.receipts}`, `Cash!${c}${CASH.costs}`);
  }
  refs.push(`Summary!B${S.salesRow}`);
  return refs;
}

// ---------------------------------------------------------------------------------
// Peers (each in a child process: node --expose-gc bench/handwritten-ledger.mjs --peer NAME ARGS_JSON RESULT_FILE)

function parseRef(ref) {
  const m = /^(\w+)!\$?([A-Z]+)\$?(\d+)$/.exec(ref);
  let col = 0;
  for (const ch of m[2]) col = col * 26 + ch.charCodeAt(0) - 64;
  return { sheet: m[1], s: SHEETS.indexOf(m[1]), row: Number(m[3]), col };
}

function* allCells(p) {
  for (let s = 0; s < SHEETS.length; s++) {
    for (const [row, cells] of sheetRows(p, SHEETS[s])) {
      for (const c of cells) yield { s, row, col: c.c, f: c.f, v: c.v };
    }
  }
}

const peerScalar = (v) => {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v ?? null;
  if (typeof v === 'object' && 'value' in v) return { error: String(v.value) };
  return String(v);
};

const peers = {
  async hyperformula({ target, months, runs, warmups, sample }) {
    const { HyperFormula } = await import('hyperformula');
    const p = plan(target, months);
    const sheets = Object.fromEntries(SHEETS.map((s) => [s, []]));
    let n = 0;
    for (const c of allCells(p)) {
      const rows = sheets[SHEETS[c.s]];
      const r = (rows[c.row - 1] ??= []);
      r[c.col - 1] = c.f !== undefined ? `=${c.f}` : c.v;
      n++;
    }
    for (const s of SHEETS) {
      const rows = sheets[s];
      for (let i = 0; i < rows.length; i++) {
        const row = (rows[i] ??= []);
        for (let j = 0; j < row.length; j++) if (row[j] === undefined) row[j] = null;
      }
    }
    gc();
    const t0 = now();
    const hf = HyperFormula.buildFromSheets(sheets, { licenseKey: 'gpl-v3' });
    const loadMs = now() - t0;
    const addr = (ref) => {
      const a = parseRef(ref);
      return { sheet: hf.getSheetId(a.sheet), row: a.row - 1, col: a.col - 1 };
    };
    const read = (ref) => peerScalar(hf.getCellValue(addr(ref)));
    const outputs = () => Object.fromEntries(Object.entries(OUTPUTS).map(([k, o]) => [k, read(o.ref)]));
    const base = outputs();
    const input = addr(FEE_RATE_REF);
    for (let k = 0; k < warmups; k++) hf.setCellContents(input, warmupFeeRate(k));
    const ms = [];
    const perRun = [];
    let sampleValues = null;
    let changedCells = 0;
    for (let k = 0; k < runs; k++) {
      gc();
      const t = now();
      const changes = hf.setCellContents(input, feeRate(k));
      ms.push(now() - t);
      changedCells = changes.length;
      perRun.push(outputs());
      if (k === 0) sampleValues = sample.map(read);
    }
    return { cellsFed: n, loadMs, ms, base, perRun, sampleValues, changedCells, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
  },

  async ironcalc({ target, months, runs, warmups, sample }) {
    const wasmDir = join(root, 'node_modules', '@ironcalc', 'wasm');
    const { initSync, Model } = await import(pathToFileURL(join(wasmDir, 'wasm.js')).href);
    initSync({ module: readFileSync(join(wasmDir, 'wasm_bg.wasm')) });
    const p = plan(target, months);
    const t0 = now();
    const m = new Model('ledger', 'en', 'UTC', 'en');
    for (let s = 1; s < SHEETS.length; s++) m.newSheet();
    SHEETS.forEach((s, i) => m.renameSheet(i, s));
    m.pauseEvaluation();
    let n = 0;
    for (const c of allCells(p)) {
      m.setUserInput(c.s, c.row, c.col, c.f !== undefined ? `=${c.f}` : String(c.v));
      n++;
    }
    const feedMs = now() - t0;
    // Enough digits to compare (the default format rounds; EOMONTH gets a date format).
    const readRefs = [...new Set([...Object.values(OUTPUTS).map((o) => o.ref), ...sample])];
    for (const ref of readRefs) {
      const a = parseRef(ref);
      m.updateRangeStyle({ sheet: a.s, row: a.row, column: a.col, width: 1, height: 1 }, 'num_fmt', '0.0000000000');
    }
    gc();
    const t1 = now();
    m.evaluate();
    const firstEvalMs = now() - t1;
    const read = (ref) => {
      const a = parseRef(ref);
      const text = m.getFormattedCellValue(a.s, a.row, a.col);
      const x = Number(text);
      return Number.isFinite(x) && text.trim() !== '' ? x : text;
    };
    const outputs = () => Object.fromEntries(Object.entries(OUTPUTS).map(([k, o]) => [k, read(o.ref)]));
    const base = outputs();
    const input = parseRef(FEE_RATE_REF);
    for (let k = 0; k < warmups; k++) {
      m.setUserInput(input.s, input.row, input.col, String(warmupFeeRate(k)));
      m.evaluate();
    }
    const ms = [];
    const perRun = [];
    let sampleValues = null;
    for (let k = 0; k < runs; k++) {
      m.setUserInput(input.s, input.row, input.col, String(feeRate(k)));
      gc();
      const t = now();
      m.evaluate();
      ms.push(now() - t);
      perRun.push(outputs());
      if (k === 0) sampleValues = sample.map(read);
    }
    return { cellsFed: n, feedMs, firstEvalMs, loadMs: feedMs + firstEvalMs, ms, base, perRun, sampleValues, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
  },
};

/** Runs a peer in a child process; returns its result or { error }. */
function runPeer(name, args, a) {
  const file = join(cacheDir, `ledger-peer-${name}-${process.pid}-${Date.now()}.json`);
  const t0 = now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', fileURLToPath(import.meta.url), '--peer', name, JSON.stringify(args), file], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: a.timeout * 1000,
    killSignal: 'SIGKILL',
  });
  const wallMs = now() - t0;
  if (r.status !== 0 || !existsSync(file)) {
    rmSync(file, { force: true });
    return { error: r.error?.code === 'ETIMEDOUT' || r.signal ? `killed after ${a.timeout} s (${r.signal ?? r.error?.code})` : `exit ${r.status}`, wallMs };
  }
  const out = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  return { ...out, wallMs };
}

/** Runs bench/measure.mjs KIND (the first model's peers). */
function runMeasure(kind, args, a) {
  const file = join(cacheDir, `ledger-measure-${kind}-${process.pid}-${Date.now()}.json`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', join(here, 'measure.mjs'), kind, JSON.stringify(args), file], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: a.timeout * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.status !== 0 || !existsSync(file)) {
    rmSync(file, { force: true });
    return { error: r.signal ? `killed after ${a.timeout} s` : `exit ${r.status}` };
  }
  const out = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  return out;
}

/** Peer time / sheetc time. */
function ratios(peerMin, peerMedian, sheetc) {
  return { min: round(peerMin / sheetc.minMs, 1), median: round(peerMedian / sheetc.medianMs, 1) };
}

// ---------------------------------------------------------------------------------
// One size of the ledger

async function benchLedger(label, a) {
  const target = parseSize(label);
  const p = plan(target, a.months);
  const entry = { model: 'ledger', size: sizeLabel(target), target, rows: p.rows, months: p.months, accounts: p.accounts, formulaCells: p.formulaCells, loadavgAtStart: os.loadavg().map((x) => round(x, 2)) };
  const wb = ensureWorkbook(cachePath(cacheDir, target, { months: a.months }), (file) => writeWorkbook(file, p), a.regenerate);
  entry.workbook = { file: wb.file, cached: wb.cached };

  const outDir = join(cacheDir, `engine-ledger-${entry.size}${a.months === 12 ? '' : `-m${a.months}`}`);
  rmSync(outDir, { recursive: true, force: true });
  log(`${entry.size}: compiling (${p.formulaCells.toLocaleString('en-US')} formula cells, ${p.rows.toLocaleString('en-US')} rows)`);
  let t0 = now();
  compileInChild(wb.file, outDir);
  entry.buildMs = Math.round(now() - t0);
  const engine = await import(pathToFileURL(join(outDir, 'engine.js')).href);
  const calc = engine.spec.calc;
  if (!calc.iterate || calc.count !== ITERATE_COUNT || calc.delta !== ITERATE_DELTA) {
    throw new Error(`the workbook's iteration settings (${JSON.stringify(calc)}) are not the hand-written model's (count ${ITERATE_COUNT}, delta ${ITERATE_DELTA})`);
  }

  t0 = now();
  const model = createLedgerModel(p, { perturb: a.perturb });
  entry.handwrittenSetupMs = round(now() - t0, 1);

  // Verify before timing.
  log(`${entry.size}: verifying`);
  const dataRows = checkedDataRows(p.rows);
  const cells = checkedCells(p, dataRows);
  const sets = verificationSets(p);
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
    dataRowsCompared: dataRows.length,
    tolerance: TOLERANCE,
    maxRelDiff: maxRel,
    mismatches: mismatches.length,
  };
  if (mismatches.length) {
    console.log(`\n${entry.size}: ${mismatches.length} MISMATCHES between sheetc and the hand-written model (relative tolerance ${TOLERANCE}):`);
    for (const m of mismatches.slice(0, 40)) console.log(`  [${m.inputs}] ${m.what}: sheetc ${fmtVal(m.sheetc)}, hand-written ${fmtVal(m.other)}${m.relDiff !== undefined ? `, rel ${Number(m.relDiff).toExponential(2)}` : ''}`);
    if (mismatches.length > 40) console.log(`  ... and ${mismatches.length - 40} more`);
    entry.verify.sample = mismatches.slice(0, 40);
    entry.ok = false;
    return entry;
  }
  log(`${entry.size}: ${sets.length} input sets × ${entry.verify.valuesComparedPerSet.toLocaleString('en-US')} values match (max relative difference ${maxRel.toExponential(2)})`);

  // Time: warm-ups, then interleaved timed runs with the same inputs on both sides.
  for (let k = 0; k < a.warmups; k++) {
    const inputs = { [FEE_RATE_REF]: warmupFeeRate(k) };
    engine.run(inputs, { full: true });
    model.run(inputs);
  }
  const sheetcMs = [];
  const handMs = [];
  const sheetcOutputs = [];
  let sheetcRss = 0;
  let handRss = 0;
  let timedMismatches = 0;
  let sink = 0;
  for (let k = 0; k < a.runs; k++) {
    const inputs = { [FEE_RATE_REF]: feeRate(k) };
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
    sink += hr.outputs.closingCash;
    const c = compare(er, hr, null, false);
    timedMismatches += c.mismatches.length;
    for (const m of c.mismatches) console.log(`  [timed run ${k}, fee rate ${inputs[FEE_RATE_REF]}] ${m.what}: sheetc ${fmtVal(m.sheetc)}, hand-written ${fmtVal(m.other)}`);
    sheetcOutputs.push(Object.fromEntries(Object.entries(OUTPUTS).map(([key, o]) => [key, er.get(o.ref)])));
  }
  if (!Number.isFinite(sink)) log('(non-finite checksum)');
  entry.verify.timedRunMismatches = timedMismatches;
  entry.ok = timedMismatches === 0;
  entry.sheetc = { minMs: round(Math.min(...sheetcMs)), medianMs: round(median(sheetcMs)), runsMs: sheetcMs.map((x) => round(x)) };
  entry.handwritten = { minMs: round(Math.min(...handMs), 4), medianMs: round(median(handMs), 4), runsMs: handMs.map((x) => round(x, 4)), bufferMb: round(model.bufferBytes / 2 ** 20, 1), setupMs: entry.handwrittenSetupMs };
  entry.ratio = { min: round(entry.sheetc.minMs / entry.handwritten.minMs, 1), median: round(entry.sheetc.medianMs / entry.handwritten.medianMs, 1) };
  entry.rssPeakMb = { afterSheetcRuns: mb(sheetcRss), afterHandwrittenRuns: mb(handRss) };
  log(`${entry.size}: sheetc ${fmtMs(entry.sheetc.minMs)} / ${fmtMs(entry.sheetc.medianMs)} ms, hand-written ${fmtMs(entry.handwritten.minMs)} / ${fmtMs(entry.handwritten.medianMs)} ms (min / median): ${entry.ratio.min}× / ${entry.ratio.median}×`);

  // Peers.
  entry.peers = {};
  if (!a.skipPeers) {
    const sample = peerSample(p);
    const first = engine.run({ [FEE_RATE_REF]: feeRate(0) });
    const sampleSheetc = sample.map((ref) => first.get(ref));
    const base = engine.run();
    for (const name of ['hyperformula', 'ironcalc']) {
      if (target > a.peersMax || (name === 'ironcalc' && target > a.ironcalcMax)) {
        entry.peers[name] = { skipped: `above --${name === 'ironcalc' && target <= a.peersMax ? 'ironcalc' : 'peers'}-max` };
        continue;
      }
      const runs = a.peerRuns ?? (target > 10000 ? Math.min(3, a.runs) : a.runs);
      const warmups = target > 10000 ? 1 : a.warmups;
      log(`${entry.size}: ${name} (${runs} timed runs after ${warmups} warm-up${warmups === 1 ? '' : 's'})`);
      const r = runPeer(name, { target, months: a.months, runs, warmups, sample }, a);
      if (r.error) {
        log(`${entry.size}: ${name} failed: ${r.error}`);
        entry.peers[name] = { error: r.error };
        continue;
      }
      // Non-circular outputs (base and every timed run) and the sample against the engine.
      const cmp = { mismatches: [], maxRel: 0 };
      const circularErrors = {};
      const outputsCheck = (peerOut, engineOut, tag) => {
        for (const [k, o] of Object.entries(OUTPUTS)) {
          if (o.circular) {
            circularErrors[k] = peerOut[k];
            continue;
          }
          compareValue(`${tag} ${k} (${o.ref})`, engineOut[k], peerOut[k], PEER_TOLERANCE, cmp);
        }
      };
      outputsCheck(r.base, Object.fromEntries(Object.entries(OUTPUTS).map(([k, o]) => [k, base.get(o.ref)])), '[base]');
      r.perRun.forEach((out, k) => outputsCheck(out, sheetcOutputs[k], `[fee ${feeRate(k)}]`));
      sample.forEach((ref, j) => compareValue(`[fee ${feeRate(0)}] ${ref}`, sampleSheetc[j], r.sampleValues[j], PEER_TOLERANCE, cmp));
      const minMs = Math.min(...r.ms);
      const medianMs = median(r.ms);
      entry.peers[name] = {
        what: name === 'hyperformula' ? 'setCellContents(fee rate): recalculation of what depends on it' : 'evaluate() after setUserInput(fee rate): the whole workbook',
        loadMs: round(r.loadMs, 1),
        minMs: round(minMs),
        medianMs: round(medianMs),
        runsMs: r.ms.map((x) => round(x)),
        warmups,
        ratioToSheetc: ratios(minMs, medianMs, entry.sheetc),
        valuesCompared: r.perRun.length * Object.values(OUTPUTS).filter((o) => !o.circular).length + Object.values(OUTPUTS).filter((o) => !o.circular).length + sample.length,
        tolerance: PEER_TOLERANCE,
        maxRelDiff: cmp.maxRel,
        mismatches: cmp.mismatches.length,
        mismatchSample: cmp.mismatches.slice(0, 10),
        circularOutputs: circularErrors,
        changedCellsPerRecalc: r.changedCells,
        cellsFed: r.cellsFed,
        processMaxRssMb: r.maxRssMb,
      };
      if (cmp.mismatches.length) {
        console.log(`\n${entry.size}: ${name} differs from sheetc on ${cmp.mismatches.length} values (relative ${PEER_TOLERANCE}):`);
        for (const m of cmp.mismatches.slice(0, 10)) console.log(`  ${m.what}: sheetc ${fmtVal(m.sheetc)}, ${name} ${fmtVal(m.other)}`);
      }
      log(`${entry.size}: ${name} ${fmtMs(minMs)} / ${fmtMs(medianMs)} ms (min / median): ${entry.peers[name].ratioToSheetc.min}× / ${entry.peers[name].ratioToSheetc.median}× sheetc; ${cmp.mismatches.length} mismatches`);
    }
  }
  entry.loadavgAtEnd = os.loadavg().map((x) => round(x, 2));
  return entry;
}

// ---------------------------------------------------------------------------------
// One size of the first model (bench/generate.mjs), --models pe

async function benchPe(label, a) {
  const pe = await import('./generate.mjs');
  const { createHandwrittenModel } = await import('./handwritten.mjs');
  const months = 120;
  const target = parseSize(label);
  const p = pe.plan(target, months);
  const entry = { model: 'pe', size: pe.sizeLabel(target), target, lines: p.lines, months, formulaCells: p.formulaCells, loadavgAtStart: os.loadavg().map((x) => round(x, 2)) };
  const wb = ensureWorkbook(pe.cachePath(cacheDir, target, { months }), (file) => pe.writeWorkbook(file, p), a.regenerate);
  entry.workbook = { file: wb.file, cached: wb.cached };
  const outDir = join(cacheDir, `engine-pe-${entry.size}-side`);
  rmSync(outDir, { recursive: true, force: true });
  log(`pe ${entry.size}: compiling`);
  let t0 = now();
  compileInChild(wb.file, outDir);
  entry.buildMs = Math.round(now() - t0);
  const engine = await import(pathToFileURL(join(outDir, 'engine.js')).href);
  t0 = now();
  const model = createHandwrittenModel(p);
  entry.handwrittenSetupMs = round(now() - t0, 1);
  const startDate = (k) => pe.START_DATE + 31 * (1 + (k % 11));
  const check = (er, hr, tag, out) => {
    for (const [k, o] of Object.entries(pe.OUTPUTS)) {
      const x = er.get(o.ref);
      const y = hr.outputs[k];
      // NaN is the hand-written model's #NUM! (IRR without a sign change).
      if (Number.isNaN(y) && x?.code === '#NUM!') continue;
      compareValue(`${tag} ${k} (${o.ref})`, x, y, TOLERANCE, out);
    }
  };
  const cmp = { mismatches: [], maxRel: 0 };
  check(engine.run(), model.run(), '[base]', cmp);
  for (let k = 0; k < a.warmups; k++) {
    const inputs = { [pe.START_DATE_REF]: startDate(k + 3) };
    engine.run(inputs, { full: true });
    model.run(inputs);
  }
  const sheetcMs = [];
  const handMs = [];
  for (let k = 0; k < a.runs; k++) {
    const inputs = { [pe.START_DATE_REF]: startDate(k) };
    gc();
    let t = now();
    const er = engine.run(inputs, { full: true });
    sheetcMs.push(now() - t);
    gc();
    t = now();
    const hr = model.run(inputs);
    handMs.push(now() - t);
    check(er, hr, `[start ${inputs[pe.START_DATE_REF]}]`, cmp);
  }
  entry.verify = { what: 'OUTPUTS after the base run and every timed run (the cell-by-cell check is bench/handwritten.mjs)', tolerance: TOLERANCE, maxRelDiff: cmp.maxRel, mismatches: cmp.mismatches.length, sample: cmp.mismatches.slice(0, 10) };
  for (const m of cmp.mismatches.slice(0, 10)) console.log(`  pe ${entry.size} ${m.what}: sheetc ${fmtVal(m.sheetc)}, hand-written ${fmtVal(m.other)}`);
  entry.ok = cmp.mismatches.length === 0;
  entry.sheetc = { minMs: round(Math.min(...sheetcMs)), medianMs: round(median(sheetcMs)), runsMs: sheetcMs.map((x) => round(x)) };
  entry.handwritten = { minMs: round(Math.min(...handMs), 4), medianMs: round(median(handMs), 4), runsMs: handMs.map((x) => round(x, 4)) };
  entry.ratio = { min: round(entry.sheetc.minMs / entry.handwritten.minMs, 1), median: round(entry.sheetc.medianMs / entry.handwritten.medianMs, 1) };
  log(`pe ${entry.size}: sheetc ${fmtMs(entry.sheetc.minMs)} / ${fmtMs(entry.sheetc.medianMs)} ms, hand-written ${fmtMs(entry.handwritten.minMs)} / ${fmtMs(entry.handwritten.medianMs)} ms`);

  entry.peers = {};
  if (!a.skipPeers && entry.ok) {
    const changed = engine.run({ [pe.START_DATE_REF]: startDate(0) }).get(pe.OUTPUTS.npvUnlevered.ref);
    const base = engine.run();
    for (const name of ['hyperformula', 'ironcalc']) {
      if (target > a.peersMax || (name === 'ironcalc' && target > Math.min(a.ironcalcMax, a.peIroncalcMax))) {
        entry.peers[name] = { skipped: `above --${target > a.peersMax ? 'peers' : 'pe-ironcalc'}-max` };
        continue;
      }
      const runs = a.peerRuns ?? (target > 10000 ? Math.min(3, a.runs) : a.runs);
      log(`pe ${entry.size}: ${name} (bench/measure.mjs, ${runs} timed runs)`);
      const r = runMeasure(name, { target, months, runs }, a);
      if (r.error) {
        entry.peers[name] = { error: r.error };
        continue;
      }
      const c = { mismatches: [], maxRel: 0 };
      for (const [k, o] of Object.entries(pe.OUTPUTS)) if (!o.circular) compareValue(`[base] ${k}`, base.get(o.ref), r.outputs[k], PEER_TOLERANCE, c);
      compareValue('[start date changed] npvUnlevered', changed, r.changed?.npvUnlevered, PEER_TOLERANCE, c);
      const runsMs = r.recalcRunsMs;
      const minMs = Math.min(...runsMs);
      const medianMs = median(runsMs);
      entry.peers[name] = {
        what: name === 'hyperformula' ? 'setCellContents(start date) (bench/measure.mjs)' : 'evaluate() after setUserInput(start date) (bench/measure.mjs)',
        loadMs: r.loadMs,
        minMs: round(minMs),
        medianMs: round(medianMs),
        runsMs,
        ratioToSheetc: ratios(minMs, medianMs, entry.sheetc),
        tolerance: PEER_TOLERANCE,
        maxRelDiff: c.maxRel,
        mismatches: c.mismatches.length,
        mismatchSample: c.mismatches.slice(0, 10),
        processMaxRssMb: r.maxRssMb,
      };
      log(`pe ${entry.size}: ${name} ${fmtMs(minMs)} / ${fmtMs(medianMs)} ms: ${entry.peers[name].ratioToSheetc.min}× / ${entry.peers[name].ratioToSheetc.median}× sheetc`);
    }
  }
  entry.loadavgAtEnd = os.loadavg().map((x) => round(x, 2));
  return entry;
}

// ---------------------------------------------------------------------------------

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first');
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const startedAt = new Date();
  const loadavgAtStart = os.loadavg();
  log(`models ${a.models.join(', ')}; sizes ${a.sizes.join(', ')}; ${a.runs} timed runs after ${a.warmups} warm-ups; ${os.cpus().length} cpus; node ${process.version}; load ${loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  const results = [];
  for (const s of a.sizes) {
    if (a.models.includes('ledger')) results.push(await benchLedger(s, a));
    if (a.models.includes('pe')) results.push(await benchPe(s, a));
  }

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
      "sheetc: the compiled engine's full run(inputs) (with { full: true }: it recomputes the whole model); hand-written: createLedgerModel(...).run(inputs) in bench/handwritten-ledger.mjs (createHandwrittenModel of bench/handwritten.mjs for the pe rows), its buffers allocated once per model.",
      'Ledger: both sides get the same inputs (the fee rate Inputs!B3 changed on every run), interleaved, gc() before each run; min and median of the timed runs after the warm-ups. pe: the start date Inputs!B2, as bench/handwritten.mjs.',
      `Ledger: before timing, every output and every computed cell of Summary, Cash and Report and of Data's formula columns (all rows up to 20,000, else 6,000 of them) was compared with the engine for ${verificationSets(plan(10000)).length} input sets (relative ${TOLERANCE}), with the iteration count and convergence, and the outputs again after every timed run.`,
      "Peers, each in its own child process, fed the same cells by the generator: HyperFormula's setCellContents(fee rate) (it recalculates only what depends on the fee: the lookups, EOMONTH and the date-range COUNTIFS do not), IronCalc's evaluate() after setUserInput(fee rate) (the whole workbook). Ratios are peer time / sheetc time (min / min, median / median): above 1, sheetc is faster.",
      `Neither peer has iterative calculation: the cash block and the outputs that depend on it are #CYCLE! / #CIRC! there (circularOutputs); every other output (after every timed run) and a sample of cells (after the first) are compared with sheetc (relative ${PEER_TOLERANCE}).`,
      "rssPeakMb: this process's RSS sampled after each timed run (the engine, its last result and the hand-written model's buffers are all resident); peers report their own process's maxRSS.",
    ],
    results,
  };
  // A perturbed run checks the check: it does not replace the results.
  const resultsFile = a.perturb ? null : join(resultsDir, 'handwritten-ledger.json');
  if (resultsFile) writeFileSync(resultsFile, JSON.stringify(out, null, 2));

  const ms = (x) => (x === undefined || x === null ? '—' : `${fmtMs(x)} ms`);
  const pair = (o) => (o?.minMs !== undefined ? `${ms(o.minMs)} / ${ms(o.medianMs)}` : '—');
  const peerCell = (r, name) => {
    const x = r.peers?.[name];
    if (!x) return ['—', '—'];
    if (x.skipped) return [`skipped (${x.skipped})`, '—'];
    if (x.error) return [`failed (${x.error})`, '—'];
    return [pair(x), `${x.ratioToSheetc.min}× / ${x.ratioToSheetc.median}×${x.mismatches ? ` (${x.mismatches} MISMATCHES)` : ''}`];
  };
  const rows = [
    ['model', 'size', 'formula cells', 'sheetc run() min / median', 'hand-written min / median', 'sheetc ÷ hand-written (min, median)', 'HyperFormula recalc min / median', 'HyperFormula ÷ sheetc', 'IronCalc evaluate() min / median', 'IronCalc ÷ sheetc', 'check'],
    ...results.map((r) => [
      r.model,
      r.size,
      r.formulaCells.toLocaleString('en-US'),
      pair(r.sheetc),
      pair(r.handwritten),
      r.ratio ? `${r.ratio.min}× / ${r.ratio.median}×` : '—',
      ...peerCell(r, 'hyperformula'),
      ...peerCell(r, 'ironcalc'),
      r.ok ? `match (max rel ${r.verify.maxRelDiff.toExponential(1)})` : 'MISMATCH',
    ]),
  ];
  console.log(`\nsheetc full run() vs hand-written JavaScript, HyperFormula and IronCalc — node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}, load average ${loadavgAtStart.map((x) => x.toFixed(2)).join(' ')} → ${out.loadavgAtEnd.map((x) => x.toFixed(2)).join(' ')}, ${a.runs} runs after ${a.warmups} warm-ups\n`);
  console.log(rows.map((r, i) => `| ${r.join(' | ')} |${i === 0 ? `\n|${r.map((_, j) => (j < 3 ? ' --- |' : ' ---: |')).join('')}` : ''}`).join('\n'));
  console.log(resultsFile ? '\nwrote bench/results/handwritten-ledger.json' : '\n(--perturb: results not written)');
  if (results.some((r) => !r.ok)) {
    console.error('\nthe hand-written model and the engine disagree: see the mismatches above');
    process.exit(1);
  }
}

async function peerMain(argv) {
  const [name, argJson, resultFile] = argv;
  const fn = peers[name];
  if (!fn) throw new Error(`unknown peer ${name}`);
  const result = await fn(JSON.parse(argJson));
  writeFileSync(resultFile, JSON.stringify(result));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  (argv[0] === '--peer' ? peerMain(argv.slice(1)) : main()).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
