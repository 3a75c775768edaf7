/**
 * Brent's method (R. P. Brent, Algorithms for Minimization without Derivatives, 1973,
 * ch. 4): inverse quadratic interpolation and secant steps, safeguarded by bisection. It
 * keeps a sign change bracketed, so it converges on any continuous function and stops on
 * a jump. One implementation for the runtime's iterative functions (IRR, RATE, YIELD, ...
 * through `roots.ts`) and the library's goal seek (`whatif/goal-seek.ts`).
 */

/** A point where the function was evaluated. */
export interface Point {
  x: number;
  f: number;
}

export interface BrentOptions {
  /** Stop when |f| ≤ ftol (default 0: only an exact zero, or the bracket at its narrowest). */
  ftol?: number;
  /** Evaluations at most (default 300). */
  maxIterations?: number;
  /**
   * Where f is not a finite number inside the bracket: `stop` there (the result is not
   * converged and its `f` is that value), or `bisect` towards the known side once first
   * (goal seek: a model that fails at one point may still have a root beside it).
   */
  nonFinite?: 'stop' | 'bisect';
}

export interface BrentResult {
  x: number;
  f: number;
  iterations: number;
  /** |f| ≤ ftol was reached (else the bracket shrank to nothing around a jump, or f failed). */
  converged: boolean;
}

/**
 * Brent's method on a bracket [a, b] with f(a), f(b) of opposite signs: stops when
 * |f| ≤ `ftol`, or when the bracket is as narrow as the doubles allow (then `converged`
 * says whether |f| ≤ ftol there: a sign change without a root is a discontinuity), or
 * after `maxIterations`.
 */
export function brentSolve(f: (x: number) => number, a: Point, b: Point, options: BrentOptions = {}): BrentResult {
  const ftol = options.ftol ?? 0;
  const maxIterations = options.maxIterations ?? 300;
  let [xa, fa, xb, fb] = [a.x, a.f, b.x, b.f];
  if (Math.abs(fa) <= ftol) return { x: xa, f: fa, iterations: 0, converged: true };
  if (Math.abs(fb) <= ftol) return { x: xb, f: fb, iterations: 0, converged: true };
  let xc = xa;
  let fc = fa;
  let d = xb - xa;
  let e = d;
  for (let it = 1; it <= maxIterations; it++) {
    if (fb > 0 === fc > 0) {
      xc = xa;
      fc = fa;
      d = xb - xa;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      [xa, xb, xc] = [xb, xc, xb];
      [fa, fb, fc] = [fb, fc, fb];
    }
    const tol = 2 * Number.EPSILON * Math.abs(xb) + 1e-300;
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
    if (!Number.isFinite(fb)) {
      if (options.nonFinite !== 'bisect') return { x: xb, f: fb, iterations: it, converged: false };
      // Not a number inside the bracket: bisect towards the known side instead.
      xb = xa + m;
      fb = f(xb);
      if (!Number.isFinite(fb)) return { x: xa, f: fa, iterations: it, converged: false };
    }
  }
  return { x: xb, f: fb, iterations: maxIterations, converged: Math.abs(fb) <= ftol };
}
