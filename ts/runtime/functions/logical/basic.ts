/**
 * AND, OR, NOT, IF and IFERROR. IF, IFERROR, IFNA, AND/OR short-circuit forms are compiled
 * inline by the code generator when possible; these registrations serve the general
 * (array) case.
 */
import { forEachValue } from '../../aggregate.js';
import { toBool } from '../../coerce.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, type Scalar, type Value } from '../../values.js';

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
defineFn('NOT', ['bool'], 1, 1, (_ctx, b: boolean) => !b, { pure: true });

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
