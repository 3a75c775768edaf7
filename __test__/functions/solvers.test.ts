/**
 * The iterative financial functions return a root of their equation or #NUM!, never
 * anything else. Property tests: equations built from a chosen rate (so the root is known),
 * the result's residual checked with the function that defines the equation (NPV, XNPV,
 * FV, PRICE, ODDFPRICE).
 */
import test from 'ava';
import { ERR, ExcelError } from '../../ts/runtime/index.js';
import { call, col } from '../helpers/runtime.js';
import { rng } from '../helpers/random.js';


/** NPV of flows at t = 0, 1, 2 ... through the registry's NPV (which discounts from t = 1). */
function npv0(rate: number, flows: number[]): number {
  return (call('NPV', rate, col(flows.slice(1))) as number) + flows[0]!;
}

const scaleOf = (rate: number, flows: number[]): number => flows.reduce((s, v, i) => s + Math.abs(v) / Math.pow(1 + rate, i), 0);

test('IRR on 37 monthly flows with one sign change returns the root, not a point where NPV is -714,161', (t) => {
  // -750,000 then 36 monthly inflows rising geometrically from 1,000 to 35,000. One sign
  // change (Descartes' rule: exactly one root with 1 + r > 0); the sum of the inflows is
  // below 750,000, so the root is negative.
  const flows = [-750000];
  const g = Math.pow(35, 1 / 35);
  for (let i = 0; i < 36; i++) flows.push(1000 * Math.pow(g, i));
  const r = call('IRR', col(flows));
  t.is(typeof r, 'number');
  const rate = r as number;
  t.true(rate < 0 && rate > -0.1, `IRR ${rate}`);
  t.true(Math.abs(npv0(rate, flows)) <= 1e-7 * scaleOf(rate, flows), `NPV at IRR: ${npv0(rate, flows)}`);
  // The same with the guess on the other side of the root.
  const r2 = call('IRR', col(flows), -0.5) as number;
  t.true(Math.abs(r2 - rate) <= 1e-9, `${r2} vs ${rate}`);
});

test('IRR property: flows built from a chosen rate give that rate back (one sign change)', (t) => {
  const rand = rng(12345);
  for (let k = 0; k < 300; k++) {
    const rate = -0.6 + rand() * 1.4; // (-0.6, 0.8)
    const n = 2 + Math.floor(rand() * 60);
    const flows = [0];
    for (let i = 1; i <= n; i++) flows.push(Math.round(rand() * 10000) + 1);
    // Flow 0 makes NPV(rate) = 0: the only root with 1 + r > 0 (one sign change).
    flows[0] = -flows.slice(1).reduce((s, v, i) => s + v / Math.pow(1 + rate, i + 1), 0);
    const guess = rand() < 0.5 ? undefined : -0.9 + rand() * 3;
    const r = guess === undefined ? call('IRR', col(flows)) : call('IRR', col(flows), guess);
    t.is(typeof r, 'number', `flows ${JSON.stringify(flows)} guess ${guess}: ${String(r)}`);
    if (typeof r !== 'number') continue;
    t.true(Math.abs(r - rate) <= 1e-6 * Math.max(1, Math.abs(rate)), `rate ${rate}, IRR ${r}, n ${n}, guess ${guess}`);
    t.true(Math.abs(npv0(r, flows)) <= 1e-6 * scaleOf(r, flows), `residual ${npv0(r, flows)} at ${r}`);
  }
});

test('IRR property: several sign changes give some root or #NUM!, never a non-root', (t) => {
  const rand = rng(777);
  for (let k = 0; k < 300; k++) {
    const n = 3 + Math.floor(rand() * 30);
    const flows: number[] = [];
    for (let i = 0; i <= n; i++) flows.push(Math.round((rand() - 0.5) * 20000));
    const r = call('IRR', col(flows), -0.5 + rand());
    if (r instanceof ExcelError) {
      t.is(r, ERR.NUM);
      continue;
    }
    const x = r as number;
    t.true(x > -1);
    // A root: NPV changes sign within a relative 1e-6 of it (or vanishes at rounding level).
    const d = 1e-6 * Math.max(1, Math.abs(x));
    const a = npv0(x - d, flows);
    const b = npv0(x + d, flows);
    t.true(a > 0 !== b > 0 || Math.abs(npv0(x, flows)) <= 1e-9 * scaleOf(x, flows), `flows ${JSON.stringify(flows)}: IRR ${x}`);
  }
});

test('RATE property: FV at a chosen rate gives that rate back, from any guess', (t) => {
  const rand = rng(4242);
  for (let k = 0; k < 300; k++) {
    const rate = -0.5 + rand() * 1.0;
    const nper = 1 + Math.floor(rand() * 360);
    const pmt = -Math.round(rand() * 1000);
    const pv = Math.round(rand() * 50000);
    const type = rand() < 0.5 ? 0 : 1;
    const fv = call('FV', rate, nper, pmt, pv, type) as number;
    if (typeof fv !== 'number' || !Number.isFinite(fv) || Math.abs(fv) > 1e12) continue;
    const guess = -0.9 + rand() * 2;
    const r = call('RATE', nper, pmt, pv, fv, type, guess);
    if (r instanceof ExcelError) {
      t.is(r, ERR.NUM);
      continue;
    }
    const x = r as number;
    // The residual of the annuity equation at the result, through FV.
    const res = (call('FV', x, nper, pmt, pv, type) as number) - fv;
    const scale = Math.abs(pv) * Math.pow(1 + Math.max(x, rate), nper) + Math.abs(pmt) * nper * Math.pow(1 + Math.max(0, x, rate), nper) + Math.abs(fv);
    t.true(Math.abs(res) <= 1e-6 * scale, `RATE(${nper},${pmt},${pv},${fv},${type},${guess}) = ${x}, chosen ${rate}, residual ${res}`);
  }
});

test('RATE: Newton from the guess, as Excel documents; no root found that way is #NUM!', (t) => {
  // RATE(48,-200,8000) = 0.77% per month (Excel's RATE page).
  t.true(Math.abs((call('RATE', 48, -200, 8000) as number) - 0.00770147248820165) <= 1e-12);
  // No rate makes 8000 paid back by 48 payments of +200 (all flows positive): #NUM!.
  t.is(call('RATE', 48, 200, 8000), ERR.NUM);
  // From a guess where Newton leaves the domain (rate <= -1), Excel's RATE is #NUM!
  // ("If the successive results of RATE do not converge ... #NUM!"; corpus RATE.xlsx).
  t.is(call('RATE', 48, -200, 8000, 0, 0, -0.99), ERR.NUM);
});

test('XIRR property: dated flows built from a chosen rate give that rate back', (t) => {
  const rand = rng(99);
  for (let k = 0; k < 200; k++) {
    const rate = -0.5 + rand() * 1.5;
    const n = 2 + Math.floor(rand() * 20);
    const dates = [40000];
    for (let i = 1; i < n; i++) dates.push(dates[i - 1]! + 1 + Math.floor(rand() * 200));
    const flows = [0];
    for (let i = 1; i < n; i++) flows.push(Math.round(rand() * 5000) + 1);
    flows[0] = -flows.slice(1).reduce((s, v, i) => s + v / Math.pow(1 + rate, (dates[i + 1]! - dates[0]!) / 365), 0);
    const r = call('XIRR', col(flows), col(dates), rand() < 0.5 ? 0.1 : -0.5 + rand() * 2);
    t.is(typeof r, 'number', `rate ${rate}: ${String(r)}`);
    if (typeof r !== 'number') continue;
    const res = call('XNPV', r, col(flows), col(dates));
    // XNPV refuses negative rates (#NUM!), so check those through the chosen rate.
    if (r >= 0) t.true(Math.abs(res as number) <= 1e-6 * flows.reduce((s, v) => s + Math.abs(v), 0), `XNPV ${String(res)} at ${r}`);
    t.true(Math.abs(r - rate) <= 1e-6 * Math.max(1, Math.abs(rate)), `chosen ${rate}, XIRR ${r}`);
  }
});

test('YIELD and ODDFYIELD property: the price at a chosen yield gives that yield back', (t) => {
  const rand = rng(2024);
  const D = (y: number, m: number, d: number) => call('DATE', y, m, d) as number;
  for (let k = 0; k < 100; k++) {
    const yld = 0.001 + rand() * 0.4;
    const coupon = Math.round(rand() * 1200) / 10000;
    const freq = [1, 2, 4][Math.floor(rand() * 3)]!;
    const basis = Math.floor(rand() * 5);
    const settle = D(2010, 1 + Math.floor(rand() * 12), 1 + Math.floor(rand() * 28));
    const maturity = settle + 400 + Math.floor(rand() * 9000);
    const price = call('PRICE', settle, maturity, coupon, yld, 100, freq, basis) as number;
    const y = call('YIELD', settle, maturity, coupon, price, 100, freq, basis);
    t.true(typeof y === 'number' && Math.abs(y - yld) <= 1e-8, `YIELD ${String(y)} vs ${yld}`);
    // Odd first period: issue before settlement, first coupon after it.
    const issue = settle - 30 - Math.floor(rand() * 60);
    const first = settle + 30 + Math.floor(rand() * 100);
    const mat2 = first + 365 * (1 + Math.floor(rand() * 10));
    const oprice = call('ODDFPRICE', settle, mat2, issue, first, coupon, yld, 100, freq, basis);
    if (typeof oprice !== 'number') continue;
    const oy = call('ODDFYIELD', settle, mat2, issue, first, coupon, oprice, 100, freq, basis);
    t.true(typeof oy === 'number' && Math.abs(oy - yld) <= 1e-8, `ODDFYIELD ${String(oy)} vs ${yld}`);
  }
});
