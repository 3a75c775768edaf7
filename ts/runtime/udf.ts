/**
 * User-defined functions (VBA macros, add-in functions) implemented in JavaScript by the
 * engine's user: `loadEngine(dir, { functions: { MyUdf: (x) => x * 2 } })` or
 * `run(inputs, { functions })`. The compiler compiles a call to a function it was told
 * is implemented (`compile(file, { functions })`) into `R.udf(x, "MYUDF", ...args)`;
 * the implementation is looked up in the run's book, never in the shared registry, so
 * two engines (or two runs) can carry different implementations.
 */
import { ERR, ExcelError, Lambda, Matrix, Ref, RefList, errorFromCode, type Ctx, type Scalar, type Value } from './values.js';

/** A value a user-defined function receives: a cell's value, or a range's as rows. */
export type UserFunctionValue = number | string | boolean | null | ExcelError;
export type UserFunctionArgument = UserFunctionValue | UserFunctionValue[][];
/**
 * A user-defined function: receives Excel values (numbers, strings, booleans, null for a
 * blank or an omitted argument, `ExcelError`s, and 2-D arrays, rows of values, for
 * ranges and arrays) and returns one (a `Date` is a date; an array spills in an array
 * formula; a thrown exception is `#VALUE!`, as an error raised in VBA is).
 */
export type UserFunction = (...args: UserFunctionArgument[]) => UserFunctionArgument | Date | readonly (readonly unknown[])[] | undefined;

/** The implementations given to a run, by upper-case name (prefixes `_xludf.`/`_xll.` dropped). */
export function userFunctionTable(functions: Record<string, UserFunction> | undefined): Map<string, UserFunction> | undefined {
  if (!functions) return undefined;
  const table = new Map<string, UserFunction>();
  for (const [name, f] of Object.entries(functions)) {
    if (typeof f !== 'function') continue;
    table.set(userFunctionName(name), f);
  }
  return table;
}

/** `_xludf.MyUdf` → `MYUDF`. */
export function userFunctionName(name: string): string {
  const upper = name.toUpperCase();
  for (const p of ['_XLUDF.', '_XLL.']) if (upper.startsWith(p)) return upper.slice(p.length);
  return upper;
}

function rows(m: Matrix): UserFunctionValue[][] {
  const out: UserFunctionValue[][] = [];
  for (let r = 0; r < m.rows; r++) {
    const row: UserFunctionValue[] = [];
    for (let c = 0; c < m.cols; c++) row.push(m.get(r, c));
    out.push(row);
  }
  return out;
}

/** An argument as the user's function receives it. */
function argument(v: Value | undefined): UserFunctionArgument {
  if (v === undefined || v === null) return null;
  if (v instanceof Ref) return v.isCell ? v.sheet.get(v.r0, v.c0) : rows(v.toMatrix());
  if (v instanceof Matrix) return rows(v);
  if (v instanceof RefList || v instanceof Lambda) return ERR.VALUE;
  return v as Scalar;
}

/**
 * One returned value as an Excel scalar: numbers (not finite: `#NUM!`), text, booleans,
 * null/undefined (blank), a `Date` (its serial), an `ExcelError` (from any runtime copy,
 * or any object whose `code` is an Excel error code); anything else is `#VALUE!`.
 */
function toScalarish(v: unknown, date1904: boolean): Scalar {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : ERR.NUM;
    case 'bigint':
      return Number(v);
    case 'string':
    case 'boolean':
      return v;
    case 'undefined':
      return null;
    case 'object': {
      if (v === null) return null;
      if (v instanceof ExcelError) return v;
      if (v instanceof Date) {
        const t = v.getTime();
        if (!Number.isFinite(t)) return ERR.VALUE;
        const serial = (t - v.getTimezoneOffset() * 60000) / 86400000 + 25569;
        return date1904 ? serial - 1462 : serial;
      }
      const code = (v as { code?: unknown }).code;
      return (typeof code === 'string' && errorFromCode(code)) || ERR.VALUE;
    }
    default:
      return ERR.VALUE;
  }
}

/** What the user's function returned, as an Excel value. */
function result(v: unknown, x: Ctx): Value {
  if (Array.isArray(v)) {
    const grid = v.length > 0 && v.every((r) => Array.isArray(r)) ? (v as unknown[][]) : [v as unknown[]];
    const cols = Math.max(0, ...grid.map((r) => r.length));
    if (grid.length === 0 || cols === 0) return ERR.CALC;
    const items: Scalar[] = [];
    for (const r of grid) for (let c = 0; c < cols; c++) items.push(toScalarish(r[c], x.book.date1904));
    return new Matrix(grid.length, cols, items);
  }
  return toScalarish(v, x.book.date1904);
}

/**
 * Calls the user-defined function `name` (upper-case) with the call's arguments. The
 * engine refuses to run without every implementation it needs (`E_MISSING_FUNCTION`),
 * so a missing one here is a call the compiler did not expect: `#NAME?`, as in Excel.
 */
export function udf(x: Ctx, name: string, ...args: Value[]): Value {
  const f = x.book.userFunction?.(name) as UserFunction | undefined;
  if (!f) return ERR.NAME;
  let out: unknown;
  try {
    out = f(...args.map(argument));
  } catch {
    return ERR.VALUE;
  }
  return result(out, x);
}

