/**
 * No silent wrong answer (issue #15), the reader and reporting part: the 1904 date
 * system, user-defined functions (VBA, add-ins), cells Excel computes from things
 * sheetc cannot (data tables, pivot tables, cubes), array ranges in lazy results,
 * SUBTOTAL/AGGREGATE over hidden and filtered rows, the Mac character set flag, the
 * clock of NOW/TODAY, and the verification that follows every build. Expected values come
 * from Excel's documented behaviour (cited per test) or from Excel's stored results in
 * the real files of ../shared/corpus-formats.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, loadEngine, verify } from '../ts/index.js';
import type { BuildReport, CompileOptions, RunResult } from '../ts/index.js';
import { writeXlsx, type FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { tempDir } from './helpers/build.js';
import { sharedFolder } from './helpers/corpus.js';

const FORMATS = sharedFolder('corpus-formats');
const formats = (name: string): string | null => (FORMATS && existsSync(join(FORMATS, name)) ? join(FORMATS, name) : null);

let n = 0;
function file(wb: FixtureWorkbook, ext = 'xlsx'): string {
  const dir = tempDir();
  const path = join(dir, `book${n++}.${ext}`);
  writeFileSync(path, writeXlsx(wb));
  return path;
}

async function build(path: string, opts: Partial<CompileOptions> = {}): Promise<{ dir: string; report: BuildReport; run: (i?: Record<string, unknown>, o?: object) => RunResult }> {
  const dir = join(tempDir(), 'engine');
  const report = await compile(path, { outDir: dir, ...opts });
  const mod = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as { run: (i?: Record<string, unknown>, o?: object) => RunResult };
  return { dir, report, run: mod.run };
}

const cli = join(process.cwd(), 'dist', 'cli.js');
function sheetc(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ------------------------------------------------------------------ 1904 date system

test('1904 date system: the main workbookPr counts, not the x15 one Excel writes after it', async (t) => {
  // Excel: in the 1904 date system serial 1 is 2 January 1904 (serial 0 is 1 January 1904).
  const path = file({ date1904: true, x15WorkbookPr: true, sheets: [{ name: 'S', cells: { A1: '=TEXT(1,"yyyy-mm-dd")', A2: '=DATE(2024,3,15)' } }] });
  const { run } = await build(path);
  const r = run();
  t.is(r.get('S!A1'), '1904-01-02');
  // 15 March 2024 is 45366 in the 1900 system; 1,462 days fewer in the 1904 one.
  t.is(r.get('S!A2'), 45366 - 1462);
});

test('1904 date system: the real 1904_1904.xlsx matches every stored value', async (t) => {
  const path = formats('1904_1904.xlsx');
  t.truthy(path, 'corpus-formats/1904_1904.xlsx is missing');
  if (!path) return;
  const r = await verify(path);
  t.true(r.total >= 10, `${r.total}`);
  t.is(r.matched, r.total, JSON.stringify(r.mismatches.slice(0, 3)));
});

// ------------------------------------------------------------------ user-defined functions

const udfBook = (vba: boolean): FixtureWorkbook => ({
  vbaProject: vba,
  sheets: [
    {
      name: 'S',
      cells: {
        A1: 21,
        B9: 1,
        C1: { formula: 'MyUdf(A1)', value: 42 },
        C2: { formula: 'MyUdf(A1)+1', value: 43 },
        C3: { formula: 'MyUdf(B9)', value: 2 },
        C4: { formula: 'MyUdf(A1:A2)', value: 'range' },
      },
    },
  ],
});

test('VBA user-defined function: backfilled from the stored value, reported, stale only when an input reaches it', async (t) => {
  const { report, run } = await build(file(udfBook(true), 'xlsm'));
  t.true(report.vbaProject);
  const codes = Object.fromEntries(report.backfilled.map((b) => [b.cell, b.code]));
  t.deepEqual(codes, { C1: 'user-defined-function', C2: 'user-defined-function', C3: 'user-defined-function', C4: 'user-defined-function' });
  t.deepEqual(report.userDefinedFunctions, { MYUDF: 4 });
  t.deepEqual(report.unknownFunctions, []);
  const r = run();
  t.is(r.get('S!C1'), 42);
  t.is(r.get('S!C2'), 43);
  t.deepEqual(r.meta.stale, []);
  // A1 feeds C1, C2 and C4, not C3.
  t.deepEqual(run({ 'S!A1': 5 }).meta.stale.sort(), ['S!C1', 'S!C2', 'S!C4']);
  t.deepEqual(run({ 'S!B9': 5 }).meta.stale, ['S!C3']);
});

test('VBA user-defined function with an implementation: compiled, computed and fresh when inputs change', async (t) => {
  const seen: unknown[] = [];
  const functions = {
    myudf: (x: unknown) => {
      seen.push(x);
      return Array.isArray(x) ? x.flat().length : (x as number) * 2;
    },
  };
  const path = file(udfBook(true), 'xlsm');
  const dir = join(tempDir(), 'engine');
  const report = await compile(path, { outDir: dir, functions });
  t.deepEqual(report.backfilled, []);
  t.deepEqual(report.userDefinedFunctions, { MYUDF: 4 });
  // The build's verification ran the functions: C4's stored text differs from the count.
  t.is(report.verification?.differ, 1);
  t.is(report.verification?.differences[0]?.cell, 'S!C4');
  const engine = await loadEngine(dir, { functions });
  const r = engine.run({ 'S!A1': 5 });
  t.is(r.get('S!C1'), 10);
  t.is(r.get('S!C2'), 11);
  t.is(r.get('S!C3'), 2);
  // A range arrives as rows of values; a blank cell as null.
  t.is(r.get('S!C4'), 2);
  t.true(seen.some((x) => JSON.stringify(x) === JSON.stringify([[5], [null]])));
  t.deepEqual(r.meta.stale, []);
  // Without the implementation the engine refuses to run (never a silent #NAME?).
  const bare = await loadEngine(dir);
  t.throws(() => bare.run(), { message: /MYUDF/, instanceOf: Error });
  try {
    bare.run();
  } catch (e) {
    t.is((e as { code?: string }).code, 'E_MISSING_FUNCTION');
  }
  // run(inputs, { functions }) takes precedence over the loaded ones, name by name.
  t.is(engine.run({}, { functions: { MyUdf: () => 'other' } }).get('S!C1'), 'other');
  // Errors: a thrown exception is #VALUE!, as an error raised in VBA is.
  const failing = await loadEngine(dir, {
    functions: {
      MyUdf: () => {
        throw new Error('boom');
      },
    },
  });
  t.is((failing.run().get('S!C1') as { code: string }).code, '#VALUE!');
});

test('a user-defined function cannot replace an Excel function sheetc implements', async (t) => {
  await t.throwsAsync(compile(file(udfBook(true), 'xlsm'), { outDir: join(tempDir(), 'e'), functions: { SUM: () => 1 } }), { message: /SUM is an Excel function/ });
});

test('without a VBA project an unknown function is #NAME? as in Excel, and reported with its cells; --strict fails', async (t) => {
  const { report, run } = await build(file(udfBook(false)));
  t.false(report.vbaProject);
  t.deepEqual(report.backfilled, []);
  t.deepEqual(report.unknownFunctions, [{ name: 'MYUDF', count: 4, cells: ['S!C1', 'S!C2', 'S!C3', 'S!C4'] }]);
  t.is((run().get('S!C1') as { code: string }).code, '#NAME?');
  await t.throwsAsync(compile(file(udfBook(false)), { outDir: join(tempDir(), 'e'), strict: true }), { message: /MYUDF is not a function Excel knows/ });
});

test('number_format.xlsm: the NumFmt/DoFmt macros keep Excel values and are reported', async (t) => {
  const path = formats('number_format.xlsm');
  t.truthy(path, 'corpus-formats/number_format.xlsm is missing');
  if (!path) return;
  const r = await verify(path);
  const udf = r.build.backfilled.filter((b) => b.code === 'user-defined-function');
  t.true(udf.length >= 50, `${udf.length}`);
  t.truthy(r.build.userDefinedFunctions['NUMFMT']);
  t.truthy(r.build.userDefinedFunctions['DOFMT']);
  t.deepEqual(r.build.unknownFunctions, []);
  // No cell computes #NAME? in place of a macro's value.
  t.false(r.mismatches.some((m) => m.actual !== null && typeof m.actual === 'object' && m.actual.error === '#NAME?'), JSON.stringify(r.mismatches.slice(0, 3)));
});

// ------------------------------------------------------------------ cells only Excel computes

test('XLL add-in functions, data tables, GETPIVOTDATA, CUBE functions and linked data types keep the stored value, each with its reason', async (t) => {
  const path = file({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: 2,
          B1: { formula: '_xll.PriceIt(A1)', value: 9.5 },
          // A one-variable data table whose input cell was deleted (Excel shows
          // TABLE(,#REF!)): not computable, B3:B5 keeps Excel's results. (Data tables the
          // engine computes: whatif-data-tables.test.ts.)
          B3: { dataTable: { ref: 'B3:B5', r1: 'A1', del1: true }, value: 10 },
          B4: 20,
          B5: 30,
          C1: { formula: 'GETPIVOTDATA("Sales",$E$1)', value: 1234 },
          D1: { formula: 'CUBEVALUE("Model","[Measures].[Sales]")', value: 77 },
          // A linked data type's field written A1.Price / A1.[Leader(s)]: the file says _FV.
          E1: { formula: '_FV(A1,"Price")', value: 439.77 },
          E2: { formula: '_FV(A1,"Leader(s)",TRUE)', value: 'Ada' },
        },
      },
    ],
  });
  const { report, run } = await build(path);
  const byCell = Object.fromEntries(report.backfilled.map((b) => [b.cell, b]));
  t.is(byCell['B1']?.code, 'add-in-function');
  t.is(byCell['B3']?.code, 'data-table');
  t.is(byCell['B3']?.formula, 'TABLE(,#REF!)');
  t.is(byCell['C1']?.code, 'pivot-table');
  t.is(byCell['D1']?.code, 'cube-function');
  t.is(byCell['E1']?.code, 'external-data');
  t.regex(byCell['E1']?.reason ?? '', /FIELDVALUE.*linked data type/);
  t.is(byCell['E2']?.code, 'external-data');
  t.false(report.unknownFunctions.some((u) => /_FV|FIELDVALUE/.test(u.name)), 'not an unknown name');
  const json = run().toJSON();
  t.like(json, { 'S!B1': 9.5, 'S!B3': 10, 'S!B4': 20, 'S!B5': 30, 'S!C1': 1234, 'S!D1': 77, 'S!E1': 439.77, 'S!E2': 'Ada' });
});

test('a two-variable data table is computed, not backfilled', async (t) => {
  // Corner B2 = A1*10 + A2; row input A1 takes C2:D2, column input A2 takes B3:B4. The
  // stored results are wrong on purpose (0): the engine computes each cell.
  const path = file({
    sheets: [
      {
        name: 'S',
        cells: { A1: 1, A2: 2, B2: { formula: 'A1*10+A2', value: 12 }, C2: 1, D2: 2, B3: 5, B4: 7, C3: { dataTable: { ref: 'C3:D4', r1: 'A1', r2: 'A2', dt2D: true }, value: 0 }, D3: 0, C4: 0, D4: 0 },
      },
    ],
  });
  const { report, run } = await build(path);
  t.deepEqual(report.backfilled, []);
  t.deepEqual(run().get('S!C3:D4'), [
    [1 * 10 + 5, 2 * 10 + 5],
    [1 * 10 + 7, 2 * 10 + 7],
  ]);
});

// ------------------------------------------------------------------ array ranges in results

test('a lazy engine lists a backfilled array formula and its whole range with the stored values', async (t) => {
  const path = file({
    sheets: [
      {
        name: 'S',
        cells: { A1: 1, A2: 2, B1: { formula: 'A1:A2*2', array: 'B1:B2', value: 2 }, B2: 4, C1: { formula: 'WEBSERVICE("x")', array: 'C1:C3', value: 7 }, C2: 8, C3: 9 },
      },
    ],
  });
  const dir = join(tempDir(), 'engine');
  await compile(path, { outDir: dir, lazy: true });
  const engine = await loadEngine(dir);
  await engine.load!({ sheets: ['S'] });
  t.deepEqual(engine.run().toJSON(), { 'S!B1': 2, 'S!B2': 4, 'S!C1': 7, 'S!C2': 8, 'S!C3': 9 });
});

// ------------------------------------------------------------------ SUBTOTAL / AGGREGATE

// Values 1, 2, 4, 8, 16, 32 in A2:A7 under a header; row 4 (value 4) hidden by the user,
// row 6 (value 16) hidden by the AutoFilter on A5:A7 (header row 5); A8 is a nested
// subtotal. The file marks both rows `hidden="1"` alike: a hidden row inside the range of
// a filter that has a criterion is read as filtered, one outside it as hidden by the user.
const hiddenBook = (): FixtureWorkbook => ({
  sheets: [
    {
      name: 'S',
      hiddenRows: [4, 6],
      autoFilter: { ref: 'A5:A7', filterColumn: 0 },
      cells: {
        A1: 'n',
        A2: 1,
        A3: 2,
        A4: 4,
        A5: 8,
        A6: 16,
        A7: 32,
        B2: 1,
        B3: { error: '#DIV/0!' },
        B4: 3,
        A8: { formula: 'SUBTOTAL(9,A2:A7)', value: 0 },
        C1: '=SUBTOTAL(9,A2:A8)',
        C2: '=SUBTOTAL(109,A2:A8)',
        C3: '=SUBTOTAL(2,A2:A8)',
        C4: '=AGGREGATE(9,4,A2:A8)',
        C5: '=AGGREGATE(9,5,A2:A8)',
        C6: '=AGGREGATE(9,0,A2:A8)',
        C7: '=AGGREGATE(9,1,A2:A8)',
        C8: '=AGGREGATE(9,6,B2:B4)',
        C9: '=AGGREGATE(9,4,B2:B4)',
        C10: '=AGGREGATE(14,5,A2:A7,2)',
        C11: '=AGGREGATE(14,4,A2:A7,2)',
        C12: '=AGGREGATE(9,7,B2:B4)',
      },
    },
  ],
});

test('SUBTOTAL skips filtered rows always, hidden rows with 101–111, and nested subtotals', async (t) => {
  const { run } = await build(file(hiddenBook()));
  const r = run();
  // 1–11: only the filtered row (16) and the nested subtotal (A8) are left out.
  t.is(r.get('S!C1'), 1 + 2 + 4 + 8 + 32);
  // 101–111: the hidden row (4) too.
  t.is(r.get('S!C2'), 1 + 2 + 8 + 32);
  // COUNT: five visible-or-hidden numbers, the filtered one and the subtotal left out.
  t.is(r.get('S!C3'), 5);
  // A8 itself is SUBTOTAL(9,...) of its own range: 1+2+4+8+32.
  t.is(r.get('S!A8'), 47);
});

test('AGGREGATE honours each option: hidden rows, error values, nested subtotals', async (t) => {
  const { run } = await build(file(hiddenBook()));
  const r = run();
  // 4: ignore nothing (all six values and the nested subtotal A8 = 47).
  t.is(r.get('S!C4'), 63 + 47);
  // 5: ignore hidden rows (user-hidden 4 and filtered 16), not nested subtotals.
  t.is(r.get('S!C5'), 1 + 2 + 8 + 32 + 47);
  // 0: ignore nested subtotals only.
  t.is(r.get('S!C6'), 63);
  // 1: hidden rows and nested subtotals.
  t.is(r.get('S!C7'), 1 + 2 + 8 + 32);
  // 6: ignore error values (B3), B4 is in a hidden row but counted.
  t.is(r.get('S!C8'), 1 + 3);
  // 4 with an error in range: the error.
  t.is((r.get('S!C9') as { code: string }).code, '#DIV/0!');
  // LARGE(.,2) of the visible values 1,2,8,32 is 8; of all six, 16.
  t.is(r.get('S!C10'), 8);
  t.is(r.get('S!C11'), 16);
  // 7: hidden rows and errors: only B2.
  t.is(r.get('S!C12'), 1);
});

test('a hidden row outside a filtering AutoFilter is hidden by the user, not filtered', async (t) => {
  // No criterion on the AutoFilter: its hidden rows were hidden by hand.
  const wb = hiddenBook();
  wb.sheets[0]!.autoFilter = { ref: 'A1:A7' };
  const { run } = await build(file(wb));
  const r = run();
  t.is(r.get('S!C1'), 63);
  t.is(r.get('S!C2'), 1 + 2 + 8 + 32);
});

test("rows a table's filter hides are filtered rows", async (t) => {
  const wb = hiddenBook();
  delete wb.sheets[0]!.autoFilter;
  wb.sheets[0]!.hiddenRows = [6];
  wb.sheets[0]!.tables = [{ name: 'T', ref: 'A1:A7', columns: ['n'], autoFilter: { ref: 'A1:A7', filterColumn: 0 } }];
  const { run } = await build(file(wb));
  t.is(run().get('S!C1'), 1 + 2 + 4 + 8 + 32);
});

// ------------------------------------------------------------------ Mac character set

test('a file saved by Excel for Mac says so in the engine spec (macCharset) and the book context', async (t) => {
  const mac = await build(file({ application: 'Microsoft Macintosh Excel', sheets: [{ name: 'S', cells: { A1: '=CHAR(65)' } }] }));
  const win = await build(file({ application: 'Microsoft Excel', sheets: [{ name: 'S', cells: { A1: '=CHAR(65)' } }] }));
  const spec = (dir: string) => readFileSync(join(dir, 'engine.js'), 'utf8');
  t.regex(spec(mac.dir), /"macCharset":true/);
  t.notRegex(spec(win.dir), /macCharset/);
  t.is(mac.report.application, 'Microsoft Macintosh Excel');
  // The runtime's book context exposes it to functions (CHAR/CODE read ctx.book.macCharset).
  const { createEngine } = await import('../ts/runtime/index.js');
  const seen: (boolean | undefined)[] = [];
  const specOf = (macCharset: boolean) => ({
    version: 1 as const,
    sheets: [{ name: 'S', rows: 1, cols: 1, cells: 1 }],
    date1904: false,
    calc: { iterate: false, count: 100, delta: 0.001 },
    names: [],
    order: [[0, 0]] as [number, number][],
    backfilled: [],
    ...(macCharset ? { macCharset } : {}),
  });
  const module = { constants: [], formulas: [], segments: [(x: { book: { macCharset?: boolean } }) => void seen.push(x.book.macCharset)] };
  createEngine(specOf(true), [module as never]).run();
  createEngine(specOf(false), [module as never]).run();
  t.deepEqual(seen, [true, false]);
});

// ------------------------------------------------------------------ the clock

const todayBook = (stored: number, modified?: string): FixtureWorkbook => ({
  ...(modified ? { modified } : {}),
  sheets: [{ name: 'S', cells: { A1: { formula: 'TODAY()', value: stored }, A2: { formula: 'YEAR(NOW())', value: 2024 } } }],
});

test('verify runs NOW/TODAY at the time the file was last saved', async (t) => {
  // Saved at noon UTC on 15 March 2024 (serial 45366): TODAY() is that day in any time zone within ±11 h.
  const r = await verify(file(todayBook(45366, '2024-03-15T12:00:00Z')));
  t.is(r.total, 2);
  t.is(r.matched, 2, JSON.stringify(r.mismatches));
  t.is(r.now, '2024-03-15T12:00:00.000Z');
  // The API's now overrides it.
  const other = await verify(file(todayBook(45366, '2024-03-15T12:00:00Z')), { now: '2024-03-16' });
  t.is(other.matched, 1);
  t.deepEqual(other.mismatches.map((m) => [m.cell, m.formula, m.actual]), [['S!A1', '=TODAY()', 45367]]);
});

test('eval and verify take --now', (t) => {
  const path = file(todayBook(45366));
  const e = sheetc('eval', path, '--now', '2024-03-15', '--json');
  t.is(e.code, 0, e.stderr);
  t.is((JSON.parse(e.stdout) as { values: Record<string, unknown> }).values['S!A1'], 45366);
  const v = sheetc('verify', path, '--now', '2024-03-15T09:30');
  t.is(v.code, 0, v.stdout + v.stderr);
  t.regex(v.stdout, /2 \/ 2 formula cells match/);
  const bad = sheetc('eval', path, '--now', 'yesterday');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /E_INVALID_OPTION/);
});

// ------------------------------------------------------------------ verification on every build

const verifyBook = (): FixtureWorkbook => ({
  sheets: [{ name: 'S', cells: { A1: 2, A2: { formula: 'A1*3', value: 6 }, A3: { formula: 'A1+1', value: 99 }, A4: { formula: 'A1/0', value: { error: '#DIV/0!' } } } }],
});

test('every build compares the engine with the stored values and lists the differences', async (t) => {
  const { report } = await build(file(verifyBook()));
  const v = report.verification!;
  t.like(v, { total: 3, matched: 2, differ: 1, withoutStoredValue: 0, backfilled: 0 });
  t.deepEqual(v.differences, [{ cell: 'S!A3', formula: '=A1+1', expected: 99, actual: 3 }]);
  // The manifest carries it too.
  const manifest = JSON.parse(readFileSync(join(report.outDir, 'manifest.json'), 'utf8')) as BuildReport;
  t.is(manifest.verification?.differ, 1);
  // ... and names no path of the build machine.
  t.false('outDir' in manifest);
  // verify: false skips it.
  const skipped = await build(file(verifyBook()), { verify: false });
  t.is(skipped.report.verification, null);
});

test('a shared formula difference shows the formula of its own cell', async (t) => {
  const path = file({
    sheets: [{ name: 'S', cells: { A1: 1, A2: 2, B1: { formula: 'A1*10', shared: { si: 0, ref: 'B1:B2' }, value: 10 }, B2: { shared: { si: 0 }, value: 21 } } }],
  });
  const { report } = await build(path);
  t.deepEqual(report.verification?.differences, [{ cell: 'S!B2', formula: '=A2*10', expected: 21, actual: 20 }]);
});

test('stored values of every kind are compared; formula cells without one are counted, not compared', async (t) => {
  // Two sheets: the stored texts and error codes of both are one table in the build's
  // stored-values file, each cell's formula text is its own sheet's.
  const path = file({
    sheets: [
      {
        name: 'S',
        cells: {
          A1: 2,
          B1: { formula: 'A1*3', value: 6 },
          B2: { formula: '"x"&A1', value: 'x2' },
          B3: { formula: 'A1>1', value: true },
          B4: { formula: 'A1/0', value: { error: '#DIV/0!' } },
          B5: { formula: 'A1+1', value: null },
          B6: { formula: '"y"&A1', value: 'x2' },
        },
      },
      {
        name: 'T',
        cells: {
          A1: { formula: 'S!A1<1', value: true },
          A2: { formula: 'NA()', value: { error: '#DIV/0!' } },
          A3: { formula: 'S!A1&""', value: '2' },
        },
      },
    ],
  });
  const { report } = await build(path);
  const v = report.verification!;
  t.like(v, { total: 8, matched: 5, differ: 3, withoutStoredValue: 1, backfilled: 0 });
  t.deepEqual(v.differences, [
    { cell: 'S!B6', formula: '="y"&A1', expected: 'x2', actual: 'y2' },
    { cell: 'T!A1', formula: '=S!A1<1', expected: true, actual: false },
    { cell: 'T!A2', formula: '=NA()', expected: { error: '#DIV/0!' }, actual: { error: '#N/A' } },
  ]);
});

test('--strict fails on a difference and leaves the output directory as it was', async (t) => {
  const out = join(tempDir(), 'engine');
  mkdirSync(out);
  await t.throwsAsync(compile(file(verifyBook()), { outDir: out, strict: true }), { message: /1 formula cell\(s\) differ.*S!A3 =A1\+1: Excel 99, sheetc 3/ });
  t.false(existsSync(join(out, 'engine.js')));
  // The same workbook without the wrong value builds.
  const good = verifyBook();
  (good.sheets[0]!.cells['A3'] as { value: number }).value = 3;
  const report = await compile(file(good), { outDir: out, strict: true });
  t.is(report.verification?.differ, 0);
  t.true(existsSync(join(out, 'engine.js')));
  t.is(report.outDir, out);
});

test('an output profile is verified by its first pass', async (t) => {
  const { report } = await build(file(verifyBook()), { inputs: ['S!A1'], outputs: ['S!A3'] });
  t.like(report.verification, { total: 3, matched: 2, differ: 1 });
});

test('the CLI says what the verification found; verify on a file with nothing to compare exits 1', (t) => {
  const out = join(tempDir(), 'engine');
  const b = sheetc('build', file(verifyBook()), '-o', out);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /verified 2 \/ 3 cells against Excel's stored values; 1 differ/);
  t.regex(b.stdout, /S!A3 =A1\+1: Excel 99, sheetc 3/);
  const none = file({ sheets: [{ name: 'S', cells: { A1: 2, A2: '=A1*3' } }] });
  const v = sheetc('verify', none);
  t.is(v.code, 1);
  t.regex(v.stdout, /nothing to verify/);
  t.notRegex(v.stdout, /0 \/ 0/);
  const unknown = sheetc('build', file(udfBook(false)), '-o', join(tempDir(), 'e'));
  t.regex(unknown.stdout, /unknown functions.*: 1\n {2}MYUDF: 4 cells/);
  const strict = sheetc('build', file(verifyBook()), '-o', join(tempDir(), 'e'), '--strict');
  t.is(strict.code, 2);
  t.regex(strict.stderr, /E_STRICT/);
  const noVerify = sheetc('build', file(verifyBook()), '-o', join(tempDir(), 'e'), '--no-verify');
  t.notRegex(noVerify.stdout, /verified/);
});
