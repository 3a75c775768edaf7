/**
 * Calls the engine cannot honour (the registry's declared restrictions) are backfilled by
 * the compiler with Excel's stored value and reported with the reason; the same calls
 * with computable arguments compile and run. The Rust compiler evaluates the conditions
 * the registry declares (crates/sheetc-core/src/stages/backfill.rs).
 */
import test from 'ava';
import { buildEngine } from './helpers/build.js';

test('restricted calls are backfilled and reported; computable ones run', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'Sheet1',
        cells: {
          A1: 5,
          A2: 'ab',
          // The path Excel saved the workbook under: not known to a build.
          B1: { formula: 'CELL("filename",A1)', value: 'C:\\Books\\[fixture.xlsx]Sheet1' },
          // Another sheet's address names the workbook's file.
          B2: { formula: 'CELL("address",Sheet2!A1)', value: '[fixture.xlsx]Sheet2!$A$1' },
          // Without a reference: the cell selected when Excel calculated.
          B3: { formula: 'CELL("row")', value: 7 },
          // A pattern construct the engine does not run (\K).
          B4: { formula: '_xlfn.REGEXEXTRACT(A2,"a\\Kb")', value: 'b' },
          // Computable: own sheet's address, row, contents; a pattern the engine runs.
          C1: { formula: 'CELL("address",A1)', value: '$A$1' },
          C2: { formula: 'CELL("ROW",A1)', value: 1 },
          C3: { formula: 'CELL("contents",A1)', value: 5 },
          C4: { formula: '_xlfn.REGEXEXTRACT(A2,"a(?=b)")', value: 'a' },
        },
      },
      { name: 'Sheet2', cells: { A1: 1 } },
    ],
  });
  const reasons = Object.fromEntries(e.report.backfilled.map((b) => [b.cell, b.reason]));
  t.deepEqual(Object.keys(reasons).sort(), ['B1', 'B2', 'B3', 'B4']);
  t.regex(reasons['B1'] ?? '', /CELL\("filename"\) needs the path/);
  t.regex(reasons['B2'] ?? '', /another sheet/);
  t.regex(reasons['B3'] ?? '', /without a reference/);
  t.regex(reasons['B4'] ?? '', /^REGEXEXTRACT: the regular expression uses a construct/);
  t.true(e.report.backfilled.every((b) => b.code === 'unsupported'));
  // A supported function with an argument it cannot honour is not an unsupported function.
  t.deepEqual(e.report.unsupportedFunctions, {});
  const r = e.run();
  // Backfilled cells keep Excel's stored values; the others are computed.
  t.is(r.get('Sheet1!B1'), 'C:\\Books\\[fixture.xlsx]Sheet1');
  t.is(r.get('Sheet1!B2'), '[fixture.xlsx]Sheet2!$A$1');
  t.is(r.get('Sheet1!B3'), 7);
  t.is(r.get('Sheet1!B4'), 'b');
  t.is(r.get('Sheet1!C1'), '$A$1');
  t.is(r.get('Sheet1!C2'), 1);
  t.is(r.get('Sheet1!C3'), 5);
  t.is(r.get('Sheet1!C4'), 'a');
});
