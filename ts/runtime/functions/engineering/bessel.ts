/**
 * Bessel functions of integer order as Excel computes them: Excel's results match the
 * classic rational/polynomial approximations of J0, J1, Y0, Y1 (Hart, 1968) and I0, I1,
 * K0, K1 (Abramowitz & Stegun 9.8.1–9.8.8), with upward recurrence for Y, K and for J
 * when x > n, and Miller's backward recurrence (accuracy parameter 40) for J when x <= n
 * and for I. The corpus stores e.g. BESSELJ(0,0) = 1.00000000283141, the value of that
 * J0 approximation at 0, so these approximations (not exact values) are what Excel shows.
 */

/** Horner evaluation of c[0] + c[1]·y + c[2]·y² + ... */
function poly(c: readonly number[], y: number): number {
  let s = 0;
  for (let i = c.length - 1; i >= 0; i--) s = s * y + c[i]!;
  return s;
}

// Asymptotic-form coefficients (x >= 8) for J0/Y0 and J1/Y1. Excel's J and Y tables
// are separate copies of the book's with different typos, reproduced here because the
// corpus's stored results need them (BESSEL.xlsx BESSELJ!B14:C15, BESSELY!B14:C15):
// - J0's P has -0.1098628267e-2 (the book, and Y0, have -0.1098628627e-2);
// - Y0's Q ends with -0.934945152e-7 (the book, and J0, have -0.934935152e-7);
// - J1's P repeats its third coefficient, shifting the rest one power up, which makes
//   Excel's BESSELJ(10,1) 0.0434722497 where the exact value is 0.0434727462.
const P0_J = [1, -0.1098628267e-2, 0.2734510407e-4, -0.2073370639e-5, 0.2093887211e-6];
const P0_Y = [1, -0.1098628627e-2, 0.2734510407e-4, -0.2073370639e-5, 0.2093887211e-6];
const Q0_J = [-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934935152e-7];
const Q0_Y = [-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934945152e-7];
const P1_J = [1, 0.183105e-2, -0.3516396496e-4, -0.3516396496e-4, 0.2457520174e-5, -0.240337019e-6];
const P1_Y = [1, 0.183105e-2, -0.3516396496e-4, 0.2457520174e-5, -0.240337019e-6];
const Q1 = [0.04687499995, -0.2002690873e-3, 0.8449199096e-5, -0.88228987e-6, 0.105787412e-6];

function j0(x: number): number {
  const ax = Math.abs(x);
  if (ax < 8) {
    const y = x * x;
    return (
      poly([57568490574.0, -13362590354.0, 651619640.7, -11214424.18, 77392.33017, -184.9052456], y) /
      poly([57568490411.0, 1029532985.0, 9494680.718, 59272.64853, 267.8532712, 1.0], y)
    );
  }
  const z = 8 / ax;
  const y = z * z;
  const xx = ax - 0.785398164;
  return Math.sqrt(0.636619772 / ax) * (Math.cos(xx) * poly(P0_J, y) - z * Math.sin(xx) * poly(Q0_J, y));
}

function j1(x: number): number {
  const ax = Math.abs(x);
  if (ax < 8) {
    const y = x * x;
    return (
      (x * poly([72362614232.0, -7895059235.0, 242396853.1, -2972611.439, 15704.4826, -30.16036606], y)) /
      poly([144725228442.0, 2300535178.0, 18583304.74, 99447.43394, 376.9991397, 1.0], y)
    );
  }
  const z = 8 / ax;
  const y = z * z;
  const xx = ax - 2.356194491;
  const r = Math.sqrt(0.636619772 / ax) * (Math.cos(xx) * poly(P1_J, y) - z * (Math.sin(xx) * poly(Q1, y)));
  return x < 0 ? -r : r;
}

function y0(x: number): number {
  if (x < 8) {
    const y = x * x;
    return (
      poly([-2957821389.0, 7062834065.0, -512359803.6, 10879881.29, -86327.92757, 228.4622733], y) /
        poly([40076544269.0, 745249964.8, 7189466.438, 47447.2647, 226.1030244, 1.0], y) +
      0.636619772 * (j0(x) * Math.log(x))
    );
  }
  const z = 8 / x;
  const y = z * z;
  const xx = x - 0.785398164;
  return Math.sqrt(0.636619772 / x) * (Math.sin(xx) * poly(P0_Y, y) + z * (Math.cos(xx) * poly(Q0_Y, y)));
}

function y1(x: number): number {
  if (x < 8) {
    const y = x * x;
    return (
      (x * poly([-0.4900604943e13, 0.127527439e13, -0.5153438139e11, 0.7349264551e9, -0.4237922726e7, 0.8511937935e4], y)) /
        poly([0.249958057e14, 0.4244419664e12, 0.3733650367e10, 0.2245904002e8, 0.102042605e6, 0.3549632885e3, 1], y) +
      0.636619772 * (j1(x) * Math.log(x) - 1 / x)
    );
  }
  const z = 8 / x;
  const y = z * z;
  const xx = x - 2.356194491;
  return Math.sqrt(0.636619772 / x) * (Math.sin(xx) * poly(P1_Y, y) + z * (Math.cos(xx) * poly(Q1, y)));
}

function i0(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3.75) {
    const y = (x / 3.75) ** 2;
    return poly([1, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2], y);
  }
  const y = 3.75 / ax;
  return (
    (Math.exp(ax) / Math.sqrt(ax)) *
    poly([0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2], y)
  );
}

function i1(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3.75) {
    const y = (x / 3.75) ** 2;
    r = ax * poly([0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3], y);
  } else {
    const y = 3.75 / ax;
    r =
      (Math.exp(ax) / Math.sqrt(ax)) *
      poly([0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1, 0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2], y);
  }
  return x < 0 ? -r : r;
}

function k0(x: number): number {
  if (x <= 2) {
    const y = (x * x) / 4;
    return -Math.log(x / 2) * i0(x) + poly([-0.57721566, 0.4227842, 0.23069756, 0.348859e-1, 0.262698e-2, 0.1075e-3, 0.74e-5], y);
  }
  const y = 2 / x;
  return (Math.exp(-x) / Math.sqrt(x)) * poly([1.25331414, -0.7832358e-1, 0.2189568e-1, -0.1062446e-1, 0.587872e-2, -0.25154e-2, 0.53208e-3], y);
}

function k1(x: number): number {
  if (x <= 2) {
    const y = (x * x) / 4;
    return (
      Math.log(x / 2) * i1(x) +
      (1 / x) * poly([1, 0.15443144, -0.67278579, -0.18156897, -0.1919402e-1, -0.110404e-2, -0.4686e-4], y)
    );
  }
  const y = 2 / x;
  return (Math.exp(-x) / Math.sqrt(x)) * poly([1.25331414, 0.23498619, -0.365562e-1, 0.1504268e-1, -0.780353e-2, 0.325614e-2, -0.68245e-3], y);
}

const ACC = 40;
const BIG = 1e10;
const SMALL = 1e-10;

/**
 * True when |J_n(x)| and I_n(x) are below the smallest double for an order n far above |x|:
 * both are at most (|x|/2)^n / n! · e^(x²/4) ≤ e^(n·(ln(e|x|/2n) + 1/4)) when n > x² (by
 * n! ≥ (n/e)^n), so the recurrences (one step per order) need not run to find 0.
 */
function underflows(ax: number, n: number): boolean {
  return n > 1000 && n > ax * ax && n * (Math.log((Math.E * ax) / (2 * n)) + 0.25) < -800;
}

export function besselJ(x: number, n: number): number {
  if (n === 0) return j0(x);
  if (n === 1) return j1(x);
  const ax = Math.abs(x);
  if (ax === 0 || underflows(ax, n)) return 0;
  const tox = 2 / ax;
  let ans: number;
  if (ax > n) {
    // Upward recurrence is stable here.
    let bjm = j0(ax);
    let bj = j1(ax);
    for (let j = 1; j < n; j++) {
      const bjp = j * tox * bj - bjm;
      bjm = bj;
      bj = bjp;
    }
    ans = bj;
  } else {
    // Miller's backward recurrence from an even start, normalised by J0 + 2ΣJ_2k = 1.
    // A start well above n keeps the recurrence accurate for small n too (Excel's
    // BESSELJ(1.9,2) is 0.329925728, the exact value).
    const m = 2 * Math.trunc((n + 20 + Math.trunc(Math.sqrt(ACC * (n + 20)))) / 2);
    let jsum = false;
    let bjp = 0;
    let sum = 0;
    let bj = 1;
    ans = 0;
    for (let j = m; j > 0; j--) {
      const bjm = j * tox * bj - bjp;
      bjp = bj;
      bj = bjm;
      if (Math.abs(bj) > BIG) {
        bj *= SMALL;
        bjp *= SMALL;
        ans *= SMALL;
        sum *= SMALL;
      }
      if (jsum) sum += bj;
      jsum = !jsum;
      if (j === n) ans = bjp;
    }
    sum = 2 * sum - bj;
    ans /= sum;
  }
  return x < 0 && n % 2 === 1 ? -ans : ans;
}

export function besselI(x: number, n: number): number {
  if (n === 0) return i0(x);
  if (n === 1) return i1(x);
  if (x === 0 || underflows(Math.abs(x), n)) return 0;
  const ax = Math.abs(x);
  const tox = 2 / ax;
  let bip = 0;
  let bi = 1;
  let ans = 0;
  for (let j = 2 * (n + Math.trunc(Math.sqrt(ACC * n))); j > 0; j--) {
    const bim = bip + j * tox * bi;
    bip = bi;
    bi = bim;
    if (Math.abs(bi) > BIG) {
      ans *= SMALL;
      bi *= SMALL;
      bip *= SMALL;
    }
    if (j === n) ans = bip;
  }
  ans *= i0(x) / bi;
  return x < 0 && n % 2 === 1 ? -ans : ans;
}

export function besselK(x: number, n: number): number {
  if (n === 0) return k0(x);
  const tox = 2 / x;
  let bkm = k0(x);
  let bk = k1(x);
  for (let j = 1; j < n; j++) {
    const bkp = bkm + j * tox * bk;
    bkm = bk;
    bk = bkp;
    // K grows without bound in n: once it overflows it stays infinite (the caller's #NUM!),
    // so a huge order does not run billions of further steps.
    if (!Number.isFinite(bk)) return bk;
  }
  return bk;
}

export function besselY(x: number, n: number): number {
  if (n === 0) return y0(x);
  const tox = 2 / x;
  let bym = y0(x);
  let by = y1(x);
  for (let j = 1; j < n; j++) {
    const byp = j * tox * by - bym;
    bym = by;
    by = byp;
    if (!Number.isFinite(by)) return by; // as for K: overflowed, #NUM! for the caller
  }
  return by;
}
