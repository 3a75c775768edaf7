//! Assemble stage: per sheet, what the engine holds — its constants (backfilled and
//! folded cells included, as values) and its computed cells — and, for an output
//! profile, what it leaves out.

use std::collections::{HashMap, HashSet};

use crate::address::Rect;
use crate::ast::ErrorKind;
use crate::bind::{visit_calls, Bound};
use crate::functions::{user_function_base, FunctionTable};
use crate::graph::CellIndex;
use crate::model::{CellKind, Value, Workbook};
use crate::plan::Backfill;
use crate::plan::{BookContext, ConstantCell, Node, SheetPlan};
use crate::report::SheetReport;
use crate::stages::partition::SheetPartition;
use crate::stages::profile::{mark_in_rects, Cut};
use crate::stages::schedule::node_behind;

pub struct Assembled<'a> {
    pub sheets: Vec<SheetPlan<'a>>,
    pub sheet_reports: Vec<SheetReport>,
    /// Output profile: cells folded to constants, and cells dropped (outside the cone).
    pub folded_cells: usize,
    pub dropped_cells: usize,
    /// Backfilled cells outside an output profile's cone: not in the engine, so neither
    /// in its spec nor in the report.
    pub dropped_backfills: HashSet<(u32, u32, u32)>,
}

/// The `#NAME?` a backfilled cell holds when the file stored no value for it.
static NAME_ERROR: Value = Value::Error(ErrorKind::Name);
/// What a folded cell holds when the full model left it blank.
static EMPTY: Value = Value::Empty;

pub fn assemble<'a>(
    parts: &[SheetPartition<'a>],
    nodes: &[Node],
    index: &CellIndex,
    backfills: &[Backfill],
    cut: Option<&Cut>,
    fold_values: &'a HashMap<(u32, u32, u32), Value>,
) -> Assembled<'a> {
    let mut out = Assembled {
        sheets: Vec::with_capacity(parts.len()),
        sheet_reports: Vec::with_capacity(parts.len()),
        folded_cells: 0,
        dropped_cells: 0,
        dropped_backfills: HashSet::new(),
    };
    let backfilled_set: HashSet<(u32, u32, u32)> = backfills.iter().map(|b| (b.sheet, b.row, b.col)).collect();
    let name_value = &NAME_ERROR;
    let mut sheets = Vec::with_capacity(parts.len());
    for p in parts {
        let mut constants = Vec::new();
        let mut formula_cells = Vec::new();
        let (mut rows, mut cols) = (0u32, 0u32);
        // Members of backfilled array formulas keep their cached values as constants.
        let backfilled_arrays: Vec<(u32, u32, u32, u32)> = p
            .cells
            .iter()
            .filter_map(|c| match c.kind {
                CellKind::ArrayFormula { last_row, last_col, .. } if backfilled_set.contains(&(p.sheet, c.row, c.col)) => {
                    Some((c.row, c.col, last_row, last_col))
                }
                _ => None,
            })
            .collect();
        // With declared outputs, only cells the engine reads or reports stay.
        let kept: Option<Vec<bool>> = cut.and_then(|c| c.keep.as_ref()).map(|keep| {
            let rects: Vec<Rect> = keep.iter().filter(|r| r.sheet == p.sheet).copied().collect();
            let positions: Vec<(u32, u32)> = p.cells.iter().map(|c| (c.row, c.col)).collect();
            mark_in_rects(&positions, &rects)
        });
        for (i, c) in p.cells.iter().enumerate() {
            rows = rows.max(c.row + 1);
            cols = cols.max(c.col + 1);
            let keep = kept.as_ref().is_none_or(|k| k[i]);
            // Only an output profile needs to know the node behind a cell.
            let node = if cut.is_some() { node_behind(c, p.sheet, nodes, index) } else { None };
            if let (Some(cut), Some(n)) = (cut, node) {
                if cut.is_folded(n) {
                    if keep {
                        let v = fold_values.get(&(p.sheet, c.row, c.col)).unwrap_or(&EMPTY);
                        constants.push(ConstantCell { row: c.row, col: c.col, value: v });
                        out.folded_cells += 1;
                    } else {
                        out.dropped_cells += 1;
                    }
                    continue;
                }
                if !cut.live[n as usize] {
                    out.dropped_cells += 1;
                    continue;
                }
            }
            match c.kind {
                CellKind::Constant => {
                    if keep {
                        constants.push(ConstantCell { row: c.row, col: c.col, value: &c.value });
                    } else {
                        out.dropped_cells += 1;
                    }
                }
                CellKind::ArrayMember => {
                    let backfilled = !backfilled_arrays.is_empty()
                        && backfilled_arrays.iter().any(|&(r0, c0, r1, c1)| c.row >= r0 && c.row <= r1 && c.col >= c0 && c.col <= c1);
                    if cut.is_some() && node.is_none() && !backfilled || !keep && backfilled {
                        out.dropped_cells += 1;
                        continue;
                    }
                    formula_cells.push((c.row, c.col));
                    if backfilled {
                        constants.push(ConstantCell { row: c.row, col: c.col, value: &c.value });
                    }
                }
                _ => {
                    let backfilled = !backfilled_set.is_empty() && backfilled_set.contains(&(p.sheet, c.row, c.col));
                    if backfilled && !keep {
                        out.dropped_cells += 1;
                        out.dropped_backfills.insert((p.sheet, c.row, c.col));
                        continue;
                    }
                    formula_cells.push((c.row, c.col));
                    if backfilled {
                        let v = if c.value == Value::Empty { name_value } else { &c.value };
                        constants.push(ConstantCell { row: c.row, col: c.col, value: v });
                    }
                }
            }
        }
        out.sheet_reports.push(SheetReport { name: p.name.to_string(), cells: p.cells.len(), formula_cells: formula_cells.len() });
        // A profile's stores hold only what it kept (a few cells can stay sparse).
        let cell_count = if cut.is_some() { constants.len() + formula_cells.len() } else { p.cells.len() };
        sheets.push(SheetPlan { name: p.name, constants, formula_cells, rows, cols, cell_count });
    }
    out.sheets = sheets;
    out
}

/// The facts the runtime's book context carries (see [`BookContext`]): hidden and
/// filtered rows, the cells that are subtotals, the Mac character set, and the
/// user-defined functions the engine calls.
pub fn book_context<'a>(workbook: &'a Workbook, nodes: &[Node], shapes: &[Bound], functions: &FunctionTable) -> BookContext<'a> {
    let rows = |pick: fn(&crate::model::Sheet) -> &[u32]| -> Vec<(u32, &'a [u32])> {
        workbook.sheets.iter().enumerate().filter(|(_, s)| !pick(s).is_empty()).map(|(i, s)| (i as u32, pick(s))).collect()
    };
    let hidden_rows = rows(|s| &s.hidden_rows);
    let filtered_rows = rows(|s| &s.filtered_rows);
    // Per shape: whether it calls a subtotal function, and the implemented user functions it calls.
    let mut per_shape: HashMap<u32, (bool, Vec<String>)> = HashMap::new();
    let mut subtotal_cells = Vec::new();
    let mut user_functions: Vec<String> = Vec::new();
    for n in nodes {
        let (subtotal, users) = per_shape.entry(n.shape).or_insert_with(|| {
            let (mut subtotal, mut users) = (false, Vec::new());
            visit_calls(&shapes[n.shape as usize], &mut |name| {
                subtotal |= functions.is_subtotal(name);
                if !functions.is_supported(name) && functions.is_declared(name) {
                    users.push(user_function_base(name));
                }
            });
            (subtotal, users)
        });
        if *subtotal {
            subtotal_cells.push((n.sheet, n.row, n.col));
        }
        user_functions.extend(users.iter().cloned());
    }
    subtotal_cells.sort_unstable();
    user_functions.sort_unstable();
    user_functions.dedup();
    BookContext { hidden_rows, filtered_rows, subtotal_cells, mac_charset: workbook.properties.mac_excel(), user_functions }
}
