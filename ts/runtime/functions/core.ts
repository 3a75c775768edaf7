/**
 * The first functions: the aggregates and logical functions every model uses.
 * IF, IFERROR, IFNA, AND/OR short-circuit forms are compiled inline by the code
 * generator when possible; these registrations serve the general (array) case.
 */
import { collectNumbers, forEachValue, sumValues } from '../aggregate.js';
import { toBool } from '../coerce.js';
import { defineFn } from '../registry.js';
import { ERR, ExcelError, type Scalar, type Value } from '../values.js';

defineFn('SUM', ['any'], 1, 255, (_ctx, ...args: Value[]) => sumValues(args));

defineFn('MIN', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return xs.length ? m : 0;
});

defineFn('MAX', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return xs.length ? m : 0;
});

defineFn('AVERAGE', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return ERR.DIV0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
});

/** Excel rounds half away from zero, on the decimal value it shows (15 significant digits). */
export function roundHalfAway(x: number, digits: number): number {
  const d = Math.trunc(digits);
  if (d > 15) return x;
  const scaled = Number((Math.abs(x) * Math.pow(10, d)).toPrecision(15));
  const r = Math.round(scaled) / Math.pow(10, d);
  return x < 0 ? -r : r;
}

defineFn('ROUND', ['number', 'number'], 2, 2, (_ctx, x: number, d: number) => roundHalfAway(x, d));

/** AND/OR over values: booleans and numbers count; text in references is skipped. */
function logical(args: Value[], combine: 'and' | 'or'): Scalar {
  let seen = false;
  let acc = combine === 'and';
  let err: ExcelError | null = null;
  forEachValue(args, (v, direct) => {
    if (v instanceof ExcelError) {
      err = v;
      return false;
    }
    let b: boolean | null = null;
    if (typeof v === 'boolean') b = v;
    else if (typeof v === 'number') b = v !== 0;
    else if (typeof v === 'string' && direct) {
      // Text typed as an argument counts only when it reads as a boolean; other text is skipped.
      const t = toBool(v);
      b = t instanceof ExcelError ? null : t;
    }
    else if (v === null && direct) b = false;
    if (b !== null) {
      seen = true;
      acc = combine === 'and' ? acc && b : acc || b;
    }
    return true;
  });
  if (err) return err;
  return seen ? acc : ERR.VALUE;
}

defineFn('AND', ['any'], 1, 255, (_ctx, ...args: Value[]) => logical(args, 'and'));
defineFn('OR', ['any'], 1, 255, (_ctx, ...args: Value[]) => logical(args, 'or'));
defineFn('NOT', ['bool'], 1, 1, (_ctx, b: boolean) => !b);

/** IF as a function (array conditions); the compiler inlines the scalar case lazily. */
defineFn('IF', ['scalar', 'scalar', 'scalar'], 1, 3, (_ctx, c: Scalar, t?: Scalar, f?: Scalar) => {
  if (c instanceof ExcelError) return c;
  const b = toBool(c);
  if (b instanceof ExcelError) return b;
  if (b) return t === undefined ? true : t;
  return f === undefined ? false : f;
});

defineFn('IFERROR', ['scalar', 'scalar'], 2, 2, (_ctx, v: Scalar, alt: Scalar) =>
  v instanceof ExcelError ? alt : v,
);

