/**
 * Functions: math & trigonometry (registered at import).
 *
 * Elementary functions, rounding, combinatorics, number bases, Roman numerals and the
 * matrix functions live here; the criteria-based and counting aggregates (SUMIF(S),
 * COUNTIF(S), SUBTOTAL, AGGREGATE, ...) are in `math-criteria.ts`.
 */
import { collectNumbers, forEachInRef } from '../../aggregate.js';
import { arraySizeError, round15, scalar, toMatrix, toNumber } from '../../coerce.js';
import { defineFn as register, type FunctionSpec, type ParamKind } from '../../registry.js';
import { ERR, ExcelError, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from '../../values.js';
import { roundHalfAway } from './round.js';
import { liftScalars } from './criteria.js';

/** Registers a math function; NaN and ±Infinity results (also inside arrays) become #NUM!. */
function defineFn(
  name: string,
  params: ParamKind[],
  min: number,
  max: number,
  impl: FunctionSpec['impl'],
  extra?: Parameters<typeof register>[5],
): void {
  register(
    name,
    params,
    min,
    max,
    (ctx, ...args) => {
      const r = impl(ctx, ...args);
      if (typeof r === 'number') return Number.isFinite(r) ? r : ERR.NUM;
      if (r instanceof Matrix && r.data.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
        return new Matrix(r.rows, r.cols, r.data.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? ERR.NUM : v)));
      }
      return r;
    },
    extra,
  );
}

/**
 * A number argument of the functions inherited from the Analysis ToolPak (MROUND,
 * QUOTIENT, GCD, ...): unlike core functions they refuse booleans (#VALUE!), even typed
 * directly, and an omitted argument is #N/A (stored Excel results of the IronCalc corpus).
 */
function atpNumber(v: Scalar): number | ExcelError {
  return typeof v === 'boolean' ? ERR.VALUE : toNumber(v);
}

/** Registers an ATP-style function of scalar numbers (lifting over arrays). */
function defineAtp(name: string, min: number, max: number, impl: (ctx: Ctx, ...xs: number[]) => Scalar): void {
  defineFn(name, ['any'], min, max, (ctx, ...args: Value[]) => {
    if (args.some((a) => a === null)) return ERR.NA;
    return liftScalars(ctx, args, (cs) => {
      const xs: number[] = [];
      for (const c of cs) {
        const x = atpNumber(c);
        if (x instanceof ExcelError) return x;
        xs.push(x);
      }
      return impl(ctx, ...xs);
    });
  });
}

/** Excel never returns NaN or ±Infinity: they surface as #NUM!. */
export function finite(x: number): number | ExcelError {
  return Number.isFinite(x) ? x : ERR.NUM;
}

/** Registers a one-number function; non-finite results become #NUM!. */
function unary(name: string, f: (x: number) => number | ExcelError, extra: Parameters<typeof register>[5] = {}): void {
  defineFn(
    name,
    ['number'],
    1,
    1,
    (_ctx, x: number) => {
      const r = f(x);
      return typeof r === 'number' ? finite(r) : r;
    },
    extra,
  );
}

// ---------------------------------------------------------------- trigonometry

/** Excel refuses trigonometric arguments of magnitude 2^27 or more (#NUM!). */
const TRIG_LIMIT = 134217728;

/**
 * π/2 as Excel's trigonometric functions reduce arguments with it: π in x87 extended
 * precision (64-bit significand), M · 2^-63. This is why Excel's SIN(PI()) is
 * 1.22514845490862E-16 rather than the 1.2246467991473532E-16 of an exact reduction;
 * stored Excel results near multiples of π/2 (IronCalc trigonometric corpus) agree.
 */
const HALF_PI_EXT = (0x1921fb54442d18n << 11n) | 565n;

/** sin and cos of x, reduced by Excel's π/2 (|x| < 2^27). */
function sinCos(x: number): [number, number] {
  if (Math.abs(x) < Math.PI / 4) return [Math.sin(x), Math.cos(x)];
  const k = Math.round(x / (Math.PI / 2));
  // x = mant · 2^exp exactly; everything is scaled by 2^116 to subtract in integers.
  const exp = Math.floor(Math.log2(Math.abs(x))) - 52;
  const mant = BigInt(x / 2 ** exp);
  const r = Number((mant << BigInt(exp + 116)) - BigInt(k) * (HALF_PI_EXT << 53n)) / 2 ** 116;
  const sr = Math.sin(r);
  const cr = Math.cos(r);
  switch (((k % 4) + 4) % 4) {
    case 0:
      return [sr, cr];
    case 1:
      return [cr, -sr];
    case 2:
      return [-sr, -cr];
    default:
      return [-cr, sr];
  }
}

/** A trigonometric function of sin and cos; a zero denominator is #DIV/0!. */
function trig(name: string, f: (s: number, c: number) => number | ExcelError): void {
  unary(name, (x) => {
    if (Math.abs(x) >= TRIG_LIMIT) return ERR.NUM;
    const [s, c] = sinCos(x);
    return f(s, c);
  });
}

trig('SIN', (s) => s);
trig('COS', (_s, c) => c);
trig('TAN', (s, c) => s / c);
trig('COT', (s, c) => (s === 0 ? ERR.DIV0 : c / s));
trig('CSC', (s) => (s === 0 ? ERR.DIV0 : 1 / s));
trig('SEC', (_s, c) => 1 / c);
unary('ASIN', (x) => (x < -1 || x > 1 ? ERR.NUM : Math.asin(x)));
unary('ACOS', (x) => (x < -1 || x > 1 ? ERR.NUM : Math.acos(x)));
unary('ATAN', Math.atan);
/** ACOT in (0, π); atan(1/x) keeps precision for large |x|. */
unary('ACOT', (x) => (x > 0 ? Math.atan(1 / x) : x < 0 ? Math.PI + Math.atan(1 / x) : Math.PI / 2));
/** ATAN2 takes (x, y), the reverse of the C library's atan2(y, x). */
defineFn('ATAN2', ['number', 'number'], 2, 2, (_ctx, x: number, y: number) =>
  x === 0 && y === 0 ? ERR.DIV0 : Math.atan2(y, x),
);
unary('SINH', Math.sinh);
unary('COSH', Math.cosh);
unary('TANH', Math.tanh);
defineFn('COTH', ['number'], 1, 1, (_ctx, x: number) => (x === 0 ? ERR.DIV0 : finite(1 / Math.tanh(x))));
defineFn('CSCH', ['number'], 1, 1, (_ctx, x: number) => (x === 0 ? ERR.DIV0 : finite(1 / Math.sinh(x))));
unary('SECH', (x) => 1 / Math.cosh(x));
unary('ASINH', Math.asinh);
unary('ACOSH', (x) => (x < 1 ? ERR.NUM : Math.acosh(x)));
unary('ATANH', (x) => (x <= -1 || x >= 1 ? ERR.NUM : Math.atanh(x)));
unary('ACOTH', (x) => (Math.abs(x) <= 1 ? ERR.NUM : Math.atanh(1 / x)));
unary('DEGREES', (x) => (x * 180) / Math.PI);
unary('RADIANS', (x) => (x * Math.PI) / 180);
defineFn('PI', [], 0, 0, () => Math.PI);

// ------------------------------------------------------- powers and logarithms

unary('ABS', Math.abs, { pure: true });
unary('SIGN', (x) => (x > 0 ? 1 : x < 0 ? -1 : 0));
unary('SQRT', (x) => (x < 0 ? ERR.NUM : Math.sqrt(x)), { pure: true });
unary('SQRTPI', (x) => (x < 0 ? ERR.NUM : Math.sqrt(x * Math.PI)));
unary('EXP', Math.exp, { pure: true });
unary('LN', (x) => (x <= 0 ? ERR.NUM : Math.log(x)), { pure: true });
unary('LOG10', (x) => (x <= 0 ? ERR.NUM : Math.log10(x)));
defineFn('LOG', ['number', 'number'], 1, 2, (_ctx, x: number, base?: number) => {
  const b = base ?? 10;
  if (x <= 0 || b <= 0) return ERR.NUM;
  if (b === 1) return ERR.DIV0;
  // log10 keeps exact powers of ten exact (LOG(1000) = 3, not 2.9999999999999996).
  return finite(b === 10 ? Math.log10(x) : Math.log(x) / Math.log(b));
});

/**
 * x^y as Excel computes it: 0^0 and 0^negative are errors, and a negative base
 * accepts an exponent that is the reciprocal of an odd integer ((-8)^(1/3) = -2).
 */
export function excelPower(x: number, y: number): number | ExcelError {
  if (x === 0 && y === 0) return ERR.NUM;
  if (x === 0 && y < 0) return ERR.DIV0;
  let r = Math.pow(x, y);
  if (Number.isNaN(r) && x < 0) {
    const inv = round15(1 / y);
    if (Number.isInteger(inv) && Math.abs(inv) % 2 === 1) r = -Math.pow(-x, y);
  }
  return finite(r);
}

defineFn('POWER', ['number', 'number'], 2, 2, (_ctx, x: number, y: number) => excelPower(x, y), { pure: true });

// -------------------------------------------------------------------- rounding

/** |x| · 10^d on Excel's 15-significant-digit view of the value. */
function scaled(ax: number, d: number): number {
  return round15(d >= 0 ? ax * Math.pow(10, d) : ax / Math.pow(10, -d));
}

function unscale(n: number, d: number): number {
  return d >= 0 ? n / Math.pow(10, d) : n * Math.pow(10, -d);
}

/** ROUNDUP/ROUNDDOWN: away from / toward zero at `digits` decimals (truncated). */
export function roundDirected(x: number, digits: number, away: boolean): number {
  const d = Math.trunc(digits);
  if (x === 0 || d > 300) return x;
  if (d < -308) return 0;
  const s = scaled(Math.abs(x), d);
  if (!Number.isFinite(s)) return x;
  const r = unscale(away ? Math.ceil(s) : Math.floor(s), d);
  return x < 0 ? -r : r;
}

defineFn('ROUNDUP', ['number', 'number'], 2, 2, (_ctx, x: number, d: number) => roundDirected(x, d, true), { pure: true });
defineFn('ROUNDDOWN', ['number', 'number'], 2, 2, (_ctx, x: number, d: number) => roundDirected(x, d, false), { pure: true });
defineFn('TRUNC', ['number', 'number'], 1, 2, (_ctx, x: number, d?: number) => roundDirected(x, d ?? 0, false), { pure: true });
unary('INT', Math.floor, { pure: true });

unary('EVEN', (x) => {
  const n = Math.ceil(round15(Math.abs(x)) / 2) * 2;
  return x < 0 ? -n : n;
});
unary('ODD', (x) => {
  let n = Math.ceil(round15(Math.abs(x)));
  if (n % 2 === 0) n += 1;
  return x < 0 ? -n : n;
});

/** a rounded up / down to a multiple of b (both ≥ 0, b > 0), on the 15-digit quotient. */
function multipleUp(a: number, b: number): number {
  return round15(Math.ceil(round15(a / b)) * b);
}
function multipleDown(a: number, b: number): number {
  return round15(Math.floor(round15(a / b)) * b);
}

/** Legacy CEILING: a positive number with a negative significance is #NUM!. */
defineFn('CEILING', ['number', 'number'], 2, 2, (_ctx, x: number, s: number) => {
  if (s === 0 || x === 0) return 0;
  if (x > 0 && s < 0) return ERR.NUM;
  if (x < 0) return s < 0 ? -multipleUp(-x, -s) : -multipleDown(-x, s);
  return multipleUp(x, s);
});

/** Legacy FLOOR: significance 0 is #DIV/0!, a positive number with negative significance #NUM!. */
defineFn('FLOOR', ['number', 'number'], 2, 2, (_ctx, x: number, s: number) => {
  if (x === 0) return 0;
  if (s === 0) return ERR.DIV0;
  if (x > 0 && s < 0) return ERR.NUM;
  if (x < 0) return s < 0 ? -multipleDown(-x, -s) : -multipleUp(-x, s);
  return multipleDown(x, s);
});

/** CEILING.MATH / FLOOR.MATH: the significance's sign is ignored; `mode` flips negatives. */
defineFn('CEILING.MATH', ['number', 'number', 'number'], 1, 3, (_ctx, x: number, sig?: number, mode?: number) => {
  const s = Math.abs(sig ?? 1);
  if (s === 0 || x === 0) return 0;
  if (x > 0) return multipleUp(x, s);
  return mode ? -multipleUp(-x, s) : -multipleDown(-x, s);
});
defineFn('FLOOR.MATH', ['number', 'number', 'number'], 1, 3, (_ctx, x: number, sig?: number, mode?: number) => {
  const s = Math.abs(sig ?? 1);
  if (s === 0 || x === 0) return 0;
  if (x > 0) return multipleDown(x, s);
  return mode ? -multipleDown(-x, s) : -multipleUp(-x, s);
});

/** CEILING.PRECISE / ISO.CEILING: always toward +∞, significance sign ignored. */
function ceilingPrecise(_ctx: Ctx, x: number, sig?: number): number {
  const s = Math.abs(sig ?? 1);
  if (s === 0 || x === 0) return 0;
  return x > 0 ? multipleUp(x, s) : -multipleDown(-x, s);
}
defineFn('CEILING.PRECISE', ['number', 'number'], 1, 2, ceilingPrecise);
defineFn('ISO.CEILING', ['number', 'number'], 1, 2, ceilingPrecise);
defineFn('FLOOR.PRECISE', ['number', 'number'], 1, 2, (_ctx, x: number, sig?: number) => {
  const s = Math.abs(sig ?? 1);
  if (s === 0 || x === 0) return 0;
  return x > 0 ? multipleDown(x, s) : -multipleUp(-x, s);
});

defineAtp('MROUND', 2, 2, (_ctx, x: number, m: number) => {
  if (x === 0 || m === 0) return 0;
  if ((x > 0 && m < 0) || (x < 0 && m > 0)) return ERR.NUM;
  return round15(roundHalfAway(x / m, 0) * m);
});

/**
 * MOD: the result takes the sign of the divisor. Computed from the exact remainder
 * (fmod), which is what Excel stores: MOD(5, 1E-10) is 9.999981783901343E-11.
 */
defineFn('MOD', ['number', 'number'], 2, 2, (_ctx, n: number, d: number) => {
  if (d === 0) return ERR.DIV0;
  let r = n % d;
  if (r !== 0 && r < 0 !== d < 0) r += d;
  return r;
}, { pure: true });

defineAtp('QUOTIENT', 2, 2, (_ctx, n: number, d: number) =>
  d === 0 ? ERR.DIV0 : finite(Math.trunc(round15(n / d))),
);

// --------------------------------------------------------------- combinatorics

/** n! for integer n ≥ 0 (#NUM! when too large for a double). */
function factorial(n: number): number | ExcelError {
  if (n > 170) return ERR.NUM;
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

unary('FACT', (x) => (x < 0 ? ERR.NUM : factorial(Math.trunc(x))));
unary('FACTDOUBLE', (x) => {
  if (x < 0) return ERR.NUM;
  const n = Math.trunc(x);
  let r = 1;
  // The product overflows (#NUM!) long before n reaches the ~300s: stop there, not after 10^300 steps.
  for (let i = n; i > 1 && Number.isFinite(r); i -= 2) r *= i;
  return Number.isFinite(r) ? r : ERR.NUM;
});

/** Binomial coefficient C(n, k) for integers 0 ≤ k ≤ n. */
function binomial(n: number, k: number): number {
  k = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r < 2 ** 53 ? Math.round(r) : r;
}

defineFn('COMBIN', ['number', 'number'], 2, 2, (_ctx, n: number, k: number) => {
  n = Math.trunc(n);
  k = Math.trunc(k);
  if (n < 0 || k < 0 || k > n) return ERR.NUM;
  return finite(binomial(n, k));
});

/** COMBINA: combinations with repetitions, C(n + k - 1, k). */
defineFn('COMBINA', ['number', 'number'], 2, 2, (_ctx, n: number, k: number) => {
  n = Math.trunc(n);
  k = Math.trunc(k);
  if (n < 0 || k < 0) return ERR.NUM;
  if (k === 0) return 1;
  if (n === 0) return ERR.NUM;
  return finite(binomial(n + k - 1, k));
});

/**
 * The integers of GCD/LCM/MULTINOMIAL arguments (truncated). As ATP functions they refuse
 * booleans and omitted arguments. Blank cells of multi-cell ranges count as 0 but a blank
 * single-cell reference is skipped (LCM(10, 3, blank) = 30, LCM({blank, 5} range) = 0);
 * negative values are #NUM! (stored Excel results, IronCalc GCD_LCM corpus).
 */
function integerArgs(args: Value[], limit: number): number[] | ExcelError {
  const out: number[] = [];
  let err: ExcelError | null = null;
  const take = (v: Scalar): boolean => {
    const n = atpNumber(v);
    if (n instanceof ExcelError) err = n;
    else if (n < 0 || n >= limit) err = ERR.NUM;
    else out.push(Math.trunc(n));
    return err === null;
  };
  for (const a of args) {
    if (a === null) return ERR.NA;
    const areas = a instanceof Ref ? [a] : a instanceof RefList ? a.areas : null;
    if (areas) {
      for (const ref of areas) {
        let seen = 0;
        const ok = forEachInRef(ref, (v) => {
          seen++;
          return v === null && ref.isCell ? true : take(v);
        });
        if (!ok) return err!;
        if (seen < ref.rows * ref.cols && !ref.isCell) out.push(0);
      }
    } else if (a instanceof Matrix) {
      for (const v of a.data) if (!take(v)) return err!;
    } else if (!take(a as Scalar)) return err!;
  }
  return out;
}

function gcd2(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

defineFn('GCD', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = integerArgs(args, 2 ** 53);
  if (xs instanceof ExcelError) return xs;
  return xs.length ? xs.reduce(gcd2, 0) : ERR.VALUE;
});

defineFn('LCM', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = integerArgs(args, 2 ** 53);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return ERR.VALUE;
  let r = 1;
  for (const x of xs) {
    if (x === 0) return 0;
    r = (r / gcd2(r, x)) * x;
  }
  return r >= 2 ** 53 ? ERR.NUM : r;
});

/** (a1 + a2 + ...)! / (a1! a2! ...), built as a product of binomials to stay exact. */
defineFn('MULTINOMIAL', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = integerArgs(args, Infinity);
  if (xs instanceof ExcelError) return xs;
  let total = 0;
  let r = 1;
  for (const x of xs) {
    total += x;
    if (total > 170) return ERR.NUM;
    r *= binomial(total, x);
  }
  return finite(r);
});

// -------------------------------------------------------- products and squares

defineFn('PRODUCT', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  if (!xs.length) return 0;
  let p = 1;
  for (const x of xs) p *= x;
  return finite(p);
}, { pure: true, ranges: 'r' });

defineFn('SUMSQ', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  const xs = collectNumbers(args);
  if (xs instanceof ExcelError) return xs;
  let s = 0;
  for (const x of xs) s += x * x;
  return finite(s);
});

/** The SUMX2MY2 family: pairs where both values are numbers; different sizes are #N/A. */
function pairSum(f: (x: number, y: number) => number) {
  return (ctx: Ctx, a: Value, b: Value): Scalar => {
    // An error given as either array (a #REF! reference) is the answer, before the size check.
    if (a instanceof ExcelError) return a;
    if (b instanceof ExcelError) return b;
    const ma = toMatrix(a, ctx);
    if (ma instanceof ExcelError) return ma;
    const mb = toMatrix(b, ctx);
    if (mb instanceof ExcelError) return mb;
    if (ma.data.length !== mb.data.length) return ERR.NA;
    let s = 0;
    for (let i = 0; i < ma.data.length; i++) {
      const x = ma.data[i]!;
      const y = mb.data[i]!;
      if (x instanceof ExcelError) return x;
      if (y instanceof ExcelError) return y;
      if (typeof x === 'number' && typeof y === 'number') s += f(x, y);
    }
    return finite(s);
  };
}
defineFn('SUMX2MY2', ['any', 'any'], 2, 2, pairSum((x, y) => x * x - y * y), { arrays: 'a' });
defineFn('SUMX2PY2', ['any', 'any'], 2, 2, pairSum((x, y) => x * x + y * y), { arrays: 'a' });
defineFn('SUMXMY2', ['any', 'any'], 2, 2, pairSum((x, y) => (x - y) * (x - y)), { arrays: 'a' });

/** SERIESSUM(x, n, m, coefficients) = Σ aᵢ · x^(n + i·m). */
defineFn('SERIESSUM', ['any'], 4, 4, (ctx, ...args: Value[]) => {
  if (args.some((a) => a === null)) return ERR.NA;
  const xnm: number[] = [];
  for (const a of args.slice(0, 3)) {
    const v = atpNumber(scalar(a, ctx));
    if (v instanceof ExcelError) return v;
    xnm.push(v);
  }
  const [x, n, m] = xnm as [number, number, number];
  const mc = toMatrix(args[3]!, ctx);
  if (mc instanceof ExcelError) return mc;
  let s = 0;
  for (let i = 0; i < mc.data.length; i++) {
    const a = mc.data[i]!;
    if (a instanceof ExcelError) return a;
    if (typeof a !== 'number') return ERR.VALUE;
    const p = excelPower(x, n + i * m);
    if (p instanceof ExcelError) return ERR.NUM;
    s += a * p;
  }
  return s;
});

// ------------------------------------------------------------------ randomness

defineFn('RAND', [], 0, 0, (ctx) => ctx.book.random(), { volatile: true });
defineFn(
  'RANDBETWEEN',
  ['number', 'number'],
  2,
  2,
  (ctx, lo: number, hi: number) => {
    const a = Math.ceil(lo);
    const b = Math.floor(hi);
    if (a > b) return ERR.NUM;
    return a + Math.floor(ctx.book.random() * (b - a + 1));
  },
  { volatile: true },
);

// ---------------------------------------------------------- bases and numerals

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

defineFn('BASE', ['number', 'number', 'number'], 2, 3, (_ctx, n: number, radix: number, minLen?: number) => {
  n = Math.trunc(n);
  radix = Math.trunc(radix);
  const len = Math.trunc(minLen ?? 0);
  if (n < 0 || n >= 2 ** 53 || radix < 2 || radix > 36 || len < 0 || len > 255) return ERR.NUM;
  return n.toString(radix).toUpperCase().padStart(len, '0');
});

defineFn('DECIMAL', ['text', 'number'], 2, 2, (_ctx, text: string, radix: number) => {
  radix = Math.trunc(radix);
  if (radix < 2 || radix > 36) return ERR.NUM;
  if (text.length > 255) return ERR.VALUE;
  let r = 0;
  for (const ch of text.toUpperCase()) {
    const d = DIGITS.indexOf(ch);
    if (d < 0 || d >= radix) return ERR.NUM;
    r = r * radix + d;
  }
  return r >= 2 ** 53 ? ERR.NUM : r;
});

const ROMAN_VALUES: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };

/** ARABIC: each numeral adds its value, or subtracts it when a larger one follows. */
defineFn('ARABIC', ['text'], 1, 1, (_ctx, text: string) => {
  let s = text.trim().toUpperCase();
  if (s.length > 255) return ERR.VALUE;
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  }
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = ROMAN_VALUES[s[i]!];
    if (v === undefined) return ERR.VALUE;
    const next = i + 1 < s.length ? ROMAN_VALUES[s[i + 1]!] ?? 0 : 0;
    total += next > v ? -v : v;
  }
  return sign * total;
});

const ROMAN_CHARS = ['M', 'D', 'C', 'L', 'X', 'V', 'I'];
const ROMAN_NUMS = [1000, 500, 100, 50, 10, 5, 1];

/**
 * ROMAN with Excel's five forms: 0 classic ... 4 simplified. Form k allows the
 * subtractive pair to skip up to k smaller numerals (499 → CDXCIX, LDVLIV, XDIX, VDIV, ID).
 */
export function toRoman(n: number, form: number): string {
  let out = '';
  let val = n;
  const maxIndex = ROMAN_NUMS.length - 1;
  for (let i = 0; i <= maxIndex / 2; i++) {
    let index = 2 * i;
    const digit = Math.floor(val / ROMAN_NUMS[index]!);
    if (digit % 5 === 4) {
      const index2 = digit === 4 ? index - 1 : index - 2;
      let steps = 0;
      while (steps < form && index < maxIndex) {
        steps++;
        if (ROMAN_NUMS[index2]! - ROMAN_NUMS[index + 1]! <= val) index++;
        else steps = form;
      }
      out += ROMAN_CHARS[index]! + ROMAN_CHARS[index2]!;
      val = val + ROMAN_NUMS[index]! - ROMAN_NUMS[index2]!;
    } else {
      if (digit > 4) out += ROMAN_CHARS[index - 1]!;
      out += ROMAN_CHARS[index]!.repeat(digit % 5);
      val %= ROMAN_NUMS[index]!;
    }
  }
  return out;
}

defineFn('ROMAN', ['number', 'scalar'], 1, 2, (_ctx, n: number, form?: Scalar) => {
  let f = 0;
  if (form instanceof ExcelError) return form;
  if (typeof form === 'boolean') f = form ? 0 : 4;
  else if (form !== undefined && form !== null) {
    const x = toNumber(form);
    if (x instanceof ExcelError) return x;
    f = Math.trunc(x);
  }
  n = Math.trunc(n);
  if (n < 0 || n > 3999 || f < 0 || f > 4) return ERR.VALUE;
  return toRoman(n, f);
});

// -------------------------------------------------------------------- matrices

/** A numeric matrix from an argument: every element must be a number (#VALUE! otherwise). */
function numericMatrix(v: Value, ctx: Ctx): { m: Matrix; x: number[] } | ExcelError {
  const m = toMatrix(v, ctx);
  if (m instanceof ExcelError) return m;
  const x: number[] = new Array(m.data.length);
  for (let i = 0; i < m.data.length; i++) {
    const e = m.data[i]!;
    if (e instanceof ExcelError) return e;
    if (typeof e !== 'number') return ERR.VALUE;
    x[i] = e;
  }
  return { m, x };
}

/** LU decomposition with partial pivoting: the determinant of an n×n row-major matrix. */
function determinant(a: number[], n: number): number {
  a = a.slice();
  let det = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]!) > Math.abs(a[p * n + k]!)) p = i;
    if (a[p * n + k] === 0) return 0;
    if (p !== k) {
      for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j]!, a[k * n + j]!];
      det = -det;
    }
    const piv = a[k * n + k]!;
    det *= piv;
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / piv;
      if (f === 0) continue;
      for (let j = k; j < n; j++) a[i * n + j] = a[i * n + j]! - f * a[k * n + j]!;
    }
  }
  return det;
}

defineFn('MDETERM', ['any'], 1, 1, (ctx, v: Value) => {
  const nm = numericMatrix(v, ctx);
  if (nm instanceof ExcelError) return nm;
  if (nm.m.rows !== nm.m.cols || nm.m.rows === 0) return ERR.VALUE;
  return finite(determinant(nm.x, nm.m.rows));
}, { arrays: 'a' });

/** Gauss-Jordan inversion with partial pivoting; a singular matrix is #NUM!. */
defineFn('MINVERSE', ['any'], 1, 1, (ctx, v: Value) => {
  const nm = numericMatrix(v, ctx);
  if (nm instanceof ExcelError) return nm;
  const n = nm.m.rows;
  if (n !== nm.m.cols || n === 0) return ERR.VALUE;
  const w = 2 * n;
  const a: number[] = new Array(n * w).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * w + j] = nm.x[i * n + j]!;
    a[i * w + n + i] = 1;
  }
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * w + k]!) > Math.abs(a[p * w + k]!)) p = i;
    if (a[p * w + k] === 0) return ERR.NUM;
    if (p !== k) for (let j = 0; j < w; j++) [a[k * w + j], a[p * w + j]] = [a[p * w + j]!, a[k * w + j]!];
    const piv = a[k * w + k]!;
    for (let j = 0; j < w; j++) a[k * w + j] = a[k * w + j]! / piv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = a[i * w + k]!;
      if (f === 0) continue;
      for (let j = 0; j < w; j++) a[i * w + j] = a[i * w + j]! - f * a[k * w + j]!;
    }
  }
  const out: Scalar[] = new Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = a[i * w + n + j]!;
  return new Matrix(n, n, out);
}, { arrays: 'a' });

defineFn('MMULT', ['any', 'any'], 2, 2, (ctx, av: Value, bv: Value) => {
  const a = numericMatrix(av, ctx);
  if (a instanceof ExcelError) return a;
  const b = numericMatrix(bv, ctx);
  if (b instanceof ExcelError) return b;
  const n = a.m.rows;
  const k = a.m.cols;
  const m = b.m.cols;
  if (k !== b.m.rows) return ERR.VALUE;
  const tooLarge = arraySizeError(n, m);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = new Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a.x[i * k + t]! * b.x[t * m + j]!;
      out[i * m + j] = s;
    }
  }
  return new Matrix(n, m, out);
}, { arrays: 'a' });

defineFn('MUNIT', ['number'], 1, 1, (_ctx, n: number) => {
  n = Math.trunc(n);
  if (n < 1) return ERR.VALUE;
  const tooLarge = arraySizeError(n, n);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return new Matrix(n, n, out);
});
