//! Explain index stage: what `sheetc explain` needs to show a cell's formula and its
//! precedents without loading the model (`explain.json` beside the engine).
//!
//! Per shape: its formula as a template (text with its A1 reference tokens as positions
//! or offsets, see `shape::formula_template`), which renders the formula as written at
//! any cell of the shape, and the rectangles it reads (from the bound shape: defined
//! names and 3D references already resolved), with each relative coordinate an offset.
//! Per cell: the shape, as rectangles of cells sharing one (copied formulas fill
//! blocks: a million formula cells are a few thousand rectangles). Array formulas'
//! ranges and circular clusters as rectangles too. A cell's precedents are its shape's
//! rectangles moved to it; its direct dependents are found by solving, per rectangle of
//! cells and per reference, which of those cells read it (a reference moves linearly
//! along a rectangle), so no reverse graph is stored.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::bind::{visit_refs, Bound, Coord};
use crate::graph::Component;
use crate::model::Workbook;
use crate::plan::Node;
use crate::shape::{formula_template, TemplatePart};

/// A piece of a formula template as written to JSON: text, or `[kind, row, col]`.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum Part {
    Text(String),
    Ref([i32; 3]),
}

#[derive(Serialize, Debug)]
pub struct ShapeEntry {
    /// The formula template (`=` included); empty when the text cannot be rendered.
    pub f: Vec<Part>,
    /// Flat `[sheet, rel, r0, c0, r1, c1, ...]`: the rectangles the shape reads; `rel` bit
    /// 1, 2, 4, 8: r0, c0, r1, c1 is an offset from the cell (else a position).
    pub refs: Vec<i64>,
    /// Builds references at run time (OFFSET, INDIRECT): `refs` are not all it reads.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dynamic: bool,
}

#[derive(Serialize, Debug, Default)]
pub struct ExplainIndex {
    pub version: u32,
    pub shapes: Vec<ShapeEntry>,
    /// Flat `[sheet, r0, c0, r1, c1, shape, ...]`: formula cells (array anchors) by shape.
    pub cells: Vec<u32>,
    /// Flat `[sheet, r0, c0, r1, c1, ...]`: array formulas' ranges (the anchor top-left).
    pub arrays: Vec<u32>,
    /// Each circular cluster as flat `[sheet, r0, c0, r1, c1, ...]`.
    pub clusters: Vec<Vec<u32>>,
}

/// Cells `(sheet, row, col, tag)`, sorted, as rectangles of one tag: runs along rows,
/// then runs of equal column span stacked down.
pub(crate) fn rectangles(cells: impl Iterator<Item = (u32, u32, u32, u32)>) -> Vec<[u32; 6]> {
    // Horizontal runs.
    let mut runs: Vec<[u32; 5]> = Vec::new(); // sheet, row, c0, c1, tag
    for (s, r, c, t) in cells {
        match runs.last_mut() {
            Some(run) if run[0] == s && run[1] == r && run[3] + 1 == c && run[4] == t => run[3] = c,
            _ => runs.push([s, r, c, c, t]),
        }
    }
    // Stacked: a run continues the rectangle of the same span ending on the row above.
    let mut rects: Vec<[u32; 6]> = Vec::new(); // sheet, r0, c0, r1, c1, tag
    let mut open: HashMap<(u32, u32, u32, u32), usize> = HashMap::new();
    for [s, r, c0, c1, t] in runs {
        let key = (s, c0, c1, t);
        match open.get(&key) {
            Some(&i) if rects[i][3] + 1 == r => rects[i][3] = r,
            _ => {
                open.insert(key, rects.len());
                rects.push([s, r, c0, r, c1, t]);
            }
        }
    }
    rects
}

fn coord(c: Coord) -> (bool, i64) {
    match c {
        Coord::Abs(v) => (false, v as i64),
        Coord::Rel(d) => (true, d as i64),
    }
}

/// The rectangles a shape reads, relative coordinates kept as offsets.
fn shape_refs(bound: &Bound) -> Vec<i64> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    visit_refs(bound, &mut |b| {
        let (sheet, r0, c0, r1, c1) = match b {
            Bound::Cell { sheet, row, col } => (*sheet, *row, *col, *row, *col),
            Bound::Area(a) => (a.sheet, a.r0, a.c0, a.r1, a.c1),
            _ => return,
        };
        let parts = [coord(r0), coord(c0), coord(r1), coord(c1)];
        let rel = parts.iter().enumerate().fold(0i64, |m, (i, (rel, _))| m | ((*rel as i64) << i));
        let entry = [sheet as i64, rel, parts[0].1, parts[1].1, parts[2].1, parts[3].1];
        if seen.insert(entry) {
            out.extend_from_slice(&entry);
        }
    });
    out
}

/// The explain index of the compiled cells.
pub fn explain_index(workbook: &Workbook, shapes: &[Bound], nodes: &[Node], order: &[Component], dynamic_shapes: &HashSet<u32>) -> ExplainIndex {
    // Each shape's template, from the first cell that has it.
    let mut templates: Vec<Option<Vec<Part>>> = vec![None; shapes.len()];
    for n in nodes {
        let slot = &mut templates[n.shape as usize];
        if slot.is_some() {
            continue;
        }
        let Some(sheet) = workbook.sheets.get(n.sheet as usize) else { continue };
        let Ok(i) = sheet.cells.binary_search_by_key(&(n.row, n.col), |c| (c.row, c.col)) else { continue };
        let Some(f) = sheet.cells[i].formula() else { continue };
        let Some(text) = sheet.formulas.get(f.text as usize) else { continue };
        let parts = formula_template(text, f.origin_row, f.origin_col).unwrap_or_default();
        *slot = Some(
            parts
                .into_iter()
                .map(|p| match p {
                    TemplatePart::Text(t) => Part::Text(t),
                    TemplatePart::Ref { kind, row, col } => Part::Ref([kind as i32, row, col]),
                })
                .collect(),
        );
    }
    let shapes_out = shapes
        .iter()
        .zip(templates)
        .enumerate()
        .map(|(i, (b, t))| ShapeEntry { f: t.unwrap_or_default(), refs: shape_refs(b), dynamic: dynamic_shapes.contains(&(i as u32)) })
        .collect();
    let cells = rectangles(nodes.iter().map(|n| (n.sheet, n.row, n.col, n.shape))).into_iter().flatten().collect();
    let arrays = nodes.iter().filter_map(|n| n.array_end.map(|(r1, c1)| [n.sheet, n.row, n.col, r1, c1])).flatten().collect();
    let clusters = order
        .iter()
        .filter_map(|c| match c {
            Component::Cluster(members) => {
                let mut cells: Vec<(u32, u32, u32, u32)> = members.iter().map(|&m| nodes[m as usize]).map(|n| (n.sheet, n.row, n.col, 0)).collect();
                cells.sort_unstable();
                Some(rectangles(cells.into_iter()).into_iter().flat_map(|r| [r[0], r[1], r[2], r[3], r[4]]).collect())
            }
            Component::Cell(_) => None,
        })
        .collect();
    ExplainIndex { version: 1, shapes: shapes_out, cells, arrays, clusters }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_rectangles_of_one_tag() {
        // A 2×3 block of shape 0, a column of shape 1 beside it, a lone cell of shape 0.
        let mut cells =
            vec![(0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 2, 0), (0, 1, 0, 0), (0, 1, 1, 0), (0, 1, 2, 0), (0, 0, 3, 1), (0, 1, 3, 1), (0, 2, 3, 1), (0, 5, 0, 0)];
        cells.sort_unstable();
        let mut rects = rectangles(cells.into_iter());
        rects.sort_unstable();
        assert_eq!(rects, vec![[0, 0, 0, 1, 2, 0], [0, 0, 3, 2, 3, 1], [0, 5, 0, 5, 0, 0]]);
    }

    #[test]
    fn refs_keep_relative_coordinates_as_offsets() {
        let b = Bound::Binary(
            crate::ast::BinaryOp::Add,
            Box::new(Bound::Cell { sheet: 0, row: Coord::Rel(-1), col: Coord::Abs(2) }),
            Box::new(Bound::Area(crate::bind::Area { sheet: 1, r0: Coord::Abs(0), c0: Coord::Rel(0), r1: Coord::Rel(0), c1: Coord::Rel(0) })),
        );
        assert_eq!(shape_refs(&b), vec![0, 1 | 4, -1, 2, -1, 2, 1, 2 | 4 | 8, 0, 0, 0, 0]);
    }
}
