/**
 * The report's data: what the build writes for it (`ReportData`, from sheetc-core's
 * report_data module) and what the page's script receives (`PageData`).
 */

/** What the build writes for the report: generated from the Rust structs that write it. */
export type { CalcReport, ClusterStat, ConeStat, ReportData, ShapeStat, SheetCells, SheetReference } from '../generated/report-data.js';
import type { SheetCells, SheetReference } from '../generated/report-data.js';

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
