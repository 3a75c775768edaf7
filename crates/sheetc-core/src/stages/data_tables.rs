//! Data tables stage: Excel's What-If data tables (`{=TABLE(row,col)}`) for the engine to
//! recompute. Each cell of a table is the model re-run with the table's input cell(s) set
//! to the values in its header row and column (see `model::DataTable`); the runtime does
//! that after the main evaluation (ts/runtime/data-tables.ts). Here: which tables the
//! engine carries, and whether any formula reads a table's cells (then the runtime runs
//! the model once more with the tables' values, so those formulas see them).
//!
//! An output profile's engine carries none: its cone may leave out the cells a table
//! re-runs (they keep Excel's stored values there, as does a table that is not
//! [`DataTableRange::computable`]: backfill::data_tables).

use crate::address::Rect;
use crate::bind::{for_each_precedent, Bound};
use crate::model::{DataTableRange, Workbook};
use crate::plan::{DataTablePlan, Node};

/// The tables the runtime computes (`compute`: not an output profile). `is_dynamic(shape)`:
/// the shape builds references at run time (OFFSET, INDIRECT), so it may read a table
/// without naming it.
pub fn plans(workbook: &Workbook, shapes: &[Bound], nodes: &[Node], is_dynamic: impl Fn(u32) -> bool, compute: bool) -> Vec<DataTablePlan> {
    if !compute {
        return Vec::new();
    }
    let mut plans: Vec<DataTablePlan> = workbook
        .sheets
        .iter()
        .enumerate()
        .flat_map(|(s, sheet)| {
            sheet.data_tables.iter().filter(|t| DataTableRange::computable(t)).map(move |t| DataTablePlan { sheet: s as u32, table: *t, read: false })
        })
        .collect();
    if plans.is_empty() {
        return plans;
    }
    let rects: Vec<Rect> = plans.iter().map(DataTablePlan::rect).collect();
    for n in nodes {
        if is_dynamic(n.shape) {
            plans.iter_mut().for_each(|p| p.read = true);
            break;
        }
        for_each_precedent(&shapes[n.shape as usize], n.row, n.col, &mut |r| {
            for (i, t) in rects.iter().enumerate() {
                if r.overlaps(t) {
                    plans[i].read = true;
                }
            }
        });
    }
    plans
}
