/**
 * Structured references (issue #15, tables): every item specifier, column spans, column
 * names with spaces and escaped special characters, totals rows, references from other
 * sheets and through INDIRECT. Table Sales on S!A1:E6: header row 1, data rows 2-5, totals
 * row 6. Expected values by hand from the data.
 */
import test from 'ava';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { buildEngine } from './helpers/build.js';

// Qty 1..4, Unit Price 10..40, Tax [%] 0.1, 0, 0.2, 0: Amount = Qty × Price × (1 + Tax).
const AMOUNTS = [11, 40, 108, 160];
const TOTAL = 319;

function book(): FixtureWorkbook {
  const s: FixtureWorkbook['sheets'][number]['cells'] = {
    A1: 'Item', B1: 'Qty', C1: 'Unit Price', D1: 'Tax [%]', E1: "Cost's",
    A6: 'Total', B6: '=SUBTOTAL(109,Sales[Qty])', E6: '=SUBTOTAL(109,[Cost\'\'s])',
  };
  ['a', 'b', 'c', 'd'].forEach((item, i) => {
    const r = i + 2;
    s[`A${r}`] = item;
    s[`B${r}`] = i + 1;
    s[`C${r}`] = 10 * (i + 1);
    s[`D${r}`] = [0.1, 0, 0.2, 0][i]!;
    // The file's form ([#This Row]) and the short form ([@...]) with escaped names.
    s[`E${r}`] = i % 2 === 0 ? "=Sales[[#This Row],[Qty]]*Sales[[#This Row],[Unit Price]]*(1+Sales[[#This Row],[Tax '[%']]])" : "=[@Qty]*[@[Unit Price]]*(1+[@[Tax '[%']]])";
  });
  const u: FixtureWorkbook['sheets'][number]['cells'] = {
    A1: "=SUM(Sales[Cost''s])",
    A2: '=Sales[[#Totals],[Qty]]',
    A3: '=COUNTA(Sales[#Headers])',
    A4: '=ROWS(Sales[#All])',
    A5: '=ROWS(Sales[#Data])',
    A6: "=COLUMNS(Sales[[Qty]:[Tax '[%']]])",
    A7: '=SUM(Sales[[Qty]:[Unit Price]])',
    A8: '=INDEX(Sales[[#Headers],[Unit Price]],1)',
    A9: '=SUM(Sales[[#Data],[#Totals],[Qty]])',
    A10: '=SUMPRODUCT(Sales[Qty],Sales[Unit Price])',
    A11: '=SUM(INDIRECT("Sales[Qty]"))',
    A12: "=INDIRECT(\"Sales[[#Totals],[Cost''s]]\")",
    A13: '=ROWS(Sales[])',
    A14: '=COUNTA(Sales[[#Headers],[#Data],[Item]])',
    A15: '=SUM(Sales[[#All],[Qty]])',
    A16: '=ROWS(INDIRECT("Sales[#All]"))',
    // Row 3 of another sheet: [#This Row] intersects with the formula's row.
    A17: '=SUM(Sales[#Totals])',
    C3: '=Sales[[#This Row],[Qty]]',
    C9: '=Sales[[#This Row],[Qty]]',
    // A reference where one is wanted: the cell of that row.
    C4: '=ROW(Sales[@Qty])+COLUMN(Sales[@Qty])',
  };
  return {
    sheets: [
      { name: 'S', cells: s, tables: [{ name: 'Sales', ref: 'A1:E6', columns: ['Item', 'Qty', 'Unit Price', 'Tax [%]', "Cost's"], totalsRow: true }] },
      { name: 'U', cells: u },
    ],
  };
}

test('structured references: items, spans, escaped names, totals, other sheets', async (t) => {
  const e = await buildEngine(book());
  t.deepEqual(e.report.backfilled, []);
  const r = e.run();
  AMOUNTS.forEach((a, i) => t.true(Math.abs((r.get(`S!E${i + 2}`) as number) - a) < 1e-9, `E${i + 2}`));
  t.is(r.get('S!B6'), 10);
  t.true(Math.abs((r.get('S!E6') as number) - TOTAL) < 1e-9);
  t.true(Math.abs((r.get('U!A1') as number) - TOTAL) < 1e-9);
  t.is(r.get('U!A2'), 10);
  t.is(r.get('U!A3'), 5);
  t.is(r.get('U!A4'), 6);
  t.is(r.get('U!A5'), 4);
  t.is(r.get('U!A6'), 3);
  t.is(r.get('U!A7'), 110);
  t.is(r.get('U!A8'), 'Unit Price');
  t.is(r.get('U!A9'), 20);
  t.is(r.get('U!A10'), 300);
  t.is(r.get('U!A13'), 4);
  t.is(r.get('U!A14'), 5);
  t.is(r.get('U!A15'), 20);
  // The totals row: 10 (Qty) + 319 (Cost's); Item, Unit Price and Tax are blank there.
  t.true(Math.abs((r.get('U!A17') as number) - (10 + TOTAL)) < 1e-9);
  t.is(r.get('U!C3'), 2);
  t.is((r.get('U!C9') as { code?: string }).code, '#VALUE!');
  // Row 4, column B.
  t.is(r.get('U!C4'), 6);
  // Inputs flow through.
  const r2 = e.run({ 'S!B2': 5 });
  t.is(r2.get('U!A2'), 14);
  t.true(Math.abs((r2.get('S!E2') as number) - 55) < 1e-9);
});

test('INDIRECT reads structured references', async (t) => {
  const e = await buildEngine(book());
  const r = e.run();
  t.is(r.get('U!A11'), 10);
  t.true(Math.abs((r.get('U!A12') as number) - TOTAL) < 1e-9);
  t.is(r.get('U!A16'), 6);
  t.is(e.run({ 'S!B5': 10 }).get('U!A11'), 16);
});
