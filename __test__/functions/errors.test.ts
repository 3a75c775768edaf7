/**
 * Error precedence and argument validation, family by family, as Excel's pages document
 * them: #VALUE! for arguments of the wrong type, #NUM! for values out of range, #N/A for
 * what is not found or of mismatched size, and an error passed as an argument (a #REF!
 * reference) as the answer before any other check.
 */
import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { call, col, range } from '../helpers/runtime.js';

test('engineering conversions: #NUM! for invalid digits or too many characters, #VALUE! for non-numbers and booleans', (t) => {
  // BIN2DEC page: "If number is not a valid binary number, or if number contains more than 10 characters, #NUM!".
  t.is(call('BIN2DEC', '2'), ERR.NUM);
  t.is(call('BIN2DEC', '10000000000'), ERR.NUM);
  t.is(call('HEX2DEC', 'G'), ERR.NUM);
  // DEC2BIN page: nonnumeric number or places is #VALUE!; negative places #NUM!.
  t.is(call('DEC2BIN', 'abc'), ERR.VALUE);
  t.is(call('DEC2BIN', 5, 'x'), ERR.VALUE);
  t.is(call('DEC2BIN', 5, -1), ERR.NUM);
  // CONVERT: "If an input data type is incorrect, #VALUE!"; unknown or incompatible units #N/A.
  t.is(call('CONVERT', 'a', 'm', 'km'), ERR.VALUE);
  t.is(call('CONVERT', true, 'm', 'km'), ERR.VALUE); // an Analysis ToolPak function: booleans are not numbers
  t.is(call('CONVERT', 1, 'm', 'kg'), ERR.NA);
  t.is(call('CONVERT', 1, 'm', 'km'), 0.001);
});

test('complex numbers: #NUM! for text that is not x+yi, #VALUE! for a bad suffix or nonnumeric parts', (t) => {
  t.is(call('IMABS', 'abc'), ERR.NUM);
  t.is(call('IMSUM', '1+i', 'x'), ERR.NUM);
  t.is(call('COMPLEX', 'a', 1), ERR.VALUE);
  t.is(call('COMPLEX', 1, 1, 'k'), ERR.VALUE);
  t.is(call('IMABS', '3+4i'), 5); // IMABS page example
});

test('statistical and lookup functions given text: #VALUE!', (t) => {
  t.is(call('AVERAGE', 'a'), ERR.VALUE);
  t.is(call('MEDIAN', 'a'), ERR.VALUE);
  t.is(call('NORM.DIST', 'a', 0, 1, true), ERR.VALUE);
  t.is(call('LARGE', col([1, 2]), 'a'), ERR.VALUE);
  t.is(call('MATCH', 1, col([1, 2]), 'x'), ERR.VALUE);
  t.is(call('INDEX', col([1, 2]), 'a'), ERR.VALUE);
  t.is(call('VLOOKUP', 1, range([[1, 2]]), 'a'), ERR.VALUE);
});

test('VLOOKUP/HLOOKUP: index below 1 #VALUE!, then a missing key #N/A, then an index past the table #REF!', (t) => {
  const table = range([[1, 'a'], [2, 'b']]);
  t.is(call('VLOOKUP', 9, table, 0, false), ERR.VALUE);
  t.is(call('VLOOKUP', 9, table, 5, false), ERR.NA); // not found comes before the bad index
  t.is(call('VLOOKUP', 2, table, 5, false), ERR.REF); // found, index 5 of 2 columns (corpus HVLOOKUP.xlsx P2)
  t.is(call('VLOOKUP', 2, table, 2, false), 'b');
  const row = range([[1, 2], ['a', 'b']]);
  t.is(call('HLOOKUP', 9, row, 5, false), ERR.NA);
  t.is(call('HLOOKUP', 1, row, 5, false), ERR.REF);
});

test('dates as text: "29/02/1900" and "31/12/2020" are not en-US dates (#VALUE!); "2/29/1900" is serial 60', (t) => {
  t.is(call('DATEVALUE', '29/02/1900'), ERR.VALUE);
  t.is(call('DAY', '29/02/1900'), ERR.VALUE);
  t.is(call('YEAR', '31/12/2020'), ERR.VALUE);
  t.is(call('DATEVALUE', '2/29/1900'), 60);
  t.is(call('DATEVALUE', '1/1/2008'), 39448); // DATEVALUE page example (1900 system)
});

test('wrong-shaped arrays: #VALUE! or #N/A as each page documents', (t) => {
  t.is(call('SUMPRODUCT', col([1, 2]), col([1, 2, 3])), ERR.VALUE); // "must have the same dimensions"
  t.is(call('MMULT', range([[1, 2]]), range([[1, 2]])), ERR.VALUE);
  t.is(call('CORREL', col([1, 2]), col([1, 2, 3])), ERR.NA); // "different number of data points: #N/A"
  t.is(call('SLOPE', col([1, 2]), col([1, 2, 3])), ERR.NA);
  t.is(call('SUMX2MY2', col([1, 2]), col([1, 2, 3])), ERR.NA);
  t.is(call('SUMIFS', col([1, 2]), col([1, 2, 3]), '>0'), ERR.VALUE);
});

test('#REF! arguments propagate as #REF!, before size or type checks', (t) => {
  const c3 = col([1, 2, 3]);
  for (const fn of ['CORREL', 'PEARSON', 'SLOPE', 'INTERCEPT', 'RSQ', 'STEYX', 'COVAR', 'COVARIANCE.S', 'SUMX2MY2', 'SUMXMY2', 'CHISQ.TEST']) {
    t.is(call(fn, c3, ERR.REF), ERR.REF, fn);
    t.is(call(fn, ERR.REF, c3), ERR.REF, fn);
  }
  t.is(call('RANK', 1, ERR.REF), ERR.REF);
  t.is(call('RANK.EQ', 1, ERR.REF), ERR.REF);
  t.is(call('SUBTOTAL', 9, ERR.REF), ERR.REF);
  t.is(call('XLOOKUP', 1, c3, ERR.REF), ERR.REF);
  t.is(call('SUM', 1, ERR.REF), ERR.REF);
  t.is(call('VLOOKUP', ERR.REF, range([[1, 2]]), 1), ERR.REF);
  t.is(call('INDEX', ERR.REF, 1), ERR.REF);
  t.is(call('MATCH', 1, ERR.REF), ERR.REF);
  t.true(call('ROWS', new Matrix(2, 1, [1, 2])) === 2);
});

test('ROUND reduces to 15 significant digits first: the ROUND page\'s examples, including -1.475 to -1.48', (t) => {
  t.is(call('ROUND', 2.15, 1), 2.2);
  t.is(call('ROUND', 2.149, 1), 2.1);
  t.is(call('ROUND', -1.475, 2), -1.48); // the double is -1.47499999999999997..., Excel rounds the 15-digit -1.475
  t.is(call('ROUND', 21.5, -1), 20);
  t.is(call('ROUND', 626.3, -3), 1000);
  t.is(call('ROUND', 1.98, -1), 0);
  t.is(call('ROUND', -50.55, -2), -100);
  t.is(call('ROUNDUP', 3.14159, 3), 3.142); // ROUNDUP page
  t.is(call('ROUNDDOWN', -3.14159, 1), -3.1); // ROUNDDOWN page
});
