/**
 * Iteration over function arguments the way Excel's aggregates read them.
 *
 * Excel treats values typed directly as arguments differently from values found in
 * references: `SUM(TRUE, "2")` is 3, but TRUE and "2" in cells are skipped by SUM. These
 * helpers walk references in place (no copy of the range) and call back per value.
 */
import { parseNumber } from './coerce.js';
import { ERR, ExcelError, Matrix, Ref, RefList, Lambda, type Ctx, type Scalar, type SheetStore, type Value } from './values.js';

/** Visits every cell value of a reference, stopping at the used range. Return false to stop. */
export function forEachInRef(ref: Ref, visit: (v: Scalar, r: number, c: number) => boolean | void): boolean {
  const lr = ref.lastUsedRow;
  const lc = ref.lastUsedCol;
  const sheet = ref.sheet;
  for (let r = ref.r0; r <= lr; r++) {
    for (let c = ref.c0; c <= lc; c++) {
      if (visit(sheet.get(r, c), r, c) === false) return false;
    }
  }
  return true;
}

/**
 * Visits every value of the arguments: scalars given directly (`direct` true), and the
 * contents of references and arrays (`direct` false). Stops early on `false`.
 */
export function forEachValue(
  args: readonly Value[],
  visit: (v: Scalar, direct: boolean) => boolean | void,
): void {
  for (const a of args) {
    if (a === undefined) continue;
    if (a instanceof Ref) {
      if (!forEachInRef(a, (v) => visit(v, false))) return;
    } else if (a instanceof RefList) {
      for (const area of a.areas) if (!forEachInRef(area, (v) => visit(v, false))) return;
    } else if (a instanceof Matrix) {
      for (const v of a.data) if (visit(v, false) === false) return;
    } else if (a instanceof Lambda) {
      if (visit(ERR.CALC, true) === false) return;
    } else if (visit(a, true) === false) return;
  }
}

/**
 * Collects the numbers an aggregate such as SUM, AVERAGE or MAX sees: numbers anywhere;
 * booleans and numeric text only when typed directly as arguments; blank and other text
 * in references skipped. The first error met is returned instead.
 */
export function collectNumbers(args: readonly Value[], _ctx?: Ctx): number[] | ExcelError {
  // A plain loop, not forEachValue with a callback: MIN, MAX and AVERAGE of a few cells
  // are evaluated per cell of a model (and per iteration of a circular block), where the
  // closures and their calls cost more than the values.
  const out: number[] = [];
  for (const a of args) {
    if (a === undefined) continue;
    if (typeof a === 'number') out.push(a);
    else if (a instanceof Ref) {
      const err = refNumbers(a, out);
      if (err !== null) return err;
    } else if (a instanceof RefList) {
      for (const area of a.areas) {
        const err = refNumbers(area, out);
        if (err !== null) return err;
      }
    } else if (a instanceof Matrix) {
      for (const v of a.data) {
        if (typeof v === 'number') out.push(v);
        else if (v instanceof ExcelError) return v;
      }
    } else if (a instanceof Lambda) return ERR.CALC;
    else if (a instanceof ExcelError) return a;
    else if (typeof a === 'boolean') out.push(a ? 1 : 0);
    else if (typeof a === 'string') {
      const n = parseNumber(a);
      if (n === undefined) return ERR.VALUE;
      out.push(n);
    } else if (a === null) out.push(0);
  }
  return out;
}

/** The numbers of a reference, in row order, onto `out`; the first error met instead. */
function refNumbers(ref: Ref, out: number[]): ExcelError | null {
  const lr = ref.lastUsedRow;
  const lc = ref.lastUsedCol;
  const sheet = ref.sheet;
  for (let r = ref.r0; r <= lr; r++) {
    for (let c = ref.c0; c <= lc; c++) {
      const v = sheet.get(r, c);
      if (typeof v === 'number') out.push(v);
      else if (v instanceof ExcelError) return v;
    }
  }
  return null;
}

/**
 * Like `collectNumbers` but for the *A functions (AVERAGEA, MAXA...): text in references
 * counts as 0 and booleans as 1/0.
 */
export function collectNumbersA(args: readonly Value[]): number[] | ExcelError {
  const out: number[] = [];
  let err: ExcelError | null = null;
  forEachValue(args, (v, direct) => {
    if (typeof v === 'number') out.push(v);
    else if (v instanceof ExcelError) {
      err = v;
      return false;
    } else if (typeof v === 'boolean') out.push(v ? 1 : 0);
    else if (typeof v === 'string') {
      if (direct) {
        const n = parseNumber(v);
        if (n === undefined) {
          err = ERR.VALUE;
          return false;
        }
        out.push(n);
      } else out.push(0);
    } else if (v === null && direct) out.push(0);
    return true;
  });
  return err ?? out;
}

/**
 * SUM of one reference on a store, in the numeric variants of generated shapes
 * (codegen's `numeric_expr`): the sum `sumValues` computes for that reference, addition
 * for addition (`sumNumbers` from 0 over the same used rectangle), or NaN wherever that
 * is not a plain number (an error in the range, a store without bulk sums, a reversed or
 * negative corner), which sends the cell to the general code. No reference object.
 */
export function nsum(sheet: SheetStore, r0: number, c0: number, r1: number, c1: number): number {
  if (r0 < 0 || c0 < 0 || r0 > r1 || c0 > c1) return NaN;
  const lr = Math.min(r1, sheet.rowCount - 1);
  const lc = Math.min(c1, sheet.colCount - 1);
  if (r0 > lr || c0 > lc) return 0;
  const total = sheet.sumNumbers?.(0, r0, c0, lr, lc);
  return typeof total === 'number' ? total : NaN;
}

/** Sum without allocating: the hot path of SUM. */
export function sumValues(args: readonly Value[]): number | ExcelError {
  let total = 0;
  for (const a of args) {
    if (typeof a === 'number') {
      total += a;
      continue;
    }
    if (a instanceof Ref) {
      const lr = a.lastUsedRow;
      const lc = a.lastUsedCol;
      const sheet = a.sheet;
      if (a.r0 > lr || a.c0 > lc) continue;
      const bulk = sheet.sumNumbers?.(total, a.r0, a.c0, lr, lc);
      if (bulk !== undefined) {
        if (bulk instanceof ExcelError) return bulk;
        total = bulk;
        continue;
      }
      for (let r = a.r0; r <= lr; r++) {
        for (let c = a.c0; c <= lc; c++) {
          const v = sheet.get(r, c);
          if (typeof v === 'number') total += v;
          else if (v instanceof ExcelError) return v;
        }
      }
      continue;
    }
    const next = sumOther(a, total);
    if (next instanceof ExcelError) return next;
    total = next;
  }
  return total;
}

/**
 * `total` plus SUM's values of one argument that is neither a number nor a reference
 * (added one by one, in order). Apart from `sumValues` so that the running total there
 * is not captured by the visitor closure (a captured number is boxed at every addition).
 */
function sumOther(a: Value, total: number): number | ExcelError {
  let err: ExcelError | null = null;
  forEachValue([a], (v, direct) => {
    if (typeof v === 'number') total += v;
    else if (v instanceof ExcelError) {
      err = v;
      return false;
    } else if (direct) {
      if (typeof v === 'boolean') total += v ? 1 : 0;
      else if (typeof v === 'string') {
        const n = parseNumber(v);
        if (n === undefined) {
          err = ERR.VALUE;
          return false;
        }
        total += n;
      }
    }
    return true;
  });
  return err ?? total;
}
