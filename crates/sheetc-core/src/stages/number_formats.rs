//! Number formats stage: which cells of the engine `text()` shows under a format other
//! than General, as the spec's `numFmts` (distinct codes, and rectangles of cells per
//! code). The reader hands over runs along rows (`model::CellFormats`); a column
//! formatted down a table becomes one rectangle here, not one run per row.

use std::collections::HashMap;

use crate::address::Rect;
use crate::model::{FormatRun, Workbook};
use crate::plan::NumFmtPlan;

/// The number formats of the engine's cells: every formatted cell of the workbook, or,
/// for a profile with declared outputs (`only`: its declared inputs and outputs, the only
/// cells `text()` can be asked for), the formatted cells inside them. Codes no kept cell
/// uses are left out, the others renumbered in order of first use.
pub fn plan(workbook: &Workbook, only: Option<&[Rect]>) -> NumFmtPlan {
    let formats = &workbook.formats;
    let mut areas: Vec<[u32; 6]> = Vec::new();
    for (s, runs) in formats.sheets.iter().enumerate() {
        let s = s as u32;
        for [r0, c0, r1, c1, code] in rectangles(runs) {
            match only {
                None => areas.push([s, r0, c0, r1, c1, code]),
                Some(rects) => {
                    for k in rects.iter().filter(|k| k.sheet == s) {
                        let (ir0, ic0, ir1, ic1) = (r0.max(k.r0), c0.max(k.c0), r1.min(k.r1), c1.min(k.c1));
                        if ir0 <= ir1 && ic0 <= ic1 {
                            areas.push([s, ir0, ic0, ir1, ic1, code]);
                        }
                    }
                }
            }
        }
    }
    let mut remap: HashMap<u32, u32> = HashMap::new();
    let mut codes = Vec::new();
    for a in &mut areas {
        let next = remap.len() as u32;
        a[5] = *remap.entry(a[5]).or_insert_with(|| {
            codes.push(formats.codes.get(a[5] as usize).cloned().unwrap_or_default());
            next
        });
    }
    NumFmtPlan { codes, areas }
}

/// Merges runs into rectangles `[r0, c0, r1, c1, code]`: a run continues the rectangle
/// above it when it covers the same columns with the same format on the next row (a
/// column formatted down a table is one rectangle, not one run per row).
pub fn rectangles(runs: &[FormatRun]) -> Vec<[u32; 5]> {
    let mut out: Vec<[u32; 5]> = Vec::new();
    // Rectangles that ended on the previous row, by (c0, c1, code) → index in `out`.
    let mut open: HashMap<(u32, u32, u32), usize> = HashMap::new();
    let mut next_open: HashMap<(u32, u32, u32), usize> = HashMap::new();
    let mut current_row = None;
    for run in runs {
        if current_row != Some(run.row) {
            // Only rectangles ending on the row just before can grow.
            if current_row.is_some_and(|r: u32| r.checked_add(1) == Some(run.row)) {
                open = std::mem::take(&mut next_open);
            } else {
                open.clear();
                next_open.clear();
            }
            current_row = Some(run.row);
        }
        let key = (run.col, run.col + run.count - 1, run.code);
        match open.remove(&key) {
            Some(i) => {
                out[i][2] = run.row;
                next_open.insert(key, i);
            }
            None => {
                out.push([run.row, key.0, run.row, key.1, run.code]);
                next_open.insert(key, out.len() - 1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_consecutive_rows_merge_into_rectangles() {
        let runs = [
            FormatRun { row: 0, col: 1, count: 3, code: 0 },
            FormatRun { row: 1, col: 1, count: 3, code: 0 },
            FormatRun { row: 1, col: 5, count: 1, code: 1 },
            FormatRun { row: 2, col: 1, count: 3, code: 0 },
            FormatRun { row: 4, col: 1, count: 3, code: 0 },
        ];
        assert_eq!(rectangles(&runs), vec![[0, 1, 2, 3, 0], [1, 5, 1, 5, 1], [4, 1, 4, 3, 0]]);
    }

    #[test]
    fn a_profile_keeps_the_formats_inside_its_declared_cells_renumbered() {
        let mut workbook = Workbook::default();
        workbook.formats.codes = vec!["0.00".into(), "m/d/yyyy".into(), "0%".into()];
        let run = |row, col, count, code| FormatRun { row, col, count, code };
        // Sheet 0: B1:D2 as 0.00, F2 as a date; sheet 1: A1 as 0%.
        workbook.formats.sheets = vec![vec![run(0, 1, 3, 0), run(1, 1, 3, 0), run(1, 5, 1, 1)], vec![run(0, 0, 1, 2)]];
        let all = plan(&workbook, None);
        assert_eq!(all.codes, vec!["0.00", "m/d/yyyy", "0%"]);
        assert_eq!(all.areas, vec![[0, 0, 1, 1, 3, 0], [0, 1, 5, 1, 5, 1], [1, 0, 0, 0, 0, 2]]);
        // Declared C2:F9 on sheet 0: the overlap with B1:D2 and F2; the 0% code is unused.
        let kept = plan(&workbook, Some(&[Rect { sheet: 0, r0: 1, c0: 2, r1: 8, c1: 5 }]));
        assert_eq!(kept.codes, vec!["0.00", "m/d/yyyy"]);
        assert_eq!(kept.areas, vec![[0, 1, 2, 1, 3, 0], [0, 1, 5, 1, 5, 1]]);
        // Only F2: its code is renumbered first.
        let one = plan(&workbook, Some(&[Rect { sheet: 0, r0: 1, c0: 5, r1: 1, c1: 5 }]));
        assert_eq!((one.codes, one.areas), (vec!["m/d/yyyy".to_string()], vec![[0, 1, 5, 1, 5, 0]]));
    }
}
