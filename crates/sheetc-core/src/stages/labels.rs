//! Labels stage: the text a reader of the sheet sees beside each formula or input cell,
//! for `sheetc find` and `sheetc explain` (`labels.json` beside the engine).
//!
//! A cell's labels are the nearest text to its left in its row ("Discount rate"), the
//! nearest text above it in its column ("FY2026"), and, inside an Excel table, its
//! column's header. Text is a text constant or a formula whose stored result is text
//! (headers are often computed). Labelled cells are formula cells and non-text
//! constants (the inputs).
//!
//! Labels repeat along a row and down a column, so they are stored as runs: per sheet,
//! `rows` holds `[row, c0, c1, label]` (the cells `c0..=c1` of `row` share the label),
//! `cols` holds `[col, r0, r1, label]`, `headers` the same for table headers; labels are
//! indexes into one deduplicated `strings` list. A run covers labelled cells only (it
//! stops at a gap), so the runs also list the cells that can be found. Measured on the
//! 1M-cell bench model: see the README (What-if analysis).

use std::collections::HashMap;

use serde::Serialize;

use crate::model::{Cell, CellKind, Value, Workbook};

/// Longer texts are notes, not labels: they are cut to this many characters.
const MAX_LABEL_CHARS: usize = 120;

#[derive(Serialize, Default, Debug)]
pub struct SheetLabels {
    /// Flat `[row, c0, c1, label, ...]`: the nearest text to the left.
    pub rows: Vec<u32>,
    /// Flat `[col, r0, r1, label, ...]`: the nearest text above.
    pub cols: Vec<u32>,
    /// Flat `[col, r0, r1, label, ...]`: the header of the table column holding the cells.
    pub headers: Vec<u32>,
}

#[derive(Serialize, Default, Debug)]
pub struct LabelIndex {
    pub version: u32,
    /// Each label text once.
    pub strings: Vec<String>,
    /// Per sheet, in workbook order.
    pub sheets: Vec<SheetLabels>,
}

/// The label text a cell shows, if it shows text.
fn text_of(cell: &Cell) -> Option<&str> {
    match (&cell.kind, &cell.value) {
        (CellKind::ArrayMember, _) => None,
        (_, Value::Text(t)) => {
            let t = t.trim();
            (!t.is_empty()).then_some(t)
        }
        _ => None,
    }
}

/// A cell that gets labels: a formula cell, or a constant that is not text (an input).
fn is_labelled(cell: &Cell) -> bool {
    match cell.kind {
        CellKind::Constant => !matches!(cell.value, Value::Text(_) | Value::Empty),
        _ => true,
    }
}

/// Appends to a flat run list, extending the last run when the cell continues it.
struct Runs {
    /// Per line (a row for `rows`, a column for `cols`): the open run `(start, end, label)`.
    open: HashMap<u32, (u32, u32, u32)>,
    out: Vec<[u32; 4]>,
}

impl Runs {
    fn new() -> Self {
        Runs { open: HashMap::new(), out: Vec::new() }
    }
    fn push(&mut self, line: u32, at: u32, label: u32) {
        match self.open.get_mut(&line) {
            Some(run) if run.2 == label && run.1 + 1 == at => run.1 = at,
            Some(run) => {
                self.out.push([line, run.0, run.1, run.2]);
                *run = (at, at, label);
            }
            None => {
                self.open.insert(line, (at, at, label));
            }
        }
    }
    /// Ends the open run of a line (a gap or an unlabelled cell breaks it).
    fn close(&mut self, line: u32) {
        if let Some(run) = self.open.remove(&line) {
            self.out.push([line, run.0, run.1, run.2]);
        }
    }
    fn finish(mut self) -> Vec<u32> {
        for (line, run) in self.open.drain() {
            self.out.push([line, run.0, run.1, run.2]);
        }
        self.out.sort_unstable();
        self.out.into_iter().flatten().collect()
    }
}

/// Interns label texts.
struct Strings {
    ids: HashMap<String, u32>,
    list: Vec<String>,
}

impl Strings {
    fn id(&mut self, text: &str) -> u32 {
        let text: String = if text.chars().count() > MAX_LABEL_CHARS { text.chars().take(MAX_LABEL_CHARS).collect() } else { text.to_string() };
        if let Some(&id) = self.ids.get(&text) {
            return id;
        }
        let id = self.list.len() as u32;
        self.ids.insert(text.clone(), id);
        self.list.push(text);
        id
    }
}

/// The labels of every formula and input cell of the workbook.
pub fn labels(workbook: &Workbook) -> LabelIndex {
    let mut strings = Strings { ids: HashMap::new(), list: Vec::new() };
    let mut sheets = Vec::with_capacity(workbook.sheets.len());
    for (s, sheet) in workbook.sheets.iter().enumerate() {
        // Table columns on this sheet, by column: (body r0, body r1, header label).
        let mut table_cols: HashMap<u32, Vec<(u32, u32, u32)>> = HashMap::new();
        for t in workbook.tables.iter().filter(|t| t.sheet as usize == s && t.header_rows > 0) {
            let (b0, b1) = (t.r0 + t.header_rows, t.r1.saturating_sub(t.totals_rows));
            for (k, name) in t.columns.iter().enumerate() {
                let name = name.trim();
                if !name.is_empty() && b0 <= b1 {
                    table_cols.entry(t.c0 + k as u32).or_default().push((b0, b1, strings.id(name)));
                }
            }
        }
        let (mut rows, mut cols, mut headers) = (Runs::new(), Runs::new(), Runs::new());
        // The nearest text above, per column; to the left, in the current row.
        let mut above: HashMap<u32, u32> = HashMap::new();
        let mut row = u32::MAX;
        let mut left: Option<u32> = None;
        let mut prev_col_in_row = u32::MAX;
        for cell in &sheet.cells {
            if cell.row != row {
                if row != u32::MAX {
                    rows.close(row);
                }
                row = cell.row;
                left = None;
                prev_col_in_row = u32::MAX;
            }
            // A gap in the row ends the row's run; a gap in the column ends the column's.
            if prev_col_in_row != u32::MAX && cell.col != prev_col_in_row + 1 {
                rows.close(row);
            }
            prev_col_in_row = cell.col;
            if is_labelled(cell) {
                match left {
                    Some(l) => rows.push(row, cell.col, l),
                    None => rows.close(row),
                }
                match above.get(&cell.col) {
                    Some(&l) => cols.push(cell.col, cell.row, l),
                    None => cols.close(cell.col),
                }
                let header = table_cols.get(&cell.col).and_then(|t| t.iter().find(|&&(b0, b1, _)| (b0..=b1).contains(&cell.row)));
                if let Some(&(_, _, h)) = header {
                    headers.push(cell.col, cell.row, h);
                } else {
                    headers.close(cell.col);
                }
            } else {
                rows.close(row);
                cols.close(cell.col);
                headers.close(cell.col);
            }
            if let Some(t) = text_of(cell) {
                let id = strings.id(t);
                left = Some(id);
                above.insert(cell.col, id);
            }
        }
        sheets.push(SheetLabels { rows: rows.finish(), cols: cols.finish(), headers: headers.finish() });
    }
    LabelIndex { version: 1, strings: strings.list, sheets }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FormulaRef, Sheet};

    fn constant(row: u32, col: u32, value: Value) -> Cell {
        Cell { row, col, kind: CellKind::Constant, value }
    }

    fn formula(row: u32, col: u32) -> Cell {
        Cell { row, col, kind: CellKind::Formula(FormulaRef { text: 0, origin_row: row, origin_col: col }), value: Value::Number(1.0) }
    }

    fn text(row: u32, col: u32, t: &str) -> Cell {
        constant(row, col, Value::Text(t.into()))
    }

    #[test]
    fn a_cell_is_labelled_by_the_nearest_text_left_and_above() {
        // A1 "", B1 "2025", C1 "2026" / A2 "Revenue", B2 100, C2 =B2*2 / A3 "Costs", B3 =B2/2, C3 =C2/2
        let cells = vec![
            text(0, 1, "2025"),
            text(0, 2, "2026"),
            text(1, 0, "Revenue"),
            constant(1, 1, Value::Number(100.0)),
            formula(1, 2),
            text(2, 0, "  Costs "),
            formula(2, 1),
            formula(2, 2),
        ];
        let wb = Workbook { sheets: vec![Sheet { name: "S".into(), cells, ..Sheet::default() }], ..Workbook::default() };
        let idx = labels(&wb);
        let id = |t: &str| idx.strings.iter().position(|s| s == t).expect("interned") as u32;
        let s = &idx.sheets[0];
        assert_eq!(s.rows, vec![1, 1, 2, id("Revenue"), 2, 1, 2, id("Costs")]);
        assert_eq!(s.cols, vec![1, 1, 2, id("2025"), 2, 1, 2, id("2026")]);
        assert!(s.headers.is_empty());
    }

    #[test]
    fn a_nearer_text_or_a_gap_starts_a_new_run() {
        // Row 0: "Price" 1 2 "EUR" 3 _ 4
        let cells =
            vec![text(0, 0, "Price"), constant(0, 1, Value::Number(1.0)), constant(0, 2, Value::Number(2.0)), text(0, 3, "EUR"), formula(0, 4), formula(0, 6)];
        let wb = Workbook { sheets: vec![Sheet { name: "S".into(), cells, ..Sheet::default() }], ..Workbook::default() };
        let idx = labels(&wb);
        let (p, e) = (0, 1);
        assert_eq!(idx.strings, vec!["Price", "EUR"]);
        assert_eq!(idx.sheets[0].rows, vec![0, 1, 2, p, 0, 4, 4, e, 0, 6, 6, e]);
    }

    #[test]
    fn table_cells_get_their_column_header() {
        let cells =
            vec![text(0, 0, "Qty"), text(0, 1, "Total"), constant(1, 0, Value::Number(2.0)), formula(1, 1), constant(2, 0, Value::Number(3.0)), formula(2, 1)];
        let table = crate::model::Table {
            name: "T".into(),
            sheet: 0,
            r0: 0,
            c0: 0,
            r1: 2,
            c1: 1,
            header_rows: 1,
            totals_rows: 0,
            columns: vec!["Qty".into(), "Total".into()],
        };
        let wb = Workbook { sheets: vec![Sheet { name: "S".into(), cells, ..Sheet::default() }], tables: vec![table], ..Workbook::default() };
        let idx = labels(&wb);
        assert_eq!(idx.sheets[0].headers, vec![0, 1, 2, 0, 1, 1, 2, 1]);
    }
}
