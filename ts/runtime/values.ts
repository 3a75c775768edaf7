/**
 * The value model of the Excel runtime.
 *
 * A cell holds a `Scalar`: number, string, boolean, `null` (blank) or an `ExcelError`.
 * Expressions can also produce a `Matrix` (an array value) or a `Ref` (a reference to
 * cells, kept unresolved so functions such as ROW, OFFSET or SUM can see that it is a
 * reference and so ranges are never copied to be aggregated).
 */

export type ErrorCode =
  | '#NULL!'
  | '#DIV/0!'
  | '#VALUE!'
  | '#REF!'
  | '#NAME?'
  | '#NUM!'
  | '#N/A'
  | '#GETTING_DATA'
  | '#SPILL!'
  | '#CALC!';

/** Marks error values across runtime copies (each engine carries its own runtime.js). */
const ERROR_BRAND = Symbol.for('sheetc.ExcelError');

/**
 * An Excel error value. Instances are interned per runtime: compare with `===` or by
 * `.code`. Values from another runtime copy (an engine's runtime.js) fail `instanceof`;
 * use `isExcelError()` at boundaries.
 */
export class ExcelError {
  readonly code: ErrorCode;
  readonly [ERROR_BRAND] = true;
  constructor(code: ErrorCode) {
    this.code = code;
  }
  toString(): string {
    return this.code;
  }
  toJSON(): { error: ErrorCode } {
    return { error: this.code };
  }
}

const interned = new Map<string, ExcelError>();
function intern(code: ErrorCode): ExcelError {
  const e = new ExcelError(code);
  interned.set(code, e);
  return Object.freeze(e);
}

/** The interned error values. */
export const ERR = {
  NULL: intern('#NULL!'),
  DIV0: intern('#DIV/0!'),
  VALUE: intern('#VALUE!'),
  REF: intern('#REF!'),
  NAME: intern('#NAME?'),
  NUM: intern('#NUM!'),
  NA: intern('#N/A'),
  DATA: intern('#GETTING_DATA'),
  SPILL: intern('#SPILL!'),
  CALC: intern('#CALC!'),
} as const;

/** The error for a code, or undefined when the text is not an error literal. */
export function errorFromCode(code: string): ExcelError | undefined {
  return interned.get(code.toUpperCase());
}

/** ERROR.TYPE's numbering of the errors (also the order SORT puts them in). */
export const ERROR_TYPE_NUMBER: Readonly<Partial<Record<ErrorCode, number>>> = {
  '#NULL!': 1,
  '#DIV/0!': 2,
  '#VALUE!': 3,
  '#REF!': 4,
  '#NAME?': 5,
  '#NUM!': 6,
  '#N/A': 7,
  '#GETTING_DATA': 8,
  '#SPILL!': 9,
  '#CALC!': 14,
};

export type Scalar = number | string | boolean | null | ExcelError;

/** A rectangular array value, row-major. */
export class Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Scalar[];
  constructor(rows: number, cols: number, data: Scalar[]) {
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }
  get(r: number, c: number): Scalar {
    return this.data[r * this.cols + c] ?? null;
  }
  static from2D(rows: Scalar[][]): Matrix {
    const h = rows.length;
    const w = h ? Math.max(...rows.map((r) => r.length)) : 0;
    const data: Scalar[] = new Array(h * w);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) data[i * w + j] = rows[i]![j] ?? ERR.NA;
    return new Matrix(h, w, data);
  }
  static filled(rows: number, cols: number, v: Scalar): Matrix {
    return new Matrix(rows, cols, new Array(rows * cols).fill(v));
  }
  to2D(): Scalar[][] {
    const out: Scalar[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(this.data.slice(i * this.cols, (i + 1) * this.cols));
    return out;
  }
}

/** The store of one worksheet's cells during a run. */
export interface SheetStore {
  readonly name: string;
  readonly index: number;
  /** One past the last used row / column (bounds for whole-row/column references). */
  readonly rowCount: number;
  readonly colCount: number;
  get(r: number, c: number): Scalar;
  /** The cell as a number operand: its number, 0 when blank, NaN otherwise (`Sheet.n`). */
  n(r: number, c: number): number;
  /** The cell as an aggregate reads it from a reference: its number, Infinity when skipped, NaN for an error (`Sheet.agg`). */
  agg(r: number, c: number): number;
  set(r: number, c: number, v: Scalar): void;
  /** `set` for a number. */
  setNumber(r: number, c: number, v: number): void;
  /**
   * Whether generated direct loops may read (write) the rectangle straight in the store's
   * typed arrays (`Sheet.direct`); false for a store that has none or must see each read.
   */
  direct(r0: number, c0: number, r1: number, c1: number, write: boolean): boolean;
  /**
   * The value classes of a rectangle (`ValueClasses`), kept while none of its columns
   * is written; undefined when the store does not keep them (then scan the cells).
   */
  valueClasses?(r0: number, c0: number, rows: number, cols: number): ValueClasses | undefined;
  /** Whether an input pinned the cell (formula writes are ignored there). Optional. */
  isPinned?(r: number, c: number): boolean;
  /** Releases an input's pin. Optional. */
  unpin?(r: number, c: number): void;
  /**
   * `total` plus the numbers of the rectangle r0..r1 × c0..c1, added one by one in
   * row-major order, or the first error met in that order (what SUM reads from a
   * reference); undefined when the store cannot do it in bulk (then read cell by cell).
   */
  sumNumbers?(total: number, r0: number, c0: number, r1: number, c1: number): number | ExcelError | undefined;
  /**
   * Column c's numbers over rows r0..r1 in one array (0 for a blank, text or logical:
   * a sum from 0 is never -0, so adding 0 changes nothing), for sums read at scattered
   * rows; undefined when a cell of it holds an error or the store cannot keep it.
   * Kept while the column is unwritten. Optional.
   */
  columnNumbers?(r0: number, r1: number, c: number): Float64Array | undefined;
}

/**
 * A reference to a rectangle of cells on one sheet (zero-based, inclusive). A multi-area
 * reference (union) is a `RefList`.
 */
/**
 * A rectangle's cells grouped by value, for criteria evaluated many times over the same
 * range (SUMIFS per row of a summary over one table): a predicate is a pure function of
 * the cell's value, so it is evaluated once per distinct value and the matching cells
 * are found through the groups. Positions are row-major offsets in the rectangle.
 */
export interface ValueClasses {
  /** The distinct values, one per class. */
  readonly values: readonly Scalar[];
  /** Each position's class. */
  readonly classOf: Int32Array;
  /** Class k's positions, ascending: members[starts[k] .. starts[k + 1]). */
  readonly starts: Int32Array;
  readonly members: Int32Array;
  /**
   * Exact lookups' index, built from the classes on first use (lookup.ts
   * `exactIndex`): the first and last position of each value as an exact match sees it.
   */
  exact?: Map<number | string, [number, number]>;
  /**
   * Exact lookups of text, by the lookup value as given (lookup.ts `findExact`): whether
   * it holds wildcard characters, and its entry of `exact` (null when absent). A column
   * of lookups asks for the same few keys over and over: this spares building the
   * case-folded key (two new strings) per lookup. Bounded (cleared when full).
   */
  exactText?: Map<string, { wildcard: boolean; at: [number, number] | null }>;
  /**
   * What criteria accept, per predicate (criteria.ts caches predicates by criterion, so
   * the same criterion is the same function): the accepted classes and their cells. A
   * summary asks each criterion of many cells (an account in every month, a month for
   * every account): each is evaluated over the classes once per grouping.
   */
  accepted?: Map<(v: Scalar) => boolean, Accepted>;
  /**
   * Per other grouping of a range of the same shape (criteria.ts `pairRun`), per class
   * of this one (built on first use): its members split by their class in the other,
   * each part ascending. A grid of SUMIFS with one value per criterion (an account in a
   * month) then reads its cells' positions instead of filtering the account's every
   * transaction by month, once per cell. Bounded (cleared when full).
   */
  pairs?: Map<ValueClasses, (Map<number, Int32Array> | undefined)[]>;
  /**
   * Per other grouping of a range of the same shape (criteria.ts `sortedWithin`): per
   * class of this one, its members' numbers in the other range, sorted; or, until a
   * grouping has been asked for a few times, how many times it was (the sort pays off
   * over a column of counts, not for one). Bounded (cleared when full).
   */
  sortedBy?: Map<ValueClasses, number | SortedWithin>;
}

/** What one criterion accepts of a grouping (`ValueClasses.accepted`). */
export interface Accepted {
  /** Per class, 1 when accepted. */
  readonly ok: Uint8Array;
  /** The cells of the accepted classes. */
  readonly cells: number;
  /** The one accepted class, or -1. */
  readonly single: number;
  /**
   * With a second criterion accepting one class of another grouping (an account's
   * sales in one month, the account's code written in two cases): the positions that
   * both accept, ascending, by other grouping and its class (criteria.ts
   * `groupedMatches`). Bounded (cleared when full).
   */
  merged?: Map<ValueClasses, Map<number, Int32Array>>;
}

/** Numbers of one range sorted per class of another (`ValueClasses.sortedBy`). */
export interface SortedWithin {
  /** Class k's numbers, ascending: values[starts[k] .. starts[k + 1]). */
  readonly starts: Int32Array;
  readonly values: Float64Array;
}

export class Ref {
  readonly sheet: SheetStore;
  readonly r0: number;
  readonly c0: number;
  readonly r1: number;
  readonly c1: number;
  constructor(sheet: SheetStore, r0: number, c0: number, r1: number, c1: number) {
    this.sheet = sheet;
    this.r0 = r0;
    this.c0 = c0;
    this.r1 = r1;
    this.c1 = c1;
  }
  get rows(): number {
    return this.r1 - this.r0 + 1;
  }
  get cols(): number {
    return this.c1 - this.c0 + 1;
  }
  get isCell(): boolean {
    return this.r0 === this.r1 && this.c0 === this.c1;
  }
  /** Value at an offset inside the reference. */
  get(i: number, j: number): Scalar {
    return this.sheet.get(this.r0 + i, this.c0 + j);
  }
  /** Last row actually worth scanning (whole-column references stop at the used range). */
  get lastUsedRow(): number {
    return Math.min(this.r1, this.sheet.rowCount - 1);
  }
  get lastUsedCol(): number {
    return Math.min(this.c1, this.sheet.colCount - 1);
  }
  /** Materialise as a Matrix (used where an array is required). */
  toMatrix(): Matrix {
    const h = this.rows;
    const w = this.cols;
    const data: Scalar[] = new Array(h * w);
    const lr = this.lastUsedRow;
    const lc = this.lastUsedCol;
    for (let i = 0; i < h; i++) {
      const r = this.r0 + i;
      for (let j = 0; j < w; j++) {
        const c = this.c0 + j;
        data[i * w + j] = r <= lr && c <= lc ? this.sheet.get(r, c) : null;
      }
    }
    return new Matrix(h, w, data);
  }
}

/** Several areas, from the union operator `(A1:B2,D4)`. */
export class RefList {
  readonly areas: Ref[];
  constructor(areas: Ref[]) {
    this.areas = areas;
  }
}

/** A LAMBDA value. */
export class Lambda {
  readonly arity: number;
  readonly fn: (...args: Value[]) => Value;
  constructor(arity: number, fn: (...args: Value[]) => Value) {
    this.arity = arity;
    this.fn = fn;
  }
}

/** Anything an expression can evaluate to. */
export type Value = Scalar | Matrix | Ref | RefList | Lambda;

/** Per-evaluation context: where the formula is, and the run's environment. */
export interface Ctx {
  /** Sheet index, zero-based row and column of the cell being evaluated. */
  sheet: number;
  row: number;
  col: number;
  /** True while evaluating an array (CSE or spilled) formula: ranges lift instead of intersecting. */
  array: boolean;
  readonly book: BookView;
}

/** What functions may see of the workbook during a run. */
export interface BookView {
  readonly sheets: readonly SheetStore[];
  readonly date1904: boolean;
  /** Current time as an Excel serial number (injectable). */
  now(): number;
  /** A random number in [0, 1) (injectable). */
  random(): number;
  /** Resolve a sheet by name (case-insensitive), for INDIRECT and friends. */
  sheetByName(name: string): SheetStore | undefined;
  /** Resolve a defined name to a value (a Ref for names that point at cells). */
  name(name: string, sheet: number): Value | undefined;
  /** Above 0 while a circular cluster iterates (lines.ts keeps nothing then). */
  iterating?: number;
  /** Whether a cell holds a formula (ISFORMULA). Optional: test books may omit it. */
  isFormula?(sheet: number, row: number, col: number): boolean;
  /** The formula Excel shows for a cell (FORMULATEXT), resolved by the compiler. */
  formulaText?(sheet: number, row: number, col: number): string | undefined;
  /** Array-formula extents written so far in this run: anchor key → [last row, last col]. */
  readonly spills?: Map<number, [number, number]>;
  /**
   * The file was saved by Excel for Mac (docProps/app.xml): CHAR and CODE use the Mac
   * character set. Absent (false) in other engines and in test books.
   */
  readonly macCharset?: boolean;
  /** Whether a row is hidden in the file (SUBTOTAL 101–111, AGGREGATE's hidden-row options). */
  isRowHidden?(sheet: number, row: number): boolean;
  /** Whether a row is hidden by a filter (every SUBTOTAL skips it). */
  isRowFiltered?(sheet: number, row: number): boolean;
  /** Whether the cell's formula is a subtotal (SUBTOTAL, AGGREGATE), which they skip. */
  isSubtotalCell?(sheet: number, row: number, col: number): boolean;
  /** The implementation of a user-defined function given to this run (by upper-case name). */
  userFunction?(name: string): ((...args: never[]) => unknown) | undefined;
  /**
   * Computes the formula cells a computed reference (OFFSET, INDIRECT) covers that this
   * run has not computed yet (demand.ts). Optional: test books may omit it.
   */
  ensure?(ctx: Ctx, v: Value): void;
  /**
   * The reference a structured reference text (`Sales[Qty]`, a table name) stands for,
   * for INDIRECT; undefined when it names no table. Optional: test books may omit it.
   */
  table?(text: string, ctx: Ctx): Value | undefined;
}

/** Key of a cell in per-run maps (sheet, row, column). */
export function cellId(sheet: number, row: number, col: number): number {
  return (sheet * 1048576 + row) * 16384 + col;
}

/** The sheet, row and column of a `cellId`. */
export function cellOf(id: number): { sheet: number; row: number; col: number } {
  const col = id % 16384;
  const rest = (id - col) / 16384;
  const row = rest % 1048576;
  return { sheet: (rest - row) / 1048576, row, col };
}

export const isError = (v: unknown): v is ExcelError => v instanceof ExcelError;

/** True for an Excel error value from any runtime copy (engines carry their own). */
export function isExcelError(v: unknown): v is ExcelError {
  return v instanceof ExcelError || (typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[ERROR_BRAND] === true);
}
