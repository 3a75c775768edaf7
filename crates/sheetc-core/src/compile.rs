//! The build: read → partition → parse/bind (once per shape) → graph → backfill → emit.
//!
//! Output is written to a temporary sibling of the output directory and renamed into
//! place at the end, so a failed or cancelled build never leaves a half-written
//! engine (and leaves a previous engine untouched).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::backfill::{Backfill, BackfillReason};
use crate::bind::{visit_calls, visit_refs, Binder, Bound, FunctionTable, MAX_COL, MAX_ROW};
use crate::emit::{self, BackfillEmit, ConstantCell, DeclaredEmit, EmitInput, NameEmit, Node, SheetEmit};
use crate::error::{ErrorCode, Result, SheetcError};
use crate::graph::{schedule, CellIndex, Component, Graph, Rect};
use crate::layout::{self, LayoutOptions};
use crate::profile;
use crate::parse::ParseErrorKind;
use crate::partition::partition;
use crate::read::{read_workbook, CellKind, Limits, Value, Workbook};
use crate::shape::key_texts;
use rayon::prelude::*;

pub struct CompileOptions {
    pub out_dir: PathBuf,
    /// Functions the runtime implements (upper-case names).
    pub functions: Vec<String>,
    /// Parameter kinds of the runtime's functions, `NAME=vva` (see `FunctionTable`).
    pub function_params: Vec<String>,
    /// Excel's function catalogue (for `#NAME?` on names Excel does not know).
    pub known_functions: Vec<String>,
    /// The runtime bundle to copy into the engine as `runtime.js`.
    pub runtime_js: Option<PathBuf>,
    /// Fail the build instead of backfilling.
    pub strict: bool,
    pub limits: Limits,
    /// Emit a lazy engine (`load()` imports only the modules a cone needs).
    pub lazy: bool,
    /// Split sheets into modules of about this size (row bands).
    pub max_module_bytes: Option<u64>,
    /// Declared inputs (`Sheet!A1`, ranges, defined names): cells that reach no input fold.
    pub inputs: Option<Vec<String>>,
    /// Declared outputs: only their dependency cone is kept.
    pub outputs: Option<Vec<String>>,
    /// The full model's computed values (JSON, see `FoldValues`), for folding.
    pub fold_values: Option<PathBuf>,
    /// An output profile's first pass: with `inputs`/`outputs`, write to this file the
    /// cells whose values the profile build will need (the folded cells and the declared
    /// ones, JSON `[[sheet, row, col], ...]`) and build the *full* engine, so that only
    /// those values are computed out and read back (5M cells: hundreds, not millions).
    pub fold_plan: Option<PathBuf>,
    /// Also write Excel's cached values of every formula cell (JSON, see `cached`) to this
    /// file, from the workbook the build reads (verify compares the engine with them
    /// without reading the file a second time).
    pub cached_values_out: Option<PathBuf>,
}

/// The full model's computed formula values, for folding: per sheet, flat
/// `[row, col, value, ...]` with errors as `{"e": "#N/A"}`.
#[derive(serde::Deserialize)]
struct FoldValues {
    sheets: Vec<Vec<serde_json::Value>>,
}

fn load_fold_values(path: &Path) -> Result<HashMap<(u32, u32, u32), Value>> {
    let text = std::fs::read_to_string(path).map_err(|e| SheetcError::io("reading the model's values for folding", e))?;
    let parsed: FoldValues = serde_json::from_str(&text)
        .map_err(|e| SheetcError::new(ErrorCode::InvalidOption, format!("the values for folding are not valid: {e}")))?;
    let mut out = HashMap::new();
    for (s, flat) in parsed.sheets.iter().enumerate() {
        for triple in flat.chunks_exact(3) {
            let (Some(r), Some(c)) = (triple[0].as_u64(), triple[1].as_u64()) else { continue };
            let v = match &triple[2] {
                serde_json::Value::Null => Value::Empty,
                serde_json::Value::Bool(b) => Value::Bool(*b),
                serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
                serde_json::Value::String(t) => Value::Text(t.clone()),
                serde_json::Value::Object(o) => match o.get("e").and_then(|e| e.as_str()).and_then(crate::ast::ErrorKind::parse) {
                    Some(k) => Value::Error(k),
                    None => Value::Error(crate::ast::ErrorKind::Value),
                },
                serde_json::Value::Array(_) => continue,
            };
            out.insert((s as u32, r as u32, c as u32), v);
        }
    }
    Ok(out)
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DeclaredReport {
    /// As declared.
    #[serde(rename = "ref")]
    pub reference: String,
    pub sheet: String,
    /// `A1` or `A1:B9`.
    pub cell: String,
    pub name: Option<String>,
    /// The type of the values seen at build time: number, text, boolean, blank, error or mixed.
    #[serde(rename = "type")]
    pub value_type: String,
}

/// Progress callback: (phase, done, total).
pub type ProgressFn<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SheetReport {
    pub name: String,
    pub cells: usize,
    pub formula_cells: usize,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct BackfillReport {
    pub sheet: String,
    pub cell: String,
    pub formula: String,
    pub code: String,
    pub reason: String,
    /// Byte span [start, end) in the formula text.
    pub span: Option<[u32; 2]>,
    /// Whether Excel stored a value for it (else the engine holds #NAME?).
    pub has_cached_value: bool,
}

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    pub read_ms: f64,
    pub parse_ms: f64,
    pub graph_ms: f64,
    pub emit_ms: f64,
    pub total_ms: f64,
}

/// Something the user should know about the build that does not stop it: an output
/// profile's input that overrides a formula or reaches nothing.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct BuildWarning {
    /// Stable: input-is-formula, input-never-read, input-reaches-no-output.
    pub code: String,
    /// The input as declared.
    #[serde(rename = "ref")]
    pub reference: String,
    pub message: String,
}

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct BuildReport {
    /// The engine directory; absent from `manifest.json`, which names no path of the build machine.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub out_dir: String,
    pub sheets: Vec<SheetReport>,
    pub cells: usize,
    pub formula_cells: usize,
    pub shapes: usize,
    pub functions: BTreeMap<String, u64>,
    pub unsupported_functions: BTreeMap<String, u64>,
    pub backfilled: Vec<BackfillReport>,
    pub defined_names: Vec<String>,
    /// Tables as `Name (Sheet!A1:C10)`.
    pub tables: Vec<String>,
    pub clusters: Vec<Vec<String>>,
    pub iterative: bool,
    pub modules: usize,
    pub segments: usize,
    pub engine_bytes: u64,
    pub largest_module_bytes: u64,
    pub lazy: bool,
    /// Declared inputs and outputs (output profile), when given.
    pub inputs: Option<Vec<DeclaredReport>>,
    pub outputs: Option<Vec<DeclaredReport>>,
    /// Cells of the outputs' cone folded to constants, and formula cells kept.
    pub folded_cells: usize,
    pub dropped_cells: usize,
    pub edges: usize,
    /// Output profile: inputs that override a formula or reach nothing (see `BuildWarning`).
    pub warnings: Vec<BuildWarning>,
    pub timings: Timings,
}

pub fn column_name(mut c: u32) -> String {
    let mut s = Vec::new();
    c += 1;
    while c > 0 {
        let m = (c - 1) % 26;
        s.push(b'A' + m as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), row + 1)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn cancelled_err() -> SheetcError {
    SheetcError::new(ErrorCode::Cancelled, "the build was cancelled")
}

/// The concrete rectangles a shape reads when evaluated at (row, col); false if a
/// relative reference falls off the sheet.
fn precedents_at(bound: &Bound, row: u32, col: u32, out: &mut Vec<Rect>) -> bool {
    for_each_precedent(bound, row, col, &mut |r| out.push(r))
}

/// Calls `f` with each rectangle a shape reads at (row, col); false if a relative
/// reference falls off the sheet (those are skipped).
fn for_each_precedent(bound: &Bound, row: u32, col: u32, f: &mut dyn FnMut(Rect)) -> bool {
    let mut ok = true;
    visit_refs(bound, &mut |b| match b {
        Bound::Cell { sheet, row: r, col: c } => match (r.at(row, MAX_ROW), c.at(col, MAX_COL)) {
            (Some(r), Some(c)) => f(Rect { sheet: *sheet, r0: r, c0: c, r1: r, c1: c }),
            _ => ok = false,
        },
        Bound::Area(a) => match (a.r0.at(row, MAX_ROW), a.c0.at(col, MAX_COL), a.r1.at(row, MAX_ROW), a.c1.at(col, MAX_COL)) {
            (Some(r0), Some(c0), Some(r1), Some(c1)) => {
                f(Rect { sheet: a.sheet, r0: r0.min(r1), c0: c0.min(c1), r1: r0.max(r1), c1: c0.max(c1) })
            }
            _ => ok = false,
        },
        _ => {}
    });
    ok
}

/// The computed cell (node) behind a cell: itself, or its array formula's anchor; None
/// for a constant. `nodes` are sorted by (sheet, row, col).
fn node_behind(cell: &crate::read::Cell, sheet: u32, nodes: &[Node], index: &CellIndex) -> Option<u32> {
    match cell.kind {
        CellKind::Constant => None,
        CellKind::ArrayMember => index.member_anchor(sheet, cell.row, cell.col),
        _ => nodes.binary_search_by_key(&(sheet, cell.row, cell.col), |n| (n.sheet, n.row, n.col)).ok().map(|i| i as u32),
    }
}

/// The cells a profile build needs the full model's values for: every cell of a folded
/// node (array members included) and every declared cell (their type is reported).
fn fold_plan_cells<'a>(
    parts: &[crate::partition::SheetPartition<'_>],
    nodes: &[Node],
    index: &CellIndex,
    cut: Option<&profile::Cut>,
    declared: impl Iterator<Item = &'a profile::Declared>,
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

/// The cells FORMULATEXT calls point at, with the text Excel shows for each (cells
/// without a formula are left out: FORMULATEXT gives #N/A there). A call whose argument
/// is not a direct reference, that points off the sheet, or that points into an array
/// formula's range backfills its cell (reported, never guessed).
fn resolve_formula_texts(workbook: &Workbook, shapes: &[Bound], nodes: &mut Vec<Node>, backfills: &mut Vec<Backfill>) -> BTreeMap<(u32, u32, u32), String> {
    use crate::bind::visit_call_args;
    let mut texts = BTreeMap::new();
    let uses: Vec<bool> = shapes
        .iter()
        .map(|b| {
            let mut found = false;
            visit_calls(b, &mut |name| found |= name == "FORMULATEXT");
            found
        })
        .collect();
    if !uses.contains(&true) {
        return texts;
    }
    let unsupported = |reason: &str| BackfillReason::Unsupported { reason: reason.to_string(), function: Some("FORMULATEXT".to_string()), span: None };
    nodes.retain(|n| {
        if !uses[n.shape as usize] {
            return true;
        }
        let mut targets: Vec<std::result::Result<(u32, u32, u32), &str>> = Vec::new();
        visit_call_args(&shapes[n.shape as usize], &mut |name, args| {
            if name != "FORMULATEXT" {
                return;
            }
            targets.push(match args.first() {
                Some(Bound::Cell { sheet, row, col }) => match (row.at(n.row, MAX_ROW), col.at(n.col, MAX_COL)) {
                    (Some(r), Some(c)) => Ok((*sheet, r, c)),
                    _ => Err("FORMULATEXT points off the sheet"),
                },
                Some(Bound::Area(a)) => match (a.r0.at(n.row, MAX_ROW), a.c0.at(n.col, MAX_COL), a.r1.at(n.row, MAX_ROW), a.c1.at(n.col, MAX_COL)) {
                    (Some(r0), Some(c0), Some(r1), Some(c1)) => Ok((a.sheet, r0.min(r1), c0.min(c1))),
                    _ => Err("FORMULATEXT points off the sheet"),
                },
                _ => Err("FORMULATEXT needs a direct reference to a cell"),
            });
        });
        let mut found = Vec::with_capacity(targets.len());
        for target in targets {
            let (s, r, c) = match target {
                Ok(t) => t,
                Err(reason) => {
                    backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: unsupported(reason) });
                    return false;
                }
            };
            let Some(sheet) = workbook.sheets.get(s as usize) else { continue };
            let Ok(i) = sheet.cells.binary_search_by_key(&(r, c), |x| (x.row, x.col)) else { continue };
            let cell = &sheet.cells[i];
            match cell.kind {
                CellKind::Constant => {}
                CellKind::Formula(f) => {
                    match crate::shape::formula_text_at(&sheet.formulas[f.text as usize], f.origin_row, f.origin_col, r, c) {
                        Some(text) => found.push(((s, r, c), crate::shape::display_formula(&text))),
                        None => {
                            backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: unsupported("FORMULATEXT of a formula whose references fall off the sheet there") });
                            return false;
                        }
                    }
                }
                CellKind::ArrayFormula { .. } | CellKind::ArrayMember => {
                    backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: unsupported("FORMULATEXT of an array formula's cell") });
                    return false;
                }
            }
        }
        texts.extend(found);
        true
    });
    texts
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
    fn fits(&self, row: u32, col: u32) -> bool {
        let inside = |span: Option<(i64, i64)>, base: u32, max: u32| {
            span.is_none_or(|(lo, hi)| base as i64 + lo >= 0 && base as i64 + hi <= max as i64)
        };
        inside(self.rows, row, MAX_ROW) && inside(self.cols, col, MAX_COL)
    }
}

/// Compiles the workbook at `path` into an engine directory.
pub fn compile(path: &Path, opts: &CompileOptions, progress: ProgressFn<'_>, cancelled: &dyn Fn() -> bool) -> Result<BuildReport> {
    let t_total = Instant::now();
    let mut report = BuildReport::default();
    check_out_dir(&opts.out_dir)?;

    progress("read", 0, 1);
    let t = Instant::now();
    let workbook = read_workbook(path, &opts.limits, cancelled)?;
    report.timings.read_ms = ms(t);
    progress("read", 1, 1);
    if let Some(out) = &opts.cached_values_out {
        let json = serde_json::to_string(&crate::cached::cached_values_of(&workbook)).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
        std::fs::write(out, json).map_err(|e| SheetcError::io("writing the cached values", e))?;
    }
    if cancelled() {
        return Err(cancelled_err());
    }

    let t = Instant::now();
    let parts = partition(&workbook);
    let functions = FunctionTable::new(opts.functions.iter().cloned()).with_catalogue(opts.known_functions.iter().cloned())
        .with_param_kinds(opts.function_params.iter().cloned());
    let mut binder = Binder::new(&workbook, &functions);

    // Parse and bind once per shape. The hot part runs once per formula text (once per
    // cell unless formulas are shared): its shape key. Texts are keyed in runs on all
    // cores (`shape::key_texts`, a byte key in a reusable buffer, deduplicated in a map
    // that compares whole keys, so a hash collision can only cost time); the runs' few
    // distinct keys are then merged in text order into per-sheet maps, and each new one
    // is parsed and bound here, on this thread. Shape numbering follows the texts' order
    // whatever the number of threads.
    let mut shapes: Vec<Bound> = Vec::new();
    // Each distinct (sheet, key): its shape or why it is backfilled.
    let mut resolved: Vec<std::result::Result<u32, BackfillReason>> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut backfills: Vec<Backfill> = Vec::new();
    let total_formulas: u64 = parts.iter().map(|p| p.formula_cells().count() as u64).sum();
    let total_texts: u64 = parts.iter().map(|p| p.formulas.len() as u64).sum();
    nodes.reserve(total_formulas as usize);
    /// Texts per worker job, and per wave of jobs (cancellation and progress between waves).
    const RUN: usize = 16 << 10;
    const WAVE: usize = 16 * RUN;
    const UNSEEN: u32 = u32::MAX;
    let mut texts_done: u64 = 0;
    for p in &parts {
        // The cell each text is written for (a shared-formula group's text: its anchor).
        let mut origins: Vec<Option<(u32, u32)>> = vec![None; p.formulas.len()];
        for cell in &p.cells {
            if let Some(f) = cell.formula() {
                origins[f.text as usize] = Some((f.origin_row, f.origin_col));
            }
        }
        let sheet = p.sheet;
        let tables = &workbook.tables;
        let scope = move |_: &str, (row, col): (u32, u32)| {
            tables.iter().position(|t| t.sheet == sheet && (t.r0..=t.r1).contains(&row) && (t.c0..=t.c1).contains(&col)).map(|t| t as u32)
        };
        // Shape keys of this sheet (unqualified references bind to the formula's own sheet).
        let mut ids: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState> = HashMap::default();
        // Per text: the index into `resolved`, or UNSEEN for a text no cell uses.
        let mut by_text: Vec<u32> = vec![UNSEEN; p.formulas.len()];
        for wave in (0..origins.len()).step_by(WAVE) {
            if cancelled() {
                return Err(cancelled_err());
            }
            let wave_end = (wave + WAVE).min(origins.len());
            let runs: Vec<(usize, crate::shape::KeyedTexts)> = (wave..wave_end)
                .step_by(RUN)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|first| {
                    let end = (first + RUN).min(wave_end);
                    (first, key_texts(first, p.formulas, &origins[first..end], &scope))
                })
                .collect();
            for (first, run) in runs {
                let mut slots = Vec::with_capacity(run.distinct.len());
                for (key, text_index) in run.distinct {
                    let slot = match ids.get(&key) {
                        Some(&s) => s,
                        None => {
                            let text = &p.formulas[text_index as usize];
                            let (row, col) = origins[text_index as usize].unwrap_or((0, 0));
                            let r = match binder.parser().parse(text) {
                                Err(e) => Err(match e.kind {
                                    ParseErrorKind::TooLong => BackfillReason::TooLong,
                                    ParseErrorKind::TooDeep => BackfillReason::TooDeep,
                                    ParseErrorKind::Syntax => BackfillReason::ParseError { message: e.message, span: e.span },
                                }),
                                Ok(expr) => match binder.bind(&expr, p.sheet, row, col) {
                                    Ok(b) => {
                                        shapes.push(b);
                                        Ok((shapes.len() - 1) as u32)
                                    }
                                    Err(u) => Err(BackfillReason::Unsupported { reason: u.reason, function: u.function, span: u.span }),
                                },
                            };
                            resolved.push(r);
                            let s = (resolved.len() - 1) as u32;
                            ids.insert(key, s);
                            s
                        }
                    };
                    slots.push(slot);
                }
                for (i, id) in run.ids.into_iter().enumerate() {
                    if id != UNSEEN {
                        by_text[first + i] = slots[id as usize];
                    }
                }
            }
            texts_done += (wave_end - wave) as u64;
            progress("parse", total_formulas * texts_done / total_texts.max(1), total_formulas);
        }
        for cell in &p.cells {
            let Some(f) = cell.formula() else { continue };
            let (array_end, dynamic_array) = match cell.kind {
                CellKind::ArrayFormula { last_row, last_col, dynamic, .. } => (Some((last_row, last_col)), dynamic),
                _ => (None, false),
            };
            // Every text a cell uses was keyed above.
            match resolved.get(by_text[f.text as usize] as usize) {
                Some(Ok(shape)) => nodes.push(Node { sheet: p.sheet, row: cell.row, col: cell.col, shape: *shape, array_end, dynamic_array }),
                Some(Err(reason)) => backfills.push(Backfill { sheet: p.sheet, row: cell.row, col: cell.col, reason: reason.clone() }),
                None => debug_assert!(false, "a formula text was not keyed"),
            }
        }
    }
    progress("parse", total_formulas, total_formulas);
    report.timings.parse_ms = ms(t);

    // Cells whose relative references fall off the sheet are backfilled. Per shape, the
    // span of its relative offsets (rows, columns) says at once where it may sit: a check
    // per cell is four comparisons, not a walk over its references.
    let reaches: Vec<RelativeReach> = shapes.iter().map(RelativeReach::of).collect();
    nodes.retain(|n| {
        if reaches[n.shape as usize].fits(n.row, n.col) {
            true
        } else {
            backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: BackfillReason::ReferenceOffSheet });
            false
        }
    });
    // FORMULATEXT reads formulas, not values: the texts of the cells it points at (per
    // calling cell: one shape points at different cells) go into the engine's spec.
    let formula_texts = resolve_formula_texts(&workbook, &shapes, &mut nodes, &mut backfills);
    if opts.strict && !backfills.is_empty() {
        let b = &backfills[0];
        return Err(SheetcError::new(
            ErrorCode::Strict,
            format!("{} cell(s) cannot be compiled and --strict forbids backfilling; first: {}", backfills.len(), b.reason.message()),
        )
        .at(format!("{}!{}", workbook.sheets[b.sheet as usize].name, cell_name(b.row, b.col))));
    }
    if cancelled() {
        return Err(cancelled_err());
    }

    // Graph.
    let t = Instant::now();
    progress("graph", 0, 1);
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
    let index = CellIndex::new(&positions, members).with_growth_zones(growth_zones(&workbook, &nodes));
    // Ranges stay compact: over formula cells they become segment-tree edges (graph.rs).
    let graph = Graph::build(nodes.len(), &index, |i, push| {
        let n = nodes[i as usize];
        for_each_precedent(&shapes[n.shape as usize], n.row, n.col, push);
    });
    // Cells whose references are computed at run time are scheduled last (see graph::schedule).
    let dynamic_shapes: HashSet<u32> = (0..shapes.len() as u32)
        .filter(|&i| {
            let mut dynamic = false;
            visit_calls(&shapes[i as usize], &mut |name| dynamic |= matches!(name, "OFFSET" | "INDIRECT"));
            dynamic
        })
        .collect();
    let mut order = schedule(&graph, |v| dynamic_shapes.contains(&nodes[v as usize].shape));
    report.edges = graph.edge_count();
    // Defined names and the cells they point at (for the profile and the engine's spec).
    let names = defined_names(&workbook, &mut binder);
    // Output profile: the outputs' cone, and what no input reaches (folded).
    let declared_names: Vec<String> = workbook.names.iter().map(|n| n.name.clone()).collect();
    let mut resolve_all = |list: &Option<Vec<String>>| -> Result<Option<Vec<profile::Declared>>> {
        list.as_ref()
            .map(|l| l.iter().map(|t| profile::resolve(t, &declared_names, workbook.sheets.len(), &mut binder)).collect::<Result<Vec<_>>>())
            .transpose()
    };
    let mut declared_inputs = resolve_all(&opts.inputs)?;
    let mut declared_outputs = resolve_all(&opts.outputs)?;
    // A cell or range declared by reference takes the defined name that points exactly
    // at it (workbook scope first): it is then an input/output by name too.
    if declared_inputs.is_some() || declared_outputs.is_some() {
        for d in declared_inputs.iter_mut().chain(declared_outputs.iter_mut()).flatten() {
            if d.name.is_some() {
                continue;
            }
            let r = d.rect;
            let target = [r.sheet, r.r0, r.c0, r.r1, r.c1];
            let mut candidates = names.iter().filter(|n| n.area == Some(target) && n.scope.is_none_or(|s| s == r.sheet)).collect::<Vec<_>>();
            candidates.sort_by_key(|n| n.scope.is_some());
            d.name = candidates.first().map(|n| n.name.clone());
        }
    }
    let mut cut = if declared_inputs.is_some() || declared_outputs.is_some() {
        Some(profile::cut(
            &graph,
            &order,
            &nodes,
            &shapes,
            &index,
            declared_inputs.as_deref(),
            declared_outputs.as_deref(),
            precedents_at,
            |s| dynamic_shapes.contains(&s),
        ))
    } else {
        None
    };
    if let (Some(c), Some(inputs), None) = (&cut, &declared_inputs, &opts.fold_plan) {
        report.warnings = input_warnings(c, inputs, declared_outputs.is_some(), &workbook, &nodes, &shapes);
    }
    if let Some(plan) = &opts.fold_plan {
        let cells = fold_plan_cells(&parts, &nodes, &index, cut.as_ref(), declared_inputs.iter().chain(declared_outputs.iter()).flatten());
        let json = serde_json::to_string(&cells).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
        std::fs::write(plan, json).map_err(|e| SheetcError::io("writing the fold plan", e))?;
        // The first pass emits the full engine.
        (cut, declared_inputs, declared_outputs) = (None, None, None);
    }
    drop(graph);
    progress("graph", 1, 1);
    report.timings.graph_ms = ms(t);

    // Report: functions, clusters.
    let mut node_count_by_shape: HashMap<u32, u64> = HashMap::new();
    for n in &nodes {
        *node_count_by_shape.entry(n.shape).or_default() += 1;
    }
    for (shape, count) in &node_count_by_shape {
        visit_calls(&shapes[*shape as usize], &mut |name| *report.functions.entry(name.to_string()).or_default() += count);
    }
    for c in &order {
        if let Component::Cluster(m) = c {
            report.clusters.push(
                m.iter()
                    .take(1000)
                    .map(|&i| {
                        let n = nodes[i as usize];
                        format!("{}!{}", workbook.sheets[n.sheet as usize].name, cell_name(n.row, n.col))
                    })
                    .collect(),
            );
        }
    }

    // Emit into a temporary sibling, then rename into place.
    let t = Instant::now();
    progress("emit", 0, parts.len() as u64);
    let backfilled_set: HashSet<(u32, u32, u32)> = backfills.iter().map(|b| (b.sheet, b.row, b.col)).collect();
    let name_value = Value::Error(crate::ast::ErrorKind::Name);
    // Folded cells take the full model's computed values.
    let fold_values = match (&cut, &opts.fold_values) {
        (Some(c), _) if !(0..nodes.len() as u32).any(|v| c.is_folded(v)) => HashMap::new(),
        (Some(_), Some(path)) => load_fold_values(path)?,
        (Some(_), None) => {
            return Err(SheetcError::new(
                ErrorCode::InvalidOption,
                "folding cells that reach no declared input needs the full model's values (compile() computes them)",
            ))
        }
        (None, _) => HashMap::new(),
    };
    let mut sheets_emit = Vec::with_capacity(parts.len());
    // Backfilled cells outside an output profile's cone: not in the engine, not reported.
    let mut dropped_backfills: HashSet<(u32, u32, u32)> = HashSet::new();
    for p in &parts {
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
        let kept: Option<Vec<bool>> = cut.as_ref().and_then(|c| c.keep.as_ref()).map(|keep| {
            let rects: Vec<Rect> = keep.iter().filter(|r| r.sheet == p.sheet).copied().collect();
            let positions: Vec<(u32, u32)> = p.cells.iter().map(|c| (c.row, c.col)).collect();
            profile::mark_in_rects(&positions, &rects)
        });
        for (i, c) in p.cells.iter().enumerate() {
            rows = rows.max(c.row + 1);
            cols = cols.max(c.col + 1);
            let keep = kept.as_ref().is_none_or(|k| k[i]);
            // Only an output profile needs to know the node behind a cell.
            let node = if cut.is_some() { node_behind(c, p.sheet, &nodes, &index) } else { None };
            if let (Some(cut), Some(n)) = (&cut, node) {
                if cut.is_folded(n) {
                    if keep {
                        let v = fold_values.get(&(p.sheet, c.row, c.col)).unwrap_or(&Value::Empty);
                        constants.push(ConstantCell { row: c.row, col: c.col, value: v });
                        report.folded_cells += 1;
                    } else {
                        report.dropped_cells += 1;
                    }
                    continue;
                }
                if !cut.live[n as usize] {
                    report.dropped_cells += 1;
                    continue;
                }
            }
            match c.kind {
                CellKind::Constant => {
                    if keep {
                        constants.push(ConstantCell { row: c.row, col: c.col, value: &c.value });
                    } else {
                        report.dropped_cells += 1;
                    }
                }
                CellKind::ArrayMember => {
                    let backfilled = !backfilled_arrays.is_empty() && backfilled_arrays.iter().any(|&(r0, c0, r1, c1)| c.row >= r0 && c.row <= r1 && c.col >= c0 && c.col <= c1);
                    if cut.is_some() && node.is_none() && !backfilled || !keep && backfilled {
                        report.dropped_cells += 1;
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
                        report.dropped_cells += 1;
                        dropped_backfills.insert((p.sheet, c.row, c.col));
                        continue;
                    }
                    formula_cells.push((c.row, c.col));
                    if backfilled {
                        let v = if c.value == Value::Empty { &name_value } else { &c.value };
                        constants.push(ConstantCell { row: c.row, col: c.col, value: v });
                    }
                }
            }
        }
        report.sheets.push(SheetReport { name: p.name.to_string(), cells: p.cells.len(), formula_cells: formula_cells.len() });
        report.cells += p.cells.len();
        report.formula_cells += formula_cells.len();
        // A profile's stores hold only what it kept (a few cells can stay sparse).
        let cell_count = if cut.is_some() { constants.len() + formula_cells.len() } else { p.cells.len() };
        sheets_emit.push(SheetEmit { name: p.name, constants, formula_cells, rows, cols, cell_count });
    }
    // The profile's engine evaluates its live cells only.
    if let Some(cut) = &cut {
        order.retain(|comp| match comp {
            Component::Cell(n) => cut.live[*n as usize],
            Component::Cluster(m) => cut.live[m[0] as usize],
        });
        let describe = |list: &Option<Vec<profile::Declared>>| {
            list.as_ref().map(|l| l.iter().map(|d| declared_report(d, &workbook, &fold_values)).collect::<Vec<_>>())
        };
        report.inputs = describe(&declared_inputs);
        report.outputs = describe(&declared_outputs);
    }
    // A backfilled cell has no bound formula, so its dependency cone is unknown: the
    // engine treats it as stale whenever any input changes (`cone: None`).
    // Only the backfilled cells the engine holds (a profile drops those outside its cone).
    backfills.retain(|b| !dropped_backfills.contains(&(b.sheet, b.row, b.col)));
    let backfill_emit: Vec<BackfillEmit> = backfills
        .iter()
        .map(|b| BackfillEmit { sheet: b.sheet, row: b.row, col: b.col, reason: b.reason.message(), cone: None })
        .collect();
    for b in &backfills {
        let sheet = &workbook.sheets[b.sheet as usize];
        let cell = sheet
            .cells
            .binary_search_by_key(&(b.row, b.col), |c| (c.row, c.col))
            .ok()
            .map(|i| &sheet.cells[i]);
        let formula = cell.and_then(|c| c.formula()).map(|f| sheet.formulas[f.text as usize].to_string()).unwrap_or_default();
        if let BackfillReason::Unsupported { function: Some(f), .. } = &b.reason {
            *report.unsupported_functions.entry(f.clone()).or_default() += 1;
        }
        report.backfilled.push(BackfillReport {
            sheet: sheet.name.clone(),
            cell: cell_name(b.row, b.col),
            formula,
            code: b.reason.code().to_string(),
            reason: b.reason.message(),
            span: b.reason.span().map(|s| [s.start, s.end]),
            has_cached_value: cell.is_some_and(|c| c.value != Value::Empty),
        });
    }

    report.defined_names = workbook.names.iter().map(|n| n.name.clone()).collect();
    report.tables = workbook
        .tables
        .iter()
        .map(|t| format!("{} ({}!{}:{})", t.name, workbook.sheets[t.sheet as usize].name, cell_name(t.r0, t.c0), cell_name(t.r1, t.c1)))
        .collect();
    report.shapes = shapes.len();
    report.iterative = workbook.calc.iterate;

    let mut plan = layout::plan(&sheets_emit, &order, &nodes, &LayoutOptions { lazy: opts.lazy, max_module_bytes: opts.max_module_bytes });
    drop(order);
    if opts.lazy {
        layout::compute_needs(&mut plan, &nodes, &shapes, &index, precedents_at, |s| dynamic_shapes.contains(&s));
    }
    drop(index);
    report.lazy = opts.lazy;

    let declared = |list: &Option<Vec<profile::Declared>>, described: &Option<Vec<DeclaredReport>>| {
        list.as_ref().zip(described.as_ref()).map(|(l, d)| {
            l.iter()
                .zip(d)
                .map(|(x, r)| DeclaredEmit { reference: x.text.clone(), name: x.name.clone(), rect: x.rect, value_type: r.value_type.clone() })
                .collect::<Vec<_>>()
        })
    };
    let input = EmitInput {
        inputs: declared(&declared_inputs, &report.inputs),
        outputs: declared(&declared_outputs, &report.outputs),
        sheets: sheets_emit,
        shapes: &shapes,
        nodes: &nodes,
        layout: &plan,
        lazy: opts.lazy,
        names,
        formula_texts,
        backfilled: backfill_emit,
        calc: workbook.calc,
        date1904: workbook.date1904,
        // A profile with outputs serves its declared cells only: their formats suffice.
        number_formats: number_formats_emit(
            &workbook,
            cut.as_ref().and_then(|c| c.keep.as_ref()).map(|_| declared_inputs.iter().chain(declared_outputs.iter()).flatten().map(|d| d.rect).collect()),
        ),
    };
    let out_dir = &opts.out_dir;
    let tmp = temp_sibling(out_dir)?;
    let result = (|| -> Result<emit::EmitStats> {
        let stats = emit::emit(&input, &tmp, cancelled)?;
        if let Some(rt) = &opts.runtime_js {
            std::fs::copy(rt, tmp.join("runtime.js")).map_err(|e| SheetcError::io("copying the runtime", e))?;
        }
        report.modules = stats.modules;
        report.segments = stats.segments;
        report.engine_bytes = stats.bytes;
        report.largest_module_bytes = stats.largest_module_bytes;
        report.timings.emit_ms = ms(t);
        report.timings.total_ms = ms(t_total);
        let manifest = serde_json::to_string_pretty(&report).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
        std::fs::write(tmp.join("manifest.json"), manifest).map_err(|e| SheetcError::io("writing manifest.json", e))?;
        // The manifest stays free of the build machine's paths (outDir is "" there); the
        // report returned to the caller names the directory.
        report.out_dir = out_dir.display().to_string();
        if cancelled() {
            return Err(cancelled_err());
        }
        replace_dir(&tmp, out_dir)?;
        Ok(stats)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result?;
    progress("emit", parts.len() as u64, parts.len() as u64);
    report.timings.total_ms = ms(t_total);
    Ok(report)
}

/// The number formats of the engine's cells: every formatted cell of the workbook, or,
/// for a profile with declared outputs (`only`), the formatted cells of its declared
/// inputs and outputs (the only cells `text()` can be asked for). Codes no kept cell
/// uses are left out.
fn number_formats_emit(workbook: &Workbook, only: Option<Vec<Rect>>) -> emit::NumFmtEmit {
    let formats = &workbook.formats;
    let mut areas: Vec<[u32; 6]> = Vec::new();
    for (s, runs) in formats.sheets.iter().enumerate() {
        let s = s as u32;
        for [r0, c0, r1, c1, code] in crate::numfmt::rectangles(runs) {
            match &only {
                None => areas.push([s, r0, c0, r1, c1, code]),
                Some(rects) => {
                    for k in rects.iter().filter(|k| k.sheet == s) {
                        let (ir0, ic0, ir1, ic1) = (r0.max(k.r0), c0.max(k.c0), r1.min(k.r1), c1.min(k.c1));
                        if ir0 <= ir1 && ic0 <= ic1 {
                            areas.push([s, ir0, ic0, ir1, ic1, code]);
                        }
                    }
                }
            }
        }
    }
    // Renumber the codes the kept areas use, in order of first use.
    let mut remap: HashMap<u32, u32> = HashMap::new();
    let mut codes = Vec::new();
    for a in &mut areas {
        let next = remap.len() as u32;
        a[5] = *remap.entry(a[5]).or_insert_with(|| {
            codes.push(formats.codes.get(a[5] as usize).cloned().unwrap_or_default());
            next
        });
    }
    emit::NumFmtEmit { codes, areas }
}

/// An output profile's warnings about its inputs: one on a formula cell (the input
/// replaces the formula), one that no formula reads (an empty cell: probably a typo),
/// one that reaches none of the declared outputs (changing it changes nothing served).
fn input_warnings(cut: &profile::Cut, inputs: &[profile::Declared], has_outputs: bool, workbook: &Workbook, nodes: &[Node], shapes: &[Bound]) -> Vec<BuildWarning> {
    let mut out = Vec::new();
    for (i, d) in inputs.iter().enumerate() {
        let r = d.rect;
        let single = (r.r0, r.c0) == (r.r1, r.c1);
        let sheet = &workbook.sheets[r.sheet as usize];
        let start = sheet.cells.partition_point(|c| c.row < r.r0);
        let inside: Vec<&crate::read::Cell> = sheet.cells[start..].iter().take_while(|c| c.row <= r.r1).filter(|c| c.col >= r.c0 && c.col <= r.c1).collect();
        let formulas: Vec<&&crate::read::Cell> = inside.iter().filter(|c| c.is_computed()).collect();
        if let Some(first) = formulas.first() {
            let formula = first.formula().map(|f| format!(" (={})", &sheet.formulas[f.text as usize])).unwrap_or_default();
            let message = if single {
                format!("input \"{}\" is a formula cell{formula}: the input replaces the formula", d.text)
            } else {
                let at = format!("{}!{}", sheet.name, cell_name(first.row, first.col));
                format!("input \"{}\" holds {} formula cell(s), first {at}{formula}: the input replaces them", d.text, formulas.len())
            };
            out.push(BuildWarning { code: "input-is-formula".into(), reference: d.text.clone(), message });
        }
        if cut.dynamic_needed || cut.input_reaches_output.get(i).copied().unwrap_or(true) {
            continue;
        }
        if !profile::read_by_any(nodes, shapes, &r, precedents_at) {
            let empty = inside.iter().all(|c| c.value == Value::Empty && !c.is_computed());
            let what = match (empty, single) {
                (true, true) => "an empty cell that no formula reads: is the reference right?",
                (true, false) => "an empty range that no formula reads: is the reference right?",
                (false, true) => "a cell that no formula reads",
                (false, false) => "a range that no formula reads",
            };
            out.push(BuildWarning { code: "input-never-read".into(), reference: d.text.clone(), message: format!("input \"{}\" is {what}", d.text) });
        } else if has_outputs {
            let message = format!("input \"{}\" reaches none of the declared outputs: changing it changes nothing the engine serves", d.text);
            out.push(BuildWarning { code: "input-reaches-no-output".into(), reference: d.text.clone(), message });
        }
    }
    out
}

/// Describes a declared input or output: where it is and the type of its values
/// (computed values for formula cells when known, else the file's).
fn declared_report(d: &profile::Declared, workbook: &Workbook, computed: &HashMap<(u32, u32, u32), Value>) -> DeclaredReport {
    let r = d.rect;
    let sheet = &workbook.sheets[r.sheet as usize];
    let cell = if (r.r0, r.c0) == (r.r1, r.c1) { cell_name(r.r0, r.c0) } else { format!("{}:{}", cell_name(r.r0, r.c0), cell_name(r.r1, r.c1)) };
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

fn defined_names(workbook: &Workbook, binder: &mut Binder<'_>) -> Vec<NameEmit> {
    let mut out = Vec::new();
    for n in &workbook.names {
        let area = binder.parser().parse(&n.formula).ok().and_then(|expr| {
            match binder.bind(&expr, n.scope.unwrap_or(0), 0, 0).ok()? {
                Bound::Cell { sheet, row, col } => {
                    let (r, c) = (row.at(0, MAX_ROW)?, col.at(0, MAX_COL)?);
                    Some([sheet, r, c, r, c])
                }
                Bound::Area(a) => {
                    let (r0, c0, r1, c1) = (a.r0.at(0, MAX_ROW)?, a.c0.at(0, MAX_COL)?, a.r1.at(0, MAX_ROW)?, a.c1.at(0, MAX_COL)?);
                    Some([a.sheet, r0.min(r1), c0.min(c1), r0.max(r1), c0.max(c1)])
                }
                _ => None,
            }
        });
        out.push(NameEmit { name: n.name.clone(), scope: n.scope, area });
    }
    out
}

/// An existing output directory is only replaced when it is empty or an earlier engine
/// (it has sheetc's manifest.json): a build never deletes a user's other files.
pub fn check_out_dir(out_dir: &Path) -> Result<()> {
    match std::fs::read_dir(out_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SheetcError::io(&format!("cannot use output directory {}", out_dir.display()), e)),
        Ok(mut entries) => {
            if entries.next().is_none() || out_dir.join("manifest.json").is_file() && out_dir.join("engine.js").is_file() {
                Ok(())
            } else {
                Err(SheetcError::new(
                    ErrorCode::Io,
                    format!("output directory {} exists and is not a sheetc engine; choose an empty or new directory", out_dir.display()),
                ))
            }
        }
    }
}

/// A fresh temporary directory next to `out_dir` (same filesystem, so rename is atomic).
fn temp_sibling(out_dir: &Path) -> Result<PathBuf> {
    let parent = out_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SheetcError::io("creating the output's parent directory", e))?;
    let base = out_dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "engine".into());
    for i in 0..1000u32 {
        let candidate = parent.join(format!(".{base}.sheetc-tmp-{}-{i}", std::process::id()));
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(SheetcError::io("creating a temporary output directory", e)),
        }
    }
    Err(SheetcError::new(ErrorCode::Io, "cannot create a temporary output directory"))
}

/// Moves `tmp` to `out_dir`, replacing an existing engine only once the new one is complete.
fn replace_dir(tmp: &Path, out_dir: &Path) -> Result<()> {
    check_out_dir(out_dir)?;
    if out_dir.exists() {
        let old = tmp.with_extension("old");
        std::fs::rename(out_dir, &old).map_err(|e| SheetcError::io("moving the previous engine aside", e))?;
        if let Err(e) = std::fs::rename(tmp, out_dir) {
            let _ = std::fs::rename(&old, out_dir);
            return Err(SheetcError::io("moving the new engine into place", e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(tmp, out_dir).map_err(|e| SheetcError::io("moving the new engine into place", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bind::{Area, Coord};

    #[test]
    fn relative_reach_agrees_with_resolving_every_reference() {
        // Random shapes of cells and areas with absolute and relative coordinates, tried
        // at positions near every edge of the sheet: `fits` must say exactly what
        // resolving each reference says.
        let mut next = crate::xorshift(0x1234_5678_9ABC_DEF1u64);
        let mut coord = |max: u32| -> Coord { if next(2) == 0 { Coord::Abs(next(max + 1)) } else { Coord::Rel(next(41) as i32 - 20) } };
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

    #[test]
    fn growth_zones_run_over_empty_cells_only() {
        use crate::read::{Cell, Sheet};
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
        assert_eq!(
            zones,
            vec![(Rect { sheet: 0, r0: 3, c0: 3, r1: 6, c1: 3 }, 1), (Rect { sheet: 0, r0: 0, c0: 4, r1: 2, c1: 5 }, 1)]
        );
    }
}
