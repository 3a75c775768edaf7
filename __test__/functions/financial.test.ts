import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { call, col, range } from '../helpers/runtime.js';

/** Relative closeness (1e-9) for floating-point results. */
function close(t: { true: (b: boolean, m?: string) => void }, a: unknown, b: number): void {
  t.true(typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${String(a)} vs ${b}`);
}
/** For documentation values printed with few digits: absolute tolerance. */
function approx(t: { true: (b: boolean, m?: string) => void }, a: unknown, b: number, tol: number): void {
  t.true(typeof a === 'number' && Math.abs(a - b) <= tol, `${String(a)} vs ${b}`);
}
const D = (y: number, m: number, d: number) => call('DATE', y, m, d) as number;

test('PMT/PV/FV/NPER/RATE (Excel documentation examples)', (t) => {
  close(t, call('PMT', 0.08 / 12, 10, 10000), -1037.03208935915);
  approx(t, call('PMT', 0.08 / 12, 10, 10000, 0, 1), -1030.16, 0.005);
  close(t, call('PV', 0.08 / 12, 12 * 20, 500, 0, 0), -59777.1458511878);
  close(t, call('FV', 0.06 / 12, 10, -200, -500, 1), 2581.40337406012);
  close(t, call('NPER', 0.12 / 12, -100, -1000, 10000, 1), 59.6738656742946);
  close(t, call('RATE', 4 * 12, -200, 8000), 0.00770147248820165);
  close(t, call('PMT', 0, 10, 1000), -100); // rate 0: straight division
  t.is(call('PMT', -1, 1, -100), ERR.NUM); // corpus PMT.xlsx G24
  t.is(call('FV', -1, -2, 1), ERR.DIV0); // corpus FV.xlsx
  t.is(call('PMT', 'x', 1, 1), ERR.VALUE);
});

test('IPMT/PPMT/CUMIPMT/CUMPRINC (documentation and corpus)', (t) => {
  close(t, call('IPMT', 0.1 / 12, 1, 3, 8000), -66.6666666666667);
  close(t, call('PPMT', 0.1 / 12, 1, 2 * 12, 2000), -75.6231860083376);
  close(t, call('IPMT', 0.1, 3.9, 3, 8000, 10, 1), -26.866364667656377); // corpus IPMT_PPMT.xlsx G17
  close(t, call('CUMIPMT', 0.09 / 12, 30 * 12, 125000, 13, 24, 0), -11135.2321307508);
  close(t, call('CUMPRINC', 0.09 / 12, 30 * 12, 125000, 13, 24, 0), -934.107123420868);
  t.is(call('CUMIPMT', 0.01, 36, 8000, true, 10, 0), ERR.VALUE); // corpus CUMPRINC_CUMIPMT.xlsx G27
  t.is(call('CUMIPMT', 0.01, 36, 8000, 0, 10, 0), ERR.NUM);
  t.is(call('IPMT', 0.1, 0, 3, 8000), ERR.NUM);
});

test('CUMPRINC is the exact sum of the principal parts, also when they are tiny against the payment', (t) => {
  // Expected: the loan simulated period by period in 50-digit arithmetic (mpmath), which
  // is also what Excel stores (corpus CUMPRINC_CUMIPMT.xlsx H5 and H7: -0.0047565423422487076
  // and -0.0012603466877548824). Summing payment minus interest in doubles lost 8 digits.
  const relative = (a: unknown, b: number) => t.true(typeof a === 'number' && Math.abs(a - b) <= 1e-12 * Math.abs(b), `${String(a)} vs ${b}`);
  relative(call('CUMPRINC', 0.7, 36, 8000, 2, 10, 1), -0.004756542342248712);
  relative(call('CUMPRINC', 0.8, 36, 18000, 2.7, 9.667, 1), -0.0012603466877548859);
  // Excel's documentation: the first month's principal of a 30-year loan.
  close(t, call('CUMPRINC', 0.09 / 12, 360, 125000, 1, 1, 0), -68.2782711809784);
  // The sum over the whole term repays the loan, for either type.
  close(t, call('CUMPRINC', 0.05, 20, 1000, 1, 20, 0), -1000);
  close(t, call('CUMPRINC', 0.05, 20, 1000, 1, 20, 1), -1000);
  // Matches PPMT summed period by period where nothing cancels.
  let sum = 0;
  for (let k = 3; k <= 7; k++) sum += call('PPMT', 0.01, k, 12, 500, 0, 1) as number;
  close(t, call('CUMPRINC', 0.01, 12, 500, 3, 7, 1), sum);
});

test('NPV reads numbers from ranges, skipping text and blanks', (t) => {
  close(t, call('NPV', 0.1, -10000, 3000, 4200, 6800), 1188.44341233522); // documentation
  close(t, call('NPV', 0.1, col([-10000, 'text', null, 3000, 4200, 6800])), 1188.44341233522);
  t.is(call('NPV', 0.1, col([1, ERR.NA])), ERR.NA);
});

test('IRR, MIRR, XNPV, XIRR (documentation and corpus)', (t) => {
  const flows = col([-70000, 12000, 15000, 18000, 21000, 26000]);
  close(t, call('IRR', flows), 0.0866309480365316);
  close(t, call('IRR', col([-70000, 12000, 15000, 18000, 21000])), -0.0212448482734253);
  t.is(call('IRR', col([20, 5, 5])), ERR.NUM); // no sign change (corpus IRR.xlsx L7)
  t.is(call('IRR', col([-1000, 230, 200]), -10), ERR.VALUE); // corpus IRR.xlsx N3
  close(t, call('IRR', col([-5, 1])), -0.8); // corpus IRR.xlsx "Two Values" C6
  close(t, call('MIRR', col([-120000, 39000, 30000, 21000, 37000, 46000]), 0.1, 0.12), 0.126094130365905);
  t.is(call('MIRR', col([1, 2, 3]), 0.1, 0.1), ERR.DIV0);
  const v = col([-10000, 2750, 4250, 3250, 2750]);
  const d = col([39448, 39508, 39751, 39859, 39904]);
  close(t, call('XNPV', 0.09, v, d), 2086.64760203103);
  // Documentation value 0.373362535 is the 25th bisection midpoint; the stopping rule fitted to the
  // corpus stops one halving later (0.37336253226), within Excel's stated 1e-8 accuracy.
  approx(t, call('XIRR', v, d), 0.373362535, 5e-9);
  t.is(call('XNPV', 0.09, col([-10000, null]), col([39448, 39508])), ERR.NUM); // blank value (corpus XIRR.xlsx Q7)
  t.is(call('XNPV', 0.09, col([-10000, 1]), col([39448])), ERR.NUM);
});

test('IRR follows Excel\'s secant iteration (corpus IRR.xlsx, stored values bit for bit)', (t) => {
  // Excel stops short of the exact root; these stored values are the iterates it returns.
  t.is(call('IRR', col([-20, 5, 5, 5, 5, 5])), 0.07930826116039724); // General!L2 (exact root ...52866)
  t.is(call('IRR', col([-20, 5, 5, 5, 5, 5]), 17), 0.07930826116414913); // General!N2 (guess 17)
  t.is(call('IRR', col([-130, 30, 20, 30, 20, 30])), 2.4507063045575705e-12); // General!L22 (root 0)
  t.is(call('IRR', col([-20, 5, 5, -10, 5])), -0.44892834955312866); // General!L5
  t.is(call('IRR', col([2, -3])), 0.4999999999999998); // "Two Values"!C5
  close(t, call('IRR', col([-400, 1, 1, 1, 1, 1])), -0.6737366751808405); // General!L17 (secant cycles: fallback)
});

test('XIRR bisects a doubled bracket; XNPV error rules (corpus XIRR.xlsx, bit for bit)', (t) => {
  const d1 = col([44958, 44986, 45017, 45078, 45108, 45139]);
  const d2 = col([45292, 45323, 45353, 45386, 45782, 46179]);
  t.is(call('XIRR', col([-20, 5, 5, 5, 5, 5]), d1), 1.1859161972999572); // R2 (root 1.18591620798...)
  t.is(call('XIRR', col([-55, 10, 5, 5, 5, 5]), col([100, 120, 300, 101, 200, 150])), -0.9271996639668942); // R4
  t.is(call('XIRR', col([-400, 100, 10, 5, 6, 5]), d1), -0.9977533546974883); // R13
  t.is(call('XIRR', col([-100, 23, 30, 10, 20, 5]), d1), -0.4135234050452709); // R14
  t.is(call('XIRR', col([-20, 5, 12, 1, 7, 5]), d2), 0.9825324892997742); // R19
  t.is(call('XIRR', col([-20, 5, 5, null, null, 5]), d2), -0.2371315099298954); // R20: blanks count as 0
  t.is(call('XNPV', 0.1, col([-70, 12, 15, 'hello', 5, 5]), d1), ERR.NUM); // Q8
  t.is(call('XIRR', col([-70, 12, 15, 'hello', 5, 5]), d1), ERR.VALUE); // R8
  t.is(call('XNPV', 0.1, col([-20, 8, 5, true, 6, 5]), d1), ERR.NUM); // Q9
  t.is(call('XIRR', col([-20, 8, 5, true, 6, 5]), d1), ERR.VALUE); // R9
  t.is(call('XNPV', -0.4, col([-400, 100, 10, 5, 6, 5]), d1), ERR.NUM); // Q13: negative rate
  t.is(call('XNPV', 0.1, col([-20, 1, 1, ERR.DIV0, 1, 1]), d1), ERR.DIV0); // Q10
});

test('depreciation: SLN SYD DB DDB VDB (Excel documentation and corpus VDB.xlsx)', (t) => {
  t.is(call('SLN', 30000, 7500, 10), 2250);
  t.is(call('SYD', 30000, 7500, 10, 1), 4090.909090909091);
  close(t, call('DB', 1000000, 100000, 6, 1, 7), 186083.333333333);
  close(t, call('DB', 1000000, 100000, 6, 7, 7), 15845.0984738975);
  close(t, call('DDB', 2400, 300, 10 * 365, 1), 1.31506849315068);
  close(t, call('DDB', 2400, 300, 10, 1, 2), 480);
  close(t, call('DDB', 2400, 300, 10, 10), 22.1225472000002);
  close(t, call('VDB', 2400, 300, 10 * 365, 0, 1), 1.31506849315068);
  close(t, call('VDB', 2400, 300, 10 * 12, 6, 18), 396.306053264751);
  close(t, call('VDB', 2400, 300, 10 * 12, 6, 18, 1.5), 311.808936658234);
  close(t, call('VDB', 2400, 300, 10, 0, 0.875, 1.5), 315);
  close(t, call('VDB', 575000, 5000, 10, 3, 5, 1.5, false), 102160.546875); // corpus VDB.xlsx K7
  close(t, call('VDB', 575000, 5000, 10, 5, 6, 1.5), 49192.265625); // corpus VDB.xlsx F12 (switched to SLN)
  // Fractional start: periods run from the fractional part (corpus VDB.xlsx D23-D37, F23).
  close(t, call('VDB', 1, 0, 14, 0, 0.5, 1.25, false), 0.044642857142857144);
  close(t, call('VDB', 1, 0, 14, 2.5, 3.5, 1.25, false), 0.07074765193864536);
  close(t, call('VDB', 1, 0, 14, 3.5, 4.5, 1.25, false), 0.06872629045468406); // straight line from 3.5
  close(t, call('VDB', 1, 0, 14, 13.5, 14, 1.25, false), 0.03436314522734203);
  close(t, call('VDB', 1, 0, 14, 13, 14, 1.25, false), 0.06866789938377948); // whole periods differ
  t.is(call('SYD', 30000, 7500, 10, 11), ERR.NUM);
  t.is(call('SLN', 1, 0, 0), ERR.DIV0);
});

test('EFFECT/NOMINAL/PDURATION/RRI/FVSCHEDULE/ISPMT/DOLLARDE/DOLLARFR', (t) => {
  close(t, call('EFFECT', 0.0525, 4), 0.0535426673707584);
  approx(t, call('NOMINAL', 0.053543, 4), 0.05250032, 1e-8);
  t.is(call('EFFECT', 10, true), ERR.VALUE); // corpus NOMINAL_EFFECT.xlsx D20
  close(t, call('PDURATION', 0.025, 2000, 2200), 3.85986616262266);
  approx(t, call('RRI', 96, 10000, 11000), 0.0009933, 5e-8);
  close(t, call('FVSCHEDULE', 1, new Matrix(1, 3, [0.09, 0.11, 0.1])), 1.33089);
  close(t, call('FVSCHEDULE', 1, range([[0.09, null, 0.1]])), 1.199);
  t.is(call('ISPMT', 0.1 / 12, 1, 3 * 12, 8000000), -64814.81481481482);
  close(t, call('DOLLARDE', 1.02, 16), 1.125);
  close(t, call('DOLLARFR', 1.125, 16), 1.02);
  t.is(call('DOLLARDE', 1.02, 0), ERR.DIV0);
  t.is(call('DOLLARDE', 1.02, -1), ERR.NUM);
});

test('discounted securities and T-bills (Excel documentation)', (t) => {
  approx(t, call('DISC', D(2018, 7, 1), D(2048, 1, 1), 97.975, 100, 1), 0.000686, 5e-7);
  close(t, call('INTRATE', D(2008, 2, 15), D(2008, 5, 15), 1000000, 1014420, 2), 0.05768);
  close(t, call('RECEIVED', D(2008, 2, 15), D(2008, 5, 15), 1000000, 0.0575, 2), 1014584.6544071);
  close(t, call('PRICEDISC', D(2008, 2, 16), D(2008, 3, 1), 0.0525, 100, 2), 99.7958333333333);
  approx(t, call('YIELDDISC', D(2008, 2, 16), D(2008, 3, 1), 99.795, 100, 2), 0.052823, 5e-7);
  close(t, call('PRICEMAT', D(2008, 2, 15), D(2008, 4, 13), D(2007, 11, 11), 0.061, 0.061, 0), 99.9844988755);
  close(t, call('YIELDMAT', D(2008, 3, 15), D(2008, 11, 3), D(2007, 11, 8), 0.0625, 100.0123, 0), 0.060954333);
  close(t, call('TBILLPRICE', D(2008, 3, 31), D(2008, 6, 1), 0.09), 98.45);
  approx(t, call('TBILLYIELD', D(2008, 3, 31), D(2008, 6, 1), 98.45), 0.0914, 5e-5);
  approx(t, call('TBILLEQ', D(2008, 3, 31), D(2008, 6, 1), 0.0914), 0.0942, 5e-5);
  close(t, call('TBILLEQ', 14640, 15006, 0.5), 0.8522961312491701); // corpus TBILLs.xlsx D6 (366 days)
  t.is(call('TBILLPRICE', D(2008, 3, 31), D(2009, 6, 1), 0.09), ERR.NUM); // more than a year
  t.is(call('DISC', D(2048, 1, 1), D(2018, 1, 7), 97.975, 100), ERR.NUM);
});

test('coupon schedule, PRICE, YIELD, DURATION (documentation and corpus PRICE_YIELD.xlsx)', (t) => {
  const s = D(2011, 1, 25);
  const m = D(2011, 11, 15);
  t.is(call('COUPDAYBS', s, m, 2, 1), 71);
  t.is(call('COUPDAYS', s, m, 2, 1), 181);
  t.is(call('COUPDAYSNC', s, m, 2, 1), 110);
  t.is(call('COUPNCD', s, m, 2, 1), D(2011, 5, 15));
  t.is(call('COUPPCD', s, m, 2, 1), D(2010, 11, 15));
  t.is(call('COUPNUM', D(2007, 1, 25), D(2008, 11, 15), 2, 1), 4);
  t.is(call('COUPNUM', s, m, 3, 1), ERR.NUM);
  close(t, call('PRICE', D(2008, 2, 15), D(2017, 11, 15), 0.0575, 0.065, 100, 2, 0), 94.6343616213221);
  close(t, call('YIELD', D(2008, 2, 15), D(2016, 11, 15), 0.0575, 95.04287, 100, 2, 0), 0.0650000068807314);
  close(t, call('PRICE', 43891, 47543, 0.04, 0.05, 155, 1, 2), 126.04349401555694); // corpus H4
  close(t, call('PRICE', 45748, 46825, 0.22, 0.12, 15, 1, 2), 62.736929069290866); // corpus H29
  close(t, call('DURATION', D(2018, 7, 1), D(2048, 1, 1), 0.08, 0.09, 2, 1), 10.9191452815919);
  close(t, call('MDURATION', D(2008, 1, 1), D(2016, 1, 1), 0.08, 0.09, 2, 1), 5.73566981391884);
  close(t, call('ACCRINTM', D(2008, 4, 1), D(2008, 6, 15), 0.1, 1000, 3), 20.5479452054795);
  t.is(call('PRICE', D(2008, 2, 15), D(2017, 11, 15), 0.0575, 0.065, 100, true, 0), ERR.VALUE);
});
