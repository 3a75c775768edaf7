/**
 * The numeric variants of generated shapes (codegen `numeric_expr`): a run of cells whose
 * formula is arithmetic computes each cell in plain doubles first and falls back to the
 * general code when an operand is not a number or the result is not finite. These tests
 * hold both paths to Excel's rules: the operators' own (unit) and whole columns of
 * formulas over every kind of operand (end to end). Expected values are Excel's
 * arithmetic: text that reads as a number is that number, TRUE is 1, blank is 0, other
 * text #VALUE!, an error operand propagates, x/0 #DIV/0!, a result (or an intermediate
 * result) beyond ±1.8e308 #NUM!, and + / - snap a result equal to zero in 15 digits to 0.
 */
import test, { type ExecutionContext } from 'ava';
import { add, compareNumbers, compareScalars, div, eq, ERR, F, ge, gt, le, lt, mul, nadd, navg, nbool, ndiv, ne, neq, nfin, nge, ngt, nif, nle, nlt, nmax, nmin, nne, npow, nskipped0, ntruth, pow, Ref, sub, type Value } from '../ts/runtime/index.js';
import { rng } from './helpers/random.js';
import { ctx, makeBook, sheetOf } from './helpers/runtime.js';
import { buildEngine } from './helpers/build.js';

const OPERANDS = [0, -0, 1, -1, 2, 0.1, 0.2, 0.3, 1e-300, 1e300, 1.7e308, -1e308, 3, 0.5, -2.5, Infinity, -Infinity, NaN];

test('the numeric operators never give a finite number where the general ones give an error', (t) => {
  const x = ctx();
  const pairs: [string, (a: number, b: number) => number, (a: Value, b: Value) => Value][] = [
    ['+', nadd, (a, b) => add(a, b, x)],
    ['-', (a, b) => nadd(a, -b), (a, b) => sub(a, b, x)],
    ['*', (a, b) => a * b, (a, b) => mul(a, b, x)],
    ['/', ndiv, (a, b) => div(a, b, x)],
    ['^', npow, (a, b) => pow(a, b, x)],
  ];
  let checked = 0;
  for (const [op, numeric, general] of pairs) {
    for (const a of OPERANDS) {
      for (const b of OPERANDS) {
        // Operands as the numeric code sees them: infinities and NaN only arise as
        // intermediate results there (a cell never holds one), so for those the general
        // operator is asked about the error it would have met earlier: none is finite.
        const n = numeric(a, b);
        if (!Number.isFinite(n)) continue;
        checked++;
        t.true(Number.isFinite(a) && Number.isFinite(b), `${a} ${op} ${b} = ${n} from a non-finite operand`);
        const g = general(a, b);
        t.true(Object.is(g, n), `${a} ${op} ${b}: numeric ${n}, general ${String(g)}`);
      }
    }
  }
  t.true(checked > 200);
  // The cases that must fall back.
  t.true(Number.isNaN(ndiv(1, 0)));
  t.true(Number.isNaN(ndiv(1, Infinity))); // 1/(overflow) is #NUM! in Excel, never 0
  t.true(Number.isNaN(npow(Infinity, 0))); // (overflow)^0 is #NUM!, never 1
  t.true(Number.isNaN(npow(0, Infinity))); // 0^(overflow) too
  t.true(Number.isNaN(npow(0, 0)));
  t.true(Number.isNaN(npow(0, -1)));
  t.is(npow(0, 2), 0);
  t.true(Number.isNaN(npow(-8, 1 / 3)));
  t.is(nadd(0.1 + 0.2, -0.3), 0); // Excel's zero snap
});

test('MIN, MAX and AVERAGE in numbers: Infinity is an argument they skip, NaN an error', (t) => {
  // Operands as the numeric code passes them: a number, Infinity for a blank, text or
  // logical cell (SheetStore.agg), NaN for an error. The general functions are asked
  // with a reference to such a cell.
  const sheet = sheetOf([[null], ['text'], [true], [ERR.NA], [4]]);
  const x = ctx({}, makeBook([sheet]));
  t.deepEqual([0, 1, 2, 3, 4, 9].map((r) => sheet.agg(r, 0)), [Infinity, Infinity, Infinity, NaN, 4, Infinity]);
  let skip = 0;
  // A skipped argument is a blank, a text or a logical cell in turn; NaN the error cell.
  const refTo = (v: number): Value => {
    if (v !== v) return new Ref(sheet, 3, 0, 3, 0);
    if (v !== Infinity) return v;
    const r = skip++ % 3;
    return new Ref(sheet, r, 0, r, 0);
  };
  const cases = [0, -0, 1, -1, 2.5, 1e300, -1e300, Infinity, NaN];
  let checked = 0;
  for (const a of cases) {
    for (const b of cases) {
      for (const c of [Infinity, 3]) {
        const pairs: [string, number, Value][] = [
          ['min', nskipped0(nmin(nmin(a, b), c)), F.MIN!(x, refTo(a), refTo(b), refTo(c))],
          ['max', nskipped0(nmax(nmax(a, b), c)), F.MAX!(x, refTo(a), refTo(b), refTo(c))],
          ['average', navg(3, a, b, c), F.AVERAGE!(x, refTo(a), refTo(b), refTo(c))],
        ];
        for (const [op, numeric, general] of pairs) {
          if (!Number.isFinite(numeric)) {
            // The cell goes to the general code: fine whatever it gives.
            continue;
          }
          checked++;
          t.true(Object.is(general, numeric), `${op}(${a}, ${b}, ${c}): numeric ${numeric}, general ${String(general)}`);
        }
      }
    }
  }
  t.true(checked > 150);
  // An error among the arguments never gives a number; all skipped gives 0 (MIN, MAX)
  // or falls back (AVERAGE's #DIV/0!); an overflowed argument is not "skipped".
  t.true(Number.isNaN(nmin(NaN, Infinity)) && Number.isNaN(nmax(2, NaN)) && Number.isNaN(navg(2, Infinity, NaN)));
  t.is(nskipped0(nmin(Infinity, Infinity)), 0);
  t.true(Number.isNaN(navg(2, Infinity, Infinity)));
  t.true(Number.isNaN(nfin(1e308 * 10)));
  t.is(navg(2, Infinity, -0), -0 + 0);
});

const A: (number | string | boolean | null | { error: string })[] = [2, null, '3', 'abc', true, { error: '#N/A' }, 0, 1e300, -0.5, 4];

/** Formulas by column: the formula of each row. */
type Forms = Record<string, (r: number) => string>;

/** A column of ten formulas `f(r)` in `col` over A1:A10, and H1:H6 for the lookups. */
function sheet(columns: Forms) {
  const cells: Record<string, unknown> = {};
  A.forEach((v, i) => {
    if (v !== null) cells[`A${i + 1}`] = v;
  });
  Object.assign(cells, { H1: 1, H2: '5', H3: 1, H4: 1, H5: 5, H6: 1 });
  for (const [col, f] of Object.entries(columns)) for (let r = 1; r <= A.length; r++) cells[`${col}${r}`] = f(r);
  return { sheets: [{ name: 'S', cells: cells as never }] };
}

/** An error as its code (the engine's runtime is its own copy: its errors are not this module's ExcelError). */
function shown(v: unknown): unknown {
  return v !== null && typeof v === 'object' && 'code' in v ? (v as { code: unknown }).code : v;
}


/** A column's twin, 11 columns to the right (B → M). */
function twinOf(col: string): string {
  return String.fromCharCode(col.charCodeAt(0) + 11);
}

/**
 * The columns of `forms` (a formula per row, without '=') and their twins: the same
 * formula wrapped in IF(TRUE, ..., 0), which has no numeric variant.
 */
function withTwins(forms: Forms): Forms {
  const columns: Forms = {};
  for (const [col, f] of Object.entries(forms)) {
    columns[col] = (r) => `=${f(r)}`;
    columns[twinOf(col)] = (r) => `=IF(TRUE,${f(r)},0)`;
  }
  return columns;
}

/** Every cell of the forms' columns (rows 1 to 10 of S) equals its twin's, exactly. */
function assertTwinsAgree(t: ExecutionContext, res: { get(cell: string): unknown }, forms: Forms, inputs: unknown): void {
  for (const col of Object.keys(forms)) {
    for (let r = 1; r <= A.length; r++) t.deepEqual(shown(res.get(`S!${col}${r}`)), shown(res.get(`S!${twinOf(col)}${r}`)), `${col}${r} with ${JSON.stringify(inputs)}`);
  }
}

test('a column of arithmetic over every kind of operand gives what Excel gives', async (t) => {
  const e = await buildEngine(
    sheet({
      B: (r) => `=A${r}*2+10/A${r}`,
      C: (r) => `=(A${r}*1E10)^2`,
      D: (r) => `=1/(A${r}*1E300*1E300)`,
      E: (r) => `=-A${r}%+A${r}/100`,
      I: (r) => `=(A${r}/20+0.2)-0.3`,
    }),
    { verify: false },
  );
  const res = e.run();
  const column = (c: string) => A.map((_, i) => shown(res.get(`S!${c}${i + 1}`)));
  const DIV0 = '#DIV/0!';
  const NUM = '#NUM!';
  const VALUE = '#VALUE!';
  const NA = '#N/A';
  t.deepEqual(column('B'), [9, DIV0, 6 + 10 / 3, VALUE, 12, NA, DIV0, 2e300, -21, 10.5]);
  t.deepEqual(column('C'), [4e20, 0, 9e20, VALUE, 1e20, NA, 0, NUM, 2.5e19, 1.6e21]);
  // 1/(x·1E300·1E300): the product overflows (#NUM!) for every non-zero x; 0 gives #DIV/0!.
  t.deepEqual(column('D'), [NUM, DIV0, NUM, VALUE, NUM, NA, DIV0, NUM, NUM, NUM]);
  // -x% + x/100: negation, percent and a sum that is exactly 0.
  t.deepEqual(column('E'), [0, 0, 0, VALUE, 0, NA, 0, 0, 0, 0]);
  // 2/20 + 0.2 - 0.3 is 5.6e-17 in IEEE arithmetic, 0 in Excel (the zero snap).
  t.is(res.get('S!I1'), 0);
  t.is(res.get('S!I2'), 0.2 - 0.3);
});

test('a hoisted value that is not a number sends the whole run to the general code', async (t) => {
  // INDEX($H$1:$H$3,2) is the text "5" (Excel reads it as 5 in arithmetic);
  // INDEX($H$4:$H$6,2) the number 5. Both are computed once per run of the column.
  const e = await buildEngine(sheet({ F: (r) => `=A${r}*INDEX($H$1:$H$3,2)`, G: (r) => `=A${r}*INDEX($H$4:$H$6,2)` }), { verify: false });
  const res = e.run();
  const expected = [10, 0, 15, '#VALUE!', 5, '#N/A', 0, 5e300, -2.5, 20];
  t.deepEqual(
    A.map((_, i) => shown(res.get(`S!F${i + 1}`))),
    expected,
  );
  t.deepEqual(
    A.map((_, i) => shown(res.get(`S!G${i + 1}`))),
    expected,
  );
  // Inputs change both the operands and the hoisted value.
  const changed = e.run({ 'S!A1': 'x', 'S!A2': 7, 'S!H5': 'y' });
  t.is(shown(changed.get('S!G1')), '#VALUE!');
  t.is(shown(changed.get('S!G2')), '#VALUE!');
  t.is(shown(changed.get('S!F2')), 35);
  t.is(shown(changed.get('S!F1')), '#VALUE!');
  const numeric = e.run({ 'S!H5': 0.5, 'S!A4': 8 });
  t.deepEqual(
    A.map((_, i) => shown(numeric.get(`S!G${i + 1}`))),
    [1, 0, 1.5, 4, 0.5, '#N/A', 0, 5e299, -0.25, 2],
  );
});

test('comparisons of numbers agree with comparing them rounded to 15 digits', (t) => {
  const rand = rng(5);
  const round15 = (n: number) => (n === 0 ? n : Number(n.toPrecision(15)));
  const reference = (a: number, b: number) => {
    const x = round15(a);
    const y = round15(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  let near = 0;
  for (let i = 0; i < 20000; i++) {
    const a = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    // Half the pairs within a few units of the 15th digit of each other.
    const b = i % 2 ? a * (1 + (rand() - 0.5) * 1e-13) : (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    if (reference(a, b) === 0 && a !== b) near++;
    t.is(compareNumbers(a, b), reference(a, b), `${a} vs ${b}`);
    const x = ctx();
    t.is(lt(a, b, x), reference(a, b) < 0);
    t.is(eq(a, b, x), reference(a, b) === 0);
    t.is(ge(a, b, x), reference(a, b) >= 0);
  }
  // Pairs that differ but are equal to 15 digits (Excel: =0.1+0.2=0.3 is TRUE) occurred.
  t.true(near > 100);
  t.is(eq(0.1 + 0.2, 0.3, ctx()), true);
});

test('= and <> on two texts agree with comparing them as every other comparison does', (t) => {
  const x = ctx();
  const texts = ['Internal', 'INTERNAL', 'internal', 'Internal ', 'External', '', 'İ', 'i̇', 'i', 'ß', 'SS', 'ss', 'Straße', 'STRASSE', 'Ǆ', 'ǅ', 'ǆ', '😀a', '😀A'];
  for (const a of texts) {
    for (const b of texts) {
      const same = compareScalars(a, b) === 0;
      t.is(eq(a, b, x), same, `${a} = ${b}`);
      t.is(ne(a, b, x), !same, `${a} <> ${b}`);
      t.is(le(a, b, x) === true && ge(a, b, x) === true, same, `${a} <=>= ${b}`);
    }
  }
  t.true(eq('Internal', 'INTERNAL', x) as boolean);
  t.false(eq('Internal', 'External', x) as boolean);
});

test('MIN, MAX and AVERAGE of cells and numbers: the numeric variant in runs, alone and in a circular block gives what the general code gives', async (t) => {
  // Each formula has a twin wrapped in IF(TRUE, ..., 0), which has no numeric variant:
  // the twins must agree exactly, for every kind of operand in A1:A10 (a reference's
  // blanks, text and logicals are skipped, a typed argument's are coerced).
  const forms: Forms = {
    B: (r) => `MIN(A${r},5)`,
    C: (r) => `MAX(0,MIN(A${r},A${r}-1))`,
    D: (r) => `AVERAGE(A${r},4)`,
    E: (r) => `AVERAGE(A${r},A${(r % 10) + 1},A${r}*2)`,
    F: (r) => `MIN(A${r})+MAX(A${r},-A${r})+MIN(A${r},A${r}*1E300*1E300)`, // an overflow is counted, never skipped
  };
  const model = sheet(withTwins(forms));
  const cells = model.sheets[0]!.cells as Record<string, unknown>;
  // Cells alone (no run): a total, and a circular block of an opening balance, interest
  // on the average balance and a capped repayment, iterated.
  Object.assign(cells, {
    K1: '=MAX(A1,A10)',
    L1: '=IF(TRUE,MAX(A1,A10),0)',
    K2: '=AVERAGE(A9,A10)',
    L2: '=IF(TRUE,AVERAGE(A9,A10),0)',
    R1: 1000,
    R2: '=R1-R4',
    R3: '=AVERAGE(R1,R2)*0.08',
    R4: '=MAX(0,MIN(R1,150-R3))',
    S1: 1000,
    S2: '=S1-S4',
    S3: '=IF(TRUE,AVERAGE(S1,S2)*0.08,0)',
    S4: '=IF(TRUE,MAX(0,MIN(S1,150-S3)),0)',
  });
  const e = await buildEngine({ ...model, iterate: { count: 100, delta: 1e-9 } } as never, { verify: false });
  const code = await import('node:fs').then((fs) => fs.readdirSync(`${e.dir}/modules`).map((f) => fs.readFileSync(`${e.dir}/modules/${f}`, 'utf8')).join(''));
  t.true(code.includes('R.nmin(') && code.includes('R.navg(') && code.includes('.agg('), 'the shapes have numeric variants');
  t.regex(code, /f\d+\.N\(x,B,0,\d+,\d+\);/, 'cells alone take them');
  for (const inputs of [{}, { 'S!A2': 7, 'S!A4': 'x', 'S!R1': 500, 'S!S1': 500 }, { 'S!A1': null, 'S!A10': true, 'S!A9': '2' }]) {
    const res = e.run(inputs);
    assertTwinsAgree(t, res, forms, inputs);
    t.is(shown(res.get('S!K1')), shown(res.get('S!L1')));
    t.is(shown(res.get('S!K2')), shown(res.get('S!L2')));
    for (const r of [2, 3, 4]) t.is(res.get(`S!R${r}`), res.get(`S!S${r}`), `R${r} with ${JSON.stringify(inputs)}`);
  }
  // And values by the definition: A1 is 2, A2 blank, A3 the text "3", A6 #N/A.
  const res = e.run();
  t.deepEqual([1, 2, 3, 6].map((r) => shown(res.get(`S!B${r}`))), [2, 5, 5, '#N/A']); // a reference skips blank and text
  t.deepEqual([1, 2, 3, 4].map((r) => shown(res.get(`S!C${r}`))), [1, 0, 2, '#VALUE!']); // A-1 coerces: blank -1, "3" 2, "abc" #VALUE!
  t.deepEqual([1, 2, 5].map((r) => shown(res.get(`S!D${r}`))), [3, 4, 4]); // TRUE in a reference is skipped
});

test('SUM of one reference: the numeric variant in runs gives what the general code gives', async (t) => {
  // Windows that move with the row (rolling, growing from a fixed row above and below,
  // past the last used row, across two columns) over every kind of cell in A1:A10, each
  // with a twin wrapped in IF(TRUE, ..., 0), which has no numeric variant: the twins
  // must agree exactly (a reference's blanks, text and logicals are skipped, its first
  // error is the result, an overflowing sum is #NUM!).
  const forms: Forms = {
    B: (r) => `SUM(A${Math.max(1, r - 2)}:A${r})*2`,
    C: (r) => `SUM(A$5:A${r})+1`,
    D: (r) => `SUM(A${r}:A${r + 12})-SUM(A${r}:H${r})`,
    E: (r) => `SUM(J$1:J${r})`,
    F: (r) => `SUM(A${r}:A${r + 1})/SUM(J${r}:J${r + 1})`,
  };
  const model = sheet(withTwins(forms));
  const cells = model.sheets[0]!.cells as Record<string, unknown>;
  // J: large numbers whose running sum overflows, then a blank and a negative.
  Object.assign(cells, { J1: 1.5e308, J2: 1.5e308, J3: -1e308, J5: -2, J6: 0.25, J7: 'x', J8: false, J9: 3, J10: 0 });
  const e = await buildEngine(model as never, { verify: false });
  const code = await import('node:fs').then((fs) => fs.readdirSync(`${e.dir}/modules`).map((f) => fs.readFileSync(`${e.dir}/modules/${f}`, 'utf8')).join(''));
  t.true(code.includes('R.nsum('), 'the shapes have numeric variants');
  t.true(code.includes('R.windowSum(T0,N0,(r-2)*W0+c-1,3,W0)'), 'a window moving down a column is added from the typed arrays in a direct loop');
  for (const inputs of [{}, { 'S!A2': 7, 'S!A4': 'x', 'S!A6': 1 }, { 'S!A1': null, 'S!A10': true, 'S!A9': '2', 'S!J3': 0 }]) {
    const res = e.run(inputs);
    assertTwinsAgree(t, res, forms, inputs);
  }
  // And values by the definition: A1 2, A2 blank, A3 "3", A4 "abc", A5 TRUE, A6 #N/A, A7 0.
  const res = e.run();
  t.deepEqual([1, 2, 3, 4, 5, 6, 8].map((r) => shown(res.get(`S!B${r}`))), [4, 4, 4, 0, 0, '#N/A', '#N/A']);
  t.deepEqual([1, 2].map((r) => shown(res.get(`S!E${r}`))), [1.5e308, '#NUM!']); // 3e308 is beyond Excel's largest number
});

test('direct loops over the typed arrays give what the general code gives, and step aside where they must', async (t) => {
  // B: arithmetic on the row's A cell and a fixed cell (read once per run); C: a running
  // total down the column (it reads what the same loop wrote); D: a lookup over C (the
  // store then counts its writes: kept groupings must see the new values); E: the row
  // two below on another sheet, T, whose used rectangle ends before the run does. Each
  // has a twin wrapped in IF(TRUE, ..., 0) (M, N, O, P), which has no numeric variant.
  const forms: Forms = {
    B: (r) => `A${r}*2+$H$1`,
    C: (r) => (r === 1 ? 'B1' : `C${r - 1}+B${r}`),
    D: (r) => `MATCH(N${r},C$1:C$10,0)`,
    E: (r) => `T!A${r + 2}*3`,
  };
  const model = sheet(withTwins(forms));
  const T = { name: 'T', cells: { A1: 1, A2: 2, A3: 3, A4: '4', A5: 5, A6: 6 } };
  const e = await buildEngine({ sheets: [...model.sheets, T] } as never, { verify: false });
  const code = await import('node:fs').then((fs) => fs.readdirSync(`${e.dir}/modules`).map((f) => fs.readFileSync(`${e.dir}/modules/${f}`, 'utf8')).join(''));
  t.true(code.includes('.direct(') && code.includes('R.cellNumber('), 'the runs have direct loops');
  const inputSets: Record<string, unknown>[] = [
    {},
    { 'S!A2': 7, 'S!A4': 8, 'S!H1': 0.5 },
    { 'S!B3': 100, 'S!M3': 100 }, // inputs on columns the loops write: those runs go through the store
    { 'S!A6': 3, 'S!A1': 'x', 'T!A3': 'y', 'T!A8': 9 },
    { 'S!C5': -1, 'S!N5': -1, 'S!A10': true },
  ];
  for (const inputs of inputSets) {
    const res = e.run(inputs as never);
    assertTwinsAgree(t, res, forms, inputs);
  }
  // And values by the definition (A1 2, A2 blank, A3 "3", H1 1): B1 5, B2 1, B3 7.
  const res = e.run();
  t.deepEqual([1, 2, 3].map((r) => shown(res.get(`S!B${r}`))), [5, 1, 7]);
  t.deepEqual([1, 2, 3].map((r) => shown(res.get(`S!C${r}`))), [5, 6, 13]);
  const pinned = e.run({ 'S!B3': 100 });
  t.is(shown(pinned.get('S!B3')), 100);
  t.is(shown(pinned.get('S!C3')), 106);
  // T!A4 is the text "4" (4 in arithmetic), T!A7 and below are blank (0), past T's used rows.
  t.deepEqual([1, 2, 4, 5, 10].map((r) => shown(res.get(`S!E${r}`))), [9, 12, 18, 0, 0]);
});

test('divisions in runs: by a cell or a number without a check, by anything else with one, as the general code', async (t) => {
  // A divisor read from a cell (B, C, G) is finite or NaN: a zero one gives an infinity
  // the general code turns into #DIV/0!. A computed divisor (D, F) can be an infinity
  // (an overflow, 1/0), which must not make the quotient 0: R.ndiv refuses it. E's
  // dividend overflows. Each has a twin without a numeric variant (IF(TRUE, ..., 0)).
  const forms: Forms = {
    B: (r) => `A${r}/$H$1`,
    C: (r) => `10/A${r}`,
    D: (r) => `A${r}/($H$1*1E300*1E300)`,
    E: (r) => `(A${r}*1E300*1E300)/$H$3`,
    F: (r) => `1/(1/A${r})`,
    G: (r) => `A${r}/T!A${r}`,
  };
  const model = sheet(withTwins(forms));
  const T = { name: 'T', cells: { A1: 4, A2: 0, A3: '2', A5: 5, A7: 1e-300, A8: 'x' } };
  const e = await buildEngine({ sheets: [...model.sheets, T] } as never, { verify: false });
  const code = await import('node:fs').then((fs) => fs.readdirSync(`${e.dir}/modules`).map((f) => fs.readFileSync(`${e.dir}/modules/${f}`, 'utf8')).join(''));
  t.true(code.includes('R.ndiv(') && code.includes('(R.cellNumber(T0,N0,(r)*W0+c-1)/k0)'), 'both kinds of division are generated');
  for (const inputs of [{}, { 'S!H1': 0 }, { 'S!H1': 1e-300, 'S!H3': 0 }, { 'S!A7': 1e-300, 'T!A2': 3 }]) {
    for (const full of [true, false]) assertTwinsAgree(t, e.run(inputs as never, { full }), forms, inputs);
  }
  // By the definition: A1 2, A2 blank, A7 0, A8 1e300; H1 1, H3 1.
  const res = e.run();
  t.deepEqual([1, 2, 7].map((r) => shown(res.get(`S!C${r}`))), [5, '#DIV/0!', '#DIV/0!']);
  t.deepEqual([1, 8].map((r) => shown(res.get(`S!D${r}`))), ['#NUM!', '#NUM!']); // never 2/∞ = 0
  t.deepEqual([1, 7].map((r) => shown(res.get(`S!F${r}`))), [2, '#DIV/0!']);
  t.is(shown(e.run({ 'S!H1': 0 }).get('S!B1')), '#DIV/0!');
});

test('a direct loop counts its writes where the store keeps column sums', async (t) => {
  // D1 and D2 sum C1:C70 (the second request keeps the sums of every column of those
  // rows, B's included, and the store starts counting writes); B's loop then writes
  // B1:B70, and E1's sum of B must see the new values, not the kept ones. The inputs are
  // on another sheet, P (an input on Q would pin a cell there: no direct loop writes Q).
  const cells: Record<string, unknown> = { D1: '=SUM(C1:C70)', D2: '=SUM(C1:C70)*2', E1: '=SUM(B1:B70)' };
  const inputsSheet: Record<string, unknown> = {};
  for (let r = 1; r <= 70; r++) {
    inputsSheet[`A${r}`] = r;
    cells[`C${r}`] = `=P!A${r}`;
    cells[`B${r}`] = `=C${r}*2+$D$1+$D$2*0`;
  }
  const e = await buildEngine({ sheets: [{ name: 'Q', cells: cells as never }, { name: 'P', cells: inputsSheet as never }] }, { verify: false });
  for (const full of [false, true]) {
    for (const inputs of [{}, { 'P!A5': 1000 }, { 'P!A70': -3, 'P!A1': 0.5 }, {}]) {
      const res = e.run(inputs, { full });
      let sum = 0;
      for (let r = 1; r <= 70; r++) sum += (inputs as Record<string, number>)[`P!A${r}`] ?? r;
      t.is(res.get('Q!D1'), sum);
      t.is(res.get('Q!E1'), 72 * sum, `${JSON.stringify(inputs)}, full: ${full}`);
    }
  }
});

test('IF in numbers: a condition is 1, 0 or NaN as the comparison operators and IF judge it', (t) => {
  const x = ctx();
  const pairs: [string, (a: number, b: number) => number, (a: Value, b: Value) => Value][] = [
    ['=', neq, (a, b) => eq(a, b, x)],
    ['<>', nne, (a, b) => ne(a, b, x)],
    ['<', nlt, (a, b) => lt(a, b, x)],
    ['<=', nle, (a, b) => le(a, b, x)],
    ['>', ngt, (a, b) => gt(a, b, x)],
    ['>=', nge, (a, b) => ge(a, b, x)],
  ];
  const operands = [...OPERANDS, 0.1 + 0.2, 1 + 1e-15, 1 - 1e-16];
  for (const [op, numeric, general] of pairs) {
    for (const a of operands) {
      for (const b of operands) {
        const n = numeric(a, b);
        if (!Number.isFinite(a) || !Number.isFinite(b)) {
          // An operand that is NaN or an infinity stands for an error (or a value that
          // is not a number): the general code decides.
          t.true(Number.isNaN(n), `${a} ${op} ${b}`);
          continue;
        }
        t.is(n, general(a, b) === true ? 1 : 0, `${a} ${op} ${b}`);
      }
    }
  }
  t.is(nbool(true), 1);
  t.is(nbool(false), 0);
  t.true(Number.isNaN(nbool(ERR.NA)));
  t.true(Number.isNaN(nbool(0)));
  t.deepEqual([0, -0, 1, -2.5, 1e-300].map(ntruth), [0, 0, 1, 1, 1]);
  t.true([NaN, Infinity, -Infinity].every((v) => Number.isNaN(ntruth(v))));
  t.deepEqual([nif(1, 2, 3), nif(0, 2, 3)], [2, 3]);
  t.true(Number.isNaN(nif(NaN, 2, 3)));
});

test('IF, EOMONTH and EDATE: the numeric variant in runs gives what the general code gives', async (t) => {
  // Over every kind of operand in A1:A10, each formula with its IF(TRUE, ..., 0) twin,
  // which has no numeric variant (the condition TRUE is a logical, not a number).
  const forms: Forms = {
    B: (r) => `IF(A${r}="ABC",1,A${r}*2)`, // text against a cell: case-insensitive, any type
    C: (r) => `IF(A${r}>=1,A${r},-1)`,
    D: (r) => `IF(A${r},10,20)`,
    E: (r) => `EOMONTH(45000+A${r},1)`,
    F: (r) => `EDATE(A${r}*20000,A${r}-1)`,
    G: (r) => `IF(A${r}<>"3",EOMONTH(A${r},0),0)+IF(A${r}=$A$7,1,2)`,
  };
  const model = sheet(withTwins(forms));
  const e = await buildEngine(model as never, { verify: false });
  const code = await import('node:fs').then((fs) => fs.readdirSync(`${e.dir}/modules`).map((f) => fs.readFileSync(`${e.dir}/modules/${f}`, 'utf8')).join(''));
  t.true(['R.nif(', 'R.nbool(R.eq(', 'R.nge(', 'R.ntruth(', 'R.neomonth(', 'R.nedate('].every((f) => code.includes(f)), 'the shapes have numeric variants');
  for (const inputs of [{}, { 'S!A2': 45688.7, 'S!A4': 'abc', 'S!A7': -1 }, { 'S!A1': null, 'S!A10': true, 'S!A9': '2', 'S!A3': 'Abc' }]) {
    for (const full of [true, false]) assertTwinsAgree(t, e.run(inputs as never, { full }), forms, inputs);
  }
  // By the definition: A1 2, A2 blank, A3 "3", A4 "abc", A5 TRUE, A6 #N/A, A7 0, A8 1e300.
  const res = e.run();
  t.deepEqual([1, 2, 3, 4, 5, 6].map((r) => shown(res.get(`S!B${r}`))), [4, 0, 6, 1, 2, '#N/A']);
  t.deepEqual([1, 2, 7].map((r) => shown(res.get(`S!D${r}`))), [10, 20, 20]);
  // 45000 is 2023-03-15: the end of the next month, 2023-04-30, is 45046; 45002 too.
  t.deepEqual([1, 2, 4, 8].map((r) => shown(res.get(`S!E${r}`))), [45046, 45046, '#VALUE!', '#NUM!']);
  // 40000 is 2009-07-06: a month later 2009-08-06, 40031.
  t.is(res.get('S!F1'), 40031);
});

test('a division by a hoisted value: plain division while it is a finite number, the general code otherwise', async (t) => {
  // INDEX($H$4:$H$6,2) (H5, 5) is computed once per run of the column; the run divides by
  // it without a check only when it is a finite number. Each formula has its IF(TRUE,
  // ..., 0) twin (no numeric variant).
  const forms: Forms = {
    B: (r) => `A${r}/INDEX($H$4:$H$6,2)`,
    C: (r) => `(A${r}+1)/INDEX($H$4:$H$6,2)*2`,
  };
  const e = await buildEngine(sheet(withTwins(forms)) as never, { verify: false });
  const code = await import('node:fs').then((fs) => fs.readdirSync(`${e.dir}/modules`).map((f) => fs.readFileSync(`${e.dir}/modules/${f}`, 'utf8')).join(''));
  t.regex(code, /Number\.isFinite\(h0\)/, 'the run checks the hoisted value once');
  t.regex(code, /\/h0\)/, 'and divides by it without R.ndiv');
  for (const inputs of [{}, { 'S!H5': 0 }, { 'S!H5': 'y' }, { 'S!H5': null }, { 'S!H5': '4' }, { 'S!H5': 1e-300, 'S!A8': 1e300 }]) {
    for (const full of [true, false]) assertTwinsAgree(t, e.run(inputs as never, { full }), forms, inputs);
  }
  // By the definition: A1 is 2, A8 1e300; H5 0 or blank is #DIV/0!, 1e-300 overflows (#NUM!).
  t.is(e.run().get('S!B1'), 0.4);
  t.is(shown(e.run({ 'S!H5': 0 }).get('S!B1')), '#DIV/0!');
  t.is(shown(e.run({ 'S!H5': null }).get('S!C1')), '#DIV/0!');
  t.is(shown(e.run({ 'S!H5': 1e-300 }).get('S!B8')), '#NUM!');
});
