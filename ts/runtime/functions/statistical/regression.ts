/**
 * Linear regression: LINEST, LOGEST, TREND, GROWTH, with every optional argument.
 *
 * Least squares by modified Gram–Schmidt on the (centred, when there is a constant)
 * predictor columns, taken in order. A column that the columns before it (and the
 * constant) already explain is dropped, as Excel does ([MS-OI29500] 2.1.985: "vectors in
 * known-xs that are collinear ... are omitted from the regression calculations. The
 * vectors are given a coefficient of 0 and a standard error of 0 ... df is affected").
 * With const = FALSE the line goes through the origin and the total sum of squares is
 * uncentred (Σy²), as in Excel since 2003.
 */
import { refMatrix, scalar } from '../../coerce.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from '../../values.js';

/** A finite number, or #NUM! for NaN/±Infinity. */
function fin(x: number): number | ExcelError {
  return Number.isFinite(x) ? x : ERR.NUM;
}

/** All cells of an array argument as numbers (any non-number gives #VALUE!), with its shape. */
export function numericMatrix(v: Value, ctx: Ctx): { rows: number; cols: number; data: number[] } | ExcelError {
  let m: Matrix | ExcelError;
  if (v instanceof Ref) m = refMatrix(v);
  else if (v instanceof Matrix) m = v;
  else if (v instanceof RefList) {
    if (v.areas.length !== 1) return ERR.VALUE;
    m = refMatrix(v.areas[0]!);
  } else m = new Matrix(1, 1, [scalar(v, ctx)]);
  if (m instanceof ExcelError) return m;
  const data: number[] = new Array(m.data.length);
  for (let i = 0; i < m.data.length; i++) {
    const x = m.data[i];
    if (x instanceof ExcelError) return x;
    if (typeof x !== 'number') return ERR.VALUE;
    data[i] = x;
  }
  return { rows: m.rows, cols: m.cols, data };
}

interface Design {
  y: number[];
  /** Predictor columns (each of length n). */
  x: number[][];
  /** True when observations run along a row (y is 1×n). */
  byRow: boolean;
}

/**
 * Reads known_y / known_x into observations and predictor columns, with Excel's shape
 * rules: one predictor of the same shape as y, or (y a column) one predictor per column
 * of x, or (y a row) one per row of x; anything else #REF!.
 */
function design(yv: Value, xv: Value | undefined, ctx: Ctx, logY: boolean): Design | ExcelError {
  const Y = numericMatrix(yv, ctx);
  if (Y instanceof ExcelError) return Y;
  let y = Y.data;
  if (logY) {
    if (y.some((v) => v <= 0)) return ERR.NUM;
    y = y.map(Math.log);
  }
  const n = y.length;
  const byRow = Y.rows === 1 && Y.cols > 1;
  if (xv === undefined || xv === null) return { y, x: [y.map((_, i) => i + 1)], byRow };
  const X = numericMatrix(xv, ctx);
  if (X instanceof ExcelError) return X;
  if (X.rows === Y.rows && X.cols === Y.cols) return { y, x: [X.data], byRow };
  if (Y.cols === 1 && X.rows === n) {
    const x: number[][] = [];
    for (let j = 0; j < X.cols; j++) x.push(Array.from({ length: n }, (_, i) => X.data[i * X.cols + j]!));
    return { y, x, byRow: false };
  }
  if (Y.rows === 1 && X.cols === n) {
    const x: number[][] = [];
    for (let j = 0; j < X.rows; j++) x.push(X.data.slice(j * X.cols, (j + 1) * X.cols));
    return { y, x, byRow: true };
  }
  return ERR.REF;
}

export interface Fit {
  /** Coefficients m_1..m_k in predictor order (0 for a dropped collinear predictor) and intercept b. */
  m: number[];
  b: number;
  /** Standard errors of m (0 for a dropped predictor) and of b (undefined without a constant). */
  se: number[];
  seB: number | undefined;
  r2: number;
  seY: number;
  F: number;
  df: number;
  ssReg: number;
  ssResid: number;
}

/** Relative size below which a column's part not explained by earlier columns counts as collinear. */
const COLLINEAR = 1e-12;

const dot = (a: number[], b: number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Least squares of y on the predictor columns, with or without a constant. */
export function fit(d: Design, withConst: boolean): Fit | ExcelError {
  const n = d.y.length;
  const k = d.x.length;
  if (n === 0) return ERR.VALUE;
  const mean = (v: number[]): number => (withConst ? v.reduce((s, x) => s + x, 0) / n : 0);
  const my = mean(d.y);
  const mx = d.x.map(mean);
  const yc = d.y.map((v) => v - my);
  const xc = d.x.map((col, j) => col.map((v) => v - mx[j]!));
  // Modified Gram–Schmidt with one re-orthogonalisation: Q's columns and R (upper
  // triangular over the kept predictors).
  const kept: number[] = [];
  const Q: number[][] = [];
  const R: number[][] = []; // R[a][b] for kept positions a <= b
  for (let j = 0; j < k; j++) {
    const v = xc[j]!.slice();
    const norm0 = Math.sqrt(dot(v, v));
    const r = new Array<number>(Q.length).fill(0);
    for (let pass = 0; pass < 2; pass++) {
      for (let a = 0; a < Q.length; a++) {
        const c = dot(Q[a]!, v);
        r[a]! += c;
        for (let i = 0; i < n; i++) v[i]! -= c * Q[a]![i]!;
      }
    }
    const norm = Math.sqrt(dot(v, v));
    if (!(norm0 > 0) || norm <= COLLINEAR * norm0 || !Number.isFinite(norm)) continue; // collinear: dropped
    for (let i = 0; i < n; i++) v[i]! /= norm;
    for (let a = 0; a < R.length; a++) R[a]!.push(r[a]!);
    R.push([...new Array<number>(Q.length).fill(0), norm]);
    Q.push(v);
    kept.push(j);
  }
  const p = kept.length;
  // Back substitution R z = Qᵀ y.
  const qty = Q.map((q) => dot(q, yc));
  const z = new Array<number>(p).fill(0);
  for (let a = p - 1; a >= 0; a--) {
    let s = qty[a]!;
    for (let b = a + 1; b < p; b++) s -= R[a]![b]! * z[b]!;
    z[a] = s / R[a]![a]!;
  }
  // R⁻¹ (upper triangular), for (XᵀX)⁻¹ = R⁻¹ R⁻ᵀ.
  const Ri = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let c = 0; c < p; c++) {
    Ri[c]![c] = 1 / R[c]![c]!;
    for (let a = c - 1; a >= 0; a--) {
      let s = 0;
      for (let b = a + 1; b <= c; b++) s += R[a]![b]! * Ri[b]![c]!;
      Ri[a]![c] = -s / R[a]![a]!;
    }
  }
  const inv = (a: number, b: number): number => {
    let s = 0;
    for (let c = Math.max(a, b); c < p; c++) s += Ri[a]![c]! * Ri[b]![c]!;
    return s;
  };
  const m = new Array<number>(k).fill(0);
  kept.forEach((j, a) => (m[j] = z[a]!));
  let b = 0;
  if (withConst) {
    b = my;
    for (let j = 0; j < k; j++) b -= m[j]! * mx[j]!;
  }
  let ssResid = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    let pred = b;
    for (let j = 0; j < k; j++) pred += m[j]! * d.x[j]![i]!;
    ssResid += (d.y[i]! - pred) ** 2;
    ssTot += (d.y[i]! - my) ** 2; // my is 0 without a constant: the uncentred total
  }
  const df = n - p - (withConst ? 1 : 0);
  const ssReg = ssTot - ssResid;
  const r2 = ssTot === 0 ? 1 : ssReg / ssTot;
  const s2 = df > 0 ? ssResid / df : NaN;
  const se = new Array<number>(k).fill(0);
  kept.forEach((j, a) => (se[j] = Math.sqrt(s2 * inv(a, a))));
  let seB: number | undefined;
  if (withConst) {
    // Var(b) = s²(1/n + x̄ᵀ (XcᵀXc)⁻¹ x̄) over the kept predictors.
    let q = 1 / n;
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) q += mx[kept[a]!]! * inv(a, c) * mx[kept[c]!]!;
    seB = Math.sqrt(s2 * q);
  }
  return { m, b, se, seB, r2, seY: Math.sqrt(s2), F: ssReg / p / (ssResid / df), df, ssReg, ssResid };
}

/** A logical option: omitted or blank is the default; numbers are non-zero; text is #VALUE!. */
function optBool(v: Value | undefined, ctx: Ctx, dflt: boolean): boolean | ExcelError {
  if (v === undefined || v === null) return dflt;
  const s = scalar(v, ctx);
  if (s === null) return dflt;
  if (s instanceof ExcelError) return s;
  if (typeof s === 'boolean') return s;
  if (typeof s === 'number') return s !== 0;
  return ERR.VALUE;
}

function linest(ctx: Ctx, yv: Value, xv: Value | undefined, cv: Value | undefined, sv: Value | undefined, log: boolean): Value {
  const withConst = optBool(cv, ctx, true);
  if (withConst instanceof ExcelError) return withConst;
  const stats = optBool(sv, ctx, false);
  if (stats instanceof ExcelError) return stats;
  const d = design(yv, xv, ctx, log);
  if (d instanceof ExcelError) return d;
  const f = fit(d, withConst);
  if (f instanceof ExcelError) return f;
  const k = f.m.length;
  // LOGEST reports m and b as bases (e^m, e^b); its statistics stay on the log scale.
  const tr = (x: number): Scalar => fin(log ? Math.exp(x) : x);
  const row1: Scalar[] = [...f.m.slice().reverse().map(tr), withConst ? tr(f.b) : log ? 1 : 0];
  if (!stats) return new Matrix(1, k + 1, row1);
  const num = (x: number | undefined): Scalar => (x === undefined || !Number.isFinite(x) ? ERR.NUM : x);
  const rows: Scalar[][] = [
    row1,
    [...f.se.slice().reverse().map(num), withConst ? num(f.seB) : ERR.NA],
    [num(f.r2), num(f.seY)],
    [num(f.F), f.df],
    [num(f.ssReg), num(f.ssResid)],
  ];
  return Matrix.from2D(rows);
}
defineFn('LINEST', ['any'], 1, 4, (ctx, y: Value, x?: Value, c?: Value, s?: Value) => linest(ctx, y, x, c, s, false), { arrays: 'aav' });
defineFn('LOGEST', ['any'], 1, 4, (ctx, y: Value, x?: Value, c?: Value, s?: Value) => linest(ctx, y, x, c, s, true), { arrays: 'aav' });

function trend(ctx: Ctx, yv: Value, xv: Value | undefined, nv: Value | undefined, cv: Value | undefined, log: boolean): Value {
  const withConst = optBool(cv, ctx, true);
  if (withConst instanceof ExcelError) return withConst;
  const d = design(yv, xv, ctx, log);
  if (d instanceof ExcelError) return d;
  const f = fit(d, withConst);
  if (f instanceof ExcelError) return f;
  const k = f.m.length;
  const n = d.y.length;
  // New x: default the known x (in the shape of known_y), else read with the same orientation.
  let points: number[][];
  let rows: number;
  let cols: number;
  if (nv === undefined || nv === null) {
    points = Array.from({ length: n }, (_, i) => d.x.map((col) => col[i]!));
    rows = d.byRow ? 1 : n;
    cols = d.byRow ? n : 1;
  } else {
    const N = numericMatrix(nv, ctx);
    if (N instanceof ExcelError) return N;
    if (k === 1) {
      points = N.data.map((v) => [v]);
      rows = N.rows;
      cols = N.cols;
    } else if (!d.byRow) {
      if (N.cols !== k) return ERR.REF;
      points = [];
      for (let i = 0; i < N.rows; i++) points.push(N.data.slice(i * k, (i + 1) * k));
      rows = N.rows;
      cols = 1;
    } else {
      if (N.rows !== k) return ERR.REF;
      points = [];
      for (let i = 0; i < N.cols; i++) points.push(Array.from({ length: k }, (_, j) => N.data[j * N.cols + i]!));
      rows = 1;
      cols = N.cols;
    }
  }
  const out: Scalar[] = points.map((pt) => {
    let v = f.b;
    for (let j = 0; j < k; j++) v += f.m[j]! * pt[j]!;
    return fin(log ? Math.exp(v) : v);
  });
  return new Matrix(rows, cols, out);
}
defineFn('TREND', ['any'], 1, 4, (ctx, y: Value, x?: Value, nx?: Value, c?: Value) => trend(ctx, y, x, nx, c, false), { arrays: 'aaav' });
defineFn('GROWTH', ['any'], 1, 4, (ctx, y: Value, x?: Value, nx?: Value, c?: Value) => trend(ctx, y, x, nx, c, true), { arrays: 'aaav' });
