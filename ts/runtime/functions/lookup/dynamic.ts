/**
 * Dynamic-array functions (FILTER, SORT, UNIQUE, SEQUENCE, TAKE, HSTACK, ...) and the
 * LAMBDA helpers (MAP, REDUCE, SCAN, BYROW, BYCOL, MAKEARRAY). All return a Matrix
 * (TRIMRANGE returns a reference). Excel reports an empty result as #CALC! (files store
 * it as #VALUE! with rich-value metadata).
 */
import { arraySizeError, scalar, toBool, toMatrix, toNumber } from '../../coerce.js';
import { compareScalars } from '../../ops.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, RefList, type Ctx, type Scalar, type Value, ERROR_TYPE_NUMBER } from '../../values.js';

/** The argument as a Matrix (references are read; scalars are 1×1). */
function mat(v: Value, ctx: Ctx): Matrix | ExcelError {
  if (v instanceof ExcelError) return v;
  return toMatrix(v, ctx);
}

/** An optional integer argument where omitted/empty means `dflt`. */
function optInt(v: Scalar | undefined, dflt: number | undefined): number | undefined | ExcelError {
  if (v === undefined || v === null) return dflt;
  const n = toNumber(v);
  return n instanceof ExcelError ? n : Math.trunc(n);
}

function optBool(v: Scalar | undefined, dflt: boolean): boolean | ExcelError {
  if (v === undefined || v === null) return dflt;
  return toBool(v);
}

function sub(m: Matrix, r0: number, c0: number, rows: number, cols: number): Matrix {
  const out: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = m.data[(r0 + i) * m.cols + c0 + j]!;
  return new Matrix(rows, cols, out);
}

function transpose(m: Matrix): Matrix {
  const out: Scalar[] = new Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j]!;
  return new Matrix(m.cols, m.rows, out);
}

/** ERROR.TYPE's numbering of the errors, which is also the order SORT puts them in. */
const ERROR_RANK: Record<string, number> = ERROR_TYPE_NUMBER as Record<string, number>;

/**
 * Sort order for SORT/SORTBY: numbers < text < booleans < errors < blanks. Errors rank
 * among themselves by their ERROR.TYPE number (the corpus's SORT.xlsx: ascending gives
 * #DIV/0!, #NAME?, #N/A whatever their input order; descending the reverse).
 */
function sortCompare(a: Scalar, b: Scalar): number {
  const ea = a instanceof ExcelError;
  const eb = b instanceof ExcelError;
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  if (ea || eb) return ea ? (eb ? (ERROR_RANK[a.code] ?? 99) - (ERROR_RANK[b.code] ?? 99) : 1) : -1;
  return compareScalars(a, b);
}

// ---------------------------------------------------------------- FILTER

defineFn('FILTER', ['any', 'any', 'any'], 2, 3, (ctx, arr: Value, include: Value, ifEmpty?: Value) => {
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  const inc = mat(include, ctx);
  if (inc instanceof ExcelError) return inc;
  let byRow: boolean;
  if (inc.cols === 1 && inc.rows === m.rows) byRow = true;
  else if (inc.rows === 1 && inc.cols === m.cols) byRow = false;
  else return ERR.VALUE;
  const keep: number[] = [];
  for (let k = 0; k < inc.data.length; k++) {
    const v = inc.data[k]!;
    if (v instanceof ExcelError) return v;
    const b = typeof v === 'string' ? ERR.VALUE : toBool(v);
    if (b instanceof ExcelError) return b;
    if (b) keep.push(k);
  }
  if (!keep.length) {
    if (ifEmpty === undefined) return ERR.CALC;
    return ifEmpty instanceof Ref || ifEmpty instanceof RefList ? mat(ifEmpty, ctx) : ifEmpty;
  }
  if (byRow) {
    const out: Scalar[] = [];
    for (const i of keep) for (let j = 0; j < m.cols; j++) out.push(m.data[i * m.cols + j]!);
    return new Matrix(keep.length, m.cols, out);
  }
  const out: Scalar[] = [];
  for (let i = 0; i < m.rows; i++) for (const j of keep) out.push(m.data[i * m.cols + j]!);
  return new Matrix(m.rows, keep.length, out);
}, { arrays: 'vav' });

// ---------------------------------------------------------------- SORT / SORTBY

/** Reorders rows (or columns) by a stable sort over several keys. */
function sortLines(m: Matrix, byCol: boolean, keys: { get: (line: number) => Scalar; order: number }[]): Matrix {
  const src = byCol ? transpose(m) : m;
  const idx = Array.from({ length: src.rows }, (_, i) => i);
  idx.sort((a, b) => {
    for (const k of keys) {
      const va = k.get(a);
      const vb = k.get(b);
      // Blanks stay last whatever the order (errors follow it: first when descending).
      let c = sortCompare(va, vb);
      if (c !== 0) {
        const special = va === null || vb === null;
        return special ? c : c * k.order;
      }
    }
    return a - b;
  });
  const out: Scalar[] = new Array(src.data.length);
  idx.forEach((from, to) => {
    for (let j = 0; j < src.cols; j++) out[to * src.cols + j] = src.data[from * src.cols + j]!;
  });
  const sorted = new Matrix(src.rows, src.cols, out);
  return byCol ? transpose(sorted) : sorted;
}

defineFn('SORT', ['any', 'scalar', 'scalar', 'scalar'], 1, 4, (ctx, arr: Value, si?: Scalar, so?: Scalar, bc?: Scalar) => {
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  const index = optInt(si, 1);
  if (index instanceof ExcelError) return index;
  const order = optInt(so, 1);
  if (order instanceof ExcelError) return order;
  const byCol = optBool(bc, false);
  if (byCol instanceof ExcelError) return byCol;
  if (order !== 1 && order !== -1) return ERR.VALUE;
  const width = byCol ? m.rows : m.cols;
  if (index! < 1 || index! > width) return ERR.VALUE;
  const k = index! - 1;
  const get = byCol ? (line: number) => m.data[k * m.cols + line]! : (line: number) => m.data[line * m.cols + k]!;
  return sortLines(m, byCol, [{ get, order }]);
});

defineFn('SORTBY', ['any'], 2, 255, (ctx, arr: Value, ...rest: Value[]) => {
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  const keys: { get: (line: number) => Scalar; order: number }[] = [];
  let byCol: boolean | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const by = mat(rest[i]!, ctx);
    if (by instanceof ExcelError) return by;
    const o = i + 1 < rest.length ? optInt(scalar(rest[i + 1]!, ctx), 1) : 1;
    if (o instanceof ExcelError) return o;
    if (o !== 1 && o !== -1) return ERR.VALUE;
    let col: boolean;
    if (by.cols === 1 && by.rows === m.rows) col = false;
    else if (by.rows === 1 && by.cols === m.cols) col = true;
    else return ERR.VALUE;
    if (by.rows === 1 && by.cols === 1) col = byCol ?? false;
    if (byCol !== undefined && col !== byCol) return ERR.VALUE;
    byCol = col;
    const d = by.data;
    keys.push({ get: (line) => d[line]!, order: o });
  }
  return sortLines(m, byCol ?? false, keys);
});

// ---------------------------------------------------------------- UNIQUE

/** A case-insensitive identity for a scalar (Excel's UNIQUE ignores case). */
function keyOf(v: Scalar): string {
  if (v === null) return 'b';
  if (typeof v === 'number') return 'n' + v;
  if (typeof v === 'string') return 's' + v.toLowerCase();
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  return 'e' + v.code;
}

defineFn('UNIQUE', ['any', 'scalar', 'scalar'], 1, 3, (ctx, arr: Value, bc?: Scalar, once?: Scalar) => {
  const m0 = mat(arr, ctx);
  if (m0 instanceof ExcelError) return m0;
  const byCol = optBool(bc, false);
  if (byCol instanceof ExcelError) return byCol;
  const exactlyOnce = optBool(once, false);
  if (exactlyOnce instanceof ExcelError) return exactlyOnce;
  const m = byCol ? transpose(m0) : m0;
  const counts = new Map<string, { first: number; n: number }>();
  for (let i = 0; i < m.rows; i++) {
    let k = '';
    for (let j = 0; j < m.cols; j++) k += keyOf(m.data[i * m.cols + j]!) + '\u0000';
    const e = counts.get(k);
    if (e) e.n++;
    else counts.set(k, { first: i, n: 1 });
  }
  const rows: number[] = [];
  for (const e of counts.values()) if (!exactlyOnce || e.n === 1) rows.push(e.first);
  if (!rows.length) return ERR.CALC;
  const out: Scalar[] = [];
  for (const i of rows) for (let j = 0; j < m.cols; j++) out.push(m.data[i * m.cols + j]!);
  const r = new Matrix(rows.length, m.cols, out);
  return byCol ? transpose(r) : r;
});

// ---------------------------------------------------------------- SEQUENCE / RANDARRAY

/**
 * Dimensions for SEQUENCE/RANDARRAY: negative → #VALUE!, zero → #CALC!; past Excel's grid
 * #NUM!, past the runtime's cell cap #CALC! (arraySizeError), before anything is allocated.
 */
function dimsArg(rows: Scalar | undefined, cols: Scalar | undefined): [number, number] | ExcelError {
  const r = optInt(rows, 1);
  if (r instanceof ExcelError) return r;
  const c = optInt(cols, 1);
  if (c instanceof ExcelError) return c;
  if (r! < 0 || c! < 0) return ERR.VALUE;
  if (r === 0 || c === 0) return ERR.CALC;
  return arraySizeError(r!, c!) ?? [r!, c!];
}

function optNum(v: Scalar | undefined, dflt: number): number | ExcelError {
  if (v === undefined || v === null) return dflt;
  return toNumber(v);
}

defineFn('SEQUENCE', ['scalar'], 1, 4, (_ctx, rows: Scalar, cols?: Scalar, start?: Scalar, step?: Scalar) => {
  for (const a of [rows, cols, start, step]) if (a instanceof ExcelError) return a;
  const d = dimsArg(rows, cols);
  if (d instanceof ExcelError) return d;
  const s = optNum(start, 1);
  if (s instanceof ExcelError) return s;
  const st = optNum(step, 1);
  if (st instanceof ExcelError) return st;
  const [r, c] = d;
  const out: Scalar[] = new Array(r * c);
  for (let k = 0; k < r * c; k++) out[k] = s + k * st;
  return new Matrix(r, c, out);
});

defineFn(
  'RANDARRAY',
  ['scalar'],
  0,
  5,
  (ctx, rows?: Scalar, cols?: Scalar, min?: Scalar, max?: Scalar, whole?: Scalar) => {
    for (const a of [rows, cols, min, max, whole]) if (a instanceof ExcelError) return a;
    const d = dimsArg(rows, cols);
    if (d instanceof ExcelError) return d;
    const lo = optNum(min, 0);
    if (lo instanceof ExcelError) return lo;
    const hi = optNum(max, 1);
    if (hi instanceof ExcelError) return hi;
    const w = optBool(whole, false);
    if (w instanceof ExcelError) return w;
    if (lo > hi) return ERR.VALUE;
    if (w && (lo !== Math.trunc(lo) || hi !== Math.trunc(hi))) return ERR.VALUE;
    const [r, c] = d;
    const out: Scalar[] = new Array(r * c);
    for (let k = 0; k < r * c; k++) {
      const u = ctx.book.random();
      out[k] = w ? lo + Math.floor(u * (hi - lo + 1)) : lo + u * (hi - lo);
    }
    return new Matrix(r, c, out);
  },
  { volatile: true },
);

// ---------------------------------------------------------------- TAKE / DROP / EXPAND

defineFn('TAKE', ['any', 'scalar', 'scalar'], 2, 3, (ctx, arr: Value, rs: Scalar, cs?: Scalar) => {
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  const r = optInt(rs, undefined);
  if (r instanceof ExcelError) return r;
  const c = optInt(cs, undefined);
  if (c instanceof ExcelError) return c;
  if (r === 0 || c === 0) return ERR.CALC;
  const nr = r === undefined ? m.rows : Math.min(Math.abs(r), m.rows);
  const nc = c === undefined ? m.cols : Math.min(Math.abs(c), m.cols);
  return sub(m, r !== undefined && r < 0 ? m.rows - nr : 0, c !== undefined && c < 0 ? m.cols - nc : 0, nr, nc);
});

defineFn('DROP', ['any', 'scalar', 'scalar'], 2, 3, (ctx, arr: Value, rs: Scalar, cs?: Scalar) => {
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  const r = optInt(rs, 0);
  if (r instanceof ExcelError) return r;
  const c = optInt(cs, 0);
  if (c instanceof ExcelError) return c;
  const nr = m.rows - Math.min(Math.abs(r!), m.rows);
  const nc = m.cols - Math.min(Math.abs(c!), m.cols);
  if (nr === 0 || nc === 0) return ERR.CALC;
  return sub(m, r! > 0 ? r! : 0, c! > 0 ? c! : 0, nr, nc);
});

defineFn('EXPAND', ['any', 'scalar', 'scalar', 'scalar'], 2, 4, (ctx, arr: Value, rs: Scalar, cs?: Scalar, pad?: Scalar) => {
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  const r = optInt(rs, m.rows);
  if (r instanceof ExcelError) return r;
  const c = optInt(cs, m.cols);
  if (c instanceof ExcelError) return c;
  if (r! < m.rows || c! < m.cols) return ERR.VALUE;
  const tooLarge = arraySizeError(r!, c!);
  if (tooLarge) return tooLarge;
  const p = pad === undefined ? ERR.NA : pad;
  const out: Scalar[] = new Array(r! * c!);
  for (let i = 0; i < r!; i++)
    for (let j = 0; j < c!; j++) out[i * c! + j] = i < m.rows && j < m.cols ? m.data[i * m.cols + j]! : p;
  return new Matrix(r!, c!, out);
});

// ---------------------------------------------------------------- CHOOSEROWS / CHOOSECOLS

function chooseLines(ctx: Ctx, arr: Value, picks: Value[], cols: boolean): Value {
  const m0 = mat(arr, ctx);
  if (m0 instanceof ExcelError) return m0;
  const m = cols ? transpose(m0) : m0;
  const idx: number[] = [];
  for (const p of picks) {
    const pm = mat(p, ctx);
    if (pm instanceof ExcelError) return pm;
    for (const v of pm.data) {
      const n = toNumber(v);
      if (n instanceof ExcelError) return n;
      const k = Math.trunc(n);
      if (k === 0 || Math.abs(k) > m.rows) return ERR.VALUE;
      idx.push(k > 0 ? k - 1 : m.rows + k);
    }
  }
  const tooLarge = arraySizeError(idx.length, m.cols);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = [];
  for (const i of idx) for (let j = 0; j < m.cols; j++) out.push(m.data[i * m.cols + j]!);
  const r = new Matrix(idx.length, m.cols, out);
  return cols ? transpose(r) : r;
}

defineFn('CHOOSEROWS', ['any'], 2, 255, (ctx, arr: Value, ...p: Value[]) => chooseLines(ctx, arr, p, false));
defineFn('CHOOSECOLS', ['any'], 2, 255, (ctx, arr: Value, ...p: Value[]) => chooseLines(ctx, arr, p, true));

// ---------------------------------------------------------------- HSTACK / VSTACK

function stack(ctx: Ctx, args: Value[], vertical: boolean): Value {
  const ms: Matrix[] = [];
  for (const a of args) {
    const m = mat(a, ctx);
    if (m instanceof ExcelError) return m;
    ms.push(vertical ? m : transpose(m));
  }
  let cols = 0;
  let total = 0;
  for (const m of ms) {
    cols = Math.max(cols, m.cols);
    total += m.rows;
  }
  const tooLarge = vertical ? arraySizeError(total, cols) : arraySizeError(cols, total);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = [];
  let rows = 0;
  for (const m of ms) {
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < cols; j++) out.push(j < m.cols ? m.data[i * m.cols + j]! : ERR.NA);
    rows += m.rows;
  }
  const r = new Matrix(rows, cols, out);
  return vertical ? r : transpose(r);
}

defineFn('VSTACK', ['any'], 1, 254, (ctx, ...a: Value[]) => stack(ctx, a, true));
defineFn('HSTACK', ['any'], 1, 254, (ctx, ...a: Value[]) => stack(ctx, a, false));

// ---------------------------------------------------------------- TOCOL / TOROW

function flatten(ctx: Ctx, arr: Value, ig: Scalar | undefined, sc: Scalar | undefined, asRow: boolean): Value {
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  const ignore = optInt(ig, 0);
  if (ignore instanceof ExcelError) return ignore;
  if (ignore! < 0 || ignore! > 3) return ERR.VALUE;
  const byCol = optBool(sc, false);
  if (byCol instanceof ExcelError) return byCol;
  const out: Scalar[] = [];
  const outer = byCol ? m.cols : m.rows;
  const inner = byCol ? m.rows : m.cols;
  for (let a = 0; a < outer; a++) {
    for (let b = 0; b < inner; b++) {
      const v = byCol ? m.data[b * m.cols + a]! : m.data[a * m.cols + b]!;
      if (v === null && ignore! & 1) continue;
      if (v instanceof ExcelError && ignore! & 2) continue;
      out.push(v);
    }
  }
  if (!out.length) return ERR.CALC;
  const tooLarge = asRow ? arraySizeError(1, out.length) : arraySizeError(out.length, 1);
  if (tooLarge) return tooLarge;
  return asRow ? new Matrix(1, out.length, out) : new Matrix(out.length, 1, out);
}

defineFn('TOCOL', ['any', 'scalar', 'scalar'], 1, 3, (ctx, a: Value, i?: Scalar, s?: Scalar) => flatten(ctx, a, i, s, false));
defineFn('TOROW', ['any', 'scalar', 'scalar'], 1, 3, (ctx, a: Value, i?: Scalar, s?: Scalar) => flatten(ctx, a, i, s, true));

// ---------------------------------------------------------------- WRAPROWS / WRAPCOLS

function wrap(ctx: Ctx, vec: Value, count: Scalar, pad: Scalar | undefined, rows: boolean): Value {
  const m = mat(vec, ctx);
  if (m instanceof ExcelError) return m;
  if (m.rows !== 1 && m.cols !== 1) return ERR.VALUE;
  const w = optInt(count, undefined);
  if (w instanceof ExcelError) return w;
  if (w === undefined || w < 1) return ERR.NUM;
  const n = m.data.length;
  const lines = Math.ceil(n / w);
  const tooLarge = rows ? arraySizeError(lines, w) : arraySizeError(w, lines);
  if (tooLarge) return tooLarge;
  const p = pad === undefined ? ERR.NA : pad;
  const out: Scalar[] = new Array(lines * w);
  for (let k = 0; k < lines * w; k++) {
    const line = Math.floor(k / w);
    const pos = k % w;
    const v = k < n ? m.data[k]! : p;
    // WRAPROWS fills row by row; WRAPCOLS column by column.
    out[rows ? line * w + pos : pos * lines + line] = v;
  }
  return rows ? new Matrix(lines, w, out) : new Matrix(w, lines, out);
}

defineFn('WRAPROWS', ['any', 'scalar', 'scalar'], 2, 3, (ctx, v: Value, c: Scalar, p?: Scalar) => wrap(ctx, v, c, p, true));
defineFn('WRAPCOLS', ['any', 'scalar', 'scalar'], 2, 3, (ctx, v: Value, c: Scalar, p?: Scalar) => wrap(ctx, v, c, p, false));

// ---------------------------------------------------------------- TRIMRANGE

defineFn(
  'TRIMRANGE',
  ['any', 'scalar', 'scalar'],
  1,
  3,
  (_ctx, ref: Value, tr?: Scalar, tc?: Scalar) => {
    if (ref instanceof ExcelError) return ref;
    if (!(ref instanceof Ref)) return ERR.VALUE;
    const rowsMode = optInt(tr, 3);
    if (rowsMode instanceof ExcelError) return rowsMode;
    const colsMode = optInt(tc, 3);
    if (colsMode instanceof ExcelError) return colsMode;
    if (rowsMode! < 0 || rowsMode! > 3 || colsMode! < 0 || colsMode! > 3) return ERR.VALUE;
    // Bounding box of non-blank cells within the used part of the reference.
    let r0 = Infinity;
    let r1 = -1;
    let c0 = Infinity;
    let c1 = -1;
    const lr = ref.lastUsedRow;
    const lc = ref.lastUsedCol;
    for (let r = ref.r0; r <= lr; r++)
      for (let c = ref.c0; c <= lc; c++) {
        if (ref.sheet.get(r, c) === null) continue;
        if (r < r0) r0 = r;
        if (r > r1) r1 = r;
        if (c < c0) c0 = c;
        if (c > c1) c1 = c;
      }
    if (r1 < 0) return ERR.REF;
    return new Ref(
      ref.sheet,
      rowsMode! & 1 ? r0 : ref.r0,
      colsMode! & 1 ? c0 : ref.c0,
      rowsMode! & 2 ? r1 : ref.r1,
      colsMode! & 2 ? c1 : ref.c1,
    );
  },
  { returnsRef: true },
);

// ---------------------------------------------------------------- LAMBDA helpers

/** A lambda's result as one cell value (nested arrays are #CALC!). */
function cellResult(v: Value, ctx: Ctx): Scalar {
  if (v instanceof Matrix) return v.rows === 1 && v.cols === 1 ? v.data[0]! : ERR.CALC;
  if (v instanceof Ref) return v.isCell ? v.sheet.get(v.r0, v.c0) : ERR.CALC;
  if (v instanceof Lambda) return ERR.CALC;
  return scalar(v, ctx);
}

function lambdaArg(v: Value | undefined, arity: number): Lambda | ExcelError {
  if (!(v instanceof Lambda)) return v instanceof ExcelError ? v : ERR.VALUE;
  if (v.arity !== arity) return ERR.VALUE;
  return v;
}

defineFn('MAP', ['any'], 2, 255, (ctx, ...args: Value[]) => {
  const lam = lambdaArg(args[args.length - 1], args.length - 1);
  if (lam instanceof ExcelError) return lam;
  const ms: Matrix[] = [];
  for (const a of args.slice(0, -1)) {
    const m = mat(a, ctx);
    if (m instanceof ExcelError) return m;
    ms.push(m);
  }
  const rows = Math.max(...ms.map((m) => m.rows));
  const cols = Math.max(...ms.map((m) => m.cols));
  const out: Scalar[] = new Array(rows * cols);
  const xs: Scalar[] = new Array(ms.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let na = false;
      ms.forEach((m, k) => {
        const ii = m.rows === 1 ? 0 : i;
        const jj = m.cols === 1 ? 0 : j;
        if (ii >= m.rows || jj >= m.cols) na = true;
        else xs[k] = m.data[ii * m.cols + jj]!;
      });
      out[i * cols + j] = na ? ERR.NA : cellResult(lam.fn(...xs), ctx);
    }
  return new Matrix(rows, cols, out);
});

function fold(ctx: Ctx, init: Value | undefined, arr: Value, lamV: Value, keep: boolean): Value {
  const lam = lambdaArg(lamV, 2);
  if (lam instanceof ExcelError) return lam;
  const m = mat(arr, ctx);
  if (m instanceof ExcelError) return m;
  let acc: Value = init === undefined ? 0 : init instanceof Ref && init.isCell ? init.sheet.get(init.r0, init.c0) : init;
  const out: Scalar[] = keep ? new Array(m.data.length) : [];
  for (let k = 0; k < m.data.length; k++) {
    acc = lam.fn(acc, m.data[k]!);
    if (keep) {
      const s = cellResult(acc, ctx);
      out[k] = s;
      acc = s;
    }
  }
  return keep ? new Matrix(m.rows, m.cols, out) : acc;
}

defineFn('REDUCE', ['any'], 3, 3, (ctx, init: Value, arr: Value, lam: Value) => fold(ctx, init, arr, lam, false));
defineFn('SCAN', ['any'], 3, 3, (ctx, init: Value, arr: Value, lam: Value) => fold(ctx, init, arr, lam, true));

/** BYROW/BYCOL: each row (column) is passed as a reference when the input is one. */
function byLine(ctx: Ctx, arr: Value, lamV: Value, rows: boolean): Value {
  const lam = lambdaArg(lamV, 1);
  if (lam instanceof ExcelError) return lam;
  if (arr instanceof ExcelError) return arr;
  const src: Ref | Matrix | ExcelError = arr instanceof Ref ? arr : mat(arr, ctx);
  if (src instanceof ExcelError) return src;
  const n = rows ? src.rows : src.cols;
  const out: Scalar[] = new Array(n);
  for (let k = 0; k < n; k++) {
    let line: Value;
    if (src instanceof Ref) {
      line = rows ? new Ref(src.sheet, src.r0 + k, src.c0, src.r0 + k, src.c1) : new Ref(src.sheet, src.r0, src.c0 + k, src.r1, src.c0 + k);
    } else line = rows ? sub(src, k, 0, 1, src.cols) : sub(src, 0, k, src.rows, 1);
    out[k] = cellResult(lam.fn(line), ctx);
  }
  return rows ? new Matrix(n, 1, out) : new Matrix(1, n, out);
}

defineFn('BYROW', ['any'], 2, 2, (ctx, a: Value, l: Value) => byLine(ctx, a, l, true));
defineFn('BYCOL', ['any'], 2, 2, (ctx, a: Value, l: Value) => byLine(ctx, a, l, false));

defineFn('MAKEARRAY', ['any'], 3, 3, (ctx, rv: Value, cv: Value, lamV: Value) => {
  const lam = lambdaArg(lamV, 2);
  if (lam instanceof ExcelError) return lam;
  const r = toNumber(scalar(rv, ctx));
  if (r instanceof ExcelError) return r;
  const c = toNumber(scalar(cv, ctx));
  if (c instanceof ExcelError) return c;
  const rows = Math.trunc(r);
  const cols = Math.trunc(c);
  if (rows < 1 || cols < 1) return ERR.VALUE;
  // Checked before allocating: MAKEARRAY(100000,10000,...) is #CALC!, not a heap abort.
  const tooLarge = arraySizeError(rows, cols);
  if (tooLarge) return tooLarge;
  const out: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = cellResult(lam.fn(i + 1, j + 1), ctx);
  return new Matrix(rows, cols, out);
});
