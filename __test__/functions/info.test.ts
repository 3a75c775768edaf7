import test from 'ava';
// Import the family directly (not the whole runtime) so these tests only depend on it.
import { F, restrictedFunctions, unsupportedCall } from '../../ts/runtime/registry.js';
import { Sheet } from '../../ts/runtime/store.js';
import { EXCEL_FUNCTIONS, functionCategory } from '../../ts/runtime/catalog.js';
import { ERR, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from '../../ts/runtime/values.js';
import '../../ts/runtime/functions/information/index.js';
import '../../ts/runtime/functions/text/index.js';

function sheetOf(rows: Scalar[][], name: string, index: number): Sheet {
  const w = Math.max(1, ...rows.map((r) => r.length));
  const s = Sheet.create(name, index, rows.length, w, rows.length * w);
  rows.forEach((row, i) => row.forEach((v, j) => s.set(i, j, v)));
  return s;
}
const S1 = sheetOf([[1, 'x', null], [true, ERR.NA, 2.5]], 'Sheet1', 0);
const S2 = sheetOf([[5]], 'Data', 1);
const S3 = sheetOf([[null]], 'Other', 2);
function ctx(at: Partial<Ctx> = {}): Ctx {
  const sheets = [S1, S2, S3];
  return {
    sheet: 0, row: 4, col: 3, array: false,
    book: {
      sheets, date1904: false, now: () => 45000, random: () => 0.5,
      sheetByName: (n: string) => sheets.find((s) => s.name.toUpperCase() === n.toUpperCase()),
      name: () => undefined,
    },
    ...at,
  };
}
const call = (name: string, ...args: Value[]): Value => F[name]!(ctx(), ...args);
const cell = (s: Sheet, r: number, c: number) => new Ref(s, r, c, r, c);

/** IronCalc INFORMATION/IS_INFORMATION.xlsx: the IS* functions over one row of inputs each. */
test('IS* functions never propagate errors (corpus IS_INFORMATION.xlsx)', (t) => {
  const fns = ['ISNUMBER', 'ISTEXT', 'ISLOGICAL', 'ISBLANK', 'ISERR', 'ISERROR', 'ISNONTEXT', 'ISNA'];
  const rows: [Scalar, boolean[]][] = [
    [1, [true, false, false, false, false, false, true, false]],
    ['Hello', [false, true, false, false, false, false, false, false]],
    [ERR.NA, [false, false, false, false, false, true, true, true]],
    ['12', [false, true, false, false, false, false, false, false]],
    [0, [true, false, false, false, false, false, true, false]],
    [true, [false, false, true, false, false, false, true, false]],
    [false, [false, false, true, false, false, false, true, false]],
    [ERR.DIV0, [false, false, false, false, true, true, true, false]],
    [ERR.NAME, [false, false, false, false, true, true, true, false]],
    [null, [false, false, false, true, false, false, true, false]],
  ];
  for (const [v, want] of rows) fns.forEach((f, i) => t.is(call(f, v), want[i], `${f}(${String(v)})`));
  // through references: a blank cell is blank, "" is text
  t.is(call('ISBLANK', cell(S1, 0, 2)), true);
  t.is(call('ISBLANK', ''), false);
  t.is(call('ISNA', cell(S1, 1, 1)), true);
});

test('IS* functions lift over arrays', (t) => {
  t.deepEqual(call('ISNUMBER', new Matrix(1, 3, [1, 'a', ERR.NA])), new Matrix(1, 3, [true, false, false]));
  t.deepEqual(call('ISERROR', new Matrix(1, 2, [ERR.NA, 2])), new Matrix(1, 2, [true, false]));
});

/** IronCalc INFORMATION/ISREF_ISFORMULA_ISODD_ISEVEN.xlsx stored results. */
test('ISODD, ISEVEN (corpus)', (t) => {
  const rows: [Scalar, boolean | typeof ERR.VALUE][] = [
    [1, true], [2, false], [3, true], [4, false], [2.3, false], [3.4, true], [-3, true], [-4.5, false],
    [-5.5, true], ['12', false], ['11', true], [1.5, true], [1.51, true], [null, false], [0, false],
    [-1, true], [0.001, false], [0.002, false],
  ];
  for (const [v, odd] of rows) {
    t.is(call('ISODD', v), odd, `ISODD(${String(v)})`);
    t.is(call('ISEVEN', v), !odd, `ISEVEN(${String(v)})`);
  }
  t.is(call('ISODD', true), ERR.VALUE);
  t.is(call('ISEVEN', false), ERR.VALUE);
  t.is(call('ISODD', 'Hey'), ERR.VALUE);
  t.is(call('ISEVEN', ERR.NA), ERR.NA);
});

test('ISREF (corpus)', (t) => {
  t.is(call('ISREF', cell(S1, 0, 0)), true);
  t.is(call('ISREF', new Ref(S1, 0, 0, 1, 0)), true);
  t.is(call('ISREF', new RefList([cell(S1, 0, 0), cell(S1, 1, 1)])), true);
  t.is(call('ISREF', 12), false);
  t.is(call('ISREF', 3), false);
  t.is(call('ISREF', ERR.REF), false);
});

/** IronCalc INFORMATION/N.xlsx stored results. */
test('N (corpus)', (t) => {
  const rows: [Scalar, Scalar][] = [
    [12, 12], [0, 0], [-12, -12], [1e10, 1e10], [Math.PI, Math.PI], [null, 0], ['abc', 0], ['10', 0],
    [44186, 44186], [true, 1], [false, 0], [ERR.DIV0, ERR.DIV0], [ERR.NA, ERR.NA],
  ];
  for (const [v, want] of rows) t.is(call('N', v), want, `N(${String(v)})`);
  t.is(call('N', cell(S1, 1, 0)), 1);
});

test('NA, TYPE, ERROR.TYPE', (t) => {
  t.is(call('NA'), ERR.NA);
  // TYPE doc: 1 number, 2 text, 4 logical, 16 error, 64 array; blank reads as a number (corpus TYPE.xlsx)
  t.is(call('TYPE', 1), 1);
  t.is(call('TYPE', null), 1);
  t.is(call('TYPE', cell(S1, 0, 2)), 1);
  t.is(call('TYPE', 'Smith'), 2);
  t.is(call('TYPE', true), 4);
  t.is(call('TYPE', ERR.DIV0), 16);
  t.is(call('TYPE', new Matrix(1, 3, [1, 2, 3])), 64);
  // ERROR.TYPE: corpus ERROR.TYPE.xlsx
  const codes: [Scalar, Scalar][] = [
    [ERR.NULL, 1], [ERR.DIV0, 2], [ERR.VALUE, 3], [ERR.REF, 4], [ERR.NAME, 5], [ERR.NUM, 6], [ERR.NA, 7],
    [ERR.SPILL, 9], [ERR.CALC, 14], ['not an error', ERR.NA], [1, ERR.NA], [null, ERR.NA], [true, ERR.NA],
  ];
  for (const [v, want] of codes) t.is(call('ERROR.TYPE', v), want, `ERROR.TYPE(${String(v)})`);
});

/** IronCalc INFORMATION/SHEET_SHEETS.xlsx plus the definitions. */
test('SHEET, SHEETS', (t) => {
  t.is(call('SHEET'), 1);
  t.is(F.SHEET!(ctx({ sheet: 2 })), 3);
  t.is(call('SHEET', cell(S2, 0, 0)), 2);
  t.is(call('SHEET', 'Other'), 3);
  t.is(call('SHEET', 'nope'), ERR.NA);
  t.is(call('SHEET', 0), ERR.NA);
  t.is(call('SHEET', ''), ERR.NA);
  t.is(call('SHEET', ERR.DIV0), ERR.DIV0);
  t.is(call('SHEETS'), 3);
  t.is(call('SHEETS', cell(S2, 0, 0)), 1);
  t.is(call('SHEETS', new RefList([cell(S1, 0, 0), cell(S2, 0, 0)])), 2);
});

/** IronCalc INFORMATION/CELL.xlsx stored results. */
test('CELL (corpus)', (t) => {
  t.is(call('CELL', 'address', cell(S1, 1, 0)), '$A$2');
  t.is(call('CELL', 'address', new Ref(S1, 1, 0, 3, 0)), '$A$2');
  t.is(call('CELL', 'col', new Ref(S1, 0, 0, 0, 2)), 1);
  t.is(call('CELL', 'row', new Ref(S1, 10, 0, 20, 0)), 11);
  t.is(call('CELL', 'contents', cell(S1, 1, 2)), 2.5);
  t.is(call('CELL', 'contents', cell(S1, 0, 2)), 0); // blank reads 0
  t.is(call('CELL', 'contents', cell(S1, 1, 1)), ERR.NA);
  t.is(call('CELL', 'type', cell(S1, 0, 0)), 'v');
  t.is(call('CELL', 'type', cell(S1, 0, 2)), 'b');
  t.is(call('CELL', 'type', cell(S1, 0, 1)), 'l');
  t.is(call('CELL', 'TYPE', cell(S1, 1, 0)), 'v');
  t.is(call('CELL', 'type', cell(S1, 1, 1)), 'v');
  t.is(call('CELL', 'type', cell(S1, 999999, 0)), 'b');
  t.is(call('CELL', 'hello'), ERR.VALUE);
  t.is(call('CELL', true), ERR.VALUE);
  t.is(call('CELL', 2), ERR.VALUE);
  t.is(call('CELL', ''), ERR.VALUE);
});

test('catalogue: complete, unique, categorised', (t) => {
  const names = EXCEL_FUNCTIONS.map((f) => f.name);
  t.is(new Set(names).size, names.length, 'no duplicates');
  t.true(names.length >= 480);
  for (const n of names) t.regex(n, /^[A-Z][A-Z0-9.]*$/);
  for (const n of ['SUM', 'XLOOKUP', 'TEXTSPLIT', 'VSTACK', 'GROUPBY', 'PIVOTBY', 'PERCENTOF', 'TRIMRANGE', 'REGEXTEST', 'IMAGE', 'ISOMITTED', 'MAKEARRAY', 'CUBEVALUE', 'WEBSERVICE', 'STDEV', 'NORM.S.DIST', 'DAVERAGE']) {
    t.truthy(functionCategory(n), n);
  }
  t.is(functionCategory('_xlfn.STDEV.S'), 'Statistical');
  t.is(functionCategory('CONCATENATE'), 'Compatibility');
  t.is(functionCategory('NOTAFUNCTION'), undefined);
});

test('CELL: what the engine cannot know is #CALC! at run time and reported at build time (unsupportedCall)', (t) => {
  const ref = cell(S1, 1, 0);
  for (const kind of ['color', 'format', 'parentheses', 'prefix', 'protect', 'width', 'filename']) {
    t.is(call('CELL', kind, ref), ERR.CALC, kind);
    t.regex(unsupportedCall('CELL', [{ kind: 'literal', value: kind.toUpperCase() }, { kind: 'reference', sameSheet: true }]) ?? '', /CELL/, kind);
  }
  // Without a reference Excel describes the cell selected when it calculated.
  t.is(call('CELL', 'row'), ERR.CALC);
  t.truthy(unsupportedCall('CELL', [{ kind: 'literal', value: 'row' }, { kind: 'omitted' }]));
  t.truthy(unsupportedCall('CELL', [{ kind: 'literal', value: 'row' }]));
  // Another sheet's address carries the file name: "[Book1.xlsx]Sheet2!$A$1".
  t.is(call('CELL', 'address', cell(S2, 0, 0)), ERR.CALC);
  t.truthy(unsupportedCall('CELL', [{ kind: 'literal', value: 'address' }, { kind: 'reference', sameSheet: false }]));
  // Computable kinds, an unknown kind (Excel's #VALUE!) and a computed kind compile.
  for (const kind of ['address', 'col', 'row', 'contents', 'type', 'nonsense']) {
    t.is(unsupportedCall('CELL', [{ kind: 'literal', value: kind }, { kind: 'reference', sameSheet: true }]), undefined, kind);
  }
  t.is(unsupportedCall('CELL', [{ kind: 'computed' }, { kind: 'reference', sameSheet: true }]), undefined);
  t.is(unsupportedCall('SUM', [{ kind: 'literal', value: 1 }]), undefined);
  t.deepEqual(restrictedFunctions(), ['CELL', 'REGEXEXTRACT', 'REGEXREPLACE', 'REGEXTEST']);
});
