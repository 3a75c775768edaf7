/**
 * Functions: financial family (registered at import): time value of money, cash-flow
 * analysis (NPV, IRR, XIRR, MIRR), depreciation and discounted securities. Coupon-bond
 * functions live in `financial-bonds.ts`.
 */
import { forEachValue } from '../../aggregate.js';
import { defineFn } from '../../registry.js';
import { defineAtp } from './atp.js';
import { ERR, ExcelError, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from '../../values.js';
import { ymdFromSerial } from '../../dates.js';
import { dateArg, excelDaysInMonth, excelSerial, yearFrac } from '../date-time/serial.js';
import { isRootOf, rootAbove } from './roots.js';

/** A finite number or #NUM! (functions never return NaN or ±Infinity). */
export function num(x: number): number | ExcelError {
  return Number.isFinite(x) ? x : ERR.NUM;
}

// ---------------------------------------------------------------------------------
// Time value of money

/** Future value factor helpers, shared by PMT/PV/FV/IPMT/CUM*. */
function fvOf(rate: number, nper: number, pmt: number, pv: number, type: number): number {
  if (rate === 0) return -(pv + pmt * nper);
  const f = Math.pow(1 + rate, nper);
  return -(pv * f + (pmt * (1 + rate * type) * (f - 1)) / rate);
}

function pvOf(rate: number, nper: number, pmt: number, fv: number, type: number): number {
  if (rate === 0) return -(fv + pmt * nper);
  const f = Math.pow(1 + rate, nper);
  return -(fv + (pmt * (1 + rate * type) * (f - 1)) / rate) / f;
}

function pmtOf(rate: number, nper: number, pv: number, fv: number, type: number): number {
  if (rate === 0) return -(pv + fv) / nper;
  const f = Math.pow(1 + rate, nper);
  return -(rate * (fv + pv * f)) / ((1 + rate * type) * (f - 1));
}

/** The payment-timing argument: any non-zero value means "at the beginning". */
const typeOf = (t: number | undefined): number => (t ? 1 : 0);

defineFn('PV', ['number'], 3, 5, (_ctx, rate: number, nper: number, pmt: number, fv = 0, type?: number) =>
  rate === -1 ? ERR.NUM : num(pvOf(rate, nper, pmt, fv, typeOf(type))),
);

defineFn('FV', ['number'], 3, 5, (_ctx, rate: number, nper: number, pmt: number, pv = 0, type?: number) => {
  if (rate === -1 && nper < 0) return ERR.DIV0; // (1 + rate)^nper divides by zero
  return num(fvOf(rate, nper, pmt, pv, typeOf(type)));
});

defineFn('PMT', ['number'], 3, 5, (_ctx, rate: number, nper: number, pv: number, fv = 0, type?: number) => {
  if (nper === 0 || rate <= -1) return ERR.NUM;
  return num(pmtOf(rate, nper, pv, fv, typeOf(type)));
});

defineFn('NPER', ['number'], 3, 5, (_ctx, rate: number, pmt: number, pv: number, fv = 0, type?: number) => {
  const t = typeOf(type);
  if (rate === 0) return pmt === 0 ? ERR.NUM : num(-(pv + fv) / pmt);
  if (rate <= -1) return ERR.NUM;
  const a = pmt * (1 + rate * t) - fv * rate;
  const b = pv * rate + pmt * (1 + rate * t);
  if (b === 0) return ERR.DIV0;
  const q = a / b;
  if (!(q > 0)) return ERR.NUM;
  return num(Math.log(q) / Math.log(1 + rate));
});

/** Interest part of payment `per` (LibreOffice/Excel formulation via FV of earlier periods). */
function ipmtOf(rate: number, per: number, nper: number, pv: number, fv: number, type: number): number {
  const pmt = pmtOf(rate, nper, pv, fv, type);
  let ipmt: number;
  if (per === 1) ipmt = type ? 0 : -pv;
  else if (type) ipmt = fvOf(rate, per - 2, pmt, pv, 1) - pmt;
  else ipmt = fvOf(rate, per - 1, pmt, pv, 0);
  return ipmt * rate;
}

defineFn('IPMT', ['number'], 4, 6, (_ctx, rate: number, per: number, nper: number, pv: number, fv = 0, type?: number) => {
  if (per < 1 || per >= nper + 1) return ERR.NUM;
  return num(ipmtOf(rate, per, nper, pv, fv, typeOf(type)));
});

defineFn('PPMT', ['number'], 4, 6, (_ctx, rate: number, per: number, nper: number, pv: number, fv = 0, type?: number) => {
  if (per < 1 || per >= nper + 1) return ERR.NUM;
  const t = typeOf(type);
  return num(pmtOf(rate, nper, pv, fv, t) - ipmtOf(rate, per, nper, pv, fv, t));
});

/** Validates CUMIPMT/CUMPRINC arguments; returns [start, end] or an error. */
function cumArgs(rate: number, nper: number, pv: number, start: number, end: number, type: number): [number, number] | ExcelError {
  if (type !== 0 && type !== 1) return ERR.NUM;
  if (rate <= 0 || nper <= 0 || pv <= 0) return ERR.NUM;
  const s = Math.ceil(start);
  const e = Math.trunc(end);
  if (s < 1 || e < 1 || s > e || e > nper) return ERR.NUM;
  return [s, e];
}

defineAtp('CUMIPMT', 6, 6, (_ctx, rate: number, nper: number, pv: number, start: number, end: number, type: number) => {
  const r = cumArgs(rate, nper, pv, start, end, type);
  if (r instanceof ExcelError) return r;
  let [s] = r;
  const e = r[1];
  const pmt = pmtOf(rate, nper, pv, 0, type);
  let total = 0;
  if (s === 1) {
    if (type === 0) total = -pv;
    s++;
  }
  for (let i = s; i <= e; i++) total += type ? fvOf(rate, i - 2, pmt, pv, 1) - pmt : fvOf(rate, i - 1, pmt, pv, 0);
  return num(total * rate);
});

/**
 * CUMPRINC in closed form. The principal parts of the payments grow geometrically: with
 * Q = -pv·r / ((1+r)^nper − 1), the principal of period k is Q·(1+r)^(k−1) (type 0), and
 * for type 1 the first payment is all principal and period k ≥ 2 repays Q·(1+r)^(k−2).
 * Summing payments minus interest period by period cancels catastrophically when the
 * principal is tiny against the payment (70% a period over 36 periods: the sum is 0.0048
 * of a 5,600 payment, and 8 digits were lost); Excel's results are the exact sums.
 */
defineAtp('CUMPRINC', 6, 6, (_ctx, rate: number, nper: number, pv: number, start: number, end: number, type: number) => {
  const r = cumArgs(rate, nper, pv, start, end, type);
  if (r instanceof ExcelError) return r;
  let [s] = r;
  const e = r[1];
  const growth = Math.expm1(nper * Math.log1p(rate)); // (1+r)^nper − 1
  const q = (-pv * rate) / growth;
  // Σ_{k=from}^{to} (1+r)^k = (1+r)^from · ((1+r)^(to−from+1) − 1) / r
  const series = (from: number, to: number) => (to < from ? 0 : (Math.pow(1 + rate, from) * Math.expm1((to - from + 1) * Math.log1p(rate))) / rate);
  let total = 0;
  if (type === 1) {
    if (s === 1) {
      total += pmtOf(rate, nper, pv, 0, 1);
      s = 2;
    }
    total += q * series(s - 2, e - 2);
  } else total = q * series(s - 1, e - 1);
  return num(total);
});

/** The annuity equation RATE solves, and its derivative in the rate. */
function annuityAt(nper: number, pmt: number, pv: number, fv: number, t: number, r: number): [number, number] {
  if (Math.abs(r) < 1e-12) {
    // The limit at 0 and its derivative (from the series expansion).
    return [pv + pmt * nper + fv, pv * nper + pmt * ((nper * (nper - 1)) / 2 + t * nper)];
  }
  const f = Math.pow(1 + r, nper);
  const df = nper * Math.pow(1 + r, nper - 1);
  const a = (f - 1) / r;
  const da = (df * r - (f - 1)) / (r * r);
  return [pv * f + pmt * (1 + r * t) * a + fv, pv * df + pmt * (t * a + (1 + r * t) * da)];
}

/**
 * RATE by Newton's method on the annuity equation, from `guess` (default 0.1), as Excel
 * does; Excel's page: "If the successive results of RATE do not converge ... RATE returns
 * the #NUM! error value", so there is no other search (corpus RATE.xlsx stores #NUM! where
 * Newton diverges although a root exists). A converged result is checked to be a root.
 */
defineFn('RATE', ['number'], 3, 6, (_ctx, nper: number, pmt: number, pv: number, fv = 0, type?: number, guess = 0.1) => {
  const t = typeOf(type);
  if (nper <= 0) return ERR.NUM;
  const eq = (r: number): number => (r <= -1 ? NaN : annuityAt(nper, pmt, pv, fv, t, r)[0]);
  const scale = Math.abs(pv) + Math.abs(pmt) * nper + Math.abs(fv);
  let r = guess;
  for (let i = 0; i < 100; i++) {
    const [y, dy] = annuityAt(nper, pmt, pv, fv, t, r);
    if (!Number.isFinite(y) || !Number.isFinite(dy) || dy === 0) return ERR.NUM;
    const step = y / dy;
    r -= step;
    if (!Number.isFinite(r) || r <= -1) return ERR.NUM;
    if (Math.abs(step) < 1e-12 * Math.max(1, Math.abs(r))) return isRootOf(eq, r, scale) ? r : ERR.NUM;
  }
  return ERR.NUM;
});

defineFn('ISPMT', ['number'], 4, 4, (_ctx, rate: number, per: number, nper: number, pv: number) => {
  if (nper === 0) return ERR.DIV0;
  return num(pv * rate * (per / nper - 1));
});

defineAtp('EFFECT', 2, 2, (_ctx, nominal: number, npery: number) => {
  const p = Math.trunc(npery);
  if (nominal <= 0 || p < 1) return ERR.NUM;
  return num(Math.pow(1 + nominal / p, p) - 1);
});

defineAtp('NOMINAL', 2, 2, (_ctx, effect: number, npery: number) => {
  const p = Math.trunc(npery);
  if (effect <= 0 || p < 1) return ERR.NUM;
  return num(p * (Math.pow(1 + effect, 1 / p) - 1));
});

defineFn('PDURATION', ['number'], 3, 3, (_ctx, rate: number, pv: number, fv: number) => {
  if (rate <= 0 || pv <= 0 || fv <= 0) return ERR.NUM;
  return num((Math.log(fv) - Math.log(pv)) / Math.log(1 + rate));
});

defineFn('RRI', ['number'], 3, 3, (_ctx, nper: number, pv: number, fv: number) => {
  if (nper <= 0) return ERR.NUM;
  if (pv === 0) return ERR.NUM;
  return num(Math.pow(fv / pv, 1 / nper) - 1);
});

defineFn('FVSCHEDULE', ['number', 'any'], 2, 2, (_ctx, principal: number, schedule: Value) => {
  let acc = principal;
  let err: ExcelError | null = null;
  forEachValue([schedule], (v, direct) => {
    if (typeof v === 'number') acc *= 1 + v;
    else if (v === null) return true;
    else if (v instanceof ExcelError) {
      err = v;
      return false;
    } else if (direct && typeof v === 'string') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) {
        err = ERR.VALUE;
        return false;
      }
      acc *= 1 + n;
    } else {
      err = ERR.VALUE;
      return false;
    }
    return true;
  });
  return err ?? num(acc);
});

// ---------------------------------------------------------------------------------
// Cash flows

/**
 * Visits the cash flows of NPV-like arguments without copying references: numbers in
 * references and arrays (other cells skipped; errors returned), direct scalars coerced.
 */
function forEachFlow(v: Value, visit: (x: number) => void): ExcelError | null {
  if (typeof v === 'number') {
    visit(v);
    return null;
  }
  if (v instanceof Ref) {
    const lr = v.lastUsedRow;
    const lc = v.lastUsedCol;
    const sheet = v.sheet;
    for (let r = v.r0; r <= lr; r++) {
      for (let c = v.c0; c <= lc; c++) {
        const x = sheet.get(r, c);
        if (typeof x === 'number') visit(x);
        else if (x instanceof ExcelError) return x;
      }
    }
    return null;
  }
  if (v instanceof RefList) {
    for (const a of v.areas) {
      const e = forEachFlow(a, visit);
      if (e) return e;
    }
    return null;
  }
  if (v instanceof Matrix) {
    for (const x of v.data) {
      if (typeof x === 'number') visit(x);
      else if (x instanceof ExcelError) return x;
    }
    return null;
  }
  if (v instanceof ExcelError) return v;
  if (typeof v === 'boolean') {
    visit(v ? 1 : 0);
    return null;
  }
  if (typeof v === 'string') {
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n)) return ERR.VALUE;
    visit(n);
    return null;
  }
  return null; // blank direct argument: ignored
}

/** Collects cash flows once (for the iterative solvers). */
function collectFlows(v: Value): number[] | ExcelError {
  const out: number[] = [];
  const e = forEachFlow(v, (x) => out.push(x));
  return e ?? out;
}

defineFn('NPV', ['number', 'any'], 2, 255, (_ctx, rate: number, ...values: Value[]) => {
  if (rate === -1) return ERR.DIV0;
  const d = 1 / (1 + rate);
  let factor = 1;
  let total = 0;
  const visit = (x: number): void => {
    factor *= d;
    total += x * factor;
  };
  for (const v of values) {
    const e = forEachFlow(v, visit);
    if (e) return e;
  }
  return num(total);
}, { pure: true, ranges: 'vr' });

function hasBothSigns(flows: number[]): boolean {
  let pos = false;
  let neg = false;
  for (const x of flows) {
    if (x > 0) pos = true;
    else if (x < 0) neg = true;
  }
  return pos && neg;
}

/** NPV as a polynomial in the discount factor x = 1/(1+r): sum of v[i] * x^i (Horner). */
function npvInFactor(flows: number[], x: number): number {
  let y = 0;
  for (let i = flows.length - 1; i >= 0; i--) y = y * x + flows[i]!;
  return y;
}

/**
 * Excel's IRR iteration, reverse-engineered from the corpus (IRR.xlsx reproduces bit for
 * bit, including the stored values that stop short of the exact root such as 2.45e-12
 * for a root at 0): the secant method on the NPV polynomial in x = 1/(1+r), from
 * x0 = 1/(1+guess) and x1 = x0 - 0.001, until |x(n+1) - x(n)| < 1e-7 ("accurate within
 * 0.00001 percent"). Null when it does not converge (the caller then falls back).
 */
function irrSecant(flows: number[], guess: number): number | null {
  let a = 1 / (1 + guess);
  let b = a - 0.001;
  let fa = npvInFactor(flows, a);
  for (let i = 0; i < 100; i++) {
    const fb = npvInFactor(flows, b);
    if (!Number.isFinite(fb)) return null;
    if (fb === fa) return fb === 0 && b > 0 ? 1 / b - 1 : null;
    const c = b - (fb * (b - a)) / (fb - fa);
    if (!Number.isFinite(c) || c <= 0) return null;
    if (Math.abs(c - b) < 1e-7) return 1 / c - 1;
    a = b;
    fa = fb;
    b = c;
  }
  return null;
}

/** NPV of flows at t = 0, 1, 2 ... at rate r (NaN at or below -1), and its scale. */
function npvScaled(flows: number[], r: number): [number, number] {
  if (!(r > -1)) return [NaN, NaN];
  const x = 1 / (1 + r);
  let y = 0;
  let s = 0;
  for (let i = flows.length - 1; i >= 0; i--) {
    y = y * x + flows[i]!;
    s = s * x + Math.abs(flows[i]!);
  }
  return [y, s];
}

/**
 * IRR: Excel's secant iteration from the guess (default 0.1); its result is returned only
 * when NPV changes sign within a hair of it. Otherwise (the secant cycles, diverges, or
 * stops on a flat stretch that is no root) the root nearest the guess is bracketed over
 * rates above -1 and solved by Brent's method; #NUM! when NPV has no sign change.
 */
defineFn('IRR', ['any', 'number'], 1, 2, (_ctx, values: Value, guess?: number) => {
  const flows = collectFlows(values);
  if (flows instanceof ExcelError) return flows;
  if (guess !== undefined && guess <= -1) return ERR.VALUE; // corpus: IRR(..., -1) is #VALUE!
  if (!hasBothSigns(flows)) return ERR.NUM;
  const g = guess ?? 0.1;
  const eq = (r: number): number => npvScaled(flows, r)[0];
  const accept = (r: number | null): r is number => r !== null && r > -1 && isRootOf(eq, r, npvScaled(flows, r)[1]);
  const s = irrSecant(flows, g);
  if (accept(s)) return s;
  const r = rootAbove(eq, g, -1);
  return accept(r) ? r : ERR.NUM;
}, { arrays: 'av' });

defineFn('MIRR', ['any', 'number', 'number'], 3, 3, (_ctx, values: Value, financeRate: number, reinvestRate: number) => {
  const flows = collectFlows(values);
  if (flows instanceof ExcelError) return flows;
  const n = flows.length;
  let npvPos = 0;
  let npvNeg = 0;
  for (let i = 0; i < n; i++) {
    const x = flows[i]!;
    if (x > 0) npvPos += x / Math.pow(1 + reinvestRate, i);
    else if (x < 0) npvNeg += x / Math.pow(1 + financeRate, i);
  }
  // No outflow: #DIV/0!; no inflow gives -1 (corpus).
  if (npvNeg === 0 || n < 2) return ERR.DIV0;
  const ratio = (-npvPos * Math.pow(1 + reinvestRate, n - 1)) / npvNeg;
  return num(Math.pow(ratio, 1 / (n - 1)) - 1);
}, { arrays: 'av' });

/**
 * Values and dates for XNPV/XIRR: same count, numbers only, dates truncated. A value that
 * is text or a boolean is #NUM! for XNPV but #VALUE! for XIRR, and a blank value is #NUM!
 * for XNPV but 0 for XIRR (corpus XIRR.xlsx rows 7-9 and 20).
 */
function datedFlows(values: Value, dates: Value, ctx: Ctx, forXirr: boolean): { v: number[]; d: number[] } | ExcelError {
  const v: number[] = [];
  const d: number[] = [];
  let err: ExcelError | null = null;
  forEachValue([values], (x) => {
    if (typeof x === 'number') v.push(x);
    else if (x === null && forXirr) v.push(0);
    else err = x instanceof ExcelError ? x : forXirr ? ERR.VALUE : ERR.NUM;
    return err === null;
  });
  if (err) return err;
  forEachValue([dates], (x) => {
    if (x instanceof ExcelError) err = x;
    else if (typeof x !== 'number') err = ERR.VALUE;
    else {
      const s = dateArg(x, ctx);
      if (s instanceof ExcelError) err = s;
      else d.push(s);
    }
    return err === null;
  });
  if (err) return err;
  if (v.length !== d.length) return ERR.NUM;
  if (v.length === 0) return ERR.NUM;
  for (const x of d) if (x < d[0]!) return ERR.NUM;
  return { v, d };
}

function xnpvAt(v: number[], d: number[], r: number): [number, number] {
  let y = 0;
  let dy = 0;
  for (let i = 0; i < v.length; i++) {
    const t = (d[i]! - d[0]!) / 365;
    const f = Math.pow(1 + r, t);
    y += v[i]! / f;
    dy -= (t * v[i]!) / (f * (1 + r));
  }
  return [y, dy];
}

/** XNPV at `r` and the sum of the absolute discounted flows (the scale of its rounding). */
function xnpvScaled(v: number[], d: number[], r: number): [number, number] {
  let y = 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const term = v[i]! / Math.pow(1 + r, (d[i]! - d[0]!) / 365);
    y += term;
    s += Math.abs(term);
  }
  return [y, s];
}

/**
 * Excel's XIRR, reverse-engineered from the corpus (all 13 stored XIRR results of
 * XIRR.xlsx reproduce bit for bit). As Microsoft's KB 214105 describes, the rate is first
 * bracketed by doubling guesses: guess, 2*guess, 4*guess ... upwards; when no sign change
 * shows up that way the bracket is (-guess, guess), else (-1, -guess). Then the bracket is
 * halved (midpoint hi - (hi - lo)/2) until it is narrower than 1e-8 of its largest end AND
 * |XNPV| is within 1e-8 of the sum of the absolute discounted flows ("accurate within
 * 0.000001 percent"). Null when no bracket is found (the caller then falls back).
 */
function xirrBisect(v: number[], d: number[], g: number): number | null {
  if (!(g > 0)) return null;
  const f = (r: number): number => xnpvScaled(v, d, r)[0];
  const fg = f(g);
  if (!Number.isFinite(fg)) return null;
  if (fg === 0) return g;
  let lo = NaN;
  let hi = NaN;
  for (let x = g, k = 0; k < 64; k++, x *= 2) {
    const fx = f(2 * x);
    if (!Number.isFinite(fx)) break;
    if (fx === 0) return 2 * x;
    if (fx > 0 !== fg > 0) {
      lo = x;
      hi = 2 * x;
      break;
    }
  }
  if (Number.isNaN(lo)) {
    const fm = f(-g);
    if (!Number.isFinite(fm)) return null;
    if (fm === 0) return -g;
    if (fm > 0 !== fg > 0) {
      lo = -g;
      hi = g;
    } else {
      lo = -1;
      hi = -g;
    }
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  let fhi = f(hi);
  for (let i = 0; i < 100; i++) {
    const m = hi - (hi - lo) / 2;
    const [fm, s] = xnpvScaled(v, d, m);
    if (!Number.isFinite(fm)) return null;
    if (fm > 0 === fhi > 0) {
      hi = m;
      fhi = fm;
    } else lo = m;
    if (hi - lo < 1e-8 * scale && Math.abs(fm) <= 1e-8 * s) return m;
  }
  return null;
}

defineFn('XNPV', ['number', 'any', 'any'], 3, 3, (ctx, rate: number, values: Value, dates: Value) => {
  const f = datedFlows(values, dates, ctx, false);
  if (f instanceof ExcelError) return f;
  if (rate < 0) return ERR.NUM; // corpus XIRR.xlsx Q13/Q14: negative rates are #NUM!
  return num(xnpvAt(f.v, f.d, rate)[0]);
});

defineFn('XIRR', ['any', 'any', 'number'], 2, 3, (ctx, values: Value, dates: Value, guess?: number) => {
  const f = datedFlows(values, dates, ctx, true);
  if (f instanceof ExcelError) return f;
  if (!hasBothSigns(f.v)) return ERR.NUM;
  const g = guess ?? 0.1;
  if (g <= -1) return ERR.NUM;
  const eq = (r: number): number => (r > -1 ? xnpvScaled(f.v, f.d, r)[0] : NaN);
  const accept = (r: number | null): r is number => r !== null && r > -1 && isRootOf(eq, r, xnpvScaled(f.v, f.d, r)[1]);
  const b = xirrBisect(f.v, f.d, g);
  if (accept(b)) return b;
  const r = rootAbove(eq, g, -1);
  return accept(r) ? r : ERR.NUM;
});

// ---------------------------------------------------------------------------------
// Depreciation

defineFn('SLN', ['number'], 3, 3, (_ctx, cost: number, salvage: number, life: number) =>
  life === 0 ? ERR.DIV0 : num((cost - salvage) / life),
);

defineFn('SYD', ['number'], 4, 4, (_ctx, cost: number, salvage: number, life: number, per: number) => {
  if (life <= 0 || per <= 0 || per > life) return ERR.NUM;
  return num(((cost - salvage) * (life - per + 1) * 2) / (life * (life + 1)));
});

/** DB: fixed-declining balance with the rate rounded to three decimals, as Excel does. */
defineFn('DB', ['number'], 4, 5, (_ctx, cost: number, salvage: number, life: number, period: number, month = 12) => {
  const m = Math.trunc(month);
  const per = Math.trunc(period);
  if (cost < 0 || salvage < 0 || life <= 0 || per <= 0 || m < 1 || m > 12) return ERR.NUM;
  if (per > life + (m < 12 ? 1 : 0)) return ERR.NUM;
  if (cost === 0) return 0;
  const rate = Math.round((1 - Math.pow(salvage / cost, 1 / life)) * 1000) / 1000;
  let total = (cost * rate * m) / 12;
  if (per === 1) return num(total);
  if (per > 100000) {
    // Each later period takes `rate` of what is left: closed form instead of a loop of
    // billions of steps (the loop below is kept for ordinary lives, where it reproduces
    // Excel's stored results to the last bit).
    const left = (cost - total) * Math.pow(1 - rate, per - 2);
    return num(per === life + 1 ? (left * rate * (12 - m)) / 12 : left * rate);
  }
  let dep = 0;
  for (let i = 2; i <= per; i++) {
    dep = i === life + 1 ? ((cost - total) * rate * (12 - m)) / 12 : (cost - total) * rate;
    total += dep;
  }
  return num(dep);
});

/** Double-declining balance of one (possibly fractional) period. */
function ddbOf(cost: number, salvage: number, life: number, period: number, factor: number): number {
  let rate = factor / life;
  let oldValue: number;
  if (rate >= 1) {
    rate = 1;
    oldValue = period === 1 ? cost : 0;
  } else oldValue = cost * Math.pow(1 - rate, period - 1);
  const newValue = cost * Math.pow(1 - rate, period);
  const ddb = newValue < salvage ? oldValue - salvage : oldValue - newValue;
  return ddb < 0 ? 0 : ddb;
}

defineFn('DDB', ['number'], 4, 5, (_ctx, cost: number, salvage: number, life: number, period: number, factor = 2) => {
  if (cost < 0 || salvage < 0 || life <= 0 || period <= 0 || factor <= 0 || period > life) return ERR.NUM;
  return num(ddbOf(cost, salvage, life, period, factor));
});

/** Declining balance switching to straight line, over `period` whole-or-partial periods. */
function interVdb(cost: number, salvage: number, life: number, life1: number, period: number, factor: number): number {
  let vdb = 0;
  const intEnd = Math.ceil(period);
  let remaining = cost - salvage;
  let nowSln = false;
  let sln = 0;
  for (let i = 1; i <= intEnd; i++) {
    let term: number;
    if (!nowSln) {
      const ddb = ddbOf(cost, salvage, life, i, factor);
      sln = remaining / (life1 - (i - 1));
      if (sln > ddb) {
        term = sln;
        nowSln = true;
      } else {
        term = ddb;
        remaining -= ddb;
      }
    } else term = sln;
    if (i === intEnd) term *= period + 1 - intEnd;
    vdb += term;
  }
  return vdb;
}

/**
 * VDB over a schedule whose periods start at the fractional part of `start` (0, f, 1+f,
 * 2+f ...), as Excel computes it when `start` is not whole (corpus VDB.xlsx D23-D37):
 * each whole period depreciates the larger of the declining balance (value * factor/life,
 * never below salvage) and, once it wins, the fixed straight line (value - salvage) /
 * (life - t) from that point on; the first piece [0, f] and the pieces cut by `start` and
 * `end` take their share of their period's amount.
 */
function shiftedVdb(cost: number, salvage: number, life: number, start: number, end: number, factor: number): number {
  const f = start - Math.floor(start);
  const rate = Math.min(1, factor / life);
  let value = cost;
  let straight: number | null = null;
  let total = 0;
  let t = 0;
  for (let len = f > 0 ? f : 1; t < end; len = 1) {
    let amount: number;
    if (straight === null) {
      const ddb = Math.max(0, Math.min(value * rate, value - salvage));
      const sl = (value - salvage) / (life - t);
      if (sl > ddb) straight = sl;
      amount = straight ?? ddb;
    } else amount = straight;
    const from = Math.max(t, start);
    const to = Math.min(t + len, end);
    if (to > from) total += amount * (to - from);
    value -= amount * len;
    t += len;
  }
  return total;
}

defineFn(
  'VDB',
  ['number', 'number', 'number', 'number', 'number', 'number', 'bool'],
  5,
  7,
  (_ctx, cost: number, salvage: number, life: number, start: number, end: number, factor = 2, noSwitch?: boolean) => {
    if (start < 0 || end < start || end > life || cost < 0 || salvage > cost || factor <= 0 || life <= 0) return ERR.NUM;
    const intStart = Math.floor(start);
    const intEnd = Math.ceil(end);
    if (noSwitch) {
      let vdb = 0;
      for (let i = intStart + 1; i <= intEnd; i++) {
        let term = ddbOf(cost, salvage, life, i, factor);
        if (i === intStart + 1) term *= Math.min(end, intStart + 1) - start;
        else if (i === intEnd) term *= end + 1 - intEnd;
        vdb += term;
      }
      return num(vdb);
    }
    if (start !== intStart) return num(shiftedVdb(cost, salvage, life, start, end, factor));
    // Whole start: LibreOffice's formulation (whole periods, a fractional end taken off).
    let part = 0;
    if (end !== intEnd) {
      const tStart = intEnd - 1;
      const value = cost - interVdb(cost, salvage, life, life, tStart, factor);
      part += (intEnd - end) * interVdb(value, salvage, life, life - tStart, 1, factor);
    }
    const c = cost - interVdb(cost, salvage, life, life, intStart, factor);
    return num(interVdb(c, salvage, life, life - intStart, intEnd - intStart, factor) - part);
  },
);

// ---------------------------------------------------------------------------------
// Dollar fractions

/** 10^digits of the fraction (the power of ten the fractional part is written in). */
function fractionScale(fraction: number): number {
  return Math.pow(10, Math.ceil(Math.log10(fraction)));
}

defineAtp('DOLLARDE', 2, 2, (_ctx, x: number, fraction: number) => {
  const f = Math.trunc(fraction);
  if (f < 0) return ERR.NUM;
  if (f === 0) return ERR.DIV0;
  const ip = Math.trunc(x);
  return num(ip + ((x - ip) * fractionScale(f)) / f);
});

defineAtp('DOLLARFR', 2, 2, (_ctx, x: number, fraction: number) => {
  const f = Math.trunc(fraction);
  if (f < 0) return ERR.NUM;
  if (f === 0) return ERR.DIV0;
  const ip = Math.trunc(x);
  return num(ip + ((x - ip) * f) / fractionScale(f));
});

// ---------------------------------------------------------------------------------
// Discounted securities and T-bills

/** Settlement/maturity as whole serials with settlement < maturity, and a valid basis. */
export function securityDates(
  ctx: Ctx,
  settlement: number,
  maturity: number,
  basis: number | undefined,
): { s: number; m: number; b: number } | ExcelError {
  const s = dateArg(settlement, ctx);
  if (s instanceof ExcelError) return s;
  const m = dateArg(maturity, ctx);
  if (m instanceof ExcelError) return m;
  const b = basis === undefined ? 0 : Math.trunc(basis);
  if (b < 0 || b > 4) return ERR.NUM;
  if (s >= m) return ERR.NUM;
  return { s, m, b };
}

const yf = (ctx: Ctx, a: number, b: number, basis: number): number => yearFrac(a, b, basis, ctx.book.date1904);

defineAtp('DISC', 4, 5, (ctx, settlement: number, maturity: number, pr: number, redemption: number, basis?: number) => {
  const d = securityDates(ctx, settlement, maturity, basis);
  if (d instanceof ExcelError) return d;
  if (pr <= 0 || redemption <= 0) return ERR.NUM;
  return num((1 - pr / redemption) / yf(ctx, d.s, d.m, d.b));
});

defineAtp('INTRATE', 4, 5, (ctx, settlement: number, maturity: number, inv: number, redemption: number, basis?: number) => {
  const d = securityDates(ctx, settlement, maturity, basis);
  if (d instanceof ExcelError) return d;
  if (inv <= 0 || redemption <= 0) return ERR.NUM;
  return num((redemption / inv - 1) / yf(ctx, d.s, d.m, d.b));
});

defineAtp('RECEIVED', 4, 5, (ctx, settlement: number, maturity: number, inv: number, discount: number, basis?: number) => {
  const d = securityDates(ctx, settlement, maturity, basis);
  if (d instanceof ExcelError) return d;
  if (inv <= 0 || discount <= 0) return ERR.NUM;
  const den = 1 - discount * yf(ctx, d.s, d.m, d.b);
  if (den <= 0) return ERR.NUM;
  return num(inv / den);
});

defineAtp('PRICEDISC', 4, 5, (ctx, settlement: number, maturity: number, discount: number, redemption: number, basis?: number) => {
  const d = securityDates(ctx, settlement, maturity, basis);
  if (d instanceof ExcelError) return d;
  if (discount <= 0 || redemption <= 0) return ERR.NUM;
  return num(redemption * (1 - discount * yf(ctx, d.s, d.m, d.b)));
});

defineAtp('YIELDDISC', 4, 5, (ctx, settlement: number, maturity: number, pr: number, redemption: number, basis?: number) => {
  const d = securityDates(ctx, settlement, maturity, basis);
  if (d instanceof ExcelError) return d;
  if (pr <= 0 || redemption <= 0) return ERR.NUM;
  return num((redemption / pr - 1) / yf(ctx, d.s, d.m, d.b));
});

defineAtp('PRICEMAT', 5,
  6,
  (ctx, settlement: number, maturity: number, issue: number, rate: number, yld: number, basis?: number) => {
    const d = securityDates(ctx, settlement, maturity, basis);
    if (d instanceof ExcelError) return d;
    const iss = dateArg(issue, ctx);
    if (iss instanceof ExcelError) return iss;
    if (rate < 0 || yld < 0 || iss >= d.s) return ERR.NUM;
    const im = yf(ctx, iss, d.m, d.b);
    const is = yf(ctx, iss, d.s, d.b);
    const sm = yf(ctx, d.s, d.m, d.b);
    return num(((1 + im * rate) / (1 + sm * yld) - is * rate) * 100);
  },
);

defineAtp('YIELDMAT', 5,
  6,
  (ctx, settlement: number, maturity: number, issue: number, rate: number, pr: number, basis?: number) => {
    const d = securityDates(ctx, settlement, maturity, basis);
    if (d instanceof ExcelError) return d;
    const iss = dateArg(issue, ctx);
    if (iss instanceof ExcelError) return iss;
    if (rate < 0 || pr <= 0 || iss >= d.s) return ERR.NUM;
    const im = yf(ctx, iss, d.m, d.b);
    const is = yf(ctx, iss, d.s, d.b);
    const sm = yf(ctx, d.s, d.m, d.b);
    return num(((1 + im * rate) / (pr / 100 + is * rate) - 1) / sm);
  },
);

/** T-bill dates: settlement < maturity, at most one year apart; returns days to maturity. */
function tbillDays(ctx: Ctx, settlement: number, maturity: number): number | ExcelError {
  const d = securityDates(ctx, settlement, maturity, 0);
  if (d instanceof ExcelError) return d;
  // Maturity at most one year after settlement.
  const { y, m, d: day } = ymdFromSerial(d.s, ctx.book.date1904);
  const limit = excelSerial(y + 1, m, Math.min(day, excelDaysInMonth(y + 1, m, ctx.book.date1904)), ctx.book.date1904);
  if (d.m > limit) return ERR.NUM;
  return d.m - d.s;
}

defineAtp('TBILLPRICE', 3, 3, (ctx, settlement: number, maturity: number, discount: number) => {
  const days = tbillDays(ctx, settlement, maturity);
  if (days instanceof ExcelError) return days;
  if (discount <= 0) return ERR.NUM;
  const p = 100 * (1 - (discount * days) / 360);
  return p <= 0 ? ERR.NUM : num(p);
});

defineAtp('TBILLYIELD', 3, 3, (ctx, settlement: number, maturity: number, pr: number) => {
  const days = tbillDays(ctx, settlement, maturity);
  if (days instanceof ExcelError) return days;
  if (pr <= 0) return ERR.NUM;
  return num(((100 - pr) / pr) * (360 / days));
});

defineAtp('TBILLEQ', 3, 3, (ctx, settlement: number, maturity: number, discount: number) => {
  const days = tbillDays(ctx, settlement, maturity);
  if (days instanceof ExcelError) return days;
  if (discount <= 0) return ERR.NUM;
  if (days <= 182) return num((365 * discount) / (360 - discount * days));
  // Longer bills: the bond-equivalent yield with a semi-annual coupon (quadratic solution).
  const price = 100 * (1 - (discount * days) / 360);
  if (price <= 0) return ERR.NUM;
  // A full leap year (366 days) counts as one year (corpus: 1940-01-29 to 1941-01-29).
  const year = Math.max(365, days);
  const t = days / year;
  const disc = t * t - (2 * t - 1) * (1 - 100 / price);
  if (disc < 0) return ERR.NUM;
  return num((-t + Math.sqrt(disc)) / (t - 0.5));
});

