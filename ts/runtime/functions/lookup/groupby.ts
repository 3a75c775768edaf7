/**
 * GROUPBY and PIVOTBY (Excel's pages of those names): group the rows of `row_fields` (and,
 * for PIVOTBY, the columns of `col_fields`), aggregate `values` with a LAMBDA per group,
 * sort, filter, and add totals.
 *
 * What the pages define and this follows: fields are column-oriented arrays, several
 * columns make several group levels (hierarchical); `field_headers` (omitted: headers are
 * assumed when the first value is text and the second a number, and shown when there are
 * several group levels; 0 no; 1 yes, not shown; 3 yes and shown); `total_depth` (omitted:
 * grand total and subtotals where possible; 0 none; 1 grand total; 2 and more subtotals;
 * negative: at the top); `sort_order` (1-based columns of the fields then of the values,
 * negative descending); `filter_array` (one boolean per row); `field_relationship` (0
 * hierarchy, 1 table: no subtotals, sorted as one table); PIVOTBY's `relative_to` for
 * two-parameter functions such as PERCENTOF. Groups compare text without case (like
 * UNIQUE) and show the first spelling met. The total rows read "Total", or "Grand Total"
 * when there are subtotals, and subtotal rows repeat their group's keys and leave the
 * deeper key columns blank (Excel's screenshots of these functions).
 *
 * Not supported (#CALC!, and reported at build time through `restrict`): field_headers 2
 * ("no, but generate": the generated names are not documented) and a vector of functions.
 * The function argument must be a LAMBDA; the compiler passes an eta-reduced function
 * (`_xleta.SUM`) as `etaLambda('SUM')`.
 */
import { arraySizeError, scalar, toBool, toMatrix, toNumber } from '../../coerce.js';
import { compareScalars } from '../../ops.js';
import { defineFn, restrict } from '../../registry.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, type Ctx, type Scalar, type Value } from '../../values.js';

/** Grouping key of a value: text without case, as UNIQUE compares. */
function keyOf(v: Scalar): string {
  if (v === null) return 'b';
  if (typeof v === 'number') return 'n' + v;
  if (typeof v === 'string') return 's' + v.toLowerCase();
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  return 'e' + v.code;
}

/** Sort order of keys: numbers < text < booleans < errors < blanks (SORT's order). */
function compareKeys(a: Scalar, b: Scalar): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  const ea = a instanceof ExcelError;
  const eb = b instanceof ExcelError;
  if (ea || eb) return ea ? (eb ? 0 : 1) : -1;
  return compareScalars(a, b);
}

/** A lambda's result as one cell (a multi-cell result is #CALC!). */
function cellOf(v: Value, ctx: Ctx): Scalar {
  if (v instanceof Matrix) return v.rows === 1 && v.cols === 1 ? v.data[0]! : ERR.CALC;
  if (v instanceof Ref) return v.isCell ? v.sheet.get(v.r0, v.c0) : ERR.CALC;
  if (v instanceof Lambda) return ERR.CALC;
  return scalar(v, ctx);
}

function optInt(v: Value | undefined, ctx: Ctx): number | undefined | ExcelError {
  if (v === undefined || v === null) return undefined;
  const s = scalar(v, ctx);
  if (s === null) return undefined;
  const n = toNumber(s);
  return n instanceof ExcelError ? n : Math.trunc(n);
}

/** A node of the group tree: its key at its level, its rows, its children by key. */
interface Group {
  key: Scalar;
  rows: number[];
  children: Map<string, Group>;
  order: Group[];
}

function groupTree(keys: Scalar[][], rows: number[], levels: number): Group {
  const root: Group = { key: null, rows, children: new Map(), order: [] };
  for (const r of rows) {
    let node = root;
    for (let l = 0; l < levels; l++) {
      const k = keys[r]![l]!;
      const id = keyOf(k);
      let child = node.children.get(id);
      if (!child) {
        child = { key: k, rows: [], children: new Map(), order: [] };
        node.children.set(id, child);
        node.order.push(child);
      }
      child.rows.push(r);
      node = child;
    }
  }
  return root;
}

interface Options {
  headers: 'auto' | 0 | 1 | 3;
  depth: number | undefined;
  sort: number[];
  relationship: 0 | 1;
}

/** Reads one axis's fields: a matrix (rows × levels) of keys. */
function fields(v: Value, ctx: Ctx): Matrix | ExcelError {
  if (v instanceof ExcelError) return v;
  return toMatrix(v, ctx);
}

/** The function argument: one LAMBDA of one or two parameters. */
function aggregator(v: Value): Lambda | ExcelError {
  if (v instanceof Lambda) return v.arity === 1 || v.arity === 2 ? v : ERR.VALUE;
  if (v instanceof ExcelError) return v;
  if (v instanceof Matrix) return ERR.CALC; // a vector of functions: not supported
  return ERR.VALUE;
}

function sortSpec(v: Value | undefined, ctx: Ctx, limit: number): number[] | ExcelError {
  if (v === undefined || v === null) return [];
  const m = toMatrix(v, ctx);
  if (m instanceof ExcelError) return m;
  const out: number[] = [];
  for (const x of m.data) {
    if (x === null) continue;
    const n = toNumber(x);
    if (n instanceof ExcelError) return n;
    const k = Math.trunc(n);
    if (k === 0 || Math.abs(k) > limit) return ERR.VALUE;
    out.push(k);
  }
  return out;
}

/** Whether the data has a header row under field_headers "automatic": text, then a number. */
function looksLikeHeaders(values: Matrix): boolean {
  return values.rows >= 2 && typeof values.get(0, 0) === 'string' && typeof values.get(1, 0) === 'number';
}

/** Aggregates the rows `rows` of value column `c` (the second argument: `relative` rows). */
function aggregate(ctx: Ctx, fn: Lambda, values: Matrix, c: number, rows: number[], relative: number[]): Scalar {
  const pick = (rs: number[]) => new Matrix(rs.length, 1, rs.map((r) => values.get(r, c)));
  const v = fn.arity === 2 ? fn.fn(pick(rows), pick(relative)) : fn.fn(pick(rows));
  return cellOf(v, ctx);
}

/** Sorts a node's children (recursively) by the sort spec: key columns then aggregates. */
function sortTree(node: Group, level: number, levels: number, sort: number[], agg: (g: Group, c: number) => Scalar, table: boolean): void {
  const specs = sort.length ? sort : [];
  node.order.sort((a, b) => {
    for (const s of specs) {
      const col = Math.abs(s) - 1;
      let c = 0;
      if (col < levels) {
        if (col !== level && !table) continue;
        c = col === level ? compareKeys(a.key, b.key) : 0;
      } else c = compareKeys(agg(a, col - levels), agg(b, col - levels));
      if (c !== 0) return s < 0 ? -c : c;
    }
    return compareKeys(a.key, b.key);
  });
  for (const child of node.order) sortTree(child, level + 1, levels, sort, agg, table);
}

/** The rows of one axis in output order: each leaf or subtotal with its keys (blank beyond its level). */
interface Line {
  keys: Scalar[];
  rows: number[];
  /** 0 for a leaf, else the number of levels it totals (the grand total: levels). */
  total: number;
  parent: number[];
}

function lines(root: Group, levels: number, depth: number, label: string): Line[] {
  const out: Line[] = [];
  const top = depth < 0;
  const d = Math.abs(depth);
  const walk = (node: Group, level: number, keys: Scalar[]): void => {
    for (const child of node.order) {
      const k = [...keys, child.key];
      if (level === levels - 1) {
        out.push({ keys: k, rows: child.rows, total: 0, parent: node.rows });
        continue;
      }
      // Subtotal of this group when the depth reaches its level (level 0 is depth 2).
      const sub = d >= level + 2 ? { keys: [...k, ...new Array<Scalar>(levels - level - 1).fill(null)], rows: child.rows, total: levels - level - 1, parent: node.rows } : null;
      if (sub && top) out.push(sub);
      walk(child, level + 1, k);
      if (sub && !top) out.push(sub);
    }
  };
  walk(root, 0, []);
  if (d >= 1) {
    const grand: Line = { keys: [label, ...new Array<Scalar>(levels - 1).fill(null)], rows: root.rows, total: levels, parent: root.rows };
    if (top) out.unshift(grand);
    else out.push(grand);
  }
  return out;
}

interface Prepared {
  keys: Matrix;
  values: Matrix;
  rows: number[];
  headerKeys: Scalar[] | null;
  headerValues: Scalar[] | null;
  showHeaders: boolean;
}

/** Splits off headers and applies the filter. */
function prepare(ctx: Ctx, keys: Matrix, values: Matrix, filter: Value | undefined, headers: Options['headers'], levels: number, extraKeys?: Matrix): Prepared | ExcelError {
  if (keys.rows !== values.rows || (extraKeys && extraKeys.rows !== values.rows)) return ERR.VALUE;
  const has = headers === 'auto' ? looksLikeHeaders(values) : headers !== 0;
  const show = headers === 3 || (headers === 'auto' && has && levels > 1);
  const first = has ? 1 : 0;
  let rows = Array.from({ length: values.rows - first }, (_, i) => i + first);
  if (filter !== undefined && filter !== null) {
    const f = toMatrix(filter, ctx);
    if (f instanceof ExcelError) return f;
    if (f.data.length !== values.rows - first && f.data.length !== values.rows) return ERR.VALUE;
    // One boolean per data row (or per row including the header row).
    const shift = f.data.length === values.rows ? 0 : first;
    const keep: number[] = [];
    for (const r of rows) {
      const b = toBool(f.data[r - shift] ?? null);
      if (b instanceof ExcelError) return b;
      if (b) keep.push(r);
    }
    rows = keep;
  }
  if (!rows.length) return ERR.CALC;
  return {
    keys,
    values,
    rows,
    headerKeys: has ? keys.data.slice(0, keys.cols) : null,
    headerValues: has ? values.data.slice(0, values.cols) : null,
    showHeaders: show && has,
  };
}

function readOptions(ctx: Ctx, fh: Value | undefined, depth: Value | undefined, rel?: Value): Omit<Options, 'sort'> | ExcelError {
  const h = optInt(fh, ctx);
  if (h instanceof ExcelError) return h;
  if (h === 2) return ERR.CALC; // "no, but generate": generated names are not documented
  if (h !== undefined && h !== 0 && h !== 1 && h !== 3) return ERR.VALUE;
  const d = optInt(depth, ctx);
  if (d instanceof ExcelError) return d;
  const r = optInt(rel, ctx);
  if (r instanceof ExcelError) return r;
  if (r !== undefined && r !== 0 && r !== 1) return ERR.VALUE;
  return { headers: h === undefined ? 'auto' : (h as 0 | 1 | 3), depth: d, relationship: (r ?? 0) as 0 | 1 };
}

/** The total depth actually used: omitted means grand total and subtotals where there are levels. */
function effectiveDepth(d: number | undefined, levels: number, table: boolean): number {
  const auto = levels > 1 && !table ? levels : 1;
  const v = d === undefined ? auto : d;
  if (table) return Math.sign(v) * Math.min(Math.abs(v), 1);
  return Math.sign(v) * Math.min(Math.abs(v), levels);
}

/**
 * Array-typed parameters (evaluated as arrays even in a legacy formula): the fields, the
 * values, the sort order (one or several keys) and the filter.
 * GROUPBY(row_fields, values, function, field_headers, total_depth, sort_order, filter_array, field_relationship).
 */
const GROUPBY_ARRAYS = 'aavvvaav';
/**
 * PIVOTBY(row_fields, col_fields, values, function, field_headers, row_total_depth,
 * row_sort_order, col_total_depth, col_sort_order, filter_array, relative_to).
 */
const PIVOTBY_ARRAYS = 'aaavvvavaav';

defineFn('GROUPBY', ['any'], 3, 8, (ctx, rf: Value, vals: Value, fnV: Value, fh?: Value, td?: Value, so?: Value, fa?: Value, fr?: Value) => {
  const keys = fields(rf, ctx);
  if (keys instanceof ExcelError) return keys;
  const values = fields(vals, ctx);
  if (values instanceof ExcelError) return values;
  const fn = aggregator(fnV);
  if (fn instanceof ExcelError) return fn;
  const opts = readOptions(ctx, fh, td, fr);
  if (opts instanceof ExcelError) return opts;
  const levels = keys.cols;
  const sort = sortSpec(so, ctx, levels + values.cols);
  if (sort instanceof ExcelError) return sort;
  const p = prepare(ctx, keys, values, fa, opts.headers, levels);
  if (p instanceof ExcelError) return p;
  const table = opts.relationship === 1;
  if (table && opts.depth !== undefined && Math.abs(opts.depth) > 1) return ERR.VALUE; // no subtotals in a table
  const keyRows = Array.from({ length: keys.rows }, (_, r) => keys.data.slice(r * levels, (r + 1) * levels));
  const root = groupTree(keyRows, p.rows, levels);
  const cache = new Map<Group, Scalar[]>();
  const aggOf = (g: Group, c: number): Scalar => {
    let a = cache.get(g);
    if (!a) {
      a = Array.from({ length: values.cols }, (_, k) => aggregate(ctx, fn, values, k, g.rows, p.rows));
      cache.set(g, a);
    }
    return a[c]!;
  };
  sortTree(root, 0, levels, sort, aggOf, table);
  const depth = effectiveDepth(opts.depth, levels, table);
  const out = lines(root, levels, depth, depth !== 0 && Math.abs(depth) > 1 ? 'Grand Total' : 'Total');
  const width = levels + values.cols;
  const height = out.length + (p.showHeaders ? 1 : 0);
  const tooLarge = arraySizeError(height, width);
  if (tooLarge) return tooLarge;
  const data: Scalar[] = [];
  if (p.showHeaders) data.push(...p.headerKeys!, ...p.headerValues!);
  for (const line of out) {
    data.push(...line.keys);
    for (let c = 0; c < values.cols; c++) data.push(aggregate(ctx, fn, values, c, line.rows, p.rows));
  }
  return new Matrix(height, width, data);
}, { arrays: GROUPBY_ARRAYS });

defineFn(
  'PIVOTBY',
  ['any'],
  4,
  11,
  (ctx, rf: Value, cf: Value, vals: Value, fnV: Value, fh?: Value, rtd?: Value, rso?: Value, ctd?: Value, cso?: Value, fa?: Value, rel?: Value) => {
    const rkeys = fields(rf, ctx);
    if (rkeys instanceof ExcelError) return rkeys;
    const ckeys = fields(cf, ctx);
    if (ckeys instanceof ExcelError) return ckeys;
    const values = fields(vals, ctx);
    if (values instanceof ExcelError) return values;
    const fn = aggregator(fnV);
    if (fn instanceof ExcelError) return fn;
    const opts = readOptions(ctx, fh, rtd);
    if (opts instanceof ExcelError) return opts;
    const cdepthArg = optInt(ctd, ctx);
    if (cdepthArg instanceof ExcelError) return cdepthArg;
    const relTo = optInt(rel, ctx);
    if (relTo instanceof ExcelError) return relTo;
    const relative = relTo ?? 0;
    if (relative < 0 || relative > 4) return ERR.VALUE;
    if (values.cols !== 1) return ERR.CALC; // several value columns: layout not documented
    const rl = rkeys.cols;
    const cl = ckeys.cols;
    const rsort = sortSpec(rso, ctx, rl + 1);
    if (rsort instanceof ExcelError) return rsort;
    const csort = sortSpec(cso, ctx, cl + 1);
    if (csort instanceof ExcelError) return csort;
    const p = prepare(ctx, rkeys, values, fa, opts.headers, Math.max(rl, cl), ckeys);
    if (p instanceof ExcelError) return p;
    const rowKeys = Array.from({ length: rkeys.rows }, (_, r) => rkeys.data.slice(r * rl, (r + 1) * rl));
    const colKeys = Array.from({ length: ckeys.rows }, (_, r) => ckeys.data.slice(r * cl, (r + 1) * cl));
    const rroot = groupTree(rowKeys, p.rows, rl);
    const croot = groupTree(colKeys, p.rows, cl);
    const all = (g: Group): Scalar => aggregate(ctx, fn, values, 0, g.rows, p.rows);
    sortTree(rroot, 0, rl, rsort, (g) => all(g), false);
    sortTree(croot, 0, cl, csort, (g) => all(g), false);
    const rdepth = effectiveDepth(opts.depth, rl, false);
    const cdepth = effectiveDepth(cdepthArg, cl, false);
    const rlines = lines(rroot, rl, rdepth, Math.abs(rdepth) > 1 ? 'Grand Total' : 'Total');
    const clines = lines(croot, cl, cdepth, Math.abs(cdepth) > 1 ? 'Grand Total' : 'Total');
    const height = cl + rlines.length + (p.showHeaders ? 1 : 0);
    const width = rl + clines.length;
    const tooLarge = arraySizeError(height, width);
    if (tooLarge) return tooLarge;
    const grid: Scalar[] = new Array(height * width).fill(null);
    const put = (r: number, c: number, v: Scalar) => (grid[r * width + c] = v);
    const top = p.showHeaders ? 1 : 0;
    if (p.showHeaders) {
      p.headerKeys!.forEach((h, c) => put(cl, c, h));
      put(0, rl, ckeys.data[0] ?? null);
    }
    clines.forEach((line, j) => line.keys.forEach((k, l) => put(top + l, rl + j, k)));
    rlines.forEach((line, i) => {
      line.keys.forEach((k, l) => put(top + cl + i, l, k));
      const rset = new Set(line.rows);
      clines.forEach((cline, j) => {
        const cells = cline.rows.filter((r) => rset.has(r));
        // The second argument of a two-parameter function, by relative_to: 0 the column
        // total, 1 the row total, 2 the grand total, 3 the parent column total, 4 the parent row total.
        const relRows =
          relative === 0 ? cline.rows : relative === 1 ? line.rows : relative === 2 ? p.rows : relative === 3 ? cline.parent.filter((r) => rset.has(r)) : line.parent.filter((r) => new Set(cline.rows).has(r));
        put(top + cl + i, rl + j, cells.length || fn.arity === 2 ? aggregate(ctx, fn, values, 0, cells, relRows) : null);
      });
    });
    return new Matrix(height, width, grid);
  },
  { arrays: PIVOTBY_ARRAYS },
);

/** A literal field_headers of 2 ("no, but generate") is reported: the generated names are undocumented. */
restrict('GROUPBY', [
  { when: [{ arg: 3, test: 'literal', numbers: [2] }], reason: 'GROUPBY with field_headers 2 generates header names Excel does not document' },
]);
restrict('PIVOTBY', [
  { when: [{ arg: 4, test: 'literal', numbers: [2] }], reason: 'PIVOTBY with field_headers 2 generates header names Excel does not document' },
]);
