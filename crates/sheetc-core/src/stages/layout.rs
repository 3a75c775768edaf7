//! Layout stage: which module each piece of generated code goes to.
//!
//! Runs after the graph (it needs the evaluation order) and before emission. It decides
//! - *segments*: runs of computed cells in evaluation order, each one generated function
//!   (a cluster is always one segment, so a cluster's loop is never split);
//! - *modules*: each sheet is cut into row bands, one module file per band, holding the
//!   band's constants, its formula-cell list and the segments whose first cell lies in it.
//!
//! The default engine keeps one band per sheet and coarse segments (fewest functions).
//! `--max-module-mb` cuts a sheet into bands of about that many bytes (estimated from
//! the cells, before any code is generated, so emission stays streamed). The lazy engine
//! uses small bands (about [`LAZY_MODULE_BYTES`]) and one segment per loop or row of
//! cells, and records for every segment which segments and modules it reads: that is
//! what `load({ cells })` walks at run time to import only the dependency cone.

use std::collections::{BTreeSet, HashMap};

use crate::address::Rect;
use crate::bind::{precedents_at, Bound};
use crate::graph::{CellIndex, Component};
use crate::model::Value;
use crate::plan::{Layout, ModuleBand, Node, SegmentNeeds, SegmentPlan, SheetPlan};

/// Target size of a lazy engine's modules: small enough that a narrow cone loads a
/// small fraction of the engine, large enough that a full load is not thousands of imports.
pub const LAZY_MODULE_BYTES: u64 = 48 * 1024;

/// Estimated bytes of generated code per statement (a loop or a single cell).
const STATEMENT_BYTES: u64 = 72;

/// Cells merged into one lazy segment when they are not part of a loop.
const MAX_LOOSE_CELLS: usize = 64;

pub struct LayoutOptions {
    pub lazy: bool,
    pub max_module_bytes: Option<u64>,
}

/// Statement boundaries within a run of nodes: `[i, j)` ranges that `emit` writes as
/// one loop (three or more cells of one shape down a column or along a row) or one
/// cell statement.
pub fn statement_runs(nodes: &[u32], all: &[Node]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < nodes.len() {
        let n = all[nodes[i] as usize];
        if n.array_end.is_some() {
            out.push((i, i + 1));
            i += 1;
            continue;
        }
        // One past the last node continuing a straight run from `n` (down or along).
        let run_end = |down: bool| {
            let mut j = i + 1;
            while let Some(&m) = nodes.get(j).map(|&v| &all[v as usize]) {
                let k = (j - i) as u32;
                let next = if down { (n.row + k, n.col) } else { (n.row, n.col + k) };
                if m.shape != n.shape || m.sheet != n.sheet || m.array_end.is_some() || (m.row, m.col) != next {
                    break;
                }
                j += 1;
            }
            j
        };
        let mut j = run_end(true);
        if j - i < 3 {
            j = run_end(false);
        }
        if j - i < 3 {
            j = i + 1;
        }
        out.push((i, j));
        i = j;
    }
    out
}

fn value_weight(v: &Value) -> u64 {
    match v {
        Value::Empty => 4,
        Value::Number(_) => 14,
        Value::Text(s) => s.len() as u64 + 4,
        Value::Bool(_) => 5,
        Value::Error(_) => 14,
    }
}

/// Cuts each sheet into row bands of about `target` bytes.
fn plan_bands(sheets: &[SheetPlan<'_>], segment_rows: &[Vec<(u32, u64)>], target: Option<u64>) -> Vec<ModuleBand> {
    let mut out = Vec::new();
    for (s, sheet) in sheets.iter().enumerate() {
        let s = s as u32;
        let Some(target) = target else {
            out.push(ModuleBand { sheet: s, r0: 0, r1: u32::MAX });
            continue;
        };
        // Weight per row: constants (their literal plus the address), formula cells, code.
        let mut weights: Vec<(u32, u64)> = Vec::with_capacity(sheet.constants.len() + sheet.formula_cells.len());
        weights.extend(sheet.constants.iter().map(|c| (c.row, 10 + value_weight(c.value))));
        weights.extend(sheet.formula_cells.iter().map(|&(r, _)| (r, 3)));
        weights.extend(segment_rows[s as usize].iter().copied());
        weights.sort_unstable_by_key(|w| w.0);
        let mut r0 = 0u32;
        let mut acc = 0u64;
        let mut i = 0;
        while i < weights.len() {
            let row = weights[i].0;
            if acc >= target && row > r0 {
                out.push(ModuleBand { sheet: s, r0, r1: row });
                r0 = row;
                acc = 0;
            }
            while i < weights.len() && weights[i].0 == row {
                acc += weights[i].1;
                i += 1;
            }
        }
        out.push(ModuleBand { sheet: s, r0, r1: u32::MAX });
    }
    out
}

/// Plans segments and modules.
pub fn plan<'o>(sheets: &[SheetPlan<'_>], order: impl IntoIterator<Item = &'o Component>, nodes: &[Node], opts: &LayoutOptions) -> Layout {
    // Every engine has fine segments (one per loop, loose cells by row): the lazy engine
    // loads them one by one, and an incremental run recomputes only those an input reaches.
    let fine = true;
    // Segments in evaluation order, before modules are known: (sheet, cluster, nodes).
    let mut raw: Vec<(u32, bool, Vec<u32>)> = Vec::new();
    for comp in order {
        match comp {
            Component::Cell(n) => {
                let sheet = nodes[*n as usize].sheet;
                match raw.last_mut() {
                    Some((s, false, v)) if *s == sheet => v.push(*n),
                    _ => raw.push((sheet, false, vec![*n])),
                }
            }
            Component::Cluster(members) => {
                let sheet = nodes[members[0] as usize].sheet;
                raw.push((sheet, true, members.clone()));
            }
        }
    }
    if fine {
        raw = raw.into_iter().flat_map(|(sheet, cluster, v)| split_fine(sheet, cluster, v, nodes)).collect();
    }
    let mut segment_rows: Vec<Vec<(u32, u64)>> = vec![Vec::new(); sheets.len()];
    for (sheet, _, v) in &raw {
        let first = nodes[v[0] as usize];
        let statements = statement_runs(v, nodes).len() as u64;
        segment_rows[*sheet as usize].push((first.row, 40 + statements * STATEMENT_BYTES));
    }
    let target = if opts.lazy { Some(opts.max_module_bytes.map_or(LAZY_MODULE_BYTES, |m| m.min(LAZY_MODULE_BYTES))) } else { opts.max_module_bytes };
    let modules = plan_bands(sheets, &segment_rows, target);
    let mut layout = Layout { modules, segments: Vec::with_capacity(raw.len()), needs: None, dependency_lists: Vec::new() };
    for (sheet, cluster, v) in raw {
        let module = layout.module_at(sheet, nodes[v[0] as usize].row);
        layout.segments.push(SegmentPlan { module, cluster, nodes: v });
    }
    layout
}

/// Splits a run of cells into one segment per loop, and loose cells into segments of
/// one row (at most [`MAX_LOOSE_CELLS`]). Clusters stay whole.
fn split_fine(sheet: u32, cluster: bool, v: Vec<u32>, nodes: &[Node]) -> Vec<(u32, bool, Vec<u32>)> {
    if cluster {
        return vec![(sheet, true, v)];
    }
    let mut out: Vec<(u32, bool, Vec<u32>)> = Vec::new();
    let mut loose: Vec<u32> = Vec::new();
    for (i, j) in statement_runs(&v, nodes) {
        if j - i >= 3 {
            if !loose.is_empty() {
                out.push((sheet, false, std::mem::take(&mut loose)));
            }
            out.push((sheet, false, v[i..j].to_vec()));
            continue;
        }
        let n = nodes[v[i] as usize];
        if let Some(&last) = loose.last() {
            if nodes[last as usize].row != n.row || loose.len() >= MAX_LOOSE_CELLS {
                out.push((sheet, false, std::mem::take(&mut loose)));
            }
        }
        loose.push(v[i]);
    }
    if !loose.is_empty() {
        out.push((sheet, false, loose));
    }
    out
}

/// Computes what each segment reads: the segments holding the computed cells under its
/// references and the modules under them (for constants), which the lazy engine walks to
/// load a cone; and the rectangles themselves with what it writes, which an incremental
/// run walks to find what an input change reaches.
/// `precedents_at` gives a node's reference rectangles, in the same order for every node
/// of a shape; a run of one shape is covered by the bounding box of each reference
/// across its first and last cell (exact for loops: a reference shifted one cell at a
/// time sweeps exactly its bounding box).
pub fn compute_needs(
    layout: &mut Layout,
    nodes: &[Node],
    shapes: &[Bound],
    index: &CellIndex,
    is_dynamic_shape: impl Fn(u32) -> bool,
    is_volatile_shape: impl Fn(u32) -> bool,
) {
    let mut segment_of = vec![u32::MAX; nodes.len()];
    for (i, s) in layout.segments.iter().enumerate() {
        for &n in &s.nodes {
            segment_of[n as usize] = i as u32;
        }
    }
    let mut needs = Vec::with_capacity(layout.segments.len());
    let mut first_rects = Vec::new();
    let mut last_rects = Vec::new();
    // Ordered: the dependency lists are numbered as first met, and the index must be the
    // same on every build (a hash set's order differs from one process to the next).
    let mut rects: BTreeSet<Rect> = BTreeSet::new();
    // Rectangles repeat across segments (absolute ranges): resolve each once, and
    // store each distinct list of segments once.
    let mut resolved: HashMap<Rect, (Option<u32>, Vec<u32>)> = HashMap::new();
    let mut interned: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut lists: Vec<Vec<u32>> = Vec::new();
    for seg in layout.segments.iter() {
        rects.clear();
        let mut dynamic = false;
        let mut volatile = false;
        let mut spills = false;
        let mut sheets: Vec<u32> = Vec::new();
        let mut cells = 0u32;
        for &n in &seg.nodes {
            let node = &nodes[n as usize];
            spills |= node.dynamic_array;
            // An array range's cells; a range that ends before its anchor (a hostile file) counts the anchor.
            let span = |end: u32, start: u32| end.saturating_sub(start).saturating_add(1);
            cells = cells.saturating_add(node.array_end.map_or(1, |(r1, c1)| span(r1, node.row).saturating_mul(span(c1, node.col))));
            if !sheets.contains(&node.sheet) {
                sheets.push(node.sheet);
            }
        }
        sheets.sort_unstable();
        for (i, j) in statement_runs(&seg.nodes, nodes) {
            let a = nodes[seg.nodes[i] as usize];
            let b = nodes[seg.nodes[j - 1] as usize];
            let shape = &shapes[a.shape as usize];
            dynamic |= is_dynamic_shape(a.shape);
            volatile |= is_volatile_shape(a.shape);
            first_rects.clear();
            last_rects.clear();
            precedents_at(shape, a.row, a.col, &mut first_rects);
            precedents_at(shape, b.row, b.col, &mut last_rects);
            if first_rects.len() == last_rects.len() {
                for (p, q) in first_rects.iter().zip(&last_rects) {
                    rects.insert(Rect { sheet: p.sheet, r0: p.r0.min(q.r0), c0: p.c0.min(q.c0), r1: p.r1.max(q.r1), c1: p.c1.max(q.c1) });
                }
            } else {
                rects.extend(first_rects.iter().chain(&last_rects).copied());
            }
        }
        let mut ids: Vec<u32> = Vec::new();
        let mut mods: Vec<u32> = Vec::new();
        for rect in &rects {
            let (id, m) = resolved.entry(*rect).or_insert_with(|| {
                let mut s = Vec::new();
                index.nodes_in(*rect, &mut |n| {
                    // Cells in no segment (an output profile's folded or dropped cells) are constants.
                    let seg = segment_of[n as usize];
                    if seg != u32::MAX && s.last() != Some(&seg) {
                        s.push(seg);
                    }
                });
                s.sort_unstable();
                s.dedup();
                let id = if s.is_empty() {
                    None
                } else {
                    Some(*interned.entry(s).or_insert_with_key(|k| {
                        lists.push(k.clone());
                        (lists.len() - 1) as u32
                    }))
                };
                let m: Vec<u32> = layout.modules_overlapping(rect.sheet, rect.r0, rect.r1).collect();
                (id, m)
            });
            ids.extend(id.iter().copied());
            mods.extend(m.iter().copied());
        }
        ids.sort_unstable();
        ids.dedup();
        mods.sort_unstable();
        mods.dedup();
        needs.push(SegmentNeeds {
            lists: ids,
            modules: mods,
            dynamic,
            volatile: volatile || dynamic,
            spills,
            sheets,
            cells,
            rects: rects.iter().copied().collect(),
        });
    }
    layout.dependency_lists = lists;
    layout.needs = Some(needs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ConstantCell;

    fn node(row: u32, col: u32, shape: u32) -> Node {
        Node { sheet: 0, row, col, shape, array_end: None, dynamic_array: false }
    }

    #[test]
    fn statement_runs_find_loops_and_singles() {
        let all = vec![node(0, 0, 1), node(1, 0, 1), node(2, 0, 1), node(3, 5, 2), node(3, 6, 2), node(3, 7, 2), node(9, 9, 3)];
        let ids: Vec<u32> = (0..all.len() as u32).collect();
        assert_eq!(statement_runs(&ids, &all), vec![(0, 3), (3, 6), (6, 7)]);
    }

    #[test]
    fn bands_follow_the_size_target() {
        let values: Vec<Value> = (0..1000).map(|i| Value::Number(i as f64)).collect();
        let constants: Vec<ConstantCell<'_>> = values.iter().enumerate().map(|(i, v)| ConstantCell { row: i as u32, col: 0, value: v }).collect();
        let sheets = vec![SheetPlan { name: "S", constants, formula_cells: vec![], rows: 1000, cols: 1, cell_count: 1000 }];
        let one = plan_bands(&sheets, &[vec![]], None);
        assert_eq!(one, vec![ModuleBand { sheet: 0, r0: 0, r1: u32::MAX }]);
        let bands = plan_bands(&sheets, &[vec![]], Some(2400));
        // 24 bytes per row → a band every 100 rows.
        assert_eq!(bands.len(), 10);
        assert_eq!(bands[0], ModuleBand { sheet: 0, r0: 0, r1: 100 });
        assert_eq!(bands[9].r1, u32::MAX);
        let layout = Layout { modules: bands, segments: vec![], needs: None, dependency_lists: Vec::new() };
        assert_eq!(layout.module_at(0, 0), 0);
        assert_eq!(layout.module_at(0, 99), 0);
        assert_eq!(layout.module_at(0, 100), 1);
        assert_eq!(layout.module_at(0, 5000), 9);
        assert_eq!(layout.modules_overlapping(0, 150, 420), 1..5);
    }

    #[test]
    fn fine_split_keeps_clusters_whole_and_cuts_loops() {
        let all = vec![node(0, 0, 1), node(1, 0, 1), node(2, 0, 1), node(5, 1, 2), node(5, 3, 4), node(6, 1, 2)];
        let parts = split_fine(0, false, vec![0, 1, 2, 3, 4, 5], &all);
        let lists: Vec<Vec<u32>> = parts.into_iter().map(|p| p.2).collect();
        assert_eq!(lists, vec![vec![0, 1, 2], vec![3, 4], vec![5]]);
        let whole = split_fine(0, true, vec![0, 1, 2, 3, 4, 5], &all);
        assert_eq!(whole.len(), 1);
    }
}
