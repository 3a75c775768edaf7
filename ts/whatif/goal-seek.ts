/**
 * Goal seek (Excel's Data > What-If Analysis > Goal Seek): the value of one input cell
 * that makes a formula cell equal a target, found by running the engine. A bracket
 * search outward from the input's current value, then Brent's method (brent.ts); no
 * derivative, no approximation of the model: every point is a run.
 */
import type { LoadedEngine } from '../engine-loader.js';
import { SheetcError } from '../errors.js';
import type { RunResult } from '../runtime/engine.js';
import type { GoalSeekOptions, GoalSeekResult } from '../types.js';
import { brentSolve, findBracket, type Point } from './brent.js';
import { asSheetcError, evaluate } from './model.js';



/** Goal seek found no value: the closest it came. */
export class NoSolutionError extends SheetcError {
  readonly best: { value: number; achieved: number } | null;
  readonly runs: number;
  constructor(message: string, best: { value: number; achieved: number } | null, runs: number) {
    super('E_NO_SOLUTION', message);
    this.best = best;
    this.runs = runs;
  }
}

function single(ref: string, what: string): void {
  if (ref.includes(':')) throw new SheetcError('E_INVALID_OPTION', `goal seek's ${what} must be one cell, got "${ref}"`);
}

function numberOf(r: RunResult, ref: string): number {
  const v = r.get(ref);
  const x = Array.isArray(v) ? v[0]?.[0] : v;
  return typeof x === 'number' ? x : NaN;
}

/** Finds the value of `changing` that makes `set` equal `to` (see the module comment). */
export async function goalSeek(engine: LoadedEngine, options: GoalSeekOptions): Promise<GoalSeekResult> {
  const { set, to, changing } = options;
  if (typeof set !== 'string' || typeof changing !== 'string') throw new SheetcError('E_INVALID_OPTION', 'goal seek needs { set, to, changing }');
  if (typeof to !== 'number' || !Number.isFinite(to)) throw new SheetcError('E_INVALID_OPTION', `goal seek's target must be a number, got ${String(to)}`);
  single(set, 'set cell');
  single(changing, 'changing cell');
  const inputs = options.inputs ?? {};
  const maxRuns = options.maxRuns ?? 200;
  const ftol = options.tolerance ?? 1e-9 * Math.max(1, Math.abs(to));
  if (!(ftol >= 0)) throw new SheetcError('E_INVALID_OPTION', 'tolerance must be a number ≥ 0');
  // A lazy engine loads the cone once; every later run reuses it.
  const base = await evaluate(engine, inputs, [set, changing], options.runOptions);
  let x0 = options.start;
  if (x0 === undefined) {
    const v = base.get(changing);
    const c = Array.isArray(v) ? v[0]?.[0] : v;
    if (c !== null && typeof c !== 'number') throw new SheetcError('E_INVALID_OPTION', `the changing cell ${changing} holds ${JSON.stringify(c)}, not a number`);
    x0 = c ?? 0;
  }
  let runs = 0;
  let best: Point | null = null;
  const f = (x: number): number => {
    if (runs >= maxRuns) throw new SheetcError('E_NO_SOLUTION', 'run budget spent');
    runs++;
    let r: RunResult;
    try {
      r = engine.run({ ...inputs, [changing]: x }, options.runOptions);
    } catch (e) {
      throw asSheetcError(e);
    }
    const y = numberOf(r, set) - to;
    if (!Number.isNaN(y) && (best === null || Math.abs(y) < Math.abs(best.f))) best = { x, f: y };
    return y;
  };
  const fail = (why: string): never => {
    const b = best as Point | null;
    const closest = b ? { value: b.x, achieved: b.f + to } : null;
    const tail = closest ? `; closest: ${set} = ${closest.achieved} with ${changing} = ${closest.value}` : `; ${set} was never a number`;
    throw new NoSolutionError(`goal seek found no value of ${changing} that makes ${set} equal ${to} (${why})${tail}`, closest, runs);
  };
  try {
    const f0 = f(x0);
    if (Math.abs(f0) <= ftol) return { set, to, changing, value: x0, achieved: f0 + to, runs };
    const step = options.step ?? (x0 !== 0 ? Math.abs(x0) * 0.01 : 0.01);
    if (!(step > 0)) throw new SheetcError('E_INVALID_OPTION', 'step must be a positive number');
    // Half the runs at most for the bracket (2^50 steps reach 1e13 from 0.01).
    const { bracket } = findBracket(f, x0, f0, step, Math.min(50, Math.floor(maxRuns / 4)));
    if (!bracket) return fail(Number.isNaN(f0) ? `${set} is not a number at the start` : `no sign change of ${set} − ${to} around ${x0}`);
    const [a, b] = bracket;
    const r = brentSolve(f, a, b, { ftol, maxIterations: maxRuns, nonFinite: 'bisect' });
    if (!r.converged) return fail(`${set} jumps across ${to} near ${changing} = ${r.x}: no value reaches it`);
    return { set, to, changing, value: r.x, achieved: r.f + to, runs };
  } catch (e) {
    if (e instanceof NoSolutionError) throw e;
    if (e instanceof SheetcError && e.code === 'E_NO_SOLUTION') return fail(`no solution within ${maxRuns} runs`);
    throw e;
  }
}
