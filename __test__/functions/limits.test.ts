/**
 * Excel's grid and text limits are checked before anything is allocated: an array past
 * the grid (1,048,576 rows, 16,384 columns) is #NUM! (Excel's "array too large"), one past
 * the runtime's cell cap is #CALC! ("too many cells"), text past 32,767 characters is
 * #VALUE!. No function throws (a RangeError would escape run()).
 */
import test from 'ava';
import {
  ERR,
  ExcelError,
  F,
  Lambda,
  Matrix,
  Ref,
  Sheet,
  MAX_ARRAY_CELLS,
  add,
  concat,
  supportedFunctions,
  functionSpec,
  type Value,
} from '../../ts/runtime/index.js';
import { call, callIn, ctx, sheetOf } from '../helpers/runtime.js';
import { rng } from '../helpers/random.js';

const one = new Lambda(2, () => 1);
const big = 'x'.repeat(32767);

test('SEQUENCE, RANDARRAY, MAKEARRAY, MUNIT, EXPAND: past the grid #NUM!, past the cell cap #CALC!', (t) => {
  t.is(call('SEQUENCE', 1048577), ERR.NUM);
  t.is(call('SEQUENCE', 1, 16385), ERR.NUM);
  t.is(call('SEQUENCE', 1048576, 16384), ERR.CALC);
  t.is(call('RANDARRAY', 2e9, 2), ERR.NUM);
  t.is(call('RANDARRAY', 100000, 10000), ERR.CALC);
  // The case that aborted V8 after 15 s and 1.5 GB.
  t.is(call('MAKEARRAY', 100000, 10000, one), ERR.CALC);
  t.is(call('MAKEARRAY', 1048577, 1, one), ERR.NUM);
  t.is(call('MUNIT', 16385), ERR.NUM);
  t.is(call('MUNIT', 10000), ERR.CALC);
  t.is(call('EXPAND', 1, 1048577), ERR.NUM);
  t.is(call('EXPAND', 1, 100000, 10000), ERR.CALC);
  // Within the limits they still work.
  const s = call('SEQUENCE', 1048576) as Matrix;
  t.is(s.rows, 1048576);
  t.is(s.data[1048575], 1048576);
  t.is((call('SEQUENCE', 1, 16384) as Matrix).cols, 16384);
});

test('VSTACK, HSTACK, TOROW, WRAPROWS, CHOOSEROWS, MMULT: results past the grid are #NUM!', (t) => {
  const column = call('SEQUENCE', 600000) as Matrix;
  t.is(call('VSTACK', column, column), ERR.NUM); // 1,200,000 rows
  t.is((call('VSTACK', column, call('SEQUENCE', 448576)) as Matrix).rows, 1048576);
  const row = call('SEQUENCE', 1, 10000) as Matrix;
  t.is(call('HSTACK', row, row), ERR.NUM); // 20,000 columns
  t.is(call('TOROW', call('SEQUENCE', 20000)), ERR.NUM);
  t.is(call('WRAPROWS', new Matrix(1, 2, [1, 2]), 1e9), ERR.NUM);
  t.is(call('CHOOSEROWS', new Matrix(1, 1, [1]), call('SEQUENCE', 1048577, 1, 1, 0)), ERR.NUM);
  t.is(call('MMULT', call('SEQUENCE', 1048576, 1, 1, 0), call('SEQUENCE', 1, 16384, 1, 0)), ERR.CALC);
});

test('operators broadcasting a column against a row check the result size first', (t) => {
  const c = ctx();
  const column = call('SEQUENCE', 1048576) as Matrix;
  const row = call('SEQUENCE', 1, 16384) as Matrix;
  t.is(add(column, row, c), ERR.CALC);
  t.is(concat(column, row, c), ERR.CALC);
  // A lifted function (ABS over two arrays) and IF's array branches too.
  t.is(callIn(c, 'POWER', column, row), ERR.CALC);
  // Within the cap the broadcast is computed.
  const r = add(call('SEQUENCE', 3) as Matrix, call('SEQUENCE', 1, 2) as Matrix, c) as Matrix;
  t.deepEqual([r.rows, r.cols, r.data], [3, 2, [2, 3, 3, 4, 4, 5]]);
});

test('a whole-sheet reference used as an array is #CALC!, not a 17-billion-cell allocation', (t) => {
  const sheet = sheetOf([[1, 2]]);
  const all = new Ref(sheet, 0, 0, 1048575, 16383);
  const c = ctx({ array: true });
  t.is(add(all, 1, c), ERR.CALC);
  t.is(callIn(c, 'ABS', all), ERR.CALC);
  t.is(callIn(c, 'TRANSPOSE', all), ERR.CALC);
  t.is(callIn(c, 'UNIQUE', all), ERR.CALC);
  // Aggregates read references in place: no array is built.
  t.is(callIn(c, 'SUM', all), 3);
});

test('text past 32,767 characters is #VALUE! (&, REPT, SUBSTITUTE, TEXTJOIN, CONCAT, CONCATENATE, REPLACE, TEXT)', (t) => {
  const c = ctx();
  t.is(concat(big, 'y', c), ERR.VALUE);
  t.is(concat(big.slice(1), 'y', c), big.slice(1) + 'y');
  t.is(call('REPT', 'ab', 16384), ERR.VALUE);
  t.is((call('REPT', 'ab', 16383) as string).length, 32766);
  // Every one of 32,767 characters replaced by 32,767: a billion characters if built.
  t.is(call('SUBSTITUTE', big, 'x', big), ERR.VALUE);
  t.is(call('SUBSTITUTE', big, 'x', 'xy', 1), ERR.VALUE);
  t.is(call('SUBSTITUTE', 'abc', 'b', 'BB'), 'aBBc');
  t.is(call('TEXTJOIN', ',', true, big, 'y'), ERR.VALUE);
  t.is(call('CONCAT', big, 'y'), ERR.VALUE);
  t.is(call('CONCATENATE', big, 'y'), ERR.VALUE);
  t.is(call('REPLACE', big, 1, 0, 'y'), ERR.VALUE);
  t.is(call('TEXT', big, '@@'), ERR.VALUE);
  t.true(call('ARRAYTOTEXT', new Matrix(1, 3, [big.slice(3), 'a', 'b'])) === ERR.VALUE);
  t.is((call('ARRAYTOTEXT', new Matrix(1, 3, [big.slice(7), 'a', 'b'])) as string).length, 32766);
});

test('TEXTSPLIT checks the padded grid before allocating it', (t) => {
  // One line of 16,000 columns and 16,000 one-column lines: 256 million padded cells.
  const text = ','.repeat(15999) + ';'.repeat(16000);
  t.is(call('TEXTSPLIT', text, ',', ';'), ERR.CALC);
});


test('no registered function throws on hostile arguments (huge sizes, long text, whole-sheet references)', (t) => {
  const sheet = Sheet.create('Sheet1', 0, 3, 3, 9);
  sheet.set(0, 0, 1);
  sheet.set(1, 1, 'a');
  const hostile: Value[] = [
    1e7,
    -1e7,
    1e300,
    -1e300,
    5e-324,
    1048577,
    16385,
    big,
    '',
    true,
    null,
    ERR.REF,
    one,
    new Lambda(1, (x) => x),
    new Ref(sheet, 0, 0, 1048575, 16383),
    new Ref(sheet, 0, 0, 999, 0),
    new Matrix(1, 3, [1, 'a', null]),
  ];
  const rand = rng(2718);
  const skipped = new Set(['NOW', 'TODAY', 'RAND', 'RANDBETWEEN']);
  let calls = 0;
  for (const name of supportedFunctions()) {
    if (skipped.has(name)) continue;
    const spec = functionSpec(name)!;
    for (let n = spec.minArgs; n <= Math.min(spec.maxArgs, spec.minArgs + 2, 5); n++) {
      for (let k = 0; k < 12; k++) {
        const args = Array.from({ length: n }, () => hostile[Math.floor(rand() * hostile.length)]!);
        for (const array of [false, true]) {
          const c = ctx({ array });
          try {
            const r = F[name]!(c, ...args);
            if (typeof r === 'number' && !Number.isFinite(r)) t.fail(`${name} returned ${r}`);
            if (typeof r === 'string' && r.length > 32767) t.fail(`${name} returned ${r.length} characters`);
            if (r instanceof Matrix && r.rows * r.cols > MAX_ARRAY_CELLS) t.fail(`${name} returned ${r.rows}×${r.cols}`);
          } catch (e) {
            t.fail(`${name}(${args.map((a) => (typeof a === 'string' ? `"${a.slice(0, 5)}…"` : a instanceof ExcelError ? a.code : String(a?.constructor?.name ?? a))).join(', ')}) threw ${String(e)}`);
          }
          calls++;
        }
      }
    }
  }
  t.true(calls > 5000);
});
