/**
 * Circular references in a workbook without iterative calculation (issue #15): Excel
 * does not calculate them and keeps the values it last computed, which the file stores.
 * The engine keeps those values, the build report lists the cells (code
 * `circular-without-iteration`) and a run with inputs flags them stale; they are never
 * silent zeros. References read for their address only (ROW, COLUMNS, ...) make no
 * cycle at all.
 */
import test from 'ava';
import { buildEngine } from './helpers/build.js';

test('a real cycle without iterative calculation keeps the stored values and is reported', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          // A1 = B1 + D1, B1 = A1 * 2: Excel stored 5 and 8 when it last calculated them.
          A1: { formula: 'B1+D1', value: 5 },
          B1: { formula: 'A1*2', value: 8 },
          C1: { formula: 'A1+B1', value: 13 },
          D1: 1,
        },
      },
    ],
  });
  t.deepEqual(
    e.report.backfilled.map((b) => [b.cell, b.code]),
    [
      ['A1', 'circular-without-iteration'],
      ['B1', 'circular-without-iteration'],
    ],
  );
  t.deepEqual(e.report.clusters, [['S!A1', 'S!B1']]);
  const r = e.run();
  t.is(r.get('S!A1'), 5);
  t.is(r.get('S!B1'), 8);
  // What reads the cycle computes from the kept values.
  t.is(r.get('S!C1'), 13);
  t.deepEqual(r.meta.stale, []);
  const changed = e.run({ 'S!D1': 2 });
  t.is(changed.get('S!A1'), 5);
  t.deepEqual([...changed.meta.stale].sort(), ['S!A1', 'S!B1']);
});

test('a cycle the file stores no values for is computed as Excel computes a fresh one', async (t) => {
  // No stored values (not a file Excel saved): nothing to keep. A cycle whose values do
  // not settle is left at 0, with converged false; nothing is reported as backfilled.
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { A1: '=B1+1', B1: '=A1*2', C1: '=A1+B1' } }] });
  t.deepEqual(e.report.backfilled, []);
  const r = e.run();
  t.is(r.get('S!A1'), 0);
  t.is(r.get('S!C1'), 0);
  t.false(r.meta.converged);
});

test('references read for their address only make no cycle', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          B5: { formula: 'ROW(B5)*10', value: 50 },
          B6: { formula: 'COLUMNS(A1:D9)+ROWS(A1:D9)', value: 13 },
          B7: { formula: 'AREAS((B7:D14,E2))+COLUMN(B7)', value: 4 },
          B8: { formula: 'AVERAGE(C8:D8,ROW(B8))', value: 6 },
          C8: 2,
          D8: 8,
        },
      },
    ],
  });
  t.deepEqual(e.report.clusters, []);
  t.deepEqual(e.report.backfilled, []);
  const r = e.run({ 'S!D8': 14 });
  t.is(r.get('S!B5'), 50);
  t.is(r.get('S!B6'), 13);
  t.is(r.get('S!B7'), 4);
  // (2 + 14 + 8) / 3
  t.is(r.get('S!B8'), 8);
  t.deepEqual(r.meta.stale, []);
});

test('a circular cluster that does not converge within the iteration settings is reported by the build and the CLI summary', async (t) => {
  // A1 = A1 + 1 never converges: Excel stops after the maximum iterations (10 here) and
  // shows 10, which the file stores; B1 = B1/2 + 1 converges to 2.
  const stuck = await buildEngine({
    iterate: { count: 10, delta: 0.001 },
    sheets: [{ name: 'S', cells: { A1: { formula: 'A1+1', value: 10 }, C1: { formula: 'A1*2', value: 20 } } }],
  });
  const v = stuck.report.verification;
  t.truthy(v);
  t.false(v!.converged);
  t.is(v!.iterations, 10);
  t.is(v!.differ, 0, 'the values are where Excel stopped too');
  const { summary } = await import('../ts/cli/shared.js');
  t.regex(summary(stuck.report), /circular references did not converge in 10 iteration\(s\) \(S!A1\)/);

  const fine = await buildEngine({
    iterate: { count: 100, delta: 1e-9 },
    sheets: [{ name: 'S', cells: { B1: { formula: 'B1/2+1', value: 2 } } }],
  });
  t.true(fine.report.verification!.converged);
  t.notRegex(summary(fine.report), /did not converge/);
});
