/**
 * Root finding for the iterative financial functions (IRR, RATE, XIRR, YIELD, ODDFYIELD).
 *
 * Each function first runs Excel's own iteration (so its stored results reproduce bit for
 * bit where the corpus shows them), then *checks* the result: a value is returned only when
 * the equation changes sign within a hair of it (or is zero there). When Excel's iteration
 * does not converge, or converges to something that is not a root, the root is bracketed
 * near the guess and polished with Brent's method; when no root can be bracketed the
 * answer is #NUM!. A non-root is never returned.
 */

import { brentSolve } from '../../brent.js';

/** A scalar equation in one unknown; NaN/Infinity outside its domain. */
export type Equation = (x: number) => number;

/** Relative width of the neighbourhood a root must lie in for a result to be accepted. */
export const ROOT_TOLERANCE = 1e-6;

/**
 * True when `f` has a root within `x ± delta` (a sign change or an exact zero there), or
 * when |f(x)| is at the rounding level `scale * 1e-12` of the equation's terms. `delta`
 * defaults to ROOT_TOLERANCE relative to max(1, |x|).
 */
export function isRootOf(f: Equation, x: number, scale = 0, delta = ROOT_TOLERANCE * Math.max(1, Math.abs(x))): boolean {
  if (!Number.isFinite(x)) return false;
  const fx = f(x);
  if (!Number.isFinite(fx)) return false;
  if (fx === 0 || Math.abs(fx) <= scale * 1e-12) return true;
  const lo = f(x - delta);
  const hi = f(x + delta);
  return (Number.isFinite(lo) && (lo === 0 || lo > 0 !== fx > 0)) || (Number.isFinite(hi) && (hi === 0 || hi > 0 !== fx > 0));
}

/**
 * Brent's method on [a, b], where f(a) and f(b) have opposite signs (`../../brent.ts`):
 * the root where the bracket is as narrow as the doubles allow or f is exactly zero;
 * null when f is not finite at an end or inside, or the ends do not change sign.
 */
export function brent(f: Equation, a: number, b: number, fa = f(a), fb = f(b)): number | null {
  if (!Number.isFinite(fa) || !Number.isFinite(fb)) return null;
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (fa > 0 === fb > 0) return null;
  const r = brentSolve(f, { x: a, f: fa }, { x: b, f: fb });
  return Number.isFinite(r.f) ? r.x : null;
}

/**
 * Looks for a sign change of `f` on (lower, ∞) nearest to `guess`. The search walks out
 * from the guess on both sides in u = ln(x - lower) (so towards the open end `lower`, such
 * as a rate of -1, points approach it geometrically), with steps starting at 0.005 and
 * growing by 15% each up to 0.02 while within 3 of the guess (1 + rate within a factor of
 * 20 of 1 + guess: fine enough not to step over a pair of roots 2% apart), then growing
 * freely (to reach 1 + rate ≈ e^-50 or e^12 in a few hundred more evaluations).
 * Returns the bracket, or null when none of the probed points changes sign.
 */
export function bracketAbove(f: Equation, guess: number, lower: number): [number, number, number, number] | null {
  const at = (u: number): number => lower + Math.exp(u);
  let u0 = Number.isFinite(guess) && guess > lower ? Math.log(guess - lower) : 0;
  let f0 = f(at(u0));
  if (!Number.isFinite(f0)) {
    u0 = 0;
    f0 = f(at(u0));
    if (!Number.isFinite(f0)) return null;
  }
  if (f0 === 0) return [at(u0), at(u0), 0, 0];
  let upU = u0;
  let upF = f0;
  let downU = u0;
  let downF = f0;
  let upDone = false;
  let downDone = false;
  let h = 0.005;
  for (let k = 0; k < 1000 && !(upDone && downDone); k++) {
    h = Math.abs(upU - u0) < 3 || Math.abs(downU - u0) < 3 ? Math.min(0.02, h * 1.15) : h * 1.15;
    if (!upDone) {
      const u = upU + h;
      const fx = f(at(u));
      if (!Number.isFinite(fx) || u > 12) upDone = true;
      else if (fx === 0 || fx > 0 !== upF > 0) return [at(upU), at(u), upF, fx];
      else {
        upU = u;
        upF = fx;
      }
    }
    if (!downDone) {
      const u = downU - h;
      const x = at(u);
      const fx = f(x);
      if (!Number.isFinite(fx) || u < -50 || x === lower) downDone = true;
      else if (fx === 0 || fx > 0 !== downF > 0) return [x, at(downU), fx, downF];
      else {
        downU = u;
        downF = fx;
      }
    }
  }
  return null;
}

/**
 * The root of `f` on (lower, ∞) nearest `guess`: bracketed, then Brent. Null when no sign
 * change is found (no root, or only roots of even multiplicity, which cannot be told apart
 * from near misses in floating point).
 */
export function rootAbove(f: Equation, guess: number, lower: number): number | null {
  const br = bracketAbove(f, guess, lower);
  if (!br) return null;
  const [a, b, fa, fb] = br;
  if (fa === 0) return a;
  if (fb === 0) return b;
  return brent(f, a, b, fa, fb);
}
