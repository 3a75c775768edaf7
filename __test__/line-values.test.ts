/**
 * Line values (codegen.rs `LineValue`, lines.ts): in a run along a row, a part with a
 * power or a division that depends on the column alone — `(1+$B$1)^(C$3/12)` — is
 * computed once per column for the whole engine run and read by every row's loop (and
 * down a column, a part that depends on the row alone, once per row). Each case has a twin
 * block whose formula wraps the same part in IF(TRUE, ..., 0): a call, so that block has
 * no numeric variant and computes the part cell by cell through the general code. The
 * twins must agree exactly, over runs with different inputs (nothing kept from one run
 * to the next), with a row that reads itself (the guard sends it to its per-cell loop)
 * and inside an iterated circular block (nothing kept while it iterates).
 */
import test from 'ava';
import { buildEngine } from './helpers/build.js';

const COLS = 'CDEFGHIJKL'.split('');

function block(cells: Record<string, unknown>, first: number, rows: number, formula: (c: string, p: string, r: number) => string): void {
  for (let r = first; r < first + rows; r++) {
    COLS.forEach((c, k) => {
      cells[`${c}${r}`] = { formula: formula(c, k === 0 ? 'B' : COLS[k - 1]!, r) };
    });
  }
}

test('a power that depends on the column alone is computed once per column, with the same values', async (t) => {
  const cells: Record<string, unknown> = { A1: 0.05, A2: 0.1, B3: 0 };
  COLS.forEach((c, k) => {
    cells[`${c}3`] = k + 1; // period
    cells[`${c}4`] = 100 + 7 * k;
  });
  for (let r = 5; r <= 40; r++) cells[`B${r}`] = r;
  // Lines times a compounding factor (kept per column), and its twin.
  block(cells, 10, 12, (c, _p, r) => `$B${r}*${c}$4*(1+$A$1)^(${c}$3/12)`);
  block(cells, 30, 12, (c, _p, r) => `$B${r - 20}*${c}$4*IF(TRUE,(1+$A$1)^(${c}$3/12),0)`);
  // A row whose part reads the row itself: C6 reads B6, D6 reads C6, ...
  COLS.forEach((c, k) => {
    cells[`${c}6`] = { formula: `(1+$A$2)^(${k === 0 ? 'B' : COLS[k - 1]}$6/12)+1` };
    cells[`${c}7`] = { formula: `IF(TRUE,(1+$A$2)^(${k === 0 ? 'B' : COLS[k - 1]}$7/12),0)+1` };
  });
  cells.B6 = 1;
  cells.B7 = 1;
  const e = await buildEngine({ sheets: [{ name: 'S', cells }] });
  const code = await import('node:fs').then((fs) => fs.readFileSync(`${e.dir}/modules/m0.js`, 'utf8'));
  t.true(code.includes('R.lineValues('), 'the shape keeps its line values');
  for (const inputs of [{}, { 'S!A1': 0.07 }, { 'S!A1': -0.5, 'S!E3': 2.5 }, { 'S!A2': 3 }, {}]) {
    const res = e.run(inputs);
    for (let r = 10; r < 22; r++) {
      for (const c of COLS) t.is(res.get(`S!${c}${r}`), res.get(`S!${c}${r + 20}`), `${c}${r} with ${JSON.stringify(inputs)}`);
    }
    for (const c of COLS) t.is(res.get(`S!${c}6`), res.get(`S!${c}7`), `${c}6 with ${JSON.stringify(inputs)}`);
    // And the values themselves, for one line.
    const a1 = (inputs as Record<string, number>)['S!A1'] ?? 0.05;
    const period = (k: number): number => (k === 2 && (inputs as Record<string, number>)['S!E3'] !== undefined ? 2.5 : k + 1);
    COLS.forEach((c, k) => t.is(res.get(`S!${c}10`), 10 * (100 + 7 * k) * (1 + a1) ** (period(k) / 12)));
  }
});

test('a division that depends on the row alone is computed once per row down the columns, with the same values', async (t) => {
  // Growth lines: each month is the previous one times (1 + the line's annual rate / 12)
  // times a month's seasonality looked up per column, which makes the sheet swept column
  // by column (the lookup is hoisted down each column); the monthly rate is kept per row.
  const cells: Record<string, unknown> = {};
  COLS.forEach((c, k) => {
    cells[`${c}3`] = k + 1;
    cells[`${String.fromCharCode(78 + k)}1`] = 1 + k / 100; // N1:W1 seasonality
  });
  for (let r = 10; r < 22; r++) {
    cells[`A${r}`] = 0.01 * r;
    cells[`A${r + 20}`] = 0.01 * r;
    cells[`B${r}`] = 100 + r;
    cells[`B${r + 20}`] = 100 + r;
  }
  block(cells, 10, 12, (c, p, r) => `${p}${r}*(1+$A${r}/12)*INDEX($N$1:$W$1,1,${c}$3)`);
  block(cells, 30, 12, (c, p, r) => `${p}${r}*IF(TRUE,1+$A${r}/12,0)*INDEX($N$1:$W$1,1,${c}$3)`);
  const e = await buildEngine({ sheets: [{ name: 'S', cells }] });
  const code = await import('node:fs').then((fs) => fs.readFileSync(`${e.dir}/modules/m0.js`, 'utf8'));
  t.regex(code, /R\.lineValues\(x,f\d+\.rq0,r0,r1,\(r\)=>/, 'the rate is kept per row');
  for (const inputs of [{}, { 'S!A12': 0.5 }, { 'S!A12': -3, 'S!A32': -3, 'S!N1': 2 }, { 'S!A15': 'text' }, {}]) {
    const twin = { ...inputs } as Record<string, unknown>;
    for (const [k, v] of Object.entries(inputs)) {
      const m = /^S!A(\d+)$/.exec(k);
      if (m && Number(m[1]) < 30) twin[`S!A${Number(m[1]) + 20}`] = v;
    }
    const res = e.run(twin);
    for (let r = 10; r < 22; r++) {
      for (const c of COLS) t.is(res.get(`S!${c}${r}`), res.get(`S!${c}${r + 20}`), `${c}${r} with ${JSON.stringify(twin)}`);
    }
  }
});

test('inside an iterated circular block nothing is kept between iterations', async (t) => {
  const cells: Record<string, unknown> = { A1: 0.05 };
  COLS.forEach((c, k) => {
    cells[`${c}3`] = k + 1;
    cells[`${c}4`] = 100 + 7 * k;
  });
  // B5 feeds the factor of every cell of rows 5..9, and sums them: a cycle.
  for (let r = 5; r < 10; r++) cells[`B${r}`] = r;
  block(cells, 5, 5, (c, _p, r) => `$B${r}*${c}$4*(1+$A$1+$A$2/1000000)^(${c}$3/12)`);
  block(cells, 15, 5, (c, _p, r) => `$B${r - 10}*${c}$4*IF(TRUE,(1+$A$1+$A$3/1000000)^(${c}$3/12),0)`);
  cells.A2 = { formula: 'SUM(C5:L9)/100000' };
  cells.A3 = { formula: 'SUM(C15:L19)/100000' };
  const e = await buildEngine({ iterate: { count: 100, delta: 1e-12 }, sheets: [{ name: 'S', cells }] });
  t.is(e.report.clusters.length, 2);
  for (const inputs of [{}, { 'S!A1': 0.2 }]) {
    const res = e.run(inputs);
    t.is(res.get('S!A2'), res.get('S!A3'));
    for (let r = 5; r < 10; r++) for (const c of COLS) t.is(res.get(`S!${c}${r}`), res.get(`S!${c}${r + 10}`), `${c}${r}`);
  }
});

test('a shape with a single loop keeps nothing per line: its part is computed in the loop', async (t) => {
  // One row of (1+$A$1)^(c$3/12): a single run along the row. Values kept per column
  // would be read once, so the loop computes the factor itself; the twin row agrees.
  const cells: Record<string, unknown> = { A1: 0.05, B5: 2, B6: 2 };
  COLS.forEach((c, k) => {
    cells[`${c}3`] = k + 1;
  });
  block(cells, 5, 1, (c) => `$B$5*(1+$A$1)^(${c}$3/12)`);
  block(cells, 6, 1, (c) => `$B$6*IF(TRUE,(1+$A$1)^(${c}$3/12),0)`);
  const e = await buildEngine({ sheets: [{ name: 'S', cells }] });
  const code = await import('node:fs').then((fs) => fs.readFileSync(`${e.dir}/modules/m0.js`, 'utf8'));
  t.false(code.includes('R.lineValues('), code);
  for (const inputs of [{}, { 'S!A1': 0.5 }, { 'S!E3': 'x' }]) {
    const res = e.run(inputs);
    for (const c of COLS) t.is(res.get(`S!${c}5`), res.get(`S!${c}6`), `${c}5 with ${JSON.stringify(inputs)}`);
    t.is(res.get('S!C5'), 2 * (1 + ((inputs as Record<string, number>)['S!A1'] ?? 0.05)) ** (1 / 12));
  }
});
