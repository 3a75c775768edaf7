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
use crate::emit::{self, BackfillEmit, ConstantCell, EmitInput, NameEmit, Node, SheetEmit};
use crate::error::{ErrorCode, Result, SheetcError};
use crate::graph::{schedule, CellIndex, Component, Graph, Rect};
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

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct BuildReport {
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
    pub edges: usize,
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

/// The concrete rectangles a shape reads when evaluated at (row, col); None if a
/// relative reference falls off the sheet.
fn precedents_at(bound: &Bound, row: u32, col: u32, out: &mut Vec<Rect>) -> bool {
    let mut ok = true;
    visit_refs(bound, &mut |b| match b {
        Bound::Cell { sheet, row: r, col: c } => match (r.at(row, MAX_ROW), c.at(col, MAX_COL)) {
            (Some(r), Some(c)) => out.push(Rect { sheet: *sheet, r0: r, c0: c, r1: r, c1: c }),
            _ => ok = false,
        },
        Bound::Area(a) => match (a.r0.at(row, MAX_ROW), a.c0.at(col, MAX_COL), a.r1.at(row, MAX_ROW), a.c1.at(col, MAX_COL)) {
            (Some(r0), Some(c0), Some(r1), Some(c1)) => {
                out.push(Rect { sheet: a.sheet, r0: r0.min(r1), c0: c0.min(c1), r1: r0.max(r1), c1: c0.max(c1) })
            }
            _ => ok = false,
        },
        _ => {}
    });
    ok
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
            let array_end = match cell.kind {
                CellKind::ArrayFormula { last_row, last_col, .. } => Some((last_row, last_col)),
                _ => None,
            };
            // Every text a cell uses was keyed above.
            match resolved.get(by_text[f.text as usize] as usize) {
                Some(Ok(shape)) => nodes.push(Node { sheet: p.sheet, row: cell.row, col: cell.col, shape: *shape, array_end }),
                Some(Err(reason)) => backfills.push(Backfill { sheet: p.sheet, row: cell.row, col: cell.col, reason: reason.clone() }),
                None => debug_assert!(false, "a formula text was not keyed"),
            }
        }
    }
    progress("parse", total_formulas, total_formulas);
    report.timings.parse_ms = ms(t);

    // Cells whose relative references fall off the sheet are backfilled.
    let mut scratch = Vec::new();
    nodes.retain(|n| {
        scratch.clear();
        if precedents_at(&shapes[n.shape as usize], n.row, n.col, &mut scratch) {
            true
        } else {
            backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: BackfillReason::ReferenceOffSheet });
            false
        }
    });
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
    let index = CellIndex::new(&positions, members);
    let graph = Graph::build(nodes.len(), &index, |i, push| {
        let n = nodes[i as usize];
        let mut rects = Vec::new();
        precedents_at(&shapes[n.shape as usize], n.row, n.col, &mut rects);
        for r in rects {
            push(r);
        }
    });
    // Cells whose references are computed at run time are scheduled last (see graph::schedule).
    let dynamic_shapes: HashSet<u32> = (0..shapes.len() as u32)
        .filter(|&i| {
            let mut dynamic = false;
            visit_calls(&shapes[i as usize], &mut |name| dynamic |= matches!(name, "OFFSET" | "INDIRECT"));
            dynamic
        })
        .collect();
    let order = schedule(&graph, graph.components(), |v| dynamic_shapes.contains(&nodes[v as usize].shape));
    report.edges = graph.edge_count();
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

    // A backfilled cell has no bound formula, so its dependency cone is unknown: the
    // engine treats it as stale whenever any input changes (`cone: None`).
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

    // Emit into a temporary sibling, then rename into place.
    let t = Instant::now();
    progress("emit", 0, parts.len() as u64);
    let backfilled_set: HashSet<(u32, u32, u32)> = backfills.iter().map(|b| (b.sheet, b.row, b.col)).collect();
    let name_value = Value::Error(crate::ast::ErrorKind::Name);
    let mut sheets_emit = Vec::with_capacity(parts.len());
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
        for c in &p.cells {
            rows = rows.max(c.row + 1);
            cols = cols.max(c.col + 1);
            match c.kind {
                CellKind::Constant => constants.push(ConstantCell { row: c.row, col: c.col, value: &c.value }),
                CellKind::ArrayMember => {
                    formula_cells.push((c.row, c.col));
                    if backfilled_arrays.iter().any(|&(r0, c0, r1, c1)| c.row >= r0 && c.row <= r1 && c.col >= c0 && c.col <= c1) {
                        constants.push(ConstantCell { row: c.row, col: c.col, value: &c.value });
                    }
                }
                _ => {
                    formula_cells.push((c.row, c.col));
                    if backfilled_set.contains(&(p.sheet, c.row, c.col)) {
                        let v = if c.value == Value::Empty { &name_value } else { &c.value };
                        constants.push(ConstantCell { row: c.row, col: c.col, value: v });
                    }
                }
            }
        }
        report.sheets.push(SheetReport { name: p.name.to_string(), cells: p.cells.len(), formula_cells: formula_cells.len() });
        report.cells += p.cells.len();
        report.formula_cells += formula_cells.len();
        sheets_emit.push(SheetEmit { name: p.name, constants, formula_cells, rows, cols, cell_count: p.cells.len() });
    }
    let names = defined_names(&workbook, &mut binder);
    report.defined_names = workbook.names.iter().map(|n| n.name.clone()).collect();
    report.tables = workbook
        .tables
        .iter()
        .map(|t| format!("{} ({}!{}:{})", t.name, workbook.sheets[t.sheet as usize].name, cell_name(t.r0, t.c0), cell_name(t.r1, t.c1)))
        .collect();
    report.shapes = shapes.len();
    report.iterative = workbook.calc.iterate;

    let input = EmitInput {
        sheets: sheets_emit,
        shapes: &shapes,
        nodes: &nodes,
        order: &order,
        names,
        backfilled: backfill_emit,
        calc: workbook.calc,
        date1904: workbook.date1904,
    };
    let out_dir = &opts.out_dir;
    let tmp = temp_sibling(out_dir)?;
    let result = (|| -> Result<emit::EmitStats> {
        let stats = emit::emit(&input, &tmp, cancelled)?;
        if let Some(rt) = &opts.runtime_js {
            std::fs::copy(rt, tmp.join("runtime.js")).map_err(|e| SheetcError::io("copying the runtime", e))?;
        }
        report.out_dir = out_dir.display().to_string();
        report.modules = stats.modules;
        report.segments = stats.segments;
        report.engine_bytes = stats.bytes;
        report.timings.emit_ms = ms(t);
        report.timings.total_ms = ms(t_total);
        let manifest = serde_json::to_string_pretty(&report).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
        std::fs::write(tmp.join("manifest.json"), manifest).map_err(|e| SheetcError::io("writing manifest.json", e))?;
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
