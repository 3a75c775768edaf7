/**
 * Excel's operators. Each takes evaluated operands (possibly references or arrays) and
 * applies Excel's coercion, error propagation and element-wise array semantics.
 */
import { arraySizeError, refMatrix, scalar, toNumber, toText, round15, MAX_TEXT } from './coerce.js';
import { ERR, ExcelError, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from './values.js';

type Binary = (a: Scalar, b: Scalar) => Scalar;

function isArrayValue(v: Value, ctx: Ctx): boolean {
  return v instanceof Matrix || (v instanceof Ref && !v.isCell && ctx.array);
}

/** The operand as a Matrix, or the size error of a reference too large to hold. */
function asMatrix(v: Value, ctx: Ctx): Matrix | ExcelError {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref) return refMatrix(v);
  return new Matrix(1, 1, [scalar(v, ctx)]);
}

/**
 * Applies a scalar operator, broadcasting over arrays like Excel. The result's size is
 * checked before it is allocated (a 1,048,576-row column against a 16,384-column row
 * would be 2^34 cells): past Excel's grid #NUM!, past the runtime's cell cap #CALC!.
 */
function binary(op: Binary, a: Value, b: Value, ctx: Ctx): Value {
  if (isArrayValue(a, ctx) || isArrayValue(b, ctx)) {
    const ma = asMatrix(a, ctx);
    if (ma instanceof ExcelError) return ma;
    const mb = asMatrix(b, ctx);
    if (mb instanceof ExcelError) return mb;
    const rows = ma.rows === 1 ? mb.rows : mb.rows === 1 ? ma.rows : Math.max(ma.rows, mb.rows);
    const cols = ma.cols === 1 ? mb.cols : mb.cols === 1 ? ma.cols : Math.max(ma.cols, mb.cols);
    const tooLarge = arraySizeError(rows, cols);
    if (tooLarge) return tooLarge;
    const out: Scalar[] = new Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const ia = ma.rows === 1 ? 0 : i;
        const ja = ma.cols === 1 ? 0 : j;
        const ib = mb.rows === 1 ? 0 : i;
        const jb = mb.cols === 1 ? 0 : j;
        out[i * cols + j] =
          ia < ma.rows && ja < ma.cols && ib < mb.rows && jb < mb.cols ? op(ma.get(ia, ja), mb.get(ib, jb)) : ERR.NA;
      }
    }
    return new Matrix(rows, cols, out);
  }
  return op(scalar(a, ctx), scalar(b, ctx));
}

function unary(op: (a: Scalar) => Scalar, a: Value, ctx: Ctx): Value {
  if (isArrayValue(a, ctx)) {
    const m = asMatrix(a, ctx);
    if (m instanceof ExcelError) return m;
    return new Matrix(m.rows, m.cols, m.data.map(op));
  }
  return op(scalar(a, ctx));
}

function numeric(f: (x: number, y: number) => number | ExcelError): Binary {
  return (a, b) => {
    const x = toNumber(a);
    if (x instanceof ExcelError) return x;
    const y = toNumber(b);
    if (y instanceof ExcelError) return y;
    const r = f(x, y);
    if (typeof r === 'number' && !Number.isFinite(r)) return ERR.NUM;
    return r;
  };
}

/**
 * Excel's subtraction and addition snap results that are equal up to the 15th
 * significant digit to zero (e.g. `=0.3-0.2-0.1` is 0, not -2.8e-17 as in IEEE).
 */
function addSnap(x: number, y: number): number {
  const r = x + y;
  if (r !== 0 && Math.abs(r) < Math.max(Math.abs(x), Math.abs(y)) * 1e-15) return 0;
  return r;
}

const addOp = numeric((x, y) => addSnap(x, y));
const subOp = numeric((x, y) => addSnap(x, -y));
const mulOp = numeric((x, y) => x * y);
const divOp = numeric((x, y) => (y === 0 ? ERR.DIV0 : x / y));
const powOp = numeric((x, y) => {
  if (x === 0 && y === 0) return ERR.NUM;
  if (x === 0 && y < 0) return ERR.DIV0;
  const r = Math.pow(x, y);
  return Number.isNaN(r) ? ERR.NUM : r;
});
/** `&`: text longer than a cell holds (32,767 characters) is #VALUE!, checked before joining. */
const concatOp: Binary = (a, b) => {
  const x = toText(a);
  if (x instanceof ExcelError) return x;
  const y = toText(b);
  if (y instanceof ExcelError) return y;
  return x.length + y.length > MAX_TEXT ? ERR.VALUE : x + y;
};

/** Type rank for comparisons: numbers < text < booleans. */
function rank(v: Scalar): number {
  return typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2;
}

/** Compares two non-error scalars the way Excel's comparison operators do. Returns -1, 0, 1. */
export function compareScalars(a: Scalar, b: Scalar): number {
  // Blank takes the type of the other side.
  if (a === null) a = typeof b === 'string' ? '' : typeof b === 'boolean' ? false : 0;
  if (b === null) b = typeof a === 'string' ? '' : typeof a === 'boolean' ? false : 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ra === 0) return compareNumbers(a as number, b as number);
  if (ra === 1) {
    const x = (a as string).toLowerCase();
    const y = (b as string).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a === b ? 0 : a ? 1 : -1;
}

/**
 * Numbers compared as Excel compares them, to 15 significant digits (`round15`), without
 * formatting both when they are far apart: rounding moves a number by at most 5e-15 of
 * its magnitude and never reorders two numbers, so a gap wider than 2e-14 of the larger
 * magnitude orders them as they are.
 */
export function compareNumbers(x: number, y: number): number {
  if (x === y) return 0;
  const d = x - y;
  if (Math.abs(d) > Math.max(Math.abs(x), Math.abs(y)) * 2e-14) return d < 0 ? -1 : 1;
  const rx = round15(x);
  const ry = round15(y);
  return rx < ry ? -1 : rx > ry ? 1 : 0;
}

function comparison(test: (c: number) => boolean): Binary {
  return (a, b) => {
    if (a instanceof ExcelError) return a;
    if (b instanceof ExcelError) return b;
    return test(compareScalars(a, b));
  };
}

const eqOp = comparison((c) => c === 0);
const neOp = comparison((c) => c !== 0);
const ltOp = comparison((c) => c < 0);
const leOp = comparison((c) => c <= 0);
const gtOp = comparison((c) => c > 0);
const geOp = comparison((c) => c >= 0);

export const add = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number' ? addSnap(a, b) : binary(addOp, a, b, ctx);
export const sub = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number' ? addSnap(a, -b) : binary(subOp, a, b, ctx);
// Number-number fast paths: the common case in models, without the generic dispatch.
export const mul = (a: Value, b: Value, ctx: Ctx): Value => {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    return Number.isFinite(r) ? r : ERR.NUM;
  }
  return binary(mulOp, a, b, ctx);
};
export const div = (a: Value, b: Value, ctx: Ctx): Value => {
  if (typeof a === 'number' && typeof b === 'number' && b !== 0) {
    const r = a / b;
    return Number.isFinite(r) ? r : ERR.NUM;
  }
  return binary(divOp, a, b, ctx);
};
export const pow = (a: Value, b: Value, ctx: Ctx): Value => {
  if (typeof a === 'number' && typeof b === 'number') {
    // powOp's rules: 0^0 is #NUM!, 0^negative #DIV/0!, a NaN or infinite result #NUM!.
    if (a === 0) return b > 0 ? Math.pow(a, b) : b === 0 ? ERR.NUM : ERR.DIV0;
    const r = cachedPow(a, b);
    return Number.isFinite(r) ? r : ERR.NUM;
  }
  return binary(powOp, a, b, ctx);
};

/**
 * Math.pow through a small direct-mapped cache. A fractional power costs ~60 ns and
 * models raise the same growth factor to the same few exponents in every row
 * ((1+g)^(t/12) per month and line item). Exact: Math.pow is a pure function of its
 * operands and a slot is used only when both operands are identical (zero bases, whose
 * sign === cannot tell apart, never come here).
 */
function cachedPow(a: number, b: number): number {
  POW_BITS[0] = a;
  POW_BITS[1] = b;
  const h = Math.imul(POW_WORDS[0]! ^ POW_WORDS[1]! ^ POW_WORDS[2]! ^ POW_WORDS[3]!, 0x9e3779b1) >>> (32 - POW_CACHE_BITS);
  if (POW_BASES[h] === a && POW_EXPONENTS[h] === b) return POW_RESULTS[h]!;
  const r = Math.pow(a, b);
  POW_BASES[h] = a;
  POW_EXPONENTS[h] = b;
  POW_RESULTS[h] = r;
  return r;
}

const POW_CACHE_BITS = 10;
const POW_BITS = new Float64Array(2);
const POW_WORDS = new Uint32Array(POW_BITS.buffer);
/** Slots start as NaN, equal to nothing. */
const POW_BASES = new Float64Array(1 << POW_CACHE_BITS).fill(NaN);
const POW_EXPONENTS = new Float64Array(1 << POW_CACHE_BITS).fill(NaN);
const POW_RESULTS = new Float64Array(1 << POW_CACHE_BITS);

/*
 * Arithmetic of the numeric variants of generated shapes (codegen's `numeric_variant`):
 * numbers in, a number out, NaN where Excel's operator would give an error or the
 * operands need its coercions. A NaN result (or an infinite one) sends the cell to the
 * general code, which computes the error Excel shows; so these only have to never turn
 * an error into a finite number. NaN propagates through + - * /; an infinity does too,
 * except where a division or a power would map it back to a finite value, so those two
 * refuse infinite operands (a divisor read from a cell or written as a number is never
 * infinite: codegen divides by it plainly). MIN, MAX and AVERAGE take Infinity as an
 * argument they skip, which only `SheetStore.agg` gives (see `nmin`).
 */
/** `+` on numbers (Excel's zero snap, as `add`). */
export const nadd = addSnap;
/** `/` on numbers: NaN for a zero or non-finite divisor, a non-finite dividend. */
export function ndiv(x: number, y: number): number {
  return y === 0 || y - y !== 0 || x - x !== 0 ? NaN : x / y;
}
/**
 * MIN and MAX of two arguments as the functions fold them (the first of equal ones).
 * An operand is a number, Infinity for an argument the functions skip (a blank, text
 * or logical cell: `SheetStore.agg`; codegen makes any other infinity NaN with `nfin`),
 * or NaN for an error; all skipped gives Infinity, which `nskipped0` makes 0.
 */
export function nmin(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return a === Infinity ? b : b === Infinity ? a : b < a ? b : a;
}
export function nmax(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return a === Infinity ? b : b === Infinity ? a : b > a ? b : a;
}
/** MIN or MAX of arguments all skipped: 0, as the functions give. */
export function nskipped0(x: number): number {
  return x === Infinity ? 0 : x;
}
/** A counted argument of MIN, MAX or AVERAGE: an infinity (an overflow) is NaN, never "skipped". */
export function nfin(x: number): number {
  return x - x === 0 ? x : NaN;
}
/**
 * AVERAGE of `k` arguments (operands as for `nmin`): the sum from 0 of those not
 * skipped, in argument order, over their count; NaN when all are skipped (#DIV/0!).
 */
export function navg(k: number, a: number, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0): number {
  let sum = 0;
  let n = 0;
  if (a !== Infinity) (sum += a), n++;
  if (k > 1 && b !== Infinity) (sum += b), n++;
  if (k > 2 && c !== Infinity) (sum += c), n++;
  if (k > 3 && d !== Infinity) (sum += d), n++;
  if (k > 4 && e !== Infinity) (sum += e), n++;
  if (k > 5 && f !== Infinity) (sum += f), n++;
  if (k > 6 && g !== Infinity) (sum += g), n++;
  if (k > 7 && h !== Infinity) (sum += h), n++;
  return n === 0 ? NaN : sum / n;
}
/**
 * IF in the numeric variant: its condition as 1 (TRUE), 0 (FALSE) or NaN (an error, or
 * a value the general code must judge), its branches as numbers. Both branches are
 * evaluated (numeric code has no effects and raises nothing); the one not taken is
 * dropped, as IF drops it.
 */
export function nif(cond: number, a: number, b: number): number {
  return cond === 1 ? a : cond === 0 ? b : NaN;
}
/** A number as IF's condition: 0 is FALSE, any other number TRUE; NaN and infinities (errors) NaN. */
export function ntruth(v: number): number {
  return v - v === 0 ? (v !== 0 ? 1 : 0) : NaN;
}
/** A comparison's result as a condition: TRUE 1, FALSE 0, anything else (an error) NaN. */
export function nbool(v: Value): number {
  return v === true ? 1 : v === false ? 0 : NaN;
}
/** Two numbers compared as `=` and the other comparisons compare them (`compareNumbers`); NaN unless both are finite. */
function ncompare(a: number, b: number): number {
  return a - a === 0 && b - b === 0 ? compareNumbers(a, b) : NaN;
}
/** The comparison operators on numbers, as conditions (see `nif`). */
export function neq(a: number, b: number): number {
  const c = ncompare(a, b);
  return c === 0 ? 1 : c === c ? 0 : NaN;
}
export function nne(a: number, b: number): number {
  const c = ncompare(a, b);
  return c === 0 ? 0 : c === c ? 1 : NaN;
}
export function nlt(a: number, b: number): number {
  const c = ncompare(a, b);
  return c < 0 ? 1 : c === c ? 0 : NaN;
}
export function nle(a: number, b: number): number {
  const c = ncompare(a, b);
  return c <= 0 ? 1 : c === c ? 0 : NaN;
}
export function ngt(a: number, b: number): number {
  const c = ncompare(a, b);
  return c > 0 ? 1 : c === c ? 0 : NaN;
}
export function nge(a: number, b: number): number {
  const c = ncompare(a, b);
  return c >= 0 ? 1 : c === c ? 0 : NaN;
}
/** `^` on numbers: NaN where `pow` gives an error or the result is not finite. */
export function npow(x: number, y: number): number {
  if (x - x !== 0 || y - y !== 0) return NaN;
  if (x === 0) return y > 0 ? Math.pow(x, y) : NaN;
  const r = cachedPow(x, y);
  return r - r === 0 ? r : NaN;
}
export const concat = (a: Value, b: Value, ctx: Ctx): Value => binary(concatOp, a, b, ctx);
// Number-number fast paths, as for arithmetic.
export const eq = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number'
    ? compareNumbers(a, b) === 0
    : typeof a === 'string' && typeof b === 'string'
      ? sameText(a, b)
      : binary(eqOp, a, b, ctx);
export const ne = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number'
    ? compareNumbers(a, b) !== 0
    : typeof a === 'string' && typeof b === 'string'
      ? !sameText(a, b)
      : binary(neOp, a, b, ctx);

/**
 * Text equality as `=` compares (`compareScalars`: case folded by toLowerCase), with
 * no folding when the two are the same string: a column of IF(C2="Internal", ...)
 * tests text per row.
 */
function sameText(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}
export const lt = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number' ? compareNumbers(a, b) < 0 : binary(ltOp, a, b, ctx);
export const le = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number' ? compareNumbers(a, b) <= 0 : binary(leOp, a, b, ctx);
export const gt = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number' ? compareNumbers(a, b) > 0 : binary(gtOp, a, b, ctx);
export const ge = (a: Value, b: Value, ctx: Ctx): Value =>
  typeof a === 'number' && typeof b === 'number' ? compareNumbers(a, b) >= 0 : binary(geOp, a, b, ctx);

const negOp = (a: Scalar): Scalar => {
  const x = toNumber(a);
  return x instanceof ExcelError ? x : -x;
};
const plusOp = (a: Scalar): Scalar => a;
const pctOp = (a: Scalar): Scalar => {
  const x = toNumber(a);
  return x instanceof ExcelError ? x : x / 100;
};
export const neg = (a: Value, ctx: Ctx): Value => (typeof a === 'number' ? -a : unary(negOp, a, ctx));
export const plus = (a: Value, ctx: Ctx): Value => (a instanceof Ref || a instanceof Matrix ? a : unary(plusOp, a, ctx));
export const percent = (a: Value, ctx: Ctx): Value => unary(pctOp, a, ctx);

/** `@x`: implicit intersection. */
export function implicit(a: Value, ctx: Ctx): Value {
  if (a instanceof Ref) return a.isCell ? a : scalar(a, ctx);
  if (a instanceof Matrix) return a.rows && a.cols ? a.get(0, 0) : ERR.VALUE;
  return a;
}

/** `A1:B2` between two computed references: the bounding rectangle. */
export function range(a: Value, b: Value): Value {
  if (a instanceof ExcelError) return a;
  if (b instanceof ExcelError) return b;
  if (!(a instanceof Ref) || !(b instanceof Ref)) return ERR.VALUE;
  if (a.sheet !== b.sheet) return ERR.VALUE;
  return new Ref(
    a.sheet,
    Math.min(a.r0, b.r0),
    Math.min(a.c0, b.c0),
    Math.max(a.r1, b.r1),
    Math.max(a.c1, b.c1),
  );
}

/** `A1:B2 B1:C3`: the intersection, or #NULL! when empty. */
export function intersection(a: Value, b: Value): Value {
  if (a instanceof ExcelError) return a;
  if (b instanceof ExcelError) return b;
  if (!(a instanceof Ref) || !(b instanceof Ref)) return ERR.VALUE;
  if (a.sheet !== b.sheet) return ERR.VALUE;
  const r0 = Math.max(a.r0, b.r0);
  const c0 = Math.max(a.c0, b.c0);
  const r1 = Math.min(a.r1, b.r1);
  const c1 = Math.min(a.c1, b.c1);
  if (r0 > r1 || c0 > c1) return ERR.NULL;
  return new Ref(a.sheet, r0, c0, r1, c1);
}

/** `(A1,B2)`: a multi-area reference. */
export function union(a: Value, b: Value): Value {
  if (a instanceof ExcelError) return a;
  if (b instanceof ExcelError) return b;
  const left = a instanceof Ref ? [a] : a instanceof RefList ? a.areas : null;
  const right = b instanceof Ref ? [b] : b instanceof RefList ? b.areas : null;
  if (!left || !right) return ERR.VALUE;
  return new RefList([...left, ...right]);
}
