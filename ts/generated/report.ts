// Generated from crates/sheetc-core/src/report.rs by its tests; do not edit.
// Regenerate: SHEETC_UPDATE_TYPES=1 cargo test -p sheetc-core generated_types

export type DeclaredReport = { 
/**
 * As declared.
 */
ref: string, sheet: string, 
/**
 * `A1` or `A1:B9`.
 */
cell: string, 
/**
 * The defined name, when declared by name (or when one points exactly at the cells).
 */
name: string | null, 
/**
 * The type of the values seen at build time.
 */
type: 'number' | 'text' | 'boolean' | 'blank' | 'error' | 'mixed', };

export type SheetReport = { name: string, cells: number, formulaCells: number, };

export type BackfillReport = { sheet: string, 
/**
 * A1 address on the sheet.
 */
cell: string, formula: string, 
/**
 * Stable reason code.
 */
code: 'parse-error' | 'unsupported-function' | 'unsupported' | 'formula-too-long' | 'formula-too-deep' | 'reference-off-sheet', reason: string, 
/**
 * Byte span [start, end) of the problem in the formula text.
 */
span: [number, number] | null, 
/**
 * Whether Excel stored a value for it (else the engine holds #NAME?).
 */
hasCachedValue: boolean, };

export type Timings = { readMs: number, parseMs: number, graphMs: number, emitMs: number, totalMs: number, };

export type BuildReport = { 
/**
 * The engine directory (empty in `manifest.json`, which carries no build-machine path).
 */
outDir: string, 
/**
 * The format of the workbook file, by its content (not its extension).
 */
format: 'xlsx' | 'xlsm' | 'xlsb' | 'xls' | 'ods', sheets: Array<SheetReport>, cells: number, formulaCells: number, 
/**
 * Distinct formula shapes (parsed and compiled once each).
 */
shapes: number, 
/**
 * Function name → number of formula cells calling it.
 */
functions: { [key in string]: number }, unsupportedFunctions: { [key in string]: number }, backfilled: Array<BackfillReport>, definedNames: Array<string>, 
/**
 * Tables as `Name (Sheet!A1:C10)`.
 */
tables: Array<string>, 
/**
 * Circular clusters, each as its cells (`Sheet!A1`, the first 1,000).
 */
clusters: Array<Array<string>>, iterative: boolean, modules: number, segments: number, engineBytes: number, 
/**
 * Size of the largest generated module file.
 */
largestModuleBytes: number, 
/**
 * Whether the engine is lazy.
 */
lazy: boolean, 
/**
 * Output profile: declared inputs and outputs (null without a profile).
 */
inputs: Array<DeclaredReport> | null, outputs: Array<DeclaredReport> | null, 
/**
 * Output profile: cells folded to constants, and cells dropped (outside the outputs' cone).
 */
foldedCells: number, droppedCells: number, edges: number, timings: Timings, };
