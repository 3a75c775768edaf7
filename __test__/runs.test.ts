/**
 * Runs of one formula along a row or down a column are evaluated by one loop, with the
 * parts that do not vary along the run computed once (codegen::loop_variant). These
 * fixtures check the results cell by cell against values worked out by hand, including
 * the cases where hoisting must not happen: context-dependent functions, implicit
 * intersection, lazy IF branches, and circular runs that read their own cells.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildEngine } from './helpers/build.js';

const COLS = ['C', 'D', 'E', 'F', 'G', 'H'];
/** In!A1:B4: labels and values for the criteria functions. */
const IN = { A1: 'x', B1: 1, A2: 'y', B2: 2, A3: 'X', B3: 4, A4: 'z', B4: 8 };

function engineSource(dir: string): string {
  const mods = join(dir, 'modules');
  return readdirSync(mods)
    .map((f) => readFileSync(join(mods, f), 'utf8'))
    .join('\n');
}

test('a SUMIFS per row along a row run: one value per row, right for every cell and input', async (t) => {
  // M!C1:H3 = SUMIFS(In!B, In!A, $A r) * (column multiplier in row 10).
  const cells: Record<string, string | number> = { A1: 'x', A2: 'y', A3: 'z' };
  COLS.forEach((c, j) => {
    cells[`${c}10`] = j + 1;
    for (let r = 1; r <= 3; r++) cells[`${c}${r}`] = `=SUMIFS(In!$B$1:$B$4,In!$A$1:$A$4,$A${r})*${c}$10`;
  });
  const e = await buildEngine({ sheets: [{ name: 'In', cells: IN }, { name: 'M', cells }] });
  // The run function computes the SUMIFS once per run (the loop variant exists).
  t.regex(engineSource(e.dir), /const h0=R\.F\.SUMIFS\(/);
  const check = (inputs: Record<string, number>, sums: number[]) => {
    const r = e.run(inputs);
    for (let row = 1; row <= 3; row++) COLS.forEach((c, j) => t.is(r.get(`M!${c}${row}`), sums[row - 1]! * (j + 1), `M!${c}${row}`));
  };
  check({}, [1 + 4, 2, 8]); // "x" matches "x" and "X"
  check({ 'In!B3': 40 }, [41, 2, 8]);
  check({ 'In!A4': 'Y' }, [5, 2 + 8, 0]);
});

test('invariants down a column run: INDEX/MATCH once, the varying part per cell', async (t) => {
  const cells: Record<string, string | number> = {};
  for (let r = 1; r <= 6; r++) {
    cells[`I${r}`] = r * 10;
    cells[`J${r}`] = `=INDEX(In!$B$1:$B$4,MATCH("z",In!$A$1:$A$4,0))*I${r}+SUM(In!$B$1:$B$2)`;
  }
  const e = await buildEngine({ sheets: [{ name: 'In', cells: IN }, { name: 'M', cells }] });
  const r = e.run();
  for (let row = 1; row <= 6; row++) t.is(r.get(`M!J${row}`), 8 * row * 10 + 3);
  const r2 = e.run({ 'In!B4': 0.5, 'In!B1': 10 });
  for (let row = 1; row <= 6; row++) t.is(r2.get(`M!J${row}`), 0.5 * row * 10 + 12);
});

test('context-dependent parts are evaluated per cell: ROW(), COLUMN(), implicit intersection', async (t) => {
  const cells: Record<string, string | number> = { K1: 1, K2: 2, K3: 3 };
  for (let r = 1; r <= 3; r++) {
    // Constant-looking, but ROW()/COLUMN() read the formula cell.
    COLS.forEach((c) => (cells[`${c}${r}`] = '=ROW()*100+COLUMN()+SUM($K$1:$K$3)'));
    // $K$1:$K$3 in arithmetic is intersected with the formula cell's row.
    for (const c of ['L', 'M', 'N', 'O']) cells[`${c}${r}`] = `=$K$1:$K$3*2+${c}$5`;
  }
  for (const c of ['L', 'M', 'N', 'O']) cells[`${c}5`] = 1000;
  const e = await buildEngine({ sheets: [{ name: 'S', cells }] });
  const r = e.run();
  for (let row = 1; row <= 3; row++) {
    COLS.forEach((c, j) => t.is(r.get(`S!${c}${row}`), row * 100 + (j + 3) + 6, `S!${c}${row}`));
    for (const c of ['L', 'M', 'N', 'O']) t.is(r.get(`S!${c}${row}`), row * 2 + 1000, `S!${c}${row}`);
  }
});

test('an invariant inside an IF branch is evaluated only where the branch is taken', async (t) => {
  const cells: Record<string, string | number> = {};
  COLS.forEach((c, j) => {
    cells[`${c}10`] = j;
    // VLOOKUP of a missing key is #N/A: only the cells taking the branch may show it.
    cells[`${c}1`] = `=IF(${c}$10>2,VLOOKUP("w",In!$A$1:$B$4,2,FALSE),SUMIFS(In!$B$1:$B$4,In!$A$1:$A$4,"x")+${c}$10)`;
  });
  const e = await buildEngine({ sheets: [{ name: 'In', cells: IN }, { name: 'M', cells }] });
  const r = e.run();
  COLS.forEach((c, j) => {
    const v = r.get(`M!${c}1`);
    if (j > 2) t.is((v as { code: string }).code, '#N/A', `M!${c}1`);
    else t.is(v, 5 + j, `M!${c}1`);
  });
});

test('a circular run reading its own first cell keeps Gauss-Seidel order (no hoisting over it)', async (t) => {
  // C1:H1 = SUM($C$1)/4 + (the cell below the right neighbour)/4 + 1, and C2:H2 copy
  // row 1: one cluster. SUM($C$1) does not vary along the run but reads the run's own
  // first cell, which each sweep updates before D1:H1 read it.
  const cells: Record<string, string> = {};
  for (const c of COLS) {
    const right = String.fromCharCode(c.charCodeAt(0) + 1);
    cells[`${c}1`] = `=SUM($C$1)/4+${right}2/4+1`;
    cells[`${c}2`] = `=${c}1`;
  }
  const e = await buildEngine({ sheets: [{ name: 'S', cells }], iterate: { count: 100, delta: 1e-6 } });
  t.is(e.report.clusters.length, 1);
  const r = e.run();
  t.true(r.meta.converged);
  const c1 = r.get('S!C1') as number;
  // H1 reads C1 of the same (last) sweep and I2, which is blank.
  t.is(r.get('S!H1'), c1 / 4 + 1);
});
