//! The engine spec (`export const spec = ...` in engine.js): typed, serialised with serde.
//! Its TypeScript type is generated from these structs (`ts/generated/spec.ts`), which the
//! runtime imports, so the two sides cannot drift. Strings are written as escaped
//! JavaScript literals (the same escaping as `js::string`): workbook text never becomes code.

use serde::Serialize;

use crate::js;
use crate::plan::{EnginePlan, ModuleBand};

/// Rows in a worksheet: band ends are written capped to it.
const MAX_ROWS: u32 = 1_048_576;

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SheetSpec {
    pub name: String,
    pub rows: u32,
    pub cols: u32,
    pub cells: usize,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CalcSpec {
    pub iterate: bool,
    pub count: u32,
    pub delta: f64,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct NameSpec {
    pub name: String,
    /// Sheet index for sheet-scoped names, null for workbook scope.
    pub scope: Option<u32>,
    /// The target area when the name points at cells: [sheet, r0, c0, r1, c1].
    pub area: Option<[u32; 5]>,
}

/// A declared input or output: as declared, its defined name, its cells.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeclaredSpec {
    #[serde(rename = "ref")]
    pub reference: String,
    pub name: Option<String>,
    /// [sheet, r0, c0, r1, c1].
    pub area: [u32; 5],
}

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BackfillSpec {
    pub sheet: u32,
    pub row: u32,
    pub col: u32,
    pub reason: String,
    /// Input areas in the cell's dependency cone; null when unknown (any input makes it stale).
    pub cone: Option<Vec<[u32; 5]>>,
    /// An array formula's anchor: the last cell of its range, whose members keep their
    /// stored values too (a lazy engine lists them in its results).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, type = "[number, number]"))]
    pub last: Option<(u32, u32)>,
}

/// The number formats `text()` shows cells with (cells not covered show as General).
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct NumFmtSpec {
    /// Distinct format codes, as Excel stores them.
    pub codes: Vec<String>,
    /// Rectangles, flat: [sheet, r0, c0, r1, c1, index into `codes`, ...].
    pub areas: Vec<u32>,
}

/// A table, for structured references read from text at run time (INDIRECT; runtime
/// tables.ts). Formulas' own structured references are bound at build time.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TableSpec {
    pub name: String,
    pub sheet: u32,
    /// [r0, c0, r1, c1], header and totals rows included.
    pub area: [u32; 4],
    /// Header rows (0 or 1).
    pub header: u32,
    /// Totals rows (0 or 1).
    pub totals: u32,
    pub columns: Vec<String>,
}

/// An Excel data table the runtime recomputes after each run (ts/runtime/data-tables.ts).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DataTableSpec {
    pub sheet: u32,
    /// The result cells: [r0, c0, r1, c1] (the header row is r0 - 1, the header column c0 - 1).
    pub area: [u32; 4],
    /// The row input cell [row, col] (two-variable tables and row-oriented ones), on `sheet`.
    pub row_input: Option<[u32; 2]>,
    /// The column input cell [row, col] (two-variable tables and column-oriented ones).
    pub col_input: Option<[u32; 2]>,
    /// A formula reads the table's cells: the run is repeated with the table's values.
    pub read: bool,
}

/// What the runtime needs to know about the model beyond the generated modules.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct EngineSpec {
    #[cfg_attr(test, ts(type = "1"))]
    pub version: u32,
    pub sheets: Vec<SheetSpec>,
    pub date1904: bool,
    pub calc: CalcSpec,
    pub names: Vec<NameSpec>,
    /// Segments in evaluation order: [module, segment] (empty in a lazy engine: its index has it).
    pub order: Vec<[u32; 2]>,
    /// Modules as row bands: [sheet, firstRow, endRow).
    pub modules: Vec<[u32; 3]>,
    /// Output profile: the declared inputs (any other input is refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub inputs: Option<Vec<DeclaredSpec>>,
    /// Output profile: the declared outputs (what `get` and `toJSON` serve).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub outputs: Option<Vec<DeclaredSpec>>,
    /// Cells' number formats (absent when every cell is General).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub num_fmts: Option<NumFmtSpec>,
    /// What FORMULATEXT shows for the cells it points at: [sheet, row, col, text].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional, type = "[number, number, number, string][]"))]
    pub formula_texts: Vec<(u32, u32, u32, String)>,
    /// The workbook's tables, for structured references read from text (INDIRECT).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional, type = "TableSpec[]"))]
    pub tables: Vec<TableSpec>,
    pub backfilled: Vec<BackfillSpec>,
    /// Excel data tables, recomputed after each run (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional, type = "Array<DataTableSpec>"))]
    pub data_tables: Vec<DataTableSpec>,
    /// Rows hidden in the file, per sheet that has any, as runs: [sheet, [first, count, ...]]
    /// (SUBTOTAL 101–111 and AGGREGATE's hidden-row options skip them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional, type = "[number, number[]][]"))]
    pub hidden_rows: Vec<(u32, Vec<u32>)>,
    /// The hidden rows a filter hides, in the same form (every SUBTOTAL skips them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional, type = "[number, number[]][]"))]
    pub filtered_rows: Vec<(u32, Vec<u32>)>,
    /// Cells whose formula is a subtotal (SUBTOTAL, AGGREGATE): flat [sheet, row, col, ...].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional, type = "number[]"))]
    pub subtotal_cells: Vec<u32>,
    /// Saved by Excel for Mac: CHAR and CODE use the Mac character set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(test, ts(optional, type = "boolean"))]
    pub mac_charset: bool,
    /// User-defined functions the engine calls (upper-case): run() needs an implementation of each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional, type = "string[]"))]
    pub user_functions: Vec<String>,
}

/// Sorted rows as runs, flat: `[first, count, first, count, ...]`.
fn row_runs(rows: &[u32]) -> Vec<u32> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &r in rows {
        match runs.last_mut() {
            Some((first, count)) if *first + *count == r => *count += 1,
            _ => runs.push((r, 1)),
        }
    }
    runs.into_iter().flat_map(|(f, n)| [f, n]).collect()
}

impl EngineSpec {
    /// The spec of a plan; `order` is the global evaluation order of segments.
    pub fn of(input: &EnginePlan<'_>, order: &[(u32, usize)], modules: &[ModuleBand]) -> EngineSpec {
        let declared = |list: &Option<Vec<crate::plan::DeclaredPlan>>| {
            list.as_ref().map(|l| {
                l.iter()
                    .map(|d| DeclaredSpec {
                        reference: d.reference.clone(),
                        name: d.name.clone(),
                        area: [d.rect.sheet, d.rect.r0, d.rect.c0, d.rect.r1, d.rect.c1],
                    })
                    .collect()
            })
        };
        EngineSpec {
            version: 1,
            sheets: input.sheets.iter().map(|s| SheetSpec { name: s.name.to_string(), rows: s.rows, cols: s.cols, cells: s.cell_count }).collect(),
            date1904: input.date1904,
            calc: CalcSpec { iterate: input.calc.iterate, count: input.calc.iterate_count, delta: input.calc.iterate_delta },
            names: input.names.iter().map(|n| NameSpec { name: n.name.clone(), scope: n.scope, area: n.area }).collect(),
            // A lazy engine's order is in its index.
            order: if input.lazy { Vec::new() } else { order.iter().map(|&(m, s)| [m, s as u32]).collect() },
            modules: modules.iter().map(|b| [b.sheet, b.r0, b.r1.min(MAX_ROWS)]).collect(),
            inputs: declared(&input.inputs),
            outputs: declared(&input.outputs),
            num_fmts: (!input.number_formats.areas.is_empty())
                .then(|| NumFmtSpec { codes: input.number_formats.codes.clone(), areas: input.number_formats.areas.iter().flatten().copied().collect() }),
            formula_texts: input.formula_texts.iter().map(|(&(s, r, c), t)| (s, r, c, t.clone())).collect(),
            tables: input
                .tables
                .iter()
                .map(|t| TableSpec {
                    name: t.name.clone(),
                    sheet: t.sheet,
                    area: [t.r0, t.c0, t.r1, t.c1],
                    header: t.header_rows,
                    totals: t.totals_rows,
                    columns: t.columns.clone(),
                })
                .collect(),
            backfilled: input
                .backfilled
                .iter()
                .map(|b| BackfillSpec { sheet: b.sheet, row: b.row, col: b.col, reason: b.reason.clone(), cone: b.cone.clone(), last: b.last })
                .collect(),
            data_tables: input
                .data_tables
                .iter()
                .map(|t| DataTableSpec {
                    sheet: t.sheet,
                    area: [t.table.r0, t.table.c0, t.table.r1, t.table.c1],
                    row_input: t.table.row_input.map(|(r, c)| [r, c]),
                    col_input: t.table.col_input.map(|(r, c)| [r, c]),
                    read: t.read,
                })
                .collect(),
            hidden_rows: input.book.hidden_rows.iter().map(|(s, rows)| (*s, row_runs(rows))).collect(),
            filtered_rows: input.book.filtered_rows.iter().map(|(s, rows)| (*s, row_runs(rows))).collect(),
            subtotal_cells: input.book.subtotal_cells.iter().flat_map(|&(s, r, c)| [s, r, c]).collect(),
            mac_charset: input.book.mac_charset,
            user_functions: input.book.user_functions.clone(),
        }
    }

    /// The spec as a JavaScript object literal (JSON, with strings escaped as `js::string`
    /// escapes them and numbers written as `js::number` writes them).
    pub fn to_js(&self) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, JsFormatter);
        // Serialising plain data into memory cannot fail.
        if self.serialize(&mut ser).is_err() {
            return "null".into();
        }
        String::from_utf8(out).unwrap_or_else(|_| "null".into())
    }
}

/// serde_json's compact output, with JavaScript-safe strings and numbers (still JSON:
/// every escape is `\uXXXX`).
pub(crate) struct JsFormatter;

impl serde_json::ser::Formatter for JsFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, fragment: &str) -> std::io::Result<()> {
        // `js::string` escapes what serde_json leaves as is (`<`, `>`, '`', `$`, U+2028/9,
        // DEL): write the fragment through it, without its quotes.
        let quoted = js::string(fragment);
        writer.write_all(&quoted.as_bytes()[1..quoted.len() - 1])
    }

    fn write_char_escape<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, escape: serde_json::ser::CharEscape) -> std::io::Result<()> {
        use serde_json::ser::CharEscape::*;
        let s = match escape {
            Quote => "\\\"".to_string(),
            ReverseSolidus => "\\\\".to_string(),
            LineFeed => "\\n".to_string(),
            CarriageReturn => "\\r".to_string(),
            Tab => "\\t".to_string(),
            Solidus => "/".to_string(),
            Backspace => "\\u0008".to_string(),
            FormFeed => "\\u000c".to_string(),
            AsciiControl(b) => format!("\\u{:04x}", b),
        };
        writer.write_all(s.as_bytes())
    }

    fn write_f64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f64) -> std::io::Result<()> {
        writer.write_all(js::number(value).as_bytes())
    }
}

/// The TypeScript declarations of the spec types (`ts/generated/spec.ts`; the runtime
/// imports them).
#[cfg(test)]
pub(crate) fn typescript_declarations() -> String {
    use ts_rs::TS;
    let cfg = ts_rs::Config::new().with_large_int("number");
    let decls = [
        SheetSpec::decl(&cfg),
        CalcSpec::decl(&cfg),
        NameSpec::decl(&cfg),
        DeclaredSpec::decl(&cfg),
        BackfillSpec::decl(&cfg),
        NumFmtSpec::decl(&cfg),
        TableSpec::decl(&cfg),
        DataTableSpec::decl(&cfg),
        EngineSpec::decl(&cfg),
    ];
    crate::generated_file("crates/sheetc-core/src/stages/emit/spec.rs", &decls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_js_literals() {
        let spec = NameSpec { name: "a\"b</script>`${x}`\u{2028}\u{7f}\n\u{1}\\".into(), scope: None, area: None };
        let mut out = Vec::new();
        spec.serialize(&mut serde_json::Serializer::with_formatter(&mut out, JsFormatter)).expect("serialise");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text, format!("{{\"name\":{},\"scope\":null,\"area\":null}}", js::string(&spec.name)));
    }
}
