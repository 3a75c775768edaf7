/**
 * Dynamic arrays (Excel 365): a dynamic-array formula spills to its result's size; a
 * spill blocked by an occupied cell is #SPILL!. The fixtures are written as Excel saves
 * them (`cm` cell metadata pointing at XLDAPR fDynamic, the stored `ref` being where the
 * result last spilled: the anchor alone when it was blocked). Expected values follow
 * from the formulas.
 */
import test from 'ava';
import { isExcelError } from '../ts/runtime/index.js';
import { buildEngine } from './helpers/build.js';

const code = (v: unknown): string | undefined => (isExcelError(v) ? v.code : undefined);

test('a SEQUENCE blocked by a constant is #SPILL!, and spills once an input clears the blocker', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          // Saved while blocked by A3: the stored range is the anchor alone (Excel stores
          // #SPILL! as #VALUE! plus rich-value metadata; the cached value is not used).
          A1: { formula: '_xlfn.SEQUENCE(B1)', array: 'A1', dynamic: true, value: { error: '#VALUE!' } },
          A3: 99,
          B1: 5,
          C1: '=SUM(_xlfn.ANCHORARRAY(A1))',
          C2: '=ROWS(A1#)',
        },
      },
    ],
  });
  const blocked = e.run();
  t.is(code(blocked.get('S!A1')), '#SPILL!');
  t.is(blocked.get('S!A2'), null);
  t.is(blocked.get('S!A3'), 99);
  t.is(code(blocked.get('S!C1')), '#SPILL!');
  t.is(blocked.get('S!C2'), 1);

  const open = e.run({ 'S!A3': null });
  t.deepEqual(open.get('S!A1:A5'), [[1], [2], [3], [4], [5]]);
  t.is(open.get('S!C1'), 15);
  t.is(open.get('S!C2'), 5);

  // A result that stops short of the blocker spills.
  const short = e.run({ 'S!B1': 2 });
  t.deepEqual(short.get('S!A1:A3'), [[1], [2], [99]]);
  t.is(short.get('S!C1'), 3);
});

test('a FILTER result that grows into an occupied cell is #SPILL!; one that shrinks blanks the rest', async (t) => {
  const cells: Record<string, unknown> = { B1: 7, D6: 'x' };
  for (let k = 1; k <= 10; k++) cells[`A${k}`] = k;
  // Saved with B1 = 7: 8, 9, 10 in D1:D3.
  cells.D1 = { formula: '_xlfn._xlws.FILTER(A1:A10,A1:A10>B1)', array: 'D1:D3', dynamic: true, value: 8 };
  cells.D2 = 9;
  cells.D3 = 10;
  cells.E1 = '=ROWS(D1#)';
  cells.E2 = '=SUM(D1#)';
  const e = await buildEngine({ sheets: [{ name: 'S', cells: cells as Record<string, never> }] });

  const saved = e.run();
  t.deepEqual(saved.get('S!D1:D3'), [[8], [9], [10]]);
  t.deepEqual([saved.get('S!E1'), saved.get('S!E2')], [3, 27]);

  // 6 results (5..10) reach D6: blocked; its own stored cells are blank.
  const grown = e.run({ 'S!B1': 4 });
  t.is(code(grown.get('S!D1')), '#SPILL!');
  t.deepEqual(grown.get('S!D2:D3'), [[null], [null]]);
  t.is(grown.get('S!D6'), 'x');
  t.is(code(grown.get('S!E2')), '#SPILL!');

  // 5 results (6..10) end at D5: they spill beyond the stored range.
  const fits = e.run({ 'S!B1': 5 });
  t.deepEqual(fits.get('S!D1:D6'), [[6], [7], [8], [9], [10], ['x']]);
  t.deepEqual([fits.get('S!E1'), fits.get('S!E2')], [5, 40]);

  // 2 results: the stored range's third cell is blank, not #N/A; D1# is 2 rows.
  const shrunk = e.run({ 'S!B1': 8 });
  t.deepEqual(shrunk.get('S!D1:D3'), [[9], [10], [null]]);
  t.deepEqual([shrunk.get('S!E1'), shrunk.get('S!E2')], [2, 19]);
});

test('a formula cell in the spill area blocks it, whichever is evaluated first', async (t) => {
  // F1 reads F5 (so F5 runs first) and spills over it when F5/100 >= 5; K1 reads G1 (so
  // K1 runs after G1) and lies in G1's spill when B2 >= 5.
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          B2: 3,
          F1: { formula: '_xlfn.SEQUENCE(F5/100)', array: 'F1:F3', dynamic: true, value: 1 },
          F2: 2,
          F3: 3,
          F5: '=B2*100',
          G1: { formula: '_xlfn.SEQUENCE(1,B2)', array: 'G1:I1', dynamic: true, value: 1 },
          H1: 2,
          I1: 3,
          K1: '=IFERROR(G1*0,-1)+B2',
        },
      },
    ],
  });
  const r = e.run({ 'S!B2': 6 });
  t.is(code(r.get('S!F1')), '#SPILL!');
  t.is(r.get('S!F5'), 600);
  t.is(code(r.get('S!G1')), '#SPILL!');
  t.is(r.get('S!K1'), 5);
  const ok = e.run({ 'S!B2': 4 });
  t.deepEqual(ok.get('S!F1:F5'), [[1], [2], [3], [4], [400]]);
  t.deepEqual(ok.get('S!G1:K1'), [[1, 2, 3, 4, 4]]);
});

test('an input on a spill-range cell blocks the spill; an input on the anchor replaces the formula', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: { formula: '_xlfn.SEQUENCE(3)', array: 'A1:A3', dynamic: true, value: 1 },
          A2: 2,
          A3: 3,
          C1: '=ROWS(A1#)',
        },
      },
    ],
  });
  const typed = e.run({ 'S!A2': 7 });
  t.is(code(typed.get('S!A1')), '#SPILL!');
  t.deepEqual(typed.get('S!A2:A3'), [[7], [null]]);
  const replaced = e.run({ 'S!A1': 5 });
  t.deepEqual(replaced.get('S!A1:A3'), [[5], [null], [null]]);
  t.is(code(replaced.get('S!C1')), '#REF!');
});

test('legacy CSE arrays keep filling their range with #N/A beyond the result', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: 1,
          A2: 2,
          B1: { formula: 'A1:A2*2', array: 'B1:B3' },
          C1: { formula: 'A1:A2*2', array: 'C1:C3', dynamic: true },
          D1: '=ROWS(B1#)',
          D2: '=ROWS(C1#)',
        },
      },
    ],
  });
  const r = e.run();
  t.deepEqual(r.get('S!B1:B2'), [[2], [4]]);
  t.is(code(r.get('S!B3')), '#N/A');
  t.deepEqual(r.get('S!C1:C3'), [[2], [4], [null]]);
  t.deepEqual([r.get('S!D1'), r.get('S!D2')], [3, 2]);
});

test('cells a dynamic array grows into are read after it, even from a sheet evaluated earlier', async (t) => {
  // R (first sheet) reads S!D5 and S!D4:D6, where the FILTER in S!D1 (saved as D1:D3)
  // spills only when B1 is lowered; and S!H1, where it could not grow (F1 is occupied).
  const cells: Record<string, unknown> = { B1: 7, F1: 'label' };
  for (let k = 1; k <= 10; k++) cells[`A${k}`] = k;
  cells.D1 = { formula: '_xlfn._xlws.FILTER(A1:A10,A1:A10>B1)', array: 'D1:D3', dynamic: true, value: 8 };
  cells.D2 = 9;
  cells.D3 = 10;
  const e = await buildEngine({
    sheets: [
      { name: 'R', cells: { A1: '=S!D5*2', A2: '=SUM(S!D4:D6)', A3: '=S!E1&"|"' } },
      { name: 'S', cells: cells as Record<string, never> },
    ],
  });
  const saved = e.run();
  t.deepEqual([saved.get('R!A1'), saved.get('R!A2'), saved.get('R!A3')], [0, 0, '|']);
  const grown = e.run({ 'S!B1': 4 });
  t.deepEqual(grown.get('S!D1:D6'), [[5], [6], [7], [8], [9], [10]]);
  t.is(grown.get('R!A1'), 18);
  t.is(grown.get('R!A2'), 27);
  t.is(e.report.clusters.length, 0);
});
