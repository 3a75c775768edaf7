/**
 * Engineering functions: base conversions (BIN/OCT/DEC/HEX), bitwise functions, DELTA,
 * GESTEP, CONVERT, complex numbers (IM*, as text "a+bi") and Bessel functions.
 */
import { forEachInRef } from '../../aggregate.js';
import { numberToText, toNumber } from '../../coerce.js';
import { coerceAtp } from '../financial/atp.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, RefList, type Scalar, type Value } from '../../values.js';
import { convertUnits } from './convert.js';
import { besselI, besselJ, besselK, besselY } from './bessel.js';

// ---------------------------------------------------------------- base conversions

interface Base {
  radix: number;
  digits: RegExp;
  /** Two's complement width in bits (10 digits). */
  bits: number;
}
const BIN: Base = { radix: 2, digits: /^[01]{0,10}$/, bits: 10 };
const OCT: Base = { radix: 8, digits: /^[0-7]{0,10}$/, bits: 30 };
const HEX: Base = { radix: 16, digits: /^[0-9A-Fa-f]{0,10}$/, bits: 40 };

/** The digits argument as text: numbers as written (BIN2DEC(1100100)); booleans #VALUE!. */
function digitsText(v: Scalar): string | ExcelError {
  if (v instanceof ExcelError) return v;
  if (typeof v === 'boolean') return ERR.VALUE;
  if (v === null) return '';
  if (typeof v === 'number') {
    if (v < 0 || v !== Math.trunc(v)) return ERR.NUM;
    return numberToText(v);
  }
  return v;
}

/** Parses 10-digit two's complement text in a base; #NUM! when invalid. */
function parseBase(v: Scalar, base: Base): number | ExcelError {
  const t = digitsText(v);
  if (t instanceof ExcelError) return t;
  if (!base.digits.test(t)) return ERR.NUM;
  if (t === '') return 0;
  const n = parseInt(t, base.radix);
  const limit = 2 ** base.bits;
  return n >= limit / 2 ? n - limit : n;
}

/**
 * Validates `places`: omitted is undefined; a blank cell counts as 0 (#NUM!, corpus
 * NUMBER_SYSTEMS Decimal!D10); booleans #VALUE!; outside 1..10 #NUM!.
 */
function placesArg(places: Scalar | undefined): number | undefined | ExcelError {
  if (places === undefined) return undefined;
  if (places instanceof ExcelError) return places;
  const p = places === null ? 0 : num(places);
  if (p instanceof ExcelError) return p;
  const k = Math.trunc(p);
  return k < 1 || k > 10 ? ERR.NUM : k;
}

/** Formats a value in a base: negatives as 10-digit two's complement; `places` pads. */
function formatBase(n: number, base: Base, k: number | undefined): string | ExcelError {
  const limit = 2 ** base.bits;
  if (n < -limit / 2 || n >= limit / 2) return ERR.NUM;
  if (n < 0) return (limit + n).toString(base.radix).toUpperCase();
  const s = n.toString(base.radix).toUpperCase();
  if (k === undefined) return s;
  if (s.length > k) return ERR.NUM;
  return s.padStart(k, '0');
}

/** Number coercion that rejects booleans (engineering functions give #VALUE! for TRUE). */
function num(v: Scalar): number | ExcelError {
  if (typeof v === 'boolean') return ERR.VALUE;
  return toNumber(v);
}

function fromBase(from: Base, to: Base | null) {
  return (_ctx: unknown, v: Scalar, places?: Scalar): Scalar => {
    if (places instanceof ExcelError) return places;
    const n = parseBase(v, from);
    if (n instanceof ExcelError) return n;
    if (!to) return n;
    // places is validated even when it is ignored (negative numbers).
    const k = placesArg(places);
    return k instanceof ExcelError ? k : formatBase(n, to, k);
  };
}

/**
 * DEC2BIN/OCT/HEX check `places` before the number: DEC2BIN("E",0) is #NUM! but
 * DEC2BIN("E",1) is #VALUE! (corpus BASES places!G38, G39).
 */
function fromDecimal(to: Base) {
  return (_ctx: unknown, v: Scalar, places?: Scalar): Scalar => {
    if (v instanceof ExcelError) return v;
    const k = placesArg(places);
    if (k instanceof ExcelError) return k;
    const x = num(v);
    if (x instanceof ExcelError) return x;
    return formatBase(Math.trunc(x), to, k);
  };
}

const bases: [string, Base][] = [
  ['BIN', BIN],
  ['OCT', OCT],
  ['HEX', HEX],
];
for (const [fromName, from] of bases) {
  defineFn(`${fromName}2DEC`, ['scalar'], 1, 1, fromBase(from, null));
  for (const [toName, to] of bases) {
    if (to === from) continue;
    defineFn(`${fromName}2${toName}`, ['scalar', 'scalar'], 1, 2, fromBase(from, to));
  }
  defineFn(`DEC2${fromName}`, ['scalar', 'scalar'], 1, 2, fromDecimal(from));
}

// ---------------------------------------------------------------- bitwise

const BIT_LIMIT = 2 ** 48;

function bitArg(n: number): number | ExcelError {
  if (n < 0 || n >= BIT_LIMIT || n !== Math.trunc(n)) return ERR.NUM;
  return n;
}

/** Splits into high and low 24-bit halves so the 48-bit operations stay exact. */
function bitwise(op: (a: number, b: number) => number) {
  return (_ctx: unknown, x: number, y: number): Scalar => {
    const a = bitArg(x);
    if (a instanceof ExcelError) return a;
    const b = bitArg(y);
    if (b instanceof ExcelError) return b;
    const H = 2 ** 24;
    const hi = op(Math.floor(a / H), Math.floor(b / H)) >>> 0;
    const lo = op(a % H, b % H) >>> 0;
    return hi * H + lo;
  };
}
defineFn('BITAND', ['number', 'number'], 2, 2, bitwise((a, b) => a & b));
defineFn('BITOR', ['number', 'number'], 2, 2, bitwise((a, b) => a | b));
defineFn('BITXOR', ['number', 'number'], 2, 2, bitwise((a, b) => a ^ b));

function shift(x: number, s: number): Scalar {
  const a = bitArg(x);
  if (a instanceof ExcelError) return a;
  const k = Math.trunc(s);
  if (Math.abs(k) > 53) return ERR.NUM;
  const r = k >= 0 ? a * 2 ** k : Math.floor(a / 2 ** -k);
  return r >= BIT_LIMIT ? ERR.NUM : r;
}
defineFn('BITLSHIFT', ['number', 'number'], 2, 2, (_ctx, x: number, s: number) => shift(x, s));
defineFn('BITRSHIFT', ['number', 'number'], 2, 2, (_ctx, x: number, s: number) => shift(x, -s));

// ---------------------------------------------------------------- DELTA / GESTEP / CONVERT

/** Two numeric arguments rejecting booleans; the second defaults to 0. */
function twoNums(f: (a: number, b: number) => Scalar) {
  return (_ctx: unknown, x: Scalar, y?: Scalar): Scalar => {
    const a = num(x);
    if (a instanceof ExcelError) return a;
    const b = y === undefined ? 0 : num(y);
    if (b instanceof ExcelError) return b;
    return f(a, b);
  };
}
defineFn('DELTA', ['scalar', 'scalar'], 1, 2, twoNums((a, b) => (a === b ? 1 : 0)));
defineFn('GESTEP', ['scalar', 'scalar'], 1, 2, twoNums((a, b) => (a >= b ? 1 : 0)));

/** CONVERT came from the Analysis ToolPak: a boolean number is #VALUE! (as EFFECT(10,TRUE), corpus). */
defineFn('CONVERT', ['scalar', 'text', 'text'], 3, 3, (_ctx, v: Scalar, from: string, to: string) => {
  const x = coerceAtp(v);
  if (x === undefined || x instanceof ExcelError) return x ?? ERR.VALUE;
  const r = convertUnits(x, from, to);
  if (r === undefined) return ERR.NA;
  return Number.isFinite(r) ? r : ERR.NUM;
});

// ---------------------------------------------------------------- complex numbers

interface Complex {
  re: number;
  im: number;
  /** 'i' or 'j' as written; null when the text had no imaginary unit. */
  unit: 'i' | 'j' | null;
}

const NUM = '(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?';
const RE_FULL = new RegExp(`^([+-]?${NUM})([+-])(${NUM})?([ij])$`);
const RE_IMAG = new RegExp(`^([+-]?)(${NUM})?([ij])$`);
const RE_REAL = new RegExp(`^[+-]?${NUM}$`);

/** Parses Excel's complex text ("3+4i", "-2.5j", "i", "7"); #NUM! when not a complex number. */
export function parseComplex(v: Scalar): Complex | ExcelError {
  if (v instanceof ExcelError) return v;
  if (typeof v === 'number') return { re: v, im: 0, unit: null };
  if (typeof v === 'boolean') return ERR.VALUE;
  if (v === null || v === '') return { re: 0, im: 0, unit: null };
  const s = v;
  let m = RE_FULL.exec(s);
  if (m) {
    const im = m[3] === undefined ? 1 : Number(m[3]);
    return { re: Number(m[1]), im: m[2] === '-' ? -im : im, unit: m[4] as 'i' | 'j' };
  }
  m = RE_IMAG.exec(s);
  if (m) {
    const im = m[2] === undefined ? 1 : Number(m[2]);
    return { re: 0, im: m[1] === '-' ? -im : im, unit: m[3] as 'i' | 'j' };
  }
  if (RE_REAL.test(s)) return { re: Number(s), im: 0, unit: null };
  return ERR.NUM;
}

/**
 * One part of a complex number as text: 15 significant digits, in fixed notation when
 * those digits fit within 18 decimal places, else like a cell's General text ("1E-20").
 * Excel's complex functions write 1E-16 as "0.0000000000000001" and 1E-18 as
 * "0.000000000000000001" but 1E-20 as "1E-20" and 1.2E-45 as "1.2E-45" (corpus COMPLEXs
 * Sheet1!D16:D19, D13), while IMSQRT(-1) is "6.12323399573677E-17+i" (Excel's
 * documentation examples): the choice depends on the decimals the digits need, not on
 * the magnitude alone.
 */
export function complexPartText(x: number): string {
  const r = Number(x.toPrecision(15));
  const abs = Math.abs(r);
  if (abs === 0 || abs >= 1) return numberToText(r);
  const [mant, exp] = r.toExponential(14).split('e') as [string, string];
  const digits = mant.replace('-', '').replace('.', '').replace(/0+$/, '');
  const decimals = -Number(exp) + digits.length - 1;
  if (decimals > 18) return numberToText(r);
  return (r < 0 ? '-' : '') + abs.toFixed(decimals);
}

/** Formats like Excel: "3+4i", "-i", "2.5j", "0"; up to 15 significant digits. */
export function formatComplex(re: number, im: number, unit: 'i' | 'j' | null): Scalar {
  if (!Number.isFinite(re) || !Number.isFinite(im)) return ERR.NUM;
  const u = unit ?? 'i';
  const r = Number(re.toPrecision(15));
  const i = Number(im.toPrecision(15));
  if (i === 0) return complexPartText(r);
  const imText = i === 1 ? '' : i === -1 ? '-' : complexPartText(i);
  if (r === 0) return imText + u;
  return complexPartText(r) + (i > 0 ? '+' : '') + imText + u;
}

type C = [number, number];

function complexFn(f: (z: C) => C | ExcelError) {
  return (_ctx: unknown, v: Scalar): Scalar => {
    const z = parseComplex(v);
    if (z instanceof ExcelError) return z;
    const r = f([z.re, z.im]);
    if (r instanceof ExcelError) return r;
    return formatComplex(r[0], r[1], z.unit);
  };
}

const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
function cdiv(a: C, b: C): C | ExcelError {
  const d = b[0] * b[0] + b[1] * b[1];
  if (d === 0) return ERR.NUM;
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
}
const csin = ([a, b]: C): C => [Math.sin(a) * Math.cosh(b), Math.cos(a) * Math.sinh(b)];
const ccos = ([a, b]: C): C => [Math.cos(a) * Math.cosh(b), -Math.sin(a) * Math.sinh(b)];
const csinh = ([a, b]: C): C => [Math.sinh(a) * Math.cos(b), Math.cosh(a) * Math.sin(b)];
const ccosh = ([a, b]: C): C => [Math.cosh(a) * Math.cos(b), Math.sinh(a) * Math.sin(b)];
function cln([a, b]: C): C | ExcelError {
  if (a === 0 && b === 0) return ERR.NUM;
  return [Math.log(Math.hypot(a, b)), Math.atan2(b, a)];
}
const one: C = [1, 0];

defineFn('COMPLEX', ['number', 'number', 'scalar'], 2, 3, (_ctx, re: number, im: number, suffix?: Scalar) => {
  if (suffix instanceof ExcelError) return suffix;
  let u: 'i' | 'j' = 'i';
  if (suffix !== undefined && suffix !== null && suffix !== '') {
    if (suffix !== 'i' && suffix !== 'j') return ERR.VALUE;
    u = suffix;
  }
  return formatComplex(re, im, u);
});

defineFn('IMREAL', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  const z = parseComplex(v);
  return z instanceof ExcelError ? z : z.re;
});
defineFn('IMAGINARY', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  const z = parseComplex(v);
  return z instanceof ExcelError ? z : z.im;
});
defineFn('IMABS', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  const z = parseComplex(v);
  return z instanceof ExcelError ? z : Math.hypot(z.re, z.im);
});
defineFn('IMARGUMENT', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  const z = parseComplex(v);
  if (z instanceof ExcelError) return z;
  if (z.re === 0 && z.im === 0) return ERR.DIV0;
  return Math.atan2(z.im, z.re);
});
defineFn('IMCONJUGATE', ['scalar'], 1, 1, complexFn(([a, b]) => [a, -b]));
defineFn('IMSIN', ['scalar'], 1, 1, complexFn(csin));
defineFn('IMCOS', ['scalar'], 1, 1, complexFn(ccos));
defineFn('IMTAN', ['scalar'], 1, 1, complexFn((z) => cdiv(csin(z), ccos(z))));
defineFn('IMCOT', ['scalar'], 1, 1, complexFn((z) => cdiv(ccos(z), csin(z))));
defineFn('IMSEC', ['scalar'], 1, 1, complexFn((z) => cdiv(one, ccos(z))));
defineFn('IMCSC', ['scalar'], 1, 1, complexFn((z) => cdiv(one, csin(z))));
defineFn('IMSINH', ['scalar'], 1, 1, complexFn(csinh));
defineFn('IMCOSH', ['scalar'], 1, 1, complexFn(ccosh));
defineFn('IMSECH', ['scalar'], 1, 1, complexFn((z) => cdiv(one, ccosh(z))));
defineFn('IMCSCH', ['scalar'], 1, 1, complexFn((z) => cdiv(one, csinh(z))));
defineFn('IMEXP', ['scalar'], 1, 1, complexFn(([a, b]) => [Math.exp(a) * Math.cos(b), Math.exp(a) * Math.sin(b)]));
defineFn('IMLN', ['scalar'], 1, 1, complexFn(cln));
defineFn(
  'IMLOG10',
  ['scalar'],
  1,
  1,
  complexFn((z) => {
    const l = cln(z);
    return l instanceof ExcelError ? l : [l[0] / Math.LN10, l[1] / Math.LN10];
  }),
);
defineFn(
  'IMLOG2',
  ['scalar'],
  1,
  1,
  complexFn((z) => {
    const l = cln(z);
    return l instanceof ExcelError ? l : [l[0] / Math.LN2, l[1] / Math.LN2];
  }),
);
/** Powers and roots in polar form (what Excel does: IMSQRT(-4) has a tiny real part). */
function cpow([a, b]: C, n: number): C | ExcelError {
  if (a === 0 && b === 0) return n > 0 ? [0, 0] : ERR.NUM;
  const r = Math.pow(Math.hypot(a, b), n);
  const t = Math.atan2(b, a) * n;
  return [r * Math.cos(t), r * Math.sin(t)];
}
defineFn('IMSQRT', ['scalar'], 1, 1, complexFn((z) => cpow(z, 0.5)));
defineFn('IMPOWER', ['scalar', 'number'], 2, 2, (_ctx, v: Scalar, n: number) => {
  const z = parseComplex(v);
  if (z instanceof ExcelError) return z;
  const r = cpow([z.re, z.im], n);
  return r instanceof ExcelError ? r : formatComplex(r[0], r[1], z.unit);
});

/** The unit shared by several complex arguments; mixing i and j is #VALUE!. */
function mergeUnit(a: 'i' | 'j' | null, b: 'i' | 'j' | null): 'i' | 'j' | null | ExcelError {
  if (a && b && a !== b) return ERR.VALUE;
  return a ?? b;
}

defineFn('IMDIV', ['scalar', 'scalar'], 2, 2, (_ctx, x: Scalar, y: Scalar) => {
  const a = parseComplex(x);
  if (a instanceof ExcelError) return a;
  const b = parseComplex(y);
  if (b instanceof ExcelError) return b;
  const u = mergeUnit(a.unit, b.unit);
  if (u instanceof ExcelError) return u;
  const r = cdiv([a.re, a.im], [b.re, b.im]);
  return r instanceof ExcelError ? r : formatComplex(r[0], r[1], u);
});
defineFn('IMSUB', ['scalar', 'scalar'], 2, 2, (_ctx, x: Scalar, y: Scalar) => {
  const a = parseComplex(x);
  if (a instanceof ExcelError) return a;
  const b = parseComplex(y);
  if (b instanceof ExcelError) return b;
  const u = mergeUnit(a.unit, b.unit);
  if (u instanceof ExcelError) return u;
  return formatComplex(a.re - b.re, a.im - b.im, u);
});

/**
 * IMSUM/IMPRODUCT over arguments that may be ranges or arrays. A blank cell is the
 * complex number 0, as for every IM function: IMPRODUCT(A8,B8) of two blank cells and
 * IMPRODUCT(7,B10) with B10 blank are both "0" (corpus COMPLEXs Sheet2!C8, C10). Cells
 * of a reference past the sheet's used range are blank too: they count as one 0.
 */
function foldComplex(args: Value[], init: C, op: (acc: C, z: C) => C): Scalar {
  let acc = init;
  let unit: 'i' | 'j' | null = null;
  let err: ExcelError | null = null;
  const visit = (v: Scalar): boolean => {
    const z = parseComplex(v);
    if (z instanceof ExcelError) {
      err = z;
      return false;
    }
    const u = mergeUnit(unit, z.unit);
    if (u instanceof ExcelError) {
      err = u;
      return false;
    }
    unit = u;
    acc = op(acc, [z.re, z.im]);
    return true;
  };
  const visitRef = (ref: Ref): boolean => {
    if (!forEachInRef(ref, visit)) return false;
    const beyond = ref.r1 > ref.lastUsedRow || ref.c1 > ref.lastUsedCol;
    return beyond ? visit(null) : true;
  };
  for (const a of args) {
    if (a === undefined) continue;
    let ok: boolean;
    if (a instanceof Ref) ok = visitRef(a);
    else if (a instanceof RefList) ok = a.areas.every(visitRef);
    else if (a instanceof Matrix) ok = a.data.every(visit);
    else if (a instanceof Lambda) ok = visit(ERR.CALC);
    else ok = visit(a);
    if (!ok) break;
  }
  if (err) return err;
  return formatComplex(acc[0], acc[1], unit);
}
defineFn('IMSUM', ['any'], 1, 255, (_ctx, ...args: Value[]) => foldComplex(args, [0, 0], (a, z) => [a[0] + z[0], a[1] + z[1]]));
defineFn('IMPRODUCT', ['any'], 1, 255, (_ctx, ...args: Value[]) => foldComplex(args, [1, 0], cmul));

// ---------------------------------------------------------------- Bessel

/**
 * The Bessel functions' order is an integer (truncated); negative is #NUM! as documented.
 * An order past the 32-bit integers Excel's engineering functions take is #NUM! too: the
 * recurrences run one step per order, and 10^300 steps never end.
 */
function bessel(f: (x: number, n: number) => number, positiveX: boolean) {
  return twoNums((x, n) => {
    const k = Math.trunc(n);
    if (k < 0 || k > 2147483647) return ERR.NUM;
    if (positiveX && x <= 0) return ERR.NUM;
    const r = f(x, k);
    return Number.isFinite(r) ? r : ERR.NUM;
  });
}
defineFn('BESSELJ', ['scalar', 'scalar'], 2, 2, bessel(besselJ, false));
defineFn('BESSELI', ['scalar', 'scalar'], 2, 2, bessel(besselI, false));
defineFn('BESSELK', ['scalar', 'scalar'], 2, 2, bessel(besselK, true));
defineFn('BESSELY', ['scalar', 'scalar'], 2, 2, bessel(besselY, true));

