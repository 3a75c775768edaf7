//! What calamine's streaming cell reader does not report, read in a second pass over each
//! sheet part: array-formula ranges, the value metadata of error cells, hidden rows and
//! the AutoFilter (SUBTOTAL and AGGREGATE skip hidden and filtered rows), and data
//! tables (`<f t="dataTable">`, which calamine reports as plain values). Only a part whose
//! bounds scan ([`crate::bounds::scan_part`], which reads every sheet before calamine
//! does) found a mention of one of them is parsed: almost no sheet is parsed twice. (The
//! cells' number formats ride on the bounds scan's blocks: `style_scan`, filled in by `cells`.)

use std::collections::HashMap;
use std::io::{Read, Seek};

use quick_xml::events::Event;
use sheetc_core::address::{parse_a1, MAX_ROW};
use sheetc_core::error::{ErrorCode, Result, SheetcError};
use sheetc_core::model::{Cell, CellKind, DataTableRange, FormatRun, Limits, Sheet, Value};

use crate::bounds::PartScan;
use crate::cells::{mark_array_members, push_formula};
use crate::package::{attr, read_part};

/// Collects `(anchor row, anchor col) → (last row, last col)` of array formulas in one
/// sheet part. Calamine reports array formulas as ordinary ones and drops their range.
/// What the streaming cell reader does not report: array-formula ranges, and the
/// value-metadata index (`vm`) of error cells (rich-value errors such as #CALC!).
#[derive(Default)]
pub(crate) struct SheetExtras {
    pub(crate) arrays: HashMap<(u32, u32), ArrayExtent>,
    pub(crate) error_vm: HashMap<(u32, u32), u32>,
    /// Rows marked hidden (zero-based), sorted.
    pub(crate) hidden_rows: Vec<u32>,
    /// The sheet's AutoFilter range `(r0, c0, r1, c1)` (header row first) when it has
    /// filter criteria: its hidden rows are hidden by the filter.
    pub(crate) active_filter: Option<(u32, u32, u32, u32)>,
    pub(crate) data_tables: Vec<DataTableExtent>,
    /// Cells with a number format other than General (`style_scan::StyleScan`).
    pub(crate) formats: Vec<FormatRun>,
}

/// A data table: its anchor (top-left result cell), its last cell, and the formula Excel
/// shows for it (`TABLE(row input, column input)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DataTableExtent {
    pub(crate) anchor: (u32, u32),
    pub(crate) last: (u32, u32),
    pub(crate) formula: String,
    /// The row and column input cells (see `model::DataTableRange`); both `None` when
    /// Excel marks an input deleted or its reference cannot be read.
    pub(crate) inputs: (Option<Position>, Option<Position>),
}

/// A cell's (row, col), zero-based.
pub(crate) type Position = (u32, u32);

/// An array formula's stored range end and its anchor cell's `cm` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArrayExtent {
    pub(crate) last: (u32, u32),
    pub(crate) cm: Option<u32>,
}

/// One sheet part's extras, parsed as XML, for what its bounds scan found mentioned.
pub(crate) fn sheet_extras<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64, scan: &PartScan) -> Result<SheetExtras> {
    if !scan.needs_extras() {
        return Ok(SheetExtras::default());
    }
    let xml = read_part(zip, name, limit)?.unwrap_or_default();
    let mut extras = SheetExtras {
        arrays: if scan.has_arrays { array_formula_ranges(&xml) } else { HashMap::new() },
        error_vm: if scan.has_vm { error_value_metadata(&xml) } else { HashMap::new() },
        ..SheetExtras::default()
    };
    if scan.has_hidden {
        (extras.hidden_rows, extras.active_filter) = row_visibility(&xml);
    }
    if scan.has_data_tables {
        extras.data_tables = data_tables(&xml);
    }
    Ok(extras)
}

/// A range as `(r0, c0, r1, c1)`, zero-based, inclusive.
pub(crate) type Span = (u32, u32, u32, u32);

/// Hidden rows (zero-based, sorted) and the sheet's AutoFilter range when it filters.
/// A `<row>` without `r` follows the previous one. The AutoFilter of a custom view
/// (`customSheetView`) is not the sheet's.
pub(crate) fn row_visibility(xml: &[u8]) -> (Vec<u32>, Option<Span>) {
    let mut hidden = Vec::new();
    let mut filter: Option<(u32, u32, u32, u32)> = None;
    let mut active = false;
    let (mut in_view, mut in_filter, mut in_column) = (false, false, false);
    let mut next_row: u32 = 0;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        let (e, empty) = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                match e.local_name().into_inner() {
                    "customSheetView" => in_view = false,
                    "autoFilter" => in_filter = false,
                    "filterColumn" => in_column = false,
                    _ => {}
                }
                buf.clear();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        match e.local_name().into_inner() {
            "row" => {
                let row = attr(&e, "r").and_then(|r| r.parse::<u32>().ok()).filter(|&r| (1..=MAX_ROW + 1).contains(&r)).map_or(next_row, |r| r - 1);
                next_row = row.saturating_add(1);
                if attr(&e, "hidden").is_some_and(|v| v == "1" || v == "true") {
                    hidden.push(row);
                }
            }
            "customSheetView" if !empty => in_view = true,
            "autoFilter" if !in_view => {
                filter = attr(&e, "ref").and_then(|r| parse_range(&r));
                in_filter = !empty;
            }
            "filterColumn" if in_filter => in_column = !empty,
            // Any criterion (filters, customFilters, top10, dynamicFilter, colorFilter, iconFilter).
            _ if in_column => active = true,
            _ => {}
        }
        buf.clear();
    }
    hidden.sort_unstable();
    hidden.dedup();
    (hidden, filter.filter(|_| active))
}

/// `A1:D20` (or one cell) as `(r0, c0, r1, c1)`.
pub(crate) fn parse_range(r: &str) -> Option<(u32, u32, u32, u32)> {
    let (a, b) = r.split_once(':').unwrap_or((r, r));
    let ((r0, c0), (r1, c1)) = (parse_a1(a)?, parse_a1(b)?);
    Some((r0.min(r1), c0.min(c1), r0.max(r1), c0.max(c1)))
}

/// The data tables of a sheet part: `<f t="dataTable" ref="B2:D5" dt2D="1" dtr="1"
/// r1="A1" r2="A2"/>` on the anchor cell. The formula is the one Excel shows,
/// `TABLE(row input, column input)`: a two-variable table names both (`r1`, `r2`); a
/// one-variable table names its input as the row input (`dtr="1"`) or the column input.
/// A deleted input cell (`del1`, `del2`) shows as `#REF!`.
pub(crate) fn data_tables(xml: &[u8]) -> Vec<DataTableExtent> {
    let mut out = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut cell: Option<(u32, u32)> = None;
    let flag = |e: &quick_xml::events::BytesStart<'_>, k: &str| attr(e, k).is_some_and(|v| v == "1" || v == "true");
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "c" => cell = attr(&e, "r").and_then(|r| parse_a1(&r)),
                "f" if attr(&e, "t").as_deref() == Some("dataTable") => {
                    let Some(anchor) = cell else { continue };
                    let last = attr(&e, "ref").and_then(|r| parse_range(&r)).map_or(anchor, |(_, _, r1, c1)| (r1, c1));
                    if last.0 < anchor.0 || last.1 < anchor.1 {
                        continue;
                    }
                    let input = |k: &str, deleted: &str| if flag(&e, deleted) { "#REF!".to_string() } else { attr(&e, k).unwrap_or_default() };
                    let (first, second) = (input("r1", "del1"), input("r2", "del2"));
                    let formula = if flag(&e, "dt2D") {
                        format!("TABLE({first},{second})")
                    } else if flag(&e, "dtr") {
                        format!("TABLE({first},)")
                    } else {
                        format!("TABLE(,{first})")
                    };
                    let cell_of = |k: &str| attr(&e, k).and_then(|r| parse_a1(&r));
                    let deleted = flag(&e, "del1") || flag(&e, "del2");
                    let inputs = match (deleted, flag(&e, "dt2D"), flag(&e, "dtr")) {
                        (true, _, _) => (None, None),
                        (false, true, _) => match (cell_of("r1"), cell_of("r2")) {
                            (Some(r), Some(c)) => (Some(r), Some(c)),
                            _ => (None, None),
                        },
                        (false, false, true) => (cell_of("r1"), None),
                        (false, false, false) => (None, cell_of("r1")),
                    };
                    out.push(DataTableExtent { anchor, last, formula, inputs });
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// `(row, col) → vm` of cells typed as errors that carry value metadata.
pub(crate) fn error_value_metadata(xml: &[u8]) -> HashMap<(u32, u32), u32> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "c" && attr(&e, "t").as_deref() == Some("e") => {
                if let (Some(pos), Some(vm)) = (attr(&e, "r").and_then(|r| parse_a1(&r)), attr(&e, "vm").and_then(|v| v.parse().ok())) {
                    out.insert(pos, vm);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// Collects `(anchor row, anchor col) → extent` of array formulas in one sheet part.
/// Calamine reports array formulas as ordinary ones and drops their range.
pub(crate) fn array_formula_ranges(xml: &[u8]) -> HashMap<(u32, u32), ArrayExtent> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut cell: Option<(u32, u32)> = None;
    let mut cm: Option<u32> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "c" => {
                    cell = attr(&e, "r").and_then(|r| parse_a1(&r));
                    cm = attr(&e, "cm").and_then(|v| v.parse().ok());
                }
                "f" if attr(&e, "t").as_deref() == Some("array") => {
                    if let (Some(anchor), Some(r)) = (cell, attr(&e, "ref")) {
                        let last = match r.split_once(':') {
                            Some((_, b)) => parse_a1(b),
                            None => parse_a1(&r),
                        };
                        if let Some(last) = last {
                            out.insert(anchor, ArrayExtent { last, cm });
                        }
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// Turns each data table into an array formula: its anchor holds the formula Excel shows
/// (`TABLE(...)`), the other cells of its range become members, and the sheet lists the
/// range with its input cells (the compiler computes a table by re-running the model
/// where it can, and otherwise keeps the stored values and reports them). An anchor that is not where the file's cells put it (a formula cell, or
/// an overlapping array) is left alone.
pub(crate) fn apply_data_tables(sheet: &mut Sheet, tables: &[DataTableExtent], limits: &Limits, cell_total: &mut u64) -> Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    // Count the ranges against the cell limit before materialising any member.
    let extra: u64 = tables.iter().map(|t| ((t.last.0 - t.anchor.0) as u64 + 1) * ((t.last.1 - t.anchor.1) as u64 + 1)).sum();
    if cell_total.saturating_add(extra) > limits.max_cells {
        return Err(SheetcError::new(
            ErrorCode::TooLarge,
            format!("data tables on sheet {} cover more than {} cells (raise the limit with --max-cells)", sheet.name, limits.max_cells),
        ));
    }
    *cell_total += extra;
    let mut members = Vec::new();
    for t in tables {
        let (row, col) = t.anchor;
        let i = match sheet.cells.binary_search_by_key(&(row, col), |c| (c.row, c.col)) {
            Ok(i) => i,
            Err(i) => {
                sheet.cells.insert(i, Cell { row, col, kind: CellKind::Constant, value: Value::Empty });
                i
            }
        };
        if sheet.cells[i].kind != CellKind::Constant {
            continue;
        }
        let formula = push_formula(sheet, &t.formula, row, col);
        sheet.cells[i].kind = CellKind::ArrayFormula { formula, last_row: t.last.0, last_col: t.last.1, dynamic: false };
        members.push((row, col, t.last.0, t.last.1));
        sheet.data_tables.push(DataTableRange { r0: row, c0: col, r1: t.last.0, c1: t.last.1, row_input: t.inputs.0, col_input: t.inputs.1 });
    }
    mark_array_members(sheet, &members);
    Ok(())
}

/// Sets a sheet's hidden rows, and which of them a filter hides (inside an AutoFilter
/// range that filters, below its header row: the sheet's own or a table's).
pub(crate) fn apply_row_visibility(sheet: &mut Sheet, hidden: Vec<u32>, filters: &[(u32, u32, u32, u32)]) {
    sheet.filtered_rows = hidden.iter().copied().filter(|&r| filters.iter().any(|&(r0, _, r1, _)| r > r0 && r <= r1)).collect();
    sheet.hidden_rows = hidden;
}
