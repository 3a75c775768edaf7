/**
 * The engine at run time: builds the model's cell stores once, and for each `run()`
 * clones them, applies the inputs, evaluates the generated segments in dependency
 * order and returns a `RunResult`.
 */
import { cellKey, parseArea } from './address.js';
import { scalar } from './coerce.js';
import { Sheet } from './store.js';
import { ERR, ExcelError, Matrix, Ref, cellId, errorFromCode, type BookView, type Ctx, type Scalar, type Value } from './values.js';

/** A value in the engine's JSON encodings: errors as `{ e: "#N/A" }`. */
export type EncodedScalar = number | string | boolean | null | { e: string };

export interface SheetSpec {
  name: string;
  rows: number;
  cols: number;
  cells: number;
}

export interface NameSpec {
  name: string;
  /** Sheet index for sheet-scoped names, null for workbook scope. */
  scope: number | null;
  /** The target area when the name points at cells: [sheet, r0, c0, r1, c1]. */
  area: [number, number, number, number, number] | null;
}

export interface BackfillSpec {
  sheet: number;
  row: number;
  col: number;
  reason: string;
  /** Input areas in the cell's dependency cone; null when unknown (any input makes it stale). */
  cone: [number, number, number, number, number][] | null;
}

export interface EngineSpec {
  version: 1;
  sheets: SheetSpec[];
  date1904: boolean;
  calc: { iterate: boolean; count: number; delta: number };
  names: NameSpec[];
  /** Segments in evaluation order: [module, segment]. */
  order: [number, number][];
  backfilled: BackfillSpec[];
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
  /** Flat [sheet, row, col, value, ...] of constant cells. */
  constants: EncodedScalar[];
  /**
   * Formula cells (array-formula ranges included) as runs: flat
   * [sheet, row, col, count, vertical, ...]; a run goes along the row, or down the
   * column when `vertical` is 1.
   */
  formulas: number[];
  segments: Segment[];
}

export type CellValue = Scalar;
export type InputValue = number | string | boolean | null | ExcelError | Date | InputValue[][];

export interface RunOptions {
  /** The clock for NOW/TODAY, as a Date or an Excel serial number. */
  now?: Date | number;
  /** The random source for RAND/RANDBETWEEN/RANDARRAY. */
  random?: () => number;
}

export interface RunMeta {
  converged: boolean;
  iterations: number;
  elapsedMs: number;
  /** Backfilled cells (as `Sheet!A1`) in the dependency cone of a changed input. */
  stale: string[];
}

export type JsonValue = number | string | boolean | null | { error: string };

export interface RunResult {
  get(ref: string): CellValue | CellValue[][];
  toJSON(): Record<string, JsonValue>;
  readonly meta: RunMeta;
}

export function decode(v: EncodedScalar): Scalar {
  if (v !== null && typeof v === 'object') return errorFromCode(v.e) ?? ERR.VALUE;
  return v;
}

/** Converts a JS Date to an Excel serial (1900 system unless date1904). */
export function dateToSerialValue(d: Date, date1904: boolean): number {
  const ms = d.getTime() - d.getTimezoneOffset() * 60000;
  const serial = ms / 86400000 + 25569;
  return date1904 ? serial - 1462 : serial;
}

function toScalarInput(v: InputValue, date1904: boolean): Scalar {
  if (v instanceof Date) return dateToSerialValue(v, date1904);
  if (Array.isArray(v)) throw new TypeError('an array input needs a range reference');
  if (v === undefined) return null;
  return v;
}

export class EngineError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
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

/** Writes an array formula's result over its range (legacy CSE broadcasting rules). */
export function spill(x: Ctx, sheet: number, r0: number, c0: number, r1: number, c1: number, v: Value): void {
  const store = x.book.sheets[sheet]!;
  x.book.spills?.set(cellId(sheet, r0, c0), [r1, c1]);
  let m: Matrix;
  if (v instanceof Matrix) m = v;
  else if (v instanceof Ref) m = v.toMatrix();
  else m = new Matrix(1, 1, [fin(v, x)]);
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
  readonly spills = new Map<number, [number, number]>();
  private readonly formulaCells: () => Set<number>;
  readonly date1904: boolean;
  private readonly clock: () => number;
  readonly random: () => number;
  private readonly spec: EngineSpec;
  constructor(spec: EngineSpec, sheets: Sheet[], opts: RunOptions, formulaCells: () => Set<number>) {
    this.formulaCells = formulaCells;
    this.spec = spec;
    this.sheets = sheets;
    this.date1904 = spec.date1904;
    const now = opts.now;
    if (now === undefined) this.clock = () => dateToSerialValue(new Date(), spec.date1904);
    else {
      const serial = now instanceof Date ? dateToSerialValue(now, spec.date1904) : now;
      this.clock = () => serial;
    }
    this.random = opts.random ?? Math.random;
  }
  now(): number {
    return this.clock();
  }
  isFormula(sheet: number, row: number, col: number): boolean {
    return this.formulaCells().has(cellId(sheet, row, col));
  }
  sheetByName(name: string): Sheet | undefined {
    const u = name.toUpperCase();
    return this.sheets.find((s) => s.name.toUpperCase() === u);
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

export interface Engine {
  run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;
  readonly spec: EngineSpec;
}

/** Builds an engine from its spec and generated modules. */
export function createEngine(spec: EngineSpec, modules: EngineModule[]): Engine {
  const templates = spec.sheets.map((s, i) => Sheet.create(s.name, i, s.rows, s.cols, s.cells));
  for (const m of modules) {
    const k = m.constants;
    for (let i = 0; i < k.length; i += 4) {
      templates[k[i] as number]!.set(k[i + 1] as number, k[i + 2] as number, decode(k[i + 3]!));
    }
  }
  const sheetIndex = new Map(spec.sheets.map((s, i) => [s.name.toUpperCase(), i]));
  // The set of formula cells, built on first use (ISFORMULA) and kept for later runs.
  let formulaSet: Set<number> | null = null;
  const formulaCells = (): Set<number> => {
    if (formulaSet) return formulaSet;
    formulaSet = new Set();
    const set = new Set<number>();
    for (const m of modules) forEachFormulaCell(m, (s, r, c) => set.add(cellId(s, r, c)));
    formulaSet = set;
    return set;
  };

  function resolve(ref: string): { sheet: number; r0: number; c0: number; r1: number; c1: number } {
    const area = parseArea(ref);
    if (area) {
      if (area.sheet === null) {
        if (spec.sheets.length !== 1) throw new EngineError('E_UNKNOWN_REF', `"${ref}" needs a sheet name (for example "${spec.sheets[0]?.name}!${ref}")`);
        return { sheet: 0, r0: area.r0, c0: area.c0, r1: area.r1, c1: area.c1 };
      }
      const s = sheetIndex.get(area.sheet.toUpperCase());
      if (s === undefined) {
        throw new EngineError('E_UNKNOWN_REF', `unknown sheet in "${ref}"; sheets are: ${spec.sheets.map((x) => x.name).join(', ')}`);
      }
      return { sheet: s, r0: area.r0, c0: area.c0, r1: area.r1, c1: area.c1 };
    }
    const u = ref.toUpperCase();
    const n = spec.names.find((x) => x.name.toUpperCase() === u && x.scope === null) ?? spec.names.find((x) => x.name.toUpperCase() === u);
    if (n && n.area) {
      const [sheet, r0, c0, r1, c1] = n.area;
      return { sheet, r0, c0, r1, c1 };
    }
    throw new EngineError('E_UNKNOWN_REF', `unknown cell reference or name "${ref}"`);
  }

  function run(inputs: Record<string, InputValue> = {}, options: RunOptions = {}): RunResult {
    const t0 = performance.now();
    // A loop, not templates.map(): map()'s result array changes elements kind (holey or
    // packed) after a full GC, and every compiled function reading the sheets array then
    // deoptimises (2-3 times slower runs after a gc() on the 100k bench).
    const sheets: Sheet[] = new Array(templates.length);
    for (let i = 0; i < templates.length; i++) sheets[i] = Sheet.cloneOf(templates[i]!);
    const book = new Book(spec, sheets, options, formulaCells);
    const changed: { sheet: number; r0: number; c0: number; r1: number; c1: number }[] = [];
    for (const [ref, value] of Object.entries(inputs)) {
      const a = resolve(ref);
      const store = sheets[a.sheet]!;
      if (Array.isArray(value)) {
        for (let r = a.r0; r <= a.r1; r++) {
          const row = value[r - a.r0];
          for (let c = a.c0; c <= a.c1; c++) {
            const v = Array.isArray(row) ? row[c - a.c0] : undefined;
            store.pin(r, c, v === undefined ? null : toScalarInput(v as InputValue, spec.date1904));
          }
        }
      } else {
        const v = toScalarInput(value, spec.date1904);
        for (let r = a.r0; r <= a.r1; r++) for (let c = a.c0; c <= a.c1; c++) store.pin(r, c, v);
      }
      changed.push(a);
    }
    const x: Ctx = { sheet: 0, row: 0, col: 0, array: false, book };
    let converged = true;
    let iterations = 0;
    for (const [mi, si] of spec.order) {
      const seg = modules[mi]!.segments[si]!;
      if (typeof seg === 'function') seg(x);
      else {
        const r = iterateCluster(seg, x, spec);
        converged &&= r.converged;
        iterations = Math.max(iterations, r.iterations);
      }
    }
    const stale = staleCells(spec, changed);
    const meta: RunMeta = { converged, iterations, elapsedMs: performance.now() - t0, stale };
    return new Result(spec, sheets, modules, meta, resolve);
  }

  const engine: Engine = { run, spec };
  // One Book kept alive per engine: V8 collects a class's object layout when no instance
  // is alive, and a run's Book is garbage once the run returns. After a full GC the next
  // run then rebuilt the layout, and all compiled code reading the context's book (every
  // date function, ...) deoptimised: 2-4 times slower runs after a gc() at 100k cells.
  bookAnchors.set(engine, new Book(spec, templates, {}, formulaCells));
  return engine;
}

/** See createEngine: a Book per live engine. */
const bookAnchors = new WeakMap<Engine, Book>();

/** Iterates a circular cluster like Excel: up to `count` sweeps, stop when the change is below `delta`. */
function iterateCluster(seg: ClusterSegment, x: Ctx, spec: EngineSpec): { converged: boolean; iterations: number } {
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
  const prev = new Array<Scalar>(cells.length / 3);
  for (let it = 1; it <= spec.calc.count; it++) {
    for (let i = 0; i < cells.length; i += 3) prev[i / 3] = sheets[cells[i]!]!.get(cells[i + 1]!, cells[i + 2]!);
    seg.step(x);
    let maxChange = 0;
    for (let i = 0; i < cells.length; i += 3) {
      const v = sheets[cells[i]!]!.get(cells[i + 1]!, cells[i + 2]!);
      const p = prev[i / 3];
      if (typeof v === 'number' && typeof p === 'number') maxChange = Math.max(maxChange, Math.abs(v - p));
      else if (v !== p) maxChange = Infinity;
    }
    if (maxChange < spec.calc.delta) return { converged: true, iterations: it };
  }
  return { converged: false, iterations: spec.calc.count };
}

function overlaps(a: { sheet: number; r0: number; c0: number; r1: number; c1: number }, b: [number, number, number, number, number]): boolean {
  return a.sheet === b[0] && a.r0 <= b[3] && b[1] <= a.r1 && a.c0 <= b[4] && b[2] <= a.c1;
}

function staleCells(spec: EngineSpec, changed: { sheet: number; r0: number; c0: number; r1: number; c1: number }[]): string[] {
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
  const f = m.formulas;
  for (let i = 0; i < f.length; i += 5) {
    const s = f[i]!;
    const r = f[i + 1]!;
    const c = f[i + 2]!;
    const n = f[i + 3]!;
    const vertical = f[i + 4] === 1;
    for (let k = 0; k < n; k++) visit(s, vertical ? r + k : r, vertical ? c : c + k);
  }
}

function toJsonValue(v: Scalar): JsonValue {
  return v instanceof ExcelError ? { error: v.code } : v;
}

class Result implements RunResult {
  readonly meta: RunMeta;
  private readonly spec: EngineSpec;
  private readonly sheets: Sheet[];
  private readonly modules: EngineModule[];
  private readonly resolve: (ref: string) => { sheet: number; r0: number; c0: number; r1: number; c1: number };
  constructor(spec: EngineSpec, sheets: Sheet[], modules: EngineModule[], meta: RunMeta, resolve: Result['resolve']) {
    this.spec = spec;
    this.sheets = sheets;
    this.modules = modules;
    this.meta = meta;
    this.resolve = resolve;
  }
  get(ref: string): CellValue | CellValue[][] {
    const a = this.resolve(ref);
    const s = this.sheets[a.sheet]!;
    if (a.r0 === a.r1 && a.c0 === a.c1) return s.get(a.r0, a.c0);
    const out: CellValue[][] = [];
    for (let r = a.r0; r <= a.r1; r++) {
      const row: CellValue[] = [];
      for (let c = a.c0; c <= a.c1; c++) row.push(s.get(r, c));
      out.push(row);
    }
    return out;
  }
  toJSON(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const m of this.modules) {
      forEachFormulaCell(m, (s, r, c) => {
        out[cellKey(this.spec.sheets[s]!.name, r, c)] = toJsonValue(this.sheets[s]!.get(r, c));
      });
    }
    return out;
  }
}
