/**
 * Cells that computed references read, computed on demand (issue #15 item 6).
 *
 * The compiler orders cells by their static references, and a cell whose references are
 * computed at run time (OFFSET, INDIRECT) after everything that does not depend on one.
 * Such cells may still read each other — a column of counters where each row reads the
 * row above (or below) through INDIRECT — in an order the compiler cannot know. Excel's
 * calculation chain handles this by calculating a cell's precedent first when it finds
 * it not yet calculated; so does this module: each generated module lists the cells
 * that the evaluation order may reach after a computed reference is made (every cell
 * from the first one with a computed reference on, `late`), with their shape functions.
 * When OFFSET or INDIRECT returns a reference (registry.ts), every listed cell in it
 * that this run has not computed yet — a formula cell holding nothing: a formula's
 * value is never blank — is computed first, and kept (pinned: the evaluation order's
 * own pass does not replace the value the reader saw).
 *
 * Computing a cell may meet another such cell, through a computed reference or through
 * an ordinary one (a formula reading a counter of that column): while cells are computed
 * on demand, the run's sheets are guarded (`GuardedStore`), so that reading a listed
 * cell not computed yet is noticed however it is read. Rather than recursing (a chain of
 * ten thousand rows would overflow the stack), the inner evaluation throws `NeedCell`
 * and a loop with an explicit stack (a trampoline) computes the needed cell first, then
 * retries. A cell needed again while it waits on the stack is a circular reference
 * through computed references: it is read as it stands (blank), as Excel without
 * iterative calculation reads a circular reference.
 */
import { Ref, RefList, cellId, type Ctx, type ExcelError, type Scalar, type SheetStore, type Value } from './values.js';
import { aggregated, type Sheet } from './store.js';

/** A shape function as the generated code defines it. */
export type CellFunction = (x: Ctx, B: SheetStore[], r: number, c: number) => Value;

/** A module's list: flat `[sheet, row, col, count, vertical, fn, ...]` runs and their functions. */
export interface DemandTable {
  late: readonly number[];
  lateFns: readonly CellFunction[];
}

interface Column {
  rows: number[];
  fns: CellFunction[];
}

/** The listed cells by sheet and column, rows sorted (built once per engine, on first use). */
export class DemandIndex {
  private readonly bySheet = new Map<number, Map<number, Column>>();
  private readonly byCell = new Map<number, CellFunction>();

  /** The function computing a listed cell. */
  at(s: number, r: number, c: number): CellFunction | undefined {
    return this.byCell.get(cellId(s, r, c));
  }

  static of(tables: Iterable<DemandTable>): DemandIndex | null {
    const index = new DemandIndex();
    let any = false;
    for (const t of tables) {
      const d = t.late;
      for (let i = 0; i + 5 < d.length; i += 6) {
        const [s, r, c, n, vertical, f] = [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!, d[i + 4] === 1, d[i + 5]!];
        const fn = t.lateFns[f];
        if (!fn) continue;
        for (let k = 0; k < n; k++) index.add(s, vertical ? r + k : r, vertical ? c : c + k, fn);
        any = true;
      }
    }
    if (!any) return null;
    for (const cols of index.bySheet.values()) {
      for (const col of cols.values()) {
        const order = col.rows.map((_, i) => i).sort((a, b) => col.rows[a]! - col.rows[b]!);
        col.rows = order.map((i) => col.rows[i]!);
        col.fns = order.map((i) => col.fns[i]!);
      }
    }
    return index;
  }

  private add(s: number, r: number, c: number, fn: CellFunction): void {
    let cols = this.bySheet.get(s);
    if (!cols) this.bySheet.set(s, (cols = new Map()));
    let col = cols.get(c);
    if (!col) cols.set(c, (col = { rows: [], fns: [] }));
    col.rows.push(r);
    col.fns.push(fn);
    this.byCell.set(cellId(s, r, c), fn);
  }

  /** Visits the listed cells of the area that the run has not computed yet (`store`: the area's sheet). */
  pending(a: Ref, store: Sheet, visit: (r: number, c: number, fn: CellFunction) => void): void {
    const cols = this.bySheet.get(store.index);
    if (!cols) return;
    const one = (c: number, col: Column): void => {
      const rows = col.rows;
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (rows[mid]! < a.r0) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < rows.length && rows[i]! <= a.r1; i++) {
        const r = rows[i]!;
        if (store.get(r, c) === null && !store.isPinned(r, c)) visit(r, c, col.fns[i]!);
      }
    };
    if (a.c1 - a.c0 < cols.size) {
      for (let c = a.c0; c <= a.c1; c++) {
        const col = cols.get(c);
        if (col) one(c, col);
      }
    } else {
      for (const [c, col] of cols) if (c >= a.c0 && c <= a.c1) one(c, col);
    }
  }
}

/** Thrown by an evaluation on demand that met another cell not computed yet. */
class NeedCell {
  constructor(
    readonly sheet: number,
    readonly row: number,
    readonly col: number,
    readonly fn: CellFunction,
    readonly id: number,
  ) {}
}

/**
 * A sheet as cells computed on demand see it: reading a listed cell that the run has not
 * computed yet asks for it first (`NeedCell`).
 */
class GuardedStore implements SheetStore {
  constructor(
    private readonly real: Sheet,
    private readonly owner: OnDemand,
  ) {}
  get name(): string {
    return this.real.name;
  }
  get index(): number {
    return this.real.index;
  }
  get rowCount(): number {
    return this.real.rowCount;
  }
  get colCount(): number {
    return this.real.colCount;
  }
  get(r: number, c: number): Scalar {
    const v = this.real.get(r, c);
    if (v === null) this.owner.need(this.real, r, c);
    return v;
  }
  n(r: number, c: number): number {
    const v = this.get(r, c);
    return typeof v === 'number' ? v : v === null ? 0 : NaN;
  }
  agg(r: number, c: number): number {
    return aggregated(this.get(r, c));
  }
  set(r: number, c: number, v: Scalar): void {
    this.real.set(r, c, v);
  }
  setNumber(r: number, c: number, v: number): void {
    this.real.set(r, c, v);
  }
  direct(): boolean {
    return false; // each read must be seen (a cell not computed yet is computed first)
  }
  isPinned(r: number, c: number): boolean {
    return this.real.isPinned(r, c);
  }
  unpin(r: number, c: number): void {
    this.real.unpin(r, c);
  }
  sumNumbers(_total: number, _r0: number, _c0: number, _r1: number, _c1: number): number | ExcelError | undefined {
    return undefined; // read cell by cell, so that each read is guarded
  }
}

/** One run's evaluations on demand (its Book holds one). */
export class OnDemand {
  /** Inside the trampoline: a further cell needed is thrown for, not recursed into. */
  private depth = 0;
  /** Cells found needing themselves through computed references: read as they stand. */
  private readonly circular = new Set<number>();
  /** The run's own stores, and the guarded views swapped in while computing on demand. */
  private readonly real: Sheet[];
  private readonly guarded: SheetStore[];

  /** `sheets`: the run's store array (the Book's), swapped to guarded views on demand. */
  constructor(
    private readonly index: DemandIndex,
    private readonly sheets: SheetStore[],
    private readonly finish: (v: Value, x: Ctx) => Scalar,
  ) {
    this.real = sheets.slice() as Sheet[];
    this.guarded = this.real.map((s) => new GuardedStore(s, this));
  }

  /** A guarded read met a blank cell: if it is listed and not computed yet, compute it first. */
  need(store: Sheet, r: number, c: number): void {
    if (this.depth === 0 || store.isPinned(r, c)) return;
    const fn = this.index.at(store.index, r, c);
    if (fn) this.demand(null, store.index, r, c, fn);
  }

  /** Computes the cells a computed reference `v` covers that this run has not computed yet. */
  ensure(x: Ctx, v: Value): void {
    if (v instanceof Ref) this.area(x, v);
    else if (v instanceof RefList) for (const a of v.areas) this.area(x, a);
  }

  private area(x: Ctx, a: Ref): void {
    const s = a.sheet.index;
    const store = this.real[s];
    if (!store) return;
    this.index.pending(a, store, (r, c, fn) => this.demand(x, s, r, c, fn));
  }

  private demand(x: Ctx | null, s: number, r: number, c: number, fn: CellFunction): void {
    const id = cellId(s, r, c);
    if (this.depth > 0 || x === null) {
      if (this.circular.has(id)) return;
      throw new NeedCell(s, r, c, fn, id);
    }
    const saved = { sheet: x.sheet, row: x.row, col: x.col, array: x.array };
    const sheets = this.sheets;
    for (let i = 0; i < sheets.length; i++) sheets[i] = this.guarded[i]!;
    const stack: NeedCell[] = [new NeedCell(s, r, c, fn, id)];
    const waiting = new Set<number>([id]);
    this.depth++;
    try {
      while (stack.length) {
        const t = stack[stack.length - 1]!;
        const store = this.real[t.sheet]!;
        if (store.get(t.row, t.col) !== null || store.isPinned(t.row, t.col)) {
          stack.pop();
          waiting.delete(t.id);
          continue;
        }
        try {
          x.sheet = t.sheet;
          x.row = t.row;
          x.col = t.col;
          x.array = false;
          const v = this.finish(t.fn(x, sheets, t.row, t.col), x);
          store.pin(t.row, t.col, v);
          stack.pop();
          waiting.delete(t.id);
        } catch (e) {
          if (!(e instanceof NeedCell)) throw e;
          if (waiting.has(e.id)) this.circular.add(e.id);
          else {
            stack.push(e);
            waiting.add(e.id);
          }
        }
      }
    } finally {
      this.depth--;
      for (let i = 0; i < sheets.length; i++) sheets[i] = this.real[i]!;
      x.sheet = saved.sheet;
      x.row = saved.row;
      x.col = saved.col;
      x.array = saved.array;
    }
  }
}
