/**
 * Cell storage for one run. A sheet is kept dense (flat row-major arrays over its used
 * rectangle) when that rectangle is reasonably full, and in a Map otherwise, so a
 * sheet declaring `A1:XFD1048576` with three cells costs three entries.
 */
import { ExcelError, Matrix, Ref, type Scalar, type SheetStore, type ValueClasses } from './values.js';

/** Columns per row in sparse keys (Excel's maximum is 16,384). */
const KEY_STRIDE = 16384;

/** A rectangle's value classes as a store keeps them (`Sheet.valueClasses`). */
interface KeptClasses {
  rows: number;
  cols: number;
  /** Writes to its columns when the entry was made. */
  stamp: number;
  /** Null until the second request. */
  classes: ValueClasses | null;
}

/** A rectangle's value classes as a model's sheet keeps them for later runs (`modelClasses`). */
interface SharedClasses {
  rows: number;
  cols: number;
  /** Built while the cells held the model's own values (no change since the clone). */
  modelValues: boolean;
  classes: ValueClasses;
}

/**
 * The sums of every column of the dense rectangle over one band of rows, for SUM down a
 * column (a total row under a table of months reads each month's column in turn). One
 * row-major pass serves all the columns, where a scan per column strides across the
 * whole row width for every cell. Each column's entry is valid while its write count
 * is what it was when summed.
 */
interface ColumnSums {
  /** Per column: the sum from 0, top to bottom (null until built on a second request). */
  sums: Float64Array | null;
  /** Per column: the first error from the top, or null. */
  errors: (ExcelError | null)[];
  /** Per column: its write count when summed. */
  stamps: Uint32Array;
  /** Per column, 1 once summed; null when every column was summed at once. */
  known: Uint8Array | null;
  /** The column of the band's first request. */
  first: number;
  /** Per column, 1 once asked for (from the second request on). */
  asked: Uint8Array | null;
  /** The distinct columns asked for in this store. */
  asks: number;
  /** The requests of the latest run cloned from the same model, when known (`bandAsks`). */
  lastAsks: number | undefined;
}

/** The same number, 0 and -0 told apart: the cell's value changed, whatever a reader makes of it. */
function sameNumber(a: number, b: number): boolean {
  return a === b ? a !== 0 || 1 / a === 1 / b : a !== a && b !== b;
}

/** Columns summed through `ColumnSums` are at least this tall. */
const COLUMN_SUM_MIN_ROWS = 64;

/** Cell kinds in a dense sheet's tag array. */
const BLANK = 0;
/** Generated direct loops write this tag for a number (codegen `direct_setup`). */
const NUMBER = 1;
const OTHER = 2;

/**
 * A dense cell as a number operand, from a store's `tags` and `nums` at row-major index
 * `i` (generated direct loops): what `Sheet.n` gives there.
 */
export function cellNumber(tags: Uint8Array, nums: Float64Array, i: number): number {
  const tag = tags[i];
  return tag === NUMBER ? nums[i]! : tag === BLANK ? 0 : NaN;
}

/**
 * SUM of `n` dense cells down a column from row-major index `i` (a row width `w` apart),
 * from a store's `tags` and `nums` (generated direct loops: a trailing window
 * `SUM(H r-11:H r)`): the numbers added from 0 in row order, as SUM adds them, blanks
 * skipped; NaN when a cell holds anything else (text or a logical, which SUM skips, or
 * an error, which it returns): the general code then decides.
 */
export function windowSum(tags: Uint8Array, nums: Float64Array, i: number, n: number, w: number): number {
  let total = 0;
  for (let k = 0; k < n; k++, i += w) {
    const tag = tags[i];
    if (tag === NUMBER) total += nums[i]!;
    else if (tag !== BLANK) return NaN;
  }
  return total;
}

/** A value as `SheetStore.agg` reads it: its number, NaN for an error, Infinity for what aggregates skip. */
export function aggregated(v: Scalar): number {
  return typeof v === 'number' ? v : v instanceof ExcelError ? NaN : Infinity;
}

/**
 * Adds rows r0..r1 of a dense rectangle `w` wide into per-column `sums`, and notes each
 * column's first error from the top in `errors`: one pass along the rows, each column's
 * additions in the order of a scan down it. A function of its own, apart from the
 * bookkeeping around it: V8 optimises the loop as one unit (a sixth faster measured).
 *
 * Four rows at a time, a column's running sum loaded and stored once for the four (1.2
 * against 2.1 ns a cell measured): the same additions in the same order, with 0 added
 * for a cell that is not a number. That changes no sum: x + 0 is x for every x but -0,
 * and a sum that starts at 0 is never -0 (x + -x and 0 + -0 are +0). Errors are looked
 * for afterwards, in the columns that hold anything but numbers and blanks.
 */
function sumRows(tags: Uint8Array, nums: Float64Array, vals: Scalar[][], sums: Float64Array, errors: (ExcelError | null)[], r0: number, r1: number, w: number): void {
  const kinds = new Uint8Array(w);
  let r = r0;
  for (; r + 3 <= r1; r += 4) {
    const b0 = r * w;
    const b1 = b0 + w;
    const b2 = b1 + w;
    const b3 = b2 + w;
    for (let j = 0; j < w; j++) {
      const t0 = tags[b0 + j]!;
      const t1 = tags[b1 + j]!;
      const t2 = tags[b2 + j]!;
      const t3 = tags[b3 + j]!;
      let sum = sums[j]!;
      sum += t0 === NUMBER ? nums[b0 + j]! : 0;
      sum += t1 === NUMBER ? nums[b1 + j]! : 0;
      sum += t2 === NUMBER ? nums[b2 + j]! : 0;
      sum += t3 === NUMBER ? nums[b3 + j]! : 0;
      sums[j] = sum;
      kinds[j] = kinds[j]! | t0 | t1 | t2 | t3;
    }
  }
  for (; r <= r1; r++) {
    const b = r * w;
    for (let j = 0; j < w; j++) {
      const t = tags[b + j]!;
      sums[j] = sums[j]! + (t === NUMBER ? nums[b + j]! : 0);
      kinds[j] = kinds[j]! | t;
    }
  }
  for (let j = 0; j < w; j++) {
    if ((kinds[j]! & OTHER) === 0) continue;
    for (let row = r0, i = r0 * w + j; row <= r1; row++, i += w) {
      if (tags[i] !== OTHER) continue;
      const v = vals[j]![row];
      if (v instanceof ExcelError) {
        errors[j] = v;
        break;
      }
    }
  }
}

export class Sheet implements SheetStore {
  readonly name: string;
  readonly index: number;
  /** Scan bounds: one past the last row/column holding anything. */
  rowCount: number;
  colCount: number;
  /**
   * The dense rectangle's size (0 × 0 when the sheet is sparse). Public, as `tags` and
   * `nums`, for generated direct loops (codegen `direct_setup`), after `direct`.
   */
  readonly denseRows: number;
  readonly denseCols: number;
  /**
   * The dense rectangle: what each cell holds (`tags`, row-major), its number (`nums`,
   * row-major), or its other value (`vals`, one array per column). Numbers live unboxed
   * in a Float64Array: a run writes one per formula cell, and as boxed values in an
   * ordinary array they were young objects referenced from an old array, which every
   * scavenge had to find and copy (about a fifth of run() time at 100k cells).
   */
  readonly tags: Uint8Array;
  readonly nums: Float64Array;
  private readonly vals: Scalar[][];
  /**
   * Per column, whether its `vals` array is this store's own: a clone shares its
   * template's until it writes a value that is not a number into that column. Most runs
   * write only numbers, and a table's text comes from a few columns (a lookup of a
   * category per row): copying all of the sheet's values for them cost 0.8 ms per run on
   * a table of 170,000 cells; one column's are a twelfth of that.
   */
  private readonly ownVals: Uint8Array;
  /** Cells outside the dense rectangle. */
  private extra: Map<number, Scalar> | null = null;
  /**
   * Cells pinned by inputs: writes from formulas are ignored. A set per store from the
   * start, never replaced: storing a different object in the field later (null, then a
   * Set) changes what V8 assumed about it and deoptimises every compiled function that
   * writes cells, on the first run with inputs.
   */
  private readonly pinned = new Set<number>();
  /**
   * Changes per column since value classes were first asked of this store (null until
   * then), or since it was cloned from the model when `modelClasses` is shared: a kept
   * `ValueClasses` is valid while the count for its columns is what it was when it was
   * built. Every write that changes a cell's value counts (a formula, an input, a
   * cluster's iteration), so a kept grouping never outlives a change to its cells,
   * whatever the order; a write of the value the cell already holds changes nothing a
   * grouping or a column sum depends on, and is not counted. Public: generated direct
   * loops read it before each write (see `putNumber`).
   */
  columnWrites: Uint32Array | null = null;
  /**
   * On a model's sheet (a template): value classes that stores cloned from it for full
   * runs built, per rectangle one of the model's own values and one of the latest other
   * values. A clone counts its changes from the clone on, so while a rectangle's count
   * is 0 it still holds the model's values and that grouping is valid as it is; the
   * other is used when the cells hold, one by one, the values it grouped (a formula
   * column no input reaches computes the same values every run). A data table is then
   * grouped once per engine, not once per run. Null until a clone asks for value
   * classes (that run counts from its first request: it cannot use the model's).
   */
  private modelClasses: Map<number, SharedClasses[]> | null = null;
  /** On a store cloned from a model's sheet for a full run: that sheet. */
  private model: Sheet | null = null;
  /** This store counts its changes from the clone on, so it may use `model.modelClasses`. */
  private sharesModel = false;
  /**
   * Value classes by rectangle (keyed by its top-left cell, `r0 * KEY_STRIDE + c0`, then
   * its size: no key string per request), or null until built on a second request.
   */
  private classes: Map<number, KeptClasses[]> | null = null;
  /**
   * The rectangle whose value classes were returned last, and at what count of writes:
   * a column of lookups asks for the same table's classes once per row, and this answers
   * without the map and list searches (valid on the same terms as an entry of `classes`).
   */
  private lastClasses: ValueClasses | null = null;
  private lastClassesKey = -1;
  private lastClassesRows = 0;
  private lastClassesCols = 0;
  private lastClassesStamp = 0;
  /**
   * Columns' numbers by band of rows (keyed as `columnSums`) and column
   * (`columnNumbers`), with the column's write count when read; null until asked.
   */
  private columnArrays: Map<number, Map<number, { stamp: number; numbers: Float64Array | undefined }>> | null = null;
  /** Column sums by band of rows (keyed `r0 * 1048576 + r1`), or null until asked. */
  private columnSums: Map<number, ColumnSums> | null = null;
  /**
   * On a model's sheet: per band of rows, how many of its columns the latest run cloned
   * from it asked the sum of (`columnSum`). A run that sums a few columns of a wide
   * table (a report's totals of two columns) sums those columns alone; one that sums
   * most (a total per month) sums them all in one pass over the rows.
   */
  private bandAsks: Map<number, number> | null = null;

  private constructor(
    name: string,
    index: number,
    rows: number,
    cols: number,
    tags: Uint8Array,
    nums: Float64Array,
    vals: Scalar[][],
    ownVals: Uint8Array,
    denseRows: number,
    denseCols: number,
  ) {
    this.name = name;
    this.index = index;
    this.rowCount = rows;
    this.colCount = cols;
    this.tags = tags;
    this.nums = nums;
    this.vals = vals;
    this.ownVals = ownVals;
    this.denseRows = denseRows;
    this.denseCols = denseCols;
  }

  /**
   * One live instance of each value class that runs allocate by the thousand and drop
   * (references, arrays). V8 collects an object layout (its hidden class) when no
   * instance is alive, which is often the case between runs; a full GC then takes it,
   * the next run builds a new one, and every compiled function that handled the old one
   * deoptimises. They hold a real Sheet so that their fields have the types of the runs'
   * own instances. A static field, so that something alive references them (an unused
   * module-level constant is not kept).
   */
  static readonly layoutAnchors: readonly unknown[] = [new Ref(Sheet.create('', -1, 1, 1, 1), 0, 0, 0, 0), new Matrix(1, 1, [0])];

  /** An empty store; dense when the used rectangle is not much larger than its cells. */
  static create(name: string, index: number, rowCount: number, colCount: number, cellCount: number): Sheet {
    const area = rowCount * colCount;
    if (Sheet.denseFor(rowCount, colCount, cellCount)) {
      const vals: Scalar[][] = [];
      for (let c = 0; c < colCount; c++) vals.push(new Array<Scalar>(rowCount).fill(null));
      return new Sheet(name, index, rowCount, colCount, new Uint8Array(area), new Float64Array(area), vals, new Uint8Array(colCount).fill(1), rowCount, colCount);
    }
    return new Sheet(name, index, rowCount, colCount, new Uint8Array(0), new Float64Array(0), [], new Uint8Array(0), 0, 0);
  }

  /** Whether `create` makes a dense store for these dimensions. */
  static denseFor(rowCount: number, colCount: number, cellCount: number): boolean {
    return rowCount * colCount <= Math.max(4 * cellCount, 65536);
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

  /** Whether the store is flat arrays over its used rectangle. */
  get isDense(): boolean {
    return this.denseRows > 0;
  }

  /** Visits every non-blank cell. */
  forEach(visit: (r: number, c: number, v: Scalar) => void): void {
    for (let r = 0; r < this.denseRows; r++) {
      for (let c = 0; c < this.denseCols; c++) {
        const v = this.get(r, c);
        if (v !== null) visit(r, c, v);
      }
    }
    this.extra?.forEach((v, k) => visit(Math.floor(k / KEY_STRIDE), k % KEY_STRIDE, v));
  }

  /**
   * A fresh store with the template's contents (each run starts from the model, or an
   * incremental run from the last one). `fromModel`: `t` is the model's sheet, whose
   * value classes the clone may share (`modelClasses`).
   */
  static cloneOf(t: Sheet, fromModel = false): Sheet {
    // The numbers, tags and column flags in one buffer: a run clones every sheet it
    // writes, and each typed array of its own is an allocation of its own (half the cost
    // of cloning a small sheet, which is what a what-if run mostly clones).
    const area = t.nums.length;
    const cols = t.denseCols;
    const buffer = new ArrayBuffer(area * 9 + cols);
    const nums = new Float64Array(buffer, 0, area);
    nums.set(t.nums);
    const tags = new Uint8Array(buffer, area * 8, area);
    tags.set(t.tags);
    const s = new Sheet(t.name, t.index, t.rowCount, t.colCount, tags, nums, t.vals.slice(), new Uint8Array(buffer, area * 9, cols), t.denseRows, t.denseCols);
    if (t.extra) s.extra = new Map(t.extra);
    if (fromModel) {
      s.model = t;
      if (t.modelClasses !== null) {
        s.columnWrites = new Uint32Array(KEY_STRIDE);
        s.sharesModel = true;
      }
    }
    return s;
  }

  get(r: number, c: number): Scalar {
    if (r < this.denseRows && c < this.denseCols) {
      const i = r * this.denseCols + c;
      const tag = this.tags[i];
      if (tag === NUMBER) return this.nums[i]!;
      return tag === BLANK ? null : this.vals[c]![r]!;
    }
    if (this.extra === null) return null;
    const v = this.extra.get(r * KEY_STRIDE + c);
    return v === undefined ? null : v;
  }

  /**
   * The cell as an operand of arithmetic on numbers only (the numeric variants of
   * generated shapes): its number, 0 when blank, NaN for anything else (text, logical,
   * error), which sends the cell to the general code that knows Excel's coercions.
   */
  n(r: number, c: number): number {
    if (r < this.denseRows && c < this.denseCols) {
      const i = r * this.denseCols + c;
      const tag = this.tags[i];
      return tag === NUMBER ? this.nums[i]! : tag === BLANK ? 0 : NaN;
    }
    if (this.extra === null) return 0;
    const v = this.extra.get(r * KEY_STRIDE + c);
    return typeof v === 'number' ? v : v === undefined || v === null ? 0 : NaN;
  }

  /**
   * The cell as an aggregate (MIN, MAX, AVERAGE) reads it from a reference, in the
   * numeric variants: its number, Infinity for what the functions skip there (a blank,
   * text or logical: a cell never holds an infinity), NaN for an error.
   */
  agg(r: number, c: number): number {
    if (r < this.denseRows && c < this.denseCols) {
      const i = r * this.denseCols + c;
      const tag = this.tags[i];
      if (tag === NUMBER) return this.nums[i]!;
      return tag === BLANK || !(this.vals[c]![r] instanceof ExcelError) ? Infinity : NaN;
    }
    if (this.extra === null) return Infinity;
    return aggregated(this.extra.get(r * KEY_STRIDE + c) ?? null);
  }

  sumNumbers(total: number, r0: number, c0: number, r1: number, c1: number): number | ExcelError | undefined {
    if (r1 >= this.denseRows || c1 >= this.denseCols || r0 < 0 || c0 < 0) return undefined;
    // From a total of 0 the kept sum is the scan's, addition for addition.
    if (c0 === c1 && total === 0 && r1 - r0 + 1 >= COLUMN_SUM_MIN_ROWS) {
      const kept = this.columnSum(r0, r1, c0);
      if (kept !== undefined) return kept;
    }
    const tags = this.tags;
    const nums = this.nums;
    const w = this.denseCols;
    for (let r = r0; r <= r1; r++) {
      for (let i = r * w + c0, end = r * w + c1; i <= end; i++) {
        const tag = tags[i];
        if (tag === NUMBER) total += nums[i]!;
        else if (tag === OTHER) {
          const v = this.vals[i - r * w]![r];
          if (v instanceof ExcelError) return v;
        }
      }
    }
    return total;
  }

  /**
   * See `SheetStore.columnNumbers`. SUMIFS over a table reads its target column at the
   * matching rows, scattered over the table: from the row-major arrays each read is a
   * cache miss of its own; from one column's array (read once per run, in row order)
   * they are not.
   */
  columnNumbers(r0: number, r1: number, c: number): Float64Array | undefined {
    if (r0 < 0 || r1 >= this.denseRows || c < 0 || c >= this.denseCols || r1 < r0) return undefined;
    const writes = (this.columnWrites ??= new Uint32Array(KEY_STRIDE));
    const bands = (this.columnArrays ??= new Map());
    const band = r0 * 1048576 + r1;
    let arrays = bands.get(band);
    if (arrays === undefined) {
      // Bounded: a run reads the few target columns of its summaries.
      if (bands.size >= 16) bands.clear();
      bands.set(band, (arrays = new Map()));
    }
    const kept = arrays.get(c);
    if (kept !== undefined && kept.stamp === writes[c]) return kept.numbers;
    const w = this.denseCols;
    const tags = this.tags;
    const nums = this.nums;
    let numbers: Float64Array | undefined = new Float64Array(r1 - r0 + 1);
    for (let r = r0, i = r0 * w + c; r <= r1; r++, i += w) {
      const tag = tags[i];
      if (tag === NUMBER) numbers[r - r0] = nums[i]!;
      else if (tag === OTHER && this.vals[c]![r] instanceof ExcelError) {
        numbers = undefined;
        break;
      }
    }
    arrays.set(c, { stamp: writes[c]!, numbers });
    return numbers;
  }

  /**
   * SUM of one column over rows r0..r1 from the band's kept sums, or undefined on the
   * first request for the band (a column summed once is scanned).
   */
  private columnSum(r0: number, r1: number, c: number): number | ExcelError | undefined {
    const key = r0 * 1048576 + r1;
    const bands = (this.columnSums ??= new Map<number, ColumnSums>());
    const band = bands.get(key);
    const model = this.model;
    if (band === undefined) {
      const kept = model === null ? undefined : (model.bandAsks ??= new Map());
      bands.set(key, { sums: null, errors: [], stamps: new Uint32Array(0), known: null, first: c, asked: null, asks: 1, lastAsks: kept?.get(key) });
      kept?.set(key, 1);
      return undefined;
    }
    const w = this.denseCols;
    let asked = band.asked;
    if (asked === null) {
      asked = band.asked = new Uint8Array(w);
      asked[band.first] = 1;
    }
    if (asked[c] === 0) {
      asked[c] = 1;
      model?.bandAsks?.set(key, ++band.asks);
    }
    const writes = (this.columnWrites ??= new Uint32Array(KEY_STRIDE));
    const tags = this.tags;
    const nums = this.nums;
    if (band.sums === null) {
      band.sums = new Float64Array(w);
      band.errors = new Array<ExcelError | null>(w).fill(null);
      if (band.lastAsks !== undefined && band.lastAsks * 4 < w) {
        // The last run asked for few of its columns: each is summed when asked.
        band.stamps = new Uint32Array(w);
        band.known = new Uint8Array(w);
      } else {
        sumRows(tags, nums, this.vals, band.sums, band.errors, r0, r1, w);
        band.stamps = writes.slice(0, w);
      }
    }
    if ((band.known !== null && band.known[c] === 0) || band.stamps[c] !== writes[c]) {
      let sum = 0;
      let error: ExcelError | null = null;
      for (let r = r0, i = r0 * w + c; r <= r1; r++, i += w) {
        const tag = tags[i];
        if (tag === NUMBER) sum += nums[i]!;
        else if (tag === OTHER && error === null) {
          const v = this.vals[c]![r];
          if (v instanceof ExcelError) error = v;
        }
      }
      band.sums![c] = sum;
      band.errors[c] = error;
      band.stamps[c] = writes[c]!;
      if (band.known !== null) band.known[c] = 1;
    }
    return band.errors[c] ?? band.sums![c]!;
  }

  /**
   * Whether a generated direct loop may read (with `write`, also write) the rectangle
   * r0..r1 × c0..c1 straight in `tags` and `nums` (row-major, `denseCols` wide): it lies
   * inside the dense rectangle and, for writes, no cell of this store is pinned by an
   * input. Such a loop reads a cell as `cellNumber` and writes a number as `putNumber`
   * (inline while `columnWrites` is null), so that a column of arithmetic costs no call
   * and no bounds test per cell.
   */
  direct(r0: number, c0: number, r1: number, c1: number, write: boolean): boolean {
    return r0 >= 0 && c0 >= 0 && r1 < this.denseRows && c1 < this.denseCols && (!write || this.pinned.size === 0);
  }

  /** `setNumber` of the cell at row-major index `i` (in column `c`), for direct loops. */
  putNumber(i: number, c: number, v: number): void {
    const writes = this.columnWrites;
    if (writes !== null && !(this.tags[i] === NUMBER && sameNumber(this.nums[i]!, v))) writes[c]!++;
    this.nums[i] = v;
    this.tags[i] = NUMBER;
  }

  set(r: number, c: number, v: Scalar): void {
    if (this.pinned.size !== 0 && this.pinned.has(r * KEY_STRIDE + c)) return;
    this.write(r, c, v);
  }

  /**
   * `set` for a number (the numeric variants of generated shapes): the common case
   * written straight into the typed arrays, without the checks of a value of any type.
   */
  setNumber(r: number, c: number, v: number): void {
    if (r < this.denseRows && c < this.denseCols && this.pinned.size === 0) {
      const i = r * this.denseCols + c;
      const writes = this.columnWrites;
      if (writes !== null && !(this.tags[i] === NUMBER && sameNumber(this.nums[i]!, v))) writes[c]!++;
      this.nums[i] = v;
      this.tags[i] = NUMBER;
      return;
    }
    this.set(r, c, v);
  }

  valueClasses(r0: number, c0: number, rows: number, cols: number): ValueClasses | undefined {
    if (rows * cols < 16 || r0 < 0 || c0 < 0) return undefined;
    const writes = (this.columnWrites ??= new Uint32Array(KEY_STRIDE));
    let stamp = 0;
    for (let c = c0; c < c0 + cols && c < writes.length; c++) stamp += writes[c]!;
    const key = r0 * KEY_STRIDE + c0;
    if (
      this.lastClasses !== null &&
      key === this.lastClassesKey &&
      stamp === this.lastClassesStamp &&
      rows === this.lastClassesRows &&
      cols === this.lastClassesCols
    ) {
      return this.lastClasses;
    }
    const found = this.findClasses(key, stamp, r0, c0, rows, cols);
    if (found !== undefined) {
      this.lastClasses = found;
      this.lastClassesKey = key;
      this.lastClassesStamp = stamp;
      this.lastClassesRows = rows;
      this.lastClassesCols = cols;
    }
    return found;
  }

  /** `valueClasses` past the last rectangle's: kept, shared by the model, or built. */
  private findClasses(key: number, stamp: number, r0: number, c0: number, rows: number, cols: number): ValueClasses | undefined {
    const map = (this.classes ??= new Map<number, KeptClasses[]>());
    let list = map.get(key);
    if (list === undefined) map.set(key, (list = []));
    let kept = list.find((k) => k.rows === rows && k.cols === cols);
    if (kept && kept.stamp === stamp && kept.classes) return kept.classes;
    // What earlier runs built for this rectangle: valid while this store holds the
    // model's values there (nothing changed since the clone), or when its cells hold
    // the values a grouping was built from (checked cell by cell: far cheaper than a
    // build, which hashes every value).
    const model = this.model;
    const shared = model !== null ? (model.modelClasses ??= new Map<number, SharedClasses[]>()) : null;
    const fromModel = stamp === 0 && this.sharesModel;
    const earlier = shared?.get(key);
    if (earlier !== undefined) {
      for (const e of earlier) {
        if (e.rows !== rows || e.cols !== cols) continue;
        if ((e.modelValues && fromModel) || this.holdsClasses(e.classes, r0, c0, rows, cols)) {
          // Checked while the cells hold the model's values: it is a grouping of them.
          if (fromModel) e.modelValues = true;
          if (kept) {
            kept.stamp = stamp;
            kept.classes = e.classes;
          } else list.push({ rows, cols, stamp, classes: e.classes });
          return e.classes;
        }
      }
    }
    // Built on the second request with the same cells: a range read once is scanned.
    if (!kept || kept.stamp !== stamp) {
      if (kept) {
        kept.stamp = stamp;
        kept.classes = null;
      } else list.push((kept = { rows, cols, stamp, classes: null }));
      return undefined;
    }
    const n = rows * cols;
    const ids = new Map<Scalar, number>();
    const values: Scalar[] = [];
    const classOf = new Int32Array(n);
    const counts: number[] = [];
    for (let i = 0, p = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++, p++) {
        const v = this.get(r0 + i, c0 + j);
        let k = ids.get(v);
        if (k === undefined) {
          k = values.length;
          ids.set(v, k);
          values.push(v);
          counts.push(0);
        }
        classOf[p] = k;
        counts[k]!++;
      }
    }
    const starts = new Int32Array(values.length + 1);
    for (let k = 0; k < values.length; k++) starts[k + 1] = starts[k]! + counts[k]!;
    const fill = starts.slice(0, values.length);
    const members = new Int32Array(n);
    for (let p = 0; p < n; p++) members[fill[classOf[p]!]!++] = p;
    const classes: ValueClasses = { values, classOf, starts, members };
    kept.classes = classes;
    if (shared !== null) {
      // One grouping of the model's values and one of the latest other values, per rectangle.
      let same = shared.get(key);
      if (same === undefined) shared.set(key, (same = []));
      const i = same.findIndex((e) => e.rows === rows && e.cols === cols && e.modelValues === fromModel);
      const entry = { rows, cols, modelValues: fromModel, classes };
      if (i < 0) same.push(entry);
      else same[i] = entry;
    }
    return classes;
  }

  /**
   * The rectangle's cells hold the values `classes` grouped, position by position (the
   * equality of the grouping's Map: SameValueZero, which === is for cell values).
   */
  private holdsClasses(classes: ValueClasses, r0: number, c0: number, rows: number, cols: number): boolean {
    const { values, classOf } = classes;
    for (let i = 0, p = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++, p++) if (this.get(r0 + i, c0 + j) !== values[classOf[p]!]) return false;
    }
    return true;
  }

  /** The cell already holds `v` (a dense cell: a sparse one is taken to change). */
  private holds(r: number, c: number, v: Scalar): boolean {
    if (r >= this.denseRows || c >= this.denseCols) return false;
    const i = r * this.denseCols + c;
    const tag = this.tags[i];
    if (tag === NUMBER) return typeof v === 'number' && sameNumber(this.nums[i]!, v);
    if (tag === BLANK) return v === null;
    return v !== null && typeof v !== 'number' && this.vals[c]![r] === v;
  }

  /** Sets an input value and pins the cell against formula writes. */
  pin(r: number, c: number, v: Scalar): void {
    this.pinned.add(r * KEY_STRIDE + c);
    this.write(r, c, v);
  }

  isPinned(r: number, c: number): boolean {
    return this.pinned.has(r * KEY_STRIDE + c);
  }

  /** Releases an input's pin (a dynamic array spilling over a cell an input emptied). */
  unpin(r: number, c: number): void {
    this.pinned.delete(r * KEY_STRIDE + c);
  }

  private write(r: number, c: number, v: Scalar): void {
    if (this.columnWrites !== null && c < this.columnWrites.length && !this.holds(r, c, v)) this.columnWrites[c]!++;
    if (r < this.denseRows && c < this.denseCols) {
      const i = r * this.denseCols + c;
      if (typeof v === 'number') {
        this.nums[i] = v;
        this.tags[i] = NUMBER;
      } else if (v === null) {
        this.tags[i] = BLANK;
      } else {
        if (this.ownVals[c] === 0) {
          this.vals[c] = this.vals[c]!.slice();
          this.ownVals[c] = 1;
        }
        this.vals[c]![r] = v;
        this.tags[i] = OTHER;
      }
      return;
    }
    (this.extra ??= new Map()).set(r * KEY_STRIDE + c, v);
    if (r >= this.rowCount) this.rowCount = r + 1;
    if (c >= this.colCount) this.colCount = c + 1;
  }
}

