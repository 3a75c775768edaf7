//! Excel's stored results: the value the file caches for every formula cell, for the
//! verification that follows every build (and `sheetc verify`): the engine is run once
//! and compared with what Excel computed when it saved the file.

use std::io::Write;
use std::path::Path;

use sheetc_core::error::{Result, SheetcError};
use sheetc_core::model::{CellKind, Value, Workbook};

/// Writes the stored value of every formula cell (array members included) of a workbook
/// already read, so the file is read once. JSON, streamed (a million cells are tens of
/// megabytes: never held as a document):
///
/// `[{"name": sheet, "cells": [row, col, value, text, ...], "texts": [[originRow,
/// originCol, formula], ...]}, ...]`
///
/// `value` is null (blank), a number, text, a boolean or `{"e": "#N/A"}`; `text` indexes
/// the sheet's formula texts, each written for its origin cell (a shared formula's
/// anchor: see [`display_formula_at`]), or is -1 for a cell inside an array formula's range.
pub fn write_cached_values(workbook: &Workbook, path: &Path) -> Result<()> {
    let io = |e: std::io::Error| SheetcError::io("writing the cached values", e);
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    w.write_all(b"[").map_err(io)?;
    for (i, sheet) in workbook.sheets.iter().enumerate() {
        if i > 0 {
            w.write_all(b",").map_err(io)?;
        }
        w.write_all(b"{\"name\":").map_err(io)?;
        json_str(&mut w, &sheet.name).map_err(io)?;
        w.write_all(b",\"cells\":[").map_err(io)?;
        let mut origins: Vec<(u32, u32)> = vec![(0, 0); sheet.formulas.len()];
        let mut first = true;
        for c in &sheet.cells {
            let text: i64 = match c.kind {
                CellKind::Constant => continue,
                CellKind::ArrayMember => -1,
                CellKind::Formula(f) | CellKind::ArrayFormula { formula: f, .. } => {
                    if let Some(o) = origins.get_mut(f.text as usize) {
                        *o = (f.origin_row, f.origin_col);
                    }
                    f.text as i64
                }
            };
            if !first {
                w.write_all(b",").map_err(io)?;
            }
            first = false;
            write!(w, "{},{},", c.row, c.col).map_err(io)?;
            match &c.value {
                Value::Empty => w.write_all(b"null").map_err(io)?,
                Value::Number(n) if n.is_finite() => serde_json::to_writer(&mut w, n).map_err(|e| io(std::io::Error::other(e)))?,
                Value::Number(_) => w.write_all(b"null").map_err(io)?,
                Value::Text(s) => json_str(&mut w, s).map_err(io)?,
                Value::Bool(b) => w.write_all(if *b { b"true" } else { b"false" }).map_err(io)?,
                Value::Error(k) => {
                    w.write_all(b"{\"e\":").map_err(io)?;
                    json_str(&mut w, k.as_str()).map_err(io)?;
                    w.write_all(b"}").map_err(io)?;
                }
            }
            write!(w, ",{text}").map_err(io)?;
        }
        w.write_all(b"],\"texts\":[").map_err(io)?;
        for (t, (row, col)) in origins.iter().enumerate() {
            if t > 0 {
                w.write_all(b",").map_err(io)?;
            }
            write!(w, "[{row},{col},").map_err(io)?;
            json_str(&mut w, &sheet.formulas[t]).map_err(io)?;
            w.write_all(b"]").map_err(io)?;
        }
        w.write_all(b"]}").map_err(io)?;
    }
    w.write_all(b"]").map_err(io)?;
    w.flush().map_err(io)
}

/// A string as a JSON literal.
fn json_str(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    serde_json::to_writer(w, s).map_err(std::io::Error::other)
}

/// The formula Excel shows in the cell (`row`, `col`) for `text`, written for the cell
/// (`origin_row`, `origin_col`) (a shared formula's anchor): relative references moved,
/// `_xlfn.` prefixes dropped, with its `=`. None when a reference would fall off the sheet.
pub fn display_formula_at(text: &str, origin_row: u32, origin_col: u32, row: u32, col: u32) -> Option<String> {
    sheetc_core::shape::formula_text_at(text, origin_row, origin_col, row, col).map(|t| sheetc_core::shape::display_formula(&t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sheetc_core::model::{Cell, FormulaRef, Sheet};

    #[test]
    fn cached_values_list_every_formula_cell_with_its_text() {
        let mut sheet = Sheet { name: "S \"1\"".into(), ..Sheet::default() };
        let t = sheet.formulas.push("A1*2");
        let f = FormulaRef { text: t, origin_row: 0, origin_col: 1 };
        sheet.cells = vec![
            Cell { row: 0, col: 0, kind: CellKind::Constant, value: Value::Number(1.5) },
            Cell { row: 0, col: 1, kind: CellKind::Formula(f), value: Value::Number(3.0) },
            Cell { row: 1, col: 1, kind: CellKind::Formula(f), value: Value::Error(sheetc_core::ast::ErrorKind::NA) },
            Cell { row: 2, col: 1, kind: CellKind::ArrayMember, value: Value::Text("x".into()) },
        ];
        let wb = Workbook { sheets: vec![sheet], ..Workbook::default() };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cached.json");
        write_cached_values(&wb, &path).expect("write");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(v, serde_json::json!([{ "name": "S \"1\"", "cells": [0, 1, 3.0, 0, 1, 1, { "e": "#N/A" }, 0, 2, 1, "x", -1], "texts": [[0, 1, "A1*2"]] }]));
        assert_eq!(display_formula_at("A1*2", 0, 1, 1, 1).as_deref(), Some("=A2*2"));
        assert_eq!(display_formula_at("_xlfn.CONCAT(A1)", 0, 0, 0, 0).as_deref(), Some("=CONCAT(A1)"));
    }
}
