/**
 * Functions: the statistical family (registered at import).
 *
 * Aggregates read their arguments with Excel's rules (`collectNumbers`: numbers
 * anywhere, booleans and numeric text only when typed directly; the *A variants count
 * text in references as 0 and booleans as 1/0). Distribution functions rely on the
 * special functions of `stats-special.ts`.
 */
import { collectNumbers, collectNumbersA } from '../../aggregate.js';
import { scalar, toNumber } from '../../coerce.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from '../../values.js';
import {
  betaInv, betaPdf, dbinom, dpois, erf, erfc, gamma, gammaInv, gammaP, gammaPdf, gammaQ, ibeta, lgamma,
  normCdf, normInv, normPdf, tCdf, tInv, tPdf, tTail,
} from './special.js';

type Num = number | ExcelError;

/** A finite number, or #NUM! for NaN/±Infinity. */
function fin(x: number): Num {
  return Number.isFinite(x) ? x : ERR.NUM;
}

// ------------------------------------------------------------------ data helpers

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function mean(xs: readonly number[]): number {
  return sum(xs) / xs.length;
}

/** Sum of squared deviations from the mean (two-pass for accuracy). */
function devsq(xs: readonly number[]): number {
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s;
}

/** Numbers of one range-like argument (as an aggregate reads them). */
function numbersOf(v: Value): number[] | ExcelError {
  return collectNumbers([v]);
}

/** A flattened view of one array argument (row-major), for paired-data functions. */
interface Flat {
  size: number;
  data: Scalar[];
}

function flat(v: Value, ctx: Ctx): Flat | ExcelError {
  if (v instanceof Ref) {
    // Only the used part is materialised; cells past it are blank.
    const lr = Math.min(v.r1, v.lastUsedRow);
    const data: Scalar[] = [];
    const lc = v.lastUsedCol;
    for (let r = v.r0; r <= lr; r++) for (let c = v.c0; c <= v.c1; c++) data.push(c <= lc ? v.sheet.get(r, c) : null);
    return { size: v.rows * v.cols, data };
  }
  if (v instanceof RefList) return v.areas.length === 1 ? flat(v.areas[0]!, ctx) : ERR.VALUE;
  if (v instanceof Matrix) return { size: v.rows * v.cols, data: v.data };
  const s = scalar(v, ctx);
  // An error given as the array itself (a #REF! reference) is the answer, before any
  // size check (CORREL(A1:A3, #REF!) is #REF!, not #N/A).
  if (s instanceof ExcelError) return s;
  return { size: 1, data: [s] };
}

/**
 * The numeric pairs of two equally sized arrays: pairs where either side is not a
 * number are skipped; an error on either side is returned; different sizes give #N/A.
 */
function pairs(a: Value, b: Value, ctx: Ctx): [number[], number[]] | ExcelError {
  const fa = flat(a, ctx);
  if (fa instanceof ExcelError) return fa;
  const fb = flat(b, ctx);
  if (fb instanceof ExcelError) return fb;
  if (fa.size !== fb.size) return ERR.NA;
  const xs: number[] = [];
  const ys: number[] = [];
  const n = Math.max(fa.data.length, fb.data.length);
  for (let i = 0; i < n; i++) {
    const x = fa.data[i] ?? null;
    const y = fb.data[i] ?? null;
    if (x instanceof ExcelError) return x;
    if (y instanceof ExcelError) return y;
    if (typeof x === 'number' && typeof y === 'number') {
      xs.push(x);
      ys.push(y);
    }
  }
  return [xs, ys];
}

/** Σ(x−x̄)(y−ȳ). */
function codev(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - mx) * (ys[i]! - my);
  return s;
}

function sorted(xs: readonly number[]): number[] {
  return Float64Array.from(xs).sort() as unknown as number[];
}

// ------------------------------------------------------------------ averages & spread

defineFn('AVERAGEA', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbersA(args);
  if (xs instanceof ExcelError) return xs;
  return xs.length ? mean(xs) : ERR.DIV0;
});

function extremeA(args: Value[], max: boolean): Num {
  const xs = collectNumbersA(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return 0;
  let m = xs[0]!;
  for (const x of xs) if (max ? x > m : x < m) m = x;
  return m;
}
defineFn('MAXA', ['any'], 1, 255, (_c, ...args: Value[]) => extremeA(args, true));
defineFn('MINA', ['any'], 1, 255, (_c, ...args: Value[]) => extremeA(args, false));

/** Variance-style aggregates: sample (n−1) or population (n), plain or *A reading. */
function variance(args: Value[], sample: boolean, a: boolean): Num {
  const xs = a ? collectNumbersA(args) : collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  const n = xs.length;
  if (n === 0 || (sample && n < 2)) return ERR.DIV0;
  return fin(devsq(xs) / (sample ? n - 1 : n));
}

function defVar(names: string[], sample: boolean, a: boolean, root: boolean): void {
  for (const name of names) {
    defineFn(name, ['any'], 1, 255, (_c, ...args: Value[]) => {
      const v = variance(args, sample, a);
      return typeof v === 'number' && root ? Math.sqrt(v) : v;
    });
  }
}
defVar(['VAR', 'VAR.S'], true, false, false);
defVar(['VARP', 'VAR.P'], false, false, false);
defVar(['VARA'], true, true, false);
defVar(['VARPA'], false, true, false);
defVar(['STDEV', 'STDEV.S'], true, false, true);
defVar(['STDEVP', 'STDEV.P'], false, false, true);
defVar(['STDEVA'], true, true, true);
defVar(['STDEVPA'], false, true, true);

defineFn('DEVSQ', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  return xs.length ? fin(devsq(xs)) : ERR.NUM;
});

defineFn('AVEDEV', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return ERR.NUM;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += Math.abs(x - m);
  return s / xs.length;
});

defineFn('GEOMEAN', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return ERR.NUM;
  let s = 0;
  for (const x of xs) {
    if (x <= 0) return ERR.NUM;
    s += Math.log(x);
  }
  return Math.exp(s / xs.length);
});

defineFn('HARMEAN', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return ERR.NA;
  let s = 0;
  for (const x of xs) {
    if (x <= 0) return ERR.NUM;
    s += 1 / x;
  }
  return xs.length / s;
});

defineFn('KURT', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  const n = xs.length;
  if (n < 4) return ERR.DIV0;
  const m = mean(xs);
  const sd = Math.sqrt(devsq(xs) / (n - 1));
  if (sd === 0) return ERR.DIV0;
  let s4 = 0;
  for (const x of xs) s4 += ((x - m) / sd) ** 4;
  return ((n * (n + 1)) / ((n - 1) * (n - 2) * (n - 3))) * s4 - (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
});

function skew(args: Value[], population: boolean): Num {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  const n = xs.length;
  if (n < (population ? 1 : 3)) return ERR.DIV0;
  const m = mean(xs);
  const sd = Math.sqrt(devsq(xs) / (population ? n : n - 1));
  if (sd === 0) return ERR.DIV0;
  let s3 = 0;
  for (const x of xs) s3 += ((x - m) / sd) ** 3;
  return population ? s3 / n : (n / ((n - 1) * (n - 2))) * s3;
}
defineFn('SKEW', ['any'], 1, 255, (_c, ...args: Value[]) => skew(args, false));
defineFn('SKEW.P', ['any'], 1, 255, (_c, ...args: Value[]) => skew(args, true));

defineFn('MEDIAN', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return ERR.NUM;
  const s = sorted(xs);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
});

/** The modes in order of first occurrence, and their count. */
function modes(xs: readonly number[]): number[] {
  const counts = new Map<number, number>();
  let best = 1;
  for (const x of xs) {
    const c = (counts.get(x) ?? 0) + 1;
    counts.set(x, c);
    if (c > best) best = c;
  }
  if (best < 2) return [];
  const out: number[] = [];
  for (const [x, c] of counts) if (c === best) out.push(x);
  return out;
}

function modeSngl(args: Value[]): Num {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  const m = modes(xs);
  return m.length ? m[0]! : ERR.NA;
}
defineFn('MODE', ['any'], 1, 255, (_c, ...args: Value[]) => modeSngl(args), { arrays: 'a' });
defineFn('MODE.SNGL', ['any'], 1, 255, (_c, ...args: Value[]) => modeSngl(args), { arrays: 'a' });
defineFn('MODE.MULT', ['any'], 1, 255, (_c, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  const m = modes(xs);
  return m.length ? new Matrix(m.length, 1, m) : ERR.NA;
}, { arrays: 'a' });

// ------------------------------------------------------------------ order statistics

function kth(v: Value, k: number, largest: boolean): Num {
  const xs = numbersOf(v);
  if (xs instanceof ExcelError) return xs;
  const kk = Math.ceil(k);
  if (kk < 1 || kk > xs.length) return ERR.NUM;
  const s = sorted(xs);
  return largest ? s[s.length - kk]! : s[kk - 1]!;
}
defineFn('LARGE', ['any', 'number'], 2, 2, (_c, v: Value, k: number) => kth(v, k, true));
defineFn('SMALL', ['any', 'number'], 2, 2, (_c, v: Value, k: number) => kth(v, k, false));

/** Interpolated value at zero-based fractional position h of sorted data. */
function atRank(s: readonly number[], h: number): number {
  const i = Math.floor(h);
  const f = h - i;
  if (i + 1 >= s.length) return s[s.length - 1]!;
  return s[i]! + f * (s[i + 1]! - s[i]!);
}

function percentileInc(v: Value, k: number): Num {
  const xs = numbersOf(v);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length || k < 0 || k > 1) return ERR.NUM;
  return atRank(sorted(xs), (xs.length - 1) * k);
}

function percentileExc(v: Value, k: number): Num {
  const xs = numbersOf(v);
  if (xs instanceof ExcelError) return xs;
  const n = xs.length;
  if (!n || k <= 0 || k >= 1) return ERR.NUM;
  const h = (n + 1) * k - 1;
  if (h < 0 || h > n - 1) return ERR.NUM;
  return atRank(sorted(xs), h);
}
defineFn('PERCENTILE', ['any', 'number'], 2, 2, (_c, v: Value, k: number) => percentileInc(v, k));
defineFn('PERCENTILE.INC', ['any', 'number'], 2, 2, (_c, v: Value, k: number) => percentileInc(v, k));
defineFn('PERCENTILE.EXC', ['any', 'number'], 2, 2, (_c, v: Value, k: number) => percentileExc(v, k));

function quartileInc(v: Value, q: number): Num {
  const qq = Math.trunc(q);
  if (qq < 0 || qq > 4) return ERR.NUM;
  return percentileInc(v, qq / 4);
}
defineFn('QUARTILE', ['any', 'number'], 2, 2, (_c, v: Value, q: number) => quartileInc(v, q));
defineFn('QUARTILE.INC', ['any', 'number'], 2, 2, (_c, v: Value, q: number) => quartileInc(v, q));
defineFn('QUARTILE.EXC', ['any', 'number'], 2, 2, (_c, v: Value, q: number) => {
  const qq = Math.trunc(q);
  if (qq <= 0 || qq >= 4) return ERR.NUM;
  return percentileExc(v, qq / 4);
});

/** Truncates (not rounds) to `digits` decimals, as PERCENTRANK does. */
function truncDigits(x: number, digits: number): number {
  const p = Math.pow(10, digits);
  // Guard against representation error (0.3 * 1000 = 299.99999999999994).
  return Math.floor(Number((x * p).toPrecision(15))) / p;
}

/**
 * PERCENTRANK: position of x among the data, interpolated between neighbours.
 * `exc` uses (rank+1)/(n+1), `inc` rank/(n−1).
 */
function percentRank(v: Value, x: number, sig: number | undefined, exc: boolean): Num {
  const xs = numbersOf(v);
  if (xs instanceof ExcelError) return xs;
  const digits = sig === undefined ? 3 : Math.trunc(sig);
  if (digits < 1) return ERR.NUM;
  const n = xs.length;
  if (!n) return ERR.NUM;
  const s = sorted(xs);
  if (x < s[0]! || x > s[n - 1]!) return ERR.NA;
  if (n === 1 && !exc) return 1;
  const rank = (i: number) => (exc ? (i + 1) / (n + 1) : i / (n - 1));
  // Index of the first value ≥ x.
  let i = 0;
  while (i < n && s[i]! < x) i++;
  let r: number;
  if (s[i] === x) r = rank(i);
  else {
    const lo = s[i - 1]!;
    const hi = s[i]!;
    // The lower neighbour counts at its last occurrence.
    r = rank(i - 1) + ((x - lo) / (hi - lo)) * (rank(i) - rank(i - 1));
  }
  return truncDigits(r, digits);
}
defineFn('PERCENTRANK', ['any', 'number', 'number'], 2, 3, (_c, v: Value, x: number, d?: number) => percentRank(v, x, d, false));
defineFn('PERCENTRANK.INC', ['any', 'number', 'number'], 2, 3, (_c, v: Value, x: number, d?: number) => percentRank(v, x, d, false));
defineFn('PERCENTRANK.EXC', ['any', 'number', 'number'], 2, 3, (_c, v: Value, x: number, d?: number) => percentRank(v, x, d, true));

/** RANK: the reference must be a reference; non-numbers in it are ignored. */
function rank(x: number, ref: Value, order: number | undefined, avg: boolean): Num {
  if (ref instanceof ExcelError) return ref;
  if (!(ref instanceof Ref || ref instanceof RefList)) return ERR.VALUE;
  const xs = numbersOf(ref);
  if (xs instanceof ExcelError) return xs;
  const asc = order !== undefined && order !== 0;
  let better = 0;
  let equal = 0;
  for (const y of xs) {
    if (y === x) equal++;
    else if (asc ? y < x : y > x) better++;
  }
  if (!equal) return ERR.NA;
  return avg ? better + (equal + 1) / 2 : better + 1;
}
defineFn('RANK', ['number', 'any', 'number'], 2, 3, (_c, x: number, r: Value, o?: number) => rank(x, r, o, false));
defineFn('RANK.EQ', ['number', 'any', 'number'], 2, 3, (_c, x: number, r: Value, o?: number) => rank(x, r, o, false));
defineFn('RANK.AVG', ['number', 'any', 'number'], 2, 3, (_c, x: number, r: Value, o?: number) => rank(x, r, o, true));

defineFn('TRIMMEAN', ['any', 'number'], 2, 2, (_c, v: Value, pct: number) => {
  const xs = numbersOf(v);
  if (xs instanceof ExcelError) return xs;
  if (pct < 0 || pct >= 1 || !xs.length) return ERR.NUM;
  const k = Math.floor((xs.length * pct) / 2);
  const s = sorted(xs).slice(k, xs.length - k);
  return mean(s);
});

defineFn('FREQUENCY', ['any', 'any'], 2, 2, (_c, data: Value, bins: Value) => {
  const xs = numbersOf(data);
  if (xs instanceof ExcelError) return xs;
  const bs = numbersOf(bins);
  if (bs instanceof ExcelError) return bs;
  const order = bs.map((b, i) => [b, i] as const).sort((p, q) => p[0] - q[0]);
  const counts = new Array<number>(bs.length + 1).fill(0);
  for (const x of xs) {
    let slot = bs.length;
    for (const [b, i] of order) {
      if (x <= b) {
        slot = i;
        break;
      }
    }
    counts[slot]!++;
  }
  return new Matrix(counts.length, 1, counts);
}, { arrays: 'a' });

defineFn('PROB', ['any', 'any', 'number', 'number'], 3, 4, (ctx, xr: Value, pr: Value, lo: number, hi?: number) => {
  const fx = flat(xr, ctx);
  if (fx instanceof ExcelError) return fx;
  const fp = flat(pr, ctx);
  if (fp instanceof ExcelError) return fp;
  if (fx.size !== fp.size) return ERR.NA;
  const upper = hi === undefined ? lo : hi;
  let total = 0;
  let count = 0;
  let res = 0;
  const n = Math.max(fx.data.length, fp.data.length);
  for (let i = 0; i < n; i++) {
    const x = fx.data[i] ?? null;
    const p = fp.data[i] ?? null;
    if (x instanceof ExcelError) return x;
    if (p instanceof ExcelError) return p;
    if (typeof p !== 'number' || typeof x !== 'number') continue;
    if (p < 0 || p > 1) return ERR.NUM;
    total += p;
    count++;
    if (x >= lo && x <= upper) res += p;
  }
  if (!count) return ERR.DIV0;
  if (Math.abs(total - 1) > 1e-7) return ERR.NUM;
  return res;
}, { arrays: 'aav' });

// ------------------------------------------------------------------ paired data

function withPairs(a: Value, b: Value, ctx: Ctx, f: (xs: number[], ys: number[]) => Num): Num {
  const p = pairs(a, b, ctx);
  if (p instanceof ExcelError) return p;
  return f(p[0], p[1]);
}

function correl(xs: number[], ys: number[]): Num {
  if (xs.length < 1) return ERR.DIV0;
  const sxx = devsq(xs);
  const syy = devsq(ys);
  if (sxx === 0 || syy === 0) return ERR.DIV0;
  return codev(xs, ys) / Math.sqrt(sxx * syy);
}
defineFn('CORREL', ['any', 'any'], 2, 2, (ctx, a: Value, b: Value) => withPairs(a, b, ctx, correl), { arrays: 'a' });
defineFn('PEARSON', ['any', 'any'], 2, 2, (ctx, a: Value, b: Value) => withPairs(a, b, ctx, correl), { arrays: 'a' });
defineFn('RSQ', ['any', 'any'], 2, 2, (ctx, a: Value, b: Value) =>
  withPairs(a, b, ctx, (xs, ys) => {
    const r = correl(xs, ys);
    return typeof r === 'number' ? r * r : r;
  }),
  { arrays: 'a' },
);

function covariance(xs: number[], ys: number[], sample: boolean): Num {
  const n = xs.length;
  if (n === 0 || (sample && n < 2)) return ERR.DIV0;
  return codev(xs, ys) / (sample ? n - 1 : n);
}
defineFn('COVAR', ['any', 'any'], 2, 2, (ctx, a: Value, b: Value) => withPairs(a, b, ctx, (x, y) => covariance(x, y, false)), { arrays: 'a' });
defineFn('COVARIANCE.P', ['any', 'any'], 2, 2, (ctx, a: Value, b: Value) => withPairs(a, b, ctx, (x, y) => covariance(x, y, false)), { arrays: 'a' });
defineFn('COVARIANCE.S', ['any', 'any'], 2, 2, (ctx, a: Value, b: Value) => withPairs(a, b, ctx, (x, y) => covariance(x, y, true)), { arrays: 'a' });

/** Regression of y on x: [slope, intercept] or #DIV/0!. */
function regression(ys: number[], xs: number[]): [number, number] | ExcelError {
  if (!xs.length) return ERR.DIV0;
  const sxx = devsq(xs);
  if (sxx === 0) return ERR.DIV0;
  const slope = codev(xs, ys) / sxx;
  return [slope, mean(ys) - slope * mean(xs)];
}
defineFn('SLOPE', ['any', 'any'], 2, 2, (ctx, y: Value, x: Value) =>
  withPairs(y, x, ctx, (ys, xs) => {
    const r = regression(ys, xs);
    return r instanceof ExcelError ? r : r[0];
  }),
  { arrays: 'a' },
);
defineFn('INTERCEPT', ['any', 'any'], 2, 2, (ctx, y: Value, x: Value) =>
  withPairs(y, x, ctx, (ys, xs) => {
    const r = regression(ys, xs);
    return r instanceof ExcelError ? r : r[1];
  }),
  { arrays: 'a' },
);
defineFn('STEYX', ['any', 'any'], 2, 2, (ctx, y: Value, x: Value) =>
  withPairs(y, x, ctx, (ys, xs) => {
    const n = xs.length;
    if (n < 3) return ERR.DIV0;
    const sxx = devsq(xs);
    if (sxx === 0) return ERR.DIV0;
    const sxy = codev(xs, ys);
    return Math.sqrt(Math.max(0, (devsq(ys) - (sxy * sxy) / sxx) / (n - 2)));
  }),
  { arrays: 'a' },
);
for (const name of ['FORECAST', 'FORECAST.LINEAR']) {
  defineFn(name, ['number', 'any', 'any'], 3, 3, (ctx, x: number, y: Value, xr: Value) =>
    withPairs(y, xr, ctx, (ys, xs) => {
      const r = regression(ys, xs);
      return r instanceof ExcelError ? r : r[1] + r[0] * x;
    }),
    { arrays: 'va' },
  );
}

// ------------------------------------------------------------------ normal family

function normDist(x: number, m: number, sd: number, cum: boolean): Num {
  if (sd <= 0) return ERR.NUM;
  const z = (x - m) / sd;
  return fin(cum ? normCdf(z) : normPdf(z) / sd);
}
defineFn('NORM.DIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, m: number, s: number, cum: boolean) => normDist(x, m, s, cum));
defineFn('NORMDIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, m: number, s: number, cum: boolean) => normDist(x, m, s, cum));
defineFn('NORM.S.DIST', ['number', 'bool'], 2, 2, (_c, z: number, cum: boolean) => fin(cum ? normCdf(z) : normPdf(z)));
defineFn('NORMSDIST', ['number'], 1, 1, (_c, z: number) => normCdf(z));
function normInvMS(p: number, m: number, sd: number): Num {
  if (p <= 0 || p >= 1 || sd <= 0) return ERR.NUM;
  return fin(m + sd * normInv(p));
}
defineFn('NORM.INV', ['number', 'number', 'number'], 3, 3, (_c, p: number, m: number, s: number) => normInvMS(p, m, s));
defineFn('NORMINV', ['number', 'number', 'number'], 3, 3, (_c, p: number, m: number, s: number) => normInvMS(p, m, s));
defineFn('NORM.S.INV', ['number'], 1, 1, (_c, p: number) => normInvMS(p, 0, 1));
defineFn('NORMSINV', ['number'], 1, 1, (_c, p: number) => normInvMS(p, 0, 1));
defineFn('PHI', ['number'], 1, 1, (_c, z: number) => normPdf(z));
defineFn('GAUSS', ['number'], 1, 1, (_c, z: number) => 0.5 * erf(z / Math.SQRT2));
defineFn('STANDARDIZE', ['number', 'number', 'number'], 3, 3, (_c, x: number, m: number, s: number) =>
  s <= 0 ? ERR.NUM : (x - m) / s,
);

function lognormDist(x: number, m: number, sd: number, cum: boolean): Num {
  if (x <= 0 || sd <= 0) return ERR.NUM;
  const z = (Math.log(x) - m) / sd;
  return fin(cum ? normCdf(z) : normPdf(z) / (x * sd));
}
defineFn('LOGNORM.DIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, m: number, s: number, cum: boolean) => lognormDist(x, m, s, cum));
defineFn('LOGNORMDIST', ['number', 'number', 'number'], 3, 3, (_c, x: number, m: number, s: number) => lognormDist(x, m, s, true));
function lognormInv(p: number, m: number, sd: number): Num {
  if (p <= 0 || p >= 1 || sd <= 0) return ERR.NUM;
  return fin(Math.exp(m + sd * normInv(p)));
}
defineFn('LOGNORM.INV', ['number', 'number', 'number'], 3, 3, (_c, p: number, m: number, s: number) => lognormInv(p, m, s));
defineFn('LOGINV', ['number', 'number', 'number'], 3, 3, (_c, p: number, m: number, s: number) => lognormInv(p, m, s));

function confidenceNorm(alpha: number, sd: number, size: number): Num {
  const n = Math.trunc(size);
  if (alpha <= 0 || alpha >= 1 || sd <= 0 || n < 1) return ERR.NUM;
  return fin((-normInv(alpha / 2) * sd) / Math.sqrt(n));
}
defineFn('CONFIDENCE', ['number', 'number', 'number'], 3, 3, (_c, a: number, s: number, n: number) => confidenceNorm(a, s, n));
defineFn('CONFIDENCE.NORM', ['number', 'number', 'number'], 3, 3, (_c, a: number, s: number, n: number) => confidenceNorm(a, s, n));
defineFn('CONFIDENCE.T', ['number', 'number', 'number'], 3, 3, (_c, alpha: number, sd: number, size: number) => {
  const n = Math.trunc(size);
  if (alpha <= 0 || alpha >= 1 || sd <= 0 || n < 1) return ERR.NUM;
  if (n === 1) return ERR.DIV0;
  return fin((-tInv(alpha / 2, n - 1) * sd) / Math.sqrt(n));
});

function zTest(v: Value, x: number, sigma: number | undefined): Num {
  const xs = numbersOf(v);
  if (xs instanceof ExcelError) return xs;
  const n = xs.length;
  if (!n) return ERR.NA;
  let s: number;
  if (sigma === undefined) {
    if (n < 2) return ERR.DIV0;
    s = Math.sqrt(devsq(xs) / (n - 1));
  } else s = sigma;
  if (s <= 0) return s === 0 ? ERR.DIV0 : ERR.NUM;
  return fin(1 - normCdf((mean(xs) - x) / (s / Math.sqrt(n))));
}
defineFn('Z.TEST', ['any', 'number', 'number'], 2, 3, (_c, v: Value, x: number, s?: number) => zTest(v, x, s));
defineFn('ZTEST', ['any', 'number', 'number'], 2, 3, (_c, v: Value, x: number, s?: number) => zTest(v, x, s));

// ------------------------------------------------------------------ erf, gamma, fisher

/** The ERF family (from the engineering toolpak) rejects booleans with #VALUE!. */
function engNumber(v: Scalar): Num {
  if (typeof v === 'boolean') return ERR.VALUE;
  return toNumber(v);
}
defineFn('ERF', ['scalar', 'scalar'], 1, 2, (_c, a: Scalar, b?: Scalar) => {
  const lo = engNumber(a);
  if (lo instanceof ExcelError) return lo;
  if (b === undefined) return erf(lo);
  const hi = engNumber(b);
  if (hi instanceof ExcelError) return hi;
  return erf(hi) - erf(lo);
});
for (const [name, f] of [['ERF.PRECISE', erf], ['ERFC', erfc], ['ERFC.PRECISE', erfc]] as const) {
  defineFn(name, ['scalar'], 1, 1, (_c, a: Scalar) => {
    const x = engNumber(a);
    return x instanceof ExcelError ? x : f(x);
  });
}

defineFn('GAMMA', ['number'], 1, 1, (_c, x: number) => fin(gamma(x)));
defineFn('GAMMALN', ['number'], 1, 1, (_c, x: number) => (x <= 0 ? ERR.NUM : fin(lgamma(x))));
defineFn('GAMMALN.PRECISE', ['number'], 1, 1, (_c, x: number) => (x <= 0 ? ERR.NUM : fin(lgamma(x))));

/** FISHER uses the textbook formula: Excel's results carry its rounding near 0. */
defineFn('FISHER', ['number'], 1, 1, (_c, x: number) => (x <= -1 || x >= 1 ? ERR.NUM : 0.5 * Math.log((1 + x) / (1 - x))));
defineFn('FISHERINV', ['number'], 1, 1, (_c, y: number) => Math.tanh(y));

defineFn('PERMUT', ['number', 'number'], 2, 2, (_c, n0: number, k0: number) => {
  const n = Math.trunc(n0);
  const k = Math.trunc(k0);
  if (n <= 0 || k < 0 || n < k) return ERR.NUM;
  // k factors n, n-1, ...: counted by j, not by the factor (past 2^53, n - k + 1 + 1 is
  // n - k + 1 and a loop over the factor never ends); the product overflows within a few
  // hundred factors of 2 or more, which is #NUM! as in Excel.
  let p = 1;
  for (let j = 0; j < k; j++) {
    p *= n - j;
    if (!Number.isFinite(p)) return ERR.NUM;
  }
  return fin(p);
});
defineFn('PERMUTATIONA', ['number', 'number'], 2, 2, (_c, n0: number, k0: number) => {
  const n = Math.trunc(n0);
  const k = Math.trunc(k0);
  if (n < 0 || k < 0) return ERR.NUM;
  return fin(Math.pow(n, k));
});

// ------------------------------------------------------------------ continuous distributions

function exponDist(x: number, lambda: number, cum: boolean): Num {
  if (x < 0 || lambda <= 0) return ERR.NUM;
  return fin(cum ? -Math.expm1(-lambda * x) : lambda * Math.exp(-lambda * x));
}
defineFn('EXPON.DIST', ['number', 'number', 'bool'], 3, 3, (_c, x: number, l: number, cum: boolean) => exponDist(x, l, cum));
defineFn('EXPONDIST', ['number', 'number', 'bool'], 3, 3, (_c, x: number, l: number, cum: boolean) => exponDist(x, l, cum));

function weibull(x: number, alpha: number, beta: number, cum: boolean): Num {
  if (x < 0 || alpha <= 0 || beta <= 0) return ERR.NUM;
  const t = Math.pow(x / beta, alpha);
  if (cum) return fin(-Math.expm1(-t));
  return fin((alpha / beta) * Math.pow(x / beta, alpha - 1) * Math.exp(-t));
}
defineFn('WEIBULL', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, a: number, b: number, cum: boolean) => weibull(x, a, b, cum));
defineFn('WEIBULL.DIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, a: number, b: number, cum: boolean) => weibull(x, a, b, cum));

function gammaDist(x: number, alpha: number, beta: number, cum: boolean): Num {
  if (x < 0 || alpha <= 0 || beta <= 0) return ERR.NUM;
  return fin(cum ? gammaP(alpha, x / beta) : gammaPdf(x / beta, alpha) / beta);
}
defineFn('GAMMA.DIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, a: number, b: number, cum: boolean) => gammaDist(x, a, b, cum));
defineFn('GAMMADIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, a: number, b: number, cum: boolean) => gammaDist(x, a, b, cum));
function gammaInvAB(p: number, alpha: number, beta: number): Num {
  if (p < 0 || p >= 1 || alpha <= 0 || beta <= 0) return ERR.NUM;
  return fin(beta * gammaInv(p, alpha));
}
defineFn('GAMMA.INV', ['number', 'number', 'number'], 3, 3, (_c, p: number, a: number, b: number) => gammaInvAB(p, a, b));
defineFn('GAMMAINV', ['number', 'number', 'number'], 3, 3, (_c, p: number, a: number, b: number) => gammaInvAB(p, a, b));

/** Chi-squared: degrees of freedom truncated, 1 ≤ df ≤ 10^10. */
function chiDf(df: number): number | ExcelError {
  const d = Math.trunc(df);
  return d < 1 || d > 1e10 ? ERR.NUM : d;
}
defineFn('CHISQ.DIST', ['number', 'number', 'bool'], 3, 3, (_c, x: number, df0: number, cum: boolean) => {
  const df = chiDf(df0);
  if (df instanceof ExcelError) return df;
  if (x < 0) return ERR.NUM;
  return fin(cum ? gammaP(df / 2, x / 2) : gammaPdf(x / 2, df / 2) / 2);
});
function chiRt(x: number, df0: number): Num {
  const df = chiDf(df0);
  if (df instanceof ExcelError) return df;
  if (x < 0) return ERR.NUM;
  return fin(gammaQ(df / 2, x / 2));
}
defineFn('CHISQ.DIST.RT', ['number', 'number'], 2, 2, (_c, x: number, df: number) => chiRt(x, df));
defineFn('CHIDIST', ['number', 'number'], 2, 2, (_c, x: number, df: number) => chiRt(x, df));
defineFn('CHISQ.INV', ['number', 'number'], 2, 2, (_c, p: number, df0: number) => {
  const df = chiDf(df0);
  if (df instanceof ExcelError) return df;
  if (p < 0 || p >= 1) return ERR.NUM;
  return fin(2 * gammaInv(p, df / 2));
});
function chiInvRt(p: number, df0: number): Num {
  const df = chiDf(df0);
  if (df instanceof ExcelError) return df;
  if (p <= 0 || p > 1) return ERR.NUM;
  return fin(2 * gammaInv(p, df / 2, true));
}
defineFn('CHISQ.INV.RT', ['number', 'number'], 2, 2, (_c, p: number, df: number) => chiInvRt(p, df));
defineFn('CHIINV', ['number', 'number'], 2, 2, (_c, p: number, df: number) => chiInvRt(p, df));

function chiTest(actual: Value, expected: Value, ctx: Ctx): Num {
  const fa = flat(actual, ctx);
  if (fa instanceof ExcelError) return fa;
  const fe = flat(expected, ctx);
  if (fe instanceof ExcelError) return fe;
  const dims = (v: Value): [number, number] =>
    v instanceof Ref ? [v.rows, v.cols] : v instanceof Matrix ? [v.rows, v.cols] : [1, 1];
  const [r, c] = dims(actual);
  const [r2, c2] = dims(expected);
  if (r !== r2 || c !== c2) return ERR.NA;
  const df = r > 1 && c > 1 ? (r - 1) * (c - 1) : r > 1 ? r - 1 : c - 1;
  if (df < 1) return ERR.NA;
  let x2 = 0;
  const n = Math.max(fa.data.length, fe.data.length);
  for (let i = 0; i < n; i++) {
    const a = fa.data[i] ?? null;
    const e = fe.data[i] ?? null;
    if (a instanceof ExcelError) return a;
    if (e instanceof ExcelError) return e;
    if (typeof a !== 'number' || typeof e !== 'number') continue;
    if (e === 0) return ERR.DIV0;
    if (e < 0) return ERR.NUM;
    x2 += ((a - e) * (a - e)) / e;
  }
  return fin(gammaQ(df / 2, x2 / 2));
}
defineFn('CHISQ.TEST', ['any', 'any'], 2, 2, (ctx, a: Value, e: Value) => chiTest(a, e, ctx), { arrays: 'a' });
defineFn('CHITEST', ['any', 'any'], 2, 2, (ctx, a: Value, e: Value) => chiTest(a, e, ctx), { arrays: 'a' });

/** Beta distribution on [A, B]. */
function betaDist(x: number, a: number, b: number, cum: boolean, lo = 0, hi = 1): Num {
  if (a <= 0 || b <= 0 || x < lo || x > hi || lo === hi) return ERR.NUM;
  const t = (x - lo) / (hi - lo);
  if (cum) return fin(ibeta(t, a, b));
  return fin(betaPdf(t, a, b) / (hi - lo));
}
defineFn('BETA.DIST', ['number', 'number', 'number', 'bool', 'number', 'number'], 4, 6,
  (_c, x: number, a: number, b: number, cum: boolean, lo?: number, hi?: number) => betaDist(x, a, b, cum, lo ?? 0, hi ?? 1));
defineFn('BETADIST', ['number', 'number', 'number', 'number', 'number'], 3, 5,
  (_c, x: number, a: number, b: number, lo?: number, hi?: number) => betaDist(x, a, b, true, lo ?? 0, hi ?? 1));
function betaInvAB(p: number, a: number, b: number, lo = 0, hi = 1): Num {
  if (p <= 0 || p >= 1 || a <= 0 || b <= 0 || lo >= hi) return ERR.NUM;
  return fin(lo + (hi - lo) * betaInv(p, a, b));
}
defineFn('BETA.INV', ['number', 'number', 'number', 'number', 'number'], 3, 5,
  (_c, p: number, a: number, b: number, lo?: number, hi?: number) => betaInvAB(p, a, b, lo ?? 0, hi ?? 1));
defineFn('BETAINV', ['number', 'number', 'number', 'number', 'number'], 3, 5,
  (_c, p: number, a: number, b: number, lo?: number, hi?: number) => betaInvAB(p, a, b, lo ?? 0, hi ?? 1));

// Student t.
function tDf(df: number): number | ExcelError {
  const d = Math.trunc(df);
  return d < 1 ? ERR.NUM : d;
}
defineFn('T.DIST', ['number', 'number', 'bool'], 3, 3, (_c, x: number, df0: number, cum: boolean) => {
  const df = tDf(df0);
  if (df instanceof ExcelError) return df;
  return fin(cum ? tCdf(x, df) : tPdf(x, df));
});
defineFn('T.DIST.RT', ['number', 'number'], 2, 2, (_c, x: number, df0: number) => {
  const df = tDf(df0);
  if (df instanceof ExcelError) return df;
  return fin(x < 0 ? 1 - tTail(-x, df) : tTail(x, df));
});
defineFn('T.DIST.2T', ['number', 'number'], 2, 2, (_c, x: number, df0: number) => {
  const df = tDf(df0);
  if (df instanceof ExcelError) return df;
  if (x < 0) return ERR.NUM;
  return fin(2 * tTail(x, df));
});
defineFn('TDIST', ['number', 'number', 'number'], 3, 3, (_c, x: number, df0: number, tails0: number) => {
  const df = tDf(df0);
  if (df instanceof ExcelError) return df;
  const tails = Math.trunc(tails0);
  if (x < 0 || (tails !== 1 && tails !== 2)) return ERR.NUM;
  return fin(tails * tTail(x, df));
});
defineFn('T.INV', ['number', 'number'], 2, 2, (_c, p: number, df0: number) => {
  const df = tDf(df0);
  if (df instanceof ExcelError) return df;
  if (p <= 0 || p >= 1) return ERR.NUM;
  return fin(tInv(p, df));
});
function tInv2(p: number, df0: number): Num {
  const df = tDf(df0);
  if (df instanceof ExcelError) return df;
  if (p <= 0 || p > 1) return ERR.NUM;
  return fin(Math.abs(tInv(p / 2, df)));
}
defineFn('T.INV.2T', ['number', 'number'], 2, 2, (_c, p: number, df: number) => tInv2(p, df));
defineFn('TINV', ['number', 'number'], 2, 2, (_c, p: number, df: number) => tInv2(p, df));

function tTest(a: Value, b: Value, tails0: number, type0: number, ctx: Ctx): Num {
  const tails = Math.trunc(tails0);
  const type = Math.trunc(type0);
  if ((tails !== 1 && tails !== 2) || type < 1 || type > 3) return ERR.NUM;
  let t: number;
  let df: number;
  if (type === 1) {
    const p = pairs(a, b, ctx);
    if (p instanceof ExcelError) return p;
    const d = p[0].map((x, i) => x - p[1][i]!);
    const n = d.length;
    if (n < 2) return ERR.DIV0;
    const sd = Math.sqrt(devsq(d) / (n - 1));
    if (sd === 0) return ERR.DIV0;
    t = mean(d) / (sd / Math.sqrt(n));
    df = n - 1;
  } else {
    const xs = numbersOf(a);
    if (xs instanceof ExcelError) return xs;
    const ys = numbersOf(b);
    if (ys instanceof ExcelError) return ys;
    const n1 = xs.length;
    const n2 = ys.length;
    if (n1 < 2 || n2 < 2) return ERR.DIV0;
    const v1 = devsq(xs) / (n1 - 1);
    const v2 = devsq(ys) / (n2 - 1);
    const diff = mean(xs) - mean(ys);
    if (type === 2) {
      df = n1 + n2 - 2;
      const sp = ((n1 - 1) * v1 + (n2 - 1) * v2) / df;
      const se = Math.sqrt(sp * (1 / n1 + 1 / n2));
      if (se === 0) return ERR.DIV0;
      t = diff / se;
    } else {
      const q1 = v1 / n1;
      const q2 = v2 / n2;
      if (q1 + q2 === 0) return ERR.DIV0;
      t = diff / Math.sqrt(q1 + q2);
      df = ((q1 + q2) * (q1 + q2)) / ((q1 * q1) / (n1 - 1) + (q2 * q2) / (n2 - 1));
    }
  }
  return fin(tails * tTail(Math.abs(t), df));
}
defineFn('T.TEST', ['any', 'any', 'number', 'number'], 4, 4, (ctx, a: Value, b: Value, tl: number, ty: number) => tTest(a, b, tl, ty, ctx), { arrays: 'aav' });
defineFn('TTEST', ['any', 'any', 'number', 'number'], 4, 4, (ctx, a: Value, b: Value, tl: number, ty: number) => tTest(a, b, tl, ty, ctx), { arrays: 'aav' });

// F distribution.
function fDfs(d1: number, d2: number): [number, number] | ExcelError {
  const a = Math.trunc(d1);
  const b = Math.trunc(d2);
  if (a < 1 || b < 1 || a >= 1e10 || b >= 1e10) return ERR.NUM;
  return [a, b];
}
/** P(F ≤ x) or P(F > x) via the incomplete beta, with 1 − t computed directly. */
function fCdf(x: number, d1: number, d2: number, upper: boolean): number {
  const t = (d1 * x) / (d1 * x + d2);
  const y = d2 / (d1 * x + d2);
  return ibeta(t, d1 / 2, d2 / 2, upper, y);
}
defineFn('F.DIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, x: number, d1: number, d2: number, cum: boolean) => {
  const d = fDfs(d1, d2);
  if (d instanceof ExcelError) return d;
  if (x < 0) return ERR.NUM;
  const [a, b] = d;
  if (cum) return fin(fCdf(x, a, b, false));
  if (x === 0) return a === 2 ? 1 : a > 2 ? 0 : ERR.NUM;
  const t = (a * x) / (a * x + b);
  return fin((betaPdf(t, a / 2, b / 2) * a * b) / ((a * x + b) * (a * x + b)));
});
function fDistRt(x: number, d1: number, d2: number): Num {
  const d = fDfs(d1, d2);
  if (d instanceof ExcelError) return d;
  if (x < 0) return ERR.NUM;
  return fin(fCdf(x, d[0], d[1], true));
}
defineFn('F.DIST.RT', ['number', 'number', 'number'], 3, 3, (_c, x: number, a: number, b: number) => fDistRt(x, a, b));
defineFn('FDIST', ['number', 'number', 'number'], 3, 3, (_c, x: number, a: number, b: number) => fDistRt(x, a, b));
/** F quantile of a lower (or upper) tail probability. */
function fInv(p: number, d1: number, d2: number, upper: boolean): Num {
  const d = fDfs(d1, d2);
  if (d instanceof ExcelError) return d;
  if (p < 0 || p > 1) return ERR.NUM;
  const [a, b] = d;
  // X ~ Beta(a/2, b/2), F = (b X)/(a (1 − X)); 1 − X ~ Beta(b/2, a/2) in the other tail.
  let x = betaInv(p, a / 2, b / 2, upper);
  let y = 1 - x;
  if (x > 0.5) {
    y = betaInv(p, b / 2, a / 2, !upper);
    x = 1 - y;
  }
  return fin((b * x) / (a * y));
}
defineFn('F.INV', ['number', 'number', 'number'], 3, 3, (_c, p: number, a: number, b: number) => fInv(p, a, b, false));
defineFn('F.INV.RT', ['number', 'number', 'number'], 3, 3, (_c, p: number, a: number, b: number) => fInv(p, a, b, true));
defineFn('FINV', ['number', 'number', 'number'], 3, 3, (_c, p: number, a: number, b: number) => fInv(p, a, b, true));

function fTest(a: Value, b: Value): Num {
  const xs = numbersOf(a);
  if (xs instanceof ExcelError) return xs;
  const ys = numbersOf(b);
  if (ys instanceof ExcelError) return ys;
  const n1 = xs.length;
  const n2 = ys.length;
  if (n1 < 2 || n2 < 2) return ERR.DIV0;
  const v1 = devsq(xs) / (n1 - 1);
  const v2 = devsq(ys) / (n2 - 1);
  if (v1 === 0 || v2 === 0) return ERR.DIV0;
  const f = v1 / v2;
  const lower = fCdf(f, n1 - 1, n2 - 1, false);
  return fin(2 * Math.min(lower, 1 - lower));
}
defineFn('F.TEST', ['any', 'any'], 2, 2, (_c, a: Value, b: Value) => fTest(a, b), { arrays: 'a' });
defineFn('FTEST', ['any', 'any'], 2, 2, (_c, a: Value, b: Value) => fTest(a, b), { arrays: 'a' });

// ------------------------------------------------------------------ discrete distributions

/** P(X ≤ k) for X ~ Binomial(n, p), k integer. */
function binomCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (n <= 1000) {
    let s = 0;
    for (let i = 0; i <= k; i++) s += dbinom(i, n, p);
    return Math.min(1, s);
  }
  return ibeta(p, k + 1, n - k, true);
}

function binomDist(s0: number, n0: number, p: number, cum: boolean): Num {
  const s = Math.trunc(s0);
  const n = Math.trunc(n0);
  if (s < 0 || n < 0 || s > n || p < 0 || p > 1) return ERR.NUM;
  return fin(cum ? binomCdf(s, n, p) : dbinom(s, n, p));
}
defineFn('BINOM.DIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, s: number, n: number, p: number, cum: boolean) => binomDist(s, n, p, cum));
defineFn('BINOMDIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, s: number, n: number, p: number, cum: boolean) => binomDist(s, n, p, cum));
defineFn('BINOM.DIST.RANGE', ['number', 'number', 'number', 'number'], 3, 4, (_c, n0: number, p: number, s0: number, s20?: number) => {
  const n = Math.trunc(n0);
  const s = Math.trunc(s0);
  const s2 = s20 === undefined ? s : Math.trunc(s20);
  if (n < 0 || p < 0 || p > 1 || s < 0 || s > n || s2 < s || s2 > n) return ERR.NUM;
  let r = 0;
  for (let i = s; i <= s2; i++) r += dbinom(i, n, p);
  return fin(r);
});
function binomInv(n0: number, p: number, alpha: number): Num {
  const n = Math.trunc(n0);
  if (n < 0 || p <= 0 || p >= 1 || alpha <= 0 || alpha >= 1) return ERR.NUM;
  let c = 0;
  for (let k = 0; k <= n; k++) {
    c += dbinom(k, n, p);
    if (c >= alpha * (1 - 1e-15)) return k;
  }
  return n;
}
defineFn('BINOM.INV', ['number', 'number', 'number'], 3, 3, (_c, n: number, p: number, a: number) => binomInv(n, p, a));
defineFn('CRITBINOM', ['number', 'number', 'number'], 3, 3, (_c, n: number, p: number, a: number) => binomInv(n, p, a));

function negbinom(f0: number, s0: number, p: number, cum: boolean): Num {
  const f = Math.trunc(f0);
  const s = Math.trunc(s0);
  if (f < 0 || s < 1 || p <= 0 || p >= 1) return ERR.NUM;
  if (cum) return fin(ibeta(p, s, f + 1));
  // C(f+s−1, f) p^s (1−p)^f = s/(f+s) · dbinom(s, f+s, p)
  return fin((s / (f + s)) * dbinom(s, f + s, p));
}
defineFn('NEGBINOM.DIST', ['number', 'number', 'number', 'bool'], 4, 4, (_c, f: number, s: number, p: number, cum: boolean) => negbinom(f, s, p, cum));
defineFn('NEGBINOMDIST', ['number', 'number', 'number'], 3, 3, (_c, f: number, s: number, p: number) => negbinom(f, s, p, false));

function poisson(x0: number, lambda: number, cum: boolean): Num {
  if (x0 < 0 || lambda < 0) return ERR.NUM;
  const x = Math.trunc(x0);
  if (!cum) return fin(dpois(x, lambda));
  if (lambda === 0) return 1;
  return fin(gammaQ(x + 1, lambda));
}
defineFn('POISSON', ['number', 'number', 'bool'], 3, 3, (_c, x: number, m: number, cum: boolean) => poisson(x, m, cum));
defineFn('POISSON.DIST', ['number', 'number', 'bool'], 3, 3, (_c, x: number, m: number, cum: boolean) => poisson(x, m, cum));

/** ln C(n, k). */
function lchoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}
function hypgeomPmf(k: number, n: number, M: number, N: number): number {
  return Math.exp(lchoose(M, k) + lchoose(N - M, n - k) - lchoose(N, n));
}
function hypgeom(k0: number, n0: number, M0: number, N0: number, cum: boolean): Num {
  const k = Math.trunc(k0);
  const n = Math.trunc(n0);
  const M = Math.trunc(M0);
  const N = Math.trunc(N0);
  if (k < 0 || n <= 0 || M <= 0 || N <= 0 || n > N || M > N || k > n || k > M || k < n - N + M) return ERR.NUM;
  if (!cum) return fin(hypgeomPmf(k, n, M, N));
  let s = 0;
  for (let i = Math.max(0, n - N + M); i <= k; i++) s += hypgeomPmf(i, n, M, N);
  return fin(Math.min(1, s));
}
defineFn('HYPGEOM.DIST', ['number', 'number', 'number', 'number', 'bool'], 5, 5,
  (_c, k: number, n: number, M: number, N: number, cum: boolean) => hypgeom(k, n, M, N, cum));
defineFn('HYPGEOMDIST', ['number', 'number', 'number', 'number'], 4, 4,
  (_c, k: number, n: number, M: number, N: number) => hypgeom(k, n, M, N, false));

