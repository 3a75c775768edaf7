/**
 * Special functions for the statistical family: log-gamma, regularized incomplete
 * gamma and beta, erf/erfc, the normal, Student t, chi-squared, F and beta
 * distributions and their inverses. Everything aims at (near) full double precision,
 * since Excel's stored results are compared at a relative 1e-9.
 *
 * Functions here return NaN for undefined results; callers map NaN/±Infinity to #NUM!.
 */

const LN_SQRT_2PI = 0.9189385332046727418; // ln(sqrt(2π))
const SQRT_2PI = 2.5066282746310002;
const EPS = 1e-16;
const FPMIN = 1e-300;
const MAX_ITER = 100000;

// ---------------------------------------------------------------- gamma

/** Lanczos coefficients (g = 607/128, n = 15; Godfrey), relative error about 1e-15. */
const LANCZOS_G = 607 / 128;
const LANCZOS = [
  0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
  -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4, -0.98374475304879564677e-4,
  0.15808870322491248884e-3, -0.21026444172410488319e-3, 0.2174396181152126432e-3, -0.16431810653676389022e-3,
  0.84418223983852743293e-4, -0.2619083840158140867e-4, 0.36899182659531622704e-5,
];

/** ln Γ(x) for x > 0. */
export function lgamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === 1 || x === 2) return 0;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  // Near 1 and 2 the Lanczos form loses relative accuracy; use the recurrence + series.
  if (Math.abs(x - 1) < 0.2) return lgamma1p(x - 1);
  if (Math.abs(x - 2) < 0.2) return Math.log(x - 1) + lgamma1p(x - 2);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < 15; i++) a += LANCZOS[i]! / (z + i);
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Riemann zeta values ζ(k) for k = 2..40, for the series of ln Γ(1+x). */
const ZETA: number[] = (() => {
  const out: number[] = [];
  for (let k = 2; k <= 40; k++) {
    // Direct summation with an Euler–Maclaurin tail: plenty for k ≥ 2.
    const N = 30;
    let s = Math.pow(N, 1 - k) / (k - 1) + 0.5 * Math.pow(N, -k) + (k / 12) * Math.pow(N, -k - 1);
    s -= ((k * (k + 1) * (k + 2)) / 720) * Math.pow(N, -k - 3);
    s += ((k * (k + 1) * (k + 2) * (k + 3) * (k + 4)) / 30240) * Math.pow(N, -k - 5);
    s -= ((k * (k + 1) * (k + 2) * (k + 3) * (k + 4) * (k + 5) * (k + 6)) / 1209600) * Math.pow(N, -k - 7);
    for (let n = N - 1; n >= 1; n--) s += Math.pow(n, -k);
    out[k] = s;
  }
  return out;
})();
const EULER = 0.57721566490153286061;

/** ln Γ(1+x) for |x| ≤ 0.2: −γx + Σ (−1)^k ζ(k) x^k / k. */
function lgamma1p(x: number): number {
  let s = -EULER * x;
  let p = -x;
  for (let k = 2; k <= 40; k++) {
    p *= -x;
    const term = (ZETA[k]! * p) / k;
    s += term;
    if (Math.abs(term) < 1e-17 * Math.abs(s)) break;
  }
  return s;
}

/** Γ(x) for real x (NaN at poles). */
export function gamma(x: number): number {
  if (x === Math.floor(x)) {
    if (x <= 0) return NaN;
    if (x <= 171) {
      let f = 1;
      for (let i = 2; i < x; i++) f *= i;
      return f;
    }
    return Infinity;
  }
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  if (x > 171.62) return Infinity;
  return Math.exp(lgamma(x));
}

/** stirlerr(n) = ln Γ(n+1) − (n+½)ln n + n − ln√(2π) (Loader). */
function stirlerr(n: number): number {
  if (n <= 15) return lgamma(n + 1) - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
  const nn = n * n;
  const S0 = 1 / 12, S1 = 1 / 360, S2 = 1 / 1260, S3 = 1 / 1680, S4 = 1 / 1188;
  if (n > 500) return (S0 - S1 / nn) / n;
  if (n > 80) return (S0 - (S1 - S2 / nn) / nn) / n;
  if (n > 35) return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
  return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

/** bd0(x, np) = x ln(x/np) + np − x, computed without cancellation (Loader). */
function bd0(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    const v = (x - np) / (x + np);
    let s = (x - np) * v;
    let ej = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / np) + np - x;
}

/** Poisson density λ^x e^−λ / Γ(x+1), also for non-integer x (saddle point form). */
export function dpois(x: number, lambda: number): number {
  if (lambda === 0) return x === 0 ? 1 : 0;
  if (x < 0) return 0;
  if (x === 0) return Math.exp(-lambda);
  return Math.exp(-stirlerr(x) - bd0(x, lambda)) / Math.sqrt(2 * Math.PI * x);
}

/** Binomial density C(n,x) p^x q^(n−x) (Loader's algorithm; q = 1 − p given exactly). */
export function dbinom(x: number, n: number, p: number, q: number = 1 - p): number {
  if (p === 0) return x === 0 ? 1 : 0;
  if (q === 0) return x === n ? 1 : 0;
  if (x === 0) {
    if (n === 0) return 1;
    return Math.exp(p < 0.1 ? -bd0(n, n * q) - n * p : n * Math.log(q));
  }
  if (x === n) return Math.exp(q < 0.1 ? -bd0(n, n * p) - n * q : n * Math.log(p));
  if (x < 0 || x > n) return 0;
  const lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  const lf = Math.log(2 * Math.PI) + Math.log(x) + Math.log1p(-x / n);
  return Math.exp(lc - 0.5 * lf);
}

// ---------------------------------------------------------------- incomplete gamma

/** x^a e^−x / Γ(a), accurate for large a. */
function gammaPrefactor(a: number, x: number): number {
  if (x === 0) return 0;
  if (a < 1) return Math.exp(a * Math.log(x) - x - lgamma(a));
  return a * dpois(a, x);
}

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  if (x < a + 1) return gammaSeries(a, x);
  return 1 - gammaCF(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return 1 - gammaSeries(a, x);
  return gammaCF(a, x);
}

function gammaSeries(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 0; n < MAX_ITER; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * gammaPrefactor(a, x);
}

function gammaCF(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return gammaPrefactor(a, x) * h;
}

/** Gamma density with shape a and scale 1. */
export function gammaPdf(x: number, a: number): number {
  if (x < 0) return 0;
  if (x === 0) return a < 1 ? Infinity : a === 1 ? 1 : 0;
  if (a < 1) return Math.exp((a - 1) * Math.log(x) - x - lgamma(a));
  return dpois(a - 1, x);
}

// ---------------------------------------------------------------- incomplete beta

export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** Continued fraction of the incomplete beta (Numerical Recipes' betacf, modified Lentz). */
function betaCF(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** x^a y^b / B(a, b), with y = 1 − x supplied exactly by the caller. */
function betaPrefactor(x: number, y: number, a: number, b: number): number {
  return Math.exp(a * Math.log(x) + b * Math.log(y) - lbeta(a, b));
}

/**
 * Regularized incomplete beta I_x(a, b), lower (default) or upper tail. `y` is 1 − x
 * when the caller knows it more precisely than 1 − x in floating point.
 */
export function ibeta(x: number, a: number, b: number, upper = false, y: number = 1 - x): number {
  if (x <= 0) return upper ? 1 : 0;
  if (y <= 0) return upper ? 0 : 1;
  const bt = betaPrefactor(x, y, a, b);
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (bt * betaCF(a, b, x)) / a;
    return upper ? 1 - lower : lower;
  }
  const up = (bt * betaCF(b, a, y)) / b;
  return upper ? up : 1 - up;
}

/** Beta density on [0, 1]. */
export function betaPdf(x: number, a: number, b: number): number {
  if (x < 0 || x > 1) return 0;
  if (x === 0) return a < 1 ? Infinity : a === 1 ? b : 0;
  if (x === 1) return b < 1 ? Infinity : b === 1 ? a : 0;
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lbeta(a, b));
}

// ---------------------------------------------------------------- error function

/** erf(x) with full double precision. */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x === 0) return 0;
  if (x < 1.5) return erfSeries(x);
  return 1 - erfcCF(x);
}

/** erfc(x) with full relative precision in the tail. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) return 1 - erfSeries(x);
  return erfcCF(x);
}

/** erf(x) = 2x/√π e^−x² Σ (2x²)^n / (1·3·…·(2n+1)): positive terms, no cancellation. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * EPS) break;
  }
  return ((2 * x) / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

/** erfc for x ≥ 1.5: Q(½, x²) by continued fraction. */
function erfcCF(x: number): number {
  if (x > 27.3) return 0;
  const x2 = x * x;
  // Lentz on Q(a, z) with a = ½, z = x²; prefactor z^a e^−z / Γ(a) = x e^−x² / √π.
  let b = x2 + 0.5;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - 0.5);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return (x * expMinusSquare(x) * h) / Math.sqrt(Math.PI);
}

/** e^(−x²) with the rounding of x² compensated (matters far in the tail). */
function expMinusSquare(x: number): number {
  const hi = Math.round(x * 1024) / 1024;
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-(2 * hi * lo + lo * lo));
}

// ---------------------------------------------------------------- normal

export function normPdf(z: number): number {
  return expMinusSquare(Math.abs(z) / Math.SQRT2) / SQRT_2PI;
}

/** Standard normal CDF Φ(z). */
export function normCdf(z: number): number {
  if (z < -38.5) return 0;
  // Φ(z) = ½ erfc(−z/√2); for moderate z compute from the short tail for precision.
  if (z < 0) return 0.5 * erfc(-z / Math.SQRT2);
  return 1 - 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal quantile: Acklam's approximation refined by Halley steps. */
export function normInv(p: number): number {
  if (!(p > 0 && p < 1)) return NaN;
  if (p > 0.5) return -normInv(1 - p); // 1 − p is exact for p ≥ ½
  if (p === 0.5) return 0;
  let x = acklam(p);
  const q = p - 0.5; // exact
  for (let i = 0; i < 3; i++) {
    // Near the centre Φ(x) − p = ½erf(x/√2) − (p − ½) keeps full relative precision.
    const e = x > -1 ? 0.5 * erf(x / Math.SQRT2) - q : 0.5 * erfc(-x / Math.SQRT2) - p;
    const u = (e * SQRT_2PI) / expMinusSquare(x / Math.SQRT2);
    const nx = x - u / (1 + (x * u) / 2);
    if (nx === x || !Number.isFinite(nx)) break;
    x = nx;
  }
  return x;
}

function acklam(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

// ---------------------------------------------------------------- Student t

/** P(T ≤ t) for ν degrees of freedom (ν may be non-integer). */
export function tCdf(t: number, nu: number): number {
  const tail = tTail(Math.abs(t), nu);
  return t < 0 ? tail : 1 - tail;
}

/** P(T > t) for t ≥ 0. */
export function tTail(t: number, nu: number): number {
  if (t === 0) return 0.5;
  if (t === Infinity) return 0;
  const t2 = t * t;
  // x = ν/(ν+t²), 1 − x = t²/(ν+t²): both computed directly.
  const x = nu / (nu + t2);
  const y = t2 / (nu + t2);
  if (x < y) return 0.5 * ibeta(x, nu / 2, 0.5, false, y);
  return 0.5 * ibeta(y, 0.5, nu / 2, true, x);
}

export function tPdf(t: number, nu: number): number {
  return Math.exp(-lbeta(0.5, nu / 2) - ((nu + 1) / 2) * Math.log1p((t * t) / nu)) / Math.sqrt(nu);
}

/** t with P(T ≤ t) = p. */
export function tInv(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) return NaN;
  if (p === 0.5) return 0;
  if (p > 0.5) return -tInvLower(1 - p, nu);
  return tInvLower(p, nu);
}

/** Lower-tail quantile for p < ½ (negative result), solved on the tail for precision. */
function tInvLower(p: number, nu: number): number {
  // Solve tTail(s) = p for s > 0 (s = −t).
  let s0 = -normInv(p);
  if (nu < 5) {
    // Heavy tails: start from the beta inversion's closed forms where known.
    if (nu === 1) s0 = Math.tan(Math.PI * (0.5 - p));
    else if (nu === 2) s0 = Math.sqrt(2 / (4 * p * (1 - p)) - 2) * 1;
    else s0 = Math.max(s0, Math.pow(p * nu * Math.sqrt(nu) * Math.exp(lbeta(0.5, nu / 2)), -1 / nu));
  }
  const s = solveIncreasing((v) => p - tTail(v, nu), (v) => tPdf(v, nu), s0, 0, Infinity);
  return -s;
}

// ---------------------------------------------------------------- inverses

/**
 * Solves g(x) = 0 for an increasing g on (lo, hi) by Newton steps with a bracket and
 * bisection fallback. `dg` is g's derivative (a density).
 */
export function solveIncreasing(
  g: (x: number) => number,
  dg: (x: number) => number,
  x0: number,
  lo: number,
  hi: number,
): number {
  let x = x0;
  if (!(x > lo && x < hi) || !Number.isFinite(x)) x = Number.isFinite(lo) && Number.isFinite(hi) ? (lo + hi) / 2 : Number.isFinite(lo) ? lo + 1 : hi - 1;
  for (let i = 0; i < 400; i++) {
    const gx = g(x);
    if (gx === 0) return x;
    if (gx < 0) lo = x;
    else hi = x;
    const d = dg(x);
    let nx = x - gx / d;
    if (!(nx > lo && nx < hi) || !Number.isFinite(nx)) {
      if (hi === Infinity) nx = lo > 0 ? lo * 4 : lo < -1 ? lo / 4 : lo + 1;
      else if (lo === -Infinity) nx = hi < 0 ? hi * 4 : hi > 1 ? hi / 4 : hi - 1;
      else if (lo > 0 && hi / lo > 8) nx = Math.sqrt(lo * hi);
      else nx = lo + (hi - lo) / 2;
    }
    if (Math.abs(nx - x) <= 4e-16 * Math.abs(x) || nx === lo || nx === hi) return nx;
    x = nx;
  }
  // Not converged in 400 steps (a bracket still open towards infinity): only a point where
  // g vanishes to rounding, or inside a bracket as narrow as the doubles allow, is a root;
  // anything else is NaN (#NUM! to the caller), never an approximate quantile.
  const gx = g(x);
  if (gx === 0 || (Number.isFinite(lo) && Number.isFinite(hi) && hi - lo <= 1e-12 * Math.max(1, Math.abs(x)))) return x;
  return Math.abs(gx) <= 1e-14 ? x : NaN;
}

/**
 * x with P(a, x) = p (upper: Q(a, x) = p), for shape a and scale 1. A lower-tail p above
 * one half is solved on the upper tail with 1 − p, as betaInv does (near p = 1 only the
 * upper tail resolves x).
 */
export function gammaInv(p: number, a: number, upper = false): number {
  if (!upper && p > 0.5 && p < 1) return gammaInv(1 - p, a, true);
  const pl = upper ? 1 - p : p;
  if (pl <= 0) return 0;
  if (pl >= 1) return Infinity;
  // Wilson–Hilferty start, or the small-x series start for small lower tails.
  const z = normInv(pl);
  let x0 = a * Math.pow(1 - 1 / (9 * a) + z / (3 * Math.sqrt(a)), 3);
  const small = Math.exp((Math.log(pl) + lgamma(a + 1)) / a);
  if (!(x0 > 0) || (a < 1 && small < 1)) x0 = small;
  if (upper && p < 0.5) return solveIncreasing((x) => p - gammaQ(a, x), (x) => gammaPdf(x, a), x0, 0, Infinity);
  return solveIncreasing((x) => gammaP(a, x) - pl, (x) => gammaPdf(x, a), x0, 0, Infinity);
}

/**
 * x with I_x(a, b) = p (upper: 1 − I_x(a, b) = p). A lower-tail p above one half is solved
 * on the upper tail with 1 − p (exact in doubles there): near p = 1 the lower tail cannot
 * tell x apart (I_x rounds to 1 over a wide interval), the upper tail can, and Excel's
 * BETA.INV answers to the precision that needs (BETA.INV(1 − 3.8e-15, 2, 2.5) is the
 * exact quantile of 1 − p to every digit).
 */
export function betaInv(p: number, a: number, b: number, upper = false): number {
  if (!upper && p > 0.5 && p < 1) return betaInv(1 - p, a, b, true);
  const pl = upper ? 1 - p : p;
  if (pl <= 0) return 0;
  if (pl >= 1) return 1;
  const x0 = betaStart(pl, a, b);
  if (upper && p < 0.5) return solveIncreasing((x) => p - ibeta(x, a, b, true), (x) => betaPdf(x, a, b), x0, 0, 1);
  return solveIncreasing((x) => ibeta(x, a, b) - pl, (x) => betaPdf(x, a, b), x0, 0, 1);
}

/** Initial guess for the inverse incomplete beta (Numerical Recipes' invbetai). */
function betaStart(p: number, a: number, b: number): number {
  if (a >= 1 && b >= 1) {
    const pp = p < 0.5 ? p : 1 - p;
    const t = Math.sqrt(-2 * Math.log(pp));
    let x = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (p < 0.5) x = -x;
    const al = (x * x - 3) / 6;
    const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const w = (x * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
    return a / (a + b * Math.exp(2 * w));
  }
  const lna = Math.log(a / (a + b));
  const lnb = Math.log(b / (a + b));
  const t = Math.exp(a * lna) / a;
  const u = Math.exp(b * lnb) / b;
  const w = t + u;
  if (p < t / w) return Math.pow(a * w * p, 1 / a);
  return 1 - Math.pow(b * w * (1 - p), 1 / b);
}
