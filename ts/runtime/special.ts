/**
 * Helpers for the forms the code generator compiles inline: IF, IFERROR/IFNA (lazy in
 * their untaken branch, like Excel), LAMBDA invocation, and array-argument scopes.
 */
import { scalar, toBool } from './coerce.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, type Ctx, type Scalar, type Value } from './values.js';

/** The value of an IF condition: a boolean, an error, or a Matrix to select element-wise. */
export function condition(v: Value, ctx: Ctx): boolean | ExcelError | Matrix {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref && !v.isCell && ctx.array) return v.toMatrix();
  const s = scalar(v, ctx);
  if (s instanceof ExcelError) return s;
  return toBool(s);
}

function asMatrix(v: Value, ctx: Ctx): Matrix {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref) return v.isCell ? new Matrix(1, 1, [v.sheet.get(v.r0, v.c0)]) : v.toMatrix();
  return new Matrix(1, 1, [scalar(v, ctx)]);
}

/** IF when the condition is an error or an array. */
export function ifOther(c: boolean | ExcelError | Matrix, ctx: Ctx, yes: () => Value, no: () => Value): Value {
  if (c instanceof ExcelError) return c;
  if (!(c instanceof Matrix)) return c ? yes() : no();
  const conds = c.data.map((v) => (v instanceof ExcelError ? v : toBool(v)));
  const needYes = conds.some((v) => v === true);
  const needNo = conds.some((v) => v === false);
  const y = needYes ? asMatrix(yes(), ctx) : null;
  const n = needNo ? asMatrix(no(), ctx) : null;
  const rows = Math.max(c.rows, y?.rows === 1 ? 1 : y?.rows ?? 1, n?.rows === 1 ? 1 : n?.rows ?? 1);
  const cols = Math.max(c.cols, y?.cols === 1 ? 1 : y?.cols ?? 1, n?.cols === 1 ? 1 : n?.cols ?? 1);
  const pick = (m: Matrix | null, i: number, j: number): Scalar => {
    if (!m) return ERR.NA;
    const ii = m.rows === 1 ? 0 : i;
    const jj = m.cols === 1 ? 0 : j;
    return ii < m.rows && jj < m.cols ? m.get(ii, jj) : ERR.NA;
  };
  const out: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const ci = c.rows === 1 ? 0 : i;
      const cj = c.cols === 1 ? 0 : j;
      const cv = ci < c.rows && cj < c.cols ? conds[ci * c.cols + cj]! : ERR.NA;
      out[i * cols + j] = cv instanceof ExcelError ? cv : cv ? pick(y, i, j) : pick(n, i, j);
    }
  }
  return new Matrix(rows, cols, out);
}

/** The value tested by IFERROR/IFNA: a scalar, or an array in array context. */
export function val(v: Value, ctx: Ctx): Value {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref) {
    if (v.isCell) return v.sheet.get(v.r0, v.c0);
    return ctx.array ? v.toMatrix() : scalar(v, ctx);
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
  const at = (x: Matrix, i: number, j: number): Scalar => {
    const ii = x.rows === 1 ? 0 : i;
    const jj = x.cols === 1 ? 0 : j;
    return ii < x.rows && jj < x.cols ? x.get(ii, jj) : ERR.NA;
  };
  const out: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = at(m, i, j);
      out[i * cols + j] = isHit(v) ? at(a, i, j) : v;
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
