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
code: 'parse-error' | 'unsupported-function' | 'unsupported' | 'formula-too-long' | 'formula-too-deep' | 'reference-off-sheet' | 'user-defined-function' | 'add-in-function' | 'data-table' | 'pivot-table' | 'cube-function' | 'external-data' | 'circular-without-iteration', reason: string, 
/**
 * Byte span [start, end) of the problem in the formula text.
 */
span: [number, number] | null, 
/**
 * Whether Excel stored a value for it (else the engine holds #NAME?).
 */
hasCachedValue: boolean, };

export type UnknownFunctionReport = { 
/**
 * As the formula spells it, upper-case.
 */
name: string, 
/**
 * Formula cells calling it.
 */
count: number, 
/**
 * The first 100 of them, as `Sheet!A1`.
 */
cells: Array<string>, };

export type VerificationDifference = { 
/**
 * `Sheet!A1`.
 */
cell: string, 
/**
 * The formula as Excel shows it (`=...`); empty for a cell inside an array formula's range.
 */
formula: string, 
/**
 * Excel's stored value.
 */
expected: number | string | boolean | null | { error: string }, 
/**
 * The engine's value.
 */
actual: number | string | boolean | null | { error: string }, };

export type VerificationReport = { 
/**
 * Formula cells compared (with a stored value, not backfilled).
 */
total: number, matched: number, 
/**
 * `total - matched`.
 */
differ: number, 
/**
 * Formula cells the file stores no value for (not compared).
 */
withoutStoredValue: number, 
/**
 * Backfilled cells (they hold the stored value; not compared).
 */
backfilled: number, 
/**
 * The clock NOW and TODAY ran with (ISO 8601): the file's last-saved time when it has one.
 */
now: string | null, 
/**
 * The first differences.
 */
differences: Array<VerificationDifference>, 
/**
 * How long the run and the comparison took.
 */
ms: number, 
/**
 * Whether the run's circular clusters converged (within the workbook's iteration
 * settings); `false` is reported (Excel too stops after its maximum iterations, and
 * shows the values it reached then: the figures are not a converged model's).
 */
converged: boolean, 
/**
 * Sweeps the run's circular clusters took (0 without any).
 */
iterations: number, };

export type Timings = { readMs: number, parseMs: number, graphMs: number, emitMs: number, totalMs: number, };

export type BuildWarningCode = "input-is-formula" | "input-never-read" | "input-reaches-no-output";

export type BuildWarning = { code: BuildWarningCode, 
/**
 * The input as declared.
 */
ref: string, message: string, };

export type BuildReport = { 
/**
 * The program that wrote the engine, `"sheetc"`: with `formatVersion` and `files`, the
 * marker by which a rebuild recognises a directory it may replace.
 */
generator: string, 
/**
 * The engine's format version (its files and their layout).
 */
formatVersion: number, 
/**
 * The engine's own files, relative to its directory (`/`-separated), `manifest.json`
 * included: a rebuild replaces the directory only when it holds nothing else.
 */
files: Array<string>, 
/**
 * The engine directory (absent from `manifest.json`, which names no path of the build machine).
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
functions: { [key in string]: number }, unsupportedFunctions: { [key in string]: number }, 
/**
 * Names called as functions that Excel does not know (`#NAME?`, as in Excel).
 */
unknownFunctions: Array<UnknownFunctionReport>, 
/**
 * User-defined functions (VBA, add-ins) → formula cells calling them (computed when
 * an implementation was given, else backfilled with code `user-defined-function`).
 */
userDefinedFunctions: { [key in string]: number }, backfilled: Array<BackfillReport>, definedNames: Array<string>, 
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
foldedCells: number, droppedCells: number, edges: number, 
/**
 * Output profile: inputs that override a formula, that no formula reads, or that reach no output (also printed by the CLI).
 */
warnings: Array<BuildWarning>, timings: Timings, 
/**
 * The file holds a VBA project (an .xlsm).
 */
vbaProject: boolean, 
/**
 * The application that saved the file (docProps/app.xml), when it says.
 */
application: string | null, 
/**
 * When the file was last saved (docProps/core.xml `dcterms:modified`), when it says.
 */
lastModified: string | null, 
/**
 * The engine compared with Excel's stored values (null when not verified: `verify:
 * false`, or `compile()` has not run it yet).
 */
verification: VerificationReport | null, };
