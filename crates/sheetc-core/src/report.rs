//! The build report: what `compile()` returns and `manifest.json` holds. Serialised with
//! serde; its TypeScript type is generated from these structs (one source).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::address::cell_name;
use crate::bind::{visit_calls, Bound};
use crate::graph::Component;
use crate::model::Workbook;
use crate::plan::Node;

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
    #[cfg_attr(test, ts(type = "'parse-error' | 'unsupported-function' | 'unsupported' | 'formula-too-long' | 'formula-too-deep' | 'reference-off-sheet'"))]
    pub code: String,
    pub reason: String,
    /// Byte span [start, end) of the problem in the formula text.
    pub span: Option<[u32; 2]>,
    /// Whether Excel stored a value for it (else the engine holds #NAME?).
    pub has_cached_value: bool,
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

/// What a build did: returned by `compile()` and written to the engine's `manifest.json`.
#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BuildReport {
    /// The engine directory (empty in `manifest.json`, which carries no build-machine path).
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
    pub timings: Timings,
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
    let decls = [DeclaredReport::decl(&cfg), SheetReport::decl(&cfg), BackfillReport::decl(&cfg), Timings::decl(&cfg), BuildReport::decl(&cfg)];
    let mut out = String::from("// Generated from crates/sheetc-core/src/report.rs by its tests; do not edit.\n// Regenerate: SHEETC_UPDATE_TYPES=1 cargo test -p sheetc-core generated_types\n");
    for d in decls {
        out.push_str("\nexport ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}
