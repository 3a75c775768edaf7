/**
 * Financial functions over irregular coupon periods (registered at import): ACCRINT,
 * ODDFPRICE, ODDFYIELD, ODDLPRICE, ODDLYIELD, and the French depreciation functions
 * AMORDEGRC and AMORLINC.
 *
 * The odd-period functions follow Excel's documented formulas, which split an odd
 * period into "quasi-coupon" periods: the regular periods the bond would have had,
 * found by stepping whole periods of 12/frequency months from an anchor coupon date
 * (first coupon, first interest or last interest date). When the anchor is the last day
 * of its month every quasi-coupon date is a month end.
 */
import { coerceAtp } from './atp.js';
import { toBool } from '../../coerce.js';
import { ymdFromSerial } from '../../dates.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, type Ctx, type Scalar } from '../../values.js';
import { dateArg, excelDaysInMonth, excelSerial, yearFrac } from '../date-time/serial.js';
import { isRootOf, rootAbove } from './roots.js';

// ---------------------------------------------------------------------------------
// Quasi-coupon schedule and day counts

/** A schedule of quasi-coupon dates: `at(k)` is the anchor shifted by k periods. */
class QuasiSchedule {
  private readonly y: number;
  private readonly m: number;
  private readonly d: number;
  private readonly eom: boolean;

  constructor(
    anchor: number,
    readonly months: number,
    private readonly d1904: boolean,
  ) {
    const a = ymdFromSerial(anchor, d1904);
    this.y = a.y;
    this.m = a.m;
    this.d = a.d;
    this.eom = a.d === excelDaysInMonth(a.y, a.m, d1904);
  }

  /** The quasi-coupon date k periods after the anchor (k < 0: before). */
  at(k: number): number {
    const total = this.y * 12 + (this.m - 1) + k * this.months;
    const y = Math.floor(total / 12);
    const m = total - y * 12 + 1;
    const dim = excelDaysInMonth(y, m, this.d1904);
    return excelSerial(y, m, this.eom ? dim : Math.min(this.d, dim), this.d1904);
  }

  /** Index k of the last quasi-coupon date on or before `serial`. */
  indexOnOrBefore(serial: number): number {
    const s = ymdFromSerial(serial, this.d1904);
    let k = Math.floor(((s.y - this.y) * 12 + (s.m - this.m)) / this.months);
    while (this.at(k) > serial) k--;
    while (this.at(k + 1) <= serial) k++;
    return k;
  }
}

/** 30/360 day count: US (NASD) rules as Excel applies them for basis 0, European for 4. */
function days360(from: number, to: number, us: boolean, d1904: boolean): number {
  const a = ymdFromSerial(from, d1904);
  const b = ymdFromSerial(to, d1904);
  let d1 = a.d;
  let d2 = b.d;
  if (us) {
    const lastFebA = a.m === 2 && a.d === excelDaysInMonth(a.y, 2, d1904);
    const lastFebB = b.m === 2 && b.d === excelDaysInMonth(b.y, 2, d1904);
    if (lastFebA && lastFebB) d2 = 30;
    if (d2 === 31 && d1 >= 30) d2 = 30;
    if (d1 === 31 || lastFebA) d1 = 30;
  } else {
    d1 = Math.min(d1, 30);
    d2 = Math.min(d2, 30);
  }
  return (b.y - a.y) * 360 + (b.m - a.m) * 30 + d2 - d1;
}

/** Days between two serials under a day-count basis (30/360 for 0 and 4, actual otherwise). */
function dayCount(basis: number, from: number, to: number, d1904: boolean): number {
  if (basis === 0) return days360(from, to, true, d1904);
  if (basis === 4) return days360(from, to, false, d1904);
  return to - from;
}

/** Normal length in days of the quasi-coupon period (pcd, ncd]. */
function periodLength(basis: number, freq: number, pcd: number, ncd: number): number {
  if (basis === 1) return ncd - pcd;
  if (basis === 3) return 365 / freq;
  return 360 / freq;
}

// ---------------------------------------------------------------------------------
// Argument handling

/** Coerces ATP numeric arguments (booleans are #VALUE!); undefined stays undefined. */
function atpNumbers(args: (Scalar | undefined)[]): (number | undefined)[] | ExcelError {
  const out: (number | undefined)[] = [];
  for (const a of args) {
    const n = coerceAtp(a);
    if (n instanceof ExcelError) return n;
    out.push(n);
  }
  return out;
}

/** Truncated frequency (1, 2 or 4) and basis (0..4), or #NUM!. */
function freqBasis(frequency: number, basis: number | undefined): [number, number] | ExcelError {
  const f = Math.trunc(frequency);
  const b = basis === undefined ? 0 : Math.trunc(basis);
  if (f !== 1 && f !== 2 && f !== 4) return ERR.NUM;
  if (b < 0 || b > 4) return ERR.NUM;
  return [f, b];
}

/** Whole serials of date arguments, or the first error. */
function dates(ctx: Ctx, ...serials: number[]): number[] | ExcelError {
  const out: number[] = [];
  for (const s of serials) {
    const d = dateArg(s, ctx);
    if (d instanceof ExcelError) return d;
    out.push(d);
  }
  return out;
}

function finite(x: number): number | ExcelError {
  return Number.isFinite(x) ? x : ERR.NUM;
}

// ---------------------------------------------------------------------------------
// ACCRINT

/**
 * Accrued interest in coupon periods, Σ Ai/NLi over the quasi-coupon periods anchored at
 * first_interest. Excel starts from the period before first_interest (or, with calc_method
 * TRUE and settlement after first_interest, the period holding settlement), counts the days
 * from its start (or issue) to settlement — negative when settlement is earlier — over the
 * length of the period ending at first_interest, and adds
 * each earlier period back to issue: a whole one counts 1 with calc_method TRUE and 0 with
 * FALSE, the one holding issue counts its days from issue (corpus: ACCRINT_extended).
 */
function accrIntPeriods(
  issue: number,
  firstInterest: number,
  settlement: number,
  freq: number,
  basis: number,
  calcMethod: boolean,
  d1904: boolean,
): number {
  const q = new QuasiSchedule(firstInterest, 12 / freq, d1904);
  // The last coupon date strictly before settlement (corpus: settlement on a coupon date).
  let k = settlement > firstInterest && calcMethod ? q.indexOnOrBefore(settlement - 1) : -1;
  const pcd = q.at(k);
  const start = Math.max(issue, pcd);
  // The first term is scaled by the period ending at first_interest, wherever pcd is.
  let total = dayCount(basis, start, settlement, d1904) / periodLength(basis, freq, q.at(-1), q.at(0));
  for (let end = pcd; end > issue; k--) {
    const begin = q.at(k - 1);
    if (issue <= begin) total += calcMethod ? 1 : 0;
    else total += dayCount(basis, issue, end, d1904) / periodLength(basis, freq, begin, end);
    end = begin;
  }
  return total;
}

defineFn('ACCRINT', ['scalar'], 6, 8, (ctx, ...args: Scalar[]) => {
  const nums = atpNumbers(args.slice(0, 7));
  if (nums instanceof ExcelError) return nums;
  let calc = true;
  if (args[7] !== undefined) {
    const c = toBool(args[7]);
    if (c instanceof ExcelError) return c;
    calc = c;
  }
  const [issue0, first0, settle0, rate, par, frequency, basis] = nums as number[];
  const d = dates(ctx, issue0!, first0!, settle0!);
  if (d instanceof ExcelError) return d;
  const [issue, first, settle] = d as [number, number, number];
  if (rate! <= 0 || par! <= 0) return ERR.NUM;
  const fb = freqBasis(frequency!, basis);
  if (fb instanceof ExcelError) return fb;
  const [f, b] = fb;
  if (issue >= settle) return ERR.NUM;
  const periods = accrIntPeriods(issue, first, settle, f, b, calc, ctx.book.date1904);
  return finite((par! * rate! * periods) / f);
});

// ---------------------------------------------------------------------------------
// Odd first period: ODDFPRICE, ODDFYIELD

interface OddFirst {
  settle: number;
  maturity: number;
  issue: number;
  first: number;
  rate: number;
  redemption: number;
  freq: number;
  basis: number;
  d1904: boolean;
}

/** Coupons payable after `from` up to `to`, on the schedule anchored at `to`. */
function coupNum(from: number, to: number, months: number, d1904: boolean): number {
  return -new QuasiSchedule(to, months, d1904).indexOnOrBefore(from);
}

/**
 * ODDFPRICE by Excel's documented formulas. A short first period (issue less than one
 * period before the first coupon) discounts the odd coupon DFC/E; a long one sums
 * DCi/NLi and Ai/NLi over the quasi-coupon periods between issue and the first coupon
 * and discounts from the first coupon over Nq whole quasi-coupon periods.
 */
function oddFPrice(o: OddFirst, yld: number): number {
  const { settle, maturity, issue, first, rate, redemption, freq, basis, d1904 } = o;
  const months = 12 / freq;
  const q = new QuasiSchedule(first, months, d1904);
  const ks = q.indexOnOrBefore(settle);
  const e = periodLength(basis, freq, q.at(ks), q.at(ks + 1));
  const coupon = (100 * rate) / freq;
  const base = 1 + yld / freq;
  const dfc = dayCount(basis, issue, first, d1904);
  if (dfc < e) {
    const n = coupNum(settle, maturity, months, d1904);
    const dsc = dayCount(basis, settle, first, d1904);
    const a = dayCount(basis, issue, settle, d1904);
    const t = dsc / e;
    let p = redemption / Math.pow(base, n - 1 + t) + (coupon * dfc) / e / Math.pow(base, t);
    for (let k = 2; k <= n; k++) p += coupon / Math.pow(base, k - 1 + t);
    return p - (coupon * a) / e;
  }
  // Long first period: quasi-coupon periods (q.at(k-1), q.at(k)] for k = 0, -1, ... back to issue.
  let dcnl = 0;
  let anl = 0;
  for (let k = 0; q.at(k) > issue; k--) {
    const late = q.at(k);
    const early = q.at(k - 1);
    const nl = basis === 1 ? late - early : e;
    // Actual/360 counts the days of each quasi-coupon period on 30/360 (corpus: PRICE_YIELD).
    const from = Math.max(issue, early);
    const dc = basis === 2 ? days360(from, late, true, d1904) : dayCount(basis, from, late, d1904);
    const accrued = Math.max(0, dayCount(basis, from, Math.min(settle, late), d1904));
    dcnl += dc / nl;
    anl += accrued / nl;
  }
  const dsc =
    basis === 2 || basis === 3
      ? dayCount(basis, settle, q.at(ks + 1), d1904)
      : e - dayCount(basis, q.at(ks), settle, d1904);
  const nq = -(ks + 1); // whole quasi-coupon periods between settlement's next date and the first coupon
  const n = coupNum(first, maturity, months, d1904);
  const t = dsc / e + nq;
  let p = redemption / Math.pow(base, t + n) + (coupon * dcnl) / Math.pow(base, t);
  for (let k = 1; k <= n; k++) p += coupon / Math.pow(base, k + t);
  return p - coupon * anl;
}

/** Validated ODDF* arguments (rate and the price/yield argument checked by the caller). */
function oddFirstArgs(ctx: Ctx, args: Scalar[]): { o: OddFirst; x: number } | ExcelError {
  const nums = atpNumbers(args);
  if (nums instanceof ExcelError) return nums;
  const [s0, m0, i0, f0, rate, x, redemption, frequency, basis] = nums as number[];
  const d = dates(ctx, s0!, m0!, i0!, f0!);
  if (d instanceof ExcelError) return d;
  const [settle, maturity, issue, first] = d as [number, number, number, number];
  const fb = freqBasis(frequency!, basis);
  if (fb instanceof ExcelError) return fb;
  if (rate! < 0 || redemption! <= 0) return ERR.NUM;
  if (!(maturity > first && first > settle && settle > issue)) return ERR.NUM;
  return {
    o: { settle, maturity, issue, first, rate: rate!, redemption: redemption!, freq: fb[0], basis: fb[1], d1904: ctx.book.date1904 },
    x: x!,
  };
}

defineFn('ODDFPRICE', ['scalar'], 8, 9, (ctx, ...args: Scalar[]) => {
  const a = oddFirstArgs(ctx, args);
  if (a instanceof ExcelError) return a;
  if (a.x < 0) return ERR.NUM;
  return finite(oddFPrice(a.o, a.x));
});

defineFn('ODDFYIELD', ['scalar'], 8, 9, (ctx, ...args: Scalar[]) => {
  const a = oddFirstArgs(ctx, args);
  if (a instanceof ExcelError) return a;
  if (a.x <= 0) return ERR.NUM;
  const eq = (yld: number): number => oddFPrice(a.o, yld) - a.x;
  const y = solveYield(eq, a.o.rate);
  if (y !== null && isRootOf(eq, y, a.x)) return y;
  // Newton failed or stopped on a non-root: bracket the root above -frequency, then Brent.
  const root = rootAbove((yld) => (yld > -a.o.freq ? eq(yld) : NaN), a.o.rate > 0 ? a.o.rate : 0.1, -a.o.freq);
  return root !== null && isRootOf(eq, root, a.x) ? root : ERR.NUM;
});

/** Newton's method on price(yield) - target with a numeric derivative; null if it fails. */
function solveYield(fn: (y: number) => number, guess: number): number | null {
  let y = guess > 0 ? guess : 0.1;
  for (let i = 0; i < 100; i++) {
    const f = fn(y);
    const h = 1e-7 * Math.max(1, Math.abs(y));
    const df = (fn(y + h) - f) / h;
    if (!Number.isFinite(f) || !Number.isFinite(df) || df === 0) return null;
    const step = f / df;
    y -= step;
    if (Math.abs(step) < 1e-13 * Math.max(1, Math.abs(y))) return y;
  }
  return null;
}

// ---------------------------------------------------------------------------------
// Odd last period: ODDLPRICE, ODDLYIELD

/**
 * Sums over the quasi-coupon periods of the odd last period, counted forward from the
 * last interest date: DCi/NLi (days counted up to maturity), Ai/NLi (accrued up to
 * settlement) and DSCi/NLi (from settlement to the end of each period).
 */
function oddLastSums(settle: number, maturity: number, last: number, freq: number, basis: number, d1904: boolean): [number, number, number] {
  const q = new QuasiSchedule(last, 12 / freq, d1904);
  let dcnl = 0;
  let anl = 0;
  let dscnl = 0;
  for (let k = 1; q.at(k - 1) < maturity; k++) {
    const early = q.at(k - 1);
    const late = q.at(k);
    // Actual-day bases take each quasi-coupon period's actual length (corpus: PRICE_YIELD).
    const nl = basis === 1 || basis === 2 || basis === 3 ? late - early : periodLength(basis, freq, early, late);
    const dc = dayCount(basis, early, Math.min(late, maturity), d1904);
    const a = late <= settle ? dc : early < settle ? dayCount(basis, early, settle, d1904) : 0;
    const dsc = Math.max(0, dayCount(basis, Math.max(settle, early), Math.min(maturity, late), d1904));
    dcnl += dc / nl;
    anl += a / nl;
    dscnl += dsc / nl;
  }
  return [dcnl, anl, dscnl];
}

function oddLastArgs(ctx: Ctx, args: Scalar[]): { s: [number, number, number]; rate: number; x: number; redemption: number; freq: number } | ExcelError {
  const nums = atpNumbers(args);
  if (nums instanceof ExcelError) return nums;
  const [s0, m0, l0, rate, x, redemption, frequency, basis] = nums as number[];
  const d = dates(ctx, s0!, m0!, l0!);
  if (d instanceof ExcelError) return d;
  const [settle, maturity, last] = d as [number, number, number];
  const fb = freqBasis(frequency!, basis);
  if (fb instanceof ExcelError) return fb;
  if (rate! < 0 || redemption! <= 0) return ERR.NUM;
  if (!(maturity > settle && settle > last)) return ERR.NUM;
  const s = oddLastSums(settle, maturity, last, fb[0], fb[1], ctx.book.date1904);
  return { s, rate: rate!, x: x!, redemption: redemption!, freq: fb[0] };
}

defineFn('ODDLPRICE', ['scalar'], 7, 8, (ctx, ...args: Scalar[]) => {
  const a = oddLastArgs(ctx, args);
  if (a instanceof ExcelError) return a;
  if (a.x < 0) return ERR.NUM;
  const [dcnl, anl, dscnl] = a.s;
  const coupon = (100 * a.rate) / a.freq;
  return finite((a.redemption + dcnl * coupon) / (1 + (dscnl * a.x) / a.freq) - anl * coupon);
});

defineFn('ODDLYIELD', ['scalar'], 7, 8, (ctx, ...args: Scalar[]) => {
  const a = oddLastArgs(ctx, args);
  if (a instanceof ExcelError) return a;
  if (a.x <= 0) return ERR.NUM;
  const [dcnl, anl, dscnl] = a.s;
  const coupon = (100 * a.rate) / a.freq;
  const paid = a.x + anl * coupon;
  return finite(((a.redemption + dcnl * coupon - paid) / paid) * (a.freq / dscnl));
});

// ---------------------------------------------------------------------------------
// French depreciation: AMORDEGRC, AMORLINC

/** Round half away from zero to an integer (Excel's ROUND(x, 0)). */
function roundInt(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

interface AmorArgs {
  cost: number;
  /** Fraction of a year from purchase to the end of the first period. */
  firstFrac: number;
  salvage: number;
  period: number;
  rate: number;
}

/** Shared validation: basis 0, 1, 3 or 4; purchase on or before the first period's end. */
function amorArgs(ctx: Ctx, args: Scalar[]): AmorArgs | ExcelError {
  const nums = atpNumbers(args);
  if (nums instanceof ExcelError) return nums;
  const [cost, p0, f0, salvage, period, rate, basis] = nums as number[];
  const d = dates(ctx, p0!, f0!);
  if (d instanceof ExcelError) return d;
  const [purchased, firstPeriod] = d as [number, number];
  const b = basis === undefined ? 0 : Math.trunc(basis);
  if (b < 0 || b > 4 || b === 2) return ERR.NUM;
  if (cost! < 0 || salvage! < 0 || salvage! > cost! || period! < 0 || rate! <= 0 || purchased > firstPeriod) return ERR.NUM;
  const firstFrac = yearFrac(purchased, firstPeriod, b, ctx.book.date1904);
  return { cost: cost!, firstFrac, salvage: salvage!, period: Math.trunc(period!), rate: rate! };
}

/**
 * AMORDEGRC: declining balance with the rate scaled by a coefficient of the asset's life
 * (1/rate): 1.5 for 3–4 years, 2 for 5–6, 2.5 beyond 6; each period's depreciation is
 * rounded to an integer; the period before the balance would fall below salvage takes half
 * the remaining value, later periods nothing. Lives strictly between 0 and 3 (other than
 * whole years) or between 4 and 5 are #NUM!, as Excel documents.
 */
defineFn('AMORDEGRC', ['scalar'], 6, 7, (ctx, ...args: Scalar[]) => {
  const a = amorArgs(ctx, args);
  if (a instanceof ExcelError) return a;
  const life = 1 / a.rate;
  if ((life < 3 && life !== Math.trunc(life)) || (life > 4 && life < 5)) return ERR.NUM;
  const coeff = life < 3 ? 1 : life < 5 ? 1.5 : life <= 6 ? 2 : 2.5;
  const rate = a.rate * coeff;
  let dep = roundInt(a.firstFrac * rate * a.cost);
  let cost = a.cost - dep;
  let rest = cost - a.salvage;
  for (let n = 0; n < a.period; n++) {
    dep = roundInt(rate * cost);
    rest -= dep;
    if (rest < 0) return a.period - n <= 1 ? roundInt(cost * 0.5) : 0;
    cost -= dep;
  }
  return finite(dep);
});

/**
 * AMORLINC: straight-line depreciation of cost × rate per period, prorated for the first
 * (partial) period; the last period takes what remains above salvage.
 */
defineFn('AMORLINC', ['scalar'], 6, 7, (ctx, ...args: Scalar[]) => {
  const a = amorArgs(ctx, args);
  if (a instanceof ExcelError) return a;
  const full = a.cost * a.rate;
  const first = a.firstFrac * a.rate * a.cost;
  const depreciable = a.cost - a.salvage;
  const fullPeriods = Math.trunc((depreciable - first) / full);
  if (a.period === 0) return finite(first);
  if (a.period <= fullPeriods) return finite(full);
  if (a.period === fullPeriods + 1) return finite(depreciable - full * fullPeriods - first);
  return 0;
});
