/**
 * The report's data: what the build writes for it (`ReportData`, from sheetc-core's
 * report_data module) and what the page's script receives (`PageData`).
 */

/** One sheet's cell kinds, run-length encoded (see `SheetCells` in report_data.rs). */
export interface SheetCells {
  name: string;
  firstRow: number;
  firstCol: number;
  rows: number;
  cols: number;
  /** Cells per block side: 1, or n for n×n blocks drawn as one. */
  scale: number;
  /** Flat groups: `row, repeat, n, then n × (col, len, kind)`, in blocks from the used range's corner. */
  runs: number[];
}

export interface SheetReference {
  from: number;
  to: number;
  /** Formula cells on `from` that read `to`. */
  cells: number;
  refs: number;
}

export interface ShapeStat {
  sheet: number;
  cell: string;
  formula: string;
  cells: number;
  functions: string[];
}

export interface ClusterStat {
  cells: number;
  /** `[sheet, cells on it]`. */
  sheets: [number, number][];
}

export interface ConeStat {
  output: string;
  cells: number;
  live: number;
}

/** What the build writes for the report (`report_data_out`). */
export interface ReportData {
  sheets: SheetCells[];
  references: SheetReference[];
  shapes: ShapeStat[];
  clusters: ClusterStat[];
  cones: ConeStat[] | null;
  conesOmitted: number;
  calc: { iterate: boolean; count: number; delta: number };
}

/** A rectangle of cells (0-based, inclusive) on one sheet. */
export interface CellRect {
  r0: number;
  c0: number;
  r1: number;
  c1: number;
}

/** A sheet as the page draws it. */
export interface PageSheet extends SheetCells {
  cells: number;
  formulaCells: number;
  /** Cells whose value differs from Excel's, flat `[row, col, ...]` (0-based; the first few thousand). */
  mismatches: number[];
  inputs: CellRect[];
  outputs: CellRect[];
}

/** What the page's script gets (the tables are rendered into the HTML). */
export interface PageData {
  sheets: PageSheet[];
  references: SheetReference[];
  /** Per circular cluster: its sheets. */
  clusters: { cells: number; sheets: [number, number][] }[];
}
