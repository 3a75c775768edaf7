/**
 * Functions: the criteria-based aggregates (SUMIF(S), COUNTIF(S), AVERAGEIF(S),
 * MAXIFS, MINIFS), the counting functions (COUNT, COUNTA, COUNTBLANK), SUMPRODUCT,
 * SUBTOTAL and AGGREGATE. Registered at import by `math.ts`.
 *
 * References are scanned in place and only over their used part: the cells beyond a
 * whole-column reference's used range are blank, so they are counted arithmetically
 * when a criterion matches blanks instead of being visited one by one.
 */
import { forEachValue } from '../../aggregate.js';
import { arraySizeError, parseNumber, refMatrix, scalar } from '../../coerce.js';
import { numberInterval, parseCriteria, type Predicate } from '../../criteria.js';
import { F, defineFn } from '../../registry.js';
import { ERR, ExcelError, Matrix, Ref, RefList, type Ctx, type Accepted, type Scalar, type SortedWithin, type Value, type ValueClasses } from '../../values.js';

/** A rectangle of values read in place: a reference or an array. */
interface Area {
  rows: number;
  cols: number;
  /** Extent that may hold non-blank values (rows/cols beyond are blank). */
  usedRows: number;
  usedCols: number;
  get(i: number, j: number): Scalar;
  /** The value classes of its first rows × cols (a reference whose store keeps them). */
  classes?(rows: number, cols: number): ValueClasses | undefined;
}

function refArea(ref: Ref): Area {
  const sheet = ref.sheet;
  const r0 = ref.r0;
  const c0 = ref.c0;
  return {
    rows: ref.rows,
    cols: ref.cols,
    usedRows: Math.max(0, ref.lastUsedRow - r0 + 1),
    usedCols: Math.max(0, ref.lastUsedCol - c0 + 1),
    get: (i, j) => sheet.get(r0 + i, c0 + j),
    classes: (rows, cols) => sheet.valueClasses?.(r0, c0, rows, cols),
  };
}

/** The value classes of every area over its first rows × cols, or undefined. */
function groupsOf(areas: Area[], rows: number, cols: number): ValueClasses[] | undefined {
  const out: ValueClasses[] = new Array(areas.length);
  for (let k = 0; k < areas.length; k++) {
    const g = areas[k]!.classes?.(rows, cols);
    if (g === undefined) return undefined;
    out[k] = g;
  }
  return out;
}

function matrixArea(m: Matrix): Area {
  return { rows: m.rows, cols: m.cols, usedRows: m.rows, usedCols: m.cols, get: (i, j) => m.get(i, j) };
}

/** The area of a range argument; `null` when the argument is not a range or an array. */
function areaOf(v: Value, ctx: Ctx): Area | ExcelError {
  if (v instanceof Ref) return refArea(v);
  if (v instanceof Matrix) return matrixArea(v);
  if (v instanceof RefList) return v.areas.length === 1 ? refArea(v.areas[0]!) : ERR.VALUE;
  const s = scalar(v, ctx);
  if (s instanceof ExcelError) return s;
  return matrixArea(new Matrix(1, 1, [s]));
}

/**
 * SUMIF/AVERAGEIF's third argument: only its top-left cell matters, the area used has
 * the shape of the criteria range.
 */
function resizedArea(v: Value, rows: number, cols: number, ctx: Ctx): Area | ExcelError {
  if (v instanceof Ref) return refArea(new Ref(v.sheet, v.r0, v.c0, v.r0 + rows - 1, v.c0 + cols - 1));
  if (v instanceof RefList && v.areas.length === 1) return resizedArea(v.areas[0]!, rows, cols, ctx);
  const a = areaOf(v, ctx);
  if (a instanceof ExcelError) return a;
  return {
    rows,
    cols,
    usedRows: Math.min(rows, a.rows),
    usedCols: Math.min(cols, a.cols),
    get: (i, j) => (i < a.rows && j < a.cols ? a.get(i, j) : null),
  };
}

/**
 * Visits the cells where every criterion holds. `visit` receives the value of `target`
 * (or null when there is none) and may return an error to stop. Returns the number of
 * matching cells lying beyond every area's used extent (all blank), or an error.
 */
function scanMatches(
  areas: Area[],
  preds: Predicate[],
  target: Area | null,
  visit: (v: Scalar) => ExcelError | void,
  /** With no target: receives how many cells match instead of a visit per cell (COUNTIFS). */
  counted?: (n: number) => void,
): number | ExcelError {
  const first = areas[0]!;
  let ur = 0;
  let uc = 0;
  for (const a of target ? [...areas, target] : areas) {
    ur = Math.max(ur, a.usedRows);
    uc = Math.max(uc, a.usedCols);
  }
  ur = Math.min(ur, first.rows);
  uc = Math.min(uc, first.cols);
  const n = areas.length;
  const groups = ur > 0 && uc > 0 ? groupsOf(areas, ur, uc) : undefined;
  if (groups && target === null && counted) {
    // Counting: how many, not where.
    counted(groupedCount(groups, preds));
  } else if (groups) {
    const positions = groupedMatches(groups, preds, ur * uc);
    for (let m = 0; m < positions.length; m++) {
      const p = positions[m]!;
      const i = (p / uc) | 0;
      const e = visit(target ? target.get(i, p - i * uc) : null);
      if (e) return e;
    }
  } else
  for (let i = 0; i < ur; i++) {
    cells: for (let j = 0; j < uc; j++) {
      for (let k = 0; k < n; k++) if (!preds[k]!(areas[k]!.get(i, j))) continue cells;
      const e = visit(target ? target.get(i, j) : null);
      if (e) return e;
    }
  }
  for (const p of preds) if (!p(null)) return 0;
  return first.rows * first.cols - ur * uc;
}

/** True when the argument should lift a criteria function over its elements. */
function isArrayCriterion(v: Value, ctx: Ctx): boolean {
  return v instanceof Matrix || (v instanceof Ref && !v.isCell && ctx.array);
}

/**
 * Evaluates `f` with scalar arguments; array arguments (an array constant, or a range in
 * an array formula) lift the call element-wise like Excel does. For functions whose
 * parameters alternate between ranges and scalars, which the registry cannot express.
 */
export function liftScalars(ctx: Ctx, crits: Value[], f: (cs: Scalar[]) => Scalar): Value {
  const mats: (Matrix | null)[] = [];
  for (const c of crits) {
    if (!isArrayCriterion(c, ctx)) mats.push(null);
    else {
      const m = c instanceof Matrix ? c : refMatrix(c as Ref);
      if (m instanceof ExcelError) return m;
      mats.push(m);
    }
  }
  if (mats.every((m) => m === null)) return f(crits.map((c) => scalar(c, ctx)));
  let rows = 1;
  let cols = 1;
  for (const m of mats) {
    if (!m) continue;
    rows = Math.max(rows, m.rows);
    cols = Math.max(cols, m.cols);
  }
  const tooLarge = arraySizeError(rows, cols);
  if (tooLarge) return tooLarge;
  const base = crits.map((c, k) => (mats[k] ? null : scalar(c, ctx)));
  const out: Scalar[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let na = false;
      const cs = base.map((b, k) => {
        const m = mats[k];
        if (!m) return b;
        const ii = m.rows === 1 ? 0 : i;
        const jj = m.cols === 1 ? 0 : j;
        if (ii >= m.rows || jj >= m.cols) na = true;
        return na ? null : m.get(ii, jj);
      });
      out[i * cols + j] = na ? ERR.NA : f(cs);
    }
  }
  return new Matrix(rows, cols, out);
}

type Reducer = 'sum' | 'count' | 'average' | 'max' | 'min';

/** Folds the numeric target values of the matching cells. */
function reduceMatches(areas: Area[], preds: Predicate[], target: Area | null, how: Reducer): Scalar {
  let sum = 0;
  let count = 0;
  let best = how === 'max' ? -Infinity : Infinity;
  const counted = how === 'count' ? (n: number) => void (count += n) : undefined;
  const beyond = scanMatches(areas, preds, target, (v) => {
    if (how === 'count') {
      count++;
      return;
    }
    if (v instanceof ExcelError) return v;
    if (typeof v !== 'number') return;
    sum += v;
    count++;
    if (how === 'max' ? v > best : v < best) best = v;
  }, counted);
  if (beyond instanceof ExcelError) return beyond;
  switch (how) {
    case 'count':
      return count + beyond;
    case 'sum':
      return sum;
    case 'average':
      return count ? sum / count : ERR.DIV0;
    default:
      return count ? best : 0;
  }
}

/** COUNTIF / SUMIF / AVERAGEIF: one range, one criterion, optional target range. */
function singleCriterion(how: Reducer) {
  return (ctx: Ctx, range: Value, crit: Scalar, target?: Value): Scalar => {
    const a = areaOf(range, ctx);
    if (a instanceof ExcelError) return a;
    let t: Area | ExcelError | null = how === 'count' ? null : a;
    if (target !== undefined && target !== null && how !== 'count') t = resizedArea(target, a.rows, a.cols, ctx);
    if (t instanceof ExcelError) return t;
    return reduceMatches([a], [parseCriteria(crit)], t, how);
  };
}

defineFn('COUNTIF', ['any', 'scalar'], 2, 2, singleCriterion('count'), { pure: true, ranges: 'rv' });
defineFn('SUMIF', ['any', 'scalar', 'any'], 2, 3, singleCriterion('sum'), { pure: true, ranges: 'rvr' });
defineFn('AVERAGEIF', ['any', 'scalar', 'any'], 2, 3, singleCriterion('average'), { pure: true, ranges: 'rvr' });

/**
 * The *IFS functions: (target, range1, crit1, range2, crit2, ...) or, for COUNTIFS,
 * (range1, crit1, ...). Every range must have the target's shape (#VALUE! otherwise).
 */
/**
 * SUMIFS over plain references with scalar criteria, the shape models use per cell:
 * reads the sheets in place with no per-call area objects. Rows past the target's used
 * range hold blanks, which add nothing to a sum, so the scan stops there.
 */
function sumifsDirect(ctx: Ctx, args: Value[]): Value | undefined {
  const target = args[0];
  if (!(target instanceof Ref)) return undefined;
  const n = (args.length - 1) >> 1;
  if (n === 0 || (args.length - 1) % 2 !== 0) return undefined;
  if (n === 1) return sumifsDirect1(ctx, target, args[1], args[2]);
  const ranges: Ref[] = new Array(n);
  const preds: Predicate[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const range = args[1 + 2 * k];
    const crit = args[2 + 2 * k];
    if (!(range instanceof Ref) || range.rows !== target.rows || range.cols !== target.cols) return undefined;
    if (crit instanceof Matrix || crit instanceof RefList || (crit instanceof Ref && !crit.isCell)) return undefined;
    ranges[k] = range;
    preds[k] = parseCriteria(scalar(crit ?? null, ctx));
  }
  const rows = Math.min(target.rows, target.lastUsedRow - target.r0 + 1);
  const cols = Math.min(target.cols, target.lastUsedCol - target.c0 + 1);
  const grouped = sumGrouped(target, ranges, preds, rows, cols);
  if (grouped !== undefined) return grouped;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    cell: for (let j = 0; j < cols; j++) {
      for (let k = 0; k < n; k++) {
        const r = ranges[k]!;
        if (!preds[k]!(r.sheet.get(r.r0 + i, r.c0 + j))) continue cell;
      }
      const v = target.sheet.get(target.r0 + i, target.c0 + j);
      if (typeof v === 'number') sum += v;
      else if (v instanceof ExcelError) return v;
    }
  }
  return sum;
}

/** `sumifsDirect` with one criterion (the common case), without per-call arrays. */
function sumifsDirect1(ctx: Ctx, target: Ref, range: Value | undefined, crit: Value | undefined): Value | undefined {
  if (!(range instanceof Ref) || range.rows !== target.rows || range.cols !== target.cols) return undefined;
  if (crit instanceof Matrix || crit instanceof RefList || (crit instanceof Ref && !crit.isCell)) return undefined;
  const pred = parseCriteria(scalar(crit ?? null, ctx));
  const rows = Math.min(target.rows, target.lastUsedRow - target.r0 + 1);
  const cols = Math.min(target.cols, target.lastUsedCol - target.c0 + 1);
  const one = sumOneClass(target, range, pred, rows, cols);
  if (one !== undefined) return one;
  const grouped = sumGrouped(target, [range], [pred], rows, cols);
  if (grouped !== undefined) return grouped;
  const rs = range.sheet;
  const ts = target.sheet;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (!pred(rs.get(range.r0 + i, range.c0 + j))) continue;
      const v = ts.get(target.r0 + i, target.c0 + j);
      if (typeof v === 'number') sum += v;
      else if (v instanceof ExcelError) return v;
    }
  }
  return sum;
}

/**
 * SUMIF(S) of one column with one criterion that accepts one value of its range (a
 * category's cost ratio looked up per line item): the members of that value's class,
 * ascending, straight from the range's value classes, with no positions array or plan
 * (`sumGrouped` otherwise; undefined when it applies).
 */
function sumOneClass(target: Ref, range: Ref, pred: Predicate, rows: number, cols: number): number | ExcelError | undefined {
  if (rows <= 0 || cols !== 1) return undefined;
  const g = range.sheet.valueClasses?.(range.r0, range.c0, rows, 1);
  if (g === undefined) return undefined;
  const accepted = acceptedBy(g, pred);
  if (accepted.cells === 0) return 0;
  const cls = accepted.single;
  if (cls < 0) return undefined;
  const from = g.starts[cls]!;
  const to = g.starts[cls + 1]!;
  const members = g.members;
  const ts = target.sheet;
  let sum = 0;
  const column = ts.columnNumbers?.(target.r0, target.r0 + rows - 1, target.c0);
  if (column !== undefined) {
    for (let m = from; m < to; m++) sum += column[members[m]!]!;
    return sum;
  }
  for (let m = from; m < to; m++) {
    const v = ts.get(target.r0 + members[m]!, target.c0);
    if (typeof v === 'number') sum += v;
    else if (v instanceof ExcelError) return v;
  }
  return sum;
}

/**
 * SUMIFS through the criteria ranges' value classes (`groupedMatches`). Undefined when
 * a store keeps no classes (the first request for a range, a small range): scan.
 */
function sumGrouped(target: Ref, ranges: Ref[], preds: Predicate[], rows: number, cols: number): number | ExcelError | undefined {
  if (rows <= 0 || cols <= 0) return undefined;
  const groups: ValueClasses[] = new Array(ranges.length);
  for (let k = 0; k < ranges.length; k++) {
    const r = ranges[k]!;
    const g = r.sheet.valueClasses?.(r.r0, r.c0, rows, cols);
    if (g === undefined) return undefined;
    groups[k] = g;
  }
  const positions = groupedMatches(groups, preds, rows * cols);
  const ts = target.sheet;
  let sum = 0;
  // One column: its numbers from one array (errors absent), added in the same order.
  const column = cols === 1 && positions.length > 0 ? ts.columnNumbers?.(target.r0, target.r0 + rows - 1, target.c0) : undefined;
  if (column !== undefined) {
    for (let m = 0; m < positions.length; m++) sum += column[positions[m]!]!;
    return sum;
  }
  for (let m = 0; m < positions.length; m++) {
    const p = positions[m]!;
    const i = (p / cols) | 0;
    const v = ts.get(target.r0 + i, target.c0 + (p - i * cols));
    if (typeof v === 'number') sum += v;
    else if (v instanceof ExcelError) return v;
  }
  return sum;
}

/**
 * The positions (row-major offsets, ascending) where every criterion holds, found
 * through the ranges' value classes (`SheetStore.valueClasses`, kept by the store while
 * their cells are unchanged): a predicate is a pure function of the cell's value, so it
 * is evaluated once per distinct value instead of once per cell, and only the cells of
 * the criterion that accepts fewest are visited. Ascending, so a caller adds the same
 * numbers in the same order as a scan. A summary of SUMIFS/COUNTIFS over one table then
 * costs one pass over the table per run, then work in proportion to the matches.
 */
function groupedMatches(groups: ValueClasses[], preds: Predicate[], total: number): Int32Array {
  const plan = leadOf(groups, preds);
  if (plan === null) return new Int32Array(0);
  const { g, ok, leadCells, checks, classOf, classes, single } = plan;
  const others = checks.length;
  // One class's members are ascending already.
  if (classes === 1 && others === 0) return g.members.subarray(g.starts[single]!, g.starts[single + 1]!);
  // Two criteria, the other with one value: the kept cells of each pair of classes (one
  // pair: as they are; several, as a text matched in two cases: merged).
  if (others === 1 && plan.otherSingle >= 0) {
    const other = plan.other!;
    const b = plan.otherSingle;
    if (classes === 1) return pairRun(g, single, other, b);
    // The same pair of criteria in the next run (the groupings unchanged): merged once.
    const merged = (plan.accepted.merged ??= new Map());
    let byClass = merged.get(other);
    if (byClass === undefined) {
      if (merged.size >= 16) merged.clear();
      merged.set(other, (byClass = new Map()));
    }
    const known = byClass.get(b);
    if (known !== undefined) return known;
    const parts: Int32Array[] = [];
    let cells = 0;
    for (let cls = 0; cls < g.values.length; cls++) {
      if (!ok[cls]) continue;
      const run = pairRun(g, cls, other, b);
      if (run.length) {
        parts.push(run);
        cells += run.length;
      }
    }
    let positions: Int32Array;
    if (parts.length <= 1) positions = parts[0] ?? EMPTY_RUN;
    else {
      const buf = new Int32Array(cells);
      const runs: number[] = [0];
      for (const run of parts) {
        buf.set(run, runs[runs.length - 1]!);
        runs.push(runs[runs.length - 1]! + run.length);
      }
      positions = mergeRuns(buf, runs);
    }
    byClass.set(b, positions);
    return positions;
  }
  const out = new Int32Array(leadCells);
  let w = 0;
  if (classes > 1 && leadCells * 4 >= total) {
    // Much of the range: one pass in position order.
    pass: for (let p = 0; p < total; p++) {
      if (!ok[g.classOf[p]!]) continue;
      for (let k = 0; k < others; k++) if (!checks[k]![classOf[k]![p]!]) continue pass;
      out[w++] = p;
    }
    return out.subarray(0, w);
  }
  // Class by class, each class's survivors ascending: one run per class, merged after
  // (the other criteria first, so only the survivors are merged).
  const runs: number[] = [0];
  for (let cls = 0; cls < g.values.length; cls++) {
    if (!ok[cls]) continue;
    member: for (let m = g.starts[cls]!; m < g.starts[cls + 1]!; m++) {
      const p = g.members[m]!;
      for (let k = 0; k < others; k++) if (!checks[k]![classOf[k]![p]!]) continue member;
      out[w++] = p;
    }
    if (w > runs[runs.length - 1]!) runs.push(w);
  }
  return mergeRuns(out, runs);
}

/**
 * How many cells meet every criterion (`groupedMatches`' count, for COUNTIFS): the
 * same candidates and checks, with no positions written or put in order.
 */
function groupedCount(groups: ValueClasses[], preds: Predicate[]): number {
  const counted = countInIntervals(groups, preds);
  if (counted >= 0) return counted;
  const plan = leadOf(groups, preds);
  if (plan === null) return 0;
  const { g, ok, leadCells, checks, classOf, classes, single } = plan;
  const others = checks.length;
  if (others === 0) return leadCells;
  if (others === 1 && plan.otherSingle >= 0) {
    if (classes === 1) return pairRun(g, single, plan.other!, plan.otherSingle).length;
    let n = 0;
    for (let cls = 0; cls < g.values.length; cls++) if (ok[cls]) n += pairRun(g, cls, plan.other!, plan.otherSingle).length;
    return n;
  }
  let n = 0;
  for (let cls = 0; cls < g.values.length; cls++) {
    if (!ok[cls]) continue;
    member: for (let m = g.starts[cls]!; m < g.starts[cls + 1]!; m++) {
      const p = g.members[m]!;
      for (let k = 0; k < others; k++) if (!checks[k]![classOf[k]![p]!]) continue member;
      n++;
    }
  }
  return n;
}

/**
 * COUNTIFS of one criterion of any kind and of number intervals on one other range
 * (an account's transactions between two dates: `$A6`, `">"&C$3`, `"<="&C$2`): the
 * members of each class the first accepts, with their numbers in the other range sorted
 * once (`sortedWithin`), are counted by two binary searches per class instead of being
 * checked one by one. An interval criterion accepts numbers only, so this counts what
 * the check would. -1 when the criteria have another shape (or the sorted numbers are
 * not worth building yet).
 */
function countInIntervals(groups: ValueClasses[], preds: Predicate[]): number {
  let lead = -1;
  let h: ValueClasses | undefined;
  let lo = -Infinity;
  let loOpen = true;
  let hi = Infinity;
  let hiOpen = true;
  for (let k = 0; k < preds.length; k++) {
    const iv = numberInterval(preds[k]!);
    if (iv === undefined) {
      if (lead >= 0) return -1;
      lead = k;
      continue;
    }
    if (h === undefined) h = groups[k];
    else if (groups[k] !== h) return -1;
    // The intersection of the intervals.
    if (iv.lo > lo || (iv.lo === lo && iv.loOpen)) {
      lo = iv.lo;
      loOpen = iv.loOpen;
    }
    if (iv.hi < hi || (iv.hi === hi && iv.hiOpen)) {
      hi = iv.hi;
      hiOpen = iv.hiOpen;
    }
  }
  if (lead < 0 || h === undefined) return -1;
  const g = groups[lead]!;
  if (g === h) return -1;
  const accepted = acceptedBy(g, preds[lead]!);
  if (accepted.cells === 0 || lo > hi || (lo === hi && (loOpen || hiOpen))) return 0;
  const sorted = sortedWithin(g, h);
  if (sorted === undefined) return -1;
  const { starts, values } = sorted;
  const ok = accepted.ok;
  let n = 0;
  for (let cls = 0; cls < ok.length; cls++) {
    if (!ok[cls]) continue;
    const from = starts[cls]!;
    const to = starts[cls + 1]!;
    if (from === to) continue;
    const first = boundOf(values, from, to, lo, !loOpen);
    const end = boundOf(values, first, to, hi, hiOpen);
    n += end - first;
  }
  return n;
}

/**
 * The first index in values[from..to) (ascending) holding a number above x (with
 * `orEqual`, at least x), else `to`: where an interval's open or closed end falls.
 */
function boundOf(values: Float64Array, from: number, to: number, x: number, orEqual: boolean): number {
  let a = from;
  let b = to;
  while (a < b) {
    const m = (a + b) >>> 1;
    const v = values[m]!;
    if (v < x || (v === x && !orEqual)) a = m + 1;
    else b = m;
  }
  return a;
}

/** Asks for a pair of groupings before `sortedWithin` sorts (a single count scans). */
const SORT_AFTER_ASKS = 3;

/**
 * Per class of `g`, the numbers its members hold in `h` (a range of the same shape),
 * ascending (`ValueClasses.sortedBy`); undefined for the first few asks.
 */
function sortedWithin(g: ValueClasses, h: ValueClasses): SortedWithin | undefined {
  const by = (g.sortedBy ??= new Map());
  const known = by.get(h);
  if (known === undefined || typeof known === 'number') {
    const asks = (known ?? 0) + 1;
    if (asks <= SORT_AFTER_ASKS) {
      // Bounded: a grouping meets the few others its criteria pair it with.
      if (known === undefined && by.size >= 16) by.clear();
      by.set(h, asks);
      return undefined;
    }
    const isNumber = new Uint8Array(h.values.length);
    for (let k = 0; k < h.values.length; k++) isNumber[k] = typeof h.values[k] === 'number' ? 1 : 0;
    const classes = g.values.length;
    const starts = new Int32Array(classes + 1);
    for (let cls = 0; cls < classes; cls++) {
      let count = 0;
      for (let m = g.starts[cls]!; m < g.starts[cls + 1]!; m++) count += isNumber[h.classOf[g.members[m]!]!]!;
      starts[cls + 1] = starts[cls]! + count;
    }
    const values = new Float64Array(starts[classes]!);
    for (let cls = 0; cls < classes; cls++) {
      let w = starts[cls]!;
      for (let m = g.starts[cls]!; m < g.starts[cls + 1]!; m++) {
        const k = h.classOf[g.members[m]!]!;
        if (isNumber[k]) values[w++] = h.values[k] as number;
      }
      values.subarray(starts[cls]!, w).sort();
    }
    const sorted: SortedWithin = { starts, values };
    by.set(h, sorted);
    return sorted;
  }
  return known;
}

/** What a criterion accepts in a grouping: per class, its cells, and its one class (or -1). */
function acceptedBy(g: ValueClasses, pred: Predicate): Accepted {
  const accepted = (g.accepted ??= new Map());
  let known = accepted.get(pred);
  if (known === undefined) {
    const ok = new Uint8Array(g.values.length);
    let cells = 0;
    let classes = 0;
    let single = -1;
    for (let cls = 0; cls < g.values.length; cls++) {
      if (pred(g.values[cls]!)) {
        ok[cls] = 1;
        cells += g.starts[cls + 1]! - g.starts[cls]!;
        classes++;
        single = cls;
      }
    }
    // Bounded: criteria built per call (numbers) would otherwise pile up.
    if (accepted.size >= 1024) accepted.clear();
    accepted.set(pred, (known = { ok, cells, single: classes === 1 ? single : -1 }));
  }
  return known;
}

/**
 * The criterion that accepts fewest cells leads (its accepted classes' members are the
 * candidates), the others are checked per candidate through their class arrays. Null
 * when the lead accepts no cell.
 */
function leadOf(groups: ValueClasses[], preds: Predicate[]) {
  const n = groups.length;
  const accepts: Accepted[] = new Array(n);
  let lead = 0;
  let leadCells = Infinity;
  for (let k = 0; k < n; k++) {
    const known = acceptedBy(groups[k]!, preds[k]!);
    accepts[k] = known;
    if (known.cells < leadCells) {
      lead = k;
      leadCells = known.cells;
    }
  }
  if (leadCells === 0) return null;
  const g = groups[lead]!;
  const ok = accepts[lead]!.ok;
  const checks: Uint8Array[] = [];
  const classOf: Int32Array[] = [];
  let other: ValueClasses | null = null;
  let otherSingle = -1;
  for (let k = 0; k < n; k++) {
    if (k === lead) continue;
    checks.push(accepts[k]!.ok);
    classOf.push(groups[k]!.classOf);
    other = groups[k]!;
    otherSingle = accepts[k]!.single;
  }
  let classes = 0;
  let single = -1;
  for (let cls = 0; cls < g.values.length; cls++) {
    if (ok[cls]) {
      classes++;
      single = cls;
    }
  }
  return { g, ok, leadCells, checks, classOf, classes, single, other, otherSingle, accepted: accepts[lead]! };
}

/**
 * The cells of class `a` of `g` whose class in `h` is `b`, ascending (see
 * `ValueClasses.pairs`): class `a`'s members split by their class in `h` on first use.
 */
function pairRun(g: ValueClasses, a: number, h: ValueClasses, b: number): Int32Array {
  const pairs = (g.pairs ??= new Map());
  let byClass = pairs.get(h);
  if (byClass === undefined) {
    // Bounded: a grouping is paired with the few others its criteria meet.
    if (pairs.size >= 16) pairs.clear();
    pairs.set(h, (byClass = new Array(g.values.length)));
  }
  let parts = byClass[a];
  if (parts === undefined) {
    const from = g.starts[a]!;
    const to = g.starts[a + 1]!;
    // Members by their class in h, in position order within each (a stable split).
    const counts = new Map<number, number>();
    for (let m = from; m < to; m++) {
      const k = h.classOf[g.members[m]!]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const filled = new Map<number, { run: Int32Array; w: number }>();
    for (const [k, count] of counts) filled.set(k, { run: new Int32Array(count), w: 0 });
    for (let m = from; m < to; m++) {
      const p = g.members[m]!;
      const f = filled.get(h.classOf[p]!)!;
      f.run[f.w++] = p;
    }
    parts = new Map();
    for (const [k, f] of filled) parts.set(k, f.run);
    byClass[a] = parts;
  }
  return parts.get(b) ?? EMPTY_RUN;
}

const EMPTY_RUN = new Int32Array(0);

/**
 * Ascending runs `buf[runs[i] .. runs[i + 1])` (disjoint positions) merged into one
 * ascending array: pairwise, in log2(runs) passes over the survivors.
 */
function mergeRuns(buf: Int32Array, runs: number[]): Int32Array {
  const length = runs[runs.length - 1]!;
  if (runs.length <= 2) return buf.subarray(0, length);
  let src: Int32Array = buf;
  let dst: Int32Array = new Int32Array(length);
  let bounds = runs;
  while (bounds.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      let a = bounds[r]!;
      const aEnd = bounds[r + 1]!;
      let b = aEnd;
      const bEnd = r + 2 < bounds.length ? bounds[r + 2]! : aEnd;
      let o = a;
      while (a < aEnd && b < bEnd) dst[o++] = src[a]! < src[b]! ? src[a++]! : src[b++]!;
      while (a < aEnd) dst[o++] = src[a++]!;
      while (b < bEnd) dst[o++] = src[b++]!;
      next.push(bEnd);
    }
    bounds = next;
    const t = src;
    src = dst;
    dst = t;
  }
  return src.subarray(0, length);
}

function multiCriteria(how: Reducer) {
  return (ctx: Ctx, ...args: Value[]): Value => {
    if (how === 'sum' && !ctx.array) {
      const fast = sumifsDirect(ctx, args);
      if (fast !== undefined) return fast;
    }
    const hasTarget = how !== 'count';
    const pairs = hasTarget ? args.slice(1) : args;
    if (pairs.length === 0 || pairs.length % 2 !== 0) return ERR.VALUE;
    const areas: Area[] = [];
    const crits: Value[] = [];
    for (let k = 0; k < pairs.length; k += 2) {
      const a = areaOf(pairs[k]!, ctx);
      if (a instanceof ExcelError) return a;
      areas.push(a);
      crits.push(pairs[k + 1] ?? null);
    }
    let target: Area | null = null;
    if (hasTarget) {
      const t = areaOf(args[0]!, ctx);
      if (t instanceof ExcelError) return t;
      target = t;
    }
    const shape = target ?? areas[0]!;
    for (const a of areas) if (a.rows !== shape.rows || a.cols !== shape.cols) return ERR.VALUE;
    return liftScalars(ctx, crits, (cs) => {
      return reduceMatches(areas, cs.map(parseCriteria), target, how);
    });
  };
}

defineFn('COUNTIFS', ['any'], 2, 254, multiCriteria('count'), { pure: true, ranges: '(rv)' });
defineFn('SUMIFS', ['any'], 3, 255, multiCriteria('sum'), { pure: true, ranges: 'r(rv)' });
defineFn('AVERAGEIFS', ['any'], 3, 255, multiCriteria('average'), { pure: true, ranges: 'r(rv)' });
defineFn('MAXIFS', ['any'], 3, 255, multiCriteria('max'), { pure: true, ranges: 'r(rv)' });
defineFn('MINIFS', ['any'], 3, 255, multiCriteria('min'), { pure: true, ranges: 'r(rv)' });

// -------------------------------------------------------------------- counting

/** COUNT: numbers anywhere; typed arguments also count booleans, numeric text and omitted arguments. */
defineFn('COUNT', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  let n = 0;
  forEachValue(args, (v, direct) => {
    if (typeof v === 'number') n++;
    else if (direct && (typeof v === 'boolean' || v === null || (typeof v === 'string' && parseNumber(v) !== undefined))) n++;
  });
  return n;
}, { pure: true, ranges: 'r' });

/** COUNTA: every non-blank value (errors and empty text included); typed arguments always count. */
defineFn('COUNTA', ['any'], 1, 255, (_ctx, ...args: Value[]) => {
  let n = 0;
  forEachValue(args, (v, direct) => {
    if (v !== null || direct) n++;
  });
  return n;
}, { pure: true, ranges: 'r' });

/** COUNTBLANK: blank cells and empty text. */
defineFn('COUNTBLANK', ['any'], 1, 1, (ctx, range: Value) => {
  const a = areaOf(range, ctx);
  if (a instanceof ExcelError) return a;
  const ur = Math.min(a.usedRows, a.rows);
  const uc = Math.min(a.usedCols, a.cols);
  let n = a.rows * a.cols - ur * uc;
  for (let i = 0; i < ur; i++) {
    for (let j = 0; j < uc; j++) {
      const v = a.get(i, j);
      if (v === null || v === '') n++;
    }
  }
  return n;
});

// ------------------------------------------------------------------ SUMPRODUCT

/**
 * SUMPRODUCT: arrays of one shape (#VALUE! otherwise), multiplied element-wise and
 * summed; non-numbers count as 0, the first error met is the result.
 */
defineFn('SUMPRODUCT', ['any'], 1, 255, (ctx, ...args: Value[]) => {
  const areas: Area[] = [];
  for (const v of args) {
    const a = areaOf(v, ctx);
    if (a instanceof ExcelError) return a;
    areas.push(a);
  }
  const first = areas[0]!;
  for (const a of areas) if (a.rows !== first.rows || a.cols !== first.cols) return ERR.VALUE;
  let ur = 0;
  let uc = 0;
  for (const a of areas) {
    ur = Math.max(ur, Math.min(a.usedRows, a.rows));
    uc = Math.max(uc, Math.min(a.usedCols, a.cols));
  }
  let total = 0;
  for (let i = 0; i < ur; i++) {
    for (let j = 0; j < uc; j++) {
      let p = 1;
      for (const a of areas) {
        const v = a.get(i, j);
        if (v instanceof ExcelError) return v;
        p = typeof v === 'number' ? p * v : 0;
      }
      total += p;
    }
  }
  return Number.isFinite(total) ? total : ERR.NUM;
}, { arrays: 'a' });

// ---------------------------------------------------------- SUBTOTAL, AGGREGATE

const SUBTOTAL_FNS = ['AVERAGE', 'COUNT', 'COUNTA', 'MAX', 'MIN', 'PRODUCT', 'STDEV', 'STDEVP', 'SUM', 'VAR', 'VARP'];
const AGGREGATE_FNS = [
  ...SUBTOTAL_FNS.slice(0, 6),
  'STDEV.S',
  'STDEV.P',
  'SUM',
  'VAR.S',
  'VAR.P',
  'MEDIAN',
  'MODE.SNGL',
  'LARGE',
  'SMALL',
  'PERCENTILE.INC',
  'QUARTILE.INC',
  'PERCENTILE.EXC',
  'QUARTILE.EXC',
];

/** Calls another family's function by name at call time (#NAME? when it is not implemented). */
function callByName(name: string, ctx: Ctx, args: Value[]): Value {
  const f = F[name];
  return f ? f(ctx, ...args) : ERR.NAME;
}

/** Which cells of the referenced ranges SUBTOTAL or AGGREGATE leaves out. */
interface Skip {
  /** Rows hidden by the user (and by a filter): SUBTOTAL 101–111, AGGREGATE options 1, 3, 5, 7. */
  hidden: boolean;
  /** Rows hidden by a filter: every SUBTOTAL. */
  filtered: boolean;
  /** Cells that are subtotals themselves (nested SUBTOTAL/AGGREGATE): SUBTOTAL, AGGREGATE options 0–3. */
  subtotals: boolean;
}

/**
 * The arguments with the skipped cells left out. A reference none of whose cells is
 * skipped is passed on as it is; one that loses cells becomes a column of its remaining
 * non-blank values (an aggregate reads an array's values as it reads a range's: text,
 * booleans and blanks are ignored by the numeric functions, counted by COUNTA). What
 * the file says about rows (hidden, filtered) and subtotal cells is in the book context.
 */
function withoutSkipped(args: Value[], ctx: Ctx, skip: Skip): Value[] {
  const book = ctx.book;
  const rowSkipped = (sheet: number, row: number): boolean =>
    (skip.hidden && (book.isRowHidden?.(sheet, row) ?? false)) || ((skip.hidden || skip.filtered) && (book.isRowFiltered?.(sheet, row) ?? false));
  const cellSkipped = (sheet: number, row: number, col: number): boolean =>
    rowSkipped(sheet, row) || (skip.subtotals && (book.isSubtotalCell?.(sheet, row, col) ?? false));
  const visible = (ref: Ref): Value => {
    const sheet = ref.sheet.index;
    const lastRow = Math.min(ref.r1, ref.lastUsedRow);
    const lastCol = Math.min(ref.c1, ref.lastUsedCol);
    let any = false;
    for (let r = ref.r0; r <= lastRow && !any; r++) for (let c = ref.c0; c <= lastCol && !any; c++) any = cellSkipped(sheet, r, c);
    if (!any) return ref;
    const kept: Scalar[] = [];
    for (let r = ref.r0; r <= lastRow; r++) {
      if (rowSkipped(sheet, r)) continue;
      for (let c = ref.c0; c <= lastCol; c++) {
        const v = ref.sheet.get(r, c);
        if (v !== null && !cellSkipped(sheet, r, c)) kept.push(v);
      }
    }
    // Nothing left: a 1×1 array holding a blank behaves like an empty range.
    return kept.length ? new Matrix(kept.length, 1, kept) : new Matrix(1, 1, [null]);
  };
  return args.map((a) => {
    if (a instanceof Ref) return visible(a);
    if (a instanceof RefList) {
      const parts = a.areas.map(visible);
      return parts.every((p, i) => p === a.areas[i]) ? a : joinColumns(parts);
    }
    return a;
  });
}

/** The values of several references or arrays as one column (blanks dropped). */
function joinColumns(parts: Value[]): Matrix {
  const vals: Scalar[] = [];
  forEachValue(parts, (v) => {
    if (v !== null) vals.push(v);
  });
  return vals.length ? new Matrix(vals.length, 1, vals) : new Matrix(1, 1, [null]);
}

/**
 * SUBTOTAL(function_num, ref1, ...): 1–11, or 101–111 to also skip rows the user hid.
 * Rows a filter hides are skipped by every function_num, and so are cells that are
 * subtotals themselves (to avoid counting twice), as Excel documents. References only
 * (an array or a value is #VALUE!).
 */
defineFn('SUBTOTAL', ['number', 'any'], 2, 255, (ctx, fn: number, ...refs: Value[]) => {
  const code = Math.trunc(fn);
  const idx = code >= 101 && code <= 111 ? code - 101 : code >= 1 && code <= 11 ? code - 1 : -1;
  if (idx < 0) return ERR.VALUE;
  for (const r of refs) {
    if (r instanceof ExcelError) return r; // a #REF! reference propagates
    if (!(r instanceof Ref || r instanceof RefList)) return ERR.VALUE;
  }
  const args = withoutSkipped(refs, ctx, { hidden: code >= 101, filtered: true, subtotals: true });
  return callByName(SUBTOTAL_FNS[idx]!, ctx, args);
}, { subtotal: true });

/** The values of the arguments with errors (and blanks) removed, as one column. */
function withoutErrors(args: Value[]): Matrix {
  const vals: Scalar[] = [];
  forEachValue(args, (v) => {
    if (v !== null && !(v instanceof ExcelError)) vals.push(v);
  });
  return new Matrix(vals.length, vals.length ? 1 : 0, vals);
}

/**
 * AGGREGATE(function_num, options, ref1, ...) or (function_num, options, array, k) for
 * 14–19. Options, as Excel documents them: 0 (or omitted) ignores nested SUBTOTAL and
 * AGGREGATE cells; 1 also hidden rows; 2 also error values; 3 all three; 4 nothing; 5
 * hidden rows; 6 error values; 7 hidden rows and error values. Hidden rows are the ones
 * the user hid and the ones a filter hides (the options name no other kind). An array
 * computed in the formula has no rows to hide: only errors are left out of it.
 */
defineFn('AGGREGATE', ['number', 'number', 'any'], 3, 255, (ctx, fn: number, options: number, ...rest: Value[]) => {
  const code = Math.trunc(fn);
  const opt = Math.trunc(options);
  if (code < 1 || code > 19 || opt < 0 || opt > 7) return ERR.VALUE;
  const name = AGGREGATE_FNS[code - 1]!;
  const ignoreErrors = opt === 2 || opt === 3 || opt === 6 || opt === 7;
  const skip: Skip = { hidden: opt === 1 || opt === 3 || opt === 5 || opt === 7, filtered: false, subtotals: opt <= 3 };
  if (code >= 14) {
    if (rest.length !== 2) return ERR.VALUE;
    const k = scalar(rest[1]!, ctx);
    if (k instanceof ExcelError) return k;
    const [visible] = withoutSkipped([rest[0]!], ctx, skip);
    const data = ignoreErrors ? withoutErrors([visible!]) : visible!;
    if (data instanceof Matrix && data.rows === 0) return ERR.NUM;
    return callByName(name, ctx, [data, k]);
  }
  const args = withoutSkipped(rest, ctx, skip);
  if (!ignoreErrors) return callByName(name, ctx, args);
  const m = withoutErrors(args);
  // Nothing left: a 1×1 array holding a blank behaves like an empty range.
  return callByName(name, ctx, [m.rows ? m : new Matrix(1, 1, [null])]);
}, { subtotal: true, arrays: 'vvav' });
