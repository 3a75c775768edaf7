/**
 * Focused tests for functions the family suites did not name. Expected values come
 * from mathematical identities or Excel's documented definitions (cited per case).
 */
import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { call, col, range } from '../helpers/runtime.js';

const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** Parses Excel's complex text "a+bi" into [re, im]. */
function complex(s: unknown): [number, number] {
  const text = String(s);
  if (!text.endsWith('i')) return [Number(text), 0];
  const body = text.slice(0, -1);
  // Split at the last sign that is not an exponent's: "a+bi", "a-bi", "bi", "-i".
  const k = Math.max(body.lastIndexOf('+'), body.lastIndexOf('-'));
  const split = k > 0 && !/e$/i.test(body.slice(0, k)) ? k : -1;
  const re = split > 0 ? Number(body.slice(0, split)) : 0;
  const imText = split > 0 ? body.slice(split) : body;
  const im = imText === '' || imText === '+' ? 1 : imText === '-' ? -1 : Number(imText);
  return [re, im];
}

test('ATAN: inverse tangent; text is #VALUE!', (t) => {
  t.true(close(call('ATAN', 1) as number, Math.PI / 4));
  t.is(call('ATAN', 0), 0);
  t.is(call('ATAN', 'x'), ERR.VALUE);
});

test('complex hyperbolic and reciprocal trig functions follow their identities', (t) => {
  // cosh(1+i) = cosh1·cos1 + i·sinh1·sin1; sinh(1+i) = sinh1·cos1 + i·cosh1·sin1.
  const [cr, ci] = complex(call('IMCOSH', '1+i'));
  t.true(close(cr, Math.cosh(1) * Math.cos(1), 1e-13) && close(ci, Math.sinh(1) * Math.sin(1), 1e-13));
  const [sr, si] = complex(call('IMSINH', '1+i'));
  t.true(close(sr, Math.sinh(1) * Math.cos(1), 1e-13) && close(si, Math.cosh(1) * Math.sin(1), 1e-13));
  // Real arguments reduce to the real functions.
  t.true(close(complex(call('IMTAN', '0.5'))[0], Math.tan(0.5), 1e-13));
  t.true(close(complex(call('IMSEC', '0.5'))[0], 1 / Math.cos(0.5), 1e-13));
  t.true(close(complex(call('IMSECH', '0.5'))[0], 1 / Math.cosh(0.5), 1e-13));
  t.true(close(complex(call('IMCOT', '0.5'))[0], 1 / Math.tan(0.5), 1e-13));
  t.true(close(complex(call('IMCSC', '0.5'))[0], 1 / Math.sin(0.5), 1e-13));
  t.true(close(complex(call('IMCSCH', '0.5'))[0], 1 / Math.sinh(0.5), 1e-13));
  // Poles: cot, csc and csch of 0 are infinite: #NUM!.
  t.is(call('IMCOT', '0'), ERR.NUM);
  t.is(call('IMCSC', '0'), ERR.NUM);
  t.is(call('IMCSCH', '0'), ERR.NUM);
  t.is(call('IMTAN', 'not complex'), ERR.NUM);
});

test('IMLOG10 and IMLOG2: logarithms of complex numbers', (t) => {
  t.deepEqual(complex(call('IMLOG10', '100')), [2, 0]);
  t.deepEqual(complex(call('IMLOG2', '8')), [3, 0]);
  // log10(i) = i·π/(2·ln 10).
  const [re, im] = complex(call('IMLOG10', 'i'));
  t.true(close(re, 0) && close(im, Math.PI / 2 / Math.LN10, 1e-13));
  t.is(call('IMLOG2', '0'), ERR.NUM);
});

test('PERCENTRANK and QUARTILE are the .INC functions under their legacy names', (t) => {
  // Excel doc: PERCENTRANK({1,2,3,4}, 3) = 2/3 truncated to 3 digits = 0.666.
  t.is(call('PERCENTRANK', new Matrix(1, 4, [1, 2, 3, 4]), 3), 0.666);
  t.is(call('PERCENTRANK', new Matrix(1, 4, [1, 2, 3, 4]), 9), ERR.NA);
  // Excel doc (QUARTILE): {1,2,4,7,8,9,10,12}, quart 1 → 3.5.
  t.is(call('QUARTILE', new Matrix(1, 8, [1, 2, 4, 7, 8, 9, 10, 12]), 1), 3.5);
  t.is(call('QUARTILE', new Matrix(1, 2, [1, 2]), 5), ERR.NUM);
  t.is(call('QUARTILE', col([null]), 1), ERR.NUM);
});

test('STDEVPA counts text in references as 0 and TRUE as 1 (population)', (t) => {
  // Values 1, 1 (TRUE), 0 ("x"): mean 2/3, population variance 2/9.
  t.true(close(call('STDEVPA', col([1, true, 'x'])) as number, Math.sqrt(2 / 9)));
  t.is(call('STDEVPA', col([null])), ERR.DIV0);
  t.is(call('STDEVPA', col([ERR.NA, 1])), ERR.NA);
});

test('REPLACEB and RIGHTB behave as REPLACE and RIGHT in single-byte locales', (t) => {
  t.is(call('REPLACEB', 'abcdef', 2, 3, 'X'), 'aXef');
  t.is(call('RIGHTB', 'abc', 2), 'bc');
  t.is(call('RIGHTB', 'abc', -1), ERR.VALUE);
  t.is(call('REPLACEB', 'abc', 0, 1, 'X'), ERR.VALUE);
});

test('ISFORMULA needs a reference', (t) => {
  t.is(call('ISFORMULA', 1), ERR.VALUE);
  t.is(call('ISFORMULA', range([[1]])), ERR.NA); // the scratch book knows no formula cells
});
