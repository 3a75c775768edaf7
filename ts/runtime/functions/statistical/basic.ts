/** MIN, MAX and AVERAGE: the statistical functions every model uses. */
import { collectNumbers } from '../../aggregate.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, type Value } from '../../values.js';

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
