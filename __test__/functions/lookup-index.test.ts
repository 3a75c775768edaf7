/**
 * Exact lookups through a range's value classes (the store's grouping, kept while the
 * range is unwritten; lookup.ts `exactIndex`): MATCH, XLOOKUP, VLOOKUP and XMATCH find
 * what a scan finds. Expected positions are computed here by the definition of an exact
 * match: the first (or, searching from the end, last) cell equal to the lookup value,
 * text compared case-insensitively, numbers to 15 significant digits.
 */
import test from 'ava';
import { ERR, F, Ref, Sheet, type Scalar } from '../../ts/runtime/index.js';
import { ctx } from '../helpers/runtime.js';
import { rng } from '../helpers/random.js';

const ROWS = 300;

function equal(a: Scalar, b: Scalar): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Number(a.toPrecision(15)) === Number(b.toPrecision(15));
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return false;
}

test('exact MATCH, XMATCH and XLOOKUP find the first or last equal cell, before and after the range changes', (t) => {
  const rand = rng(3);
  const s = Sheet.create('T', 0, ROWS, 2, ROWS * 2);
  const keys: Scalar[] = ['Apple', 'apple', 'APPLE ', 'pear', 'Pear', 'ß', 'SS', 0.1 + 0.2, 0.3, 1, '1', true, null, -0, 0, 1e-300];
  for (let r = 0; r < ROWS; r++) {
    s.set(r, 0, keys[Math.floor(rand() * keys.length)]!);
    s.set(r, 1, r);
  }
  const col = new Ref(s, 0, 0, ROWS - 1, 0);
  const values = new Ref(s, 0, 1, ROWS - 1, 1);
  const lookups: Scalar[] = ['apple', 'PEAR', 'apple ', 'ss', 'ß', 0.3, 0.30000000000000004, 1, '1', 0, 'missing', 2];
  const check = () => {
    for (const v of lookups) {
      let first = -1;
      let last = -1;
      for (let r = 0; r < ROWS; r++) {
        if (equal(s.get(r, 0), v)) {
          if (first < 0) first = r;
          last = r;
        }
      }
      // Three calls: a scan, the grouping built, the kept grouping.
      for (let i = 0; i < 3; i++) {
        t.is(F.MATCH!(ctx(), v, col, 0), first < 0 ? ERR.NA : first + 1, `MATCH ${String(v)}`);
        t.is(F.XMATCH!(ctx(), v, col, 0, -1), last < 0 ? ERR.NA : last + 1, `XMATCH from the end ${String(v)}`);
        const x = F.XLOOKUP!(ctx(), v, col, values, 'none');
        t.is(x instanceof Ref ? x.sheet.get(x.r0, x.c0) : x, first < 0 ? 'none' : first, `XLOOKUP ${String(v)}`);
      }
    }
  };
  check();
  // Writes into the range: the kept grouping is rebuilt.
  s.set(0, 0, 'missing');
  s.set(ROWS - 1, 0, 2);
  s.pin(5, 0, 'PEAR');
  check();
});

test('a remembered text key still honours wildcards where the function takes them', (t) => {
  const s = Sheet.create('W', 0, 40, 1, 40);
  for (let r = 0; r < 40; r++) s.set(r, 0, ['pear', 'Apple', 'a*', 'b?', 'A*'][r % 5]!);
  const col = new Ref(s, 0, 0, 39, 0);
  for (let i = 0; i < 3; i++) {
    // MATCH type 0 takes wildcards: 'a*' is any text from "a" (Apple, row 2).
    t.is(F.MATCH!(ctx(), 'a*', col, 0), 2, `MATCH a* call ${i}`);
    t.is(F.MATCH!(ctx(), 'b?', col, 0), 4, `MATCH b? call ${i}`);
    t.is(F.MATCH!(ctx(), '~*', col, 0), ERR.NA, `MATCH ~* call ${i}`);
    // XMATCH match mode 0 does not: the literal text (case-insensitive).
    t.is(F.XMATCH!(ctx(), 'a*', col, 0), 3, `XMATCH a* call ${i}`);
    t.is(F.XMATCH!(ctx(), 'a*', col, 0, -1), 40, `XMATCH a* from the end call ${i}`);
    t.is(F.XMATCH!(ctx(), 'b?', col, 0), 4, `XMATCH b? call ${i}`);
    t.is(F.XMATCH!(ctx(), 'Pear', col, 0), 1, `XMATCH Pear call ${i}`);
  }
});

test('the direct MATCH and XLOOKUP entries answer as the general path does, for every kind of lookup value', (t) => {
  // The entries take plain values and references as the wrapper would pass them; any
  // other argument goes to the wrapper. Here the same lookups are made both ways: a
  // numeric match type (entry) or the same type as text (wrapper, coerced); XLOOKUP with
  // four arguments (entry) or with its default modes written out (wrapper).
  const rand = rng(11);
  const s = Sheet.create('E', 0, 60, 3, 180);
  const kinds: Scalar[] = ['a', 'B', 'b', 'c*', 2, 2.5, '2', true, false, null, ERR.NA, ERR.DIV0];
  for (let r = 0; r < 60; r++) {
    s.set(r, 0, kinds[Math.floor(rand() * kinds.length)]!);
    s.set(r, 1, r * 10);
    // Column C: lookup values of every kind, read through a one-cell reference.
    s.set(r, 2, kinds[r % kinds.length]!);
  }
  const keys = new Ref(s, 0, 0, 59, 0);
  const values = new Ref(s, 0, 1, 59, 1);
  const read = (v: unknown) => (v instanceof Ref ? v.sheet.get(v.r0, v.c0) : v);
  let compared = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < 60; r++) {
      const cell = new Ref(s, r, 2, r, 2);
      const v = s.get(r, 2);
      for (const type of [0, 1, -1]) {
        t.deepEqual(F.MATCH!(ctx(), v, keys, type), F.MATCH!(ctx(), v, keys, String(type)), `MATCH ${String(v)} ${type}`);
      }
      t.deepEqual(F.MATCH!(ctx(), v, keys), F.MATCH!(ctx(), v, keys, '1'), `MATCH ${String(v)}`);
      t.deepEqual(read(F.XLOOKUP!(ctx(), cell, keys, values, 'none')), read(F.XLOOKUP!(ctx(), cell, keys, values, 'none', 0, 1)), `XLOOKUP cell ${String(v)}`);
      t.deepEqual(read(F.XLOOKUP!(ctx(), v, keys, values)), read(F.XLOOKUP!(ctx(), v, keys, values, null, 0, 1)), `XLOOKUP ${String(v)}`);
      compared += 5;
    }
    // The second pass reads the kept grouping of the keys.
  }
  t.is(compared, 600);
});
