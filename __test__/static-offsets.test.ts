/**
 * OFFSET with constant arguments compiles as the reference it names
 * (stages/static_offsets.rs): the same values as Excel's OFFSET, including #REF! where
 * the reference would leave the sheet (those cells keep the call), and a cell the graph
 * can order: an incremental run recomputes it only when its range changes.
 * Expected values follow OFFSET's definition: OFFSET(A r, -2, 0, 3, 1) is A(r-2):A(r).
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildEngine } from './helpers/build.js';

const N = 20;

function engineSource(dir: string): string {
  const mods = join(dir, 'modules');
  return readdirSync(mods)
    .filter((f) => /^m\d+\.js$/.test(f))
    .map((f) => readFileSync(join(mods, f), 'utf8'))
    .join('\n');
}

async function model(computed = true) {
  const cells: Record<string, unknown> = {};
  for (let r = 1; r <= N; r++) {
    cells[`A${r}`] = r * 1.5;
    // A trailing window of three: off the sheet in rows 1-2 (#REF! in Excel).
    cells[`B${r}`] = { formula: `SUM(OFFSET(A${r},-2,0,3,1))` };
    cells[`C${r}`] = { formula: `IFERROR(SUM(OFFSET(A${r},-2,0,3,1)),0)` };
  }
  // An absolute base; an area base keeps its size; a 1x1 result read as a value; an
  // absolute base moved above row 1; a computed count (left to the runtime).
  cells.D1 = { formula: 'OFFSET($A$1,3,0)*2' };
  cells.D2 = { formula: 'SUM(OFFSET(A1:A3,1,0))' };
  cells.D3 = { formula: 'ABS(OFFSET(A5,0,0))' };
  cells.D4 = { formula: 'OFFSET($A$1,-1,0)' };
  cells.E1 = { formula: 'G1*2' };
  cells.G1 = 5;
  if (computed) {
    cells.D5 = { formula: 'SUM(OFFSET(A1,D6,0,2,1))' };
    cells.D6 = 4;
  }
  return buildEngine({ sheets: [{ name: 'S', cells }] });
}

test('constant OFFSETs give the values of the ranges they name, #REF! where those leave the sheet', async (t) => {
  const e = await model();
  t.deepEqual(e.report.backfilled, []);
  const a = (r: number, inputs: Record<string, number> = {}) => inputs[`S!A${r}`] ?? r * 1.5;
  const check = (inputs: Record<string, number>) => {
    const res = e.run(inputs);
    for (let r = 1; r <= N; r++) {
      if (r < 3) {
        t.is((res.get(`S!B${r}`) as { code: string }).code, '#REF!', `B${r}`);
        t.is(res.get(`S!C${r}`), 0, `C${r}`);
      } else {
        const want = a(r - 2, inputs) + a(r - 1, inputs) + a(r, inputs);
        t.is(res.get(`S!B${r}`), want, `B${r}`);
        t.is(res.get(`S!C${r}`), want, `C${r}`);
      }
    }
    t.is(res.get('S!D1'), a(4, inputs) * 2);
    t.is(res.get('S!D2'), a(2, inputs) + a(3, inputs) + a(4, inputs));
    t.is(res.get('S!D3'), Math.abs(a(5, inputs)));
    t.is((res.get('S!D4') as { code: string }).code, '#REF!');
    t.is(res.get('S!D5'), a(5, inputs) + a(6, inputs));
  };
  check({});
  check({ 'S!A4': -7.25, 'S!A10': 100 });
});

test('an incremental run recomputes a constant OFFSET only when its range changes', async (t) => {
  // Without the computed reference (D5): from a computed reference on, an incremental
  // run recomputes everything in order, as it would every OFFSET if they stayed calls.
  const e = await model(false);
  // Every OFFSET is constant: none is left to the runtime.
  t.false(engineSource(e.dir).includes('OFFSET('));
  // G1 is read by E1 alone.
  e.run({ 'S!G1': 1 });
  const apart = e.run({ 'S!G1': 2 });
  t.true(apart.meta.incremental);
  t.is(apart.meta.recomputed, 1);
  t.is(apart.get('S!E1'), 4);
  // A10 is read by the windows of rows 10-12: the two runs of B3:B20 and C3:C20 are
  // recomputed (a run is recomputed whole), nothing else.
  const r = e.run({ 'S!A10': 2, 'S!G1': 2 });
  t.true(r.meta.incremental);
  t.is(r.meta.recomputed, 2 * (N - 2));
  const full = e.run({ 'S!A10': 2, 'S!G1': 2 }, { full: true });
  for (let row = 1; row <= N; row++) {
    for (const c of ['B', 'C']) t.deepEqual(r.get(`S!${c}${row}`), full.get(`S!${c}${row}`), `${c}${row}`);
  }
  t.is(r.get('S!B12'), 2 + 11 * 1.5 + 12 * 1.5);
});
