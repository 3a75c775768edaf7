/**
 * The engine contract end to end: fixture workbooks are generated here, compiled with
 * the native compiler, and the engines imported and run. Expected values are computed
 * by hand from the formulas (each test says how).
 */
import test from 'ava';
import { isExcelError, type ExcelError } from '../ts/runtime/index.js';
import { buildEngine } from './helpers/build.js';

test('run() evaluates formulas in dependency order, across sheets', async (t) => {
  // Staircase: A10 reads A20, which reads A5; Sheet2 reads Sheet1 and vice versa.
  const e = await buildEngine({
    sheets: [
      { name: 'Sheet1', cells: { A5: 2, A20: '=A5*10', A10: '=A20+1', B1: '=Sheet2!A1*2' } },
      { name: 'Sheet2', cells: { A1: '=Sheet1!A10+100' } },
    ],
  });
  const r = e.run();
  t.is(r.get('Sheet1!A20'), 20);
  t.is(r.get('Sheet1!A10'), 21);
  t.is(r.get('Sheet2!A1'), 121);
  t.is(r.get('Sheet1!B1'), 242);
});

test('inputs override cells and formulas; each run starts from the model', async (t) => {
  const e = await buildEngine({ sheets: [{ name: 'In', cells: { B3: 0.05, B4: 100, C1: '=B3*B4', C2: '=C1+1' } }] });
  t.is(e.run().get('In!C1'), 5);
  t.is(e.run({ 'In!B3': 0.1 }).get('In!C1'), 10);
  // Pinning a formula cell: C2 reads the pinned value.
  const pinned = e.run({ 'In!C1': 42 });
  t.is(pinned.get('In!C1'), 42);
  t.is(pinned.get('In!C2'), 43);
  // No leak from the previous runs.
  t.is(e.run().get('In!C2'), 6);
});

test('range inputs take 2-D arrays and get() of a range returns one', async (t) => {
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { A1: 1, A2: 2, A3: 3, B1: '=SUM(A1:A3)' } }] });
  const r = e.run({ 'S!A1:A3': [[10], [20], [30]] });
  t.is(r.get('S!B1'), 60);
  t.deepEqual(r.get('S!A1:A3'), [[10], [20], [30]]);
});

test('defined names work as inputs and in formulas', async (t) => {
  const e = await buildEngine({
    sheets: [{ name: 'S', cells: { A1: 0.1, B1: '=Rate*1000' } }],
    names: [{ name: 'Rate', formula: 'S!$A$1' }],
  });
  t.is(e.run().get('S!B1'), 100);
  t.is(e.run({ Rate: 0.2 }).get('S!B1'), 200);
  t.is(e.run().get('Rate'), 0.1);
});

test('an unknown reference or name is an error naming it', async (t) => {
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { A1: 1, B1: '=A1' } }] });
  const err = t.throws(() => e.run({ 'Nope!A1': 1 }));
  t.regex(err!.message, /Nope!A1/);
  t.is((err as Error & { code: string }).code, 'E_UNKNOWN_REF');
  t.throws(() => e.run({ NoSuchName: 1 }), { message: /NoSuchName/ });
});

test('toJSON lists every formula cell with unquoted sheet names and errors as objects', async (t) => {
  const e = await buildEngine({ sheets: [{ name: 'My Sheet', cells: { A1: 1, B1: '=A1/0', C1: '=A1&"x"', D1: '=A1>0' } }] });
  const json = e.run().toJSON();
  t.deepEqual(json, { 'My Sheet!B1': { error: '#DIV/0!' }, 'My Sheet!C1': '1x', 'My Sheet!D1': true });
  const v = e.run().get('My Sheet!B1');
  t.true(isExcelError(v));
  t.is((v as ExcelError).code, '#DIV/0!');
});

test('meta reports timing and no iteration for an acyclic model', async (t) => {
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { A1: 1, B1: '=A1+1' } }] });
  const m = e.run().meta;
  t.true(m.converged);
  t.is(m.iterations, 0);
  t.true(m.elapsedMs >= 0);
  t.deepEqual(m.stale, []);
});

test('circular interest on average balance iterates to the fixed point', async (t) => {
  // Interest = rate * (open + close) / 2, close = open + draw + interest.
  // Fixed point: I = r(2*open + draw + I)/2  =>  I = r(2*open + draw) / (2 - r).
  const open = 1000;
  const draw = 200;
  const rate = 0.1;
  const e = await buildEngine({
    sheets: [
      { name: 'Inputs', cells: { B1: rate, B2: open, B3: draw } },
      { name: 'Debt', cells: { B1: '=Inputs!B2+Inputs!B3+B2', B2: '=Inputs!B1*(Inputs!B2+B1)/2' } },
    ],
    iterate: { count: 100, delta: 1e-9 },
  });
  t.is(e.report.clusters.length, 1);
  const r = e.run();
  const expected = (rate * (2 * open + draw)) / (2 - rate);
  t.true(Math.abs((r.get('Debt!B2') as number) - expected) < 1e-6);
  t.true(r.meta.converged);
  t.true(r.meta.iterations > 1);
});

test('a static cycle that does not feed on itself keeps its values without iteration', async (t) => {
  // B1 names itself only in CHOOSE's untaken branch (Excel computes "Not a cycle").
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { B1: '=CHOOSE(2,B1,"Not a cycle")', C1: '=B1&"!"' } }] });
  t.is(e.report.clusters.length, 1);
  const r = e.run();
  t.is(r.get('S!B1'), 'Not a cycle');
  t.is(r.get('S!C1'), 'Not a cycle!');
  t.true(r.meta.converged);
});

test('a circular reference without iterative calculation does not converge', async (t) => {
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { A1: '=B1+1', B1: '=A1+1' } }] });
  t.is(e.report.clusters.length, 1);
  const r = e.run();
  t.false(r.meta.converged);
  // Excel leaves the cells of an uncomputed cycle at 0.
  t.is(r.get('S!A1'), 0);
  t.is(r.get('S!B1'), 0);
});

test('unsupported functions are backfilled with the cached value and reported', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: { A1: 2, B1: { formula: 'PHONETIC(A1)', value: 99 }, C1: '=B1+1', D1: { formula: 'SUM(A1', value: 7 }, E1: { formula: 'NOSUCHFUNCTION(A1)', value: 5 } },
      },
    ],
  });
  // PHONETIC is an Excel function sheetc lacks: backfilled. NOSUCHFUNCTION is not an
  // Excel function at all: Excel itself evaluates it to #NAME?, and so does the engine.
  t.is(e.report.backfilled.length, 2);
  const byCell = Object.fromEntries(e.report.backfilled.map((b) => [b.cell, b]));
  t.is(byCell['B1']!.code, 'unsupported-function');
  t.deepEqual(e.report.unsupportedFunctions, { PHONETIC: 1 });
  t.is((e.run().get('S!E1') as { code: string }).code, '#NAME?');
  t.is(byCell['D1']!.code, 'parse-error');
  t.truthy(byCell['D1']!.span);
  const r = e.run();
  t.is(r.get('S!B1'), 99);
  t.is(r.get('S!C1'), 100);
  // Changing an input makes backfilled cells stale (their dependencies are unknown).
  t.deepEqual(e.run({ 'S!A1': 3 }).meta.stale.sort(), ['S!B1', 'S!D1']);
});

test('copied formulas share one shape', async (t) => {
  const cells: Record<string, string | number> = { A1: 1 };
  for (let r = 2; r <= 200; r++) cells[`A${r}`] = `=A${r - 1}*2+1`;
  const e = await buildEngine({ sheets: [{ name: 'S', cells }] });
  t.is(e.report.shapes, 1);
  t.is(e.run().get('S!A4'), 15);
});

test('shared formulas from the file are expanded per cell', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: 1,
          A2: 2,
          A3: 3,
          B1: { formula: 'A1*10', shared: { si: 0, ref: 'B1:B3' } },
          B2: { shared: { si: 0 } },
          B3: { shared: { si: 0 } },
        },
      },
    ],
  });
  const r = e.run();
  t.deepEqual(r.get('S!B1:B3'), [[10], [20], [30]]);
});

test('array formulas fill their range', async (t) => {
  const e = await buildEngine({
    sheets: [{ name: 'S', cells: { A1: 1, A2: 2, A3: 3, B1: { formula: 'A1:A3*2', array: 'B1:B3' }, C1: '=SUM(B1:B3)' } }],
  });
  const r = e.run();
  t.deepEqual(r.get('S!B1:B3'), [[2], [4], [6]]);
  t.is(r.get('S!C1'), 12);
  t.deepEqual(Object.keys(r.toJSON()).sort(), ['S!B1', 'S!B2', 'S!B3', 'S!C1']);
});

test('volatile functions take the injected clock and random source', async (t) => {
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { A1: '=TODAY()', A2: '=RAND()' } }] });
  const r = e.run({}, { now: 45000.75, random: () => 0.25 });
  t.is(r.get('S!A1'), 45000);
  t.is(r.get('S!A2'), 0.25);
});

test('workbook text reaches the engine only as literal strings', async (t) => {
  const hostile = ['"); globalThis.pwned = 1; ("', '`${globalThis.pwned = 2}`', '*/ globalThis.pwned = 3; /*', '</script><script>pwned=4</script>', 'a\u2028b\u2029c', "\\'\\\""];
  const cells: Record<string, string> = {};
  hostile.forEach((s, i) => {
    cells[`A${i + 1}`] = s;
    cells[`B${i + 1}`] = `="${s.replace(/"/g, '""')}"`;
  });
  const e = await buildEngine({ sheets: [{ name: "Sh'eet\"`${x}", cells }] });
  const r = e.run();
  hostile.forEach((s, i) => {
    t.is(r.get(`Sh'eet"\`\${x}!A${i + 1}`), s);
    t.is(r.get(`Sh'eet"\`\${x}!B${i + 1}`), s);
  });
  t.is((globalThis as { pwned?: unknown }).pwned, undefined);
});

test('INDIRECT and OFFSET read computed cells after an input change', async (t) => {
  // C1 and E1 sit before the B column in cell order and have no static dependency on it:
  // the schedule must still compute B1..B5 first, whatever A1 points at.
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: { A1: 1, C1: '=INDIRECT("B"&A1)', E1: '=SUM(OFFSET(B1,0,0,A1,1))', D1: 3, B1: '=D1*10', B2: '=B1+1', B3: '=B2+1', B4: '=B3+1', B5: '=B4+1' },
      },
    ],
  });
  t.is(e.run().get('S!C1'), 30);
  t.is(e.run().get('S!E1'), 30);
  const r = e.run({ 'S!A1': 5, 'S!D1': 4 });
  t.is(r.get('S!C1'), 44); // B5 = 40 + 4
  t.is(r.get('S!E1'), 40 + 41 + 42 + 43 + 44);
});

test('spill references read the array formula range', async (t) => {
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: { A1: 1, A2: 2, A3: 3, B1: { formula: 'A1:A3*10', array: 'B1:B3' }, D1: '=SUM(B1#)', D2: '=SUM(_xlfn.ANCHORARRAY(B1))', D3: '=SUM(A1#)' },
      },
    ],
  });
  const r = e.run({ 'S!A2': 5 });
  t.is(r.get('S!D1'), 10 + 50 + 30);
  t.is(r.get('S!D2'), 90);
  t.is((r.get('S!D3') as { code: string }).code, '#REF!');
});

test('structured table references bind to the table', async (t) => {
  // Sales table A1:C4 (header row + 3 data rows) with a totals row at A5:C5.
  const e = await buildEngine({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: 'Item', B1: 'Qty', C1: 'Amount',
          A2: 'a', B2: 2, C2: '=Sales[[#This Row],[Qty]]*10',
          A3: 'b', B3: 3, C3: '=[@Qty]*10',
          A4: 'c', B4: 5, C4: '=[@Qty]*10',
          A5: 'Total', B5: '=SUBTOTAL(109,Sales[Qty])', C5: '=SUM(Sales[Amount])',
          E1: '=ROWS(Sales[#All])', E2: '=COUNTA(Sales[#Headers])', E3: '=SUM(Sales[[#Totals],[Qty]:[Amount]])', E4: '=SUM(Sales[Qty]:Sales[Amount])',
        },
        tables: [{ name: 'Sales', ref: 'A1:C5', columns: ['Item', 'Qty', 'Amount'], totalsRow: true }],
      },
    ],
  });
  t.deepEqual(e.report.backfilled, []);
  t.deepEqual(e.report.tables, ['Sales (S!A1:C5)']);
  const r = e.run({ 'S!B3': 4 });
  t.deepEqual(r.get('S!C2:C4'), [[20], [40], [50]]);
  t.is(r.get('S!B5'), 11);
  t.is(r.get('S!C5'), 110);
  t.is(r.get('S!E1'), 5);
  t.is(r.get('S!E2'), 3);
  t.is(r.get('S!E3'), 121);
  t.is(r.get('S!E4'), 121);
});

test('a circular cluster spanning sheets iterates like Excel (Gauss-Seidel)', async (t) => {
  // Debt!B1 = opening + draw + interest; Interest!B1 = rate * (opening + Debt!B1) / 2.
  // Fixed point as in the single-sheet case: I = r(2*open + draw) / (2 - r).
  const e = await buildEngine({
    sheets: [
      { name: 'Inputs', cells: { B1: 0.08, B2: 5000, B3: 1000 } },
      { name: 'Debt', cells: { B1: '=Inputs!B2+Inputs!B3+Interest!B1' } },
      { name: 'Interest', cells: { B1: '=Inputs!B1*(Inputs!B2+Debt!B1)/2', B2: '=B1*12' } },
    ],
    iterate: { count: 100, delta: 1e-10 },
  });
  t.deepEqual(e.report.clusters, [['Debt!B1', 'Interest!B1']]);
  const r = e.run({ 'Inputs!B1': 0.1 });
  const expected = (0.1 * (2 * 5000 + 1000)) / (2 - 0.1);
  t.true(Math.abs((r.get('Interest!B1') as number) - expected) < 1e-8);
  t.true(Math.abs((r.get('Interest!B2') as number) - expected * 12) < 1e-7);
  t.true(r.meta.converged);
});

test('iteration stops at iterateCount and reports it', async (t) => {
  const e = await buildEngine({
    sheets: [{ name: 'S', cells: { A1: '=B1/2+1', B1: '=A1/2+1' } }],
    iterate: { count: 3, delta: 1e-12 },
  });
  const r = e.run();
  t.false(r.meta.converged);
  t.is(r.meta.iterations, 3);
});

test('rich-value error constants (#CALC!, #SPILL! stored as #VALUE! + vm) are read as themselves', async (t) => {
  const { unzipSync, zipSync, strToU8, strFromU8 } = await import('fflate');
  const { writeFileSync } = await import('node:fs');
  const { writeXlsx } = await import('../scripts/lib/xlsx-writer.js');
  const { fixtureFile, tempDir } = await import('./helpers/build.js');
  const { compile } = await import('../ts/index.js');
  const { join } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const files = unzipSync(writeXlsx({ sheets: [{ name: 'S', cells: { A1: { error: '#VALUE!' }, A2: { error: '#VALUE!' }, B1: '=ERROR.TYPE(A1)', B2: '=ERROR.TYPE(A2)' } }] }));
  // vm="1" → errorType 13 (#CALC!), vm="2" → errorType 8 (#SPILL!), via the metadata chain.
  const sheet = strFromU8(files['xl/worksheets/sheet1.xml']!).replace('<c r="A1" t="e">', '<c r="A1" t="e" vm="1">').replace('<c r="A2" t="e">', '<c r="A2" t="e" vm="2">');
  files['xl/worksheets/sheet1.xml'] = strToU8(sheet);
  files['xl/metadata.xml'] = strToU8(
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xlrd="http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"><metadataTypes count="1"><metadataType name="XLRICHVALUE"/></metadataTypes>' +
      '<futureMetadata name="XLRICHVALUE" count="2"><bk><extLst><ext><xlrd:rvb i="1"/></ext></extLst></bk><bk><extLst><ext><xlrd:rvb i="0"/></ext></extLst></bk></futureMetadata>' +
      '<valueMetadata count="2"><bk><rc t="1" v="0"/></bk><bk><rc t="1" v="1"/></bk></valueMetadata></metadata>',
  );
  files['xl/richData/rdrichvaluestructure.xml'] = strToU8('<rvStructures count="1"><s t="_error"><k n="errorType" t="i"/><k n="subType" t="i"/></s></rvStructures>');
  files['xl/richData/rdrichvalue.xml'] = strToU8('<rvData count="2"><rv s="0"><v>8</v><v>0</v></rv><rv s="0"><v>13</v><v>0</v></rv></rvData>');
  const file = fixtureFile({ sheets: [{ name: 'placeholder', cells: {} }] });
  writeFileSync(file, zipSync(files));
  const dir = join(tempDir(), 'engine');
  await compile(file, { outDir: dir });
  const engine = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as { run: () => { get(ref: string): unknown } };
  const r = engine.run();
  t.is((r.get('S!A1') as { code: string }).code, '#CALC!');
  t.is((r.get('S!A2') as { code: string }).code, '#SPILL!');
  t.is(r.get('S!B1'), 14);
  t.is(r.get('S!B2'), 9);
});
