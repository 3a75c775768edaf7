//! Data for the HTML report (`sheetc report`): what the build knows and the build report
//! does not carry, written as one compact JSON file when asked
//! (`CompileOptions::report_data_out`).
//!
//! - per sheet, the kind of every cell (constant, formula, backfilled; in an output
//!   profile also folded and dropped), run-length encoded per row with identical
//!   consecutive rows merged, so a copied-down model of a million cells is a few hundred
//!   numbers; a sheet whose encoding is still too large is aggregated into square blocks
//!   (the block takes its most telling kind), so the page stays small at any size;
//! - references between sheets: per pair of sheets, the formula cells of one that read
//!   the other (and how many references they hold), from the bound shapes;
//! - the largest shapes (cells sharing one formula) with their formula text;
//! - each circular cluster's size and sheets; each declared output's cone.
//!
//! It only reads what the build computed; it changes nothing in the engine.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::bind::{visit_calls, visit_refs, Bound};
use crate::error::{ErrorCode, Result, SheetcError};
use crate::graph::{CellIndex, Component};
use crate::model::{CellKind, Workbook};
use crate::plan::{Backfill, Node};
use crate::stages::profile::{self, Cut, Declared, Profile};
use crate::stages::schedule::Schedule;
use crate::stages::shapes::Shaped;

/// Cell kinds in the encoding (0 is no cell).
pub const CONSTANT: u8 = 1;
/// Computed by the engine.
pub const FORMULA: u8 = 2;
/// Kept at Excel's stored value (see the build report's `backfilled`).
pub const BACKFILLED: u8 = 3;
/// Output profile: a formula no input reaches, a constant in the engine.
pub const FOLDED: u8 = 4;
/// Output profile: outside the outputs' cone, not in the engine.
pub const DROPPED: u8 = 5;

/// When a block of cells is drawn as one, the kind that says most about it wins.
fn priority(kind: u8) -> u8 {
    match kind {
        BACKFILLED => 5,
        FOLDED => 4,
        FORMULA => 3,
        CONSTANT => 2,
        DROPPED => 1,
        _ => 0,
    }
}

/// Numbers in all sheets' encodings together before the largest ones are aggregated
/// into blocks: about 3 MB of JSON at worst, so the page stays under 5 MB.
const RUN_BUDGET: usize = 500_000;
/// Largest shapes listed.
const TOP_SHAPES: usize = 50;
/// Outputs whose cone is measured (each costs a walk of the graph).
const MAX_CONES: usize = 100;

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SheetCells {
    pub name: String,
    /// Used range: first row and column (0-based) and its size in cells.
    pub first_row: u32,
    pub first_col: u32,
    pub rows: u32,
    pub cols: u32,
    /// Cells per block side (1: every cell; n: an n×n block per entry, with its most
    /// telling kind).
    pub scale: u32,
    /// Groups of block rows, flat: `row, repeat, n, then n × (col, len, kind)`: the row
    /// (relative to `first_row`, in blocks) and the `repeat - 1` rows after it have the
    /// same `n` runs of `len` blocks of `kind` from column `col` (relative to `first_col`).
    pub runs: Vec<u32>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SheetReference {
    pub from: u32,
    pub to: u32,
    /// Formula cells on `from` that read `to`.
    pub cells: u64,
    /// References to `to` in those formulas (a range counts once).
    pub refs: u64,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ShapeStat {
    pub sheet: u32,
    /// The first cell (row-major) with this shape, and its formula as Excel shows it.
    pub cell: String,
    pub formula: String,
    pub cells: u64,
    pub functions: Vec<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ClusterStat {
    pub cells: usize,
    /// `[sheet, cells on it]`.
    pub sheets: Vec<[u32; 2]>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ConeStat {
    /// As declared.
    pub output: String,
    /// Formula cells in the output's dependency cone (what the profile keeps for it).
    pub cells: usize,
    /// Of those, the cells a declared input reaches (the others are folded).
    pub live: usize,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CalcReport {
    pub iterate: bool,
    pub count: u32,
    pub delta: f64,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ReportData {
    pub sheets: Vec<SheetCells>,
    pub references: Vec<SheetReference>,
    pub shapes: Vec<ShapeStat>,
    /// In the build report's order of `clusters`.
    pub clusters: Vec<ClusterStat>,
    /// Output profile: per declared output (the first `MAX_CONES`).
    pub cones: Option<Vec<ConeStat>>,
    /// Declared outputs whose cone was not measured (beyond `MAX_CONES`).
    pub cones_omitted: usize,
    pub calc: CalcReport,
}

/// What the build hands over (all already computed).
pub struct ReportInputs<'a> {
    pub workbook: &'a Workbook,
    pub nodes: &'a [Node],
    pub shapes: &'a [Bound],
    pub index: &'a CellIndex,
    pub backfills: &'a [Backfill],
    pub order: &'a [Component],
    pub cut: Option<&'a Cut>,
    pub cones: Option<(Vec<ConeStat>, usize)>,
}

/// Each declared output's cone for a profile (None without declared outputs).
pub fn profile_cones(schedule: &Schedule, shaped: &Shaped, profile: Option<&Profile>) -> Option<(Vec<ConeStat>, usize)> {
    let p = profile?;
    let outputs = p.outputs.as_ref()?;
    Some(cones(outputs, |d| profile::cut(schedule, shaped, p.inputs.as_deref(), Some(std::slice::from_ref(d)), true)))
}

/// Each declared output's cone, measured by the profile's own cut (`cut_for` computes
/// the cut for one output), so the figures are what a profile with that one output keeps.
pub fn cones(outputs: &[Declared], cut_for: impl Fn(&Declared) -> Cut) -> (Vec<ConeStat>, usize) {
    let stats = outputs
        .iter()
        .take(MAX_CONES)
        .map(|d| {
            let cut = cut_for(d);
            ConeStat { output: d.text.clone(), cells: cut.needed.iter().filter(|&&x| x).count(), live: cut.live.iter().filter(|&&x| x).count() }
        })
        .collect();
    (stats, outputs.len().saturating_sub(MAX_CONES))
}

/// Writes the HTML report's data for this build (the output profile's cut and cones when
/// there is one) to `path`.
pub fn write_for(path: &Path, workbook: &Workbook, shaped: &Shaped, schedule: &Schedule, profile: Option<&Profile>) -> Result<()> {
    let inputs = ReportInputs {
        workbook,
        nodes: &shaped.nodes,
        shapes: &shaped.shapes,
        index: &schedule.index,
        backfills: &shaped.backfills,
        order: &schedule.order,
        cut: profile.map(|p| &p.cut),
        cones: profile_cones(schedule, shaped, profile),
    };
    write(path, inputs)
}

/// Builds the report data and writes it to `path` as JSON.
pub fn write(path: &Path, input: ReportInputs<'_>) -> Result<()> {
    let data = build(input);
    let json = serde_json::to_string(&data).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
    std::fs::write(path, json).map_err(|e| SheetcError::io("writing the report data", e))
}

pub fn build(input: ReportInputs<'_>) -> ReportData {
    let ReportInputs { workbook, nodes, shapes, index, backfills, order, cut, cones } = input;
    let kinds = cell_kinds(workbook, nodes, index, backfills, cut);
    let mut scales = vec![1u32; workbook.sheets.len()];
    let mut sheets: Vec<SheetCells> = workbook.sheets.iter().enumerate().map(|(s, _)| encode(workbook, &kinds, s, 1)).collect();
    // Over budget: coarsen the largest encoding until the whole fits.
    loop {
        let total: usize = sheets.iter().map(|s| s.runs.len()).sum();
        if total <= RUN_BUDGET {
            break;
        }
        let Some((largest, _)) = sheets.iter().enumerate().max_by_key(|(_, s)| s.runs.len()) else {
            break;
        };
        let side = sheets[largest].rows.max(sheets[largest].cols);
        if scales[largest] >= side {
            break; // one block already: cannot shrink further
        }
        scales[largest] *= 2;
        sheets[largest] = encode(workbook, &kinds, largest, scales[largest]);
    }
    ReportData {
        sheets,
        references: references(nodes, shapes),
        shapes: largest_shapes(workbook, nodes, shapes),
        clusters: order
            .iter()
            .filter_map(|c| match c {
                Component::Cluster(m) => Some(cluster_stat(m, nodes)),
                Component::Cell(_) => None,
            })
            .collect(),
        cones_omitted: cones.as_ref().map_or(0, |c| c.1),
        cones: cones.map(|c| c.0),
        calc: CalcReport { iterate: workbook.calc.iterate, count: workbook.calc.iterate_count, delta: workbook.calc.iterate_delta },
    }
}

/// The kind of every cell of every sheet (aligned with `sheet.cells`).
fn cell_kinds(workbook: &Workbook, nodes: &[Node], index: &CellIndex, backfills: &[Backfill], cut: Option<&Cut>) -> Vec<Vec<u8>> {
    let backfilled: std::collections::HashSet<(u32, u32, u32)> = backfills.iter().map(|b| (b.sheet, b.row, b.col)).collect();
    workbook
        .sheets
        .iter()
        .enumerate()
        .map(|(s, sheet)| {
            let s = s as u32;
            // With declared outputs, cells outside what the engine keeps are dropped.
            let kept: Option<Vec<bool>> = cut.and_then(|c| c.keep.as_ref()).map(|keep| {
                let rects: Vec<_> = keep.iter().filter(|r| r.sheet == s).copied().collect();
                let positions: Vec<(u32, u32)> = sheet.cells.iter().map(|c| (c.row, c.col)).collect();
                profile::mark_in_rects(&positions, &rects)
            });
            // Nodes and cells are both sorted by position: one walk finds each node.
            let mut next = nodes.partition_point(|n| n.sheet < s);
            sheet
                .cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let keep = kept.as_ref().is_none_or(|k| k[i]);
                    let node = match c.kind {
                        CellKind::Constant => return if keep { CONSTANT } else { DROPPED },
                        CellKind::ArrayMember => index.member_anchor(s, c.row, c.col),
                        _ => {
                            let at = (s, c.row, c.col);
                            while nodes.get(next).is_some_and(|n| (n.sheet, n.row, n.col) < at) {
                                next += 1;
                            }
                            nodes.get(next).filter(|n| (n.sheet, n.row, n.col) == at).map(|_| next as u32)
                        }
                    };
                    // A formula without a node was backfilled (an array member: its anchor was).
                    let Some(n) = node else {
                        return if backfilled.contains(&(s, c.row, c.col)) || matches!(c.kind, CellKind::ArrayMember) { BACKFILLED } else { FORMULA };
                    };
                    match cut {
                        Some(cut) if cut.is_folded(n) => {
                            if keep {
                                FOLDED
                            } else {
                                DROPPED
                            }
                        }
                        Some(cut) if !cut.live[n as usize] => DROPPED,
                        _ => FORMULA,
                    }
                })
                .collect()
        })
        .collect()
}

/// One sheet's kinds, run-length encoded per row of `scale`×`scale` blocks.
fn encode(workbook: &Workbook, kinds: &[Vec<u8>], s: usize, scale: u32) -> SheetCells {
    let sheet = &workbook.sheets[s];
    let name = sheet.name.clone();
    if sheet.cells.is_empty() {
        return SheetCells { name, first_row: 0, first_col: 0, rows: 0, cols: 0, scale, runs: Vec::new() };
    }
    let first_row = sheet.cells.iter().map(|c| c.row).min().unwrap_or(0);
    let first_col = sheet.cells.iter().map(|c| c.col).min().unwrap_or(0);
    let last_row = sheet.cells.iter().map(|c| c.row).max().unwrap_or(0);
    let last_col = sheet.cells.iter().map(|c| c.col).max().unwrap_or(0);
    let mut runs: Vec<u32> = Vec::new();
    // The previous group: where it starts in `runs` and its block row.
    let mut previous: Option<(usize, u32)> = None;
    let mut blocks: Vec<(u32, u8)> = Vec::new();
    let mut row_runs: Vec<u32> = Vec::new();
    let cells = &sheet.cells;
    let mut i = 0;
    while i < cells.len() {
        let block_row = (cells[i].row - first_row) / scale;
        blocks.clear();
        while i < cells.len() && (cells[i].row - first_row) / scale == block_row {
            blocks.push(((cells[i].col - first_col) / scale, kinds[s][i]));
            i += 1;
        }
        if scale > 1 {
            // Several rows: order by block column, the most telling kind first.
            blocks.sort_unstable_by_key(|&(c, k)| (c, std::cmp::Reverse(priority(k))));
            blocks.dedup_by_key(|b| b.0);
        }
        row_runs.clear();
        for &(col, kind) in blocks.iter() {
            let n = row_runs.len();
            if n >= 3 && row_runs[n - 1] == kind as u32 && row_runs[n - 3] + row_runs[n - 2] == col {
                row_runs[n - 2] += 1;
            } else {
                row_runs.extend([col, 1, kind as u32]);
            }
        }
        // Merge with the previous group when this row follows it and has the same runs.
        if let Some((start, prev_row)) = previous {
            let repeat = runs[start + 1];
            if prev_row + repeat == block_row && runs[start + 3..] == row_runs[..] {
                runs[start + 1] += 1;
                continue;
            }
        }
        previous = Some((runs.len(), block_row));
        runs.extend([block_row, 1, (row_runs.len() / 3) as u32]);
        runs.extend_from_slice(&row_runs);
    }
    SheetCells { name, first_row, first_col, rows: last_row - first_row + 1, cols: last_col - first_col + 1, scale, runs }
}

/// Per pair of different sheets: formula cells of one reading the other. A shape's
/// references name their sheets absolutely, so the sheets a shape reads are counted once
/// per shape and multiplied by its cells.
fn references(nodes: &[Node], shapes: &[Bound]) -> Vec<SheetReference> {
    let read_by_shape: Vec<Vec<(u32, u64)>> = shapes
        .iter()
        .map(|b| {
            let mut sheets: Vec<(u32, u64)> = Vec::new();
            visit_refs(b, &mut |r| {
                let s = match r {
                    Bound::Cell { sheet, .. } => *sheet,
                    Bound::Area(a) => a.sheet,
                    _ => return,
                };
                match sheets.iter_mut().find(|x| x.0 == s) {
                    Some(x) => x.1 += 1,
                    None => sheets.push((s, 1)),
                }
            });
            sheets
        })
        .collect();
    // Cells per (sheet, shape) first: a plain count per node, then one map entry per
    // shape a sheet uses (not per node).
    let mut per_shape = vec![0u64; shapes.len()];
    let mut used: Vec<u32> = Vec::new();
    let mut pairs: HashMap<(u32, u32), (u64, u64)> = HashMap::new();
    let mut flush = |sheet: u32, per_shape: &mut [u64], used: &mut Vec<u32>| {
        for shape in used.drain(..) {
            let cells = std::mem::take(&mut per_shape[shape as usize]);
            for &(to, refs) in &read_by_shape[shape as usize] {
                if to != sheet {
                    let e = pairs.entry((sheet, to)).or_default();
                    e.0 += cells;
                    e.1 += refs * cells;
                }
            }
        }
    };
    let mut current = nodes.first().map_or(0, |n| n.sheet);
    for n in nodes {
        if n.sheet != current {
            flush(current, &mut per_shape, &mut used);
            current = n.sheet;
        }
        let count = &mut per_shape[n.shape as usize];
        if *count == 0 {
            used.push(n.shape);
        }
        *count += 1;
    }
    flush(current, &mut per_shape, &mut used);
    let mut out: Vec<SheetReference> = pairs.into_iter().map(|((from, to), (cells, refs))| SheetReference { from, to, cells, refs }).collect();
    out.sort_by_key(|r| (r.from, r.to));
    out
}

/// The shapes with the most cells, each with the formula of its first cell.
fn largest_shapes(workbook: &Workbook, nodes: &[Node], shapes: &[Bound]) -> Vec<ShapeStat> {
    let mut count = vec![0u64; shapes.len()];
    let mut first: Vec<Option<u32>> = vec![None; shapes.len()];
    for (i, n) in nodes.iter().enumerate() {
        count[n.shape as usize] += 1;
        first[n.shape as usize].get_or_insert(i as u32);
    }
    let mut ids: Vec<usize> = (0..shapes.len()).filter(|&s| count[s] > 0).collect();
    ids.sort_by_key(|&s| (std::cmp::Reverse(count[s]), s));
    ids.truncate(TOP_SHAPES);
    ids.into_iter()
        .filter_map(|s| {
            let n = nodes[first[s]? as usize];
            let sheet = workbook.sheets.get(n.sheet as usize)?;
            let cell = sheet.cells.binary_search_by_key(&(n.row, n.col), |c| (c.row, c.col)).ok().map(|i| &sheet.cells[i])?;
            let f = cell.formula()?;
            let text = crate::shape::formula_text_at(&sheet.formulas[f.text as usize], f.origin_row, f.origin_col, n.row, n.col)
                .unwrap_or_else(|| sheet.formulas[f.text as usize].to_string());
            let mut functions: Vec<String> = Vec::new();
            visit_calls(&shapes[s], &mut |name| {
                if !functions.iter().any(|x| x == name) {
                    functions.push(name.to_string());
                }
            });
            Some(ShapeStat {
                sheet: n.sheet,
                cell: crate::address::cell_name(n.row, n.col),
                formula: crate::shape::display_formula(&text),
                cells: count[s],
                functions,
            })
        })
        .collect()
}

fn cluster_stat(members: &[u32], nodes: &[Node]) -> ClusterStat {
    let mut sheets: Vec<[u32; 2]> = Vec::new();
    for &m in members {
        let s = nodes[m as usize].sheet;
        match sheets.iter_mut().find(|x| x[0] == s) {
            Some(x) => x[1] += 1,
            None => sheets.push([s, 1]),
        }
    }
    ClusterStat { cells: members.len(), sheets }
}

/// The TypeScript declarations of the report data (`ts/generated/report-data.ts`).
#[cfg(test)]
pub(crate) fn typescript_declarations() -> String {
    use ts_rs::TS;
    let cfg = ts_rs::Config::new().with_large_int("number");
    let decls = [
        SheetCells::decl(&cfg),
        SheetReference::decl(&cfg),
        ShapeStat::decl(&cfg),
        ClusterStat::decl(&cfg),
        ConeStat::decl(&cfg),
        CalcReport::decl(&cfg),
        ReportData::decl(&cfg),
    ];
    crate::generated_file("crates/sheetc-core/src/stages/report_data.rs", &decls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cell, FormulaRef, Sheet, Value};

    fn cell(row: u32, col: u32, formula: bool) -> Cell {
        let kind = if formula { CellKind::Formula(FormulaRef { text: 0, origin_row: row, origin_col: col }) } else { CellKind::Constant };
        Cell { row, col, kind, value: Value::Number(1.0) }
    }

    /// Expands an encoding back to (row, col, kind) per block.
    fn decode(s: &SheetCells) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.runs.len() {
            let (row, repeat, n) = (s.runs[i], s.runs[i + 1], s.runs[i + 2] as usize);
            for r in row..row + repeat {
                for k in 0..n {
                    let (col, len, kind) = (s.runs[i + 3 + 3 * k], s.runs[i + 4 + 3 * k], s.runs[i + 5 + 3 * k]);
                    for c in col..col + len {
                        out.push((r, c, kind));
                    }
                }
            }
            i += 3 + 3 * n;
        }
        out
    }

    #[test]
    fn encoding_round_trips_and_merges_identical_rows() {
        // Rows 2..=101: a constant in B, formulas in C:F; row 102: one formula in D. A
        // sparse cell far right on row 103.
        let mut cells = Vec::new();
        for r in 2..=101 {
            cells.push(cell(r, 1, false));
            for c in 2..=5 {
                cells.push(cell(r, c, true));
            }
        }
        cells.push(cell(102, 3, true));
        cells.push(cell(103, 40, false));
        let kinds = vec![cells.iter().map(|c| if c.is_computed() { FORMULA } else { CONSTANT }).collect::<Vec<u8>>()];
        let expected: Vec<(u32, u32, u32)> = cells.iter().map(|c| (c.row - 2, c.col - 1, if c.is_computed() { 2 } else { 1 })).collect();
        let workbook = Workbook { sheets: vec![Sheet { name: "S".into(), cells, ..Sheet::default() }], ..Workbook::default() };
        let s = encode(&workbook, &kinds, 0, 1);
        assert_eq!((s.first_row, s.first_col, s.rows, s.cols), (2, 1, 102, 40));
        assert_eq!(decode(&s), expected);
        // 100 identical rows are one group: [0, 100, 2, 0,1,1, 1,4,2], then two one-run rows.
        assert_eq!(s.runs, vec![0, 100, 2, 0, 1, 1, 1, 4, 2, 100, 1, 1, 2, 1, 2, 101, 1, 1, 39, 1, 1]);
    }

    #[test]
    fn blocks_take_the_most_telling_kind() {
        // A 4×4 block of constants with one backfilled cell, and one of formulas.
        let mut cells = Vec::new();
        for r in 0..4 {
            for c in 0..8 {
                cells.push(cell(r, c, c >= 4));
            }
        }
        let mut kinds: Vec<u8> = cells.iter().map(|c| if c.is_computed() { FORMULA } else { CONSTANT }).collect();
        kinds[9] = BACKFILLED; // row 1, col 1
        let workbook = Workbook { sheets: vec![Sheet { name: "S".into(), cells, ..Sheet::default() }], ..Workbook::default() };
        let s = encode(&workbook, &[kinds], 0, 4);
        assert_eq!(decode(&s), vec![(0, 0, BACKFILLED as u32), (0, 1, FORMULA as u32)]);
    }

    #[test]
    fn references_count_cells_and_references_per_pair_of_sheets() {
        use crate::bind::{Area, Coord};
        let c = |sheet| Bound::Cell { sheet, row: Coord::Abs(0), col: Coord::Abs(0) };
        let area = |sheet| Bound::Area(Area { sheet, r0: Coord::Abs(0), c0: Coord::Abs(0), r1: Coord::Abs(9), c1: Coord::Abs(0) });
        // Shape 0 on sheet 0 reads sheet 1 twice and sheet 2 once; shape 1 on sheet 2 reads itself.
        let shapes = vec![Bound::Call { name: "SUM".into(), args: vec![c(1), area(1), c(2), c(0)] }, c(2)];
        let node = |sheet, row, shape| Node { sheet, row, col: 0, shape, array_end: None, dynamic_array: false };
        let nodes = vec![node(0, 0, 0), node(0, 1, 0), node(0, 2, 0), node(2, 0, 1)];
        let r = references(&nodes, &shapes);
        let got: Vec<(u32, u32, u64, u64)> = r.iter().map(|x| (x.from, x.to, x.cells, x.refs)).collect();
        assert_eq!(got, vec![(0, 1, 3, 6), (0, 2, 3, 3)]);
    }
}
