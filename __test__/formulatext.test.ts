/**
 * FORMULATEXT end to end: the compiler resolves the cells each call points at (a shared
 * formula's other cells read with their references moved), the engine returns the text
 * Excel shows (`=`, no `_xlfn.` prefixes) or #N/A for a cell without a formula, and the
 * argument is not a dependency (Excel's "=E1 NOT CIRCULAR!" case). A reference computed
 * at run time reads the texts of every formula the engine then holds; an array formula's
 * cell (and a computed reference in a workbook with array formulas, whose texts the
 * engine does not hold) is backfilled and reported, not guessed.
 */
import test from 'ava';
import { isExcelError, type ExcelError } from '../ts/runtime/index.js';
import { buildEngine } from './helpers/build.js';

test('FORMULATEXT gives the formula Excel shows, per calling cell', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'Sheet1',
        cells: {
          A1: 5,
          // A shared group written for B1: B2 and B3 read it with their own references.
          B1: { formula: 'A1*2+$A$1', shared: { si: 0, ref: 'B1:B3' } },
          B2: { shared: { si: 0 } },
          B3: { shared: { si: 0 } },
          C1: '=FORMULATEXT(B1)',
          C2: '=FORMULATEXT(B2)',
          C3: '=FORMULATEXT(B3)',
          C4: '=FORMULATEXT(A1)',
          C5: '=FORMULATEXT(D1)',
          D1: '=_xlfn.BETA.INV(0.5,2,3)',
          C6: '=FORMULATEXT(Other!A1:B2)',
          // E1 reads F1's formula, F1 reads E1's value: not a cycle.
          E1: '=CONCATENATE(FORMULATEXT(F1)," NOT CIRCULAR!")',
          F1: '=E1',
        },
      },
      { name: 'Other', cells: { A1: '="a"&"b"' } },
    ],
  });
  const r = e.run();
  t.is(r.get('Sheet1!C1'), '=A1*2+$A$1');
  t.is(r.get('Sheet1!C2'), '=A2*2+$A$1');
  t.is(r.get('Sheet1!C3'), '=A3*2+$A$1');
  const na = r.get('Sheet1!C4');
  t.true(isExcelError(na));
  t.is((na as ExcelError).code, '#N/A');
  t.is(r.get('Sheet1!C5'), '=BETA.INV(0.5,2,3)');
  t.is(r.get('Sheet1!C6'), '="a"&"b"');
  t.is(r.get('Sheet1!E1'), '=E1 NOT CIRCULAR!');
  t.is(r.get('Sheet1!F1'), '=E1 NOT CIRCULAR!');
  t.is(e.report.clusters.length, 0);
  t.is(e.report.backfilled.length, 0);
});

test('FORMULATEXT of a computed reference or of an array formula is backfilled and reported', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'Sheet1',
        cells: {
          A1: '=1+1',
          A3: { formula: 'ROW(A1:A2)', array: 'A3:A4' },
          // A computed count: OFFSET with constant arguments is a plain reference (static_offsets.rs).
          B1: { formula: 'FORMULATEXT(OFFSET(A1,ROW()-1,0))', value: '=1+1' },
          B2: { formula: 'FORMULATEXT(A4)', value: '{=ROW(A1:A2)}' },
        },
      },
    ],
  });
  const reasons = Object.fromEntries(e.report.backfilled.map((b) => [b.cell, b.reason]));
  t.regex(reasons['B1'] ?? '', /computed reference in a workbook with array formulas/);
  t.regex(reasons['B2'] ?? '', /array formula/);
  // Backfilled cells keep Excel's stored values.
  const r = e.run();
  t.is(r.get('Sheet1!B1'), '=1+1');
  t.is(r.get('Sheet1!B2'), '{=ROW(A1:A2)}');
});

test('FORMULATEXT of a computed reference (OFFSET, INDIRECT) reads any formula of the workbook, and #N/A off a formula', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'Sheet1',
        cells: {
          A1: 3,
          B1: { formula: 'A1*2', shared: { si: 0, ref: 'B1:B3' } },
          B2: { shared: { si: 0 } },
          B3: { shared: { si: 0 } },
          // Which row is read is an input: the text must follow it.
          C1: '=FORMULATEXT(OFFSET(B1,A1-1,0))',
          C2: '=FORMULATEXT(INDIRECT("Other!A"&A1))',
          C3: '=FORMULATEXT(OFFSET(A1,0,0))',
          C4: '=FORMULATEXT(C1)',
        },
      },
      { name: 'Other', cells: { A1: 1, A3: '=SUM(Sheet1!B1:B3)' } },
    ],
  });
  t.deepEqual(e.report.backfilled, []);
  const r = e.run();
  t.is(r.get('Sheet1!C1'), '=A3*2');
  t.is(r.get('Sheet1!C2'), '=SUM(Sheet1!B1:B3)');
  t.is((r.get('Sheet1!C3') as ExcelError).code, '#N/A');
  t.is(r.get('Sheet1!C4'), '=FORMULATEXT(OFFSET(B1,A1-1,0))');
  const moved = e.run({ 'Sheet1!A1': 2 });
  t.is(moved.get('Sheet1!C1'), '=A2*2');
  t.is((moved.get('Sheet1!C2') as ExcelError).code, '#N/A');
});
