/** MIN, MAX and AVERAGE: the statistical functions every model uses. */
import { collectNumbers } from '../../aggregate.js';
import { defineEntry, defineFn } from '../../registry.js';
import { ERR, ExcelError, Ref, type Ctx, type Value } from '../../values.js';

defineFn('MIN', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return xs.length ? m : 0;
}, { pure: true, ranges: 'r' });

defineFn('MAX', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return xs.length ? m : 0;
}, { pure: true, ranges: 'r' });

defineFn('AVERAGE', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return ERR.DIV0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}, { pure: true, ranges: 'r' });

/**
 * The number an aggregate reads from an argument in the common case: a number, or a
 * reference to one cell that holds a number. NaN for anything else (text, logicals,
 * blanks, errors, ranges, arrays), which the general entry decides; stores hold no NaN.
 */
function plainNumber(a: Value | undefined): number {
  if (typeof a === 'number') return a;
  if (a instanceof Ref && a.r0 === a.r1 && a.c0 === a.c1) {
    const v = a.sheet.get(a.r0, a.c0);
    if (typeof v === 'number') return v;
  }
  return NaN;
}

// Entries for one or two plain numbers (`MAX(0, MIN(B3, B4 - B5))`, the average of an
// opening and a closing balance), which models evaluate per cell and per iteration of a
// circular block: the general entry collects every argument into an array first. The
// results are the general ones: the first of equal numbers, the sum in argument order.
defineEntry('MIN', (general) =>
  function MIN(_ctx: Ctx, a?: Value, b?: Value): Value {
    const x = plainNumber(a);
    if (x === x) {
      if (arguments.length === 2) return x;
      const y = plainNumber(b);
      if (arguments.length === 3 && y === y) return y < x ? y : x;
    }
    return general.apply(undefined, arguments as never);
  },
);

defineEntry('MAX', (general) =>
  function MAX(_ctx: Ctx, a?: Value, b?: Value): Value {
    const x = plainNumber(a);
    if (x === x) {
      if (arguments.length === 2) return x;
      const y = plainNumber(b);
      if (arguments.length === 3 && y === y) return y > x ? y : x;
    }
    return general.apply(undefined, arguments as never);
  },
);

defineEntry('AVERAGE', (general) =>
  function AVERAGE(_ctx: Ctx, a?: Value, b?: Value): Value {
    const x = plainNumber(a);
    if (x === x) {
      if (arguments.length === 2) return x;
      const y = plainNumber(b);
      const m = (x + y) / 2;
      if (arguments.length === 3 && m - m === 0) return m; // not NaN, not an overflow
    }
    return general.apply(undefined, arguments as never);
  },
);
