import test from 'ava';
import { ERR, Matrix, Ref } from '../../ts/runtime/index.js';
import { call, callIn, col, ctx, makeBook, range, sheetOf } from '../helpers/runtime.js';

test('MATCH exact with wildcards, approximate ascending and descending', (t) => {
  // Excel doc example: MATCH(39,{25;38;40;41},1) = 2, MATCH(41,...,0) = 4, MATCH(40,{25;38;40;41},-1) = #N/A (not descending)
  const v = col([25, 38, 40, 41]);
  t.is(call('MATCH', 39, v, 1), 2);
  t.is(call('MATCH', 41, v, 0), 4);
  t.is(call('MATCH', 10, v, 1), ERR.NA);
  t.is(call('MATCH', 'b*', col(['apple', 'Banana', 'cherry']), 0), 2);
  t.is(call('MATCH', 'BANANA', col(['apple', 'banana']), 0), 2);
  t.is(call('MATCH', 30, col([50, 40, 30, 20]), -1), 3);
  t.is(call('MATCH', '1', col([1, '1']), 0), 2); // numbers and text never equal
  t.is(call('MATCH', ERR.DIV0, v, 0), ERR.DIV0);
  t.is(call('MATCH', 1, range([[1, 2], [3, 4]]), 0), ERR.NA);
});

test('VLOOKUP / HLOOKUP exact and approximate', (t) => {
  const table = range([[1, 'a'], [2, 'b'], [3, 'c']]);
  t.is(call('VLOOKUP', 2, table, 2, false), 'b');
  t.is(call('VLOOKUP', 2.5, table, 2, true), 'b');
  t.is(call('VLOOKUP', 0, table, 2), ERR.NA);
  t.is(call('VLOOKUP', 2, table, 3, false), ERR.REF);
  t.is(call('VLOOKUP', 2, table, 0, false), ERR.VALUE);
  // corpus HVLOOKUP.xlsx: a text table is #VALUE!, a number table #N/A
  t.is(call('VLOOKUP', 5, 'Nothing', 1), ERR.VALUE);
  t.is(call('HLOOKUP', 'b', range([['a', 'b'], [10, 20]]), 2, false), 20);
  // corpus MATCH_LOOKUP_arrays.xlsx: HLOOKUP(3,SEQUENCE(2,3),2) = 6
  t.is(call('HLOOKUP', 3, Matrix.from2D([[1, 2, 3], [4, 5, 6]]), 2), 6);
});

test('LOOKUP vector and array forms', (t) => {
  // Excel doc: LOOKUP(4.19, {4.14;4.19;5.17;5.77;6.39}, {"red";"orange";...}) = "orange"
  const keys = col([4.14, 4.19, 5.17, 5.77, 6.39]);
  const vals = col(['red', 'orange', 'yellow', 'green', 'blue']);
  t.is(call('LOOKUP', 4.19, keys, vals), 'orange');
  t.is(call('LOOKUP', 5.75, keys, vals), 'yellow');
  t.is(call('LOOKUP', 7.66, keys, vals), 'blue');
  t.is(call('LOOKUP', 0, keys, vals), ERR.NA);
  // Array form: doc LOOKUP("C",{"a","b","c","d";1,2,3,4}) = 3
  t.is(call('LOOKUP', 'C', Matrix.from2D([['a', 'b', 'c', 'd'], [1, 2, 3, 4]])), 3);
});

/** XLOOKUP over references returns a reference: read its value. */
function xl(...args: unknown[]): unknown {
  const r = call('XLOOKUP', ...(args as never[]));
  return r instanceof Ref && r.isCell ? r.get(0, 0) : r;
}

test('XLOOKUP modes (corpus XLOOKUP.xlsx behaviours)', (t) => {
  const keys = col([1, 2, 3, 4, 5, 5, 5, 6, 7, 7, 7, 8]);
  const vals = col(['aa', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k']);
  // binary search returns the first of equal values; -1 the last smaller, 1 the first larger
  t.is(xl(5, keys, vals, undefined as never, -1, 2), 'd');
  t.is(xl(7.1, keys, vals, undefined as never, -1, 2), 'j');
  t.is(xl(6.8, keys, vals, undefined as never, 1, 2), 'h');
  // descending binary search (corpus MultipleElements): exact gives the last duplicate
  const desc = col([9, 8, 7, 7, 7, 6, 5, 5, 5, 4, 3, 2, 1]);
  const dv = col(['aa', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']);
  t.is(xl(5, desc, dv, undefined as never, -1, -2), 'h');
  t.is(xl(7.1, desc, dv, undefined as never, -1, -2), 'b');
  t.is(xl(6.8, desc, dv, undefined as never, 1, -2), 'd');
  // linear next larger crosses types: numbers < text < booleans (corpus ReturnLarger)
  const mixed = col([2, 5, 4, 5, 3, true, 'ala']);
  const mv = col(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  t.is(xl(10, mixed, mv, undefined as never, 1), 'g');
  t.is(xl('qwerty', mixed, mv, undefined as never, 1), 'f');
  t.is(xl(2.1234, mixed, mv, undefined as never, 1), 'e');
  // not found, if_not_found, reverse search, wildcard
  t.is(xl(99, keys, vals), ERR.NA);
  t.is(xl(99, keys, vals, 'none'), 'none');
  t.is(xl(5, keys, vals, undefined as never, 0, -1), 'f');
  t.is(xl('b?', col(['a', 'bc']), col([1, 2]), undefined as never, 2), 2);
  t.is(xl('b?', col(['a', 'bc']), col([1, 2]), undefined as never, 2, 2), ERR.VALUE);
  // shape errors and invalid modes (corpus Errors sheet)
  t.is(xl(1, col([1, 2, 3]), col([1, 2])), ERR.VALUE);
  t.is(xl(1, col([1, 2, 3]), true), ERR.VALUE);
  t.is(xl(1, col([1]), col([1]), undefined as never, 12), ERR.VALUE);
  // a 2-D return array gives the whole row as a reference
  const r = call('XLOOKUP', 2, col([1, 2]), range([[1, 2], [3, 4]]));
  t.true(r instanceof Ref && r.rows === 1 && r.cols === 2 && r.get(0, 1) === 4);
});

test('XMATCH including regex mode 3 (corpus XMATCH.xlsx)', (t) => {
  t.is(call('XMATCH', 'c', col(['a', 'b', 'c'])), 3);
  t.is(call('XMATCH', 2.5, col([1, 2, 3]), 1), 3);
  t.is(call('XMATCH', 2.5, col([1, 2, 3]), -1), 2);
  t.is(call('XMATCH', '^b', col(['abc', 'bcd']), 3), 2);
  t.is(call('XMATCH', 42, col(['a', 'b']), 3), ERR.NA);
});

test('INDEX returns references; area_num; bounds', (t) => {
  const r = range([[1, 2, 3], [4, 5, 6]]);
  const cell = call('INDEX', r, 2, 3);
  t.true(cell instanceof Ref && cell.isCell && cell.get(0, 0) === 6);
  const column = call('INDEX', r, 0, 2) as Ref;
  t.is(column.rows, 2);
  t.is(column.get(1, 0), 5);
  t.is(call('INDEX', r, 3, 1), ERR.REF);
  t.is(call('INDEX', r, -1, 1), ERR.VALUE);
  t.is(call('INDEX', Matrix.from2D([[1, 2, 3]]), 2), 2); // one row: index along columns
  t.is(call('INDEX', Matrix.from2D([[1, 2], [3, 4]]), 2, 1), 3);
});

test('ROW/COLUMN/ROWS/COLUMNS/AREAS', (t) => {
  const s = sheetOf([[1]]);
  const ref = new Ref(s, 2, 3, 4, 5); // D3:F5
  t.is(callIn(ctx({ row: 6, col: 1 }), 'ROW'), 7);
  t.is(callIn(ctx({ row: 6, col: 1 }), 'COLUMN'), 2);
  t.is(call('ROW', ref), 3);
  t.is(call('COLUMN', ref), 4);
  t.deepEqual(callIn(ctx({ array: true }), 'ROW', ref), new Matrix(3, 1, [3, 4, 5]));
  t.is(call('ROWS', ref), 3);
  t.is(call('COLUMNS', Matrix.from2D([[1, 2]])), 2);
  t.is(call('AREAS', ref), 1);
  t.is(call('ROW', 5), ERR.VALUE);
});

test('OFFSET bounds and sizes (corpus ROW_COLUM.xlsx)', (t) => {
  const s = sheetOf([[1, 2], [3, 4]]);
  const a1 = new Ref(s, 0, 0, 0, 0);
  const r = call('OFFSET', a1, 1, 1) as Ref;
  t.is(r.get(0, 0), 4);
  t.is(call('OFFSET', a1, -1, 0), ERR.REF);
  t.is(call('OFFSET', a1, 0, 0, 0), ERR.REF);
  const w = call('OFFSET', a1, 0, 0, 2, 0.9) as Ref; // a fraction below 1 selects one column
  t.is(w.cols, 1);
  t.is((call('OFFSET', a1, 0, 0, 2, 2) as Ref).rows, 2);
  t.is(call('OFFSET', 5, 0, 0), ERR.VALUE);
});

test('INDIRECT A1, R1C1, sheet-qualified, invalid', (t) => {
  const s1 = sheetOf([[10, 20]], 'Sheet1', 0);
  const s2 = sheetOf([[30]], 'My Sheet', 1);
  const c = ctx({ row: 0, col: 0 }, makeBook([s1, s2]));
  t.is((callIn(c, 'INDIRECT', 'B1') as Ref).get(0, 0), 20);
  t.is((callIn(c, 'INDIRECT', "'My Sheet'!A1") as Ref).get(0, 0), 30);
  t.is((callIn(c, 'INDIRECT', 'R1C2', false) as Ref).get(0, 0), 20);
  t.is((callIn(c, 'INDIRECT', 'R[0]C[1]', false) as Ref).get(0, 0), 20);
  t.is((callIn(c, 'INDIRECT', 'A:A') as Ref).rows, 1048576);
  t.is(callIn(c, 'INDIRECT', 'Nope!A1'), ERR.REF);
  t.is(callIn(c, 'INDIRECT', 'not a ref'), ERR.REF);
});

test('ADDRESS (corpus ADDRESS.xlsx)', (t) => {
  t.is(call('ADDRESS', 1, 1), '$A$1');
  t.is(call('ADDRESS', 3, 5, 4), 'E3');
  t.is(call('ADDRESS', 2, 3, 1, true, 'Sheet2'), 'Sheet2!$C$2');
  t.is(call('ADDRESS', 1, 1, 1, true, 'A Wird One$'), "'A Wird One$'!$A$1");
  t.is(call('ADDRESS', 23, 45, 2), 'AS$23');
  t.is(call('ADDRESS', 23, 45, 2, false), 'R23C[45]');
  t.is(call('ADDRESS', 23, 45, 3, false), 'R[23]C45');
  t.is(call('ADDRESS', 2, 3, 5), ERR.VALUE);
  t.is(call('ADDRESS', 0, 3), ERR.VALUE);
});

test('CHOOSE, TRANSPOSE, HYPERLINK', (t) => {
  t.is(call('CHOOSE', 2, 'a', 'b', 'c'), 'b');
  t.is(call('CHOOSE', 4, 'a', 'b', 'c'), ERR.VALUE);
  t.is(call('CHOOSE', 0, 'a'), ERR.VALUE);
  t.deepEqual(call('TRANSPOSE', Matrix.from2D([[1, 2, 3]])), new Matrix(3, 1, [1, 2, 3]));
  t.is(call('HYPERLINK', 'http://x', 'Click'), 'Click');
  t.is(call('HYPERLINK', 'http://x'), 'http://x');
});
