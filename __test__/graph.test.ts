/**
 * The dependency graph end to end: ranges over formula cells stay compact (segment
 * trees in crates/sheetc-core/src/graph.rs), so a running total does not cost n²/2
 * edges, and the order they give is right. Expected values are computed by hand.
 */
import test from 'ava';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { buildEngine } from './helpers/build.js';

/** A(k) = $C$1*ROW(), B(k) = SUM($A$1:A(k)) for k = 1..rows. */
function runningTotal(rows: number): FixtureWorkbook {
  const cells: Record<string, string | number> = { C1: 1 };
  for (let k = 1; k <= rows; k++) {
    cells[`A${k}`] = '=$C$1*ROW()';
    cells[`B${k}`] = `=SUM($A$1:A${k})`;
  }
  return { sheets: [{ name: 'S', cells }] };
}

test('a running total over 100k formula rows builds with O(n log n) edges', async (t) => {
  const rows = 100_000;
  const e = await buildEngine(runningTotal(rows));
  t.is(e.report.formulaCells, 2 * rows);
  t.deepEqual(e.report.clusters, []);
  // Expanded, the ranges would be rows²/2 = 5e9 edges.
  t.true(e.report.edges < 40 * rows, `${e.report.edges} edges`);
  t.true(e.report.edges > rows, `${e.report.edges} edges`);
});

test('a running total computes in dependency order', async (t) => {
  const rows = 2000;
  const e = await buildEngine(runningTotal(rows));
  // B(k) = C1 * k(k+1)/2.
  for (const c1 of [1, 3]) {
    const r = e.run({ 'S!C1': c1 });
    for (const k of [1, 16, 17, 33, 100, 1023, 1024, 1999, 2000]) t.is(r.get(`S!B${k}`), (c1 * k * (k + 1)) / 2, `B${k}`);
  }
});

test('a cycle through a range is a cluster of its own cells only', async (t) => {
  // A1:A100 = ROW(), except A50 = B1/1000; B1 = SUM(A1:A100) reads A50: a cycle through
  // the range. C1 = SUM(A1:A40) reads cells of the range outside the cycle.
  const cells: Record<string, string | number> = {};
  for (let k = 1; k <= 100; k++) cells[`A${k}`] = k === 50 ? '=B1/1000' : '=ROW()';
  cells.B1 = '=SUM(A1:A100)';
  cells.C1 = '=SUM(A1:A40)';
  const e = await buildEngine({ sheets: [{ name: 'S', cells }], iterate: { count: 100, delta: 1e-12 } });
  t.deepEqual(e.report.clusters.map((c) => [...c].sort()), [['S!A50', 'S!B1']]);
  const r = e.run();
  t.is(r.get('S!C1'), (40 * 41) / 2);
  // B = 5000 + B/1000 → B = 5000 / (1 - 1/1000).
  t.true(Math.abs((r.get('S!B1') as number) - 5000 / 0.999) < 1e-6);
});
