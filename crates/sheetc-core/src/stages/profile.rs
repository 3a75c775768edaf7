//! Output profile: an engine scoped to declared inputs and outputs.
//!
//! Runs on the graph. With `--outputs`, only the outputs' dependency cone is kept
//! (*needed* cells); with `--inputs`, needed cells that no declared input reaches are
//! *folded*: they become constants holding the value the full model computes (the
//! caller evaluates the full engine once and passes those values in; the file's cached
//! values are never trusted for this). Cells whose references are computed at run time
//! (OFFSET, INDIRECT) can read anything, so when one is needed every cell evaluated
//! before it is needed too, and it counts as reached by the inputs.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::address::{area_name, cell_name, Rect};
use crate::ast::ErrorKind;
use crate::bind::{precedents_at, Binder, Bound, Resolved};
use crate::error::{ErrorCode, Result, SheetcError};
use crate::graph::{CellIndex, Component};
use crate::model::{Cell, Value, Workbook};
use crate::plan::{DeclaredPlan, NamePlan, Node};
use crate::report::{BuildReport, BuildWarning, BuildWarningCode, DeclaredReport};
use crate::stages::partition::SheetPartition;
use crate::stages::schedule::{node_behind, Schedule};
use crate::stages::shapes::Shaped;

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
    let rect = match bound.resolve_at(0, 0) {
        Resolved::At(r) => r,
        Resolved::OffSheet => return Err(bad("off the sheet")),
        Resolved::NotAReference => return Err(bad("not a cell reference, a range or a defined name that points at cells")),
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

    /// Whether the engine evaluates this cell or cluster (a cluster is live or not whole).
    pub fn is_live(&self, comp: &Component) -> bool {
        match comp {
            Component::Cell(n) => self.live[*n as usize],
            Component::Cluster(m) => self.live[m[0] as usize],
        }
    }
}

/// Computes the cut. `outputs: None` keeps every cell; `inputs: None` makes every cell
/// live (no folding), and so does `fold: false` (the inputs are still traced, for the
/// build's warnings). The graph may hold virtual nodes (ids ≥ `nodes.len()`) that only
/// forward edges.
pub fn cut(schedule: &Schedule, shaped: &Shaped, inputs: Option<&[Declared]>, outputs: Option<&[Declared]>, fold: bool) -> Cut {
    let Schedule { graph, order, index, .. } = schedule;
    let (nodes, shapes) = (&shaped.nodes, &shaped.shapes);
    let is_dynamic_shape = |s: u32| schedule.is_dynamic_shape(s);
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
            let edges = &graph.targets[graph.offsets[v as usize]..graph.offsets[v as usize + 1]];
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
            for &t in &graph.targets[graph.offsets[v]..graph.offsets[v + 1]] {
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
            let at = Rect::cell(node.sheet, node.row, node.col);
            rects.clear();
            precedents_at(&shapes[node.shape as usize], node.row, node.col, &mut rects);
            // Which inputs this cell sits in or reads (for the build's warnings).
            let mut hit = false;
            for (i, d) in inputs.iter().enumerate() {
                if d.rect.overlaps(&at) || rects.iter().any(|r| r.overlaps(&d.rect)) {
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
            live[v] = needed[v] && (reached[v] || !fold);
        }
    } else {
        live.copy_from_slice(&needed);
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
            precedents_at(&shapes[node.shape as usize], node.row, node.col, &mut rects);
            keep.extend(rects.iter().copied());
        }
    }
    keep.extend(inputs.into_iter().flatten().map(|d| d.rect));
    keep.extend(outputs.into_iter().flatten().map(|d| d.rect));
    Cut { needed, live, keep: Some(keep.into_iter().collect()), input_reaches_output, dynamic_needed }
}

/// Whether any formula of the model (in the outputs' cone or not) reads a cell of `rect`.
fn read_by_any(nodes: &[Node], shapes: &[Bound], rect: &Rect) -> bool {
    let mut rects = Vec::new();
    nodes.iter().any(|node| {
        rects.clear();
        precedents_at(&shapes[node.shape as usize], node.row, node.col, &mut rects);
        rects.iter().any(|r| r.overlaps(rect))
    })
}

/// A build's output profile: the declared inputs and outputs, resolved, and the cut.
pub struct Profile {
    pub inputs: Option<Vec<Declared>>,
    pub outputs: Option<Vec<Declared>>,
    pub cut: Cut,
}

impl Profile {
    /// Whether any cell folds (the build then needs the full model's values).
    pub fn folds_any(&self, node_count: usize) -> bool {
        (0..node_count as u32).any(|v| self.cut.is_folded(v))
    }
}

/// What the caller declared for an output profile.
#[derive(Clone, Copy, Debug, Default)]
pub struct Request<'a> {
    pub inputs: Option<&'a [String]>,
    pub outputs: Option<&'a [String]>,
    /// Fold what no input reaches (false: every cell of the cone stays a formula).
    pub fold: bool,
}

/// Resolves the declared inputs and outputs and cuts the graph; None without either.
pub fn plan(
    workbook: &Workbook,
    names: &[NamePlan],
    binder: &mut Binder<'_>,
    request: Request<'_>,
    schedule: &Schedule,
    shaped: &Shaped,
) -> Result<Option<Profile>> {
    let Request { inputs, outputs, fold } = request;
    if inputs.is_none() && outputs.is_none() {
        return Ok(None);
    }
    let declared_names: Vec<String> = workbook.names.iter().map(|n| n.name.clone()).collect();
    let mut resolve_all = |list: Option<&[String]>| -> Result<Option<Vec<Declared>>> {
        list.map(|l| l.iter().map(|t| resolve(t, &declared_names, workbook.sheets.len(), binder)).collect::<Result<Vec<_>>>()).transpose()
    };
    let mut inputs = resolve_all(inputs)?;
    let mut outputs = resolve_all(outputs)?;
    // A cell or range declared by reference takes the defined name that points exactly
    // at it (workbook scope first): it is then an input/output by name too.
    for d in inputs.iter_mut().chain(outputs.iter_mut()).flatten() {
        if d.name.is_some() {
            continue;
        }
        let r = d.rect;
        let target = [r.sheet, r.r0, r.c0, r.r1, r.c1];
        let mut candidates = names.iter().filter(|n| n.area == Some(target) && n.scope.is_none_or(|s| s == r.sheet)).collect::<Vec<_>>();
        candidates.sort_by_key(|n| n.scope.is_some());
        d.name = candidates.first().map(|n| n.name.clone());
    }
    let cut = cut(schedule, shaped, inputs.as_deref(), outputs.as_deref(), fold);
    Ok(Some(Profile { inputs, outputs, cut }))
}

impl Profile {
    /// The rectangles `text()` can be asked for: with declared outputs, the declared
    /// inputs and outputs (the engine serves nothing else); None when it serves any cell.
    pub fn served_rects(&self) -> Option<Vec<Rect>> {
        self.cut.keep.as_ref()?;
        Some(self.inputs.iter().chain(self.outputs.iter()).flatten().map(|d| d.rect).collect())
    }

    /// Warnings about the declared inputs: one on a formula cell (the input replaces the
    /// formula), one that no formula reads (an empty cell: probably a typo), one that
    /// reaches none of the declared outputs (changing it changes nothing served).
    pub fn input_warnings(&self, workbook: &Workbook, shaped: &Shaped) -> Vec<BuildWarning> {
        let mut out = Vec::new();
        let Some(inputs) = &self.inputs else { return out };
        let cut = &self.cut;
        for (i, d) in inputs.iter().enumerate() {
            let r = d.rect;
            let single = (r.r0, r.c0) == (r.r1, r.c1);
            let sheet = &workbook.sheets[r.sheet as usize];
            let start = sheet.cells.partition_point(|c| c.row < r.r0);
            let inside: Vec<&Cell> = sheet.cells[start..].iter().take_while(|c| c.row <= r.r1).filter(|c| c.col >= r.c0 && c.col <= r.c1).collect();
            let formulas: Vec<&&Cell> = inside.iter().filter(|c| c.is_computed()).collect();
            if let Some(first) = formulas.first() {
                let formula = first.formula().map(|f| format!(" (={})", &sheet.formulas[f.text as usize])).unwrap_or_default();
                let message = if single {
                    format!("input \"{}\" is a formula cell{formula}: the input replaces the formula", d.text)
                } else {
                    let at = format!("{}!{}", sheet.name, cell_name(first.row, first.col));
                    format!("input \"{}\" holds {} formula cell(s), first {at}{formula}: the input replaces them", d.text, formulas.len())
                };
                out.push(BuildWarning { code: BuildWarningCode::InputIsFormula, reference: d.text.clone(), message });
            }
            if cut.dynamic_needed || cut.input_reaches_output.get(i).copied().unwrap_or(true) {
                continue;
            }
            if !read_by_any(&shaped.nodes, &shaped.shapes, &r) {
                let empty = inside.iter().all(|c| c.value == Value::Empty && !c.is_computed());
                let what = match (empty, single) {
                    (true, true) => "an empty cell that no formula reads: is the reference right?",
                    (true, false) => "an empty range that no formula reads: is the reference right?",
                    (false, true) => "a cell that no formula reads",
                    (false, false) => "a range that no formula reads",
                };
                out.push(BuildWarning {
                    code: BuildWarningCode::InputNeverRead,
                    reference: d.text.clone(),
                    message: format!("input \"{}\" is {what}", d.text),
                });
            } else if self.outputs.is_some() {
                let message = format!("input \"{}\" reaches none of the declared outputs: changing it changes nothing the engine serves", d.text);
                out.push(BuildWarning { code: BuildWarningCode::InputReachesNoOutput, reference: d.text.clone(), message });
            }
        }
        out
    }
}

/// The declared cells for the report and the engine: where each is and the type of
/// its values (computed values for formula cells when known, else the file's).
pub fn describe(
    list: &Option<Vec<Declared>>,
    workbook: &Workbook,
    computed: &HashMap<(u32, u32, u32), Value>,
) -> Option<(Vec<DeclaredReport>, Vec<DeclaredPlan>)> {
    list.as_ref().map(|l| {
        l.iter()
            .map(|d| {
                let report = declared_report(d, workbook, computed);
                let plan = DeclaredPlan { reference: d.text.clone(), name: d.name.clone(), rect: d.rect, value_type: report.value_type.clone() };
                (report, plan)
            })
            .unzip()
    })
}

/// The full model's computed formula values, for folding: per sheet, flat
/// `[row, col, value, ...]` with errors as `{"e": "#N/A"}`.
#[derive(serde::Deserialize)]
struct FoldValues {
    sheets: Vec<Vec<serde_json::Value>>,
}

pub fn load_fold_values(path: &Path) -> Result<HashMap<(u32, u32, u32), Value>> {
    let text = std::fs::read_to_string(path).map_err(|e| SheetcError::io("reading the model's values for folding", e))?;
    let parsed: FoldValues =
        serde_json::from_str(&text).map_err(|e| SheetcError::new(ErrorCode::InvalidOption, format!("the values for folding are not valid: {e}")))?;
    let mut out = HashMap::new();
    for (s, flat) in parsed.sheets.iter().enumerate() {
        for triple in flat.chunks_exact(3) {
            let (Some(r), Some(c)) = (triple[0].as_u64(), triple[1].as_u64()) else { continue };
            let v = match &triple[2] {
                serde_json::Value::Null => Value::Empty,
                serde_json::Value::Bool(b) => Value::Bool(*b),
                serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
                serde_json::Value::String(t) => Value::Text(t.clone()),
                serde_json::Value::Object(o) => match o.get("e").and_then(|e| e.as_str()).and_then(ErrorKind::parse) {
                    Some(k) => Value::Error(k),
                    None => Value::Error(ErrorKind::Value),
                },
                serde_json::Value::Array(_) => continue,
            };
            out.insert((s as u32, r as u32, c as u32), v);
        }
    }
    Ok(out)
}

/// The profile's declared inputs and outputs: their plans for the engine, and their
/// description in the report (`report.inputs` / `report.outputs`).
pub fn declared(
    profile: Option<&Profile>,
    workbook: &Workbook,
    computed: &HashMap<(u32, u32, u32), Value>,
    report: &mut BuildReport,
) -> (Option<Vec<DeclaredPlan>>, Option<Vec<DeclaredPlan>>) {
    let Some(p) = profile else { return (None, None) };
    let inputs = describe(&p.inputs, workbook, computed).map(|(r, plans)| {
        report.inputs = Some(r);
        plans
    });
    let outputs = describe(&p.outputs, workbook, computed).map(|(r, plans)| {
        report.outputs = Some(r);
        plans
    });
    (inputs, outputs)
}

/// An output profile's first pass: writes to `path` the cells whose values the profile
/// build will need (JSON `[[sheet, row, col], ...]`, see [`fold_plan_cells`]). That pass
/// then emits the full engine (the caller drops the profile).
pub fn write_fold_plan(path: &Path, parts: &[SheetPartition<'_>], nodes: &[Node], index: &CellIndex, profile: Option<&Profile>) -> Result<()> {
    let declared = profile.iter().flat_map(|p| p.inputs.iter().chain(p.outputs.iter()).flatten());
    let cells = fold_plan_cells(parts, nodes, index, profile.map(|p| &p.cut), declared);
    let json = serde_json::to_string(&cells).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
    std::fs::write(path, json).map_err(|e| SheetcError::io("writing the fold plan", e))
}

/// The full model's values the folded cells take: read from `path` when the profile folds
/// anything (an error without them: only compile() can compute them), else none.
pub fn fold_values(profile: Option<&Profile>, path: Option<&Path>, node_count: usize) -> Result<HashMap<(u32, u32, u32), Value>> {
    match (profile, path) {
        (Some(p), Some(path)) if p.folds_any(node_count) => load_fold_values(path),
        (Some(p), None) if p.folds_any(node_count) => Err(SheetcError::new(
            ErrorCode::InvalidOption,
            "folding cells that reach no declared input needs the full model's values (compile() computes them)",
        )),
        _ => Ok(HashMap::new()),
    }
}

/// The cells a profile build needs the full model's values for: every cell of a folded
/// node (array members included) and every declared cell (their type is reported).
pub fn fold_plan_cells<'a>(
    parts: &[SheetPartition<'_>],
    nodes: &[Node],
    index: &CellIndex,
    cut: Option<&Cut>,
    declared: impl Iterator<Item = &'a Declared>,
) -> Vec<[u32; 3]> {
    let mut cells: Vec<[u32; 3]> = Vec::new();
    if let Some(cut) = cut {
        for p in parts {
            for c in &p.cells {
                if node_behind(c, p.sheet, nodes, index).is_some_and(|n| cut.is_folded(n)) {
                    cells.push([p.sheet, c.row, c.col]);
                }
            }
        }
    }
    for d in declared {
        let r = d.rect;
        // A declared range is what a user typed: bounded by the sheet, listed cell by cell.
        for row in r.r0..=r.r1.min(r.r0.saturating_add(1 << 20)) {
            for col in r.c0..=r.c1.min(r.c0.saturating_add(1 << 14)) {
                cells.push([r.sheet, row, col]);
            }
        }
    }
    cells.sort_unstable();
    cells.dedup();
    cells
}

/// Describes a declared input or output: where it is and the type of its values
/// (computed values for formula cells when known, else the file's).
fn declared_report(d: &Declared, workbook: &Workbook, computed: &HashMap<(u32, u32, u32), Value>) -> DeclaredReport {
    let r = d.rect;
    let sheet = &workbook.sheets[r.sheet as usize];
    let cell = area_name(r.r0, r.c0, r.r1, r.c1);
    let mut seen: Option<&'static str> = None;
    let mut mixed = false;
    let start = sheet.cells.partition_point(|c| c.row < r.r0);
    for c in sheet.cells[start..].iter().take_while(|c| c.row <= r.r1) {
        if c.col < r.c0 || c.col > r.c1 {
            continue;
        }
        let v = computed.get(&(r.sheet, c.row, c.col)).unwrap_or(&c.value);
        let t = match v {
            Value::Empty => "blank",
            Value::Number(_) => "number",
            Value::Text(_) => "text",
            Value::Bool(_) => "boolean",
            Value::Error(_) => "error",
        };
        mixed |= seen.is_some_and(|s| s != t);
        seen = Some(t);
    }
    DeclaredReport {
        reference: d.text.clone(),
        sheet: sheet.name.clone(),
        cell,
        name: d.name.clone(),
        value_type: if mixed { "mixed".into() } else { seen.unwrap_or("blank").into() },
    }
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
