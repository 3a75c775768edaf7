/**
 * The runtime's fast paths give what the general paths give: the cell store's typed
 * arrays, the number-number operator paths, the direct function entries (dates, INDEX)
 * and INDEX read as an operand's value. Expected values are Excel's rules as the
 * general paths implement them (each case says which).
 */
import test from 'ava';
import { ERR, F, Matrix, Ref, Sheet, indexValue, pow, mul, type Scalar } from '../ts/runtime/index.js';
import { call, ctx, sheetOf } from './helpers/runtime.js';

test('the cell store keeps every kind of value, and clones are independent', (t) => {
  const s = Sheet.create('S', 0, 4, 4, 16);
  const values: Scalar[] = [1.5, -0, 'text', true, false, ERR.NA, null, 0, '', Number.MAX_VALUE];
  values.forEach((v, i) => s.set(i % 4, Math.floor(i / 4), v));
  values.forEach((v, i) => t.true(Object.is(s.get(i % 4, Math.floor(i / 4)), v), `value ${String(v)}`));
  // Overwrites change kind both ways.
  s.set(0, 0, 'now text');
  t.is(s.get(0, 0), 'now text');
  s.set(0, 0, 7);
  t.is(s.get(0, 0), 7);
  s.set(0, 0, null);
  t.is(s.get(0, 0), null);
  // Outside the dense rectangle (the sparse part) and beyond it: blank.
  s.set(10, 2, 3);
  t.is(s.get(10, 2), 3);
  t.is(s.get(11, 2), null);
  const c = Sheet.cloneOf(s);
  // A clone shares its template's non-number values until it writes one of its own.
  t.is(c.get(2, 0), 'text');
  c.set(2, 1, 'own');
  t.is(c.get(2, 1), 'own');
  t.is(s.get(2, 1), null);
  t.is(c.get(2, 0), 'text');
  c.set(0, 1, 99);
  c.set(10, 2, 'x');
  t.is(s.get(0, 1), false);
  t.true(Object.is(s.get(1, 0), -0));
  t.is(s.get(10, 2), 3);
  t.is(c.get(0, 1), 99);
  t.is(c.get(10, 2), 'x');
  // Pinned cells ignore formula writes.
  c.pin(1, 1, 5);
  c.set(1, 1, 6);
  t.is(c.get(1, 1), 5);
});

test('number operands of ^ follow the general rules', (t) => {
  const x = ctx();
  t.is(pow(0, 0, x), ERR.NUM);
  t.is(pow(0, -1, x), ERR.DIV0);
  t.is(pow(0, 2, x), 0);
  t.is(pow(-8, 1 / 3, x), ERR.NUM); // NaN
  t.is(pow(10, 400, x), ERR.NUM); // overflow
  t.is(pow(2, 0.5, x), Math.SQRT2);
  t.is(pow(-2, 3, x), -8);
  // The general path (text operands) agrees.
  t.is(pow('0', 0, x), ERR.NUM);
  t.is(pow('2', '3', x), 8);
  t.is(mul(1e300, 1e10, x), ERR.NUM);
});

test('direct entries for YEAR/MONTH/DAY and INDEX agree with the general path', (t) => {
  t.is(call('MONTH', 45658), 1); // 2025-01-01
  t.is(call('MONTH', '2020-03-15'), 3); // text: general path
  t.is(call('MONTH', true), 1); // TRUE is serial 1 (1900-01-01)
  t.is(call('MONTH', -1), ERR.NUM);
  t.is(call('MONTH', ERR.DIV0), ERR.DIV0);
  t.is(call('YEAR', 45658, 1), ERR.VALUE); // too many arguments
  const months = call('MONTH', new Matrix(1, 2, [45658, 45689]));
  t.deepEqual(months instanceof Matrix ? months.data : months, [1, 2]);
  const s = sheetOf([[10, 20, 30], [40, null, 60]]);
  const area = new Ref(s, 0, 0, 1, 2);
  const cell = call('INDEX', area, 2, 3);
  t.true(cell instanceof Ref && cell.r0 === 1 && cell.c0 === 2 && cell.isCell);
  t.is(call('INDEX', area, 3, 1), ERR.REF);
  t.is(call('INDEX', area, -1, 1), ERR.VALUE);
  t.is(call('INDEX', area, '2', 1) instanceof Ref, true); // text position: general path
  t.is(call('INDEX', new Matrix(1, 3, [1, 2, 3]), 2), 2);
});

test('INDEX read as an operand value: the cell value, or INDEX result as is', (t) => {
  const x = ctx();
  const s = sheetOf([[10, 20, 30], [40, null, 60]]);
  const area = new Ref(s, 0, 0, 1, 2);
  t.is(indexValue(x, area, 2, 3), 60);
  t.is(indexValue(x, area, 2, 2), null); // a blank cell reads as blank
  t.is(indexValue(x, new Ref(s, 0, 1, 0, 2), 2), 30); // one row: the position runs along it
  t.is(indexValue(x, area, 3, 1), ERR.REF);
  // A whole row is still a reference (the operator intersects or lifts it).
  const row = indexValue(x, area, 2, 0);
  t.true(row instanceof Ref && row.r0 === 1 && row.c0 === 0 && row.c1 === 2);
  // A one-cell area selected by position 0 is read as its value, like the reference.
  t.is(indexValue(x, new Ref(s, 1, 0, 1, 0), 0, 0), 40);
  // Arrays and non-number positions take INDEX's general path.
  t.is(indexValue(x, new Matrix(2, 1, [5, 6]), 2), 6);
  t.is(indexValue(x, area, '1', '2'), 20);
  t.is(indexValue(x, area, ERR.NA, 1), ERR.NA);
  t.is(F.INDEX!(x, area), ERR.VALUE);
});

test('SUM over a reference in bulk: numbers in row-major order, first error, text and booleans skipped', (t) => {
  const s = sheetOf([
    [0.1, 'x', true, 0.2],
    [null, 0.3, ERR.DIV0, 1e16],
    [1, -1e16, ERR.NA, 2],
  ]);
  // Row-major order of additions, as the cell-by-cell loop did (floating point).
  t.is(call('SUM', new Ref(s, 0, 0, 0, 3)), 0.1 + 0.2);
  t.is(call('SUM', new Ref(s, 0, 0, 1, 1)), 0.1 + 0.3);
  t.is(call('SUM', new Ref(s, 0, 3, 2, 3), new Ref(s, 2, 0, 2, 1)), 0.2 + 1e16 + 2 + 1 + -1e16);
  t.is(call('SUM', new Ref(s, 0, 0, 2, 3)), ERR.DIV0);
  t.is(call('SUM', new Ref(s, 2, 0, 2, 3)), ERR.NA);
  // Beyond the used rectangle: blank (whole column).
  t.is(call('SUM', new Ref(s, 0, 0, 1048575, 0)), 1.1);
  t.is(call('SUM', 5, new Ref(s, 0, 0, 0, 0), '2'), 7.1);
});

test('^ on numbers: repeated and colliding operand pairs give Math.pow exactly', (t) => {
  const x = ctx();
  for (let round = 0; round < 2; round++) {
    for (let i = 1; i <= 3000; i++) {
      const a = 1 + i / 997;
      const b = (i % 120) / 12;
      if (pow(a, b, x) !== Math.pow(a, b)) {
        t.fail(`${a}^${b}`);
        return;
      }
    }
  }
  t.true(Object.is(pow(-0, 3, x), -0));
  t.is(pow(0, 3, x), 0);
  t.is(pow(-8, 1 / 3, x), ERR.NUM);
  t.is(pow(-8, 3, x), -512);
});
