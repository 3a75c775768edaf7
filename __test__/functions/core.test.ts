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
