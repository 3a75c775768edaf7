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
  build: BuildReport;
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
} from './runtime/engine.js';
export type { ErrorCode } from './runtime/values.js';
