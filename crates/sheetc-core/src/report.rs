//! The build report: what `compile()` returns and `manifest.json` holds. Serialised with
//! serde; its TypeScript type is generated from these structs (one source).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::address::cell_name;
use crate::bind::{visit_calls, Bound};
use crate::functions::{user_function_base, FunctionTable};
use crate::graph::Component;
use crate::model::Workbook;
use crate::plan::{Backfill, BackfillReason, Node};

/// A declared input or output of an output profile.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeclaredReport {
    /// As declared.
    #[serde(rename = "ref")]
    pub reference: String,
    pub sheet: String,
    /// `A1` or `A1:B9`.
    pub cell: String,
    /// The defined name, when declared by name (or when one points exactly at the cells).
    pub name: Option<String>,
    /// The type of the values seen at build time.
    #[serde(rename = "type")]
    #[cfg_attr(test, ts(type = "'number' | 'text' | 'boolean' | 'blank' | 'error' | 'mixed'"))]
    pub value_type: String,
}

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SheetReport {
    pub name: String,
    pub cells: usize,
    pub formula_cells: usize,
}

/// A cell that keeps Excel's stored value because sheetc cannot compute it.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BackfillReport {
    pub sheet: String,
    /// A1 address on the sheet.
    pub cell: String,
    pub formula: String,
    /// Stable reason code.
    #[cfg_attr(
        test,
        ts(
            type = "'parse-error' | 'unsupported-function' | 'unsupported' | 'formula-too-long' | 'formula-too-deep' | 'reference-off-sheet' | 'user-defined-function' | 'add-in-function' | 'data-table' | 'pivot-table' | 'cube-function' | 'external-data' | 'circular-without-iteration'"
        )
    )]
    pub code: String,
    pub reason: String,
    /// Byte span [start, end) of the problem in the formula text.
    pub span: Option<[u32; 2]>,
    /// Whether Excel stored a value for it (else the engine holds #NAME?).
    pub has_cached_value: bool,
}

/// A name called as a function that is neither an Excel function nor a defined name (nor,
/// with a VBA project, a user-defined function): Excel evaluates the call to `#NAME?`, and
/// so does the engine; the report lists it because it is usually a typo or a missing add-in.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UnknownFunctionReport {
    /// As the formula spells it, upper-case.
    pub name: String,
    /// Formula cells calling it.
    pub count: u64,
    /// The first 100 of them, as `Sheet!A1`.
    pub cells: Vec<String>,
}

/// A formula cell whose engine value differs from the value Excel stored.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct VerificationDifference {
    /// `Sheet!A1`.
    pub cell: String,
    /// The formula as Excel shows it (`=...`); empty for a cell inside an array formula's range.
    pub formula: String,
    /// Excel's stored value.
    #[cfg_attr(test, ts(type = "number | string | boolean | null | { error: string }"))]
    pub expected: serde_json::Value,
    /// The engine's value.
    #[cfg_attr(test, ts(type = "number | string | boolean | null | { error: string }"))]
    pub actual: serde_json::Value,
}

/// The engine run once and compared with the values Excel stored (numbers within 1e-9
/// relative, text, booleans and errors exactly). Written by `compile()` after the build.
#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct VerificationReport {
    /// Formula cells compared (with a stored value, not backfilled).
    pub total: u64,
    pub matched: u64,
    /// `total - matched`.
    pub differ: u64,
    /// Formula cells the file stores no value for (not compared).
    pub without_stored_value: u64,
    /// Backfilled cells (they hold the stored value; not compared).
    pub backfilled: u64,
    /// The clock NOW and TODAY ran with (ISO 8601): the file's last-saved time when it has one.
    pub now: Option<String>,
    /// The first differences.
    pub differences: Vec<VerificationDifference>,
    /// How long the run and the comparison took.
    pub ms: f64,
    /// Whether the run's circular clusters converged (within the workbook's iteration
    /// settings); `false` is reported (Excel too stops after its maximum iterations, and
    /// shows the values it reached then: the figures are not a converged model's).
    pub converged: bool,
    /// Sweeps the run's circular clusters took (0 without any).
    pub iterations: u32,
}

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Timings {
    pub read_ms: f64,
    pub parse_ms: f64,
    pub graph_ms: f64,
    pub emit_ms: f64,
    pub total_ms: f64,
}

/// What a warning is about (stable codes).
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum BuildWarningCode {
    /// The input is (or holds) a formula cell: the input replaces the formula.
    InputIsFormula,
    /// No formula reads the input.
    InputNeverRead,
    /// Formulas read the input, but none in the declared outputs' cone.
    InputReachesNoOutput,
}

/// Something the user should know about the build that does not stop it: an output
/// profile's input that overrides a formula or reaches nothing.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BuildWarning {
    pub code: BuildWarningCode,
    /// The input as declared.
    #[serde(rename = "ref")]
    pub reference: String,
    pub message: String,
}

/// What a build did: returned by `compile()` and written to the engine's `manifest.json`.
#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BuildReport {
    /// The program that wrote the engine, `"sheetc"`: with `formatVersion` and `files`, the
    /// marker by which a rebuild recognises a directory it may replace.
    pub generator: String,
    /// The engine's format version (its files and their layout).
    pub format_version: u32,
    /// The engine's own files, relative to its directory (`/`-separated), `manifest.json`
    /// included: a rebuild replaces the directory only when it holds nothing else.
    pub files: Vec<String>,
    /// The engine directory (absent from `manifest.json`, which names no path of the build machine).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub out_dir: String,
    /// The format of the workbook file, by its content (not its extension).
    #[cfg_attr(test, ts(type = "'xlsx' | 'xlsm' | 'xlsb' | 'xls' | 'ods'"))]
    pub format: String,
    pub sheets: Vec<SheetReport>,
    pub cells: usize,
    pub formula_cells: usize,
    /// Distinct formula shapes (parsed and compiled once each).
    pub shapes: usize,
    /// Function name → number of formula cells calling it.
    pub functions: BTreeMap<String, u64>,
    pub unsupported_functions: BTreeMap<String, u64>,
    /// Names called as functions that Excel does not know (`#NAME?`, as in Excel).
    pub unknown_functions: Vec<UnknownFunctionReport>,
    /// User-defined functions (VBA, add-ins) → formula cells calling them (computed when
    /// an implementation was given, else backfilled with code `user-defined-function`).
    pub user_defined_functions: BTreeMap<String, u64>,
    pub backfilled: Vec<BackfillReport>,
    pub defined_names: Vec<String>,
    /// Tables as `Name (Sheet!A1:C10)`.
    pub tables: Vec<String>,
    /// Circular clusters, each as its cells (`Sheet!A1`, the first 1,000).
    pub clusters: Vec<Vec<String>>,
    pub iterative: bool,
    pub modules: usize,
    pub segments: usize,
    pub engine_bytes: u64,
    /// Size of the largest generated module file.
    pub largest_module_bytes: u64,
    /// Whether the engine is lazy.
    pub lazy: bool,
    /// Output profile: declared inputs and outputs (null without a profile).
    pub inputs: Option<Vec<DeclaredReport>>,
    pub outputs: Option<Vec<DeclaredReport>>,
    /// Output profile: cells folded to constants, and cells dropped (outside the outputs' cone).
    pub folded_cells: usize,
    pub dropped_cells: usize,
    pub edges: usize,
    /// Output profile: inputs that override a formula, that no formula reads, or that reach no output (also printed by the CLI).
    pub warnings: Vec<BuildWarning>,
    pub timings: Timings,
    /// The file holds a VBA project (an .xlsm).
    pub vba_project: bool,
    /// The application that saved the file (docProps/app.xml), when it says.
    pub application: Option<String>,
    /// When the file was last saved (docProps/core.xml `dcterms:modified`), when it says.
    pub last_modified: Option<String>,
    /// The engine compared with Excel's stored values (null when not verified: `verify:
    /// false`, or `compile()` has not run it yet).
    pub verification: Option<VerificationReport>,
}

/// Unknown function names with the cells calling them, and user-defined function calls,
/// from the shapes the cells use (`unknown`: per shape, the names it bound to `#NAME?`).
pub fn describe_functions(
    report: &mut BuildReport,
    workbook: &Workbook,
    shapes: &[Bound],
    nodes: &[Node],
    backfills: &[Backfill],
    unknown: &[(u32, Vec<String>)],
    functions: &FunctionTable,
) {
    report.vba_project = workbook.vba_project;
    report.application = workbook.properties.application.clone();
    report.last_modified = workbook.properties.modified.clone();
    let by_shape: std::collections::HashMap<u32, &Vec<String>> = unknown.iter().map(|(s, names)| (*s, names)).collect();
    let mut found: BTreeMap<String, UnknownFunctionReport> = BTreeMap::new();
    let mut user_calls: std::collections::HashMap<u32, Vec<String>> = std::collections::HashMap::new();
    for n in nodes {
        if let Some(names) = by_shape.get(&n.shape) {
            for name in names.iter().collect::<std::collections::BTreeSet<_>>() {
                let e = found.entry(name.clone()).or_insert_with(|| UnknownFunctionReport { name: name.clone(), count: 0, cells: Vec::new() });
                e.count += 1;
                if e.cells.len() < 100 {
                    e.cells.push(format!("{}!{}", workbook.sheets[n.sheet as usize].name, cell_name(n.row, n.col)));
                }
            }
        }
        let names = user_calls.entry(n.shape).or_insert_with(|| {
            let mut v = Vec::new();
            visit_calls(&shapes[n.shape as usize], &mut |name| {
                if !functions.is_supported(name) && functions.is_user_function(name) {
                    v.push(user_function_base(name));
                }
            });
            v.sort_unstable();
            v.dedup();
            v
        });
        for name in names.iter() {
            *report.user_defined_functions.entry(name.clone()).or_default() += 1;
        }
    }
    for b in backfills {
        if let BackfillReason::UserFunction { name, .. } = &b.reason {
            *report.user_defined_functions.entry(name.clone()).or_default() += 1;
        }
    }
    report.unknown_functions = found.into_values().collect();
}

/// Function call counts (per formula cell calling it) and the circular clusters (their
/// first 1,000 cells each, as `Sheet!A1`).
pub fn describe_model(report: &mut BuildReport, workbook: &Workbook, shapes: &[Bound], nodes: &[Node], order: &[Component]) {
    let mut node_count_by_shape: BTreeMap<u32, u64> = BTreeMap::new();
    for n in nodes {
        *node_count_by_shape.entry(n.shape).or_default() += 1;
    }
    for (shape, count) in &node_count_by_shape {
        visit_calls(&shapes[*shape as usize], &mut |name| *report.functions.entry(name.to_string()).or_default() += count);
    }
    for c in order {
        if let Component::Cluster(m) = c {
            report.clusters.push(
                m.iter()
                    .take(1000)
                    .map(|&i| {
                        let n = nodes[i as usize];
                        format!("{}!{}", workbook.sheets[n.sheet as usize].name, cell_name(n.row, n.col))
                    })
                    .collect(),
            );
        }
    }
    report.defined_names = workbook.names.iter().map(|n| n.name.clone()).collect();
    report.tables = workbook
        .tables
        .iter()
        .map(|t| format!("{} ({}!{}:{})", t.name, workbook.sheets[t.sheet as usize].name, cell_name(t.r0, t.c0), cell_name(t.r1, t.c1)))
        .collect();
    report.shapes = shapes.len();
    report.iterative = workbook.calc.iterate;
    report.format = workbook.format.as_str().to_string();
}

/// The TypeScript declarations of the report types, generated from the structs above
/// (`ts/generated/report.ts` holds them; a test fails when it drifts).
#[cfg(test)]
pub(crate) fn typescript_declarations() -> String {
    use ts_rs::TS;
    let cfg = ts_rs::Config::new().with_large_int("number");
    let decls = [
        DeclaredReport::decl(&cfg),
        SheetReport::decl(&cfg),
        BackfillReport::decl(&cfg),
        UnknownFunctionReport::decl(&cfg),
        VerificationDifference::decl(&cfg),
        VerificationReport::decl(&cfg),
        Timings::decl(&cfg),
        BuildWarningCode::decl(&cfg),
        BuildWarning::decl(&cfg),
        BuildReport::decl(&cfg),
    ];
    let mut out = String::from("// Generated from crates/sheetc-core/src/report.rs by its tests; do not edit.\n// Regenerate: SHEETC_UPDATE_TYPES=1 cargo test -p sheetc-core generated_types\n");
    for d in decls {
        out.push_str("\nexport ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}
