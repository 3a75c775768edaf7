/**
 * Exact lookups read as values (codegen `exact_lookup`): `INDEX(values, MATCH(key, keys,
 * 0))` and `XLOOKUP(key, keys, values[, if_not_found])` as a formula's result or an
 * operator's operand run through `R.indexMatch` / `R.xlookupValue`, which read the
 * selected cell from the keys' exact-match index. Each formula here has a twin wrapped in
 * IF(TRUE, ..., 0), which keeps INDEX, MATCH and XLOOKUP as they are: the twins must
 * agree for every kind of key, and a few values are checked by Excel's definitions.
 */
import test from 'ava';
import { buildEngine } from './helpers/build.js';

/** The keys (column K, row 20 across) and the values beside (L) and below (row 21). */
const KEYS: unknown[] = [10, 'Apple', 'a*c', 'abc', 3.5, true, null, 'x~y', 20, 'Zed'];
const VALUES: unknown[] = [1, 2, 3, 4, 5, 6, 7, null, 9, 'ten'];

/** Lookup keys per row (column A), every kind a formula meets. */
const ASKED: unknown[] = [10, 'apple', 'a*c', 'a?c', 3.5, true, null, 'x~~y', 'missing', { error: '#N/A' }, 20, 'ZED', 30];

const COLUMN_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function workbook(forms: Record<string, (r: number) => string>) {
  const cells: Record<string, unknown> = {};
  KEYS.forEach((k, i) => {
    if (k !== null) cells[`K${i + 1}`] = k;
    if (k !== null) cells[`${COLUMN_LETTERS[i]}20`] = k;
  });
  VALUES.forEach((v, i) => {
    if (v !== null) cells[`L${i + 1}`] = v;
    if (v !== null) cells[`${COLUMN_LETTERS[i]}21`] = v;
  });
  cells.M1 = 'not found';
  ASKED.forEach((k, i) => {
    if (k !== null) cells[`A${i + 1}`] = k;
  });
  for (const [col, f] of Object.entries(forms)) {
    for (let r = 1; r <= ASKED.length; r++) {
      cells[`${col}${r}`] = `=${f(r)}`;
      cells[`${String.fromCharCode(col.charCodeAt(0) + 10)}${r + 30}`] = `=IF(TRUE,${f(r)},0)`;
    }
  }
  return { sheets: [{ name: 'S', cells: cells as never }] };
}

function shown(v: unknown): unknown {
  return v !== null && typeof v === 'object' && 'code' in v ? (v as { code: unknown }).code : v;
}

test('exact lookups read as values give what INDEX, MATCH and XLOOKUP give', async (t) => {
  const forms: Record<string, (r: number) => string> = {
    B: (r) => `INDEX($L$1:$L$10,MATCH(A${r},$K$1:$K$10,0))`,
    C: (r) => `INDEX($L$1:$L$6,MATCH(A${r},$K$1:$K$10,0))*2`, // values shorter than keys: #REF! past them
    D: (r) => `XLOOKUP(A${r},$K$1:$K$10,$L$1:$L$10,$M$1)`,
    E: (r) => `XLOOKUP(A${r},$A$20:$J$20,$A$21:$J$21)&"!"`, // along a row, no if_not_found
    F: (r) => `INDEX($A$21:$J$21,MATCH(A${r},$A$20:$J$20,0))`,
    G: (r) => `ROW(INDEX($L$1:$L$10,MATCH(A${r},$K$1:$K$10,0)))`, // a reference is wanted: kept
    H: (r) => `INDEX($K$1:$L$10,MATCH(A${r},$K$1:$K$10,0))`, // two columns: the general code
    I: (r) => `XLOOKUP(A${r},$K$1:$K$10,$K$1:$L$10,"none")`, // a row of two: the general code
  };
  const e = await buildEngine(workbook(forms), { verify: false });
  const code = await import('node:fs').then((fs) => fs.readdirSync(`${e.dir}/modules`).map((f) => fs.readFileSync(`${e.dir}/modules/${f}`, 'utf8')).join(''));
  t.true(code.includes('R.indexMatch(') && code.includes('R.xlookupValue('), 'the lookups are fused');
  for (const inputs of [{}, { 'S!K2': 'APPLE', 'S!L2': 'red' }, { 'S!A1': 'Zed', 'S!K9': 10, 'S!L8': 8 }, { 'S!K1': null, 'S!A7': 0 }]) {
    const res = e.run(inputs as never);
    for (const col of Object.keys(forms)) {
      const twin = String.fromCharCode(col.charCodeAt(0) + 10);
      for (let r = 1; r <= ASKED.length; r++) {
        t.deepEqual(shown(res.get(`S!${col}${r}`)), shown(res.get(`S!${twin}${r + 30}`)), `${col}${r} with ${JSON.stringify(inputs)}`);
      }
    }
  }
  // By Excel's definitions: text matches without case; MATCH's wildcards match ("a?c"
  // finds "a*c", the first of the two it matches), XLOOKUP's exact mode takes them
  // literally ("x~~y" is "x~y" to MATCH); a logical finds a logical; a blank found
  // cell reads as 0; a blank key looks for 0 in MATCH.
  const res = e.run();
  const column = (c: string) => ASKED.map((_, i) => shown(res.get(`S!${c}${i + 1}`)));
  t.deepEqual(column('B'), [1, 2, 3, 3, 5, 6, '#N/A', 0, '#N/A', '#N/A', 9, 'ten', '#N/A']);
  t.deepEqual(column('C'), [2, 4, 6, 6, 10, 12, '#N/A', '#REF!', '#N/A', '#N/A', '#REF!', '#REF!', '#N/A']);
  t.deepEqual(column('D').slice(0, 4), [1, 2, 3, 'not found']);
  t.deepEqual(column('G').slice(0, 3), [1, 2, 3]);
});

test('exact lookups in long ranges (the keys\' kept index) give what INDEX, MATCH and XLOOKUP give, down and across', async (t) => {
  // 30 keys down K and across row 50 (A..AD), ranges reaching past the used cells (to
  // row 200, to column AZ): the index of a range's used part serves the lookups, cells
  // beyond it are blank. Keys repeat in another case (the first one is found).
  const letters = (i: number) => (i < 26 ? COLUMN_LETTERS[i]! : `A${COLUMN_LETTERS[i - 26]}`);
  const keys: unknown[] = [];
  for (let i = 0; i < 30; i++) keys.push(i % 7 === 3 ? i * 1.5 : i % 5 === 0 ? `Key${i}` : `key${i % 11}`);
  const cells: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    cells[`K${i + 1}`] = k;
    cells[`L${i + 1}`] = i + 100;
    cells[`${letters(i)}50`] = k;
    cells[`${letters(i)}51`] = `v${i}`;
  });
  const asked: unknown[] = ['KEY5', 'key3', 'Key4', 4.5, 15, 'key10', 'nope', null, 45, 'KEY0'];
  asked.forEach((k, i) => {
    if (k !== null) cells[`A${i + 1}`] = k;
  });
  const forms: Record<string, (r: number) => string> = {
    B: (r) => `INDEX($L$1:$L$200,MATCH(A${r},$K$1:$K$200,0))`,
    C: (r) => `XLOOKUP(A${r},$K$1:$K$200,$L$1:$L$200,"none")`,
    D: (r) => `XLOOKUP(A${r},$A$50:$AZ$50,$A$51:$AZ$51)`,
    E: (r) => `INDEX($A$51:$AZ$51,MATCH(A${r},$A$50:$AZ$50,0))`,
  };
  for (const [col, f] of Object.entries(forms)) {
    for (let r = 1; r <= asked.length; r++) {
      cells[`${col}${r}`] = `=${f(r)}`;
      cells[`${String.fromCharCode(col.charCodeAt(0) + 10)}${r + 60}`] = `=IF(TRUE,${f(r)},0)`;
    }
  }
  const e = await buildEngine({ sheets: [{ name: 'S', cells: cells as never }] }, { verify: false });
  for (const inputs of [{}, { 'S!K6': 'other', 'S!A7': 'key1' }, { 'S!K2': 'NOPE', 'S!F50': 'KEY5' }]) {
    for (let k = 0; k < 3; k++) {
      const res = e.run(inputs as never);
      for (const col of Object.keys(forms)) {
        const twin = String.fromCharCode(col.charCodeAt(0) + 10);
        for (let r = 1; r <= asked.length; r++) t.deepEqual(shown(res.get(`S!${col}${r}`)), shown(res.get(`S!${twin}${r + 60}`)), `${col}${r} with ${JSON.stringify(inputs)}`);
      }
    }
  }
  // By the definitions, text without case: "KEY5" finds Key5 (row 6), "key3" the first
  // key3 (row 15, after key0..key10 of rows 12..), "Key4" key4 (row 5); 4.5 is row 4's
  // key (3 x 1.5), 15 row 11's, "key10" row 22's.
  const res = e.run();
  const column = (c: string) => asked.map((_, i) => shown(res.get(`S!${c}${i + 1}`)));
  t.deepEqual(column('B').slice(0, 7), [105, 114, 104, 103, 110, 121, '#N/A']);
  t.deepEqual(column('D').slice(0, 4), ['v5', 'v14', 'v4', 'v3']);
});
