import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { call, col, range } from '../helpers/runtime.js';

test('SUM adds direct numbers, booleans and numeric text; ranges only numbers', (t) => {
  t.is(call('SUM', 1, true, '3'), 5);
  t.is(call('SUM', col([1, true, '3', null, 4])), 5);
  t.is(call('SUM', 'abc'), ERR.VALUE);
  t.is(call('SUM', col([1, ERR.NA])), ERR.NA);
});

test('MIN/MAX of empty ranges are 0; AVERAGE of nothing is #DIV/0!', (t) => {
  t.is(call('MIN', col([null, 'x'])), 0);
  t.is(call('MAX', col([3, -1, 7])), 7);
  t.is(call('AVERAGE', col([null])), ERR.DIV0);
  t.is(call('AVERAGE', range([[1, 2], [3, 'x']])), 2);
});

test('ROUND rounds half away from zero at the shown decimal', (t) => {
  t.is(call('ROUND', 2.5, 0), 3);
  t.is(call('ROUND', -2.5, 0), -3);
  t.is(call('ROUND', 1.005, 2), 1.01);
  t.is(call('ROUND', 1234.5678, -2), 1200);
  t.is(call('ROUND', 'x', 1), ERR.VALUE);
});

test('AND/OR/NOT and IFERROR', (t) => {
  t.is(call('AND', true, 1), true);
  t.is(call('AND', col(['x', null])), ERR.VALUE);
  t.is(call('OR', false, col([0, 1])), true);
  t.is(call('NOT', 0), true);
  t.is(call('IFERROR', ERR.DIV0, 'alt'), 'alt');
  t.is(call('IFERROR', 5, 'alt'), 5);
});

test('scalar functions lift over arrays', (t) => {
  const r = call('NOT', new Matrix(1, 2, [true, 0]));
  t.deepEqual(r, new Matrix(1, 2, [false, true]));
});

test('calls with few and many arguments: counts, coercion, first error, lifting', (t) => {
  // Argument counts outside the signature are #VALUE!, with or without coercion.
  t.is(call('ROUND', 1), ERR.VALUE);
  t.is(call('ROUND', 1, 2, 3), ERR.VALUE);
  t.is(call('SUM'), ERR.VALUE);
  // Up to four arguments and beyond (the general path), coerced per parameter kind.
  t.is(call('SUM', 1, 2, 3, 4), 10);
  t.is(call('SUM', 1, 2, 3, 4, 5, 6), 21);
  t.is(call('CONCATENATE', 'a', 1, true, 'd'), 'a1TRUEd');
  t.is(call('CONCATENATE', 'a', 'b', 'c', 'd', 'e', 6), 'abcde6');
  t.is(call('DATE', '2020', 1, 31), 43861);
  // The first error argument (in order) is the result.
  t.is(call('ROUND', ERR.NA, ERR.DIV0), ERR.NA);
  t.is(call('CONCATENATE', 'a', 'b', 'c', 'd', ERR.REF, ERR.NA), ERR.REF);
  // An array argument lifts the call, with or without extra arguments.
  const lifted = call('ROUND', new Matrix(1, 2, [1.25, 2.35]), 1);
  t.deepEqual(lifted instanceof Matrix ? lifted.data : lifted, [1.3, 2.4]);
  const joined = call('CONCATENATE', 'a', 'b', 'c', 'd', new Matrix(2, 1, ['x', 'y']));
  t.deepEqual(joined instanceof Matrix ? joined.data : joined, ['abcdx', 'abcdy']);
});
