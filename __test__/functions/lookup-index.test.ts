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
