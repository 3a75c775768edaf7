/**
 * Cell storage for one run. A sheet is kept dense (one flat array over its used
 * rectangle) when that rectangle is reasonably full, and in a Map otherwise, so a
 * sheet declaring `A1:XFD1048576` with three cells costs three entries.
 */
import type { Scalar, SheetStore } from './values.js';

/** Columns per row in sparse keys (Excel's maximum is 16,384). */
const KEY_STRIDE = 16384;

export class Sheet implements SheetStore {
  readonly name: string;
  readonly index: number;
  /** Scan bounds: one past the last row/column holding anything. */
  rowCount: number;
  colCount: number;
  /** The dense rectangle's size (0 × 0 when the sheet is sparse). */
  private readonly denseRows: number;
  private readonly denseCols: number;
  private readonly dense: Scalar[];
  /** Cells outside the dense rectangle. */
  private extra: Map<number, Scalar> | null = null;
  /** Cells pinned by inputs: writes from formulas are ignored. */
  private pinned: Set<number> | null = null;

  private constructor(name: string, index: number, rows: number, cols: number, dense: Scalar[], denseRows: number, denseCols: number) {
    this.name = name;
    this.index = index;
    this.rowCount = rows;
    this.colCount = cols;
    this.dense = dense;
    this.denseRows = denseRows;
    this.denseCols = denseCols;
  }

  /** An empty store; dense when the used rectangle is not much larger than its cells. */
  static create(name: string, index: number, rowCount: number, colCount: number, cellCount: number): Sheet {
    const area = rowCount * colCount;
    if (Sheet.denseFor(rowCount, colCount, cellCount)) {
      return new Sheet(name, index, rowCount, colCount, new Array<Scalar>(area).fill(null), rowCount, colCount);
    }
    return new Sheet(name, index, rowCount, colCount, [], 0, 0);
  }

  /** Whether `create` makes a dense store for these dimensions. */
  static denseFor(rowCount: number, colCount: number, cellCount: number): boolean {
    return rowCount * colCount <= Math.max(4 * cellCount, 65536);
  }

  /** A fresh store with the template's contents (each run starts from the model). */
  static cloneOf(t: Sheet): Sheet {
    const s = new Sheet(t.name, t.index, t.rowCount, t.colCount, t.dense.slice(), t.denseRows, t.denseCols);
    if (t.extra) s.extra = new Map(t.extra);
    return s;
  }

  /**
   * A store sized for `cellCount` cells (dense or sparse by the same rule as `create`)
   * holding the contents of `t`: a lazy engine grows a sheet's store as modules load.
   */
  static resized(t: Sheet, cellCount: number): Sheet {
    const s = Sheet.create(t.name, t.index, t.rowCount, t.colCount, cellCount);
    t.forEach((r, c, v) => s.write(r, c, v));
    return s;
  }

  /** Whether the store is a flat array over its used rectangle. */
  get isDense(): boolean {
    return this.denseRows > 0;
  }

  /** Visits every non-blank cell. */
  forEach(visit: (r: number, c: number, v: Scalar) => void): void {
    for (let r = 0; r < this.denseRows; r++) {
      for (let c = 0; c < this.denseCols; c++) {
        const v = this.dense[r * this.denseCols + c]!;
        if (v !== null) visit(r, c, v);
      }
    }
    this.extra?.forEach((v, k) => visit(Math.floor(k / KEY_STRIDE), k % KEY_STRIDE, v));
  }

  get(r: number, c: number): Scalar {
    if (r < this.denseRows && c < this.denseCols) return this.dense[r * this.denseCols + c]!;
    if (this.extra === null) return null;
    const v = this.extra.get(r * KEY_STRIDE + c);
    return v === undefined ? null : v;
  }

  set(r: number, c: number, v: Scalar): void {
    if (this.pinned !== null && this.pinned.has(r * KEY_STRIDE + c)) return;
    this.write(r, c, v);
  }

  /** Sets an input value and pins the cell against formula writes. */
  pin(r: number, c: number, v: Scalar): void {
    (this.pinned ??= new Set()).add(r * KEY_STRIDE + c);
    this.write(r, c, v);
  }

  isPinned(r: number, c: number): boolean {
    return this.pinned !== null && this.pinned.has(r * KEY_STRIDE + c);
  }

  /** Releases an input's pin (a dynamic array spilling over a cell an input emptied). */
  unpin(r: number, c: number): void {
    this.pinned?.delete(r * KEY_STRIDE + c);
  }

  private write(r: number, c: number, v: Scalar): void {
    if (r < this.denseRows && c < this.denseCols) {
      this.dense[r * this.denseCols + c] = v;
      return;
    }
    (this.extra ??= new Map()).set(r * KEY_STRIDE + c, v);
    if (r >= this.rowCount) this.rowCount = r + 1;
    if (c >= this.colCount) this.colCount = c + 1;
  }
}
