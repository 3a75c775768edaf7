//! Backfill stage: cells the compiler cannot compile keep Excel's cached value.
//!
//! No cell is ever silently dropped. A cell whose formula does not parse, calls a
//! function the runtime lacks, or references another workbook is emitted as a
//! constant holding the value Excel stored (or `#NAME?` when the file stores none),
//! and listed in the build report with its reason and source span. At run time a
//! backfilled cell is reported *stale* when inputs change: its formula did not bind,
//! so its dependency cone is unknown and every input counts.

use crate::address::{cell_name, MAX_COL, MAX_ROW};
use crate::bind::{visit_refs, Bound};
use crate::error::{ErrorCode, Result, SheetcError};
use crate::model::{Value, Workbook};
use crate::plan::{Backfill, BackfillPlan, BackfillReason};
use crate::report::BackfillReport;
use crate::stages::shapes::Shaped;

/// Cells whose relative references fall off the sheet are backfilled. Per shape, the
/// span of its relative offsets (rows, columns) says at once where it may sit: a check
/// per cell is four comparisons, not a walk over its references.
pub fn off_sheet(shaped: &mut Shaped) {
    let reaches: Vec<RelativeReach> = shaped.shapes.iter().map(RelativeReach::of).collect();
    let backfills = &mut shaped.backfills;
    shaped.nodes.retain(|n| {
        if reaches[n.shape as usize].fits(n.row, n.col) {
            true
        } else {
            backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: BackfillReason::ReferenceOffSheet });
            false
        }
    });
}

/// `--strict`: any backfilled cell fails the build, naming the first.
pub fn enforce_strict(workbook: &Workbook, backfills: &[Backfill]) -> Result<()> {
    let Some(b) = backfills.first() else { return Ok(()) };
    Err(SheetcError::new(
        ErrorCode::Strict,
        format!("{} cell(s) cannot be compiled and --strict forbids backfilling; first: {}", backfills.len(), b.reason.message()),
    )
    .at(format!("{}!{}", workbook.sheets[b.sheet as usize].name, cell_name(b.row, b.col))))
}

/// What the engine carries for each backfilled cell. A backfilled cell has no bound
/// formula, so its dependency cone is unknown: the engine treats it as stale whenever any
/// input changes (`cone: None`).
pub fn plans(backfills: &[Backfill]) -> Vec<BackfillPlan> {
    backfills.iter().map(|b| BackfillPlan { sheet: b.sheet, row: b.row, col: b.col, reason: b.reason.message(), cone: None }).collect()
}

/// The build report's rows for the backfilled cells (with their formula and whether the
/// file stored a value for them).
pub fn report_rows(workbook: &Workbook, backfills: &[Backfill]) -> Vec<BackfillReport> {
    backfills
        .iter()
        .map(|b| {
            let sheet = &workbook.sheets[b.sheet as usize];
            let cell = sheet.cells.binary_search_by_key(&(b.row, b.col), |c| (c.row, c.col)).ok().map(|i| &sheet.cells[i]);
            let formula = cell.and_then(|c| c.formula()).map(|f| sheet.formulas[f.text as usize].to_string()).unwrap_or_default();
            BackfillReport {
                sheet: sheet.name.clone(),
                cell: cell_name(b.row, b.col),
                formula,
                code: b.reason.code().to_string(),
                reason: b.reason.message(),
                span: b.reason.span().map(|s| [s.start, s.end]),
                has_cached_value: cell.is_some_and(|c| c.value != Value::Empty),
            }
        })
        .collect()
}

/// The smallest and largest relative row and column offsets a shape uses (none: it has
/// no relative reference and fits anywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RelativeReach {
    rows: Option<(i64, i64)>,
    cols: Option<(i64, i64)>,
}

impl RelativeReach {
    fn of(bound: &Bound) -> RelativeReach {
        use crate::bind::Coord;
        let mut reach = RelativeReach { rows: None, cols: None };
        let widen = |span: &mut Option<(i64, i64)>, c: &Coord| {
            if let Coord::Rel(d) = *c {
                let d = d as i64;
                *span = Some(span.map_or((d, d), |(lo, hi)| (lo.min(d), hi.max(d))));
            }
        };
        visit_refs(bound, &mut |r| match r {
            Bound::Cell { row, col, .. } => {
                widen(&mut reach.rows, row);
                widen(&mut reach.cols, col);
            }
            Bound::Area(a) => {
                widen(&mut reach.rows, &a.r0);
                widen(&mut reach.rows, &a.r1);
                widen(&mut reach.cols, &a.c0);
                widen(&mut reach.cols, &a.c1);
            }
            _ => {}
        });
        reach
    }

    /// True when every relative reference stays on the sheet for a formula at (row, col)
    /// (exactly when `for_each_precedent` returns true there).
    pub(crate) fn fits(&self, row: u32, col: u32) -> bool {
        let inside = |span: Option<(i64, i64)>, base: u32, max: u32| span.is_none_or(|(lo, hi)| base as i64 + lo >= 0 && base as i64 + hi <= max as i64);
        inside(self.rows, row, MAX_ROW) && inside(self.cols, col, MAX_COL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bind::{for_each_precedent, Area, Coord};

    #[test]
    fn relative_reach_agrees_with_resolving_every_reference() {
        // Random shapes of cells and areas with absolute and relative coordinates, tried
        // at positions near every edge of the sheet: `fits` must say exactly what
        // resolving each reference says.
        let mut next = crate::xorshift(0x1234_5678_9ABC_DEF1u64);
        let mut coord = |max: u32| -> Coord {
            if next(2) == 0 {
                Coord::Abs(next(max + 1))
            } else {
                Coord::Rel(next(41) as i32 - 20)
            }
        };
        let mut shapes = Vec::new();
        for _ in 0..300 {
            let refs: Vec<Bound> = (0..1 + (shapes.len() % 4))
                .map(|k| {
                    if k % 2 == 0 {
                        Bound::Cell { sheet: 0, row: coord(MAX_ROW), col: coord(MAX_COL) }
                    } else {
                        Bound::Area(Area { sheet: 0, r0: coord(MAX_ROW), c0: coord(MAX_COL), r1: coord(MAX_ROW), c1: coord(MAX_COL) })
                    }
                })
                .collect();
            shapes.push(Bound::Call { name: "SUM".into(), args: refs });
        }
        let edges = |max: u32| [0, 1, 5, 19, 20, 21, 1000, max - 21, max - 20, max - 19, max - 1, max];
        for shape in &shapes {
            let reach = RelativeReach::of(shape);
            for row in edges(MAX_ROW) {
                for col in edges(MAX_COL) {
                    assert_eq!(reach.fits(row, col), for_each_precedent(shape, row, col, &mut |_| {}), "{shape:?} at ({row}, {col})");
                }
            }
        }
    }
}
