/** Public types of sheetc's API. */
import type { JsonValue } from './runtime/engine.js';

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
}

/** A formula cell whose engine value differs from the value Excel stored. */
export interface VerifyMismatch {
  /** `Sheet!A1`. */
  cell: string;
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
  /** The first differences (up to `maxMismatches`, default 100). */
  mismatches: VerifyMismatch[];
  /** The build's report (without `outDir`: the engine was built in a temporary directory, deleted when done). */
  build: Omit<BuildReport, 'outDir'>;
}

/** A declared input or output in the build report. */
export interface DeclaredCell {
  /** As declared. */
  ref: string;
  sheet: string;
  /** `A1` or `A1:B9`. */
  cell: string;
  /** The defined name, when declared by name. */
  name: string | null;
  /** Type of the values seen at build time. */
  type: 'number' | 'text' | 'boolean' | 'blank' | 'error' | 'mixed';
}

export interface SheetReport {
  name: string;
  cells: number;
  formulaCells: number;
}

export interface BackfilledCell {
  sheet: string;
  /** A1 address on the sheet. */
  cell: string;
  formula: string;
  /** Stable reason code: parse-error, unsupported-function, unsupported, formula-too-long, formula-too-deep, reference-off-sheet. */
  code: string;
  reason: string;
  /** Byte span [start, end) of the problem in the formula text. */
  span: [number, number] | null;
  hasCachedValue: boolean;
}

/** Something about the build that does not stop it (an output profile's suspicious input). */
export interface BuildWarning {
  /** Stable: `input-is-formula` (the input replaces a formula), `input-never-read` (no formula reads it), `input-reaches-no-output`. */
  code: 'input-is-formula' | 'input-never-read' | 'input-reaches-no-output';
  /** The input as declared. */
  ref: string;
  message: string;
}

export interface BuildReport {
  /** The engine directory (`manifest.json`, written inside it, has no `outDir`). */
  outDir: string;
  sheets: SheetReport[];
  cells: number;
  formulaCells: number;
  /** Distinct formula shapes (parsed and compiled once each). */
  shapes: number;
  /** Function name → number of formula cells calling it. */
  functions: Record<string, number>;
  unsupportedFunctions: Record<string, number>;
  backfilled: BackfilledCell[];
  definedNames: string[];
  /** Tables as `Name (Sheet!A1:C10)`. */
  tables: string[];
  /** Circular clusters, each as its cells (`Sheet!A1`). */
  clusters: string[][];
  iterative: boolean;
  modules: number;
  segments: number;
  engineBytes: number;
  /** Size of the largest generated module file. */
  largestModuleBytes: number;
  /** Whether the engine is lazy. */
  lazy: boolean;
  /** Output profile: declared inputs and outputs (absent without a profile). */
  inputs?: DeclaredCell[];
  outputs?: DeclaredCell[];
  /** Output profile: cells folded to constants, and cells dropped (outside the outputs' cone). */
  foldedCells: number;
  droppedCells: number;
  edges: number;
  /** Output profile: inputs that override a formula, that no formula reads, or that reach no output (also printed by the CLI). */
  warnings: BuildWarning[];
  timings: { readMs: number; parseMs: number; graphMs: number; emitMs: number; totalMs: number };
}

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
