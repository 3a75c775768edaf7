/**
 * SUM down a column through the store's kept column sums (store.ts `ColumnSums`): one
 * row-major pass sums every column of a band of rows, and each column's sum is kept
 * while its write count is unchanged. The result must be the scan's, addition for
 * addition: numbers top to bottom, text, logicals and blanks skipped, the top-most error
 * returned. The fixture makes a column be written after the band was summed (its cells
 * depend on two other column totals), which a kept sum that outlived the writes would get
 * wrong.
 */
import test from 'ava';
import { buildEngine } from '../helpers/build.js';
import { rng } from '../helpers/random.js';
import { ExcelError, type RunResult } from '../../ts/index.js';

const ROWS = 100;
const TOTAL = ROWS + 2;

function column(letter: string, value: (r: number) => unknown): Record<string, unknown> {
  const cells: Record<string, unknown> = {};
  for (let r = 1; r <= ROWS; r++) {
    const v = value(r);
    if (v !== undefined) cells[`${letter}${r}`] = v;
  }
  return cells;
}

/** SUM's definition over a column of a result: numbers in order, the first error. */
function expectedSum(res: RunResult, letter: string): unknown {
  let total = 0;
  for (let r = 1; r <= ROWS; r++) {
    const v = res.get(`S!${letter}${r}`);
    if (typeof v === 'number') total += v;
    else if (v !== null && typeof v === 'object' && 'code' in v) return v;
  }
  return total;
}

test('column totals equal the scan, also for a column written after the band was summed', async (t) => {
  const next = rng(7);
  const cells: Record<string, unknown> = {
    ...column('B', (r) => (r % 17 === 0 ? 'text' : r % 23 === 0 ? true : r % 11 === 0 ? undefined : Math.round(next() * 1e6) / 1000 - 300)),
    ...column('C', (r) => (r === 50 ? { formula: '1/0' } : r === 80 ? { formula: 'NA()' } : r / 7)),
    ...column('D', (r) => 0.1 * r + 1e-9 * (r % 3)),
    // Written after B and D are summed (it reads their totals through Z1).
    ...column('A', () => ({ formula: '$Z$1*ROW()/1000' })),
    ...column('E', (r) => ({ formula: `D${r}*2-B${r}*0` })),
  };
  for (const c of ['A', 'B', 'C', 'D', 'E']) cells[`${c}${TOTAL}`] = { formula: `SUM(${c}1:${c}${ROWS})` };
  cells.Z1 = { formula: `B${TOTAL}+D${TOTAL}` };
  const e = await buildEngine({ sheets: [{ name: 'S', cells }] });
  const check = (res: RunResult, what: string): void => {
    for (const c of ['A', 'B', 'C', 'D', 'E']) t.deepEqual(res.get(`S!${c}${TOTAL}`), expectedSum(res, c), `${what}: ${c}${TOTAL}`);
  };
  check(e.run(), 'model');
  t.like(e.run().get(`S!C${TOTAL}`), { code: '#DIV/0!' });
  // Inputs that change B (so Z1, then all of A) and one that puts an error at the top of D.
  check(e.run({ 'S!B5': 1234.5 }), 'B5');
  check(e.run({ 'S!B5': 1234.5, 'S!D90': 'now text' }), 'D90');
  check(e.run({ 'S!D2': new ExcelError('#REF!') }), 'D2 error');
  check(e.run({ 'S!B5': -1 }, { full: true }), 'full');
});
