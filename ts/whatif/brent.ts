/**
 * Root finding for goal seek: a bracket search outward from a starting point, then
 * Brent's method (the runtime's `brentSolve`, shared with IRR, RATE, YIELD and the other
 * iterative functions), which keeps a sign change bracketed and so converges on any
 * continuous function. `f` is NaN where the model's output is not a number.
 */

import type { Point } from '../runtime/brent.js';

export { brentSolve, type Point } from '../runtime/brent.js';

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
