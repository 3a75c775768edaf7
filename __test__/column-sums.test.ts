/**
 * The column sums a store keeps per band of rows (`Sheet.sumNumbers` down one column, a
 * total row under a table of months): built in one pass along the rows, four rows at a
 * time, they must be exactly what SUM's scan down each column gives, the first error
 * from the top included, whatever the column holds and however many rows the band has.
 */
import test from 'ava';
import { ERR, ExcelError, Sheet, type Scalar } from '../ts/runtime/index.js';
import { rng } from './helpers/random.js';

/** SUM's scan down column c: the numbers added from 0 in row order, or the first error. */
function scan(s: Sheet, c: number, r0: number, r1: number): number | ExcelError {
  let sum = 0;
  for (let r = r0; r <= r1; r++) {
    const v = s.get(r, c);
    if (typeof v === 'number') sum += v;
    else if (v instanceof ExcelError) return v;
  }
  return sum;
}

/** Column kinds: what each column of the test sheet holds. */
const KINDS: ((draw: () => number, r: number) => Scalar)[] = [
  (d) => (d() - 0.5) * 1e6, // numbers only
  (d) => (d() < 0.3 ? null : d() * 100), // numbers and blanks
  (d) => (d() < 0.2 ? 'label' : d() < 0.3 ? true : d() * 3), // numbers, text and logicals
  (d, r) => (r === 37 ? ERR.DIV0 : d() - 0.5), // one error
  (d, r) => (r === 70 ? ERR.NA : r === 66 ? ERR.VALUE : d()), // two: the first from the top counts
  () => -0, // -0 only: the sum is +0
  (d) => (d() < 0.5 ? 1.7e308 : -1e308), // sums that overflow and come back
  () => null, // blank
  (d) => [0.1, 0.2, -0.3, null, 'x', 1e-300][Math.floor(d() * 6)]!, // rounding-sensitive mixture
];

test('column sums kept per band equal a scan down each column, errors included', (t) => {
  const draw = rng(11);
  let checked = 0;
  for (const rows of [64, 65, 66, 67, 70, 131]) {
    const cols = KINDS.length;
    const s = Sheet.create('S', 0, rows, cols, rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) s.set(r, c, KINDS[c]!(draw, r));
    for (const [r0, r1] of [
      [0, rows - 1],
      [rows - 64, rows - 1],
    ] as const) {
      // The first request for a band scans; the next ones read the kept sums.
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < cols; c++) {
          const kept = s.sumNumbers(0, r0, c, r1, c);
          const expected = scan(s, c, r0, r1);
          t.true(Object.is(kept, expected), `rows ${rows}, band ${r0}..${r1}, column ${c}: ${String(kept)} vs ${String(expected)}`);
          checked++;
        }
      }
    }
  }
  t.is(checked, 6 * 2 * 2 * KINDS.length);
});

test('a run that sums a few columns of a wide band sums those alone, the next ones too: the same sums', (t) => {
  // A model's sheet of 36 columns; each run is a clone of it (as a full run makes). The
  // first run sums two columns (no earlier run: the whole band in one pass); the next
  // ones, told the last run asked for few, sum each column when asked; a run that then
  // asks for every column gets them all right, and the one after sums them in one pass
  // again. Writes between requests are seen either way.
  const draw = rng(5);
  const rows = 100;
  const cols = KINDS.length * 4;
  const model = Sheet.create('S', 0, rows, cols, rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) model.set(r, c, KINDS[c % KINDS.length]!(draw, r));
  const check = (s: Sheet, columns: number[], label: string) => {
    for (const c of columns) {
      const got = s.sumNumbers(0, 0, c, rows - 1, c);
      const expected = scan(s, c, 0, rows - 1);
      t.true(Object.is(got, expected), `${label}, column ${c}: ${String(got)} vs ${String(expected)}`);
    }
  };
  const few = [2, 10, 2, 10];
  const all = [...Array(cols).keys()];
  for (const [run, columns] of [few, few, all, all, few].entries()) {
    const s = Sheet.cloneOf(model, true);
    check(s, columns, `run ${run}`);
    s.set(50, 2, 1234.5);
    s.set(60, 10, ERR.REF);
    s.set(3, 11, 7);
    check(s, columns, `run ${run} after writes`);
    s.set(60, 10, 1);
    check(s, [...columns, 11], `run ${run} after a second write`);
  }
});
