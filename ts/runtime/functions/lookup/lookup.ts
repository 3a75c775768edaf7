/**
 * Lookup & reference functions: MATCH, VLOOKUP/HLOOKUP, LOOKUP, XLOOKUP/XMATCH, INDEX,
 * OFFSET, INDIRECT, ADDRESS, ROW/COLUMN(S), AREAS, CHOOSE, TRANSPOSE, HYPERLINK.
 *
 * Lookups read references in place through a `Vec` view (no copy of the range). Exact
 * matches compare like Excel's `=` (case-insensitive text, numbers and text never equal)
 * with wildcards where Excel allows them; approximate matches use a binary search.
 */
import { columnName } from '../../address.js';
import { round15, scalar, toMatrix, toNumber, toText } from '../../coerce.js';
import { hasWildcard, wildcardToRegExp } from '../../criteria.js';
import { compareScalars } from '../../ops.js';
import { F, areasOf, defineEntry, defineFn, finite } from '../../registry.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, RefList, type Ctx, type Scalar, type SheetStore, type Value, type ValueClasses } from '../../values.js';

export const MAX_ROWS = 1048576;
export const MAX_COLS = 16384;

/** A one-dimensional view over a row or column of a Ref or Matrix. */
export interface Vec {
  /** Number of cells worth scanning (whole-column refs stop at the used range). */
  readonly n: number;
  /** Full length (for shape checks). */
  readonly len: number;
  at(i: number): Scalar;
  /** The value classes of its first `n` cells, when its store keeps them. */
  classes?(): ValueClasses | undefined;
}

/**
 * A row or column of a sheet. A class rather than an object of closures: lookups make
 * one per call, per row of a table of lookups, and its methods are shared.
 */
class SheetLine implements Vec {
  constructor(
    private readonly sheet: SheetStore,
    private readonly r: number,
    private readonly c: number,
    private readonly horizontal: boolean,
    readonly n: number,
    readonly len: number,
  ) {}
  at(i: number): Scalar {
    return this.horizontal ? this.sheet.get(this.r, this.c + i) : this.sheet.get(this.r + i, this.c);
  }
  classes(): ValueClasses | undefined {
    return this.horizontal ? this.sheet.valueClasses?.(this.r, this.c, 1, this.n) : this.sheet.valueClasses?.(this.r, this.c, this.n, 1);
  }
}

/** A view over row `i` (byRow) or column `i` of a 2-D value; null when not an array. */
export function lineOf(v: Ref | Matrix, index: number, horizontal: boolean): Vec {
  if (v instanceof Ref) {
    if (horizontal) {
      const r = v.r0 + index;
      const used = r <= v.lastUsedRow ? Math.max(0, v.lastUsedCol - v.c0 + 1) : 0;
      return new SheetLine(v.sheet, r, v.c0, true, used, v.cols);
    }
    const c = v.c0 + index;
    const used = c <= v.lastUsedCol ? Math.max(0, v.lastUsedRow - v.r0 + 1) : 0;
    return new SheetLine(v.sheet, v.r0, c, false, used, v.rows);
  }
  const m = v;
  if (horizontal) return { n: m.cols, len: m.cols, at: (i) => m.data[index * m.cols + i] ?? null };
  return { n: m.rows, len: m.rows, at: (i) => m.data[i * m.cols + index] ?? null };
}

/** A Ref or Matrix for range-taking arguments; scalars become 1×1 matrices. */
export function gridOf(v: Value, ctx: Ctx): Ref | Matrix | ExcelError {
  if (v instanceof Ref || v instanceof Matrix) return v;
  if (v instanceof RefList) return v.areas.length === 1 ? v.areas[0]! : ERR.REF;
  if (v instanceof Lambda) return ERR.CALC;
  if (v instanceof ExcelError) return v;
  return new Matrix(1, 1, [scalar(v, ctx)]);
}

/** The 1-D view of a row or column vector; null when the value is 2-D. */
function vectorOf(g: Ref | Matrix): Vec | null {
  if (g.cols === 1) return lineOf(g, 0, false);
  if (g.rows === 1) return lineOf(g, 0, true);
  return null;
}

const rank = (v: Scalar): number => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : -1);

/** Exact-match predicate for a lookup value (wildcards when `wild` and the value is text). */
function exactMatcher(value: Scalar, wild: boolean): (c: Scalar) => boolean {
  if (typeof value === 'number') {
    const x = value;
    return (c) => {
      if (typeof c !== 'number') return false;
      if (c === x) return true;
      // Equal up to 15 significant digits (what Excel compares).
      return Math.abs(c - x) <= 1e-13 * Math.abs(x) && round15(c) === round15(x);
    };
  }
  if (typeof value === 'string') {
    if (wild && /[*?~]/.test(value)) {
      if (hasWildcard(value)) {
        const re = wildcardToRegExp(value);
        return (c) => typeof c === 'string' && re.test(c);
      }
      value = value.replace(/~([*?~])/g, '$1');
    }
    const lower = value.toLowerCase();
    const len = value.length;
    return (c) => typeof c === 'string' && c.length === len && (c === value || c.toLowerCase() === lower);
  }
  if (typeof value === 'boolean') return (c) => c === value;
  return (c) => c === value;
}

/**
 * The key under which an exact match finds a value: numbers by their 15-digit rounding
 * (Excel's equality), text by length and lower case (`exactMatcher`); undefined for
 * other values, which the index does not serve.
 */
function exactKey(v: Scalar): number | string | undefined {
  if (typeof v === 'number') return round15(v);
  if (typeof v === 'string') return `${v.length}:${v.toLowerCase()}`;
  return undefined;
}

/**
 * The first and last position of every number and text of a range as exact matching
 * sees them, from the range's value classes (kept by its store while its cells are
 * unchanged, `SheetStore.valueClasses`): a column of lookups into one table finds each
 * key in a map instead of scanning the table per cell.
 */
function exactIndex(g: ValueClasses): Map<number | string, [number, number]> {
  if (g.exact) return g.exact;
  const index = new Map<number | string, [number, number]>();
  for (let cls = 0; cls < g.values.length; cls++) {
    const key = exactKey(g.values[cls]!);
    if (key === undefined) continue;
    const first = g.members[g.starts[cls]!]!;
    const last = g.members[g.starts[cls + 1]! - 1]!;
    const seen = index.get(key);
    if (seen) {
      seen[0] = Math.min(seen[0], first);
      seen[1] = Math.max(seen[1], last);
    } else index.set(key, [first, last]);
  }
  g.exact = index;
  return index;
}

/**
 * Where an exact match finds a number or text in a range with these value classes
 * (first or last position, -1 when absent); undefined for text with wildcards when
 * `wild` (the caller scans).
 */
function exactIn(g: ValueClasses, value: number | string, wild: boolean, reverse: boolean): number | undefined {
  if (typeof value === 'number') {
    const hit = exactIndex(g).get(round15(value));
    return hit === undefined ? -1 : reverse ? hit[1] : hit[0];
  }
  const memo = (g.exactText ??= new Map());
  let known = memo.get(value);
  if (known === undefined) {
    if (memo.size >= EXACT_TEXT_MEMO) memo.clear();
    known = { wildcard: /[*?~]/.test(value), at: exactIndex(g).get(exactKey(value)!) ?? null };
    memo.set(value, known);
  }
  if (wild && known.wildcard) return undefined;
  return known.at === null ? -1 : reverse ? known.at[1] : known.at[0];
}

/**
 * `findExact` of a number or text in a one-column (`down`) or one-row reference through
 * its store's value classes, with no line view in between (a lookup per row of a table
 * calls this once per cell): the first position, -1 when absent, undefined when the
 * store keeps no classes for it or the key has wildcards (the caller scans).
 */
function exactInRef(keys: Ref, down: boolean, key: number | string, wild: boolean): number | undefined {
  const sheet = keys.sheet;
  if (sheet.valueClasses === undefined) return undefined;
  // The used part, as `lineOf` takes it: nothing to find beyond it.
  if (down ? keys.c0 >= sheet.colCount : keys.r0 >= sheet.rowCount) return -1;
  const used = down ? Math.min(keys.r1, sheet.rowCount - 1) - keys.r0 + 1 : Math.min(keys.c1, sheet.colCount - 1) - keys.c0 + 1;
  if (used <= 0) return -1;
  const g = down ? sheet.valueClasses(keys.r0, keys.c0, used, 1) : sheet.valueClasses(keys.r0, keys.c0, 1, used);
  return g === undefined ? undefined : exactIn(g, key, wild, false);
}

/** Text lookup values remembered per range's classes (`ValueClasses.exactText`). */
const EXACT_TEXT_MEMO = 4096;

/** First (or last) index matching exactly, or -1. */
export function findExact(vec: Vec, value: Scalar, wild: boolean, reverse = false): number {
  const n = vec.n;
  if ((typeof value === 'string' || typeof value === 'number') && vec.classes) {
    const g = vec.classes();
    if (g) {
      const at = exactIn(g, value, wild, reverse);
      if (at !== undefined) return at;
    }
  }
  if (typeof value === 'number') {
    // The hot path: no closure per comparison beyond `at`.
    if (!reverse) {
      for (let i = 0; i < n; i++) {
        const c = vec.at(i);
        if (c === value) return i;
      }
    } else {
      for (let i = n - 1; i >= 0; i--) if (vec.at(i) === value) return i;
    }
  }
  const eq = exactMatcher(value, wild);
  if (!reverse) {
    for (let i = 0; i < n; i++) if (eq(vec.at(i))) return i;
  } else {
    for (let i = n - 1; i >= 0; i--) if (eq(vec.at(i))) return i;
  }
  return -1;
}

/**
 * Excel's approximate binary search. Ascending (`desc` false): the position of the
 * last value <= `value`; descending: the last value >= `value`. Cells of another type
 * than the lookup value (and blanks) are stepped over, as Excel does. -1 when none.
 */
export function binarySearch(vec: Vec, value: Scalar, desc: boolean): number {
  const t = rank(value);
  let lo = 0;
  let hi = vec.n - 1;
  let best = -1;
  while (lo <= hi) {
    let mid = (lo + hi) >>> 1;
    // Step down to a cell of the same type within [lo, mid].
    let m = mid;
    while (m >= lo && rank(vec.at(m)) !== t) m--;
    if (m < lo) {
      lo = mid + 1;
      continue;
    }
    mid = m;
    const c = compareScalars(vec.at(mid), value);
    if (c === 0) {
      best = mid;
      lo = mid + 1;
    } else if ((c < 0) !== desc) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Normalises a lookup value: a blank lookup value looks for 0. */
function lookupValue(v: Scalar): Scalar {
  return v === null ? 0 : v;
}

// ---------------------------------------------------------------- MATCH

function match(ctx: Ctx, value: Scalar, arr: Value, type?: number): Value {
  if (value instanceof ExcelError) return value;
  const g = gridOf(arr, ctx);
  if (g instanceof ExcelError) return g;
  const vec = vectorOf(g);
  if (!vec) return ERR.NA;
  const mt = type === undefined ? 1 : Math.sign(Math.trunc(type));
  const v = lookupValue(value);
  const i = mt === 0 ? findExact(vec, v, true) : binarySearch(vec, v, mt < 0);
  return i < 0 ? ERR.NA : i + 1;
}

defineFn('MATCH', ['scalar', 'any', 'number'], 2, 3, match, { pure: true, ranges: 'vrv' });
// Direct entry (see defineEntry) for a plain value, a reference and a number type: what
// the wrapper would pass unchanged; MATCH runs once per row of a table.
defineEntry('MATCH', (general) =>
  function MATCH(ctx: Ctx, value?: Value, arr?: Value, type?: Value): Value {
    const n = arguments.length;
    if (
      (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') &&
      arr instanceof Ref &&
      (n === 3 || (n === 4 && typeof type === 'number'))
    ) {
      return match(ctx, value, arr, type as number | undefined);
    }
    return general.apply(undefined, arguments as never);
  },
);

// ---------------------------------------------------------------- VLOOKUP / HLOOKUP

function vhlookup(ctx: Ctx, value: Scalar, table: Value, index: number, approx: boolean | undefined, horizontal: boolean): Value {
  if (value instanceof ExcelError) return value;
  // A text table is #VALUE!; a number or boolean acts as a 1×1 array (Excel's results).
  if (typeof table === 'string') return ERR.VALUE;
  const g = gridOf(table, ctx);
  if (g instanceof ExcelError) return g;
  // Excel's order: an index below 1 is #VALUE!, then a key not found is #N/A, and only a
  // found key with an index past the table is #REF! (corpus HVLOOKUP.xlsx P2: found, index
  // 10 of 5 columns, #REF!; issue 15: a missing key with a bad index is #N/A).
  const k = Math.trunc(index);
  if (k < 1) return ERR.VALUE;
  const key = lineOf(g, 0, horizontal);
  const v = lookupValue(value);
  const i = approx === false ? findExact(key, v, true) : binarySearch(key, v, false);
  if (i < 0) return ERR.NA;
  if (k > (horizontal ? g.rows : g.cols)) return ERR.REF;
  return horizontal ? cellOf(g, k - 1, i) : cellOf(g, i, k - 1);
}

function cellOf(g: Ref | Matrix, i: number, j: number): Scalar {
  return g instanceof Ref ? g.get(i, j) : g.get(i, j);
}

defineFn('VLOOKUP', ['scalar', 'any', 'number', 'bool'], 3, 4, (ctx, v: Scalar, t: Value, k: number, a?: boolean) =>
  vhlookup(ctx, v, t, k, a, false), { pure: true, ranges: 'vrv' },
);
defineFn('HLOOKUP', ['scalar', 'any', 'number', 'bool'], 3, 4, (ctx, v: Scalar, t: Value, k: number, a?: boolean) =>
  vhlookup(ctx, v, t, k, a, true), { pure: true, ranges: 'vrv' },
);

// ---------------------------------------------------------------- LOOKUP

defineFn('LOOKUP', ['scalar', 'any', 'any'], 2, 3, (ctx, value: Scalar, lookupArr: Value, resultArr?: Value) => {
  if (value instanceof ExcelError) return value;
  const g = gridOf(lookupArr, ctx);
  if (g instanceof ExcelError) return g;
  const v = lookupValue(value);
  if (resultArr === undefined) {
    // Array form: search the first row when wider than tall, else the first column; return from the last.
    const horizontal = g.cols > g.rows;
    const key = lineOf(g, 0, horizontal);
    const i = binarySearch(key, v, false);
    if (i < 0) return ERR.NA;
    return horizontal ? cellOf(g, g.rows - 1, i) : cellOf(g, i, g.cols - 1);
  }
  const key = vectorOf(g);
  if (!key) return ERR.NA;
  const r = gridOf(resultArr, ctx);
  if (r instanceof ExcelError) return r;
  const i = binarySearch(key, v, false);
  if (i < 0) return ERR.NA;
  // The result vector is read in its own orientation; a result ref may extend past its end.
  if (r instanceof Ref) {
    if (r.rows === 1) return r.c0 + i < MAX_COLS ? r.sheet.get(r.r0, r.c0 + i) : ERR.REF;
    return r.r0 + i < MAX_ROWS ? r.sheet.get(r.r0 + i, r.c0) : ERR.REF;
  }
  const rv = vectorOf(r);
  if (!rv || i >= rv.len) return ERR.NA;
  return rv.at(i);
}, { arrays: 'va' });

// ---------------------------------------------------------------- XLOOKUP / XMATCH

/** Match mode 3 (regular expression, newer Excel): the pattern tested against each cell's text. */
function findRegex(vec: Vec, value: Scalar, reverse: boolean): number | ExcelError {
  const pattern = value instanceof ExcelError ? '' : toText(value);
  let re: RegExp;
  try {
    re = new RegExp(pattern as string);
  } catch {
    return ERR.VALUE;
  }
  const n = vec.n;
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const c = vec.at(i);
    if (c === null || c instanceof ExcelError) continue;
    const t = toText(c);
    if (typeof t === 'string' && re.test(t)) return i;
  }
  return -1;
}

/** Sort key compare for XLOOKUP: numbers < text < booleans < errors < blanks (trailing blanks sort last). */
function xcompare(a: Scalar, b: Scalar): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const ea = a instanceof ExcelError;
  const eb = b instanceof ExcelError;
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  return compareScalars(a, b);
}

/**
 * Position for XLOOKUP/XMATCH, or -1; an error for invalid modes. Unlike MATCH, the
 * approximate modes compare across types (numbers < text < booleans); a blank lookup
 * value finds the first blank cell; binary search returns the first of equal values.
 */
function xfind(vec: Vec, value: Scalar, matchMode: number, searchMode: number): number | ExcelError {
  // Comparisons, not [..].includes(): no array per call (a lookup per row of a table).
  if (matchMode !== 0 && matchMode !== -1 && matchMode !== 1 && matchMode !== 2 && matchMode !== 3) return ERR.VALUE;
  if (searchMode !== 1 && searchMode !== -1 && searchMode !== 2 && searchMode !== -2) return ERR.VALUE;
  if (value === null) {
    const i = findExact(vec, null, false, searchMode === -1);
    return i >= 0 ? i : vec.len > vec.n ? vec.n : -1;
  }
  if (searchMode === 2 || searchMode === -2) {
    if (matchMode === 2 || matchMode === 3) return ERR.VALUE;
    // A descending search is an ascending search over the reversed array (as Excel's
    // results with duplicates show): lower bound, then step to the neighbour.
    const n = vec.n;
    const at = searchMode === 2 ? (j: number) => vec.at(j) : (j: number) => vec.at(n - 1 - j);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (xcompare(at(mid), value) < 0) lo = mid + 1;
      else hi = mid;
    }
    let j: number;
    if (lo < n && xcompare(at(lo), value) === 0) j = lo;
    else if (matchMode === 0) return -1;
    else j = matchMode === 1 ? lo : lo - 1;
    if (j < 0 || j >= n) return -1;
    return searchMode === 2 ? j : n - 1 - j;
  }
  if (matchMode === 3) return findRegex(vec, value, searchMode === -1);
  const reverse = searchMode === -1;
  if (matchMode === 0 || matchMode === 2) return findExact(vec, value, matchMode === 2, reverse);
  let best = -1;
  let bestVal: Scalar = null;
  const n = vec.n;
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const c = vec.at(i);
    if (c === null || c instanceof ExcelError) continue;
    const cmp = compareScalars(c, value);
    if (cmp === 0) return i;
    if (matchMode === -1 ? cmp < 0 : cmp > 0) {
      if (best < 0 || (matchMode === -1 ? compareScalars(c, bestVal) > 0 : compareScalars(c, bestVal) < 0)) {
        best = i;
        bestVal = c;
      }
    }
  }
  return best;
}

function optMode(v: Scalar | undefined, dflt: number): number | ExcelError {
  if (v === undefined || v === null) return dflt;
  if (v instanceof ExcelError) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Math.trunc(v);
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? Math.trunc(n) : ERR.VALUE;
}

/** XLOOKUP's and XMATCH's position (or -1) with their modes (defaults: exact, first to last), or the modes' error. */
function xposition(vec: Vec, value: Scalar, mm: Scalar | undefined, sm: Scalar | undefined): number | ExcelError {
  const matchMode = optMode(mm, 0);
  if (matchMode instanceof ExcelError) return matchMode;
  const searchMode = optMode(sm, 1);
  if (searchMode instanceof ExcelError) return searchMode;
  return xfind(vec, value, matchMode, searchMode);
}

function xlookup(ctx: Ctx, value: Scalar, lookupArr: Value, returnArr: Value, ifNotFound?: Value, mm?: Scalar, sm?: Scalar): Value {
  if (value instanceof ExcelError) return value;
  const g = gridOf(lookupArr, ctx);
  if (g instanceof ExcelError) return g;
  if (returnArr instanceof ExcelError) return returnArr; // #REF! and friends propagate
  if (!(returnArr instanceof Ref || returnArr instanceof Matrix || returnArr instanceof RefList)) return ERR.VALUE;
  const r = gridOf(returnArr, ctx);
  if (r instanceof ExcelError) return r;
  const vec = vectorOf(g);
  if (!vec) return ERR.VALUE;
  const horizontal = g.rows === 1 && g.cols !== 1;
  // Shape: a column lookup needs as many rows in the return array, a row lookup as many columns.
  if (horizontal ? r.cols !== g.cols : r.rows !== g.rows) return ERR.VALUE;
  const i = xposition(vec, value, mm, sm);
  if (i instanceof ExcelError) return i;
  if (i < 0) return ifNotFound === undefined || ifNotFound === null ? ERR.NA : ifNotFound;
  if (r instanceof Ref) {
    return horizontal
      ? new Ref(r.sheet, r.r0, r.c0 + i, r.r1, r.c0 + i)
      : new Ref(r.sheet, r.r0 + i, r.c0, r.r0 + i, r.c1);
  }
  if (horizontal) {
    if (r.rows === 1) return r.get(0, i);
    const out: Scalar[] = new Array(r.rows);
    for (let k = 0; k < r.rows; k++) out[k] = r.get(k, i);
    return new Matrix(r.rows, 1, out);
  }
  if (r.cols === 1) return r.get(i, 0);
  return new Matrix(1, r.cols, r.data.slice(i * r.cols, (i + 1) * r.cols));
}

defineFn('XLOOKUP', ['scalar', 'any', 'any', 'any', 'scalar', 'scalar'], 3, 6, xlookup, { returnsRef: true, arrays: 'vav' });
// Direct entry (see defineEntry) for a lookup value that is one cell or a plain value,
// two references and at most a value if not found (no modes): the wrapper would pass
// them as they are, the cell read as its value. XLOOKUP runs once per row of a table.
defineEntry('XLOOKUP', (general) =>
  function XLOOKUP(ctx: Ctx, value?: Value, lookupArr?: Value, returnArr?: Value, ifNotFound?: Value): Value {
    const n = arguments.length;
    if (lookupArr instanceof Ref && returnArr instanceof Ref && n <= 5) {
      const v = value instanceof Ref ? (value.isCell ? value.sheet.get(value.r0, value.c0) : undefined) : value;
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return finite(xlookup(ctx, v, lookupArr, returnArr, ifNotFound));
    }
    return general.apply(undefined, arguments as never);
  },
);

defineFn('XMATCH', ['scalar', 'any', 'scalar', 'scalar'], 2, 4, (ctx, value: Scalar, arr: Value, mm?: Scalar, sm?: Scalar) => {
  if (value instanceof ExcelError) return value;
  const g = gridOf(arr, ctx);
  if (g instanceof ExcelError) return g;
  const vec = vectorOf(g);
  if (!vec) return ERR.VALUE;
  const i = xposition(vec, value, mm, sm);
  if (i instanceof ExcelError) return i;
  return i < 0 ? ERR.NA : i + 1;
}, { arrays: 'vav' });

// ---------------------------------------------------------------- INDEX

/**
 * INDEX with coerced arguments. With `asValue`, one cell selected in a reference gives
 * the cell's value (see `indexValue`).
 */
function index(ctx: Ctx, arr: Value, rowNum: number, colNum?: number, areaNum?: number, asValue = false): Value {
  let target: Value = arr;
  if (arr instanceof RefList) {
    const k = areaNum === undefined ? 1 : Math.trunc(areaNum);
    if (k < 1 || k > arr.areas.length) return ERR.REF;
    target = arr.areas[k - 1]!;
  } else if (areaNum !== undefined && Math.trunc(areaNum) !== 1) return ERR.REF;
  const g = gridOf(target, ctx);
  if (g instanceof ExcelError) return g;
  let r = Math.trunc(rowNum);
  let c = colNum === undefined ? undefined : Math.trunc(colNum);
  if (r < 0 || (c !== undefined && c < 0)) return ERR.VALUE;
  // With only a row number, a one-row array is indexed along its columns.
  if (c === undefined) {
    if (g.rows === 1 && g.cols > 1) {
      c = r;
      r = 1;
    } else c = g.cols === 1 ? 1 : 0;
  }
  if (r > g.rows || c > g.cols) return ERR.REF;
  if (g instanceof Ref) {
    if (asValue && r > 0 && c > 0) return g.sheet.get(g.r0 + r - 1, g.c0 + c - 1);
    const r0 = r === 0 ? g.r0 : g.r0 + r - 1;
    const r1 = r === 0 ? g.r1 : r0;
    const c0 = c === 0 ? g.c0 : g.c0 + c - 1;
    const c1 = c === 0 ? g.c1 : c0;
    return new Ref(g.sheet, r0, c0, r1, c1);
  }
  if (r > 0 && c > 0) return g.get(r - 1, c - 1);
  if (r > 0) return g.rows === 1 ? g : new Matrix(1, g.cols, g.data.slice((r - 1) * g.cols, r * g.cols));
  if (c > 0) {
    const out: Scalar[] = new Array(g.rows);
    for (let i = 0; i < g.rows; i++) out[i] = g.get(i, c - 1);
    return new Matrix(g.rows, 1, out);
  }
  return g;
}

defineFn('INDEX', ['any', 'number', 'number', 'number'], 2, 4, index, { returnsRef: true, pure: true, ranges: 'rv', arrays: 'av' });
// Direct entry for a reference and number positions (see defineEntry): lookups per cell.
defineEntry('INDEX', (general) =>
  function INDEX(ctx: Ctx, arr?: Value, row?: Value, col?: Value): Value {
    const n = arguments.length;
    if (arr instanceof Ref && typeof row === 'number' && (n === 3 || (n === 4 && typeof col === 'number'))) {
      return index(ctx, arr, row, col as number | undefined);
    }
    return general.apply(undefined, arguments as never);
  },
);

/** A lookup's result as an operator reads it: a one-cell reference is the cell's value. */
function valueRead(v: Value): Value {
  return v instanceof Ref && v.isCell ? v.sheet.get(v.r0, v.c0) : v;
}

/**
 * INDEX as the operand of an operator that reads it as a value at once (arithmetic,
 * comparison, negation; the compiler decides): the selected cell's value, as the
 * operator would read it from the reference, without a reference object per call; any
 * other result as INDEX gives it.
 */
export function indexValue(x: Ctx, arr: Value, row: Value, col?: Value): Value {
  const n = arguments.length;
  const v =
    arr instanceof Ref && typeof row === 'number' && (n === 3 || (n === 4 && typeof col === 'number'))
      ? index(x, arr, row, col as number | undefined, undefined, true)
      : n === 3
        ? F.INDEX!(x, arr, row)
        : F.INDEX!(x, arr, row, col!);
  return valueRead(v);
}

/**
 * `INDEX(values, MATCH(key, keys, 0))` read as a value (the compiler's `exact_lookup`):
 * for a number or text key, two ranges of one row or column each, the selected cell's
 * value straight from the keys' exact-match index (`findExact` with MATCH's wildcards),
 * as INDEX then reading the reference gives it: #N/A when no key matches, #REF! past the
 * end of `values`. Anything else goes through INDEX and MATCH.
 */
export function indexMatch(x: Ctx, values: Value, key: Value, keys: Value): Value {
  if ((typeof key === 'number' || typeof key === 'string') && values instanceof Ref && keys instanceof Ref && (values.r0 === values.r1 || values.c0 === values.c1)) {
    const down = keys.c0 === keys.c1;
    if (down || keys.r0 === keys.r1) {
      const i = exactInRef(keys, down, key, true) ?? findExact(lineOf(keys, 0, !down), key, true);
      if (i < 0) return ERR.NA;
      if (values.cols === 1) return i < values.rows ? values.sheet.get(values.r0 + i, values.c0) : ERR.REF;
      return i < values.cols ? values.sheet.get(values.r0, values.c0 + i) : ERR.REF;
    }
  }
  const v = F.INDEX!(x, values, F.MATCH!(x, key, keys, 0));
  return valueRead(v);
}

/**
 * `XLOOKUP(key, keys, values[, ifNotFound])` read as a value (the compiler's
 * `exact_lookup`): for a number or text key and two ranges of one row or column each,
 * along the same direction and as long, the found cell's value straight from the keys'
 * exact-match index (`findExact`, no wildcards: match mode 0), else `ifNotFound` or
 * #N/A. Anything else goes through XLOOKUP.
 */
export function xlookupValue(x: Ctx, key: Value, keys: Value, values: Value, ifNotFound?: Value): Value {
  if ((typeof key === 'number' || typeof key === 'string') && keys instanceof Ref && values instanceof Ref) {
    const down = keys.cols === 1 && values.cols === 1 && values.rows === keys.rows;
    if (down || (keys.rows === 1 && keys.cols > 1 && values.rows === 1 && values.cols === keys.cols)) {
      const i = exactInRef(keys, down, key, false) ?? findExact(lineOf(keys, 0, !down), key, false);
      if (i >= 0) return down ? values.sheet.get(values.r0 + i, values.c0) : values.sheet.get(values.r0, values.c0 + i);
      return valueRead(ifNotFound === undefined || ifNotFound === null ? ERR.NA : ifNotFound);
    }
  }
  const v = arguments.length < 5 ? F.XLOOKUP!(x, key, keys, values) : F.XLOOKUP!(x, key, keys, values, ifNotFound as Value);
  return valueRead(v);
}

// ---------------------------------------------------------------- CHOOSE

defineFn(
  'CHOOSE',
  ['number', 'any'],
  2,
  255,
  (_ctx, index: number, ...values: Value[]) => {
    const k = Math.trunc(index);
    if (k < 1 || k > values.length) return ERR.VALUE;
    const v = values[k - 1];
    return v === undefined ? 0 : v;
  },
  { returnsRef: true },
);

// ---------------------------------------------------------------- ROW / COLUMN / ROWS / COLUMNS / AREAS

function rowOrColumn(ctx: Ctx, ref: Value | undefined, isRow: boolean): Value {
  if (ref === undefined) return (isRow ? ctx.row : ctx.col) + 1;
  if (ref instanceof ExcelError) return ref;
  const areas = areasOf(ref);
  if (!areas) return ERR.VALUE;
  if (areas.length !== 1) return ERR.REF;
  const a = areas[0]!;
  const first = isRow ? a.r0 : a.c0;
  const count = isRow ? a.rows : a.cols;
  if (count > 1 && ctx.array) {
    const data: Scalar[] = new Array(count);
    for (let i = 0; i < count; i++) data[i] = first + i + 1;
    return isRow ? new Matrix(count, 1, data) : new Matrix(1, count, data);
  }
  return first + 1;
}

defineFn('ROW', ['any'], 0, 1, (ctx, ref?: Value) => rowOrColumn(ctx, ref, true), { refOnly: 'o' });
defineFn('COLUMN', ['any'], 0, 1, (ctx, ref?: Value) => rowOrColumn(ctx, ref, false), { refOnly: 'o' });

function dims(v: Value): { rows: number; cols: number } | ExcelError {
  if (v instanceof ExcelError) return v;
  if (v instanceof Ref || v instanceof Matrix) return { rows: v.rows, cols: v.cols };
  if (v instanceof RefList) return v.areas.length === 1 ? { rows: v.areas[0]!.rows, cols: v.areas[0]!.cols } : ERR.REF;
  if (v instanceof Lambda) return ERR.VALUE;
  return { rows: 1, cols: 1 };
}

defineFn('ROWS', ['any'], 1, 1, (_ctx, v: Value) => {
  const d = dims(v);
  return d instanceof ExcelError ? d : d.rows;
}, { refOnly: 'o' });
defineFn('COLUMNS', ['any'], 1, 1, (_ctx, v: Value) => {
  const d = dims(v);
  return d instanceof ExcelError ? d : d.cols;
}, { refOnly: 'o' });
defineFn('AREAS', ['any'], 1, 1, (_ctx, v: Value) => {
  if (v instanceof ExcelError) return v;
  const a = areasOf(v);
  return a ? a.length : ERR.VALUE;
}, { refOnly: 'o' });

// ---------------------------------------------------------------- TRANSPOSE

defineFn('TRANSPOSE', ['any'], 1, 1, (ctx, v: Value) => {
  const m = toMatrix(v, ctx);
  if (m instanceof ExcelError) return m;
  const out: Scalar[] = new Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j]!;
  return new Matrix(m.cols, m.rows, out);
}, { arrays: 'a' });

// ---------------------------------------------------------------- ADDRESS

/** Sheet name as it appears in a reference: quoted when it is not a plain identifier. */
export function quoteSheet(name: string): string {
  if (/^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_.\u00C0-\uFFFF]*$/.test(name) && !/^[A-Za-z]{1,3}\d+$/.test(name) && !/^R\d*C\d*$/i.test(name)) {
    return name;
  }
  return `'${name.replace(/'/g, "''")}'`;
}

defineFn('ADDRESS', ['number', 'number', 'number', 'bool', 'text'], 2, 5, (_ctx, row: number, col: number, abs?: number, a1?: boolean, sheet?: string) => {
  const r = Math.trunc(row);
  const c = Math.trunc(col);
  const k = abs === undefined ? 1 : Math.trunc(abs);
  if (k < 1 || k > 4) return ERR.VALUE;
  const useA1 = a1 === undefined ? true : a1;
  const absRow = k === 1 || k === 2;
  const absCol = k === 1 || k === 3;
  if (useA1) {
    if (r < 1 || r > MAX_ROWS || c < 1 || c > MAX_COLS) return ERR.VALUE;
  } else if (r === 0 || c === 0 || Math.abs(r) > MAX_ROWS || Math.abs(c) > MAX_COLS || (absRow && r < 0) || (absCol && c < 0)) {
    return ERR.VALUE;
  }
  let s: string;
  if (useA1) s = `${absCol ? '$' : ''}${columnName(c - 1)}${absRow ? '$' : ''}${r}`;
  else s = `R${absRow ? r : `[${r}]`}C${absCol ? c : `[${c}]`}`;
  if (sheet !== undefined) s = `${sheet === '' ? '' : quoteSheet(sheet)}!${s}`;
  return s;
});

// ---------------------------------------------------------------- OFFSET

/** Optional size argument: omitted or written empty means "the reference's own size". */
function optSize(v: Scalar | undefined, dflt: number): number | ExcelError {
  if (v === undefined || v === null) return dflt;
  if (v instanceof ExcelError) return v;
  const n = toNumber(v);
  if (n instanceof ExcelError) return n;
  // Truncated, but a fraction below one (0.9) still selects one cell (Excel's results).
  const t = Math.trunc(n);
  return t === 0 && n !== 0 ? Math.sign(n) : t;
}

defineFn(
  'OFFSET',
  ['any', 'number', 'number', 'scalar', 'scalar'],
  3,
  5,
  (_ctx, ref: Value, rows: number, cols: number, height?: Scalar, width?: Scalar) => {
    if (ref instanceof ExcelError) return ref;
    if (!(ref instanceof Ref)) return ERR.VALUE;
    const h = optSize(height, ref.rows);
    if (h instanceof ExcelError) return h;
    const w = optSize(width, ref.cols);
    if (w instanceof ExcelError) return w;
    if (h === 0 || w === 0) return ERR.REF;
    let r0 = ref.r0 + Math.trunc(rows);
    let c0 = ref.c0 + Math.trunc(cols);
    let r1 = r0 + h - 1;
    let c1 = c0 + w - 1;
    // A negative height or width extends up or left from the start cell.
    if (h < 0) [r0, r1] = [r0 + h + 1, r0];
    if (w < 0) [c0, c1] = [c0 + w + 1, c0];
    if (r0 < 0 || c0 < 0 || r1 >= MAX_ROWS || c1 >= MAX_COLS) return ERR.REF;
    return new Ref(ref.sheet, r0, c0, r1, c1);
  },
  { volatile: true, returnsRef: true, dynamicReference: true, refOnly: 'ov' },
);

// ---------------------------------------------------------------- INDIRECT

function colNumber(letters: string): number {
  let c = 0;
  for (const ch of letters.toUpperCase()) c = c * 26 + (ch.charCodeAt(0) - 64);
  return c;
}

type Span = { r0: number; c0: number; r1: number; c1: number };

/** One A1 part: `A1`, `$A$1`, `A` (column), `1` (row). Zero-based, -1 for "whole". */
function parseA1Part(s: string): { r: number; c: number } | null {
  const m = /^(\$?([A-Za-z]{1,3}))?(\$?(\d{1,7}))?$/.exec(s);
  if (!m || (!m[2] && !m[4])) return null;
  const c = m[2] ? colNumber(m[2]) - 1 : -1;
  const r = m[4] ? Number(m[4]) - 1 : -1;
  if (c >= MAX_COLS || r >= MAX_ROWS || (m[4] && r < 0)) return null;
  return { r, c };
}

function parseA1(text: string): Span | null {
  const parts = text.split(':');
  if (parts.length > 2) return null;
  const a = parseA1Part(parts[0]!);
  const b = parts.length === 2 ? parseA1Part(parts[1]!) : a;
  if (!a || !b) return null;
  if (parts.length === 1) return a.r >= 0 && a.c >= 0 ? { r0: a.r, c0: a.c, r1: a.r, c1: a.c } : null;
  // Both cells, both whole columns, or both whole rows.
  if (a.r >= 0 && a.c >= 0 && b.r >= 0 && b.c >= 0) return order(a.r, a.c, b.r, b.c);
  if (a.r < 0 && b.r < 0 && a.c >= 0 && b.c >= 0) return order(0, a.c, MAX_ROWS - 1, b.c);
  if (a.c < 0 && b.c < 0 && a.r >= 0 && b.r >= 0) return order(a.r, 0, b.r, MAX_COLS - 1);
  return null;
}

function order(r0: number, c0: number, r1: number, c1: number): Span {
  return { r0: Math.min(r0, r1), c0: Math.min(c0, c1), r1: Math.max(r0, r1), c1: Math.max(c0, c1) };
}

/** One R1C1 part relative to the formula cell: `R1C1`, `R[-1]C`, `R2` (row), `C3` (column). */
function parseR1C1Part(s: string, row: number, col: number): { r: number; c: number } | null {
  const m = /^(?:R(?:(\d+)|\[(-?\d+)\])?)?(?:C(?:(\d+)|\[(-?\d+)\])?)?$/i.exec(s);
  if (!m || s === '') return null;
  const hasR = /^R/i.test(s);
  const hasC = /C/i.test(s.replace(/^R(\d+|\[-?\d+\])?/i, ''));
  const r = !hasR ? -1 : m[1] ? Number(m[1]) - 1 : row + Number(m[2] ?? 0);
  const c = !hasC ? -1 : m[3] ? Number(m[3]) - 1 : col + Number(m[4] ?? 0);
  if ((hasR && (r < 0 || r >= MAX_ROWS)) || (hasC && (c < 0 || c >= MAX_COLS))) return null;
  return { r, c };
}

function parseR1C1(text: string, row: number, col: number): Span | null {
  const parts = text.split(':');
  if (parts.length > 2) return null;
  const a = parseR1C1Part(parts[0]!, row, col);
  const b = parts.length === 2 ? parseR1C1Part(parts[1]!, row, col) : a;
  if (!a || !b) return null;
  if (a.r >= 0 && a.c >= 0 && b.r >= 0 && b.c >= 0) return order(a.r, a.c, b.r, b.c);
  if (a.r < 0 && b.r < 0 && a.c >= 0 && b.c >= 0) return order(0, a.c, MAX_ROWS - 1, b.c);
  if (a.c < 0 && b.c < 0 && a.r >= 0 && b.r >= 0) return order(a.r, 0, b.r, MAX_COLS - 1);
  return null;
}

/** Resolves reference text to a Ref (or a defined name's reference); null when invalid. */
export function resolveRefText(ctx: Ctx, text: string, a1: boolean): Value | null {
  let t = text.trim();
  if (t.startsWith('=')) t = t.slice(1).trim();
  if (t === '') return null;
  const structured = ctx.book.table?.(t, ctx); // `Table[Col]`, a table's name
  if (structured !== undefined) return structured;
  let sheet = ctx.book.sheets[ctx.sheet];
  const bang = t.lastIndexOf('!');
  if (bang >= 0) {
    let name = t.slice(0, bang);
    if (name.startsWith("'") && name.endsWith("'") && name.length >= 2) name = name.slice(1, -1).replace(/''/g, "'");
    name = name.replace(/^\[[^\]]*\]/, ''); // a workbook prefix [Book1] is ignored
    sheet = ctx.book.sheetByName(name);
    if (!sheet) return null;
    t = t.slice(bang + 1);
  }
  if (!sheet) return null;
  const span = a1 ? parseA1(t) : parseR1C1(t, ctx.row, ctx.col);
  if (span) return new Ref(sheet, span.r0, span.c0, span.r1, span.c1);
  if (bang < 0 && /^[A-Za-z_\\][\w.\\?]*$/.test(t)) {
    const v = ctx.book.name(t, ctx.sheet);
    if (v instanceof Ref || v instanceof RefList) return v;
  }
  return null;
}

defineFn(
  'INDIRECT',
  ['text', 'bool'],
  1,
  2,
  (ctx, text: string, a1?: boolean) => resolveRefText(ctx, text, a1 === undefined ? true : a1) ?? ERR.REF,
  { volatile: true, returnsRef: true, dynamicReference: true },
);

// ---------------------------------------------------------------- HYPERLINK

defineFn('HYPERLINK', ['scalar', 'scalar'], 1, 2, (_ctx, link: Scalar, friendly?: Scalar) => {
  const v = friendly === undefined ? link : friendly;
  return v === null ? 0 : v;
});
