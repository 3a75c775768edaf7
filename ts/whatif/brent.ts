/**
 * Root finding for goal seek: a bracket search outward from a starting point, then
 * Brent's method (inverse quadratic interpolation and secant steps, safeguarded by
 * bisection: R. P. Brent, Algorithms for Minimization without Derivatives, 1973, ch. 4),
 * which keeps a sign change bracketed and so converges on any continuous function.
 */

/** A point where the function was evaluated: `f` is NaN where it is not a number. */
export interface Point {
  x: number;
  f: number;
}

export interface BracketResult {
  /** Two points whose values have opposite signs (or one where f is 0), if found. */
  bracket: [Point, Point] | null;
  /** Every point tried, in order. */
  tried: Point[];
}

/**
 * Looks for a sign change of `f` from `x0` outward, stepping both ways with steps that
 * double (the first `step`), each side stopping where `f` is not a number or after
 * `maxSteps`. Consecutive points on one side (and `x0` with the first of each) are
 * compared, so the bracket found is the nearest on that side.
 */
export function findBracket(f: (x: number) => number, x0: number, f0: number, step: number, maxSteps: number): BracketResult {
  const tried: Point[] = [{ x: x0, f: f0 }];
  if (f0 === 0) return { bracket: [tried[0]!, tried[0]!], tried };
  const sides = [
    { dir: 1, last: tried[0]!, open: true },
    { dir: -1, last: tried[0]!, open: true },
  ];
  let h = step;
  for (let i = 0; i < maxSteps && sides.some((s) => s.open); i++) {
    for (const side of sides) {
      if (!side.open) continue;
      const x = x0 + side.dir * h;
      if (!Number.isFinite(x)) {
        side.open = false;
        continue;
      }
      const p = { x, f: f(x) };
      tried.push(p);
      if (Number.isNaN(p.f)) {
        side.open = false;
        continue;
      }
      if (p.f === 0) return { bracket: [p, p], tried };
      if (!Number.isNaN(side.last.f) && Math.sign(p.f) !== Math.sign(side.last.f)) return { bracket: side.dir > 0 ? [side.last, p] : [p, side.last], tried };
      side.last = p;
    }
    h *= 2;
  }
  return { bracket: null, tried };
}

export interface BrentResult {
  x: number;
  f: number;
  iterations: number;
  /** |f| ≤ ftol was reached (else the bracket shrank to nothing around a jump). */
  converged: boolean;
}

/**
 * Brent's method on a bracket [a, b] with f(a), f(b) of opposite signs: stops when
 * |f| ≤ `ftol`, or when the bracket is as narrow as the floating point numbers allow
 * (then `converged` says whether |f| ≤ ftol there: a sign change without a root is a
 * discontinuity), or after `maxIterations`.
 */
export function brent(f: (x: number) => number, a: Point, b: Point, ftol: number, maxIterations: number): BrentResult {
  let [xa, fa, xb, fb] = [a.x, a.f, b.x, b.f];
  if (Math.abs(fa) <= ftol) return { x: xa, f: fa, iterations: 0, converged: true };
  if (Math.abs(fb) <= ftol) return { x: xb, f: fb, iterations: 0, converged: true };
  let xc = xa;
  let fc = fa;
  let d = xb - xa;
  let e = d;
  for (let it = 1; it <= maxIterations; it++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      xc = xa;
      fc = fa;
      d = xb - xa;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      [xa, xb, xc] = [xb, xc, xb];
      [fa, fb, fc] = [fb, fc, fb];
    }
    const tol = 2 * Number.EPSILON * Math.abs(xb) + Number.MIN_VALUE;
    const m = 0.5 * (xc - xb);
    if (Math.abs(fb) <= ftol) return { x: xb, f: fb, iterations: it - 1, converged: true };
    if (Math.abs(m) <= tol) return { x: xb, f: fb, iterations: it - 1, converged: false };
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      // Interpolate: secant when two points are known, inverse quadratic with three.
      const s = fb / fa;
      let p: number;
      let q: number;
      if (xa === xc) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (xb - xa) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    xa = xb;
    fa = fb;
    xb += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(xb);
    if (Number.isNaN(fb)) {
      // Not a number inside the bracket: bisect towards the known side instead.
      xb = xa + m;
      fb = f(xb);
      if (Number.isNaN(fb)) return { x: xa, f: fa, iterations: it, converged: false };
    }
  }
  return { x: xb, f: fb, iterations: maxIterations, converged: Math.abs(fb) <= ftol };
}
