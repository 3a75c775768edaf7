//! Excel's stored results: the value the file caches for every formula cell, for
//! `sheetc verify` (compare the engine with what Excel computed when it saved the file).

use serde::Serialize;

use sheetc_core::model::{CellKind, Value, Workbook};

#[derive(Serialize)]
pub struct CachedSheet {
    pub name: String,
    /// Flat `[row, col, value, ...]` over the sheet's formula cells (array members
    /// included); errors as `{"e": "#N/A"}`, blanks as null.
    pub cells: Vec<serde_json::Value>,
}

fn json(v: &Value) -> serde_json::Value {
    match v {
        Value::Empty => serde_json::Value::Null,
        Value::Number(n) => serde_json::json!(n),
        Value::Text(s) => serde_json::json!(s),
        Value::Bool(b) => serde_json::json!(b),
        Value::Error(k) => serde_json::json!({ "e": k.as_str() }),
    }
}

/// The cached values of every formula cell of a workbook already read: a build writes
/// them beside the engine (`CompileOptions::cached_values_out`, used by verify), so the
/// file is read once.
pub fn cached_values_of(workbook: &Workbook) -> Vec<CachedSheet> {
    workbook
        .sheets
        .iter()
        .map(|s| CachedSheet {
            name: s.name.clone(),
            cells: s
                .cells
                .iter()
                .filter(|c| !matches!(c.kind, CellKind::Constant))
                .flat_map(|c| [serde_json::json!(c.row), serde_json::json!(c.col), json(&c.value)])
                .collect(),
        })
        .collect()
}
