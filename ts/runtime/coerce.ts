/**
 * Coercion between Excel value types, as Excel does it in formulas.
 *
 * `toNumber` and friends return an `ExcelError` instead of throwing: errors are values.
 */
import { ERR, ExcelError, Matrix, Ref, RefList, Lambda, type Ctx, type Scalar, type Value } from './values.js';

/**
 * Reduce any value to one scalar the way a cell formula does: a single-cell reference
 * gives its value; a multi-cell reference is implicitly intersected with the formula's
 * row or column; an array gives its top-left element.
 */
export function scalar(v: Value, ctx: Ctx): Scalar {
  if (v === null || typeof v !== 'object' || v instanceof ExcelError) return v as Scalar;
  if (v instanceof Ref) {
    if (v.isCell) return v.sheet.get(v.r0, v.c0);
    return intersect(v, ctx);
  }
  if (v instanceof Matrix) return v.rows && v.cols ? v.data[0] ?? null : ERR.VALUE;
  if (v instanceof RefList) return v.areas.length === 1 ? scalar(v.areas[0]!, ctx) : ERR.VALUE;
  if (v instanceof Lambda) return ERR.CALC;
  return ERR.VALUE;
}

/** Implicit intersection of a multi-cell reference with the formula cell's row/column. */
export function intersect(ref: Ref, ctx: Ctx): Scalar {
  if (ref.sheet.index !== ctx.sheet && !(ref.rows === 1 || ref.cols === 1)) return ERR.VALUE;
  if (ref.cols === 1) {
    if (ctx.row >= ref.r0 && ctx.row <= ref.r1) return ref.sheet.get(ctx.row, ref.c0);
    return ERR.VALUE;
  }
  if (ref.rows === 1) {
    if (ctx.col >= ref.c0 && ctx.col <= ref.c1) return ref.sheet.get(ref.r0, ctx.col);
    return ERR.VALUE;
  }
  return ERR.VALUE;
}

const HAS_DIGIT = /[0-9]/;

/** Excel's text-to-number parsing: " 12 ", "1,000", "1e3", "50%", "$5", "(3)", dates and times. */
export function parseNumber(text: string): number | undefined {
  // Fast exit for text with no digit at all (labels, names): nothing numeric to parse.
  if (!HAS_DIGIT.test(text)) return undefined;
  let s = text.trim();
  if (s === '') return undefined;
  // Dates and times must not carry surrounding spaces (Excel: " 2024-01-10 " is #VALUE!).
  const padded = s.length !== text.length;
  let neg = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    neg = true;
    s = s.slice(1, -1).trim();
  }
  let pct = false;
  if (s.endsWith('%')) {
    pct = true;
    s = s.slice(0, -1).trim();
  }
  if (s.startsWith('-')) {
    neg = !neg;
    s = s.slice(1).trim();
  } else if (s.startsWith('+')) s = s.slice(1).trim();
  // A currency symbol before or after the number (Excel's stored results accept $ and €).
  if (s.startsWith('$') || s.startsWith('€')) s = s.slice(1).trim();
  else if (s.endsWith('€')) s = s.slice(0, -1).trim();
  if (/^(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?([eE][+-]?\d+)?$/.test(s) && /\d/.test(s)) {
    let n = Number(s.replace(/,/g, ''));
    if (!Number.isFinite(n)) return undefined;
    if (pct) n /= 100;
    return neg ? -n : n;
  }
  if (!pct && !padded) {
    const d = parseDateTime(s);
    if (d !== undefined) return neg ? -d : d;
  }
  return undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Serial number (1900 system) of a calendar date; handles Excel's fictitious 1900-02-29. */
export function dateToSerial(y: number, m: number, d: number): number {
  // Normalise month overflow like DATE does.
  const ms = Date.UTC(y, m - 1, d);
  const epoch = Date.UTC(1899, 11, 31);
  let serial = Math.round((ms - epoch) / 86400000);
  if (serial >= 60) serial += 1; // the 1900 leap-year bug: 1900-02-29 is serial 60
  return serial;
}

/** Parses common date/time text forms into an Excel serial; undefined when not a date. */
export function parseDateTime(s: string): number | undefined {
  let t = s.trim().toLowerCase();
  let time = 0;
  const tm = /(?:^|\s)(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?\s*(am|pm|a|p)?$/.exec(t);
  if (tm) {
    let h = Number(tm[1]);
    const mi = Number(tm[2]);
    const se = tm[3] ? Number(tm[3]) : 0;
    const ap = tm[4];
    if (ap) {
      if (h > 12) return undefined;
      if (ap.startsWith('p') && h < 12) h += 12;
      if (ap.startsWith('a') && h === 12) h = 0;
    }
    if (mi > 59 || se >= 60) return undefined;
    time = (h * 3600 + mi * 60 + se) / 86400;
    t = t.slice(0, tm.index).trim();
    if (t === '') return time;
  }
  let y: number | undefined;
  let m: number | undefined;
  let d: number | undefined;
  let g: RegExpExecArray | null;
  if ((g = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(t))) {
    y = +g[1]!;
    m = +g[2]!;
    d = +g[3]!;
  } else if ((g = /^(\d{1,2})[-/](\d{1,2})[-/](\d{2,4})$/.exec(t))) {
    m = +g[1]!;
    d = +g[2]!;
    y = +g[3]!;
  } else if ((g = /^(\d{1,2})[-/ ]([a-z]{3,9})[-/ ,]*(\d{2,4})?$/.exec(t))) {
    d = +g[1]!;
    m = MONTHS.indexOf(g[2]!.slice(0, 3)) + 1;
    y = g[3] ? +g[3] : new Date().getFullYear();
  } else if ((g = /^([a-z]{3,9})[-/ ](\d{1,2})(?:[-/ ,]+(\d{2,4}))?$/.exec(t))) {
    m = MONTHS.indexOf(g[1]!.slice(0, 3)) + 1;
    d = +g[2]!;
    y = g[3] ? +g[3] : new Date().getFullYear();
  } else if ((g = /^([a-z]{3,9})[-/ ](\d{4})$/.exec(t))) {
    m = MONTHS.indexOf(g[1]!.slice(0, 3)) + 1;
    d = 1;
    y = +g[2]!;
  } else return undefined;
  if (!m || m < 1 || m > 12 || !d || d < 1 || y === undefined) return undefined;
  if (y < 100) y += y < 30 ? 2000 : 1900;
  if (y < 1900 || y > 9999) return undefined;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > dim && !(y === 1900 && m === 2 && d === 29)) return undefined;
  if (y === 1900 && m === 2 && d === 29) return 60 + time;
  return dateToSerial(y, m, d) + time;
}

/** Number coercion for arithmetic: blank → 0, TRUE → 1, numeric text parsed, else #VALUE!. */
export function toNumber(v: Scalar): number | ExcelError {
  switch (typeof v) {
    case 'number':
      return v;
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const n = parseNumber(v);
      return n === undefined ? ERR.VALUE : n;
    }
    default:
      return v === null ? 0 : (v as ExcelError);
  }
}

/** Text coercion: numbers in General format, booleans as TRUE/FALSE, blank as "". */
export function toText(v: Scalar): string | ExcelError {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return numberToText(v);
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    default:
      return v === null ? '' : (v as ExcelError);
  }
}

/** Boolean coercion: numbers non-zero, "TRUE"/"FALSE" text, blank FALSE, other text #VALUE!. */
export function toBool(v: Scalar): boolean | ExcelError {
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'string': {
      const u = v.toUpperCase();
      if (u === 'TRUE') return true;
      if (u === 'FALSE') return false;
      return ERR.VALUE;
    }
    default:
      return v === null ? false : (v as ExcelError);
  }
}

/**
 * A number as Excel's General format shows it in text: at most 15 significant digits,
 * scientific notation for very large or very small magnitudes.
 */
export function numberToText(n: number): string {
  if (n === 0 || Object.is(n, -0)) return '0';
  if (!Number.isFinite(n)) return '#NUM!';
  const abs = Math.abs(n);
  // A whole number below 1e15 has at most 15 digits: its shortest form is Excel's
  // (dates and counts joined into criteria, "<="&C2, once per cell of a summary).
  if (abs < 1e15 && Number.isInteger(n)) return String(n);
  if (abs >= 1e15 || abs < 1e-9) {
    // 1.23456789012346E+20
    const [mant, exp] = n.toExponential(14).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    const e = Number(exp);
    return `${m}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = Number(n.toPrecision(15)).toString();
  if (s.includes('e')) {
    // toString may still choose exponent form for e.g. 1e-7: expand it
    return Number(n.toPrecision(15)).toFixed(20).replace(/\.?0+$/, '');
  }
  return s;
}

/** Rounds to 15 significant digits, as Excel does before comparing and displaying. */
export function round15(n: number): number {
  if (n === 0 || !Number.isFinite(n)) return n;
  return Number(n.toPrecision(15));
}

// ---------------------------------------------------------------------------------
// Excel's limits on values, checked before anything is allocated

/** Rows and columns of Excel's grid: no array has more. */
export const MAX_ROWS = 1048576;
export const MAX_COLS = 16384;
/**
 * The most cells one array value may hold (2^25: thirty-two whole columns, about 270 MB of
 * references, so FILTER(A:Z, ...) over whole columns still runs). Excel's grid is 2^34
 * cells, far beyond what a JavaScript heap holds; an array past this cap is Excel's #CALC!
 * "too many cells" instead of an out-of-memory abort of the host process.
 */
export const MAX_ARRAY_CELLS = 33554432;
/** Longest text a cell can hold (Excel's specifications and limits); longer is #VALUE!. */
export const MAX_TEXT = 32767;

/**
 * The error for an array of `rows` × `cols` before it is built: #NUM! past the grid
 * (Excel's "array too large": more than 1,048,576 rows or 16,384 columns), #CALC! past
 * MAX_ARRAY_CELLS, null when it may be allocated. Non-finite sizes are #NUM!.
 */
export function arraySizeError(rows: number, cols: number): ExcelError | null {
  if (!(rows <= MAX_ROWS) || !(cols <= MAX_COLS)) return ERR.NUM;
  if (rows * cols > MAX_ARRAY_CELLS) return ERR.CALC;
  return null;
}

/** A reference read into a Matrix, or the size error when it is too large to hold. */
export function refMatrix(ref: Ref): Matrix | ExcelError {
  return arraySizeError(ref.rows, ref.cols) ?? ref.toMatrix();
}

/** Text longer than a cell can hold is #VALUE!. */
export function limitText(s: string): string | ExcelError {
  return s.length > MAX_TEXT ? ERR.VALUE : s;
}

/** Value as a Matrix: refs are read, scalars become 1×1; too large a reference gives its size error. */
export function toMatrix(v: Value, ctx: Ctx): Matrix | ExcelError {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref) return refMatrix(v);
  if (v instanceof RefList) return v.areas.length === 1 ? refMatrix(v.areas[0]!) : ERR.VALUE;
  if (v instanceof Lambda) return ERR.CALC;
  return new Matrix(1, 1, [scalar(v, ctx)]);
}
