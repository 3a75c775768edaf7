/**
 * Math & trigonometry and the criteria aggregates.
 *
 * Expected values come from Microsoft's documentation examples ("docs"), from
 * mathematical identities, or from Excel results stored in the corpus ("corpus: file
 * sheet!cell", under /work/shared/corpus/IronCalc/xlsx/tests/calc_tests unless noted).
 */
import test, { type ExecutionContext } from 'ava';
import { ERR, F, Matrix, Ref, type Scalar, type Value } from '../../ts/runtime/index.js';
import { call, callIn, col, ctx, makeBook, range, sheetOf } from '../helpers/runtime.js';

function near(t: ExecutionContext, got: Value, want: number, tol = 1e-9): void {
  if (typeof got !== 'number') {
    t.fail(`expected ${want}, got ${String(got)}`);
    return;
  }
  const ok = got === want || Math.abs(got - want) <= tol * Math.max(Math.abs(got), Math.abs(want));
  t.true(ok, `expected ${want}, got ${got}`);
}

const arr = (rows: Scalar[][]) => Matrix.from2D(rows);

function matrixNear(t: ExecutionContext, got: Value, want: number[][]): void {
  t.true(got instanceof Matrix);
  const m = got as Matrix;
  t.is(m.rows, want.length);
  t.is(m.cols, want[0]!.length);
  want.forEach((row, i) => row.forEach((w, j) => near(t, m.get(i, j), w, 1e-12)));
}

// ------------------------------------------------------------------- trigonometry

test('trigonometric basics and identities', (t) => {
  near(t, call('SIN', Math.PI / 6), 0.5); // docs: SIN(PI()/6)
  near(t, call('COS', 1.047), 0.5001711, 1e-6); // docs: COS(1.047) ≈ 0.5001711
  near(t, call('TAN', Math.PI / 4), 1);
  near(t, call('SIN', 30 * (Math.PI / 180)), 0.5);
  near(t, call('ACOS', -0.5), 2.0943951023931957); // xlcalculator ACOS.xlsx
  near(t, call('ASIN', -0.5), -0.52359877559829893); // xlcalculator ASIN.xlsx
  near(t, call('ATAN2', -1, -1), -2.3561944901923448); // xlcalculator ATAN2.xlsx: ATAN2(x, y)
  near(t, call('ATAN2', 1, 0), 0);
  t.is(call('ATAN2', 0, 0), ERR.DIV0); // docs
  t.is(call('ASIN', -2), ERR.NUM); // xlcalculator ASIN.xlsx
  t.is(call('ACOS', 1.5), ERR.NUM);
  t.is(call('ACOSH', 0.5), ERR.NUM);
  t.is(call('ATANH', 1), ERR.NUM);
  t.is(call('ACOTH', 0.5), ERR.NUM);
  near(t, call('ACOT', 2), 0.463647609, 1e-6); // docs
  near(t, call('ACOT', 0), Math.PI / 2);
  near(t, call('ACOT', -1), (3 * Math.PI) / 4); // ACOT ranges over (0, π)
  near(t, call('ACOTH', 6), 0.168236118, 1e-6); // docs
  near(t, call('ASINH', -2.5), -1.647231146, 1e-6); // docs
  near(t, call('ACOSH', 10), 2.993222846, 1e-6); // docs
  near(t, call('ATANH', -0.1), -0.100335348, 1e-6); // docs
  near(t, call('SINH', 1), (Math.E - 1 / Math.E) / 2);
  near(t, call('COSH', 4), 27.308232836, 1e-6); // docs
  near(t, call('TANH', 0.5), 0.462117157, 1e-6); // docs
  near(t, call('COT', 30), -0.156119952, 1e-6); // docs
  near(t, call('CSC', 15), 1.537780562, 1e-6); // docs
  near(t, call('SEC', 45), 1.90359, 1e-5); // docs (rounded to 6 significant digits)
  near(t, call('SEC', 45), 1.9035944074044246, 1e-9);
  near(t, call('COTH', 2), 1.037314721, 1e-6); // docs
  near(t, call('CSCH', 1.5), 0.469642441, 1e-6); // docs
  near(t, call('SECH', 45), 5.73e-20, 1e-3); // docs
  t.is(call('COT', 0), ERR.DIV0); // docs
  t.is(call('CSC', 0), ERR.DIV0); // docs
  t.is(call('COTH', 0), ERR.DIV0);
  t.is(call('CSCH', 0), ERR.DIV0);
  t.is(call('SIN', 2 ** 27), ERR.NUM); // docs: |number| must be < 2^27 (COT/CSC/SEC)
  t.is(call('COT', 2 ** 27), ERR.NUM);
  t.is(call('SIN', 'abc'), ERR.VALUE);
  t.is(call('COS', ERR.NA), ERR.NA);
  near(t, call('DEGREES', Math.PI), 180); // docs
  near(t, call('RADIANS', 270), 4.712389, 1e-6); // docs
  near(t, call('PI'), 3.141592653589793);
});

test("trigonometry reduces by Excel's extended-precision π", (t) => {
  // corpus: MATH_AND_TRIGONOMETRY/trigonometric_functions.xlsx Sheet1!B12 =SIN(A12), A12 = PI()
  near(t, call('SIN', Math.PI), 1.22514845490862e-16, 1e-12);
  near(t, call('TAN', Math.PI), -1.22514845490862e-16, 1e-12); // same file D12
  near(t, call('COS', Math.PI / 2), 6.1257422745431e-17, 1e-12); // same file C13
  // corpus: TRIGONOMETRIC.xlsx COT_CSC_SEC!B33 / C33 / D34, A33 = PI() - 1E-12, A34 = PI()/2 - 1E-12
  near(t, call('COT', 3.141592653588793), -999788629259.2037);
  near(t, call('CSC', 3.141592653588793), 999788629259.2037);
  near(t, call('SEC', 1.5707963267938965), 999849864538.9548);
});

// ---------------------------------------------------------- powers and logarithms

test('powers, roots, logarithms', (t) => {
  t.is(call('ABS', -4), 4); // xlcalculator ABS.xlsx
  t.is(call('ABS', '-2'), 2);
  t.is(call('SIGN', 10), 1); // docs
  t.is(call('SIGN', 0), 0); // docs
  t.is(call('SIGN', -0.00001), -1); // docs
  t.is(call('SQRT', 16), 4); // docs
  t.is(call('SQRT', -16), ERR.NUM); // docs
  near(t, call('SQRTPI', 2), 2.50662827, 1e-6); // docs
  t.is(call('SQRTPI', -1), ERR.NUM);
  near(t, call('EXP', 2), 7.389056099, 1e-6); // docs
  t.is(call('EXP', 710), ERR.NUM); // overflow
  near(t, call('LN', 86), 4.4543473625, 1e-6); // docs
  t.is(call('LN', 0), ERR.NUM);
  t.is(call('LOG', 10), 1); // docs
  t.is(call('LOG', 8, 2), 3); // docs
  near(t, call('LOG', 86, 2.7182818), 4.4543473, 1e-6); // docs
  t.is(call('LOG', 1000), 3);
  t.is(call('LOG', 5, 1), ERR.DIV0);
  t.is(call('LOG', -1), ERR.NUM);
  t.is(call('LOG10', 1e5), 5); // docs
  t.is(call('LOG10', 0), ERR.NUM);
  t.is(call('POWER', 5, 2), 25); // docs
  near(t, call('POWER', 98.6, 3.2), 2401077.222, 1e-6); // docs
  near(t, call('POWER', 4, 5 / 4), 5.656854249, 1e-6); // docs
  t.is(call('POWER', 0, 0), ERR.NUM);
  t.is(call('POWER', 0, -1), ERR.DIV0);
  t.is(call('POWER', -4, 0.5), ERR.NUM);
  near(t, call('POWER', -8, 1 / 3), -2); // odd roots of negative numbers
});

// ------------------------------------------------------------------------ rounding

test('ROUNDUP / ROUNDDOWN / TRUNC / INT', (t) => {
  t.is(call('ROUNDUP', 3.2, 0), 4); // docs
  t.is(call('ROUNDUP', 76.9, 0), 77); // docs
  t.is(call('ROUNDUP', 3.14159, 3), 3.142); // docs
  t.is(call('ROUNDUP', -3.14159, 1), -3.2); // docs
  t.is(call('ROUNDUP', 31415.92654, -2), 31500); // docs
  t.is(call('ROUNDDOWN', 3.2, 0), 3); // docs
  t.is(call('ROUNDDOWN', 76.9, 0), 76); // docs
  t.is(call('ROUNDDOWN', 3.14159, 3), 3.141); // docs
  t.is(call('ROUNDDOWN', -3.14159, 1), -3.1); // docs
  t.is(call('ROUNDDOWN', 31415.92654, -2), 31400); // docs
  t.is(call('ROUNDUP', 1.745, 2), 1.75); // corpus: ROUND.xlsx Sheet1!D3
  t.is(call('ROUNDDOWN', 1.745, 2), 1.74); // corpus: ROUND.xlsx Sheet1!E3
  t.is(call('ROUNDUP', 1.7, 3), 1.7); // corpus: ROUND.xlsx Sheet1!D2
  // 15-significant-digit view: 0.1+0.2 is 0.3 to Excel, and 2.3*100 is 230.
  t.is(call('ROUNDUP', 0.1 + 0.2, 1), 0.3);
  t.is(call('ROUNDDOWN', 2.3 * 100, 0), 230);
  t.is(call('ROUNDUP', 2.5, 0.9), 3); // digits truncated
  t.is(call('ROUNDUP', 'x', 1), ERR.VALUE);
  t.is(call('TRUNC', 8.9), 8); // docs
  t.is(call('TRUNC', -8.9), -8); // docs
  t.is(call('TRUNC', 0.45), 0); // docs
  t.is(call('TRUNC', 3.14159, 2), 3.14);
  t.is(call('INT', 8.9), 8); // docs
  t.is(call('INT', -8.9), -9); // docs
  t.is(call('INT', true), 1);
});

test('EVEN / ODD', (t) => {
  t.is(call('EVEN', 1.5), 2); // docs
  t.is(call('EVEN', 3), 4); // docs
  t.is(call('EVEN', 2), 2); // docs
  t.is(call('EVEN', -1), -2); // docs
  t.is(call('EVEN', 0), 0);
  t.is(call('ODD', 1.5), 3); // docs
  t.is(call('ODD', 3), 3); // docs
  t.is(call('ODD', 2), 3); // docs
  t.is(call('ODD', -1), -1); // docs
  t.is(call('ODD', -2), -3); // docs
  t.is(call('ODD', 0), 1);
  t.is(call('ODD', 'a'), ERR.VALUE);
});

test('CEILING and FLOOR (legacy) sign rules', (t) => {
  t.is(call('CEILING', 2.5, 1), 3); // docs
  t.is(call('CEILING', -2.5, -2), -4); // docs
  t.is(call('CEILING', -2.5, 2), -2); // docs
  t.is(call('CEILING', 1.5, 0.1), 1.5); // docs
  t.is(call('CEILING', 0.234, 0.01), 0.24); // docs
  t.is(call('CEILING', 2.5, -2), ERR.NUM); // docs: positive number, negative significance
  t.is(call('CEILING', 5, 0), 0);
  t.is(call('FLOOR', 3.7, 2), 2); // docs
  t.is(call('FLOOR', -2.5, -2), -2); // docs
  t.is(call('FLOOR', 2.5, -2), ERR.NUM); // docs
  t.is(call('FLOOR', 1.58, 0.1), 1.5); // docs
  t.is(call('FLOOR', 0.234, 0.01), 0.23); // docs
  t.is(call('FLOOR', -2.5, 2), -4);
  t.is(call('FLOOR', 5, 0), ERR.DIV0);
  t.is(call('FLOOR', 0, 0), 0);
  t.is(call('CEILING', 0.3, 0.1), 0.3); // no binary artefact (0.30000000000000004)
  t.is(call('CEILING', 1e308, 1e-10), ERR.NUM); // overflow (corpus: FLOOR_CEILING.xlsx errors are #NUM!)
});

test('CEILING.MATH / FLOOR.MATH / .PRECISE / ISO.CEILING', (t) => {
  t.is(call('CEILING.MATH', 24.3, 5), 25); // docs
  t.is(call('CEILING.MATH', 6.7), 7); // docs
  t.is(call('CEILING.MATH', -8.1, 2), -8); // docs
  t.is(call('CEILING.MATH', -5.5, 2, -1), -6); // docs
  t.is(call('FLOOR.MATH', 24.3, 5), 20); // docs
  t.is(call('FLOOR.MATH', 6.7), 6); // docs
  t.is(call('FLOOR.MATH', -8.1, 2), -10); // docs
  t.is(call('FLOOR.MATH', -5.5, 2, -1), -4); // docs
  t.is(call('CEILING.PRECISE', 4.3), 5); // docs
  t.is(call('CEILING.PRECISE', -4.3), -4); // docs
  t.is(call('CEILING.PRECISE', 4.3, 2), 6); // docs
  t.is(call('CEILING.PRECISE', 4.3, -2), 6); // docs
  t.is(call('CEILING.PRECISE', -4.3, 2), -4); // docs
  t.is(call('CEILING.PRECISE', -4.3, -2), -4); // docs
  t.is(call('ISO.CEILING', 4.3, -2), 6); // docs
  t.is(call('ISO.CEILING', -4.3, 2), -4); // docs
  t.is(call('FLOOR.PRECISE', -3.2, -1), -4); // docs
  t.is(call('FLOOR.PRECISE', 3.2, 1), 3); // docs
  t.is(call('FLOOR.PRECISE', -3.2, 1), -4); // docs
  t.is(call('FLOOR.PRECISE', 3.2, -1), 3); // docs
  t.is(call('FLOOR.PRECISE', 3.2), 3); // docs
  t.is(call('FLOOR.PRECISE', 3.2, 0), 0);
  t.is(call('CEILING.MATH', 'x'), ERR.VALUE);
});

test('MROUND / MOD / QUOTIENT', (t) => {
  t.is(call('MROUND', 10, 3), 9); // docs
  t.is(call('MROUND', -10, -3), -9); // docs
  near(t, call('MROUND', 1.3, 0.2), 1.4); // docs
  t.is(call('MROUND', 5, -2), ERR.NUM); // docs
  t.is(call('MROUND', 5, 0), 0);
  t.is(call('MROUND', true, 2), ERR.VALUE); // corpus: MROUND_TRUNC_INT.xlsx MROUND!C51
  t.is(call('MROUND', null, 2), ERR.NA); // corpus: MROUND!C34 =MROUND(,B34)
  t.is(call('MROUND', col([7]), 2), 8); // a referenced number is fine
  t.is(call('MROUND', ' 2024-01-10 ', 7), ERR.VALUE); // corpus: MROUND!C32
  t.is(call('MOD', 3, 2), 1); // docs
  t.is(call('MOD', -3, 2), 1); // docs
  t.is(call('MOD', 3, -2), -1); // docs
  t.is(call('MOD', -3, -2), -1); // docs
  t.is(call('MOD', 5, 0), ERR.DIV0);
  near(t, call('MOD', 5, 1e-10), 9.999981783901343e-11, 1e-12); // corpus: MOD_QUOTIENT.xlsx DATEVALUE!C25
  t.is(call('QUOTIENT', 5, 2), 2); // docs
  t.is(call('QUOTIENT', 4.5, 3.1), 1); // docs
  t.is(call('QUOTIENT', -10, 3), -3); // docs
  t.is(call('QUOTIENT', 1, 0), ERR.DIV0);
  t.is(call('QUOTIENT', true, true), ERR.VALUE); // corpus: MOD_QUOTIENT.xlsx DATEVALUE!D39
  // ATP functions lift over arrays like other scalar functions.
  t.deepEqual(call('QUOTIENT', arr([[7, 9]]), 2), arr([[3, 4]]));
});

// ------------------------------------------------------------------ combinatorics

test('FACT / FACTDOUBLE / COMBIN / COMBINA / MULTINOMIAL', (t) => {
  t.is(call('FACT', 5), 120); // docs
  t.is(call('FACT', 1.9), 1); // docs
  t.is(call('FACT', 0), 1); // docs
  t.is(call('FACT', -1), ERR.NUM); // docs
  t.is(call('FACT', 171), ERR.NUM);
  t.is(call('FACTDOUBLE', 6), 48); // docs
  t.is(call('FACTDOUBLE', 7), 105); // docs
  t.is(call('FACTDOUBLE', -1), ERR.NUM);
  t.is(call('COMBIN', 8, 2), 28); // docs
  t.is(call('COMBIN', 3, 10), ERR.NUM); // corpus: COMBIN_COMBINA.xlsx C6
  t.is(call('COMBIN', -10, 2), ERR.NUM); // corpus: C7
  t.is(call('COMBINA', 4, 3), 20); // docs
  t.is(call('COMBINA', 10, 3), 220); // docs
  t.is(call('COMBINA', 3, 10), 66); // corpus: COMBIN_COMBINA.xlsx D6
  t.is(call('COMBINA', 0, 5), ERR.NUM); // corpus: D10
  t.is(call('COMBINA', 0, 0), 1); // corpus: D11
  near(t, call('COMBINA', 20, 19), 35345263799.999985); // corpus: D5
  near(t, call('COMBINA', 1000, 200), 1.6676833067813678e233); // corpus: D16
  t.is(call('MULTINOMIAL', 2, 3, 4), 1260); // docs
  near(t, call('MULTINOMIAL', 1, 2, 3), 60); // corpus: MULTINOMIAL.xlsx A1 (59.999999999999929)
  t.is(call('MULTINOMIAL', -1, 2, 3), ERR.NUM); // corpus: A10
  t.is(call('MULTINOMIAL', true, 1, 2), ERR.VALUE); // corpus: H22
});

test('GCD / LCM', (t) => {
  t.is(call('GCD', 5, 2), 1); // docs
  t.is(call('GCD', 24, 36), 12); // docs
  t.is(call('GCD', 5, 0), 5); // docs
  t.is(call('GCD', 5, -1), ERR.NUM);
  t.is(call('LCM', 5, 2), 10); // docs
  t.is(call('LCM', 24, 36), 72); // docs
  t.is(call('GCD', range([[12, 18, 24]])), 6);
  // corpus GCD_LCM.xlsx: a blank single-cell reference is skipped (D3 = LCM(10, 3, blank) = 30),
  // blanks inside a range count as 0 (I35 = LCM({blank, 5}) = 0), all-blank cells are #VALUE! (E13),
  // an omitted argument is #N/A (E34 = GCD(, 5, blank)).
  const blank = col([null]);
  t.is(call('LCM', 10, 3, blank), 30);
  t.is(call('LCM', range([[null, 5]])), 0);
  t.is(call('GCD', range([[null, 5]])), 5); // corpus: J35
  t.is(call('GCD', col([null]), col([null])), ERR.VALUE);
  t.is(call('GCD', null, 5), ERR.NA);
  t.is(call('GCD', true, 4), ERR.VALUE);
  t.is(call('LCM', 2 ** 52, 3), ERR.NUM);
  // corpus LCM_GCD.xlsx D32/E32 and GCD_LCM.xlsx D32/E32: text " 2024-01-10 " (padded
  // with spaces) is not a number → #VALUE!
  t.is(call('LCM', ' 2024-01-10 ', 7, null), ERR.VALUE);
  t.is(call('GCD', ' 2024-01-10 ', 7), ERR.VALUE);
});

// ------------------------------------------------------------ products and sums

test('PRODUCT / SUMSQ / SUMX2MY2 family / SERIESSUM', (t) => {
  t.is(call('PRODUCT', col([5, 15, 30])), 2250); // docs
  t.is(call('PRODUCT', col([5, 15, 30]), 2), 4500); // docs
  t.is(call('PRODUCT', '7'), 7); // corpus: PRODUCT_SUM.xlsx B22
  t.is(call('PRODUCT', 'seven'), ERR.VALUE); // corpus: B23
  t.is(call('PRODUCT', true), 1); // corpus: B24
  t.is(call('PRODUCT', col([null, 'x'])), 0);
  t.is(call('PRODUCT', col([2, ERR.DIV0])), ERR.DIV0);
  t.is(call('SUMSQ', 3, 4), 25); // docs
  t.is(call('SUMSQ', col([1, 2, 3, 4, 5])), 55); // corpus: SUMSQ.xlsx B6 (A2:A6 = 1..5)
  const x = col([2, 3, 9, 1, 8, 7, 5]);
  const y = col([6, 5, 11, 7, 5, 4, 4]);
  t.is(call('SUMX2MY2', x, y), -55); // docs
  t.is(call('SUMX2PY2', x, y), 521); // docs
  t.is(call('SUMXMY2', x, y), 79); // docs
  t.is(call('SUMXMY2', col([1, 2]), col([1, 2, 3])), ERR.NA);
  t.is(call('SUMXMY2', col([1, 'a', 3]), col([2, 2, 5])), 5); // non-numeric pairs skipped
  t.is(call('SERIESSUM', 2, 0, 1, arr([[1, 2, 3]])), 17); // corpus: SERIESSUM.xlsx A1
  t.is(call('SERIESSUM', 0, 0, 2, arr([[1, 2, 3]])), ERR.NUM); // corpus: C1
  t.is(call('SERIESSUM', 0.5, 1, 2, arr([[2, 2, 2]])), 1.3125); // corpus: A2
  t.is(call('SERIESSUM', true, 1, 2, arr([[2]])), ERR.VALUE); // corpus: F7
  // docs: approximation of COS(PI()/4) with coefficients 1, -1/2!, 1/4!, -1/6!
  near(t, call('SERIESSUM', Math.PI / 4, 0, 2, arr([[1, -1 / 2, 1 / 24, -1 / 720]])), 0.707103, 1e-6);
});

test('SUMPRODUCT', (t) => {
  const a = range([[3, 4], [8, 6], [1, 9]]);
  const b = range([[2, 7], [6, 7], [5, 3]]);
  t.is(call('SUMPRODUCT', a, b), 156); // docs
  t.is(call('SUMPRODUCT', arr([[1, 2, 3]]), arr([[4, -2, -4]])), -12); // corpus: SUMPRODUCT.xlsx F1
  t.is(call('SUMPRODUCT', col([1, 'x', true, 4]), col([2, 2, 2, 2])), 10); // non-numbers are 0
  t.is(call('SUMPRODUCT', col([1, 2]), col([1, 2, 3])), ERR.VALUE);
  t.is(call('SUMPRODUCT', col([1, ERR.NA]), col([1, 2])), ERR.NA);
  t.is(call('SUMPRODUCT', col([1, 2, 3])), 6);
});

test('RAND / RANDBETWEEN use the book random source', (t) => {
  const c = ctx({}, makeBook([], { random: () => 0.25 }));
  t.is(callIn(c, 'RAND'), 0.25);
  t.is(callIn(c, 'RANDBETWEEN', 1, 8), 3); // 1 + floor(0.25 · 8)
  t.is(callIn(c, 'RANDBETWEEN', 1.5, 1.9), ERR.NUM); // no integer in [2, 1]
  t.is(callIn(c, 'RANDBETWEEN', -3, -3), -3);
});

// --------------------------------------------------------- bases and numerals

test('BASE / DECIMAL', (t) => {
  t.is(call('BASE', 7, 2), '111'); // docs
  t.is(call('BASE', 100, 16), '64'); // docs
  t.is(call('BASE', 15, 2, 10), '0000001111'); // docs
  t.is(call('BASE', 16, 10, 4), '0016'); // corpus: BASE.xlsx E2
  t.is(call('BASE', -1, 2), ERR.NUM);
  t.is(call('BASE', 5, 37), ERR.NUM);
  t.is(call('DECIMAL', 'FF', 16), 255); // docs
  t.is(call('DECIMAL', 111, 2), 7); // docs
  t.is(call('DECIMAL', 'zap', 36), 45745); // docs
  t.is(call('DECIMAL', '12', 2), ERR.NUM);
  t.is(call('DECIMAL', 'ff', 1), ERR.NUM);
});

test('ROMAN / ARABIC', (t) => {
  t.is(call('ROMAN', 499, 0), 'CDXCIX'); // docs
  t.is(call('ROMAN', 499, 1), 'LDVLIV'); // docs
  t.is(call('ROMAN', 499, 2), 'XDIX'); // docs
  t.is(call('ROMAN', 499, 3), 'VDIV'); // docs
  t.is(call('ROMAN', 499, 4), 'ID'); // docs
  t.is(call('ROMAN', 2013, 0), 'MMXIII'); // docs
  t.is(call('ROMAN', 499, true), 'CDXCIX'); // docs: TRUE = classic
  t.is(call('ROMAN', 499, false), 'ID'); // docs: FALSE = simplified
  t.is(call('ROMAN', 1), 'I'); // corpus: ARABIC_ROMAN.xlsx ROMAN!B2
  t.is(call('ROMAN', 0), '');
  t.is(call('ROMAN', 4000), ERR.VALUE);
  t.is(call('ROMAN', -1), ERR.VALUE);
  t.is(call('ROMAN', 10, 5), ERR.VALUE);
  t.is(call('ARABIC', 'LVII'), 57); // docs
  t.is(call('ARABIC', 'mcmxii'), 1912); // docs
  t.is(call('ARABIC', ''), 0); // docs
  t.is(call('ARABIC', '-MMXI'), -2011); // docs
  t.is(call('ARABIC', 'ABC'), ERR.VALUE);
  // ARABIC inverts every ROMAN form (corpus ARABIC_ROMAN.xlsx checks 1..3999 × forms).
  for (const n of [4, 9, 14, 40, 90, 400, 499, 900, 1999, 3999]) {
    for (let f = 0; f <= 4; f++) t.is(call('ARABIC', call('ROMAN', n, f)), n);
  }
});

// ------------------------------------------------------------------- matrices

test('MDETERM / MINVERSE / MMULT / MUNIT', (t) => {
  near(t, call('MDETERM', arr([[1, 3, 8, 5], [1, 3, 6, 1], [1, 1, 1, 0], [7, 3, 10, 2]])), 88); // docs
  near(t, call('MDETERM', arr([[3, 6, 1], [1, 1, 0], [3, 10, 2]])), 1); // docs
  near(t, call('MDETERM', arr([[3, 6], [1, 1]])), -3); // docs
  t.is(call('MDETERM', arr([[1, 3, 8, 5], [1, 3, 6, 1]])), ERR.VALUE); // docs: not square
  t.is(call('MDETERM', range([[1, null], [2, 3]])), ERR.VALUE); // blank cell
  matrixNear(t, call('MINVERSE', arr([[4, -1], [2, 0]])), [[0, 0.5], [-1, 2]]); // docs
  matrixNear(t, call('MINVERSE', arr([[1, 2, 1], [3, 4, -1], [0, 2, 0]])), [
    [0.25, 0.25, -0.75],
    [0, 0, 0.5],
    [0.75, -0.25, -0.25],
  ]); // docs
  t.is(call('MINVERSE', arr([[1, 2], [2, 4]])), ERR.NUM); // singular
  matrixNear(t, call('MMULT', arr([[1, 3], [7, 2]]), arr([[2, 0], [0, 2]])), [[2, 6], [14, 4]]); // docs
  t.is(call('MMULT', arr([[1, 2, 3]]), arr([[1, 2]])), ERR.VALUE);
  t.is(call('MMULT', arr([['a']]), arr([[1]])), ERR.VALUE);
  t.deepEqual(call('MUNIT', 2), arr([[1, 0], [0, 1]])); // docs / corpus: MUNIT_MDETERM_MINVERSE.xlsx A2
  t.is(call('MUNIT', 0), ERR.VALUE);
  near(t, call('MDETERM', call('MUNIT', 3)), 1);
});

// -------------------------------------------------------- criteria aggregates

const values = col([100000, 200000, 300000, 400000]);
const commissions = col([7000, 14000, 21000, 28000]);

test('SUMIF / AVERAGEIF (docs examples)', (t) => {
  t.is(call('SUMIF', values, '>160000', commissions), 63000); // docs
  t.is(call('SUMIF', values, '>160000'), 900000); // docs
  t.is(call('SUMIF', values, 300000, commissions), 21000); // docs
  t.is(call('SUMIF', values, '>' + 300000, commissions), 28000); // docs
  t.is(call('AVERAGEIF', commissions, '<23000'), 14000); // docs
  t.is(call('AVERAGEIF', values, '<250000'), 150000); // docs
  t.is(call('AVERAGEIF', values, '<95000'), ERR.DIV0); // docs
  t.is(call('AVERAGEIF', values, '>250000', commissions), 24500); // docs
  // Only the top-left cell of the sum range matters: it is resized to the criteria range.
  const s = sheetOf([[1, 10], [2, 20], [3, 30]]);
  t.is(call('SUMIF', new Ref(s, 0, 0, 2, 0), '>1', new Ref(s, 0, 1, 0, 1)), 50);
  // An error in a matching sum cell propagates; in a non-matching one it does not.
  t.is(call('SUMIF', col(['a', 'b']), 'a', col([ERR.NA, 1])), ERR.NA);
  t.is(call('SUMIF', col(['a', 'b']), 'b', col([ERR.NA, 1])), 1);
});

test('COUNTIF (docs examples, wildcards)', (t) => {
  const fruit = col(['apples', 'oranges', 'peaches', 'apples']);
  const qty = col([32, 54, 75, 86]);
  t.is(call('COUNTIF', fruit, 'apples'), 2); // docs
  t.is(call('COUNTIF', fruit, 'peaches'), 1); // docs
  t.is(call('COUNTIF', qty, '>55'), 2); // docs
  t.is(call('COUNTIF', qty, '<>' + 75), 3); // docs
  t.is(call('COUNTIF', fruit, '*'), 4); // docs
  t.is(call('COUNTIF', fruit, '?????es'), 2); // docs
  t.is(call('COUNTIF', fruit, 'APPLES'), 2); // case-insensitive
  t.is(call('COUNTIF', fruit, 'app*'), 2);
  t.is(call('COUNTIF', col(['a*b', 'axb']), 'a~*b'), 1); // ~ escapes a wildcard
});

test('criteria text equality folds case in place, ASCII and beyond', (t) => {
  // Same-length near misses (compared character by character), case variants, and
  // non-ASCII text (compared through toLowerCase(), as before).
  const names = col(['Cat 1', 'Cat 2', 'cAT 2', 'CAT 2', 'Cat 20', 'Ärger', 'äRGER', 'Straße', 'STRASSE', 'İx']);
  t.is(call('COUNTIF', names, 'cat 2'), 3);
  t.is(call('COUNTIF', names, 'CAT 1'), 1);
  t.is(call('COUNTIF', names, 'Cat 3'), 0);
  t.is(call('COUNTIF', names, 'ärger'), 2);
  t.is(call('COUNTIF', names, 'ÄRGER'), 2);
  // "ß" has no single-character upper case: only the exact spelling matches.
  t.is(call('COUNTIF', names, 'straße'), 1);
  // "İ" lower-cases to two characters: no cell of another length matches.
  t.is(call('COUNTIF', names, 'i̇x'), 0);
  t.is(call('COUNTIF', names, 'İX'), 1);
  const values = col([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  t.is(call('SUMIFS', values, names, 'cat 2'), 2 + 4 + 8);
  t.is(call('SUMIFS', values, names, 'cat 2', values, '>2'), 4 + 8);
});

test("COUNTIF: Excel's matching of numbers, text numbers, blanks and empty text", (t) => {
  // corpus: STATISTICAL/COUNTIF.xlsx sheet Rows, A2:A8 = 23, "23", TRUE, 1, -23, "hey", FALSE
  const r = col([23, '23', true, 1, -23, 'hey', false]);
  t.is(call('COUNTIF', r, 23), 2); // C2: a number criterion also matches the text "23"
  t.is(call('COUNTIF', r, '=23'), 2); // D2
  t.is(call('COUNTIF', r, '<>23'), 6); // E2: but "<>23" only excludes the number
  t.is(call('COUNTIF', r, true), 1);
  t.is(call('COUNTIF', r, '>0'), 2); // 23 and 1: ordering criteria match numbers only
  // corpus: COUNTIF.xlsx Columns, B1:O1 = 23, "23", TRUE, 1, -23, "hey", FALSE, 123, blank, blank, "" (formula), blank...
  const row = range([[23, '23', true, 1, -23, 'hey', false, 123, null, null, '', null, null, null]]);
  t.is(call('COUNTIF', row, '<>'), 9); // I7: "<>" counts empty-text cells too
  t.is(call('COUNTIF', row, '>='), 0); // I6: an operator with no operand matches nothing
  t.is(call('COUNTIF', row, '<='), 0); // I4
  t.is(call('COUNTIF', row, '>'), 0); // I5
  t.is(call('COUNTIF', row, ''), 6); // blanks and empty text
  t.is(call('COUNTIF', row, '='), 5); // blank cells only
  // An error criterion counts the matching error cells (corpus: COUNTIFS.xlsx Rows2!X2).
  t.is(call('COUNTIF', col([ERR.NA, 12, ERR.DIV0, '#N/A']), ERR.NA), 1);
  t.is(call('COUNTIFS', col([ERR.NA, 12, ERR.DIV0, '#N/A']), ERR.DIV0), 1); // Rows2!X3
});

test('criteria with dates and numeric text', (t) => {
  // 2020-01-01 is serial 43831; 2019-12-31 is 43830.
  const dates = col([43830, 43831, 43832]);
  t.is(call('COUNTIF', dates, '>=2020-01-01'), 2);
  t.is(call('COUNTIF', dates, '<1/1/2020'), 1);
  t.is(call('SUMIF', col([1, 2, 3]), '>=2'), 5);
  t.is(call('COUNTIF', col([0.5, 0.25]), '50%'), 1);
});

test('COUNTIF over a whole column counts the blank rows beyond the used range', (t) => {
  const s = sheetOf([['a'], ['b'], [null], ['a']]);
  const whole = new Ref(s, 0, 0, 1048575, 0);
  t.is(call('COUNTIF', whole, 'a'), 2);
  t.is(call('COUNTIF', whole, ''), 1048576 - 3);
  t.is(call('COUNTBLANK', whole), 1048576 - 3);
  t.is(call('COUNTIFS', whole, '<>b'), 1048576 - 1);
});

test('SUMIFS / COUNTIFS / AVERAGEIFS / MAXIFS / MINIFS', (t) => {
  // docs (SUMIFS): quantities and products/salespeople
  const qty = col([5, 4, 15, 3, 22, 12, 10, 33]);
  const product = col(['Apples', 'Apples', 'Artichokes', 'Artichokes', 'Bananas', 'Bananas', 'Carrots', 'Carrots']);
  const seller = col(['Tom', 'Sarah', 'Tom', 'Sarah', 'Tom', 'Sarah', 'Tom', 'Sarah']);
  t.is(call('SUMIFS', qty, product, '=A*', seller, 'Tom'), 20); // docs
  t.is(call('SUMIFS', qty, product, '<>Bananas', seller, 'Tom'), 30); // docs
  t.is(call('COUNTIFS', product, 'A*', seller, 'Sarah'), 2);
  t.is(call('AVERAGEIFS', qty, seller, 'Tom'), 13);
  t.is(call('AVERAGEIFS', qty, seller, 'Nobody'), ERR.DIV0);
  // docs (MAXIFS / MINIFS)
  const grade = col([89, 93, 96, 85, 91, 88]);
  const weight = col([1, 2, 2, 3, 1, 1]);
  t.is(call('MAXIFS', grade, weight, 1), 91); // docs
  t.is(call('MINIFS', grade, weight, 1), 88); // docs
  t.is(call('MAXIFS', grade, weight, 9), 0); // docs: no match gives 0
  // Ranges of different shapes are #VALUE!.
  t.is(call('SUMIFS', qty, col(['Tom']), 'Tom'), ERR.VALUE);
  t.is(call('COUNTIFS', product, 'A*', col(['Tom']), 'Tom'), ERR.VALUE);
  // Array criteria lift: one result per criterion.
  t.deepEqual(call('SUMIFS', qty, seller, arr([['Tom', 'Sarah']])), arr([[52, 52]]));
  t.deepEqual(call('COUNTIF', seller, arr([['Tom'], ['x']])), arr([[4], [0]]));
});

// --------------------------------------------------------------------- counting

test('COUNT / COUNTA / COUNTBLANK', (t) => {
  t.is(call('COUNT', col([1, 'x', true, null, 3, ERR.NA])), 2); // only numbers in references
  t.is(call('COUNT', 1, '2', true, 'x', ERR.NA), 3); // typed numbers, numeric text and booleans count
  t.is(call('COUNTA', col([1, 'x', true, null, '', ERR.NA])), 5); // docs: everything not empty
  t.is(call('COUNTA', 1, 'x', ERR.NA), 3);
  t.is(call('COUNTBLANK', col([1, null, '', 'x', null])), 3); // docs: "" counts as blank
  t.is(call('COUNTBLANK', range([[1, 2], [3, 4]])), 0);
});

// ---------------------------------------------------------- SUBTOTAL, AGGREGATE

test('SUBTOTAL', (t) => {
  const r = col([120, 10, 150, 23]);
  t.is(call('SUBTOTAL', 9, r), 303); // docs
  t.is(call('SUBTOTAL', 1, r), 75.75); // docs
  t.is(call('SUBTOTAL', 109, r), 303);
  t.is(call('SUBTOTAL', 2, col([1, 'a', 2])), 2);
  t.is(call('SUBTOTAL', 3, col([1, 'a', null])), 2);
  t.is(call('SUBTOTAL', 4, r), 150);
  t.is(call('SUBTOTAL', 5, r), 10);
  t.is(call('SUBTOTAL', 6, col([2, 3])), 6);
  t.is(call('SUBTOTAL', 12, r), ERR.VALUE);
  t.is(call('SUBTOTAL', 9, r, col([1])), 304);
  if (F['VAR']) near(t, call('SUBTOTAL', 10, col([1, 2, 3, 4])), 5 / 3);
  if (F['STDEVP']) near(t, call('SUBTOTAL', 8, col([1, 3])), 1);
});

test('AGGREGATE', (t) => {
  const r = col([72, ERR.DIV0, 30, 96, 31]);
  t.is(call('AGGREGATE', 4, 6, r), 96); // option 6 ignores errors
  t.is(call('AGGREGATE', 9, 6, r), 229);
  t.is(call('AGGREGATE', 4, 0, r), ERR.DIV0); // option 0 keeps them
  t.is(call('AGGREGATE', 2, 6, r), 4);
  t.is(call('AGGREGATE', 3, 6, r), 4);
  t.is(call('AGGREGATE', 5, 7, r), 30);
  t.is(call('AGGREGATE', 1, 6, col([ERR.NA])), ERR.DIV0);
  t.is(call('AGGREGATE', 20, 6, r), ERR.VALUE);
  t.is(call('AGGREGATE', 4, 8, r), ERR.VALUE);
  if (F['LARGE']) t.is(call('AGGREGATE', 14, 6, r, 2), 72); // docs-style: 2nd largest ignoring errors
  if (F['SMALL']) t.is(call('AGGREGATE', 15, 6, r, 1), 30);
  if (F['MEDIAN']) t.is(call('AGGREGATE', 12, 6, r), 51.5);
});
