// Generated from crates/sheetc-core/src/stages/emit/spec.rs by its tests; do not edit.
// Regenerate: SHEETC_UPDATE_TYPES=1 cargo test -p sheetc-core generated_types

export type SheetSpec = { name: string, rows: number, cols: number, cells: number, };

export type CalcSpec = { iterate: boolean, count: number, delta: number, };

export type NameSpec = { name: string, 
/**
 * Sheet index for sheet-scoped names, null for workbook scope.
 */
scope: number | null, 
/**
 * The target area when the name points at cells: [sheet, r0, c0, r1, c1].
 */
area: [number, number, number, number, number] | null, };

export type DeclaredSpec = { ref: string, name: string | null, 
/**
 * [sheet, r0, c0, r1, c1].
 */
area: [number, number, number, number, number], };

export type BackfillSpec = { sheet: number, row: number, col: number, reason: string, 
/**
 * Input areas in the cell's dependency cone; null when unknown (any input makes it stale).
 */
cone: Array<[number, number, number, number, number]> | null, 
/**
 * An array formula's anchor: the last cell of its range, whose members keep their
 * stored values too (a lazy engine lists them in its results).
 */
last?: [number, number], };

export type NumFmtSpec = { 
/**
 * Distinct format codes, as Excel stores them.
 */
codes: Array<string>, 
/**
 * Rectangles, flat: [sheet, r0, c0, r1, c1, index into `codes`, ...].
 */
areas: Array<number>, };

export type TableSpec = { name: string, sheet: number, 
/**
 * [r0, c0, r1, c1], header and totals rows included.
 */
area: [number, number, number, number], 
/**
 * Header rows (0 or 1).
 */
header: number, 
/**
 * Totals rows (0 or 1).
 */
totals: number, columns: Array<string>, };

export type DataTableSpec = { sheet: number, 
/**
 * The result cells: [r0, c0, r1, c1] (the header row is r0 - 1, the header column c0 - 1).
 */
area: [number, number, number, number], 
/**
 * The row input cell [row, col] (two-variable tables and row-oriented ones), on `sheet`.
 */
rowInput: [number, number] | null, 
/**
 * The column input cell [row, col] (two-variable tables and column-oriented ones).
 */
colInput: [number, number] | null, 
/**
 * A formula reads the table's cells: the run is repeated with the table's values.
 */
read: boolean, };

export type EngineSpec = { version: 1, sheets: Array<SheetSpec>, date1904: boolean, calc: CalcSpec, names: Array<NameSpec>, 
/**
 * Segments in evaluation order: [module, segment] (empty in a lazy engine: its index has it).
 */
order: Array<[number, number]>, 
/**
 * Modules as row bands: [sheet, firstRow, endRow).
 */
modules: Array<[number, number, number]>, 
/**
 * Output profile: the declared inputs (any other input is refused).
 */
inputs?: Array<DeclaredSpec>, 
/**
 * Output profile: the declared outputs (what `get` and `toJSON` serve).
 */
outputs?: Array<DeclaredSpec>, 
/**
 * Cells' number formats (absent when every cell is General).
 */
numFmts?: NumFmtSpec, 
/**
 * What FORMULATEXT shows for the cells it points at: [sheet, row, col, text].
 */
formulaTexts?: [number, number, number, string][], 
/**
 * The workbook's tables, for structured references read from text (INDIRECT).
 */
tables?: TableSpec[], backfilled: Array<BackfillSpec>, 
/**
 * Excel data tables, recomputed after each run (absent when there are none).
 */
dataTables?: Array<DataTableSpec>, 
/**
 * Rows hidden in the file, per sheet that has any, as runs: [sheet, [first, count, ...]]
 * (SUBTOTAL 101–111 and AGGREGATE's hidden-row options skip them).
 */
hiddenRows?: [number, number[]][], 
/**
 * The hidden rows a filter hides, in the same form (every SUBTOTAL skips them).
 */
filteredRows?: [number, number[]][], 
/**
 * Cells whose formula is a subtotal (SUBTOTAL, AGGREGATE): flat [sheet, row, col, ...].
 */
subtotalCells?: number[], 
/**
 * Saved by Excel for Mac: CHAR and CODE use the Mac character set.
 */
macCharset?: boolean, 
/**
 * User-defined functions the engine calls (upper-case): run() needs an implementation of each.
 */
userFunctions?: string[], };
