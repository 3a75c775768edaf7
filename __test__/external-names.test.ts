/**
 * Defined names written with an external-book index (issue #15). `[0]!Name` is the
 * workbook's own name: Excel for Mac 2011 writes it so in
 * ../shared/corpus-formats/named_ranges_2011.xlsx, whose stored results are
 * `SUM([0]!col1_)` = 15, `SUM([0]!col3_)` = 110 and `SUM([0]!col2_)` = #NAME? (no such
 * name); the fixture below has the same data. `[1]!Name` is a name of a linked workbook:
 * Excel shows the value its external-link part caches (sheetDataSet) until the link is
 * updated.
 */
import test from 'ava';
import { buildEngine } from './helpers/build.js';

test('[0]!Name is the workbook’s own name (Excel for Mac’s form)', async (t) => {
  const cells: Record<string, string | number> = { A1: 'col1', B1: 'col2', C1: 'col3' };
  for (let r = 2; r <= 6; r++) {
    cells[`A${r}`] = r - 1;
    cells[`B${r}`] = `=2*A${r}`;
    cells[`C${r}`] = `=A${r}*B${r}`;
  }
  cells.D1 = '=SUM([0]!col1_)';
  cells.E1 = '=SUM([0]!col2_)';
  cells.F1 = '=SUM([0]!col3_)';
  cells.G1 = "=SUM('[0]Named Ranges'!Local)";
  const e = await buildEngine({
    sheets: [{ name: 'Named Ranges', cells }],
    names: [
      { name: 'col1_', formula: "'Named Ranges'!$A$2:$A$6" },
      { name: 'col3_', formula: "'Named Ranges'!$C$2:$C$6" },
      { name: 'Local', formula: "'Named Ranges'!$A$2:$A$3", sheetScope: 0 },
    ],
  });
  t.deepEqual(e.report.backfilled, []);
  const r = e.run();
  t.is(r.get("'Named Ranges'!D1"), 15);
  t.is((r.get("'Named Ranges'!E1") as { code?: string }).code, '#NAME?');
  t.is(r.get("'Named Ranges'!F1"), 110);
  t.is(r.get("'Named Ranges'!G1"), 3);
  // A change flows through the name: col3_ = Σ 2·a², a = 1..5 with A2 = 10: 2·(100+4+9+16+25).
  t.is(e.run({ "'Named Ranges'!A2": 10 }).get("'Named Ranges'!F1"), 308);
});

test('[1]!Name reads the linked workbook’s cached value; an uncached name is reported', async (t) => {
  const e = await buildEngine({
    sheets: [{ name: 'S', cells: { A1: '=[1]!Rate*100', A2: '=SUM([1]!Flows)', A3: "=[1]Inputs!Local+1", A4: '=[1]!Missing' } }],
    externalLinks: [
      {
        file: 'rates.xlsx',
        sheets: [{ name: 'Inputs', cells: { B1: 0.05, C1: 1, C2: 2, C3: 4, D1: 7 } }],
        names: [
          { name: 'Rate', refersTo: '=Inputs!$B$1' },
          { name: 'Flows', refersTo: '=Inputs!$C$1:$C$3' },
          { name: 'Local', refersTo: '=Inputs!$D$1', sheetId: 0 },
        ],
      },
    ],
  });
  const r = e.run();
  t.is(r.get('S!A1'), 5);
  t.is(r.get('S!A2'), 7);
  t.is(r.get('S!A3'), 8);
  // A name the link does not cache cannot be computed: kept from the file and reported.
  t.deepEqual(
    e.report.backfilled.map((b) => [b.cell, b.code]),
    [['A4', 'unsupported']],
  );
});
