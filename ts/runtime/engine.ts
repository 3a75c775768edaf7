/**
 * The engine at run time: builds the model's cell stores once, and for each `run()`
 * clones them, applies the inputs, evaluates the generated segments in dependency
 * order and returns a `RunResult`.
 */
import { cellKey, parseArea, sheetKey } from './address.js';
import { scalar } from './coerce.js';
import { dataTableScope, runWithDataTables } from './data-tables.js';
import { displayText } from './display.js';
import { EngineError } from './errors.js';
import { areaInput, checkInputs, checkRangeSize, checkRunOptions, dateToSerialValue, serialToDate, type CheckedRunOptions } from './inputs.js';
import { didYouMean, suggest } from './suggest.js';
import { Sheet } from './store.js';
import { userFunctionTable, type UserFunction } from './udf.js';
import { DemandIndex, OnDemand, type CellFunction } from './demand.js';
import { DepsIndex, sameInput, type ChangedCell } from './incremental.js';
import { resolveStructured } from './tables.js';
import { ERR, ExcelError, Matrix, Ref, cellId, cellOf, errorFromCode, type BookView, type Ctx, type Scalar, type Value } from './values.js';

/** A value in the engine's JSON encodings: errors as `{ e: "#N/A" }`. */
export type EncodedScalar = number | string | boolean | null | { e: string };

/**
 * The engine spec (`export const spec` in engine.js): its types are generated from the
 * Rust structs that write it (crates/sheetc-core/src/stages/emit/spec.rs), so the two
 * sides cannot drift.
 */
export type { BackfillSpec, CalcSpec, DeclaredSpec, EngineSpec, NameSpec, NumFmtSpec, SheetSpec, TableSpec } from '../generated/spec.js';
import type { DeclaredSpec, EngineSpec, NameSpec } from '../generated/spec.js';

function within(a: Area, d: DeclaredSpec): boolean {
  const [s, r0, c0, r1, c1] = d.area;
  return a.sheet === s && a.r0 >= r0 && a.r1 <= r1 && a.c0 >= c0 && a.c1 <= c1;
}


/** The formula texts of a spec by cell id (built once per spec). */
const formulaTextMaps = new WeakMap<EngineSpec, Map<number, string>>();
function formulaTextMap(spec: EngineSpec): Map<number, string> {
  let m = formulaTextMaps.get(spec);
  if (!m) {
    m = new Map((spec.formulaTexts ?? []).map(([s, r, c, t]) => [cellId(s, r, c), t]));
    formulaTextMaps.set(spec, m);
  }
  return m;
}

/** A cluster of mutually dependent cells evaluated by iteration. */
export interface ClusterSegment {
  /** Flat [sheet, row, col, ...] of the cells in the cluster. */
  cells: number[];
  /** One Gauss–Seidel sweep over the cluster in Excel's order. */
  step: (x: Ctx) => void;
}

export type Segment = ((x: Ctx) => void) | ClusterSegment;

export interface EngineModule {
  /**
   * Constant cells as runs down a column: flat [sheet, row, col, count, value × count, ...]
   * (rows `row` to `row + count - 1`).
   */
  constants: EncodedScalar[];
  /**
   * Formula cells (array-formula ranges included) as runs: flat
   * [sheet, row, col, count, vertical, ...]; a run goes along the row, or down the
   * column when `vertical` is 1.
   */
  formulas: number[];
  segments: Segment[];
  /**
   * Cells a computed reference may read before the evaluation order reaches them, as
   * runs `[sheet, row, col, count, vertical, fn, ...]` with their shape functions
   * (`lateFns[fn]`); present only in engines with computed references (demand.ts).
   */
  late?: number[];
  lateFns?: CellFunction[];
}

export type CellValue = Scalar;
export type InputValue = number | string | boolean | null | ExcelError | Date | InputValue[][];

export interface RunOptions {
  /**
   * The clock for NOW/TODAY, as a Date (read by its UTC date and time) or an Excel serial
   * number. Default: the current time, UTC.
   */
  now?: Date | number;
  /** The random source for RAND/RANDBETWEEN/RANDARRAY (default `Math.random`). */
  random?: () => number;
  /**
   * Implementations of the workbook's user-defined functions (VBA, add-ins) by name
   * (case-insensitive), for an engine compiled with them (`compile(file, { functions })`).
   */
  functions?: Record<string, UserFunction>;
  /**
   * Recompute every cell. By default an eager engine recomputes only the cells that the
   * inputs changed since its previous run reach (the result is the same).
   */
  full?: boolean;
}

/** How `get()` returns values. */
export interface GetOptions {
  /** `'date'`: numbers (Excel serials) as UTC `Date`s; other values unchanged. */
  as?: 'value' | 'date';
}

/** How `toJSON()` writes values. */
export interface ToJsonOptions {
  /** Every value as the text Excel displays under the cell's number format (see `text()`). */
  formatted?: boolean;
}

export interface RunMeta {
  converged: boolean;
  iterations: number;
  elapsedMs: number;
  /** Backfilled cells (as `Sheet!A1`) in the dependency cone of a changed input. */
  stale: string[];
  /**
   * Whether the run recomputed only what its inputs changed since the previous run
   * (false for a full run: the first one, `{ full: true }`, or an engine whose runs are
   * always full).
   */
  incremental: boolean;
  /**
   * How many formula cells the run computed (all of them in a full run), or null where
   * the engine does not count them (lazy engines, engines with data tables).
   */
  recomputed: number | null;
}

export type JsonValue = number | string | boolean | null | { error: string };

export interface RunResult {
  /** The value of a cell, or a 2-D array for a range; `{ as: 'date' }` turns serials into UTC `Date`s. */
  get(ref: string): CellValue | CellValue[][];
  get(ref: string, options: { as: 'date' }): CellValue | Date | (CellValue | Date)[][];
  get(ref: string, options?: GetOptions): CellValue | Date | (CellValue | Date)[][];
  /** The text Excel displays for a cell under its number format (a 2-D array for a range). */
  text(ref: string): string | string[][];
  /** Every formula cell (a profile: its outputs): `{ "Sheet!A1": value }`, errors as `{ error: code }`. */
  toJSON(options?: ToJsonOptions): Record<string, JsonValue>;
  readonly meta: RunMeta;
  /** Every formula cell's value, per sheet as flat `[row, col, value, ...]` (used by compile() to fold). */
  formulaValues(): { sheets: EncodedScalar[][] };
}

export function decode(v: EncodedScalar): Scalar {
  if (v !== null && typeof v === 'object') return errorFromCode(v.e) ?? ERR.VALUE;
  return v;
}

/** Finalises a formula's value for storage in its cell. */
export function fin(v: Value, x: Ctx): Scalar {
  if (typeof v === 'number') return Number.isFinite(v) ? v : ERR.NUM;
  if (v === null) return 0;
  if (typeof v !== 'object' || v instanceof ExcelError) return v as Scalar;
  const s = scalar(v, x);
  if (s === null) return 0;
  if (typeof s === 'number' && !Number.isFinite(s)) return ERR.NUM;
  return s;
}

/** Excel's last row and column (zero-based). */
const LAST_ROW = 1048575;
const LAST_COL = 16383;

function resultMatrix(v: Value, x: Ctx): Matrix {
  if (v instanceof Matrix) return v;
  if (v instanceof Ref) return v.toMatrix();
  return new Matrix(1, 1, [fin(v, x)]);
}

/**
 * Writes an array formula's result. `r0:r1 × c0:c1` is the range the workbook stored
 * for it (where Excel last put it).
 *
 * Legacy CSE arrays (`dynamic` false) fill exactly that range, with Excel's broadcasting
 * rules: a single row or column repeats, and cells beyond the result are #N/A.
 *
 * Dynamic arrays (Excel 365, `dynamic` true) spill to the *result's* size from the
 * anchor. If any cell of that area other than the anchor and the formula's own cells is
 * occupied, the anchor is `#SPILL!`, its own cells are blank and `A1#` is the anchor
 * alone (so `SUM(A1#)` is `#SPILL!` too). Occupied means: a value (a constant, an input,
 * or a value another formula wrote) or a formula cell of the workbook, whether or not it
 * has been evaluated yet in this run (so the order of the two formulas does not matter);
 * an input setting a cell to null empties it, and the spill then fills it. The formula's
 * own cells are its stored range and what it wrote earlier in this run (a cluster
 * evaluates it several times); an input giving one of them a value blocks the spill, as
 * typing into a spill range does in Excel, and an input on the anchor replaces the
 * formula (nothing spills). When the result fits, it is written, the own cells beyond it
 * become blank (not #N/A), and `A1#` is the result's extent.
 *
 * A result larger than the stored range is written beyond it. The compiler makes a
 * reference into where it can grow depend on the anchor: the empty cells down the
 * stored columns to the first occupied cell, and along the stored rows to the first
 * occupied cell (`growth_zones` in compile.rs; occupied cells are left out so that a
 * formula reading a constant there is not made to wait: that could be a false cycle).
 * So `A1#`, ranges that include the anchor or its stored range, and references into
 * those strips are evaluated after the anchor and see the whole result. Not ordered
 * after it: a reference only to cells beyond both strips (growth down and right at
 * once) or to a cell an input cleared; a blocking formula cell is seen (by position),
 * but a value written by another dynamic array's own growth is seen only if that array
 * ran first. `toJSON()` lists the stored
 * range's cells; `get()` reads any cell. We chose to spill rather than to clip to the
 * stored range because a spill that was blocked when the file was saved is stored as
 * the anchor alone: clipping would leave it `#SPILL!` for every input.
 */
export function spill(x: Ctx, sheet: number, r0: number, c0: number, r1: number, c1: number, v: Value, dynamic = false): void {
  if (dynamic) {
    spillDynamic(x, sheet, r0, c0, r1, c1, v);
    return;
  }
  const store = x.book.sheets[sheet]!;
  x.book.spills?.set(cellId(sheet, r0, c0), [r1, c1]);
  const m = resultMatrix(v, x);
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const i = m.rows === 1 ? 0 : r - r0;
      const j = m.cols === 1 ? 0 : c - c0;
      let val: Scalar = i < m.rows && j < m.cols ? m.get(i, j) : ERR.NA;
      if (val === null) val = 0;
      store.set(r, c, val);
    }
  }
}

function spillDynamic(x: Ctx, sheet: number, r0: number, c0: number, r1: number, c1: number, v: Value): void {
  const store = x.book.sheets[sheet]!;
  const id = cellId(sheet, r0, c0);
  let m = resultMatrix(v, x);
  if (m.rows === 0 || m.cols === 0) m = new Matrix(1, 1, [ERR.CALC]);
  // The extent this formula wrote earlier in this run, if any.
  const prev = x.book.spills?.get(id);
  const own = (r: number, c: number): boolean => (r <= r1 && c <= c1) || (prev !== undefined && r <= prev[0] && c <= prev[1]);
  const pinned = (r: number, c: number): boolean => store.isPinned?.(r, c) ?? false;
  if (pinned(r0, c0)) {
    // An input replaced the formula: nothing spills (its stored range is blank).
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (r !== r0 || c !== c0) store.set(r, c, null);
    x.book.spills?.delete(id);
    return;
  }
  const er1 = r0 + m.rows - 1;
  const ec1 = c0 + m.cols - 1;
  let blocked = er1 > LAST_ROW || ec1 > LAST_COL;
  for (let r = r0; r <= er1 && !blocked; r++) {
    for (let c = c0; c <= ec1; c++) {
      if (r === r0 && c === c0) continue;
      let occupied: boolean;
      if (pinned(r, c)) occupied = store.get(r, c) !== null;
      else if (own(r, c)) occupied = false;
      else occupied = store.get(r, c) !== null || (x.book.isFormula?.(sheet, r, c) ?? false);
      if (occupied) {
        blocked = true;
        break;
      }
    }
  }
  // Blank what this formula owns outside the new extent (all but the anchor when blocked).
  const keepRows = blocked ? r0 : er1;
  const keepCols = blocked ? c0 : ec1;
  const clear = (lr: number, lc: number): void => {
    for (let r = r0; r <= lr; r++) for (let c = c0; c <= lc; c++) if (r > keepRows || c > keepCols) store.set(r, c, null);
  };
  clear(r1, c1);
  if (prev) clear(prev[0], prev[1]);
  if (blocked) {
    store.set(r0, c0, ERR.SPILL);
    x.book.spills?.set(id, [r0, c0]);
    return;
  }
  for (let r = r0; r <= er1; r++) {
    for (let c = c0; c <= ec1; c++) {
      const val = m.get(r - r0, c - c0);
      // An input that emptied a cell lets the spill through, as clearing it does in Excel.
      if (r !== r0 || c !== c0) store.unpin?.(r, c);
      store.set(r, c, val === null ? 0 : val);
    }
  }
  x.book.spills?.set(id, [er1, ec1]);
}

/** `A1#` / ANCHORARRAY: the range filled by the array formula anchored at the cell. */
export function anchorArray(x: Ctx, v: Value): Value {
  if (v instanceof ExcelError) return v;
  if (!(v instanceof Ref) || !v.isCell) return ERR.REF;
  const ext = x.book.spills?.get(cellId(v.sheet.index, v.r0, v.c0));
  if (!ext) return ERR.REF;
  return new Ref(v.sheet, v.r0, v.c0, ext[0], ext[1]);
}

class Book implements BookView {
  readonly sheets: Sheet[];
  /** Above 0 while a circular cluster iterates. */
  iterating = 0;
  readonly spills = new Map<number, [number, number]>();
  private readonly formulaCells: () => Set<number>;
  readonly date1904: boolean;
  private readonly clock: () => number;
  readonly random: () => number;
  private readonly spec: EngineSpec;
  readonly macCharset: boolean;
  private readonly facts: BookFacts;
  private readonly functions: Map<string, UserFunction> | undefined;
  private readonly demandIndex: () => DemandIndex | null;
  private onDemand: OnDemand | null = null;
  constructor(spec: EngineSpec, sheets: Sheet[], opts: CheckedRunOptions, formulaCells: () => Set<number>, demandIndex: () => DemandIndex | null = () => null) {
    this.formulaCells = formulaCells;
    this.demandIndex = demandIndex;
    this.spec = spec;
    this.sheets = sheets;
    this.date1904 = spec.date1904;
    this.macCharset = spec.macCharset === true;
    this.facts = bookFacts(spec);
    this.functions = userFunctionTable(opts.functions);
    const serial = opts.now;
    // The real clock, by its UTC date and time (as a Date given in `now` is read).
    if (serial === undefined) this.clock = () => dateToSerialValue(new Date(), spec.date1904);
    else this.clock = () => serial;
    this.random = opts.random ?? Math.random;
  }
  now(): number {
    return this.clock();
  }
  isFormula(sheet: number, row: number, col: number): boolean {
    return this.formulaCells().has(cellId(sheet, row, col));
  }
  /** See BookView.table and tables.ts. */
  table(text: string, ctx: Ctx): Value | undefined {
    const tables = this.spec.tables;
    return tables ? resolveStructured(tables, this.sheets, text, ctx) : undefined;
  }
  /** See BookView.ensure and demand.ts. */
  ensure(x: Ctx, v: Value): void {
    if (this.onDemand === null) {
      const index = this.demandIndex();
      if (index === null) return;
      this.onDemand = new OnDemand(index, this.sheets, fin);
    }
    this.onDemand.ensure(x, v);
  }
  formulaText(sheet: number, row: number, col: number): string | undefined {
    return this.spec.formulaTexts ? formulaTextMap(this.spec).get(cellId(sheet, row, col)) : undefined;
  }
  isRowHidden(sheet: number, row: number): boolean {
    return this.facts.hidden?.[sheet]?.has(row) ?? false;
  }
  isRowFiltered(sheet: number, row: number): boolean {
    return this.facts.filtered?.[sheet]?.has(row) ?? false;
  }
  isSubtotalCell(sheet: number, row: number, col: number): boolean {
    return this.facts.subtotals?.has(cellId(sheet, row, col)) ?? false;
  }
  userFunction(name: string): UserFunction | undefined {
    return this.functions?.get(name);
  }
  sheetByName(name: string): Sheet | undefined {
    const k = sheetKey(name);
    return this.sheets.find((s) => sheetKey(s.name) === k);
  }
  name(name: string, sheet: number): Value | undefined {
    const u = name.toUpperCase();
    let best: NameSpec | undefined;
    for (const n of this.spec.names) {
      if (n.name.toUpperCase() !== u) continue;
      if (n.scope === sheet) best = n;
      else if (n.scope === null && !best) best = n;
    }
    if (!best) return undefined;
    if (!best.area) return ERR.REF;
    const [s, r0, c0, r1, c1] = best.area;
    return new Ref(this.sheets[s]!, r0, c0, r1, c1);
  }
}

/**
 * What a spec says about rows and subtotal cells, as sets (built once per spec): the
 * book context's `isRowHidden`, `isRowFiltered`, `isSubtotalCell`.
 */
interface BookFacts {
  hidden: (Set<number> | undefined)[] | null;
  filtered: (Set<number> | undefined)[] | null;
  subtotals: Set<number> | null;
}

const bookFactsCache = new WeakMap<EngineSpec, BookFacts>();

function rowSets(runs: [number, number[]][] | undefined): (Set<number> | undefined)[] | null {
  if (!runs?.length) return null;
  const out: (Set<number> | undefined)[] = [];
  for (const [sheet, flat] of runs) {
    const set = (out[sheet] ??= new Set<number>());
    for (let i = 0; i + 1 < flat.length; i += 2) for (let r = flat[i]!, n = flat[i + 1]!; n > 0; n--, r++) set.add(r);
  }
  return out;
}

function bookFacts(spec: EngineSpec): BookFacts {
  let f = bookFactsCache.get(spec);
  if (!f) {
    let subtotals: Set<number> | null = null;
    const flat = spec.subtotalCells;
    if (flat?.length) {
      subtotals = new Set();
      for (let i = 0; i + 2 < flat.length; i += 3) subtotals.add(cellId(flat[i]!, flat[i + 1]!, flat[i + 2]!));
    }
    f = { hidden: rowSets(spec.hiddenRows), filtered: rowSets(spec.filteredRows), subtotals };
    bookFactsCache.set(spec, f);
  }
  return f;
}

/**
 * An engine compiled with user-defined functions runs only with an implementation of
 * each (`loadEngine(dir, { functions })` or `run(inputs, { functions })`): without one,
 * its cells could not be computed, and a silent `#NAME?` would be a wrong answer.
 */
function checkUserFunctions(spec: EngineSpec, options: RunOptions): void {
  const needed = spec.userFunctions;
  if (!needed?.length) return;
  if (options.functions !== undefined && (options.functions === null || typeof options.functions !== 'object')) {
    throw new EngineError('E_INVALID_OPTION', 'options.functions must be an object mapping function names to JavaScript functions');
  }
  const given = userFunctionTable(options.functions);
  const missing = needed.filter((n) => !given?.has(n));
  if (missing.length) {
    throw new EngineError(
      'E_MISSING_FUNCTION',
      `this engine calls the user-defined function${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: pass ${missing.length > 1 ? 'their implementations' : 'its implementation'} as loadEngine(dir, { functions: { ${missing[0]}: (...) => ... } }) or run(inputs, { functions })`,
    );
  }
}

export interface Engine {
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
  readonly spec: EngineSpec;
}

/** What a lazy engine loads: whole sheets, or cells/ranges/names and their dependency cone. */
export interface LoadScope {
  sheets?: string[];
  cells?: string[];
}

export interface LazyEngine extends Engine {
  /** Imports the modules in the dependency cone of the scope (memoized; a failed import is retried on the next call). */
  load(scope: LoadScope): Promise<void>;
  /** `load({ cells })` then `run(inputs)`. */
  runScoped(inputs: Record<string, InputValue> | undefined, options: RunOptions & LoadScope): Promise<RunResult>;
  /** How much is loaded: modules imported and segments that run. */
  readonly loaded: { modules: number; units: number };
  readonly spec: LazyEngineSpec;
}

export interface LazyEngineSpec extends EngineSpec {
  /** Modules as row bands `[sheet, r0, r1)`. */
  modules: [number, number, number][];
}

/**
 * Reads a binary file next to the engine (its unit index, `index.bin`): from disk
 * where the URL is a file (Node, Deno, Bun), else with fetch (browsers; bundlers
 * recognise `new URL('./index.bin', import.meta.url)` as an asset).
 */
export async function readBinary(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The decoded unit index of a lazy engine. */
class LazyIndex {
  readonly data: Uint32Array;
  /** Offset of each unit's record in `data`: module, index, n, runs[n], n, lists[n], n, modules[n], dynamic. */
  readonly units: Uint32Array;
  /** Offset of each dependency list (n, ids[n]). */
  readonly lists: Uint32Array;
  /** Offset of each module's unit list (n, units[n]); the last: units outside every band. */
  readonly moduleUnits: Uint32Array;

  constructor(bytes: Uint8Array) {
    // Little-endian u32s (every platform sheetc targets is little-endian); copied
    // when the bytes are not 4-byte aligned (a view into a larger buffer).
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes); // a copy (Buffer#slice is a view)
    this.data = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
    const unitCount = this.data[0] ?? 0;
    const listCount = this.data[1] ?? 0;
    const moduleCount = this.data[2] ?? 0;
    const header = 3 + unitCount + listCount + moduleCount + 1;
    if (this.data.length < header) throw new Error('the index is truncated');
    // The record offsets are stored after the counts: nothing to scan.
    this.units = this.data.subarray(3, 3 + unitCount);
    this.lists = this.data.subarray(3 + unitCount, 3 + unitCount + listCount);
    this.moduleUnits = this.data.subarray(3 + unitCount + listCount, header);
  }
  /** The units computing a cell in module `m`'s band (`m` = module count: outside every band). */
  unitsOfModule(m: number): Uint32Array {
    const o = this.moduleUnits[m]!;
    return this.data.subarray(o + 1, o + 1 + this.data[o]!);
  }
  /** Units that may compute a cell of `modules` (their bands' units and the unplaced ones). */
  candidates(modules: readonly number[]): number[] {
    const out: number[] = [];
    for (const m of modules) for (const u of this.unitsOfModule(m)) out.push(u);
    for (const u of this.unitsOfModule(this.moduleUnits.length - 1)) out.push(u);
    return out;
  }
  get count(): number {
    return this.units.length;
  }
  module(u: number): number {
    return this.data[this.units[u]!]!;
  }
  segment(u: number): number {
    return this.data[this.units[u]! + 1]!;
  }
  /** Whether unit `u` computes a cell of the area. */
  intersects(u: number, a: Area): boolean {
    const d = this.data;
    const o = this.units[u]! + 2;
    const end = o + 1 + d[o]!;
    for (let i = o + 1; i < end; i += 5) {
      if (d[i] !== a.sheet) continue;
      const r = d[i + 1]!;
      const c = d[i + 2]!;
      const n = d[i + 3]!;
      const r1 = d[i + 4] === 1 ? r + n - 1 : r;
      const c1 = d[i + 4] === 1 ? c : c + n - 1;
      if (r <= a.r1 && a.r0 <= r1 && c <= a.c1 && a.c0 <= c1) return true;
    }
    return false;
  }
  /** Whether unit `u` computes a cell of the sheet. */
  onSheet(u: number, sheet: number): boolean {
    const d = this.data;
    const o = this.units[u]! + 2;
    const end = o + 1 + d[o]!;
    for (let i = o + 1; i < end; i += 5) if (d[i] === sheet) return true;
    return false;
  }
  runs(u: number): Uint32Array {
    const o = this.units[u]! + 2;
    return this.data.subarray(o + 1, o + 1 + this.data[o]!);
  }
  private after(o: number): number {
    return o + 1 + this.data[o]!;
  }
  depLists(u: number): Uint32Array {
    const o = this.after(this.units[u]! + 2);
    return this.data.subarray(o + 1, o + 1 + this.data[o]!);
  }
  reads(u: number): Uint32Array {
    const o = this.after(this.after(this.units[u]! + 2));
    return this.data.subarray(o + 1, o + 1 + this.data[o]!);
  }
  dynamic(u: number): boolean {
    return this.data[this.after(this.after(this.after(this.units[u]! + 2)))] === 1;
  }
  list(l: number): Uint32Array {
    const o = this.lists[l]!;
    return this.data.subarray(o + 1, o + 1 + this.data[o]!);
  }
}

interface Area {
  sheet: number;
  r0: number;
  c0: number;
  r1: number;
  c1: number;
}

/**
 * What eager and lazy engines share: the model's cell stores (templates), reference
 * resolution, and one run over a list of segments.
 */
class EngineCore {
  readonly spec: EngineSpec;
  readonly templates: Sheet[];
  readonly modules: (EngineModule | undefined)[];
  private readonly sheetIndex: Map<string, number>;
  // The set of formula cells of the loaded modules, built on first use (ISFORMULA).
  private formulaSet: Set<number> | null = null;

  /** Lazy engines: cells per sheet in the loaded modules (stores are sized to them). */
  private readonly loadedCells: number[] | null;

  constructor(spec: EngineSpec, moduleCount: number, lazy = false, deps?: string) {
    this.spec = spec;
    this.depsText = deps;
    // A lazy engine sizes a sheet's store to the cells loaded so far (sparse for a
    // narrow cone, dense once most of the sheet is there), so a narrow cone does not
    // allocate, and copy on every run, the whole model.
    this.templates = spec.sheets.map((s, i) => Sheet.create(s.name, i, s.rows, s.cols, lazy ? 0 : s.cells));
    this.loadedCells = lazy ? spec.sheets.map(() => 0) : null;
    this.modules = new Array<EngineModule | undefined>(moduleCount);
    this.sheetIndex = new Map(spec.sheets.map((s, i) => [sheetKey(s.name), i]));
    checkCalc(spec.calc);
    // One Book kept alive per engine: V8 collects a class's object layout when no
    // instance is alive, and a run's Book is garbage once the run returns. After a full
    // GC the next run then rebuilt the layout, and all compiled code reading the
    // context's book (every date function, ...) deoptimised: 2-4 times slower runs
    // after a gc() at 100k cells.
    this.bookAnchor = new Book(spec, this.templates, { now: undefined, random: undefined, functions: undefined }, this.formulaCells, this.demandIndex);
  }

  /** Keeps the Book layout alive between runs (see the constructor). */
  private readonly bookAnchor: Book;

  /** `modules/deps.js` of an eager engine: what each segment reads and writes. */
  private readonly depsText: string | undefined;
  /** Its index, decoded on the first run; null when runs cannot be incremental. */
  private deps: DepsIndex | null | undefined = undefined;
  /** The previous run, the base of the next incremental one. */
  private last: LastRun | null = null;

  /**
   * The index when this engine's runs can be incremental: an eager engine without data
   * tables (their runs fill the result afterwards) or dynamic arrays (a spill's extent
   * depends on what the previous one left).
   */
  private incrementalIndex(): DepsIndex | null {
    if (this.deps !== undefined) return this.deps;
    let index: DepsIndex | null = null;
    const text = this.depsText;
    if (text !== undefined && !this.spec.dataTables?.length) {
      index = DepsIndex.decode(text);
      if (index.segmentCount !== this.spec.order.length || index.hasSpills()) index = null;
    }
    if (index !== null && this.modules.some((m) => m?.late?.length)) {
      const sheets = new Set<number>();
      for (const m of this.modules) for (let i = 0; i + 5 < (m?.late?.length ?? 0); i += 6) sheets.add(m!.late![i]!);
      this.lateTail = { from: index.firstDynamic(), sheets };
    }
    this.deps = index;
    return index;
  }

  /**
   * With computed references: the first segment of those that every incremental run
   * recomputes, and the sheets holding the cells computed on demand (set once with the
   * index; null without computed references).
   */
  private lateTail: { from: number; sheets: Set<number> } | null = null;

  /**
   * The stores of an incremental run, and the segments to recompute: the previous run's
   * stores, copied where a changed input or a recomputed segment writes. Null when the
   * run must be full (no previous run, or an input released from a formula cell: the
   * formula's segment is not known from the inputs).
   */
  private incrementalPlan(pins: Map<number, Scalar>): { sheets: Sheet[]; steps: readonly number[]; cells: number } | null {
    const last = this.last;
    const index = this.incrementalIndex();
    if (last === null || index === null) return null;
    const changed: ChangedCell[] = [];
    for (const [id, v] of pins) {
      if (!last.pins.has(id) || !sameInput(last.pins.get(id)!, v)) changed.push(cellOf(id));
    }
    const released: ChangedCell[] = [];
    for (const id of last.pins.keys()) if (!pins.has(id)) released.push(cellOf(id));
    if (released.length !== 0) {
      const formulas = this.formulaCells();
      for (const c of released) if (formulas.has(cellId(c.sheet, c.row, c.col))) return null;
      changed.push(...released);
    }
    // With computed references, everything from the first of them on runs as in a full
    // run: its cells are computed on demand when a reference reaches them before the
    // order does, which needs them blank until then (demand.ts).
    const late = this.lateTail;
    const { steps, sheets: written, cells } = index.plan(changed, late?.from ?? index.segmentCount);
    for (const c of changed) written.add(c.sheet);
    // Cells computed on demand are reset below: their stores must be copies.
    if (late) for (const s of late.sheets) if (!written.has(s)) return null;
    const templates = this.templates;
    const sheets: Sheet[] = new Array(templates.length);
    for (let i = 0; i < templates.length; i++) sheets[i] = written.has(i) ? Sheet.cloneOf(last.sheets[i]!) : last.sheets[i]!;
    // A copied store has no pins: the inputs are pinned again, released ones get back
    // the model's value.
    for (const [id, v] of pins) {
      const c = cellOf(id);
      if (written.has(c.sheet)) sheets[c.sheet]!.pin(c.row, c.col, v);
    }
    for (const c of released) sheets[c.sheet]!.set(c.row, c.col, templates[c.sheet]!.get(c.row, c.col));
    if (late) {
      for (const m of this.modules) {
        const runs = m?.late;
        if (!runs) continue;
        for (let i = 0; i + 5 < runs.length; i += 6) {
          const sheet = runs[i]!;
          const row = runs[i + 1]!;
          const col = runs[i + 2]!;
          const count = runs[i + 3]!;
          const vertical = runs[i + 4] === 1;
          const store = sheets[sheet]!;
          const model = templates[sheet]!;
          for (let k = 0; k < count; k++) {
            const r = vertical ? row + k : row;
            const c = vertical ? col : col + k;
            store.set(r, c, model.get(r, c));
          }
        }
      }
    }
    return { sheets, steps, cells };
  }

  /** Formula cells of a full run, when the engine counts them. */
  private totalCells: number | null | undefined = undefined;
  private fullRunCells(): number | null {
    if (this.totalCells === undefined) this.totalCells = this.incrementalIndex()?.totalCells() ?? null;
    return this.totalCells;
  }

  /** Adds a module's constants to the model. */
  add(index: number, m: EngineModule): void {
    if (this.modules[index]) return;
    this.modules[index] = m;
    const sheet = this.spec.modules?.[index]?.[0];
    const k = m.constants;
    if (this.loadedCells && sheet !== undefined) {
      let cells = 0;
      for (let i = 0; i < k.length; i += 4 + (k[i + 3] as number)) cells += k[i + 3] as number;
      for (let i = 3; i < m.formulas.length; i += 5) cells += m.formulas[i]!; // run lengths
      const before = this.templates[sheet]!;
      this.loadedCells[sheet]! += cells;
      const dims = this.spec.sheets[sheet]!;
      if (!before.isDense && Sheet.denseFor(dims.rows, dims.cols, this.loadedCells[sheet]!)) {
        this.templates[sheet] = Sheet.resized(before, this.loadedCells[sheet]!);
      }
    }
    for (let i = 0; i < k.length; ) {
      const template = this.templates[k[i] as number]!;
      const row = k[i + 1] as number;
      const col = k[i + 2] as number;
      const count = k[i + 3] as number;
      i += 4;
      for (let j = 0; j < count; j++) template.set(row + j, col, decode(k[i + j]!));
      i += count;
    }
    this.formulaSet = null;
    if (m.late) this.demandSet = undefined;
  }

  // The cells computed references may read before the order reaches them (demand.ts),
  // indexed on first use; null when the loaded modules list none.
  private demandSet: DemandIndex | null | undefined = undefined;
  readonly demandIndex = (): DemandIndex | null => {
    if (this.demandSet === undefined) {
      const tables = this.modules.filter((m): m is EngineModule & { late: number[]; lateFns: CellFunction[] } => !!m?.late && !!m.lateFns);
      this.demandSet = DemandIndex.of(tables);
    }
    return this.demandSet;
  };

  readonly formulaCells = (): Set<number> => {
    if (this.formulaSet) return this.formulaSet;
    const set = new Set<number>();
    for (const m of this.modules) if (m) forEachFormulaCell(m, (s, r, c) => set.add(cellId(s, r, c)));
    this.formulaSet = set;
    return set;
  };

  readonly resolve = (ref: string): Area => {
    const spec = this.spec;
    const area = parseArea(ref);
    if (area) {
      if (area.sheet === null) {
        if (spec.sheets.length !== 1) throw new EngineError('E_UNKNOWN_REF', `"${ref}" needs a sheet name (for example "${spec.sheets[0]?.name}!${ref}")`);
        return { sheet: 0, r0: area.r0, c0: area.c0, r1: area.r1, c1: area.c1 };
      }
      const s = this.sheetIndex.get(sheetKey(area.sheet));
      if (s === undefined) {
        const hint = this.sheetHint(area.sheet, ref.slice(ref.lastIndexOf('!') + 1));
        throw new EngineError('E_UNKNOWN_REF', `unknown sheet "${area.sheet}" in "${ref}"${hint}; sheets are: ${spec.sheets.map((x) => x.name).join(', ')}`);
      }
      return { sheet: s, r0: area.r0, c0: area.c0, r1: area.r1, c1: area.c1 };
    }
    const u = ref.trim().toUpperCase();
    const n = spec.names.find((x) => x.name.toUpperCase() === u && x.scope === null) ?? spec.names.find((x) => x.name.toUpperCase() === u);
    if (n && n.area) {
      const [sheet, r0, c0, r1, c1] = n.area;
      return { sheet, r0, c0, r1, c1 };
    }
    // A sheet-scoped name written with its sheet: Sheet1!Rate.
    const bang = ref.lastIndexOf('!');
    if (bang > 0) {
      let sheetText = ref.slice(0, bang);
      if (sheetText.length >= 2 && sheetText.startsWith("'") && sheetText.endsWith("'")) sheetText = sheetText.slice(1, -1).replace(/''/g, "'");
      const s = this.sheetIndex.get(sheetKey(sheetText));
      const local = ref.slice(bang + 1).trim().toUpperCase();
      const scoped = s === undefined ? undefined : spec.names.find((x) => x.scope === s && x.name.toUpperCase() === local);
      if (scoped?.area) {
        const [sheet, r0, c0, r1, c1] = scoped.area;
        return { sheet, r0, c0, r1, c1 };
      }
      const hint = s === undefined ? this.sheetHint(sheetText, ref.slice(bang + 1)) : '';
      throw new EngineError('E_UNKNOWN_REF', `"${ref}" is not a cell reference (Sheet!A1 or Sheet!A1:B9) nor a defined name${hint}`);
    }
    if (n && !n.area) throw new EngineError('E_UNKNOWN_REF', `the defined name "${ref}" does not point at cells`);
    const names = spec.names.filter((x) => x.area).map((x) => x.name);
    throw new EngineError('E_UNKNOWN_REF', `unknown cell reference or name "${ref}"${didYouMean(ref, names)}`);
  };

  /** " (did you mean 'Sheet 1'!A1?)" for a sheet name close to an existing one, or "". */
  private sheetHint(sheet: string, rest: string): string {
    const near = suggest(sheet, this.spec.sheets.map((x) => x.name));
    return near === undefined ? '' : ` (did you mean ${quoteSheet(near)}!${rest}?)`;
  }

  sheetNamed(name: string): number {
    const s = this.sheetIndex.get(sheetKey(name));
    if (s === undefined) {
      const sheets = this.spec.sheets.map((x) => x.name);
      throw new EngineError('E_UNKNOWN_REF', `unknown sheet "${name}"${didYouMean(name, sheets)}; sheets are: ${sheets.join(', ')}`);
    }
    return s;
  }

  private slotsOf: { order: readonly (readonly [number, number])[]; slot: Int32Array; count: number } | null = null;

  /**
   * Per position in `order` (the engine's, or a lazy engine's loaded part), its slot among
   * the circular clusters (-1 for any other segment): a run keeps one outcome per cluster,
   * not one per segment. Computed once per order.
   */
  private clusterSlots(order: readonly (readonly [number, number])[]): { slot: Int32Array; count: number } {
    const known = this.slotsOf;
    if (known !== null && known.order === order) return known;
    const slot = new Int32Array(order.length);
    let count = 0;
    for (let k = 0; k < order.length; k++) {
      const [mi, si] = order[k]!;
      slot[k] = typeof this.modules[mi]?.segments[si] === 'function' ? -1 : count++;
    }
    this.slotsOf = { order, slot, count };
    return this.slotsOf;
  }

  /**
   * One run: the inputs pinned, the segments evaluated in order. A full run starts from
   * fresh stores of the model; an incremental one (`incremental`, and not `full`) from
   * the previous run's, evaluating only the segments the changed inputs reach.
   */
  run(inputs: Record<string, InputValue>, options: RunOptions, order: readonly (readonly [number, number])[], view: ResultView, incremental = false): Result {
    const t0 = performance.now();
    const spec = this.spec;
    const checked = checkRunOptions(options, spec.date1904);
    const entries = Object.entries(checkInputs(inputs));
    checkUserFunctions(spec, options);
    const pins = new Map<number, Scalar>();
    const changed: Area[] = [];
    for (const [ref, value] of entries) {
      const a = this.resolve(ref);
      if (spec.inputs && !spec.inputs.some((d) => within(a, d))) {
        const declared = spec.inputs.map((d) => d.ref);
        throw new EngineError('E_UNKNOWN_INPUT', `"${ref}" is not an input of this engine${didYouMean(ref, declared)}; its inputs are: ${declared.join(', ')}`);
      }
      const rows = a.r1 - a.r0 + 1;
      const cols = a.c1 - a.c0 + 1;
      checkRangeSize(rows, cols, ref, 'an input');
      const values = areaInput(value, ref, rows, cols, spec.date1904);
      for (let r = a.r0; r <= a.r1; r++) for (let c = a.c0; c <= a.c1; c++) pins.set(cellId(a.sheet, r, c), values.at(r - a.r0, c - a.c0));
      changed.push(a);
    }
    const templates = this.templates;
    const plan = incremental && !checked.full ? this.incrementalPlan(pins) : null;
    let sheets: Sheet[];
    if (plan !== null) sheets = plan.sheets;
    else {
      // A loop, not templates.map(): map()'s result array changes elements kind (holey or
      // packed) after a full GC, and every compiled function reading the sheets array then
      // deoptimises (2-3 times slower runs after a gc() on the 100k bench).
      sheets = new Array(templates.length);
      for (let i = 0; i < templates.length; i++) sheets[i] = Sheet.cloneOf(templates[i]!, true);
      for (const [id, v] of pins) {
        const c = cellOf(id);
        sheets[c.sheet]!.pin(c.row, c.col, v);
      }
    }
    const book = new Book(spec, sheets, checked, this.formulaCells, this.demandIndex);
    const last = this.last;
    if (plan !== null && last !== null) for (const [k, v] of last.spills) book.spills.set(k, v);
    const x: Ctx = { sheet: 0, row: 0, col: 0, array: false, book };
    const modules = this.modules;
    // An incremental run steps through the reached segments only.
    const steps = plan?.steps;
    const count = steps !== undefined ? steps.length : order.length;
    // Each cluster's last iteration, by its slot among the order's clusters: iterations * 2,
    // plus 1 when it did not converge (an incremental run keeps the others').
    const slots = this.clusterSlots(order);
    const outcomes = plan !== null && last !== null ? last.outcomes.slice() : new Int32Array(slots.count);
    for (let i = 0; i < count; i++) {
      const k = steps !== undefined ? steps[i]! : i;
      const [mi, si] = order[k]!;
      const seg = modules[mi]!.segments[si]!;
      if (typeof seg === 'function') seg(x);
      else {
        // A cluster iterates from the model's values, as in a full run.
        if (steps !== undefined) resetCells(seg.cells, sheets, templates);
        const outcome = iterateCluster(seg, x, spec);
        outcomes[slots.slot[k]!] = outcome.iterations * 2 + (outcome.converged ? 0 : 1);
      }
    }
    let converged = true;
    let iterations = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      if ((o & 1) === 1) converged = false;
      iterations = Math.max(iterations, o >>> 1);
    }
    this.last = incremental && this.incrementalIndex() !== null ? { sheets, pins, outcomes, spills: book.spills } : null;
    const stale = staleCells(spec, changed);
    const meta: RunMeta = { converged, iterations, elapsedMs: performance.now() - t0, stale, incremental: plan !== null, recomputed: plan !== null ? plan.cells : incremental ? this.fullRunCells() : null };
    return new Result(spec, sheets, meta, this.resolve, view);
  }
}

/** What an incremental run starts from. */
interface LastRun {
  sheets: Sheet[];
  /** The inputs, by cell id. */
  pins: Map<number, Scalar>;
  /** Each cluster's last iteration, by its slot among the order's clusters (see `run`). */
  outcomes: Int32Array;
  spills: Map<number, [number, number]>;
}

/** Puts the model's values back into cells (flat sheet, row, col). */
function resetCells(cells: readonly number[], sheets: Sheet[], templates: readonly Sheet[]): void {
  for (let i = 0; i < cells.length; i += 3) {
    const s = cells[i]!;
    sheets[s]!.set(cells[i + 1]!, cells[i + 2]!, templates[s]!.get(cells[i + 1]!, cells[i + 2]!));
  }
}

/** How a result lists and checks its cells (all of them, or a lazy engine's loaded part). */
interface ResultView {
  forEachFormulaCell(visit: (sheet: number, row: number, col: number) => void): void;
  /** Throws when the area is not computed by this engine's loaded part. */
  check(area: Area, ref: string): void;
}

/** A sheet name as a reference writes it: quoted unless it is a plain word. */
function quoteSheet(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

/** Builds an engine from its spec and generated modules. */
export function createEngine(spec: EngineSpec, modules: EngineModule[], deps?: string): Engine {
  const core = new EngineCore(spec, modules.length, false, deps);
  modules.forEach((m, i) => core.add(i, m));
  const view: ResultView = spec.outputs
    ? profileView(spec, spec.outputs)
    : {
        forEachFormulaCell: (visit) => {
          for (const m of modules) forEachFormulaCell(m, visit);
        },
        check: () => {},
      };
  return {
    // Data tables (data-tables.ts): recomputed after the run when the workbook has any.
    run: (inputs = {}, options = {}) => runWithDataTables(spec, (i) => core.run(i, options, spec.order, view, deps !== undefined), inputs),
    spec,
  };
}

/** An output profile's results: the declared outputs (and inputs) only. */
function profileView(spec: EngineSpec, outputs: DeclaredSpec[]): ResultView {
  return {
    forEachFormulaCell: (visit) => {
      for (const d of outputs) {
        const [s, r0, c0, r1, c1] = d.area;
        for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) visit(s, r, c);
      }
    },
    check: (a, ref) => {
      if (outputs.some((d) => within(a, d)) || spec.inputs?.some((d) => within(a, d))) return;
      throw new EngineError('E_NOT_OUTPUT', `"${ref}" is not an output of this engine; its outputs are: ${outputs.map((d) => d.ref).join(', ')}`);
    },
  };
}

function visitRuns(runs: ArrayLike<number>, visit: (sheet: number, row: number, col: number) => void): void {
  for (let i = 0; i < runs.length; i += 5) {
    const s = runs[i]!;
    const r = runs[i + 1]!;
    const c = runs[i + 2]!;
    const n = runs[i + 3]!;
    const vertical = runs[i + 4] === 1;
    for (let k = 0; k < n; k++) visit(s, vertical ? r + k : r, vertical ? c : c + k);
  }
}

/**
 * Builds a lazy engine: nothing is imported until `load()`. Loading walks the units'
 * dependencies from the requested cells (segments they read, modules holding the
 * constants they read; a unit with computed references — OFFSET, INDIRECT — needs
 * everything evaluated before it) and imports only those modules. `run()` evaluates
 * the loaded units, in the same order as the eager engine, so results are identical.
 */
export function createLazyEngine(
  spec: LazyEngineSpec,
  loaders: (() => Promise<EngineModule>)[],
  readIndex: () => Promise<Uint8Array>,
): LazyEngine {
  const core = new EngineCore(spec, loaders.length, true);
  const pending: (Promise<void> | undefined)[] = new Array(loaders.length);
  let index: LazyIndex | null = null;
  let indexLoad: Promise<LazyIndex> | undefined;
  /** The unit index, read once (retried by the next load() after a failure). */
  const loadIndex = (): Promise<LazyIndex> =>
    (indexLoad ??= readIndex().then(
      (bytes) => (index = new LazyIndex(bytes)),
      (e: unknown) => {
        indexLoad = undefined;
        throw new EngineError('E_LOAD', `cannot read the engine's index (index.bin): ${e instanceof Error ? e.message : String(e)}`);
      },
    ));
  /** The index, once a load() has read it (results and checks exist only after one). */
  const units = (): LazyIndex => {
    if (!index) throw new EngineError('E_NOT_LOADED', 'this is a lazy engine: call load({ cells }) or load({ sheets }) first');
    return index;
  };
  let active: Uint8Array | null = null;
  let activeCount = 0;
  let order: (readonly [number, number])[] = [];
  let loadedModules = 0;

  function importModule(i: number): Promise<void> {
    return (pending[i] ??= loaders[i]!().then(
      (m) => {
        if (!core.modules[i]) loadedModules++;
        core.add(i, m);
      },
      (e: unknown) => {
        pending[i] = undefined; // retried on the next load()
        throw new EngineError('E_LOAD', `cannot import engine module ${i}: ${e instanceof Error ? e.message : String(e)}`);
      },
    ));
  }

  function modulesOf(a: Area): number[] {
    const out: number[] = [];
    spec.modules.forEach(([s, r0, r1], i) => {
      if (s === a.sheet && r0 <= a.r1 && a.r0 < r1) out.push(i);
    });
    return out;
  }

  async function load(scope: LoadScope): Promise<void> {
    if (!scope || (!scope.sheets && !scope.cells)) throw new EngineError('E_INVALID_OPTION', 'load() needs { sheets } or { cells }');
    const idx = await loadIndex();
    const wanted: number[] = [];
    const modules = new Set<number>();
    for (const name of scope.sheets ?? []) {
      const s = core.sheetNamed(name);
      const onSheet: number[] = [];
      spec.modules.forEach(([ms], i) => ms === s && onSheet.push(i));
      for (const m of onSheet) modules.add(m);
      for (const u of idx.candidates(onSheet)) if (idx.onSheet(u, s)) wanted.push(u);
    }
    // Data tables need their formulas and headers (data-tables.ts): always loaded.
    for (const ref of [...(scope.cells ?? []), ...dataTableScope(spec)]) {
      const a = core.resolve(ref);
      const around = modulesOf(a);
      for (const m of around) modules.add(m);
      for (const u of idx.candidates(around)) if (idx.intersects(u, a)) wanted.push(u);
    }
    // The dependency cone.
    const seen = new Uint8Array(idx.count);
    const listSeen = new Uint8Array(idx.lists.length);
    const stack = wanted;
    let everythingBefore = -1;
    while (stack.length) {
      const u = stack.pop()!;
      if (seen[u]) continue;
      seen[u] = 1;
      modules.add(idx.module(u));
      for (const r of idx.reads(u)) modules.add(r);
      for (const l of idx.depLists(u)) {
        if (listSeen[l]) continue;
        listSeen[l] = 1;
        for (const d of idx.list(l)) if (!seen[d]) stack.push(d);
      }
      if (idx.dynamic(u)) everythingBefore = Math.max(everythingBefore, u);
    }
    if (everythingBefore >= 0) {
      // A computed reference may point anywhere: at anything evaluated before it, and at
      // cells evaluated after it, which it computes on demand (demand.ts) from their own
      // precedents: everything.
      for (let u = 0; u < idx.count; u++) seen[u] = 1;
      for (let i = 0; i < spec.modules.length; i++) modules.add(i);
    }
    await Promise.all([...modules].map(importModule));
    // Only once every import succeeded do the units join the run.
    active ??= new Uint8Array(idx.count);
    let grew = false;
    for (let u = 0; u < seen.length; u++) {
      if (seen[u] && !active[u]) {
        active[u] = 1;
        activeCount++;
        grew = true;
      }
    }
    if (grew) {
      order = [];
      for (let u = 0; u < active.length; u++) if (active[u]) order.push([idx.module(u), idx.segment(u)]);
    }
  }

  // The formula cells of a loaded module that no unit computes (backfilled cells and
  // the members of backfilled arrays: their values are the module's constants), per module.
  const uncovered = new Map<number, Set<number>>();
  function uncoveredCells(m: number): Set<number> {
    let set = uncovered.get(m);
    if (set) return set;
    const idx = units();
    const covered = new Set<number>();
    const add = (s: number, r: number, c: number) => covered.add(cellId(s, r, c));
    for (const u of idx.candidates([m])) visitRuns(idx.runs(u), add);
    set = new Set<number>();
    const own = set;
    forEachFormulaCell(core.modules[m]!, (s, r, c) => {
      const id = cellId(s, r, c);
      if (!covered.has(id)) own.add(id);
    });
    uncovered.set(m, set);
    return set;
  }
  // The cells of the active units (rebuilt when load() widens the cone).
  let activeCells: { order: unknown; cells: Set<number> } | null = null;
  function activeCellSet(): Set<number> {
    if (activeCells?.order === order) return activeCells.cells;
    const cells = new Set<number>();
    const idx = units();
    const add = (s: number, r: number, c: number) => cells.add(cellId(s, r, c));
    for (let u = 0; u < (active?.length ?? 0); u++) if (active![u]) visitRuns(idx.runs(u), add);
    activeCells = { order, cells };
    return cells;
  }
  const outputs = spec.outputs ? profileView(spec, spec.outputs) : null;
  const view: ResultView = {
    // As the eager engine lists them (module by module), the loaded part only: the cells
    // of active units, and the backfilled cells of loaded modules.
    forEachFormulaCell: (visit) => {
      if (outputs) return outputs.forEachFormulaCell(visit);
      if (!active) return;
      const everything = activeCount === active.length;
      const cells = everything ? null : activeCellSet();
      core.modules.forEach((m, i) => {
        if (!m) return;
        if (everything) return forEachFormulaCell(m, visit);
        const extra = uncoveredCells(i);
        forEachFormulaCell(m, (s, r, c) => {
          const id = cellId(s, r, c);
          if (cells!.has(id) || extra.has(id)) visit(s, r, c);
        });
      });
    },
    check: (a, ref) => {
      outputs?.check(a, ref);
      const idx = units();
      const around = modulesOf(a);
      let missing = around.some((m) => !core.modules[m]);
      if (!missing) for (const u of idx.candidates(around)) if (!active?.[u] && idx.intersects(u, a)) missing = true;
      if (missing) throw new EngineError('E_NOT_LOADED', `"${ref}" is outside what this lazy engine has loaded; load({ cells: ["${ref}"] }) first`);
    },
  };

  function run(inputs: Record<string, InputValue> = {}, options: RunOptions = {}): RunResult {
    if (loadedModules === 0 && activeCount === 0) {
      throw new EngineError('E_NOT_LOADED', 'this is a lazy engine: call load({ cells }) or load({ sheets }) (or runScoped) before run()');
    }
    return runWithDataTables(spec, (i) => core.run(i, options, order, view), inputs);
  }

  return {
    spec,
    load,
    run,
    async runScoped(inputs, options) {
      const { sheets, cells, ...runOptions } = options ?? {};
      await load({ sheets, cells });
      return run(inputs ?? {}, runOptions);
    },
    get loaded() {
      return { modules: loadedModules, units: activeCount };
    },
  };
}

/** See createEngine: a Book per live engine. */

/** Excel's range for Maximum Iterations (File > Options > Formulas). */
const MAX_ITERATIONS = 32767;

/**
 * Refuses iteration settings Excel cannot hold (the compiler clamps what it reads to
 * them): a count outside 1..32,767 would run a cluster for as long as it says (2^32-1
 * sweeps ran for 26 minutes), and a change limit must be a number of 0 or more.
 */
function checkCalc(calc: EngineSpec['calc']): void {
  const { count, delta } = calc;
  if (!Number.isInteger(count) || count < 1 || count > MAX_ITERATIONS || typeof delta !== 'number' || !Number.isFinite(delta) || delta < 0) {
    throw new EngineError('E_LOAD', `the engine's iteration settings are outside Excel's range (count ${String(count)}, delta ${String(delta)}; Excel allows 1 to ${MAX_ITERATIONS} iterations and a maximum change of 0 or more)`);
  }
}

/** Iterates a circular cluster like Excel: up to `count` sweeps, stop when the change is below `delta`. */
function iterateCluster(seg: ClusterSegment, x: Ctx, spec: EngineSpec): { converged: boolean; iterations: number } {
  const book = x.book as Book;
  book.iterating++;
  try {
    return iterate(seg, x, spec);
  } finally {
    book.iterating--;
  }
}

function iterate(seg: ClusterSegment, x: Ctx, spec: EngineSpec): { converged: boolean; iterations: number } {
  const cells = seg.cells;
  const sheets = x.book.sheets;
  if (!spec.calc.iterate) {
    // Without iterative calculation Excel leaves a real circular reference at 0 (and
    // warns). But many static cycles are not real: the self-reference sits in an
    // untaken branch (CHOOSE(2, B40, "x") in B40) or in a function that does not read
    // values (CELL("col", A8:C8) in B8). Two sweeps tell them apart: a cluster whose
    // values do not move from the first sweep to the second does not feed on itself.
    seg.step(x);
    const first = new Array<Scalar>(cells.length / 3);
    for (let i = 0; i < cells.length; i += 3) first[i / 3] = sheets[cells[i]!]!.get(cells[i + 1]!, cells[i + 2]!);
    seg.step(x);
    let stable = true;
    for (let i = 0; i < cells.length && stable; i += 3) stable = sheets[cells[i]!]!.get(cells[i + 1]!, cells[i + 2]!) === first[i / 3];
    if (stable) return { converged: true, iterations: 0 };
    for (let i = 0; i < cells.length; i += 3) sheets[cells[i]!]!.set(cells[i + 1]!, cells[i + 2]!, 0);
    return { converged: false, iterations: 0 };
  }
  // The values before each sweep: only the sweep writes the cluster's cells, so a sweep's
  // values are the next one's starting point (one read per cell and sweep).
  const prev = new Array<Scalar>(cells.length / 3);
  for (let i = 0; i < cells.length; i += 3) prev[i / 3] = sheets[cells[i]!]!.get(cells[i + 1]!, cells[i + 2]!);
  for (let it = 1; it <= spec.calc.count; it++) {
    seg.step(x);
    let maxChange = 0;
    for (let i = 0, j = 0; i < cells.length; i += 3, j++) {
      const v = sheets[cells[i]!]!.get(cells[i + 1]!, cells[i + 2]!);
      const p = prev[j];
      if (typeof v === 'number' && typeof p === 'number') maxChange = Math.max(maxChange, Math.abs(v - p));
      else if (v !== p) maxChange = Infinity;
      prev[j] = v;
    }
    if (maxChange < spec.calc.delta) return { converged: true, iterations: it };
  }
  return { converged: false, iterations: spec.calc.count };
}

function overlaps(a: Area, b: [number, number, number, number, number]): boolean {
  return a.sheet === b[0] && a.r0 <= b[3] && b[1] <= a.r1 && a.c0 <= b[4] && b[2] <= a.c1;
}

function staleCells(spec: EngineSpec, changed: Area[]): string[] {
  if (!changed.length) return [];
  const out: string[] = [];
  for (const b of spec.backfilled) {
    const hit = b.cone === null || b.cone.some((area) => changed.some((c) => overlaps(c, area)));
    if (hit) out.push(cellKey(spec.sheets[b.sheet]!.name, b.row, b.col));
  }
  return out;
}

/** Visits the formula cells of a module (decoding its runs). */
export function forEachFormulaCell(m: EngineModule, visit: (sheet: number, row: number, col: number) => void): void {
  visitRuns(m.formulas, visit);
}

function toJsonValue(v: Scalar): JsonValue {
  return v instanceof ExcelError ? { error: v.code } : v;
}

class Result implements RunResult {
  readonly meta: RunMeta;
  private readonly spec: EngineSpec;
  private readonly sheets: Sheet[];
  private readonly resolve: (ref: string) => Area;
  private readonly view: ResultView;
  constructor(spec: EngineSpec, sheets: Sheet[], meta: RunMeta, resolve: (ref: string) => Area, view: ResultView) {
    this.spec = spec;
    this.sheets = sheets;
    this.meta = meta;
    this.resolve = resolve;
    this.view = view;
  }
  /**
   * A cell's value by position, errors as `{ e: code }` (not part of the public API): the
   * build's verification reads every formula cell this way (engine-run.ts), with no
   * address to parse and no copy of the model's values.
   */
  valueAt(sheet: number, row: number, col: number): EncodedScalar {
    const v = this.sheets[sheet]?.get(row, col) ?? null;
    return v instanceof ExcelError ? { e: v.code } : v;
  }
  /** Data tables (data-tables.ts): a computed table cell written into the result (a cell an input pins keeps the input). */
  fill(sheet: number, row: number, col: number, v: Scalar): void {
    this.sheets[sheet]!.set(row, col, v);
  }
  get(ref: string): CellValue | CellValue[][];
  get(ref: string, options: { as: 'date' }): CellValue | Date | (CellValue | Date)[][];
  get(ref: string, options?: GetOptions): CellValue | Date | (CellValue | Date)[][];
  get(ref: string, options?: GetOptions): CellValue | Date | (CellValue | Date)[][] {
    const as = getAs(options);
    const date1904 = this.spec.date1904;
    const convert = as === 'date' ? (v: Scalar): CellValue | Date => (typeof v === 'number' ? serialToDate(v, date1904) : v) : (v: Scalar) => v;
    return this.read(ref, 'get()', (s, r, c) => convert(this.sheets[s]!.get(r, c)));
  }
  text(ref: string): string | string[][] {
    const formats = numFmtIndex(this.spec);
    const date1904 = this.spec.date1904;
    return this.read(ref, 'text()', (s, r, c) => displayText(this.sheets[s]!.get(r, c), formats.at(s, r, c), date1904));
  }
  /** A cell's value, or a 2-D array for a range (bounded), through `cell`. */
  private read<T>(ref: string, what: string, cell: (s: number, r: number, c: number) => T): T | T[][] {
    const a = this.resolve(ref);
    this.view.check(a, ref);
    if (a.r0 === a.r1 && a.c0 === a.c1) return cell(a.sheet, a.r0, a.c0);
    checkRangeSize(a.r1 - a.r0 + 1, a.c1 - a.c0 + 1, ref, what);
    const out: T[][] = [];
    for (let r = a.r0; r <= a.r1; r++) {
      const row: T[] = [];
      for (let c = a.c0; c <= a.c1; c++) row.push(cell(a.sheet, r, c));
      out.push(row);
    }
    return out;
  }
  /**
   * Every formula cell's value, per sheet as flat `[row, col, value, ...]` (errors as
   * `{ e: code }`): how `compile()` folds cells that no declared input reaches.
   */
  formulaValues(): { sheets: EncodedScalar[][] } {
    const sheets: EncodedScalar[][] = this.sheets.map(() => []);
    this.view.forEachFormulaCell((s, r, c) => {
      const v = this.sheets[s]!.get(r, c);
      sheets[s]!.push(r, c, v instanceof ExcelError ? { e: v.code } : v);
    });
    return { sheets };
  }
  toJSON(options?: ToJsonOptions): Record<string, JsonValue> {
    // JSON.stringify calls toJSON(key) with a string: that is no options object.
    const formatted = typeof options === 'object' && options !== null && options.formatted === true;
    const out: Record<string, JsonValue> = {};
    const formats = formatted ? numFmtIndex(this.spec) : null;
    const date1904 = this.spec.date1904;
    this.view.forEachFormulaCell((s, r, c) => {
      const v = this.sheets[s]!.get(r, c);
      out[cellKey(this.spec.sheets[s]!.name, r, c)] = formats ? displayText(v, formats.at(s, r, c), date1904) : toJsonValue(v);
    });
    return out;
  }
}

function getAs(options: GetOptions | undefined): 'value' | 'date' {
  if (options === undefined || options === null) return 'value';
  if (typeof options !== 'object') throw new EngineError('E_INVALID_OPTION', `get() options must be an object ({ as: 'date' }), got ${typeof options}`);
  const as = options.as ?? 'value';
  if (as !== 'value' && as !== 'date') throw new EngineError('E_INVALID_OPTION', `get() option "as" must be 'value' or 'date', got ${JSON.stringify(as) ?? String(as)}`);
  return as;
}

/** The number format of a cell (undefined: General), from the spec's `numFmts`. */
interface NumFmtIndex {
  at(sheet: number, row: number, col: number): string | undefined;
}

const numFmtIndexes = new WeakMap<EngineSpec, NumFmtIndex>();

/**
 * Indexes the spec's format rectangles by sheet and row (built once per spec, on the
 * first `text()`): per row, flat `[c0, c1, code, ...]`.
 */
function numFmtIndex(spec: EngineSpec): NumFmtIndex {
  let index = numFmtIndexes.get(spec);
  if (index) return index;
  const codes = spec.numFmts?.codes ?? [];
  const areas = spec.numFmts?.areas ?? [];
  const rows = new Map<number, number[]>();
  for (let i = 0; i + 5 < areas.length; i += 6) {
    const [s, r0, c0, r1, c1, k] = [areas[i]!, areas[i + 1]!, areas[i + 2]!, areas[i + 3]!, areas[i + 4]!, areas[i + 5]!];
    for (let r = r0; r <= r1; r++) {
      const key = s * 1048576 + r;
      let list = rows.get(key);
      if (!list) rows.set(key, (list = []));
      list.push(c0, c1, k);
    }
  }
  index = {
    at(sheet, row, col) {
      const list = rows.get(sheet * 1048576 + row);
      if (!list) return undefined;
      for (let i = 0; i < list.length; i += 3) if (col >= list[i]! && col <= list[i + 1]!) return codes[list[i + 2]!];
      return undefined;
    },
  };
  numFmtIndexes.set(spec, index);
  return index;
}
