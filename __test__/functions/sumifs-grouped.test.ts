/**
 * SUMIFS through the criteria ranges' value classes (the store groups a range's cells by
 * value on the second request and keeps the grouping while its columns are unwritten).
 * Expected values are computed here by the definition: the cells of the target whose
 * every criterion cell matches, added in row-major order, the first error of a matching
 * target cell returned. Criteria are Excel's (criteria.ts); the point is that grouping
 * never changes which cells match, the order they are added in, or goes stale.
 */
import test from 'ava';
import { ERR, F, Ref, Sheet, type Scalar } from '../../ts/runtime/index.js';
import { parseCriteria } from '../../ts/runtime/criteria.js';
import { ctx } from '../helpers/runtime.js';
import { rng } from '../helpers/random.js';

const ROWS = 500;

/** By definition, in row-major order. */
function expected(s: Sheet, target: number, crits: [number, Scalar][]): Scalar {
  let sum = 0;
  for (let r = 0; r < ROWS; r++) {
    if (!crits.every(([col, c]) => parseCriteria(c)(s.get(r, col)))) continue;
    const v = s.get(r, target);
    if (typeof v === 'number') sum += v;
    else if (v !== null && typeof v === 'object') return v;
  }
  return sum;
}

function sumifs(s: Sheet, target: number, crits: [number, Scalar][]): unknown {
  const col = (c: number) => new Ref(s, 0, c, ROWS - 1, c);
  return F.SUMIFS!(ctx(), col(target), ...crits.flatMap(([c, v]) => [col(c), v]));
}

function table(seed: number): Sheet {
  const rand = rng(seed);
  const s = Sheet.create('T', 0, ROWS, 5, ROWS * 5);
  const keys: Scalar[] = ['a', 'B', 'b', 'c', 'ab', 1, 2, '2', true, null, ''];
  for (let r = 0; r < ROWS; r++) {
    s.set(r, 0, keys[Math.floor(rand() * keys.length)]!);
    s.set(r, 1, Math.floor(rand() * 12));
    // Amounts with fractions, so the order of addition shows in the last bits.
    s.set(r, 2, rand() < 0.02 ? 'text' : rand() * 1000 - 300.1);
    s.set(r, 3, Math.floor(rand() * 3));
  }
  return s;
}

test('grouped SUMIFS adds what the definition adds, in the same order, for every kind of criterion', (t) => {
  const criteria: Scalar[][] = [
    ['a', 3],
    ['b', '>=6'],
    ['a*', '<>4'],
    [2, '<3'],
    ['2', 0],
    [true, '>0'],
    ['', 1],
    ['=', 2],
    ['<>', '>10'],
    ['?', 5],
    ['zzz', 1],
  ];
  for (const seed of [1, 2, 3]) {
    const s = table(seed);
    for (const [c0, c1] of criteria) {
      const crits: [number, Scalar][] = [
        [0, c0!],
        [1, c1!],
      ];
      const want = expected(s, 2, crits);
      // First call scans, second builds the grouping, third uses the kept one.
      for (let i = 0; i < 3; i++) t.true(Object.is(sumifs(s, 2, crits), want), `seed ${seed} ${String(c0)} ${String(c1)} call ${i}`);
      const one: [number, Scalar][] = [[0, c0!]];
      const wantOne = expected(s, 2, one);
      for (let i = 0; i < 3; i++) t.true(Object.is(sumifs(s, 2, one), wantOne));
    }
  }
});

test('a kept grouping follows writes to its cells', (t) => {
  const s = table(7);
  const crits: [number, Scalar][] = [
    [0, 'c'],
    [3, 1],
  ];
  sumifs(s, 2, crits);
  t.true(Object.is(sumifs(s, 2, crits), expected(s, 2, crits)));
  // A criteria cell changes: its row joins the matches.
  s.set(17, 0, 'C');
  s.set(17, 3, 1);
  s.set(17, 2, 1e6);
  const after = sumifs(s, 2, crits);
  t.true(Object.is(after, expected(s, 2, crits)));
  t.true((after as number) > 1e5);
  // Pinned input values count as writes too.
  s.pin(17, 3, 2);
  t.true(Object.is(sumifs(s, 2, crits), expected(s, 2, crits)));
  sumifs(s, 2, crits);
  // An error in a matching target cell is the result.
  s.set(17, 3, 1);
  s.set(17, 2, ERR.DIV0);
  t.is(sumifs(s, 2, crits), expected(s, 2, crits));
});

test('grouped COUNTIFS and AVERAGEIFS count and average what the definition does', (t) => {
  const s = table(11);
  const col = (c: number) => new Ref(s, 0, c, ROWS - 1, c);
  const cases: [Scalar, Scalar][] = [
    ['b', '>3'],
    ['<>', '<=5'],
    [2, '>=0'],
    ['', '<>7'],
  ];
  for (const [c0, c1] of cases) {
    let count = 0;
    let sum = 0;
    let numbers = 0;
    for (let r = 0; r < ROWS; r++) {
      if (!parseCriteria(c0)(s.get(r, 0)) || !parseCriteria(c1)(s.get(r, 1))) continue;
      count++;
      const v = s.get(r, 2);
      if (typeof v === 'number') {
        sum += v;
        numbers++;
      }
    }
    for (let i = 0; i < 3; i++) {
      t.is(F.COUNTIFS!(ctx(), col(0), c0, col(1), c1), count, `COUNTIFS ${String(c0)} ${String(c1)} call ${i}`);
      const avg = F.AVERAGEIFS!(ctx(), col(2), col(0), c0, col(1), c1);
      t.true(Object.is(avg, numbers ? sum / numbers : ERR.DIV0), `AVERAGEIFS ${String(c0)} ${String(c1)} call ${i}`);
    }
  }
});

test('a grid of one value per criterion reads the cells of each pair of values; counts are counted the same', (t) => {
  // SUMIFS(amount, key, k, month, m) for every k and m (a summary grid), and COUNTIFS
  // with a key and a range of months over one column (two criteria on it): the kept
  // split of a key's cells by month serves every cell of the grid.
  const s = table(23);
  const col = (c: number) => new Ref(s, 0, c, ROWS - 1, c);
  const keys: Scalar[] = ['a', 'B', 'c', 'ab', 1, '2', true, '', 'zzz'];
  for (let pass = 0; pass < 3; pass++) {
    for (const k of keys) {
      for (let m = 0; m < 13; m++) {
        const crits: [number, Scalar][] = [
          [0, k],
          [1, m],
        ];
        t.true(Object.is(sumifs(s, 2, crits), expected(s, 2, crits)), `SUMIFS ${String(k)} ${m} pass ${pass}`);
        let count = 0;
        let between = 0;
        for (let r = 0; r < ROWS; r++) {
          if (!parseCriteria(k)(s.get(r, 0))) continue;
          if (s.get(r, 1) === m) count++;
          if (parseCriteria(`>${m - 3}`)(s.get(r, 1)) && parseCriteria(`<=${m}`)(s.get(r, 1))) between++;
        }
        t.is(F.COUNTIFS!(ctx(), col(0), k, col(1), m), count, `COUNTIFS ${String(k)} ${m}`);
        t.is(F.COUNTIFS!(ctx(), col(0), k, col(1), `>${m - 3}`, col(1), `<=${m}`), between, `COUNTIFS range ${String(k)} ${m}`);
      }
    }
    // Between passes a key cell and a month cell change: the split is rebuilt.
    s.set(40 + pass, 0, 'a');
    s.set(41 + pass, 1, 5);
  }
});

test('a criterion that accepts many values leads: its classes are merged into row order', (t) => {
  // Column 4: 100 distinct numbers, ~5 cells each. '<10' accepts ten classes of a few
  // cells (their survivors are merged class by class); '<60' accepts most of the range
  // (one pass in row order). Sums must match the definition bit for bit, with one, two
  // and three criteria, wherever the lead falls.
  for (const seed of [21, 22]) {
    const s = table(seed);
    const rand = rng(seed + 100);
    for (let r = 0; r < ROWS; r++) s.set(r, 4, Math.floor(rand() * 100));
    const sets: [number, Scalar][][] = [
      [[4, '<10']],
      [[4, '<60']],
      [[4, '>=95'], [1, '<>3']],
      [[4, '<10'], [3, 1]],
      [[1, '<6'], [4, '<60'], [0, '<>a']],
      [[0, 'b'], [4, '<30'], [3, '<2']],
      [[4, '<>50'], [1, '>2']],
    ];
    for (const crits of sets) {
      const want = expected(s, 2, crits);
      for (let i = 0; i < 3; i++) t.true(Object.is(sumifs(s, 2, crits), want), `seed ${seed} ${JSON.stringify(crits)} call ${i}`);
      let count = 0;
      for (let r = 0; r < ROWS; r++) if (crits.every(([col, c]) => parseCriteria(c)(s.get(r, col)))) count++;
      const col = (c: number) => new Ref(s, 0, c, ROWS - 1, c);
      t.is(F.COUNTIFS!(ctx(), ...crits.flatMap(([c, v]) => [col(c), v])), count);
    }
  }
});

test('runs cloned from the model share its groupings while their cells hold the model values', (t) => {
  const model = table(31);
  const crits: [number, Scalar][] = [
    [0, 'b'],
    [1, '>4'],
  ];
  const classes = (s: Sheet) => s.valueClasses(0, 0, ROWS, 1);
  // First run: it builds a grouping on the second request.
  const first = Sheet.cloneOf(model, true);
  for (let i = 0; i < 3; i++) t.true(Object.is(sumifs(first, 2, crits), expected(model, 2, crits)));
  first.valueClasses(0, 0, ROWS, 1);
  const built = first.valueClasses(0, 0, ROWS, 1);
  t.truthy(built);
  // Later runs find it on their first request: checked cell by cell once, then (the
  // cells unchanged since the clone) without a check.
  const second = Sheet.cloneOf(model, true);
  t.is(classes(second), built);
  const third = Sheet.cloneOf(model, true);
  t.is(classes(third), built, 'the first request of a later run finds the shared grouping');
  // Writing the value a cell already holds changes nothing.
  third.set(5, 0, model.get(5, 0));
  third.set(6, 1, model.get(6, 1));
  t.is(classes(third), built);
  t.true(Object.is(sumifs(third, 2, crits), expected(model, 2, crits)));
  // A changed value or a pinned input: the shared grouping is not used, and
  // the sums follow the run's own cells.
  const changed = Sheet.cloneOf(model, true);
  changed.set(7, 0, 'B');
  changed.set(7, 1, 9);
  changed.set(7, 2, 12345.5);
  t.not(classes(changed), built);
  t.true(Object.is(sumifs(changed, 2, crits), expected(changed, 2, crits)));
  t.true(Object.is(sumifs(changed, 2, crits), expected(changed, 2, crits)));
  t.not(expected(changed, 2, crits), expected(model, 2, crits));
  const pinned = Sheet.cloneOf(model, true);
  pinned.pin(9, 0, pinned.get(9, 0) === 'b' ? 'c' : 'b');
  t.not(classes(pinned), built);
  t.true(Object.is(sumifs(pinned, 2, crits), expected(pinned, 2, crits)));
  const zero = Sheet.create('Z', 0, ROWS, 2, ROWS * 2);
  for (let r = 0; r < ROWS; r++) zero.set(r, 0, r % 3);
  const z1 = Sheet.cloneOf(zero, true);
  z1.valueClasses(0, 0, ROWS, 1);
  const z2 = Sheet.cloneOf(zero, true);
  z2.valueClasses(0, 0, ROWS, 1);
  const zShared = z2.valueClasses(0, 0, ROWS, 1);
  const z3 = Sheet.cloneOf(zero, true);
  // -0 over 0 counts as a change, but a grouping equates them (as criteria do): the
  // cell-by-cell check still finds the shared one.
  z3.setNumber(0, 0, -0);
  t.truthy(zShared);
  t.is(z3.valueClasses(0, 0, ROWS, 1), zShared);
  z3.setNumber(1, 0, 7);
  t.not(z3.valueClasses(0, 0, ROWS, 1), zShared);
  // A store cloned from an earlier run (an incremental run) does not share the model's.
  const later = Sheet.cloneOf(third);
  t.is(classes(later), undefined);
});

test('a grouping of values a run computed serves a later run whose cells hold the same values', (t) => {
  // The model stores nothing in column 0 (a formula column saved without values); each
  // run writes it.
  const model = Sheet.create('M', 0, ROWS, 3, ROWS * 3);
  for (let r = 0; r < ROWS; r++) model.set(r, 2, r + 0.25);
  const fill = (s: Sheet, odd: string) => {
    for (let r = 0; r < ROWS; r++) s.set(r, 0, r % 7 === 3 ? odd : `k${r % 5}`);
    return s;
  };
  const crits: [number, Scalar][] = [[0, 'k2']];
  const classes = (s: Sheet) => s.valueClasses(0, 0, ROWS, 1);
  fill(Sheet.cloneOf(model, true), 'x');
  const second = fill(Sheet.cloneOf(model, true), 'x');
  classes(second);
  const built = classes(second);
  t.truthy(built);
  const third = fill(Sheet.cloneOf(model, true), 'x');
  t.is(classes(third), built, 'same values: the earlier grouping, on the first request');
  t.true(Object.is(sumifs(third, 2, crits), expected(third, 2, crits)));
  // One cell differs: not that grouping, and the sums follow the cells.
  const fourth = fill(Sheet.cloneOf(model, true), 'x');
  fourth.set(ROWS - 1, 0, 'k2');
  t.is(classes(fourth), undefined);
  for (let i = 0; i < 3; i++) t.true(Object.is(sumifs(fourth, 2, crits), expected(fourth, 2, crits)));
  t.not(expected(fourth, 2, crits), expected(third, 2, crits));
  // The values of another run ('k2' in the odd rows) are grouped anew and match the definition.
  const fifth = fill(Sheet.cloneOf(model, true), 'k2');
  for (let i = 0; i < 3; i++) t.true(Object.is(sumifs(fifth, 2, crits), expected(fifth, 2, crits)));
});

test('COUNTIFS of a key and number intervals on one column counts what the definition counts, sorted or not', (t) => {
  // Column 1 holds numbers 0..11 and, here, text, logicals, blanks and an error too:
  // an ordering criterion on a number accepts numbers only. Each case is asked more
  // times than it takes the kept sorted numbers to be built (the first asks scan).
  const s = table(31);
  for (let r = 0; r < ROWS; r += 17) s.set(r, 1, ['5', true, null, ERR.NA, 5.5, -1][(r / 17) % 6]!);
  const col = (c: number) => new Ref(s, 0, c, ROWS - 1, c);
  const cases: Scalar[][] = [
    ['a', '>3', '<=7'],
    ['b', '>=3', '<3'], // empty
    ['b', '>=3', '<=3'], // one value
    ['b', '>3', '<=3'], // empty
    [1, '>-5'],
    ['<>', '<5.5', '>2', '<=9'], // three intervals, one column
    ['a*', '>=11'],
    ['zzz', '>0', '<100'],
    [true, '<4'],
    ['>=', '>=0'], // ">=" with no operand: a text criterion, not an interval
  ];
  for (const [key, ...ranges] of cases) {
    const accepts = [key, ...ranges].map((c) => parseCriteria(c!));
    let count = 0;
    for (let r = 0; r < ROWS; r++) if (accepts[0]!(s.get(r, 0)) && accepts.slice(1).every((p) => p(s.get(r, 1)))) count++;
    const args = ranges.flatMap((c) => [col(1), c]);
    for (let i = 0; i < 7; i++) t.is(F.COUNTIFS!(ctx(), col(0), key, ...args), count, `${[key, ...ranges].map(String).join(' ')} call ${i}`);
    // The intervals first, the key last: the same count.
    t.is(F.COUNTIFS!(ctx(), ...args, col(0), key), count);
  }
  // Intervals on two columns (3 holds 0..2): not one column's sorted numbers; counted all the same.
  let count = 0;
  for (let r = 0; r < ROWS; r++) if (s.get(r, 0) === 'c' && typeof s.get(r, 1) === 'number' && (s.get(r, 1) as number) > 4 && (s.get(r, 3) as number) < 2) count++;
  for (let i = 0; i < 6; i++) t.is(F.COUNTIFS!(ctx(), col(0), 'c', col(1), '>4', col(3), '<2'), count);
  // A write to the interval column: the kept sorted numbers give way to the new values.
  const key = 'a';
  const before = F.COUNTIFS!(ctx(), col(0), key, col(1), '>100');
  t.is(before, 0);
  const row = [...Array(ROWS).keys()].find((r) => s.get(r, 0) === key)!;
  s.set(row, 1, 1000);
  t.is(F.COUNTIFS!(ctx(), col(0), key, col(1), '>100'), 1);
});

test('grouped SUMIFS reads a target column written since the last call, pinned cells and errors included', (t) => {
  // The criteria columns stay as they are (their groupings are kept); only the target
  // column changes between calls, which read it from one array per column while it is
  // unwritten.
  const s = table(41);
  const crits: [number, Scalar][] = [
    [0, 'a'],
    [1, '>=0'],
  ];
  for (let i = 0; i < 3; i++) t.true(Object.is(sumifs(s, 2, crits), expected(s, 2, crits)));
  const rows = [...Array(ROWS).keys()].filter((r) => s.get(r, 0) === 'a');
  s.set(rows[0]!, 2, 1e6);
  t.true(Object.is(sumifs(s, 2, crits), expected(s, 2, crits)));
  t.true((sumifs(s, 2, crits) as number) > 5e5);
  s.pin(rows[1]!, 2, -2e6);
  t.true(Object.is(sumifs(s, 2, crits), expected(s, 2, crits)));
  t.true((sumifs(s, 2, crits) as number) < 0);
  // Every matching cell -0, text or blank: the sum is 0, as the scan's.
  for (const r of rows) s.set(r, 2, r % 3 === 0 ? -0 : r % 3 === 1 ? 'x' : null);
  s.unpin(rows[1]!, 2);
  s.set(rows[1]!, 2, -0);
  t.true(Object.is(sumifs(s, 2, crits), expected(s, 2, crits)));
  t.true(Object.is(sumifs(s, 2, crits), 0));
  // An error in a matching cell is the result; once gone, the numbers again.
  s.set(rows[2]!, 2, ERR.NA);
  t.is(sumifs(s, 2, crits), ERR.NA);
  s.set(rows[2]!, 2, 2.5);
  t.is(sumifs(s, 2, crits), 2.5);
});
