import test from 'ava';
import { ERR } from '../../ts/runtime/index.js';
import { call } from '../helpers/runtime.js';

/** Relative closeness (1e-9) for floating-point results. */
function close(t: { true: (b: boolean, m?: string) => void }, a: unknown, b: number): void {
  t.true(typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1e-300, Math.abs(b)), `${String(a)} vs ${b}`);
}
/** For values printed with few digits: absolute tolerance. */
function approx(t: { true: (b: boolean, m?: string) => void }, a: unknown, b: number, tol: number): void {
  t.true(typeof a === 'number' && Math.abs(a - b) <= tol, `${String(a)} vs ${b}`);
}
const D = (y: number, m: number, d: number) => call('DATE', y, m, d) as number;

// Corpus inputs of IronCalc FINANCIAL/PRICE_YIELD.xlsx: settlement 2020-03-01 (or 2020-03-17),
// maturity 2030-03-01, issue / last interest 2020-01-15, first coupon 2021-03-01.
const S = 43891;
const S2 = 43907;
const M = 47543;
const I = 43845;
const FC = 44256;

test('ACCRINT: documentation example and corpus (ACCRINT.xlsx)', (t) => {
  // Excel documentation: ACCRINT(DATE(2008,3,1), DATE(2008,8,31), DATE(2008,5,1), 10%, 1000, 2, 0).
  close(t, call('ACCRINT', 39508, 39691, 39569, 0.1, 1000, 2, 0), 16.666666666666664);
  // Corpus ACCRINT.xlsx B4/B5/B23: several quasi-coupon periods; calc_method FALSE drops whole periods.
  close(t, call('ACCRINT', D(2007, 3, 1), D(2008, 8, 31), D(2008, 5, 1), 0.1, 1000, 2, 0), 116.94444444444446);
  close(t, call('ACCRINT', D(2007, 3, 1), D(2008, 8, 31), D(2008, 5, 1), 0.1, 1000, 2, 0, false), 66.944444444444457);
  close(t, call('ACCRINT', D(2007, 3, 1), D(2008, 8, 31), D(2008, 5, 1), 0.1, 1000, 2, 0, true), 116.94444444444446);
  // B28: issue on the last day of February (30/360 US).
  close(t, call('ACCRINT', D(2008, 2, 29), D(2008, 8, 31), D(2008, 5, 1), 0.1, 1000, 2, 0), 16.944444444444446);
  // B24..B27: every basis.
  close(t, call('ACCRINT', D(2020, 1, 1), D(2020, 7, 1), D(2020, 3, 1), 0.1, 1000, 2, 1), 16.483516483516482);
  close(t, call('ACCRINT', D(2020, 1, 1), D(2020, 7, 1), D(2020, 3, 1), 0.1, 1000, 2, 2), 16.666666666666664);
  close(t, call('ACCRINT', D(2020, 1, 1), D(2020, 7, 1), D(2020, 3, 1), 0.1, 1000, 2, 3), 16.43835616438356);
  close(t, call('ACCRINT', D(2020, 1, 1), D(2020, 7, 1), D(2020, 2, 29), 0.1, 1000, 2, 1), 16.208791208791208);
  // B29: basis omitted is 0.
  close(t, call('ACCRINT', D(2008, 3, 1), D(2008, 9, 1), D(2008, 5, 1), 0.1, 1000, 2), 16.666666666666664);
});

test('ACCRINT: actual/actual over several periods and calc_method FALSE (corpus)', (t) => {
  // ACCRINT_extended.xlsx Sheet1 J8/K8: settlement before first_interest; FALSE is negative.
  close(t, call('ACCRINT', 42736, 43070, 42826, 0.33, 3000, 4, 1), 241.12362637362637);
  close(t, call('ACCRINT', 42736, 43070, 42826, 0.33, 3000, 4, 1, 0), -253.87637362637361);
  // Sheet1 J31: semi-annual actual/actual.
  close(t, call('ACCRINT', 42736, 43070, 42826, 0.33, 3000, 2, 1), 245.68681318681323);
  // Sheet2 J19/K19/J31 and the truncated frequency 4.3 (J8).
  close(t, call('ACCRINT', 43864, 45261, 45028, 0.33, 3000, 1, 1), 3154.9126431619129);
  close(t, call('ACCRINT', 43864, 45261, 45028, 0.33, 3000, 1, 1, false), 1174.9126431619134);
  close(t, call('ACCRINT', 43864, 45261, 45028, 0.33, 3000, 2, 1), 3156.6393442622948);
  close(t, call('ACCRINT', 43864, 45261, 45028, 0.33, 3000, 4.3, 1), 3152.2252747252751);
  // accrint_cases.xlsx I384/I386/I104: settlement after first_interest (on and between coupon dates).
  close(t, call('ACCRINT', 43831, 44013, 44197, 0.025, 5000, 2, 1, true), 125.68681318681318);
  close(t, call('ACCRINT', 43831, 44013, 44197, 0.025, 5000, 2, 2, true), 126.38888888888889);
  close(t, call('ACCRINT', 44348, 44531, 44621, 0.025, 5000, 2, 1, true), 93.23770491803279);
});

test('ACCRINT: argument errors (corpus ACCRINT.xlsx B7..B17)', (t) => {
  const s = D(2008, 3, 1);
  const f = D(2008, 9, 1);
  const st = D(2008, 5, 1);
  t.is(call('ACCRINT', s, f, st, 0, 1000, 2, 0), ERR.NUM);
  t.is(call('ACCRINT', s, f, st, -0.05, 1000, 2, 0), ERR.NUM);
  t.is(call('ACCRINT', s, f, st, 0.1, 0, 2, 0), ERR.NUM);
  t.is(call('ACCRINT', s, f, st, 0.1, 1000, 3, 0), ERR.NUM);
  t.is(call('ACCRINT', s, f, st, 0.1, 1000, 2, 5), ERR.NUM);
  t.is(call('ACCRINT', s, f, st, 0.1, 1000, 2, -1), ERR.NUM);
  t.is(call('ACCRINT', D(2008, 9, 1), D(2009, 3, 1), st, 0.1, 1000, 2, 0), ERR.NUM); // issue after settlement
  t.is(call('ACCRINT', st, f, st, 0.1, 1000, 2, 0), ERR.NUM); // issue = settlement
  t.is(call('ACCRINT', s, f, st, ERR.NA, 1000, 2, 0), ERR.NA);
  t.is(call('ACCRINT', s, f, st, 'abc', 1000, 2, 0), ERR.VALUE);
  close(t, call('ACCRINT', s, f, st, '0.1', 1000, 2, 0), 16.666666666666664); // numeric text
  t.is(call('ACCRINT', s, f, st, true, 1000, 2, 0), ERR.VALUE); // ATP: booleans rejected
});

test('ODDFPRICE: documentation example and corpus (short and long first periods)', (t) => {
  // Excel documentation example (short first coupon).
  close(
    t,
    call('ODDFPRICE', D(2008, 11, 11), D(2021, 3, 1), D(2008, 10, 15), D(2009, 3, 1), 0.0785, 0.0625, 100, 2, 1),
    113.597717474079,
  );
  // PRICE_YIELD.xlsx ODDFPRICE_SHORT J2..J6 (annual, long first period, every basis).
  close(t, call('ODDFPRICE', S, M, I, FC, 0.075, 0.05, 120, 1, 0), 131.53696747314225);
  close(t, call('ODDFPRICE', S, M, I, FC, 0.075, 0.05, 120, 1, 1), 131.53771558659531);
  close(t, call('ODDFPRICE', S, M, I, FC, 0.075, 0.05, 120, 1, 2), 131.44721361650284);
  close(t, call('ODDFPRICE', S, M, I, FC, 0.075, 0.05, 120, 1, 3), 131.53759260904138);
  // Semi-annual (J9, J11) and settlement inside the first quasi-coupon period (ODDFPRICE_ODDFYIELD J44, J52).
  close(t, call('ODDFPRICE', S, M, I, FC, 0.075, 0.05, 120, 2, 0), 131.55646124427685);
  close(t, call('ODDFPRICE', S, M, I, FC, 0.075, 0.05, 120, 2, 2), 131.48376704654166);
  close(t, call('ODDFPRICE', S2, M, I, FC, 0.075, 0.067, 120, 1, 2), 115.99277260461348);
  close(t, call('ODDFPRICE', S2, M, I, FC, 0.075, 0.03, 120, 2, 4), 153.26720965392229);
  // J40: a tiny redemption still prices the coupons.
  close(t, call('ODDFPRICE', S, M, I, FC, 0.075, 0.067, 1e-19, 1, 2), 53.306109819556639);
});

test('ODDFPRICE: argument errors', (t) => {
  t.is(call('ODDFPRICE', S, 51210, I, FC, 0.075, 0.06, 120, 1, 5), ERR.NUM); // corpus J6: basis 5
  t.is(call('ODDFPRICE', S, M, I, FC, 0.075, 0.06, 120, 3, 1), ERR.NUM); // frequency 3
  t.is(call('ODDFPRICE', S, M, I, FC, -0.01, 0.06, 120, 1, 1), ERR.NUM); // negative rate
  t.is(call('ODDFPRICE', S, M, I, FC, 0.075, -0.06, 120, 1, 1), ERR.NUM); // negative yield
  t.is(call('ODDFPRICE', S, M, I, FC, 0.075, 0.06, 0, 1, 1), ERR.NUM); // redemption 0
  t.is(call('ODDFPRICE', FC, M, I, FC, 0.075, 0.06, 120, 1, 1), ERR.NUM); // settlement = first coupon
  t.is(call('ODDFPRICE', S, M, S, FC, 0.075, 0.06, 120, 1, 1), ERR.NUM); // issue = settlement
  t.is(call('ODDFPRICE', S, FC, I, FC, 0.075, 0.06, 120, 1, 1), ERR.NUM); // first coupon = maturity
  t.is(call('ODDFPRICE', S, M, I, FC, ERR.DIV0, 0.06, 120, 1, 1), ERR.DIV0);
  t.is(call('ODDFPRICE', S, M, I, FC, 0.075, 'x', 120, 1, 1), ERR.VALUE);
});

test('ODDFYIELD inverts ODDFPRICE (documentation and corpus)', (t) => {
  // Excel documentation example: 7.72% (shown rounded).
  approx(t, call('ODDFYIELD', D(2008, 11, 11), D(2021, 3, 1), D(2008, 10, 15), D(2009, 3, 1), 0.0575, 84.5, 100, 2, 0), 0.0772, 5e-5);
  // PRICE_YIELD.xlsx ODDFPRICE_ODDFYIELD K2..K5: the yield that produced the price in column J.
  close(t, call('ODDFYIELD', S, M, I, FC, 0.075, 131.53771558659531, 120, 1, 1), 4.999999999851281e-2);
  close(t, call('ODDFYIELD', S, M, I, FC, 0.075, 115.98854775223758, 120, 1, 2), 6.6999999998329701e-2);
  close(t, call('ODDFYIELD', S, M, I, FC, 0.08, 125.83100063105158, 120, 1, 3), 5.9999999998543552e-2);
  close(t, call('ODDFYIELD', S, M, I, FC, 0.075, 153.2398784420665, 120, 1, 4), 2.999999999858436e-2);
  t.is(call('ODDFYIELD', S, 51210, I, FC, 0.075, ERR.NUM, 120, 1, 5), ERR.NUM); // corpus K6
  t.is(call('ODDFYIELD', S, M, I, FC, 0.075, 0, 120, 1, 1), ERR.NUM); // price must be positive
});

test('ODDLPRICE and ODDLYIELD: documentation examples and corpus', (t) => {
  // Excel documentation examples.
  close(t, call('ODDLPRICE', D(2008, 2, 7), D(2008, 6, 15), D(2007, 10, 15), 0.0375, 0.0405, 100, 2, 0), 99.8782860147213);
  close(t, call('ODDLYIELD', D(2008, 4, 20), D(2008, 6, 15), D(2007, 12, 24), 0.0375, 99.875, 100, 2, 0), 0.0451922356291692);
  // PRICE_YIELD.xlsx ODDLPRICE_ODDLYIELD I2..I11 / J2..J11: a ten-year odd last period.
  close(t, call('ODDLPRICE', S, M, I, 0.075, 0.06, 120, 2, 1), 121.51937811334447);
  close(t, call('ODDLPRICE', S, M, I, 0.075, 0.0589, 120, 2, 2), 122.36705839417525);
  close(t, call('ODDLPRICE', S, M, I, 0.08, 0.0711, 120, 2, 3), 116.47102012136368);
  close(t, call('ODDLPRICE', S, M, I, 0.075, 0.02, 120, 2, 4), 162.34027777777777);
  close(t, call('ODDLPRICE', S, M, I, 0.08, 0.0711, 120, 1, 3), 116.47338382128387);
  close(t, call('ODDLYIELD', S, M, I, 0.075, 121.51937811334447, 120, 2, 1), 5.9999999999999991e-2);
  close(t, call('ODDLYIELD', S, M, I, 0.075, 122.36892856859281, 120, 1, 2), 5.8900000000000001e-2);
  close(t, call('ODDLYIELD', S, M, I, 0.08, 116.47338382128387, 120, 1, 3), 7.1099999999999983e-2);
  t.is(call('ODDLPRICE', S, 51210, I, 0.075, 0.06, 120, 2, 5), ERR.NUM); // corpus I6
  t.is(call('ODDLYIELD', S, 51210, I, 0.075, ERR.NUM, 120, 2, 5), ERR.NUM); // corpus J6
  t.is(call('ODDLPRICE', I, M, I, 0.075, 0.06, 120, 2, 1), ERR.NUM); // settlement = last interest
  t.is(call('ODDLPRICE', S, S, I, 0.075, 0.06, 120, 2, 1), ERR.NUM); // settlement = maturity
  t.is(call('ODDLPRICE', S, M, I, 0.075, -0.06, 120, 2, 1), ERR.NUM);
  t.is(call('ODDLYIELD', S, M, I, 0.075, -1, 120, 2, 1), ERR.NUM);
  t.is(call('ODDLPRICE', S, M, I, 0.075, 0.06, 120, 2, ERR.REF), ERR.REF);
});

test('ODDLPRICE and ODDLYIELD are inverse closed forms', (t) => {
  const p = call('ODDLPRICE', D(2008, 2, 7), D(2008, 6, 15), D(2007, 10, 15), 0.0375, 0.0405, 100, 2, 1) as number;
  close(t, call('ODDLYIELD', D(2008, 2, 7), D(2008, 6, 15), D(2007, 10, 15), 0.0375, p, 100, 2, 1), 0.0405);
});

test('AMORDEGRC and AMORLINC: documentation examples', (t) => {
  // Excel documentation: cost 2400, bought 2008-08-19, first period ends 2008-12-31, salvage 300, 15%, basis 1.
  t.is(call('AMORDEGRC', 2400, 39679, 39813, 300, 1, 0.15, 1), 776);
  t.is(call('AMORLINC', 2400, 39679, 39813, 300, 1, 0.15, 1), 360);
  // Period 0 is prorated: 134/366 of a year × 15% × 2.5 (life 6.67 years) × 2400 = 329.5 → 330.
  t.is(call('AMORDEGRC', 2400, 39679, 39813, 300, 0, 0.15, 1), 330);
  close(t, call('AMORLINC', 2400, 39679, 39813, 300, 0, 0.15, 1), (134 / 366) * 0.15 * 2400);
});

test('AMORLINC depreciates exactly cost - salvage over its periods', (t) => {
  let total = 0;
  for (let p = 0; p <= 10; p++) total += call('AMORLINC', 2400, 39679, 39813, 300, p, 0.15, 1) as number;
  close(t, total, 2100);
  t.is(call('AMORLINC', 2400, 39679, 39813, 300, 10, 0.15, 1), 0);
});

test('AMORDEGRC: rounded declining balance, nothing after the asset is written down', (t) => {
  // Each period is rate × coefficient × remaining value, rounded: 2070 × 0.375 = 776.25 → 776, then
  // 1294 × 0.375 = 485.25 → 485.
  t.is(call('AMORDEGRC', 2400, 39679, 39813, 300, 2, 0.15, 1), 485);
  t.is(call('AMORDEGRC', 2400, 39679, 39813, 300, 10, 0.15, 1), 0);
});

test('AMORDEGRC/AMORLINC: argument errors', (t) => {
  t.is(call('AMORDEGRC', 2400, 39679, 39813, 300, 1, 0.15, 2), ERR.NUM); // basis 2 is not allowed
  t.is(call('AMORLINC', 2400, 39679, 39813, 300, 1, 0.15, 5), ERR.NUM);
  t.is(call('AMORDEGRC', 2400, 39679, 39813, 300, 1, 0.22, 1), ERR.NUM); // life 4.5 years (documented #NUM!)
  t.is(call('AMORDEGRC', 2400, 39679, 39813, 300, 1, 0, 1), ERR.NUM);
  t.is(call('AMORLINC', 2400, 39813, 39679, 300, 1, 0.15, 1), ERR.NUM); // purchase after the first period
  t.is(call('AMORLINC', 2400, 39679, 39813, 3000, 1, 0.15, 1), ERR.NUM); // salvage above cost
  t.is(call('AMORLINC', 2400, 39679, 39813, 300, -1, 0.15, 1), ERR.NUM);
  t.is(call('AMORLINC', ERR.NA, 39679, 39813, 300, 1, 0.15, 1), ERR.NA);
  t.is(call('AMORLINC', 'x', 39679, 39813, 300, 1, 0.15, 1), ERR.VALUE);
});
