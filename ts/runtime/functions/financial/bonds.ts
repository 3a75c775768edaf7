/**
 * Coupon-bond functions of the financial family: coupon schedule (COUP*), PRICE, YIELD,
 * DURATION, MDURATION and ACCRINTM.
 *
 * Coupon dates are found by stepping back from maturity in whole periods of 12/frequency
 * months; when maturity is the last day of its month, every coupon date is a month end.
 */
import { defineAtp } from './atp.js';
import { ymdFromSerial, type YMD } from '../../dates.js';
import { ERR, ExcelError, type Ctx } from '../../values.js';
import { dateArg, excelDaysInMonth, excelSerial, yearFrac } from '../date-time/serial.js';
import { isRootOf, rootAbove } from './roots.js';

interface Schedule {
  settle: number;
  maturity: number;
  freq: number;
  basis: number;
  /** Previous and next coupon dates around settlement. */
  pcd: number;
  ncd: number;
  /** Coupons payable between settlement and maturity. */
  n: number;
  d1904: boolean;
}

/** The coupon date `k` periods before maturity. */
function couponBefore(mat: YMD, matIsEom: boolean, k: number, freq: number, d1904: boolean): number {
  const total = mat.y * 12 + (mat.m - 1) - (k * 12) / freq;
  const y = Math.floor(total / 12);
  const m = (total % 12 + 12) % 12 + 1;
  const dim = excelDaysInMonth(y, m, d1904);
  return excelSerial(y, m, matIsEom ? dim : Math.min(mat.d, dim), d1904);
}

/** Validates settlement/maturity/frequency/basis and locates settlement in the schedule. */
export function schedule(ctx: Ctx, settlement: number, maturity: number, frequency: number, basis: number | undefined): Schedule | ExcelError {
  const s = dateArg(settlement, ctx);
  if (s instanceof ExcelError) return s;
  const m = dateArg(maturity, ctx);
  if (m instanceof ExcelError) return m;
  const f = Math.trunc(frequency);
  if (f !== 1 && f !== 2 && f !== 4) return ERR.NUM;
  const b = basis === undefined ? 0 : Math.trunc(basis);
  if (b < 0 || b > 4) return ERR.NUM;
  if (s >= m) return ERR.NUM;
  const d1904 = ctx.book.date1904;
  const mat = ymdFromSerial(m, d1904);
  const eom = mat.d === excelDaysInMonth(mat.y, mat.m, d1904);
  const sy = ymdFromSerial(s, d1904);
  // Estimate the number of periods from the month difference, then adjust.
  let k = Math.max(1, Math.floor(((mat.y - sy.y) * 12 + (mat.m - sy.m)) / (12 / f)));
  while (couponBefore(mat, eom, k, f, d1904) > s) k++;
  while (k > 1 && couponBefore(mat, eom, k - 1, f, d1904) <= s) k--;
  return {
    settle: s,
    maturity: m,
    freq: f,
    basis: b,
    pcd: couponBefore(mat, eom, k, f, d1904),
    ncd: couponBefore(mat, eom, k - 1, f, d1904),
    n: k,
    d1904,
  };
}

/** 30/360 day count between two serials: US (NASD) rules for basis 0, European for 4. */
function days360(from: number, to: number, us: boolean, d1904: boolean): number {
  const a = ymdFromSerial(from, d1904);
  const b = ymdFromSerial(to, d1904);
  const lastA = a.d === excelDaysInMonth(a.y, a.m, d1904);
  const lastB = b.d === excelDaysInMonth(b.y, b.m, d1904);
  let d1 = a.d;
  let d2 = b.d;
  if (us) {
    d1 = lastA ? 30 : Math.min(d1, 30);
    let e2 = lastB ? 30 : Math.min(d2, 30);
    if ((a.m === 2 || d1 < 30) && b.d === 31) e2 = 31;
    else if (b.m === 2 && lastB) e2 = b.d;
    d2 = e2;
  } else {
    d1 = Math.min(d1, 30);
    d2 = Math.min(d2, 30);
  }
  return (b.y - a.y) * 360 + (b.m - a.m) * 30 + d2 - d1;
}

/** Days in the coupon period holding settlement (E). */
function coupDays(sc: Schedule): number {
  switch (sc.basis) {
    case 1:
      return sc.ncd - sc.pcd;
    case 3:
      return 365 / sc.freq;
    default:
      return 360 / sc.freq;
  }
}

/** Days from the start of the coupon period to settlement (A). */
function coupDayBs(sc: Schedule): number {
  if (sc.basis === 0) return days360(sc.pcd, sc.settle, true, sc.d1904);
  if (sc.basis === 4) return days360(sc.pcd, sc.settle, false, sc.d1904);
  return sc.settle - sc.pcd;
}

/** Days from settlement to the next coupon date (DSC). */
function coupDaysNc(sc: Schedule): number {
  if (sc.basis === 0 || sc.basis === 4) return coupDays(sc) - coupDayBs(sc);
  return sc.ncd - sc.settle;
}

function defineCoup(name: string, fn: (sc: Schedule) => number): void {
  defineAtp(name, 3, 4, (ctx, settlement: number, maturity: number, frequency: number, basis?: number) => {
    const sc = schedule(ctx, settlement, maturity, frequency, basis);
    return sc instanceof ExcelError ? sc : fn(sc);
  });
}

defineCoup('COUPPCD', (sc) => sc.pcd);
defineCoup('COUPNCD', (sc) => sc.ncd);
defineCoup('COUPNUM', (sc) => sc.n);
defineCoup('COUPDAYS', coupDays);
defineCoup('COUPDAYBS', coupDayBs);
defineCoup('COUPDAYSNC', coupDaysNc);

/** Excel's PRICE formula for a regular coupon schedule. */
function priceOf(sc: Schedule, rate: number, yld: number, redemption: number): number {
  const f = sc.freq;
  const e = coupDays(sc);
  const a = coupDayBs(sc);
  // PRICE takes DSC as E - A for every basis (corpus: basis 2/3 with settlement on a coupon date).
  const dsc = e - a;
  const n = sc.n;
  const coupon = (100 * rate) / f;
  if (n === 1) {
    const t1 = coupon + redemption;
    const t2 = (yld / f) * (dsc / e) + 1;
    return t1 / t2 - (coupon * a) / e;
  }
  const base = 1 + yld / f;
  let p = redemption / Math.pow(base, n - 1 + dsc / e);
  for (let k = 1; k <= n; k++) p += coupon / Math.pow(base, k - 1 + dsc / e);
  return p - (coupon * a) / e;
}

defineAtp(
  'PRICE',
  6,
  7,
  (ctx, settlement: number, maturity: number, rate: number, yld: number, redemption: number, frequency: number, basis?: number) => {
    const sc = schedule(ctx, settlement, maturity, frequency, basis);
    if (sc instanceof ExcelError) return sc;
    if (rate < 0 || yld < 0 || redemption <= 0) return ERR.NUM;
    const p = priceOf(sc, rate, yld, redemption);
    return Number.isFinite(p) ? p : ERR.NUM;
  },
);

defineAtp(
  'YIELD',
  6,
  7,
  (ctx, settlement: number, maturity: number, rate: number, pr: number, redemption: number, frequency: number, basis?: number) => {
    const sc = schedule(ctx, settlement, maturity, frequency, basis);
    if (sc instanceof ExcelError) return sc;
    if (rate < 0 || pr <= 0 || redemption <= 0) return ERR.NUM;
    const f = sc.freq;
    if (sc.n === 1) {
      // Closed form for one remaining coupon period (Excel's documented formula).
      const e = coupDays(sc);
      const a = coupDayBs(sc);
      const dsr = e - a;
      const num = redemption / 100 + rate / f - (pr / 100 + (a / e) * (rate / f));
      const den = pr / 100 + (a / e) * (rate / f);
      return ((num / den) * f * e) / dsr;
    }
    // Newton's method on PRICE(yield) - pr, with a numeric derivative; its result is
    // checked to be a root, else the root is bracketed above -frequency and solved by Brent.
    const eq = (y: number): number => (y > -f ? priceOf(sc, rate, y, redemption) - pr : NaN);
    const scale = pr + redemption;
    let y = rate > 0 ? rate : 0.05;
    for (let i = 0; i < 100; i++) {
      const p = priceOf(sc, rate, y, redemption) - pr;
      const h = 1e-7 * Math.max(1, Math.abs(y));
      const dp = (priceOf(sc, rate, y + h, redemption) - pr - p) / h;
      if (!Number.isFinite(p) || !Number.isFinite(dp) || dp === 0) break;
      const step = p / dp;
      y -= step;
      if (!(y > -f)) break;
      if (Math.abs(step) < 1e-14 * Math.max(1, Math.abs(y))) {
        const polished = refineYield(sc, rate, pr, redemption, y);
        if (isRootOf(eq, polished, scale)) return polished;
        break;
      }
    }
    const root = rootAbove(eq, rate > 0 ? rate : 0.05, -f);
    return root !== null && isRootOf(eq, root, scale) ? root : ERR.NUM;
  },
);

/** Polishes a yield with a few secant steps (the numeric Newton stalls near 1e-10). */
function refineYield(sc: Schedule, rate: number, pr: number, redemption: number, y: number): number {
  let y0 = y * (1 - 1e-6) - 1e-9;
  let f0 = priceOf(sc, rate, y0, redemption) - pr;
  let y1 = y;
  let f1 = priceOf(sc, rate, y1, redemption) - pr;
  for (let i = 0; i < 20 && f1 !== 0 && f1 !== f0; i++) {
    const y2 = y1 - (f1 * (y1 - y0)) / (f1 - f0);
    y0 = y1;
    f0 = f1;
    y1 = y2;
    f1 = priceOf(sc, rate, y1, redemption) - pr;
    if (Math.abs(y1 - y0) < 1e-16 * Math.max(1, Math.abs(y1))) break;
  }
  return y1;
}

/** Macaulay duration in years of a regular bond (per 100 of face value). */
function durationOf(sc: Schedule, coupon: number, yld: number): number {
  const f = sc.freq;
  const e = coupDays(sc);
  const dsc = e - coupDayBs(sc);
  const c = (100 * coupon) / f;
  const base = 1 + yld / f;
  let weighted = 0;
  let pv = 0;
  for (let k = 1; k <= sc.n; k++) {
    const t = k - 1 + dsc / e;
    const cf = k === sc.n ? c + 100 : c;
    const v = cf / Math.pow(base, t);
    weighted += t * v;
    pv += v;
  }
  return weighted / pv / f;
}

function defineDuration(name: string, modified: boolean): void {
  defineAtp(
    name,
    5,
    6,
    (ctx, settlement: number, maturity: number, coupon: number, yld: number, frequency: number, basis?: number) => {
      const sc = schedule(ctx, settlement, maturity, frequency, basis);
      if (sc instanceof ExcelError) return sc;
      if (coupon < 0 || yld < 0) return ERR.NUM;
      const d = durationOf(sc, coupon, yld);
      const r = modified ? d / (1 + yld / sc.freq) : d;
      return Number.isFinite(r) ? r : ERR.NUM;
    },
  );
}

defineDuration('DURATION', false);
defineDuration('MDURATION', true);

defineAtp('ACCRINTM', 3, 5, (ctx, issue: number, settlement: number, rate: number, par?: number, basis?: number) => {
  const i = dateArg(issue, ctx);
  if (i instanceof ExcelError) return i;
  const s = dateArg(settlement, ctx);
  if (s instanceof ExcelError) return s;
  const p = par === undefined ? 1000 : par;
  const b = basis === undefined ? 0 : Math.trunc(basis);
  if (rate <= 0 || p <= 0 || b < 0 || b > 4 || i >= s) return ERR.NUM;
  return p * rate * yearFrac(i, s, b, ctx.book.date1904);
});
