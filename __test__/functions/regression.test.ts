/**
 * LINEST, LOGEST, TREND, GROWTH with all their optional arguments: Excel's documentation
 * examples, identities of least squares, and Excel's documented rule for collinear columns
 * ([MS-OI29500] 2.1.985: coefficient 0, standard error 0, df reduced).
 */
import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { call, col, range } from '../helpers/runtime.js';

function near(t: { true: (b: boolean, m?: string) => void }, a: unknown, b: number, rel = 1e-9): void {
  t.true(typeof a === 'number' && Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${String(a)} vs ${b}`);
}

// Excel's LINEST page, example 4 (multiple linear regression): floor space, offices,
// entrances, age → assessed value of office buildings.
const OFFICES = [
  [2310, 2, 2, 20, 142000],
  [2333, 2, 2, 12, 144000],
  [2356, 3, 1.5, 33, 151000],
  [2379, 3, 2, 43, 150000],
  [2402, 2, 3, 53, 139000],
  [2425, 4, 2, 23, 169000],
  [2448, 2, 1.5, 99, 126000],
  [2471, 2, 2, 34, 142900],
  [2494, 3, 3, 23, 163000],
  [2517, 4, 4, 55, 169000],
  [2540, 2, 3, 22, 149000],
];

test('LINEST with several x columns and stats = TRUE: the 5-row block of Excel\'s example', (t) => {
  const x = range(OFFICES.map((r) => r.slice(0, 4)));
  const y = col(OFFICES.map((r) => r[4]!));
  const m = call('LINEST', y, x, true, true) as Matrix;
  t.deepEqual([m.rows, m.cols], [5, 5]);
  // Values as printed on Excel's LINEST page (10 significant digits).
  const expected = [
    [-234.2371645, 2553.21066, 12529.76817, 27.64138737, 52317.83051],
    [13.26801148, 530.6691519, 400.0668382, 5.429374042, 12237.3616],
    [0.996747993, 970.5784629],
    [459.7536742, 6],
    [1732393319, 5652135.316],
  ];
  expected.forEach((row, i) => row.forEach((v, j) => near(t, m.get(i, j), v, 1e-9 + 5e-10 * 10)));
  // Cells the statistics do not fill are #N/A.
  for (let i = 2; i < 5; i++) for (let j = 2; j < 5; j++) t.is(m.get(i, j), ERR.NA);
});

test('LINEST const = FALSE: the line through the origin, seb #N/A, uncentred R²', (t) => {
  const xs = [1, 2, 3, 4, 5];
  const ys = [2.1, 3.9, 6.2, 7.8, 10.1];
  const m = call('LINEST', col(ys), col(xs), false, true) as Matrix;
  // Least squares through the origin: m = Σxy / Σx², b = 0.
  const sxy = xs.reduce((s, x, i) => s + x * ys[i]!, 0);
  const sxx = xs.reduce((s, x) => s + x * x, 0);
  const slope = sxy / sxx;
  near(t, m.get(0, 0), slope);
  t.is(m.get(0, 1), 0);
  t.is(m.get(1, 1), ERR.NA);
  const ssResid = xs.reduce((s, x, i) => s + (ys[i]! - slope * x) ** 2, 0);
  const ssTot = ys.reduce((s, y) => s + y * y, 0);
  near(t, m.get(2, 0), 1 - ssResid / ssTot); // R² against Σy², not Σ(y - ȳ)²
  t.is(m.get(3, 1), 4); // df = n - k
  near(t, m.get(1, 0), Math.sqrt(ssResid / 4 / sxx)); // se(m) = sqrt(s² / Σx²)
  near(t, m.get(4, 1), ssResid);
  // TREND and GROWTH with const = FALSE use the same line.
  near(t, (call('TREND', col(ys), col(xs), col([10]), false) as Matrix).get(0, 0), 10 * slope);
});

test('LINEST drops a collinear x column: coefficient 0, standard error 0, one degree of freedom less', (t) => {
  const x1 = [1, 2, 3, 4, 5, 6];
  const ys = [3.1, 4.9, 7.2, 8.8, 11.1, 13.2];
  const simple = call('LINEST', col(ys), col(x1), true, true) as Matrix;
  // x2 = 2·x1 adds nothing: one of the two columns is dropped.
  const both = call('LINEST', col(ys), range(x1.map((v) => [v, 2 * v])), true, true) as Matrix;
  const m2 = both.get(0, 0) as number;
  const m1 = both.get(0, 1) as number;
  t.true(m1 === 0 || m2 === 0, `${m1}, ${m2}`);
  const dropped = m1 === 0 ? 1 : 0;
  t.is(both.get(1, dropped), 0);
  near(t, m1 + 2 * m2, simple.get(0, 0) as number); // the same fitted line
  near(t, both.get(0, 2), simple.get(0, 1) as number);
  near(t, both.get(2, 0), simple.get(2, 0) as number); // R²
  t.is(both.get(3, 1), simple.get(3, 1)); // df = n - 1 kept predictor - 1 constant
  near(t, both.get(4, 1), simple.get(4, 1) as number);
  // A constant x column is collinear with the constant term: dropped too.
  const withConstant = call('LINEST', col(ys), range(x1.map((v) => [v, 7])), true, true) as Matrix;
  t.is(withConstant.get(0, 0), 0);
  t.is(withConstant.get(1, 0), 0);
  near(t, withConstant.get(0, 1), simple.get(0, 0) as number);
  t.is(withConstant.get(3, 1), 4);
});

test('LOGEST and GROWTH: Excel\'s documentation example (units sold by month)', (t) => {
  const y = col([33100, 47300, 69000, 102000, 150000, 220000]);
  const x = col([11, 12, 13, 14, 15, 16]);
  const l = call('LOGEST', y, x, true, true) as Matrix;
  near(t, l.get(0, 0), 1.463275628, 1e-9);
  near(t, l.get(0, 1), 495.3047702, 1e-9);
  t.deepEqual([l.rows, l.cols], [5, 2]);
  // Statistics of LOGEST are those of LINEST on ln(y).
  const ln = call('LINEST', col([33100, 47300, 69000, 102000, 150000, 220000].map(Math.log)), x, true, true) as Matrix;
  for (let i = 1; i < 5; i++) for (let j = 0; j < 2; j++) near(t, l.get(i, j), ln.get(i, j) as number);
  const g = call('GROWTH', y, x) as Matrix;
  [32618.20377, 47729.42261, 69841.30086, 102197.0734, 149542.4867, 218821.8762].forEach((v, i) => near(t, g.get(i, 0), v, 1e-9));
  near(t, (call('GROWTH', y, x, col([17, 18])) as Matrix).get(0, 0), 320196.7184, 1e-9);
  // LOGEST with const = FALSE: b is 1 (e^0).
  t.is((call('LOGEST', y, x, false) as Matrix).get(0, 1), 1);
});

test('TREND with several x columns predicts at new points read in the same orientation', (t) => {
  const x = range(OFFICES.map((r) => r.slice(0, 4)));
  const y = col(OFFICES.map((r) => r[4]!));
  const coef = call('LINEST', y, x) as Matrix;
  const nx = range([[2500, 3, 2, 25]]);
  const predicted = (call('TREND', y, x, nx) as Matrix).get(0, 0) as number;
  // Excel's example: m1·2500 + m2·3 + m3·2 + m4·25 + b ≈ 158,261.
  const [m4, m3, m2, m1, b] = coef.data as number[];
  near(t, predicted, m1! * 2500 + m2! * 3 + m3! * 2 + m4! * 25 + b!);
  t.true(Math.abs(predicted - 158261) < 1);
  t.is(call('TREND', y, x, range([[1, 2, 3]])), ERR.REF);
});
