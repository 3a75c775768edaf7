/** Public types of sheetc's API. */
import type { InputValue, JsonValue, RunOptions } from './runtime/engine.js';
import type { UserFunction } from './runtime/udf.js';

/**
 * `fold`: an output profile's first pass (the full model built and run once to fold what
 * no input reaches), reported as one phase; then the profile's own read…emit.
 */
export type BuildPhase = 'fold' | 'read' | 'parse' | 'graph' | 'emit';

export interface ProgressEvent {
  phase: BuildPhase;
  done: number;
  total: number;
}

export interface CompileOptions {
  /** Directory to write the engine to (created; replaced only if it holds an earlier engine). */
  outDir: string;
  /** Fail instead of backfilling cells that cannot be compiled. */
  strict?: boolean;
  /** Cancels the build; the output directory is left untouched. */
  signal?: AbortSignal;
  /** Called as the build moves through its phases. */
  onProgress?: (event: ProgressEvent) => void;
  /** Limit on the workbook's uncompressed size in MB (default 4096). */
  maxUncompressedMb?: number;
  /** Limit on the number of cells (default 50,000,000). */
  maxCells?: number;
  /** Emit a lazy engine: `load({ cells })` imports only the modules in the cells' dependency cone. */
  lazy?: boolean;
  /** Split sheets into modules (row bands) of about this many MB (never inside a circular cluster). */
  maxModuleMb?: number;
  /**
   * Output profile: the engine's inputs (`Sheet!A1`, ranges, defined names). Cells that
   * no input reaches are folded to constants (computed at build time); any other input
   * is refused at run time. Default: every constant cell is an input (no folding).
   */
  inputs?: string[];
  /** Output profile: the engine's outputs; cells outside their dependency cone are dropped. Default: every cell. */
  outputs?: string[];
  /**
   * Implementations of the workbook's user-defined functions (VBA macros such as
   * `=MyUdf(A1)` in an .xlsm, add-in functions), by the name the formulas call
   * (case-insensitive). Calls to them are compiled instead of backfilled; the engine
   * needs the same functions when it runs: `loadEngine(dir, { functions })` or
   * `run(inputs, { functions })`. A name sheetc implements cannot be replaced.
   */
  functions?: Record<string, UserFunction>;
  /**
   * Run the engine once after the build and compare every formula cell with the value
   * Excel stored (default true; the report's `verification`). NOW and TODAY run at the
   * time the file was last saved.
   */
  verify?: boolean;
  /**
   * Also write an HTML report of the workbook and its engine to this file: one
   * self-contained page (sheet graph, heat maps, backfilled cells, differences from
   * Excel's stored values, functions, shapes, clusters, a profile's cones). The engine is
   * run once to compare it with the values Excel stored.
   */
  report?: string;
}

/** A formula cell whose engine value differs from the value Excel stored. */
export interface VerifyMismatch {
  /** `Sheet!A1`. */
  cell: string;
  /** The formula as Excel shows it; empty inside an array formula's range. */
  formula: string;
  expected: JsonValue;
  actual: JsonValue;
}

/** `verify()`: the engine against the values Excel stored in the file. */
export interface VerifyReport {
  /** Formula cells compared (with a stored value, not backfilled). */
  total: number;
  matched: number;
  /** Formula cells the file stores no value for (not comparable). */
  withoutStoredValue: number;
  /** Backfilled cells (they hold the stored value; not compared). */
  backfilled: number;
  /** The clock NOW and TODAY ran with (ISO 8601), null when the file says nothing and no `now` was given. */
  now: string | null;
  /** The first differences (up to `maxMismatches`, default 100). */
  mismatches: VerifyMismatch[];
  /** The build's report (without `outDir`: the engine was built in a temporary directory, deleted when done). */
  build: Omit<BuildReport, 'outDir'>;
}

/**
 * The build report and its parts: generated from the Rust types that produce them
 * (`crates/sheetc-core/src/report.rs` → `ts/generated/report.ts`), so they cannot drift.
 */
export type {
  BuildReport,
  DeclaredReport as DeclaredCell,
  BackfillReport as BackfilledCell,
  SheetReport,
  Timings as BuildTimings,
  BuildWarning,
  BuildWarningCode,
  UnknownFunctionReport as UnknownFunction,
  VerificationReport,
  VerificationDifference,
} from './generated/report.js';
import type { BuildReport } from './generated/report.js';

export type {
  CellValue,
  InputValue,
  RunOptions,
  RunResult,
  RunMeta,
  JsonValue,
  LoadScope,
  GetOptions,
  ToJsonOptions,
} from './runtime/engine.js';
export type { ErrorCode } from './runtime/values.js';
export type { UserFunction, UserFunctionArgument, UserFunctionValue } from './runtime/udf.js';

// ---------------------------------------------------------------- what-if analysis (ts/whatif/)

/** The labels of a cell. */
export interface CellLabels {
  /** The nearest text to its left in its row. */
  row?: string;
  /** The nearest text above it in its column. */
  column?: string;
  /** Its Excel table column's header. */
  header?: string;
}

export interface FoundCell {
  ref: string;
  labels: CellLabels;
  /** 0–1: how well the labels match (see labels.ts). */
  score: number;
  /** A formula cell, or a constant (an input). */
  kind: 'formula' | 'input';
  /** The formula as written, for a formula cell. */
  formula?: string;
  value?: JsonValue;
  /** Why there is no value (not an output of this engine). */
  note?: string;
}

export interface FindResult {
  query: string;
  /** Cells that match, of which `cells` are the best `limit`. */
  total: number;
  cells: FoundCell[];
}

export interface FindOptions {
  /** At most this many cells (default 20). */
  limit?: number;
  /** Inputs of the run the values come from. */
  inputs?: Record<string, InputValue>;
  runOptions?: RunOptions;
}

export type ExplainKind = 'formula' | 'array-member' | 'data-table' | 'backfilled' | 'constant' | 'empty';

export interface Precedent {
  /** `Sheet!A1` or `Sheet!A1:B9`. */
  ref: string;
  /** Cells in the reference. */
  cells: number;
  /** Labels of the reference's first cell. */
  labels: CellLabels;
  /** A single cell's value (absent when the engine does not serve it). */
  value?: JsonValue;
  /** A range's first values (up to 5, row by row). */
  values?: JsonValue[];
  /** With `depth` > 1: the precedent explained in turn (formula cells only). */
  explanation?: Explanation;
}

export interface Explanation {
  ref: string;
  kind: ExplainKind;
  /** The formula as written in the cell (`=` included; `{=TABLE(…)}` for a data table cell). */
  formula?: string;
  labels: CellLabels;
  value?: JsonValue;
  /** Why there is no value, or what else to know (not an output of this engine, ...). */
  note?: string;
  precedents: Precedent[];
  /** The formula builds references at run time (OFFSET, INDIRECT): it may read more than its precedents. */
  dynamicReferences?: boolean;
  /** Formula cells that read this cell directly. */
  dependents: { count: number; ranges: string[] };
  /** The circular cluster the cell belongs to (its index in the manifest's `clusters`). */
  circular?: { cluster: number; cells: number };
  backfilled?: { code: string; reason: string };
  /** An array formula's member: the range and its anchor. */
  array?: { range: string; anchor: string };
  /** A data table cell: the table's input cells. */
  dataTable?: { rowInput?: string; colInput?: string };
}

export interface ExplainOptions {
  /** Levels of precedents to explain (1: the cell and its precedents; default 1). */
  depth?: number;
  /** Inputs of the run the values come from (default: the model as built). */
  inputs?: Record<string, InputValue>;
  runOptions?: RunOptions;
  /** Cells explained at most across the tree (default 200). */
  maxCells?: number;
}

export interface GoalSeekOptions {
  /** The formula cell to bring to `to` (Excel's "Set cell"). */
  set: string;
  /** The value it should take ("To value"). */
  to: number;
  /** The input cell to change ("By changing cell"). */
  changing: string;
  /** Other inputs, held while seeking (default: none). */
  inputs?: Record<string, InputValue>;
  /** Success: |set − to| at most this (default 1e-9 × max(1, |to|)). */
  tolerance?: number;
  /** Where to start (default: the changing cell's value in the model, 0 when blank). */
  start?: number;
  /** The first step of the bracket search (default 1% of |start|, or 0.01 for 0). */
  step?: number;
  /** Engine runs at most (default 200). */
  maxRuns?: number;
  runOptions?: RunOptions;
}

export interface GoalSeekResult {
  set: string;
  to: number;
  changing: string;
  /** The value found for the changing cell. */
  value: number;
  /** The set cell's value there. */
  achieved: number;
  /** Engine runs used. */
  runs: number;
}

/** An input and the values it takes. */
export interface Vary {
  ref: string;
  values: number[];
}

export interface SensitivityOptions {
  /** One input (a column of results) or two (a grid: the first down, the second across). */
  vary: Vary[];
  outputs: string[];
  /** Inputs held at these values throughout (default: the model's). */
  inputs?: Record<string, InputValue>;
  /** Pool workers (default: the pool's default). */
  threads?: number;
  /** Use the scenario pool: true, false, or (default) for grids above 16 points on an eager engine. */
  pool?: boolean;
  /** Options of inline runs (the pool runs with the real clock). */
  runOptions?: RunOptions;
}

export interface SensitivityResult {
  vary: Vary[];
  outputs: string[];
  /** Per output: a matrix, rows = the first input's values, columns = the second's (one column for one input). */
  grids: { output: string; values: JsonValue[][] }[];
  runs: number;
  /** Whether the scenario pool computed it. */
  pooled: boolean;
  elapsedMs: number;
}

export interface TornadoOptions {
  /** The inputs to move, one at a time. */
  inputs: string[];
  outputs: string[];
  /** The move, as a fraction of each input's value (default 0.1: ±10%). An input at 0 moves by ±change itself. */
  change?: number;
  /** Inputs held at these values throughout (default: the model's). */
  base?: Record<string, InputValue>;
  runOptions?: RunOptions;
}

export interface TornadoBar {
  input: string;
  /** The input's value in the base case, and the two it was moved to. */
  base: number;
  low: number;
  high: number;
  /** The output with the input at `low` and at `high`. */
  outputLow: JsonValue;
  outputHigh: JsonValue;
  /** |outputHigh − outputLow| (0 when either is not a number). */
  swing: number;
}

export interface TornadoResult {
  change: number;
  /** Per output: its base value and a bar per input, widest swing first. */
  outputs: { output: string; base: JsonValue; bars: TornadoBar[] }[];
  runs: number;
  elapsedMs: number;
}

/** `sensitivityHtml()` / `sensitivityPage()`: the HTML page of a grid or a tornado. */
export interface SensitivityPageOptions {
  /** The page's heading (default: "sheetc sensitivity"). */
  title?: string;
  /** The engine the numbers come from, shown under the title. */
  engine?: string;
  /** The label a reader sees beside a cell (the what-if model's labels), shown under its reference. */
  labelOf?: (ref: string) => string | undefined;
}

/** A scenario's inputs as stored: JSON values (an Excel error as `{ "error": "#N/A" }`). */
export type ScenarioInputs = Record<string, JsonValue>;

/** The scenarios file: `{ "version": 1, "scenarios": { "Base": { "Inputs!B3": 0.05 }, ... } }`. */
export interface ScenarioFile {
  version: 1;
  scenarios: Record<string, ScenarioInputs>;
}

export interface ScenarioRun {
  name: string;
  inputs: ScenarioInputs;
  /** Output → value. */
  values: Record<string, JsonValue>;
}

export interface Attribution {
  input: string;
  /** The input in A and in B. */
  from: JsonValue;
  to: JsonValue;
  /** The output's change with only this input set as in B (null when either end is not a number). */
  effect: number | null;
}

export interface OutputDiff {
  output: string;
  a: JsonValue;
  b: JsonValue;
  /** b − a (null when either is not a number). */
  difference: number | null;
  /** Inputs by how much they move the output alone, largest first. */
  attributions: Attribution[];
  /** difference − Σ effects: what the inputs do together. */
  interaction: number | null;
}

export interface ScenarioDiff {
  a: string;
  b: string;
  outputs: OutputDiff[];
  runs: number;
}

export interface ScenarioOptions {
  runOptions?: RunOptions;
}
