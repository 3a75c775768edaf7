import test from 'ava';
import { ERR, Lambda, Matrix, Ref, type Scalar, type Value } from '../../ts/runtime/index.js';
import { call, callIn, col, ctx, makeBook, range } from '../helpers/runtime.js';

const m = (rows: (number | string | boolean | null)[][]) => Matrix.from2D(rows);
const sum = (v: Value): number => {
  const x = v instanceof Ref ? v.toMatrix() : (v as Matrix);
  return (x.data as number[]).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
};

test('FILTER keeps rows; empty result is #CALC! unless if_empty', (t) => {
  const data = range([[1, 'a'], [5, 'b'], [7, 'c']]);
  t.deepEqual(call('FILTER', data, m([[false], [true], [true]])), m([[5, 'b'], [7, 'c']]));
  t.is(call('FILTER', data, m([[false], [false], [false]])), ERR.CALC);
  t.is(call('FILTER', data, m([[0], [0], [0]]), 'none'), 'none');
  t.is(call('FILTER', data, m([[1], [0]])), ERR.VALUE);
  t.is(call('FILTER', data, m([[1], [ERR.NA as never], [0]])), ERR.NA);
});

test('SORT / SORTBY', (t) => {
  // corpus MATCH_LOOKUP_arrays.xlsx: SORT({30;10;20}) then MATCH(20,...,1) = 2
  t.deepEqual(call('SORT', m([[30], [10], [20]])), m([[10], [20], [30]]));
  t.deepEqual(call('SORT', m([[1, 'b'], [2, 'a']]), 2), m([[2, 'a'], [1, 'b']]));
  t.deepEqual(call('SORT', m([[1], [3], [2]]), 1, -1), m([[3], [2], [1]]));
  t.deepEqual(call('SORT', m([[30, 10, 20], [3, 1, 2]]), 1, 1, true), m([[10, 20, 30], [1, 2, 3]]));
  t.is(call('SORT', m([[1]]), 2), ERR.VALUE);
  t.is(call('SORT', m([[1]]), 1, 0), ERR.VALUE);
  t.deepEqual(call('SORTBY', m([['x'], ['y'], ['z']]), m([[3], [1], [2]])), m([['y'], ['z'], ['x']]));
  t.deepEqual(call('SORTBY', m([['x'], ['y']]), m([[1], [2]]), -1), m([['y'], ['x']]));
});

test('SORT ranks errors by ERROR.TYPE number; blanks last either way', (t) => {
  // corpus SORT.xlsx: inputs #NAME? (A10), #DIV/0! (A16), #N/A (A17) with numbers, text and
  // blanks. SORT(A1:A25) ends ..., #DIV/0!, #NAME?, #N/A, then blanks; SORT(A1:A25,1,-1)
  // starts #N/A, #NAME?, #DIV/0!, "Qwer", ... and still ends with the blanks.
  // (Matrix.from2D pads with #N/A, so build the column directly to hold a blank.)
  const mx = (rows: Scalar[][]) => new Matrix(rows.length, rows[0]!.length, rows.flat());
  const data = range([[ERR.NAME], [1], ['b'], [ERR.DIV0], [null], [ERR.NA], [true]]);
  t.deepEqual(call('SORT', data), mx([[1], ['b'], [true], [ERR.DIV0], [ERR.NAME], [ERR.NA], [null]]));
  t.deepEqual(call('SORT', data, 1, -1), mx([[ERR.NA], [ERR.NAME], [ERR.DIV0], [true], ['b'], [1], [null]]));
  // SORT(A1:B25) sorts rows by the first column: #DIV/0!'s row (B16 "nht") before #NAME?'s (B10 "ghdf").
  const two = range([[ERR.NAME, 'ghdf'], [ERR.DIV0, 'nht'], [2, 'x']]);
  t.deepEqual(call('SORT', two), mx([[2, 'x'], [ERR.DIV0, 'nht'], [ERR.NAME, 'ghdf']]));
  t.deepEqual(call('SORTBY', m([['a'], ['b'], ['c']]), mx([[ERR.NA], [ERR.NULL], [ERR.VALUE]])), m([['b'], ['c'], ['a']]));
});

test('UNIQUE is case-insensitive; exactly_once', (t) => {
  // corpus: MATCH("banana",UNIQUE({"apple";"banana";"apple";"cherry"}),0) = 2
  t.deepEqual(call('UNIQUE', m([['apple'], ['banana'], ['Apple'], ['cherry']])), m([['apple'], ['banana'], ['cherry']]));
  t.deepEqual(call('UNIQUE', m([[1], [2], [2], [3]]), false, true), m([[1], [3]]));
  t.deepEqual(call('UNIQUE', m([[1, 1, 2]]), true), m([[1, 2]]));
  t.is(call('UNIQUE', m([[1], [1]]), false, true), ERR.CALC);
});

test('SEQUENCE and RANDARRAY (corpus SEQUENCE.xlsx)', (t) => {
  t.deepEqual(call('SEQUENCE', 2, 3), m([[1, 2, 3], [4, 5, 6]]));
  t.deepEqual(call('SEQUENCE', 3, null as never, 10), m([[10], [11], [12]]));
  t.deepEqual(call('SEQUENCE', '2'), m([[1], [2]]));
  t.is(call('SEQUENCE', -1), ERR.VALUE);
  t.is(call('SEQUENCE', 0.3), ERR.CALC); // stored as #VALUE! with rich-value #CALC! metadata
  t.is(call('SEQUENCE', ERR.DIV0), ERR.DIV0);
  const c = ctx({}, makeBook([], { random: () => 0.25 }));
  t.deepEqual(callIn(c, 'RANDARRAY', 1, 2), m([[0.25, 0.25]]));
  t.deepEqual(callIn(c, 'RANDARRAY', 1, 1, 1, 5, true), m([[2]]));
  t.is(callIn(c, 'RANDARRAY', 1, 1, 5, 1), ERR.VALUE);
});

test('TAKE / DROP / EXPAND (corpus DROP_TAKE.xlsx, EXPAND.xlsx)', (t) => {
  const days = col(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
  t.deepEqual(call('TAKE', days, 2), m([['Mon'], ['Tue']]));
  t.deepEqual(call('TAKE', days, -3), m([['Fri'], ['Sat'], ['Sun']]));
  t.is(call('TAKE', days, 0), ERR.CALC);
  t.deepEqual(call('DROP', days, 6.2), m([['Sun']]));
  t.deepEqual(call('DROP', days, -5), m([['Mon'], ['Tue']]));
  t.is(call('DROP', days, 7), ERR.CALC);
  t.is(call('DROP', days, 1, 1), ERR.CALC);
  t.deepEqual(call('EXPAND', m([[1, 2]]), 2, 3, 'x'), m([[1, 2, 'x'], ['x', 'x', 'x']]));
  t.deepEqual(call('EXPAND', m([[1]]), 2), new Matrix(2, 1, [1, ERR.NA]));
  t.is(call('EXPAND', m([[1], [2]]), 1), ERR.VALUE);
});

test('CHOOSEROWS / CHOOSECOLS / HSTACK / VSTACK', (t) => {
  const a = m([[1, 2], [3, 4], [5, 6]]);
  t.deepEqual(call('CHOOSEROWS', a, 1, -1), m([[1, 2], [5, 6]]));
  t.deepEqual(call('CHOOSEROWS', a, m([[2, 3]])), m([[3, 4], [5, 6]]));
  t.is(call('CHOOSEROWS', a, 4), ERR.VALUE);
  t.deepEqual(call('CHOOSECOLS', a, 2), m([[2], [4], [6]]));
  t.deepEqual(call('VSTACK', m([[1, 2]]), m([[3]])), new Matrix(2, 2, [1, 2, 3, ERR.NA]));
  t.deepEqual(call('HSTACK', m([[1], [2]]), 9), new Matrix(2, 2, [1, 9, 2, ERR.NA]));
});

test('TOCOL / TOROW / WRAPROWS / WRAPCOLS', (t) => {
  const a = new Matrix(2, 2, [1, null, ERR.NA, 4]);
  t.deepEqual(call('TOCOL', a), new Matrix(4, 1, [1, null, ERR.NA, 4]));
  t.deepEqual(call('TOCOL', a, 3), m([[1], [4]]));
  t.deepEqual(call('TOROW', a, 1, true), new Matrix(1, 3, [1, ERR.NA, 4]));
  t.is(call('TOCOL', a, 4), ERR.VALUE);
  t.deepEqual(call('WRAPROWS', m([[1, 2, 3, 4, 5]]), 2), new Matrix(3, 2, [1, 2, 3, 4, 5, ERR.NA]));
  t.deepEqual(call('WRAPCOLS', m([[1, 2, 3]]), 2, 0), m([[1, 3], [2, 0]]));
  t.is(call('WRAPROWS', m([[1, 2], [3, 4]]), 2), ERR.VALUE);
  t.is(call('WRAPROWS', m([[1, 2]]), 0), ERR.NUM);
});

test('TRIMRANGE trims blank outer rows and columns', (t) => {
  const r = range([[null, null, null], [null, 1, null], [null, 2, null], [null, null, null]]);
  const tr = call('TRIMRANGE', r) as Ref;
  t.deepEqual([tr.r0, tr.c0, tr.r1, tr.c1], [1, 1, 2, 1]);
  const lead = call('TRIMRANGE', r, 1, 0) as Ref;
  t.deepEqual([lead.r0, lead.c0, lead.r1, lead.c1], [1, 0, 3, 2]);
});

test('LAMBDA helpers: MAP, REDUCE, SCAN, BYROW, BYCOL, MAKEARRAY', (t) => {
  const mul = new Lambda(2, (x, y) => (x as number) * (y as number));
  const add = new Lambda(2, (x, y) => (x as number) + (y as number));
  t.deepEqual(call('MAP', m([[1, 2], [3, 4]]), m([[5, 6], [7, 8]]), mul), m([[5, 12], [21, 32]]));
  t.is(call('REDUCE', 0, m([[1, 2], [3, 4]]), add), 10);
  t.deepEqual(call('SCAN', 0, m([[1, 2, 3]]), add), m([[1, 3, 6]]));
  const total = new Lambda(1, (r) => sum(r));
  t.deepEqual(call('BYROW', range([[1, 2], [3, 4]]), total), m([[3], [7]]));
  t.deepEqual(call('BYCOL', m([[1, 2], [3, 4]]), total), m([[4, 6]]));
  // corpus MAKEARRAY.xlsx: MAKEARRAY(3,3,LAMBDA(x,y,x*y)) starts with 1
  t.deepEqual(call('MAKEARRAY', 2, 2, mul), m([[1, 2], [2, 4]]));
  t.is(call('MAP', m([[1]]), 5), ERR.VALUE);
  t.is(call('BYROW', m([[1]]), mul), ERR.VALUE); // wrong arity
});
