//! Graph stage: the cell dependency graph and the evaluation order.
//!
//! Computed cells are indexed per column (array-formula members under their anchor); a
//! range over formula cells becomes segment-tree edges (graph.rs), so ranges stay
//! compact. Strongly connected components are circular clusters. Cells whose references
//! are computed at run time (OFFSET, INDIRECT) are scheduled after everything they could
//! read (`graph::schedule`).

use std::collections::{HashMap, HashSet};

use crate::address::Rect;
use crate::bind::{for_each_read, reads, visit_calls, Bound, Read};
use crate::functions::FunctionTable;
use crate::graph::{schedule as order_of, CellIndex, Component, Graph};
use crate::model::{Cell, CellKind, Value, Workbook};
use crate::plan::{Backfill, BackfillReason, Node};

/// The graph, its evaluation order, and what later stages ask of it.
pub struct Schedule {
    pub index: CellIndex,
    pub graph: Graph,
    /// Cells and clusters in evaluation order.
    pub order: Vec<Component>,
    /// Shapes that build references at run time (OFFSET, INDIRECT).
    pub dynamic_shapes: HashSet<u32>,
}

impl Schedule {
    pub fn is_dynamic_shape(&self, shape: u32) -> bool {
        self.dynamic_shapes.contains(&shape)
    }
}

/// Which ways sheets may be swept (`sweep_directions`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Sweeps {
    /// Per sheet, rows or columns, whichever makes faster runs (a full engine).
    Fastest,
    /// Rows only: an engine cut into row bands (a lazy engine, `--max-module-mb`) loads
    /// the bands a cone needs, and a loop down a whole column would tie every band of
    /// the sheet together.
    Rows,
}

pub fn schedule(workbook: &Workbook, shapes: &[Bound], nodes: &[Node], functions: &FunctionTable, sweeps: Sweeps) -> Schedule {
    let positions: Vec<(u32, u32, u32)> = nodes.iter().map(|n| (n.sheet, n.row, n.col)).collect();
    let mut members = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some((r1, c1)) = n.array_end {
            for r in n.row..=r1 {
                for c in n.col..=c1 {
                    if (r, c) != (n.row, n.col) {
                        members.push(((n.sheet, r, c), i as u32));
                    }
                }
            }
        }
    }
    // Dynamic arrays may grow past the range they were saved with: references into where
    // they can grow depend on them.
    let index = CellIndex::new(&positions, members).with_growth_zones(growth_zones(workbook, nodes));
    // What each shape reads, per kind of formula: a legacy formula reads only the
    // intersected cell of a range where it wants one value (bind::reads); array formulas
    // read their ranges whole.
    let legacy_reads: Vec<Vec<(&Bound, Read)>> = shapes.iter().map(|b| reads(b, true, functions)).collect();
    let array_reads: Vec<Vec<(&Bound, Read)>> = shapes.iter().map(|b| reads(b, false, functions)).collect();
    // Ranges stay compact: over formula cells they become segment-tree edges (graph.rs).
    let graph = Graph::build(nodes.len(), &index, |i, push| {
        let n = nodes[i as usize];
        let shape_reads = if n.array_end.is_some() { &array_reads } else { &legacy_reads };
        for_each_read(&shape_reads[n.shape as usize], n.row, n.col, push);
    });
    drop((legacy_reads, array_reads));
    let dynamic_shapes: HashSet<u32> = (0..shapes.len() as u32)
        .filter(|&i| {
            let mut dynamic = false;
            visit_calls(&shapes[i as usize], &mut |name| dynamic |= functions.is_dynamic_reference(name));
            dynamic
        })
        .collect();
    let column_major = match sweeps {
        Sweeps::Fastest => sweep_directions(workbook, shapes, nodes, functions),
        Sweeps::Rows => vec![false; workbook.sheets.len()],
    };
    let order = order_of(&graph, |v| dynamic_shapes.contains(&nodes[v as usize].shape), |v| sweep_key(&nodes[v as usize], &column_major));
    Schedule { index, graph, order, dynamic_shapes }
}

/// Per sheet, whether its cells are best evaluated column by column (else row by row),
/// weighing for each shape, over its cells:
/// - the invariant work runs of the shape hoist in each direction (`codegen::hoist_gain`):
///   in a model with months across and line items down, `INDEX(Seasonality, MONTH(C$3))`
///   is invariant down a column and `SUMIFS(..., $C5)` along a row;
/// - how many of its cells can stand in runs at all: a shape filling one column of a
///   table (a lookup per transaction) has runs only down it, one filling a row only
///   along it (from the shape's bounding box: cells minus columns, cells minus rows).
///
/// Whichever direction saves more decides; a tie keeps rows (the stores are row-major).
/// One direction per sheet, because the order is one sweep: cells of two directions on
/// one sheet would interleave and break each other's runs.
fn sweep_directions(workbook: &Workbook, shapes: &[Bound], nodes: &[Node], functions: &FunctionTable) -> Vec<bool> {
    /// What a cell in a run saves over a cell statement of its own (a call, the
    /// context's position, the store lookup), in `hoist_gain`'s units.
    const RUN_WEIGHT: u64 = 4;
    // Per shape: its sheet (the first cell's), cell count and bounding box.
    struct Extent {
        sheet: u32,
        cells: u64,
        rows: (u32, u32),
        cols: (u32, u32),
    }
    let mut extents: Vec<Option<Extent>> = (0..shapes.len()).map(|_| None).collect();
    for n in nodes {
        if n.array_end.is_some() {
            continue;
        }
        let Some(slot) = extents.get_mut(n.shape as usize) else { continue };
        match slot {
            None => *slot = Some(Extent { sheet: n.sheet, cells: 1, rows: (n.row, n.row), cols: (n.col, n.col) }),
            Some(e) => {
                e.cells += 1;
                e.rows = (e.rows.0.min(n.row), e.rows.1.max(n.row));
                e.cols = (e.cols.0.min(n.col), e.cols.1.max(n.col));
            }
        }
    }
    let mut totals = vec![(0u64, 0u64); workbook.sheets.len()];
    for (shape, e) in extents.iter().enumerate() {
        let Some(e) = e else { continue };
        let Some(t) = totals.get_mut(e.sheet as usize) else { continue };
        let width = (e.cols.1 - e.cols.0) as u64 + 1;
        let height = (e.rows.1 - e.rows.0) as u64 + 1;
        let b = &shapes[shape];
        let down = crate::codegen::hoist_gain(b, true, functions).saturating_mul(e.cells) + RUN_WEIGHT * e.cells.saturating_sub(width);
        let along = crate::codegen::hoist_gain(b, false, functions).saturating_mul(e.cells) + RUN_WEIGHT * e.cells.saturating_sub(height);
        t.0 = t.0.saturating_add(down);
        t.1 = t.1.saturating_add(along);
    }
    totals.into_iter().map(|(down, along)| down > along).collect()
}

/// Where a cell sits in its sheet's sweep (`sweep_directions`): sheet, then column and
/// row, or row and column. The order takes the ready cell with the smallest key first.
fn sweep_key(n: &Node, column_major: &[bool]) -> u64 {
    let (major, minor) = if column_major.get(n.sheet as usize).copied().unwrap_or(false) { (n.col, n.row) } else { (n.row, n.col) };
    ((n.sheet as u64) << 42) | ((major as u64 & 0x1f_ffff) << 21) | (minor as u64 & 0x1f_ffff)
}

/// Circular clusters of a workbook without iterative calculation. Excel does not
/// calculate a circular reference then: it keeps the values it last computed, which the
/// file stores. A cluster whose every cell has a stored value keeps them: its cells are
/// backfilled (`circular-without-iteration`; reported, and stale when an input changes)
/// and the cluster leaves the evaluation order (`Kept::retain`). A cluster with a cell
/// the file stores no value for (a workbook not saved by Excel) has no last values to
/// keep: it is computed as Excel computes a fresh one (runtime: a cycle whose values do
/// not settle is left at 0 with `meta.converged` false; one that only looks circular —
/// the self-reference in an untaken branch — gets its values).
pub fn keep_stored_cycles(workbook: &Workbook, nodes: &[Node], order: &[Component]) -> Kept {
    let mut kept = Kept::default();
    if workbook.calc.iterate {
        return kept;
    }
    let stored = |n: &Node| {
        let cells = &workbook.sheets[n.sheet as usize].cells;
        cells.binary_search_by_key(&(n.row, n.col), |c| (c.row, c.col)).is_ok_and(|i| cells[i].value != Value::Empty)
    };
    for c in order {
        let Component::Cluster(members) = c else { continue };
        if !members.iter().all(|&m| stored(&nodes[m as usize])) {
            continue;
        }
        for &m in members {
            let n = nodes[m as usize];
            kept.backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: BackfillReason::CircularWithoutIteration });
        }
        kept.first_members.insert(members[0]);
    }
    kept
}

/// The clusters `keep_stored_cycles` keeps: their cells' backfills.
#[derive(Default)]
pub struct Kept {
    pub backfills: Vec<Backfill>,
    /// The first member of each kept cluster (clusters are disjoint).
    first_members: HashSet<u32>,
}

impl Kept {
    /// Whether the evaluation order keeps this component (a kept cluster leaves it).
    pub fn retain(&self, c: &Component) -> bool {
        !matches!(c, Component::Cluster(m) if self.first_members.contains(&m[0]))
    }
}

/// The computed cell (node) behind a cell: itself, or its array formula's anchor; None
/// for a constant. `nodes` are sorted by (sheet, row, col).
pub fn node_behind(cell: &Cell, sheet: u32, nodes: &[Node], index: &CellIndex) -> Option<u32> {
    match cell.kind {
        CellKind::Constant => None,
        CellKind::ArrayMember => index.member_anchor(sheet, cell.row, cell.col),
        _ => nodes.binary_search_by_key(&(sheet, cell.row, cell.col), |n| (n.sheet, n.row, n.col)).ok().map(|i| i as u32),
    }
}

/// Where each dynamic array may grow past the range it was saved with, and its node: the
/// empty cells down its columns to the first occupied cell below it, and along its rows
/// to the first occupied cell to their right. Only empty cells: a reference into them is
/// meant for the spill (a formula reading a constant there must not be made to wait for
/// the array, which could be a false cycle). Not covered: growth in both directions at
/// once beyond those strips, and a spill into cells an input clears.
fn growth_zones(workbook: &Workbook, nodes: &[Node]) -> Vec<(Rect, u32)> {
    const LAST_ROW: u32 = 1_048_575;
    const LAST_COL: u32 = 16_383;
    let mut zones = Vec::new();
    // Per sheet with dynamic arrays: occupied rows per column, sorted.
    let mut columns: HashMap<u32, HashMap<u32, Vec<u32>>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if !n.dynamic_array {
            continue;
        }
        let Some(sheet) = workbook.sheets.get(n.sheet as usize) else { continue };
        let (r0, c0) = (n.row, n.col);
        let (r1, c1) = n.array_end.unwrap_or((r0, c0));
        let by_col = columns.entry(n.sheet).or_insert_with(|| {
            let mut m: HashMap<u32, Vec<u32>> = HashMap::new();
            for c in &sheet.cells {
                m.entry(c.col).or_default().push(c.row);
            }
            m
        });
        // Down: to the first occupied cell below the range in any of its columns.
        let mut bottom = LAST_ROW;
        for c in c0..=c1 {
            if let Some(rows) = by_col.get(&c) {
                if let Some(&r) = rows.get(rows.partition_point(|&r| r <= r1)) {
                    bottom = bottom.min(r - 1);
                }
            }
        }
        if bottom > r1 {
            zones.push((Rect { sheet: n.sheet, r0: r1 + 1, c0, r1: bottom, c1 }, i as u32));
        }
        // Right: to the first occupied cell after the range in any of its rows.
        let mut right = LAST_COL;
        for r in r0..=r1 {
            let k = sheet.cells.partition_point(|x| (x.row, x.col) <= (r, c1));
            if let Some(x) = sheet.cells.get(k).filter(|x| x.row == r) {
                right = right.min(x.col - 1);
            }
        }
        if right > c1 {
            zones.push((Rect { sheet: n.sheet, r0, c0: c1 + 1, r1, c1: right }, i as u32));
        }
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Sheet, Value};

    #[test]
    fn growth_zones_run_over_empty_cells_only() {
        let constant = |row, col| Cell { row, col, kind: CellKind::Constant, value: Value::Number(1.0) };
        // A dynamic array at D1 saved as D1:D3 (rows 0-2, column 3); a constant at D8 and
        // one at G2 (row 1, column 6).
        let mut cells = vec![constant(0, 0), constant(1, 6), constant(7, 3)];
        for r in 0..3 {
            cells.push(Cell { row: r, col: 3, kind: if r == 0 { CellKind::Constant } else { CellKind::ArrayMember }, value: Value::Empty });
        }
        cells.sort_by_key(|c| (c.row, c.col));
        let workbook = Workbook { sheets: vec![Sheet { name: "S".into(), cells, ..Sheet::default() }], ..Workbook::default() };
        let node = |dynamic_array| Node { sheet: 0, row: 0, col: 3, shape: 0, array_end: Some((2, 3)), dynamic_array };
        let zones = growth_zones(&workbook, &[node(false), node(true)]);
        assert_eq!(zones, vec![(Rect { sheet: 0, r0: 3, c0: 3, r1: 6, c1: 3 }, 1), (Rect { sheet: 0, r0: 0, c0: 4, r1: 2, c1: 5 }, 1)]);
    }
}
