import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { call, callIn, col, ctx, range } from '../helpers/runtime.js';

// Expected values: Excel's stored results in the IronCalc corpus (LOGICAL/AND_OR_XOR.xlsx,
// LOGICAL/IFS.xlsx, logical.xlsx, LOGICAL/IFNA.xlsx), unless a comment says otherwise.

test('XOR of direct values: odd number of TRUE', (t) => {
  t.is(call('XOR', -1), true);
  t.is(call('XOR', 0), false);
  t.is(call('XOR', -0.1), true);
  t.is(call('XOR', 1, 1), false);
  t.is(call('XOR', 1, 0, 0), true);
  t.is(call('XOR', true, true, true), true);
  t.is(call('XOR', false, true, true), false);
  t.is(call('XOR', 0, true), true);
});

test('XOR: direct text counts only as TRUE/FALSE, other text is skipped', (t) => {
  t.is(call('XOR', 'TRUE'), true);
  t.is(call('XOR', 'FALSE'), false);
  t.is(call('XOR', ''), ERR.VALUE);
  t.is(call('XOR', '0'), ERR.VALUE);
  t.is(call('XOR', '1'), ERR.VALUE);
  t.is(call('XOR', '', ''), ERR.VALUE);
  t.is(call('XOR', '', true), true);
  t.is(call('XOR', '', false), false);
});

test('XOR over references: text and blanks skipped, no values is #VALUE!', (t) => {
  const blank = range([[null, null, null], [null, null, null]]);
  const a1b1 = range([[true, null]]); // A1 = TRUE, B1 blank
  const a2b2 = range([[false, null]]);
  t.is(call('XOR', col([null])), ERR.VALUE);
  t.is(call('XOR', col([null]), true), true);
  t.is(call('XOR', blank), ERR.VALUE);
  t.is(call('XOR', blank, blank, false), false);
  t.is(call('XOR', a1b1), true);
  t.is(call('XOR', a1b1, true), false);
  t.is(call('XOR', a1b1, a1b1), false);
  t.is(call('XOR', a1b1, a1b1, true), true);
  t.is(call('XOR', a2b2), false);
  t.is(call('XOR', a1b1, a2b2), true);
  t.is(call('XOR', col(['TRUE'])), ERR.VALUE); // text "TRUE" in a cell is skipped
  t.is(call('XOR', col(['0'])), ERR.VALUE);
  t.is(call('XOR', col([''])), ERR.VALUE);
  t.is(call('XOR', col([0]), col([1])), true);
  t.is(call('XOR', col([1]), col([1])), false);
});

test('XOR propagates errors', (t) => {
  t.is(call('XOR', col([ERR.DIV0])), ERR.DIV0);
  t.is(call('XOR', ERR.DIV0), ERR.DIV0);
  t.is(call('XOR', true, col([true, ERR.NA])), ERR.NA);
});

test('XOR reads arrays like references; an omitted argument is FALSE', (t) => {
  // Array elements: Excel documents that text in arrays is ignored, like in references.
  t.is(call('XOR', Matrix.from2D([[true, 'x', 1]])), false);
  t.is(call('XOR', null, true), true); // XOR(,TRUE): the empty argument reads as FALSE (IronCalc, as AND/OR)
});

test('IFS: first TRUE condition wins; none is #N/A', (t) => {
  t.is(call('IFS', true, 1), 1);
  t.is(call('IFS', 1, 3, false, 5), 3);
  t.is(call('IFS', false, 1), ERR.NA);
  t.is(call('IFS', false, 1, true, 7), 7);
  t.is(call('IFS', 0, 12, 1, -13), -13);
  t.is(call('IFS', 0, 12, 1, -13, true, '-'), -13);
  t.is(call('IFS', null, 3), ERR.NA); // blank condition is FALSE
  t.is(call('IFS', null, 3, null, null, true, '-'), '-');
  t.is(call('IFS', false, 'whatever', 0, 7), ERR.NA);
});

test('IFS: text conditions are #VALUE!, errors propagate in order', (t) => {
  t.is(call('IFS', '1', 34), ERR.VALUE);
  t.is(call('IFS', 'world', 1), ERR.VALUE);
  t.is(call('IFS', true, 12), 12);
  t.is(call('IFS', false, 'whatever', '1', 7), ERR.VALUE);
  t.is(call('IFS', ERR.NA, null), ERR.NA);
  t.is(call('IFS', ERR.NA, null, ERR.DIV0, 5), ERR.NA);
  // A condition after the first TRUE one is never looked at (IFS.xlsx row 10).
  t.is(call('IFS', true, 1, ERR.DIV0, 3), 1);
  // Single-cell references are read.
  t.is(call('IFS', col([true]), col([1])), 1);
});

test('IFS with a wrong number of arguments is #VALUE!', (t) => {
  t.is(call('IFS', true), ERR.VALUE);
  t.is(call('IFS', true, 1, false), ERR.VALUE);
});

test('IFS lifts over array conditions and values', (t) => {
  // Element-wise, as Excel evaluates IFS({TRUE,FALSE},{1,2},TRUE,{3,4}) -> {1,4}.
  const r = call('IFS', new Matrix(1, 2, [true, false]), new Matrix(1, 2, [1, 2]), true, new Matrix(1, 2, [3, 4]));
  t.deepEqual(r, new Matrix(1, 2, [1, 4]));
  const r2 = callIn(ctx({ array: true }), 'IFS', col([true, false, 'x']), 'yes', true, 'no');
  t.deepEqual(r2, new Matrix(3, 1, ['yes', 'no', ERR.VALUE]));
});

test('SWITCH: matches values, with optional default', (t) => {
  const sw = (v: number) => call('SWITCH', v, 1, 'Uno', 2, 'Dos', 3, 'Tres');
  t.is(sw(1), 'Uno');
  t.is(sw(2), 'Dos');
  t.is(sw(3), 'Tres');
  t.is(sw(4), ERR.NA);
  t.is(call('SWITCH', 5, 1, 'Uno', 2, 'Dos', 3, 'Tres', '-'), '-');
  t.is(call('SWITCH', null, 1, 'Uno', 2, 'Dos', 3, 'Tres'), ERR.NA);
  t.is(call('SWITCH', null, 1, 'Uno', 2, 'Dos', 3, 'Tres', '-'), '-');
});

test('SWITCH compares text case-insensitively and never equates text with numbers', (t) => {
  const days = (d: string) => call('SWITCH', d, 'Monday', 1, 'Tuesday', 2, 'WEDNESDAY', 3);
  t.is(days('Monday'), 1);
  t.is(days('Wednesday'), 3);
  t.is(days('Thursday'), ERR.NA);
  // Excel's "=": "1" = 1 is FALSE.
  t.is(call('SWITCH', '1', 1, 'num', 'text'), 'text');
});

test('SWITCH propagates an error expression', (t) => {
  t.is(call('SWITCH', ERR.DIV0, 1, 'Uno', 2, 'Dos'), ERR.DIV0);
  t.is(call('SWITCH', ERR.DIV0, ERR.DIV0, 'INF', 'FIN'), ERR.DIV0);
  t.is(call('SWITCH', 1, 2), ERR.VALUE); // too few arguments
});

test('SWITCH lifts over an array expression', (t) => {
  const r = call('SWITCH', new Matrix(1, 3, [1, 2, 9]), 1, 'a', 2, 'b', '?');
  t.deepEqual(r, new Matrix(1, 3, ['a', 'b', '?']));
});

test('TRUE() and FALSE()', (t) => {
  t.is(call('TRUE'), true);
  t.is(call('FALSE'), false);
  t.is(call('TRUE', 1), ERR.VALUE);
});

test('IFNA replaces only #N/A', (t) => {
  t.is(call('IFNA', ERR.NA, 1), 1);
  t.is(call('IFNA', ERR.DIV0, 1), ERR.DIV0);
  t.is(call('IFNA', true, 1), true);
  t.is(call('IFNA', 'Hello', 1), 'Hello');
  t.deepEqual(call('IFNA', new Matrix(1, 2, [ERR.NA, 2]), 0), new Matrix(1, 2, [0, 2]));
});

test('ISOMITTED: a LAMBDA parameter left out is undefined (or null for an empty argument)', (t) => {
  // ISOMITTED.xlsx: LAMBDA(x,y, IF(ISOMITTED(y),...))(1,) takes the "missing" branch.
  t.is(call('ISOMITTED', null), true);
  t.is(callIn(ctx(), 'ISOMITTED', undefined as never), true);
  t.is(call('ISOMITTED', 0), false);
  t.is(call('ISOMITTED', col([null])), false);
});
