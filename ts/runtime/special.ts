/**
 * Helpers for the forms the code generator compiles inline: IF, IFERROR/IFNA (lazy in
 * their untaken branch, like Excel), LAMBDA invocation, and array-argument scopes.
 */
import { arraySizeError, refMatrix, scalar, toBool } from './coerce.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, type Ctx, type Scalar, type Value } from './values.js';

/** The value of an IF condition: a boolean, an error, or a Matrix to select element-wise. */
export function condition(v: Value, ctx: Ctx): boolean | ExcelError | Matrix {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref && !v.isCell && ctx.array) return refMatrix(v);
  const s = scalar(v, ctx);
  if (s instanceof ExcelError) return s;
  return toBool(s);
}

/** The value as a Matrix; a reference too large to hold becomes a 1×1 of its size error. */
function asMatrix(v: Value, ctx: Ctx): Matrix {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref) {
    if (v.isCell) return new Matrix(1, 1, [v.sheet.get(v.r0, v.c0)]);
    const m = refMatrix(v);
    return m instanceof ExcelError ? new Matrix(1, 1, [m]) : m;
  }
  return new Matrix(1, 1, [scalar(v, ctx)]);
}

/** Element (i, j) of an array broadcast to a larger shape: a single row or column
 * stretches; positions beyond a larger dimension are #N/A (Excel's array rule). */
function broadcastAt(m: Matrix, i: number, j: number): Scalar {
  const ii = m.rows === 1 ? 0 : i;
  const jj = m.cols === 1 ? 0 : j;
  return ii < m.rows && jj < m.cols ? m.get(ii, jj) : ERR.NA;
}

/** IF when the condition is an error or an array. */
export function ifOther(c: boolean | ExcelError | Matrix, ctx: Ctx, yes: () => Value, no: () => Value): Value {
  if (c instanceof ExcelError) return c;
  if (!(c instanceof Matrix)) return c ? yes() : no();
  const conds = new Matrix(c.rows, c.cols, c.data.map((v) => (v instanceof ExcelError ? v : toBool(v))));
  const y = conds.data.includes(true) ? asMatrix(yes(), ctx) : null;
  const n = conds.data.includes(false) ? asMatrix(no(), ctx) : null;
  const rows = Math.max(c.rows, y?.rows ?? 1, n?.rows ?? 1);
  const cols = Math.max(c.cols, y?.cols ?? 1, n?.cols ?? 1);
  const tooLarge = arraySizeError(rows, cols);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const cv = broadcastAt(conds, i, j);
      const branch = cv === true ? y : n;
      out[i * cols + j] = cv instanceof ExcelError ? cv : branch ? broadcastAt(branch, i, j) : ERR.NA;
    }
  }
  return new Matrix(rows, cols, out);
}

/** The value tested by IFERROR/IFNA: a scalar, or an array in array context. */
export function val(v: Value, ctx: Ctx): Value {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref) {
    if (v.isCell) return v.sheet.get(v.r0, v.c0);
    return ctx.array ? refMatrix(v) : scalar(v, ctx);
  }
  if (v instanceof Lambda) return ERR.CALC;
  return v as Value;
}

/** IFERROR/IFNA over an array: replace the (#N/A) error elements; shapes broadcast. */
export function iferrorMatrix(m: Matrix, alt: () => Value, naOnly: boolean, ctx: Ctx): Value {
  const isHit = (v: Scalar) => (naOnly ? v === ERR.NA : v instanceof ExcelError);
  if (!m.data.some(isHit)) return m;
  const a = asMatrix(alt(), ctx);
  const rows = m.rows === 1 ? a.rows : a.rows === 1 ? m.rows : Math.max(m.rows, a.rows);
  const cols = m.cols === 1 ? a.cols : a.cols === 1 ? m.cols : Math.max(m.cols, a.cols);
  const tooLarge = arraySizeError(rows, cols);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = broadcastAt(m, i, j);
      out[i * cols + j] = isHit(v) ? broadcastAt(a, i, j) : v;
    }
  }
  return new Matrix(rows, cols, out);
}

/** IFERROR/IFNA with the alternative as a closure (when it reads LET/LAMBDA variables). */
export function iferrorLazy(v: Value, alt: () => Value, naOnly: boolean, ctx: Ctx): Value {
  if (v instanceof Matrix) return iferrorMatrix(v, alt, naOnly, ctx);
  const hit = naOnly ? v === ERR.NA : v instanceof ExcelError;
  return hit ? alt() : v;
}

/** Calls a LAMBDA value. */
export function invoke(_ctx: Ctx, callee: Value, args: Value[]): Value {
  if (!(callee instanceof Lambda)) return callee instanceof ExcelError ? callee : ERR.VALUE;
  if (args.length > callee.arity) return ERR.VALUE;
  return callee.fn(...args);
}

/** Restores the array flag after a call evaluated in array mode (see codegen). */
export function arrayScope(ctx: Ctx, previous: boolean, result: Value): Value {
  ctx.array = previous;
  return result;
}
