//! Output profile: an engine scoped to declared inputs and outputs.
//!
//! Runs on the graph. With `--outputs`, only the outputs' dependency cone is kept
//! (*needed* cells); with `--inputs`, needed cells that no declared input reaches are
//! *folded*: they become constants holding the value the full model computes (the
//! caller evaluates the full engine once and passes those values in; the file's cached
//! values are never trusted for this). Cells whose references are computed at run time
//! (OFFSET, INDIRECT) can read anything, so when one is needed every cell evaluated
//! before it is needed too, and it counts as reached by the inputs.

use std::collections::HashSet;

use crate::bind::{Binder, Bound, MAX_COL, MAX_ROW};
use crate::emit::Node;
use crate::error::{ErrorCode, Result, SheetcError};
use crate::graph::{CellIndex, Component, Graph, Rect};

/// A declared input or output, resolved.
#[derive(Clone, Debug)]
pub struct Declared {
    /// As the user wrote it.
    pub text: String,
    /// The defined name, when it is one.
    pub name: Option<String>,
    pub rect: Rect,
}

/// Resolves `Sheet!A1`, `Sheet!A1:B9`, `'My Sheet'!A1` or a defined name to cells.
pub fn resolve(text: &str, names: &[String], sheet_count: usize, binder: &mut Binder<'_>) -> Result<Declared> {
    let bad = |why: &str| SheetcError::new(ErrorCode::InvalidOption, format!("cannot use \"{text}\" as an input or output: {why}"));
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(bad("empty reference"));
    }
    let name = names.iter().find(|n| n.eq_ignore_ascii_case(trimmed)).cloned();
    if name.is_none() && !trimmed.contains('!') && sheet_count != 1 {
        return Err(bad("a reference needs its sheet (Sheet!A1), or a defined name"));
    }
    let expr = binder.parser().parse(trimmed).map_err(|_| bad("not a cell reference or defined name"))?;
    let bound = binder.bind(&expr, 0, 0, 0).map_err(|_| bad("not a cell reference or defined name"))?;
    let rect = match bound {
        Bound::Cell { sheet, row, col } => match (row.at(0, MAX_ROW), col.at(0, MAX_COL)) {
            (Some(r), Some(c)) => Rect { sheet, r0: r, c0: c, r1: r, c1: c },
            _ => return Err(bad("off the sheet")),
        },
        Bound::Area(a) => match (a.r0.at(0, MAX_ROW), a.c0.at(0, MAX_COL), a.r1.at(0, MAX_ROW), a.c1.at(0, MAX_COL)) {
            (Some(r0), Some(c0), Some(r1), Some(c1)) => {
                Rect { sheet: a.sheet, r0: r0.min(r1), c0: c0.min(c1), r1: r0.max(r1), c1: c0.max(c1) }
            }
            _ => return Err(bad("off the sheet")),
        },
        _ => return Err(bad("not a cell reference, a range or a defined name that points at cells")),
    };
    Ok(Declared { text: trimmed.to_string(), name, rect })
}

/// What the profile keeps of the model.
pub struct Cut {
    /// Per node: in the outputs' dependency cone.
    pub needed: Vec<bool>,
    /// Per node: needed and reached by an input (stays a formula); needed and not
    /// live means folded to a constant.
    pub live: Vec<bool>,
    /// With outputs: rectangles whose cells must be present in the engine (what live
    /// cells read, the inputs and the outputs); constants and folded values outside them
    /// are dropped. Without outputs every cell stays.
    pub keep: Option<Vec<Rect>>,
    /// Per declared input: a cell of the outputs' cone sits in it or reads it (with no
    /// declared inputs: empty). What the build's warnings say about inputs that reach
    /// nothing; meaningless when `dynamic_needed`.
    pub input_reaches_output: Vec<bool>,
    /// A cell of the cone has a computed reference (OFFSET, INDIRECT): it may read any
    /// input, so whether an input reaches an output is not known.
    pub dynamic_needed: bool,
}

impl Cut {
    pub fn is_folded(&self, node: u32) -> bool {
        self.needed[node as usize] && !self.live[node as usize]
    }
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.sheet == b.sheet && a.r0 <= b.r1 && b.r0 <= a.r1 && a.c0 <= b.c1 && b.c0 <= a.c1
}

/// Computes the cut. `outputs: None` keeps every cell; `inputs: None` makes every cell
/// live (no folding). `graph` may hold virtual nodes (ids ≥ `nodes.len()`) that only
/// forward edges.
#[allow(clippy::too_many_arguments)]
pub fn cut(
    graph: &Graph,
    order: &[Component],
    nodes: &[Node],
    shapes: &[Bound],
    index: &CellIndex,
    inputs: Option<&[Declared]>,
    outputs: Option<&[Declared]>,
    precedents: impl Fn(&Bound, u32, u32, &mut Vec<Rect>) -> bool,
    is_dynamic_shape: impl Fn(u32) -> bool,
) -> Cut {
    let n = nodes.len();
    let total = graph.offsets.len() - 1;
    // Needed: backwards from the outputs.
    let mut needed = vec![outputs.is_none(); n];
    if let Some(outputs) = outputs {
        // Position of each node in the evaluation order (for dynamic cells).
        let mut position = vec![0u32; n];
        let mut sequence: Vec<u32> = Vec::with_capacity(n);
        for comp in order {
            match comp {
                Component::Cell(v) => sequence.push(*v),
                Component::Cluster(m) => sequence.extend(m.iter().copied()),
            }
        }
        for (i, &v) in sequence.iter().enumerate() {
            position[v as usize] = i as u32;
        }
        let mut seen = vec![false; total];
        let mut stack: Vec<u32> = Vec::new();
        for d in outputs {
            index.nodes_in(d.rect, &mut |v| stack.push(v));
        }
        let mut dynamic_horizon: Option<u32> = None;
        while let Some(v) = stack.pop() {
            if seen[v as usize] {
                continue;
            }
            seen[v as usize] = true;
            if (v as usize) < n {
                needed[v as usize] = true;
                if is_dynamic_shape(nodes[v as usize].shape) {
                    let p = position[v as usize];
                    dynamic_horizon = Some(dynamic_horizon.map_or(p, |h| h.max(p)));
                }
            }
            let edges = &graph.targets[graph.offsets[v as usize] as usize..graph.offsets[v as usize + 1] as usize];
            stack.extend(edges.iter().copied().filter(|&w| !seen[w as usize]));
            if stack.is_empty() {
                if let Some(h) = dynamic_horizon.take() {
                    // A computed reference may read anything evaluated before it.
                    for &w in &sequence[..h as usize] {
                        if !seen[w as usize] {
                            stack.push(w);
                        }
                    }
                }
            }
        }
    }

    // Live: forwards from the inputs, within the needed cells.
    let mut live = vec![inputs.is_none(); n];
    let mut input_reaches_output = vec![false; inputs.map_or(0, |i| i.len())];
    let dynamic_needed = (0..n).any(|v| needed[v] && is_dynamic_shape(nodes[v].shape));
    if let Some(inputs) = inputs {
        // Dependents in compressed form (edges reversed).
        let mut counts = vec![0u32; total + 1];
        for &t in &graph.targets {
            counts[t as usize + 1] += 1;
        }
        for i in 0..total {
            counts[i + 1] += counts[i];
        }
        let mut dependents = vec![0u32; graph.targets.len()];
        let mut fill = counts.clone();
        for v in 0..total {
            for &t in &graph.targets[graph.offsets[v] as usize..graph.offsets[v + 1] as usize] {
                dependents[fill[t as usize] as usize] = v as u32;
                fill[t as usize] += 1;
            }
        }
        let mut reached = vec![false; total];
        let mut stack: Vec<u32> = Vec::new();
        let mut rects = Vec::new();
        for v in 0..n as u32 {
            if !needed[v as usize] {
                continue;
            }
            let node = nodes[v as usize];
            let at = Rect { sheet: node.sheet, r0: node.row, c0: node.col, r1: node.row, c1: node.col };
            rects.clear();
            precedents(&shapes[node.shape as usize], node.row, node.col, &mut rects);
            // Which inputs this cell sits in or reads (for the build's warnings).
            let mut hit = false;
            for (i, d) in inputs.iter().enumerate() {
                if overlaps(&d.rect, &at) || rects.iter().any(|r| overlaps(r, &d.rect)) {
                    input_reaches_output[i] = true;
                    hit = true;
                }
            }
            if hit || is_dynamic_shape(node.shape) {
                stack.push(v);
            }
        }
        while let Some(v) = stack.pop() {
            if reached[v as usize] {
                continue;
            }
            reached[v as usize] = true;
            for &w in &dependents[counts[v as usize] as usize..counts[v as usize + 1] as usize] {
                if !reached[w as usize] {
                    stack.push(w);
                }
            }
        }
        for v in 0..n {
            live[v] = needed[v] && reached[v];
        }
    } else {
        for v in 0..n {
            live[v] = needed[v];
        }
    }

    // What must stay present: cells read by live cells, inputs, outputs.
    if outputs.is_none() {
        return Cut { needed, live, keep: None, input_reaches_output, dynamic_needed };
    }
    let mut keep: HashSet<Rect> = HashSet::new();
    let mut rects = Vec::new();
    for v in 0..n {
        if live[v] {
            rects.clear();
            let node = nodes[v];
            precedents(&shapes[node.shape as usize], node.row, node.col, &mut rects);
            keep.extend(rects.iter().copied());
        }
    }
    keep.extend(inputs.into_iter().flatten().map(|d| d.rect));
    keep.extend(outputs.into_iter().flatten().map(|d| d.rect));
    Cut { needed, live, keep: Some(keep.into_iter().collect()), input_reaches_output, dynamic_needed }
}

/// Whether any formula of the model (in the outputs' cone or not) reads a cell of `rect`.
pub fn read_by_any(nodes: &[Node], shapes: &[Bound], rect: &Rect, precedents: impl Fn(&Bound, u32, u32, &mut Vec<Rect>) -> bool) -> bool {
    let mut rects = Vec::new();
    nodes.iter().any(|node| {
        rects.clear();
        precedents(&shapes[node.shape as usize], node.row, node.col, &mut rects);
        rects.iter().any(|r| overlaps(r, rect))
    })
}

/// Marks which of `cells` (sorted by row, then column) lie in one of `rects`. Walks
/// each rectangle over the cells it spans, skipping to the next row past its right
/// edge, so whole-column rectangles cost the cells present, not a million rows.
pub fn mark_in_rects(cells: &[(u32, u32)], rects: &[Rect]) -> Vec<bool> {
    let mut marked = vec![false; cells.len()];
    for r in rects {
        let mut i = cells.partition_point(|&c| c < (r.r0, r.c0));
        while i < cells.len() && cells[i].0 <= r.r1 {
            let (row, col) = cells[i];
            if col < r.c0 {
                i += cells[i..].partition_point(|&c| c < (row, r.c0));
            } else if col > r.c1 {
                i += cells[i..].partition_point(|&c| c <= (row, u32::MAX));
            } else {
                marked[i] = true;
                i += 1;
            }
        }
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_cells_inside_rectangles() {
        let cells = vec![(0, 0), (0, 5), (1, 1), (1, 2), (1, 9), (7, 2), (9, 2)];
        let rects = [Rect { sheet: 0, r0: 1, c0: 1, r1: 7, c1: 2 }];
        assert_eq!(mark_in_rects(&cells, &rects), vec![false, false, true, true, false, true, false]);
        let whole_column = [Rect { sheet: 0, r0: 0, c0: 2, r1: 1_048_575, c1: 2 }];
        assert_eq!(mark_in_rects(&cells, &whole_column), vec![false, false, false, true, false, true, true]);
    }
}
