//! Backfill stage: cells the compiler cannot compile keep Excel's cached value.
//!
//! No cell is ever silently dropped. A cell whose formula does not parse, calls a
//! function the runtime lacks, or references another workbook is emitted as a
//! constant holding the value Excel stored (or `#NAME?` when the file stores none),
//! and listed in the build report with its reason and source span. At run time a
//! backfilled cell is reported *stale* when inputs change: its formula did not bind,
//! so its dependency cone is unknown and every input counts.

use std::collections::{HashMap, HashSet};

use crate::address::{cell_name, Rect, MAX_COL, MAX_ROW};
use crate::bind::{precedents_at, visit_call_args, visit_calls, visit_refs, Bound};
use crate::error::{ErrorCode, Result, SheetcError};
use crate::functions::{is_add_in_call, user_function_base, ArgumentTest, ArgumentTestKind, FunctionTable};
use crate::graph::{CellIndex, Graph};
use crate::model::{CellKind, DataTableRange, Value, Workbook};
use crate::plan::{Backfill, BackfillPlan, BackfillReason};
use crate::report::{BackfillReport, BuildReport};
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

/// Calls the engine cannot honour (the registry's `restrictions`: CELL("filename"), a
/// REGEX pattern with a construct the runtime does not run, ...) are backfilled and
/// reported, never run. A shape belongs to one sheet (shapes are keyed per sheet), so
/// its verdict is computed once, on its first cell.
pub fn restricted_calls(shaped: &mut Shaped, functions: &FunctionTable) {
    if !functions.any_restrictions() {
        return;
    }
    let mut verdicts: Vec<Option<Option<BackfillReason>>> = vec![None; shaped.shapes.len()];
    let shapes = &shaped.shapes;
    let backfills = &mut shaped.backfills;
    shaped.nodes.retain(|n| {
        let verdict = verdicts[n.shape as usize].get_or_insert_with(|| restricted_call(&shapes[n.shape as usize], n.sheet, functions));
        match verdict {
            None => true,
            Some(reason) => {
                backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: reason.clone() });
                false
            }
        }
    });
}

/// The first restricted call in a shape bound on `sheet`, as a backfill reason.
fn restricted_call(shape: &Bound, sheet: u32, functions: &FunctionTable) -> Option<BackfillReason> {
    let mut found: Option<BackfillReason> = None;
    visit_call_args(shape, &mut |name, args| {
        if found.is_some() {
            return;
        }
        let hit = functions.restrictions(name).iter().find(|r| r.when.iter().all(|t| argument_passes(t, args.get(t.arg as usize), sheet)));
        if let Some(r) = hit {
            // The reason names the function unless it already starts with it (CELL("...")).
            let reason = if r.reason.starts_with(name) { r.reason.clone() } else { format!("{name}: {}", r.reason) };
            found = Some(BackfillReason::Unsupported { reason, function: None, span: None });
        }
    });
    found
}

/// Whether one condition holds for a bound argument (`None`: not given). Mirrors the
/// registry's `unsupportedCall`, which evaluates the same declared conditions.
fn argument_passes(t: &ArgumentTest, arg: Option<&Bound>, sheet: u32) -> bool {
    match t.test {
        ArgumentTestKind::Omitted => matches!(arg, None | Some(Bound::Missing)),
        ArgumentTestKind::OtherSheet => arg.is_some_and(|a| references_other_sheet(a, sheet)),
        ArgumentTestKind::Literal => match arg {
            Some(Bound::Text(s)) => t.texts.iter().any(|x| x.to_lowercase() == s.to_lowercase()),
            Some(Bound::Number(n)) => t.numbers.contains(n),
            _ => false,
        },
        ArgumentTestKind::Contains => match arg {
            Some(Bound::Text(s)) => t.texts.iter().any(|x| s.contains(x.as_str())),
            _ => false,
        },
    }
}

/// A reference (a cell, an area, a union or 3D reference) to a sheet other than `sheet`.
fn references_other_sheet(b: &Bound, sheet: u32) -> bool {
    match b {
        Bound::Cell { sheet: s, .. } => *s != sheet,
        Bound::Area(a) => a.sheet != sheet,
        Bound::CellValue(x) => references_other_sheet(x, sheet),
        Bound::Areas(items) => items.iter().any(|x| references_other_sheet(x, sheet)),
        _ => false,
    }
}

/// The backfilled cells the engine holds: an output profile drops those outside its
/// cone (`assemble`), and the report and the spec list only what the engine has.
pub fn kept(backfills: &[Backfill], dropped: &HashSet<(u32, u32, u32)>) -> Vec<Backfill> {
    backfills.iter().filter(|b| !dropped.contains(&(b.sheet, b.row, b.col))).cloned().collect()
}

/// [`cones`] re-keyed by position among the [`kept`] backfills (cones are keyed by index
/// into all of them).
pub fn kept_cones(
    backfills: &[Backfill],
    dropped: &HashSet<(u32, u32, u32)>,
    cones: &HashMap<usize, Option<Vec<[u32; 5]>>>,
) -> HashMap<usize, Option<Vec<[u32; 5]>>> {
    let mut out = HashMap::new();
    let kept = backfills.iter().enumerate().filter(|(_, b)| !dropped.contains(&(b.sheet, b.row, b.col)));
    for (k, (i, _)) in kept.enumerate() {
        if let Some(cone) = cones.get(&i) {
            out.insert(k, cone.clone());
        }
    }
    out
}

/// `--strict`: any of these backfilled cells fails the build, naming the first.
pub fn enforce_strict_backfills(workbook: &Workbook, backfills: &[Backfill]) -> Result<()> {
    let Some(b) = backfills.first() else { return Ok(()) };
    Err(SheetcError::new(
        ErrorCode::Strict,
        format!("{} cell(s) cannot be compiled and --strict forbids backfilling; first: {}", backfills.len(), b.reason.message()),
    )
    .at(format!("{}!{}", workbook.sheets[b.sheet as usize].name, cell_name(b.row, b.col))))
}

/// `--strict`: any backfilled cell fails the build, naming the first; so does a call to
/// a name that is no function at all (`#NAME?` in Excel: a typo or a missing add-in).
pub fn enforce_strict(workbook: &Workbook, shaped: &Shaped) -> Result<()> {
    let at = |sheet: u32, row: u32, col: u32| format!("{}!{}", workbook.sheets[sheet as usize].name, cell_name(row, col));
    enforce_strict_backfills(workbook, &shaped.backfills)?;
    if shaped.unknown_functions.is_empty() {
        return Ok(());
    }
    let unknown: HashMap<u32, &Vec<String>> = shaped.unknown_functions.iter().map(|(s, names)| (*s, names)).collect();
    if let Some((n, names)) = shaped.nodes.iter().find_map(|n| unknown.get(&n.shape).map(|names| (n, names))) {
        return Err(SheetcError::new(
            ErrorCode::Strict,
            format!("{} is not a function Excel knows (the cell evaluates to #NAME?), and --strict forbids it", names.join(", ")),
        )
        .at(at(n.sheet, n.row, n.col)));
    }
    Ok(())
}

/// Data tables (What-If Analysis, `{=TABLE(row,col)}`) are no formula the generated code
/// evaluates: their anchors leave the nodes. A table the runtime computes (`computed`:
/// the engine is not an output profile, and [`DataTableRange::computable`]; see the
/// data_tables stage) is left at that: its cells are filled after each run. Any other
/// keeps Excel's stored value at its anchor, and so do the cells of its range (as a
/// backfilled array formula's members do), all reported.
pub fn data_tables(workbook: &Workbook, shaped: &mut Shaped, computed: bool) {
    let all: Vec<(u32, &DataTableRange)> =
        workbook.sheets.iter().enumerate().flat_map(|(s, sheet)| sheet.data_tables.iter().map(move |t| (s as u32, t))).collect();
    if all.is_empty() {
        return;
    }
    let anchors: HashSet<(u32, u32, u32)> = all.iter().map(|(s, t)| (*s, t.r0, t.c0)).collect();
    shaped.nodes.retain(|n| !anchors.contains(&(n.sheet, n.row, n.col)));
    shaped.backfills.retain(|b| !anchors.contains(&(b.sheet, b.row, b.col)));
    let kept: HashSet<(u32, u32, u32)> = all.iter().filter(|(_, t)| !(computed && t.computable())).map(|(s, t)| (*s, t.r0, t.c0)).collect();
    let mut sorted: Vec<_> = kept.into_iter().collect();
    sorted.sort_unstable();
    shaped.backfills.extend(sorted.into_iter().map(|(sheet, row, col)| Backfill { sheet, row, col, reason: BackfillReason::DataTable }));
}

/// A cell backfilled because it calls a user-defined function, with its bound shape:
/// its arguments are known, so its dependency cone is too (see [`cones`]).
pub struct UserFunctionCell {
    /// Index into the backfills.
    pub backfill: usize,
    pub shape: u32,
}

/// Cells calling a user-defined function (VBA, an add-in) that the caller does not
/// implement keep Excel's stored value (the binder bound the call, so their arguments
/// are known). Calls to implemented ones stay: they compile to `R.udf`.
pub fn user_functions(shaped: &mut Shaped, functions: &FunctionTable) -> Vec<UserFunctionCell> {
    // Per shape: the first user-defined function it calls that nobody implements.
    let mut missing: HashMap<u32, Option<String>> = HashMap::new();
    let mut moved = Vec::new();
    let Shaped { shapes, nodes, backfills, .. } = shaped;
    nodes.retain(|n| {
        let name = missing.entry(n.shape).or_insert_with(|| {
            let mut found = None;
            visit_calls(&shapes[n.shape as usize], &mut |name| {
                if found.is_none() && !functions.is_supported(name) && functions.is_user_function(name) && !functions.is_declared(name) {
                    found = Some(name.to_string());
                }
            });
            found
        });
        let Some(name) = name else { return true };
        moved.push(UserFunctionCell { backfill: backfills.len(), shape: n.shape });
        let reason = BackfillReason::UserFunction { name: user_function_base(name), add_in: is_add_in_call(name) };
        backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason });
        false
    });
    moved
}

/// Backfills of Excel functions the runtime does not compute take the reason the
/// function's note gives (GETPIVOTDATA reads a pivot table, ...).
pub fn notes(backfills: &mut [Backfill], functions: &FunctionTable) {
    for b in backfills {
        if let BackfillReason::Unsupported { function: Some(f), span, .. } = &b.reason {
            if let Some(note) = functions.note(f) {
                b.reason = BackfillReason::NotComputed { function: f.clone(), code: note.code.clone(), reason: note.reason.clone(), span: *span };
            }
        }
    }
}

/// The most rectangles one cone keeps, and the most cells all cones together walk:
/// beyond either, a cell's cone counts as unknown (stale on any input).
const MAX_CONE_RECTS: usize = 4096;
const MAX_CONE_WORK: usize = 4_000_000;

/// The dependency cones of the cells backfilled for a user-defined function: every
/// rectangle the cell reads, directly or through the formulas it reads, so the engine
/// reports it stale only when an input reaches it. None (unknown: stale on any input)
/// when a computed reference (OFFSET, INDIRECT: `is_dynamic_shape`) is on the way, or
/// the cone is too large. Runs once the graph is built (over the computed cells).
pub fn cones(
    moved: &[UserFunctionCell],
    backfills: &[Backfill],
    shaped: &Shaped,
    graph: &Graph,
    index: &CellIndex,
    is_dynamic_shape: impl Fn(u32) -> bool,
) -> HashMap<usize, Option<Vec<[u32; 5]>>> {
    let mut out = HashMap::new();
    let mut work = 0usize;
    let total = graph.offsets.len().saturating_sub(1);
    let mut seen = vec![false; total];
    let mut touched: Vec<u32> = Vec::new();
    for m in moved {
        let b = &backfills[m.backfill];
        let mut rects: Vec<Rect> = Vec::new();
        let known = !is_dynamic_shape(m.shape) && precedents_at(&shaped.shapes[m.shape as usize], b.row, b.col, &mut rects);
        let cone = known.then(|| {
            let mut stack: Vec<u32> = Vec::new();
            for r in &rects {
                index.nodes_in(*r, &mut |v| stack.push(v));
            }
            let mut ok = true;
            while let Some(v) = stack.pop() {
                if seen[v as usize] {
                    continue;
                }
                seen[v as usize] = true;
                touched.push(v);
                work += 1;
                if work > MAX_CONE_WORK || rects.len() > MAX_CONE_RECTS {
                    ok = false;
                    break;
                }
                if let Some(node) = shaped.nodes.get(v as usize) {
                    if is_dynamic_shape(node.shape) || !precedents_at(&shaped.shapes[node.shape as usize], node.row, node.col, &mut rects) {
                        ok = false;
                        break;
                    }
                }
                stack.extend(graph.targets[graph.offsets[v as usize]..graph.offsets[v as usize + 1]].iter().copied().filter(|&w| !seen[w as usize]));
            }
            for v in touched.drain(..) {
                seen[v as usize] = false;
            }
            ok.then(|| {
                rects.sort_unstable_by_key(|r| (r.sheet, r.r0, r.c0, r.r1, r.c1));
                rects.dedup();
                rects.iter().map(|r| [r.sheet, r.r0, r.c0, r.r1, r.c1]).collect()
            })
        });
        out.insert(m.backfill, cone.flatten());
    }
    out
}

/// What the engine carries for each backfilled cell. Most backfilled cells have no
/// bound formula, so their dependency cone is unknown: the engine treats them as stale
/// whenever any input changes (`cone: None`); `cones` gives the ones that are known.
pub fn plans(workbook: &Workbook, backfills: &[Backfill], cones: &HashMap<usize, Option<Vec<[u32; 5]>>>) -> Vec<BackfillPlan> {
    backfills
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let sheet = &workbook.sheets[b.sheet as usize];
            let last = sheet.cells.binary_search_by_key(&(b.row, b.col), |c| (c.row, c.col)).ok().and_then(|k| match sheet.cells[k].kind {
                CellKind::ArrayFormula { last_row, last_col, .. } if (last_row, last_col) != (b.row, b.col) => Some((last_row, last_col)),
                _ => None,
            });
            BackfillPlan { sheet: b.sheet, row: b.row, col: b.col, reason: b.reason.message(), cone: cones.get(&i).cloned().flatten(), last }
        })
        .collect()
}

/// The report's backfilled cells (those the engine holds) and, per function sheetc does
/// not compute, how many cells call it.
pub fn report_into(report: &mut BuildReport, workbook: &Workbook, backfills: &[Backfill]) {
    report.backfilled = report_rows(workbook, backfills);
    for b in backfills {
        if let Some(f) = b.reason.function() {
            *report.unsupported_functions.entry(f.to_string()).or_default() += 1;
        }
    }
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
pub(crate) struct RelativeReach {
    rows: Option<(i64, i64)>,
    cols: Option<(i64, i64)>,
}

impl RelativeReach {
    pub(crate) fn of(bound: &Bound) -> RelativeReach {
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
    use crate::functions::{CallRestriction, FunctionFacts};

    /// Restrictions as the registry declares them for CELL, GROUPBY and a REGEX function
    /// (the real table is `fuzz/corpus/functions.json`; the ava suite checks that one).
    fn restricted_table() -> FunctionTable {
        let test = |arg: u32, test: ArgumentTestKind, texts: &[&str], numbers: &[f64]| ArgumentTest {
            arg,
            test,
            texts: texts.iter().map(|t| t.to_string()).collect(),
            numbers: numbers.to_vec(),
        };
        let facts = |name: &str, params: &str, restrictions: Vec<CallRestriction>| FunctionFacts {
            name: name.into(),
            params: params.into(),
            restrictions,
            ..Default::default()
        };
        FunctionTable::new([
            facts(
                "CELL",
                "va",
                vec![
                    CallRestriction { when: vec![test(0, ArgumentTestKind::Literal, &["filename"], &[])], reason: "CELL(\"filename\") needs the path".into() },
                    CallRestriction {
                        when: vec![test(0, ArgumentTestKind::Literal, &["row", "address"], &[]), test(1, ArgumentTestKind::Omitted, &[], &[])],
                        reason: "CELL without a reference".into(),
                    },
                    CallRestriction {
                        when: vec![test(0, ArgumentTestKind::Literal, &["address"], &[]), test(1, ArgumentTestKind::OtherSheet, &[], &[])],
                        reason: "CELL(\"address\") of another sheet".into(),
                    },
                ],
            ),
            facts("GROUPBY", "a", vec![CallRestriction { when: vec![test(3, ArgumentTestKind::Literal, &[], &[2.0])], reason: "field_headers 2".into() }]),
            facts(
                "REGEXTEST",
                "vvv",
                vec![CallRestriction { when: vec![test(1, ArgumentTestKind::Contains, &["\\K", "(?R"], &[])], reason: "construct".into() }],
            ),
            facts("SUM", "a", vec![]),
        ])
    }

    fn call(name: &str, args: Vec<Bound>) -> Bound {
        Bound::Call { name: name.into(), args }
    }
    fn a1(sheet: u32) -> Bound {
        Bound::Cell { sheet, row: Coord::Abs(0), col: Coord::Abs(0) }
    }
    fn text(s: &str) -> Bound {
        Bound::Text(s.into())
    }

    #[test]
    fn restricted_calls_are_found_by_their_declared_conditions() {
        let table = restricted_table();
        let reason = |b: &Bound| restricted_call(b, 0, &table).map(|r| r.message());
        // A literal info_type the engine cannot compute, in any letter case, anywhere in the formula.
        assert_eq!(reason(&call("CELL", vec![text("FileName"), a1(0)])).as_deref(), Some("CELL(\"filename\") needs the path"));
        assert!(reason(&call("SUM", vec![Bound::Number(1.0), call("CELL", vec![text("filename"), a1(0)])])).is_some());
        // Computable with a reference on the formula's own sheet; an info_type computed at run time is left to the runtime.
        assert_eq!(reason(&call("CELL", vec![text("row"), a1(0)])), None);
        assert_eq!(reason(&call("CELL", vec![text("address"), Bound::CellValue(Box::new(a1(0)))])), None);
        assert_eq!(reason(&call("CELL", vec![a1(0), a1(0)])), None);
        // Without a reference: left out or written empty.
        assert_eq!(reason(&call("CELL", vec![text("row")])).as_deref(), Some("CELL without a reference"));
        assert_eq!(reason(&call("CELL", vec![text("row"), Bound::Missing])).as_deref(), Some("CELL without a reference"));
        // "address" of another sheet, also through a union or a 3D reference.
        assert!(reason(&call("CELL", vec![text("address"), a1(1)])).is_some());
        assert!(reason(&call("CELL", vec![text("address"), Bound::Areas(vec![a1(0), a1(2)])])).is_some());
        assert_eq!(reason(&call("CELL", vec![text("row"), a1(1)])), None);
        // Numbers: GROUPBY's field_headers 2 only, and the reason names the function.
        let groupby = |fh: f64| call("GROUPBY", vec![a1(0), a1(0), Bound::Missing, Bound::Number(fh)]);
        assert_eq!(reason(&groupby(2.0)).as_deref(), Some("GROUPBY: field_headers 2"));
        assert_eq!(reason(&groupby(3.0)), None);
        // Substrings, exact case: a literal pattern only.
        assert!(reason(&call("REGEXTEST", vec![a1(0), text("a\\Kb")])).is_some());
        assert_eq!(reason(&call("REGEXTEST", vec![a1(0), text("a\\kb")])), None);
        assert_eq!(reason(&call("REGEXTEST", vec![a1(0), Bound::CellValue(Box::new(a1(0)))])), None);
        // Inside a LAMBDA body too.
        let lambda = Bound::Lambda { params: vec![0], body: Box::new(call("REGEXTEST", vec![Bound::Local(0), text("(?R)")])) };
        assert!(reason(&lambda).is_some());
    }

    #[test]
    fn restricted_cells_are_backfilled_per_shape() {
        use crate::plan::Node;
        let table = restricted_table();
        let node = |row: u32, shape: u32| Node { sheet: 0, row, col: 0, shape, array_end: None, dynamic_array: false };
        let mut shaped = Shaped {
            shapes: vec![call("CELL", vec![text("row"), a1(0)]), call("CELL", vec![text("filename"), a1(0)])],
            nodes: vec![node(0, 0), node(1, 1), node(2, 0), node(3, 1)],
            backfills: Vec::new(),
            unknown_functions: Vec::new(),
        };
        restricted_calls(&mut shaped, &table);
        assert_eq!(shaped.nodes.iter().map(|n| n.row).collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(shaped.backfills.iter().map(|b| (b.row, b.reason.code())).collect::<Vec<_>>(), vec![(1, "unsupported"), (3, "unsupported")]);
    }

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
