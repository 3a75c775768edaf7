// Generated from crates/sheetc-core/src/stages/report_data.rs by its tests; do not edit.
// Regenerate: SHEETC_UPDATE_TYPES=1 cargo test -p sheetc-core generated_types

export type SheetCells = { name: string, 
/**
 * Used range: first row and column (0-based) and its size in cells.
 */
firstRow: number, firstCol: number, rows: number, cols: number, 
/**
 * Cells per block side (1: every cell; n: an n×n block per entry, with its most
 * telling kind).
 */
scale: number, 
/**
 * Groups of block rows, flat: `row, repeat, n, then n × (col, len, kind)`: the row
 * (relative to `first_row`, in blocks) and the `repeat - 1` rows after it have the
 * same `n` runs of `len` blocks of `kind` from column `col` (relative to `first_col`).
 */
runs: Array<number>, };

export type SheetReference = { from: number, to: number, 
/**
 * Formula cells on `from` that read `to`.
 */
cells: number, 
/**
 * References to `to` in those formulas (a range counts once).
 */
refs: number, };

export type ShapeStat = { sheet: number, 
/**
 * The first cell (row-major) with this shape, and its formula as Excel shows it.
 */
cell: string, formula: string, cells: number, functions: Array<string>, };

export type ClusterStat = { cells: number, 
/**
 * `[sheet, cells on it]`.
 */
sheets: Array<[number, number]>, };

export type ConeStat = { 
/**
 * As declared.
 */
output: string, 
/**
 * Formula cells in the output's dependency cone (what the profile keeps for it).
 */
cells: number, 
/**
 * Of those, the cells a declared input reaches (the others are folded).
 */
live: number, };

export type CalcReport = { iterate: boolean, count: number, delta: number, };

export type ReportData = { sheets: Array<SheetCells>, references: Array<SheetReference>, shapes: Array<ShapeStat>, 
/**
 * In the build report's order of `clusters`.
 */
clusters: Array<ClusterStat>, 
/**
 * Output profile: per declared output (the first `MAX_CONES`).
 */
cones: Array<ConeStat> | null, 
/**
 * Declared outputs whose cone was not measured (beyond `MAX_CONES`).
 */
conesOmitted: number, calc: CalcReport, };
