//! `compile_workbook()`: the pipeline's table of contents. Each step is one stage module
//! under `stages/`; this function only passes their results along.

use std::path::PathBuf;
use std::time::Instant;

use crate::bind::Binder;
use crate::error::Result;
use crate::functions::{FunctionFacts, FunctionNote, FunctionTable};
use crate::model::Workbook;
use crate::plan::EnginePlan;
use crate::report::{describe_functions, describe_model, BuildReport};
use crate::stages::layout::{self, LayoutOptions};
use crate::stages::{
    assemble, backfill, cancelled_err, data_tables, emit, explain_index, formula_text, labels, names, number_formats, output, partition, profile, report_data,
    schedule, shapes, static_offsets, Progress,
};

/// See [`CompileOptions::fold_values_gate`]: blocks until the values are written, polling
/// the build's cancel check.
pub type FoldValuesGate = std::sync::Arc<dyn Fn(&dyn Fn() -> bool) -> Result<()> + Send + Sync>;

pub struct CompileOptions {
    pub out_dir: PathBuf,
    /// What the runtime's registry says about each function it implements.
    pub functions: Vec<FunctionFacts>,
    /// Excel's function catalogue (for `#NAME?` on names Excel does not know).
    pub known_functions: Vec<String>,
    /// User-defined functions the caller implements: calls to them are compiled, and the
    /// engine receives the implementations when it runs.
    pub user_functions: Vec<String>,
    /// Why some Excel functions the runtime lacks are not computed (reason codes).
    pub function_notes: Vec<FunctionNote>,
    /// The runtime bundle to copy into the engine as `runtime.js`.
    pub runtime_js: Option<PathBuf>,
    /// Fail the build instead of backfilling.
    pub strict: bool,
    /// Emit a lazy engine (`load()` imports only the modules a cone needs).
    pub lazy: bool,
    /// Split sheets into modules of about this size (row bands).
    pub max_module_bytes: Option<u64>,
    /// Declared inputs (`Sheet!A1`, ranges, defined names): cells that reach no input fold.
    pub inputs: Option<Vec<String>>,
    /// Declared outputs: only their dependency cone is kept.
    pub outputs: Option<Vec<String>>,
    /// The full model's computed values (JSON, see `profile::load_fold_values`), for folding.
    pub fold_values: Option<PathBuf>,
    /// Waits until `fold_values` is written. An output profile's second pass starts while
    /// the full model still runs (in Node, on the other core): parsing and ordering the
    /// model need none of its values, only assembling the engine does, so the build waits
    /// here. An error (the run failed, the build was cancelled) ends the build before
    /// anything is written.
    pub fold_values_gate: Option<FoldValuesGate>,
    /// An output profile that keeps every cell of the outputs' cone a formula (nothing
    /// folds): what compile() builds when folding made the engine larger than the full one.
    pub no_fold: bool,
    /// An output profile's first pass: with `inputs`/`outputs`, write to this file the
    /// cells whose values the profile build will need (the folded cells and the declared
    /// ones, JSON `[[sheet, row, col], ...]`) and build the *full* engine, so that only
    /// those values are computed out and read back (5M cells: hundreds, not millions).
    pub fold_plan: Option<PathBuf>,
    /// Also write the HTML report's data (cell kinds per sheet, references between
    /// sheets, largest shapes, clusters, output cones; see `stages::report_data`) here.
    pub report_data_out: Option<PathBuf>,
    /// How long the reader took (the caller reads the file), for the report.
    pub read_ms: f64,
    /// `out_dir` is an empty directory made for this build alone (the Node binding's
    /// staging directory, which it moves into place itself once the build's last progress
    /// event has been delivered): the engine is written straight into it, not into a
    /// temporary sibling renamed over it.
    pub staged: bool,
    /// Where a build leaves its analysis of the workbook (shapes, graph, order) for the
    /// next build of the same workbook, and takes one left there: an output profile's
    /// passes compile one workbook with the same functions, so the second (and a rebuild
    /// without folding) reuse the first's analysis instead of parsing and ordering the
    /// model again. Only an analysis made under the same [`AnalysisKey`] is reused.
    pub analysis_cache: Option<AnalysisCache>,
}

/// See [`CompileOptions::analysis_cache`].
pub type AnalysisCache = std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<Analysis>>>>;

/// The options an [`Analysis`] depends on beyond the workbook and the function table
/// (which a cache's builds share): two builds with equal keys analyse alike.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AnalysisKey {
    sweeps: schedule::Sweeps,
    compute_tables: bool,
    strict: bool,
}

/// What the build knows of a workbook before anything particular to the engine it
/// emits (a profile's cut, folding, what-if files): the cells' shapes, what is
/// backfilled and why, the graph and the evaluation order. Read-only once made.
pub struct Analysis {
    key: AnalysisKey,
    shaped: shapes::Shaped,
    formula_texts: formula_text::FormulaTexts,
    schedule: schedule::Schedule,
    kept: schedule::Kept,
    backfill_cones: std::collections::HashMap<usize, Option<Vec<[u32; 5]>>>,
    parse_ms: f64,
    graph_ms: f64,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Compiles a workbook (as the reader hands it over) into an engine directory.
pub fn compile_workbook(workbook: &Workbook, opts: &CompileOptions, progress: Progress<'_>, cancelled: &dyn Fn() -> bool) -> Result<BuildReport> {
    let t_total = Instant::now();
    let mut report = BuildReport { generator: output::GENERATOR.into(), format_version: output::FORMAT_VERSION, ..BuildReport::default() };
    report.timings.read_ms = opts.read_ms;
    output::check_out_dir(&opts.out_dir)?;
    let functions = FunctionTable::new(opts.functions.iter().cloned())
        .with_catalogue(opts.known_functions.iter().cloned())
        .with_user_functions(opts.user_functions.iter().cloned(), workbook.vba_project)
        .with_notes(opts.function_notes.iter().cloned());

    // Data tables are computed by re-running the model, except in an output profile (its
    // cone may leave out the cells a table re-runs) or when the workbook calculates them
    // only on request (Excel then shows the stored values): there they keep Excel's values.
    let compute_tables = opts.inputs.is_none() && opts.outputs.is_none() && !workbook.calc.tables_on_request;
    let sweeps = if opts.lazy || opts.max_module_bytes.is_some() { schedule::Sweeps::Rows } else { schedule::Sweeps::Fastest };
    let key = AnalysisKey { sweeps, compute_tables, strict: opts.strict };
    let cached = opts.analysis_cache.as_ref().and_then(|c| c.lock().ok().and_then(|a| a.clone())).filter(|a| a.key == key);
    let fresh = cached.is_none();
    let analysis = match cached {
        Some(a) => {
            // Parsed and ordered by an earlier build: that phase completes at once.
            progress("parse", 0, 1);
            progress("parse", 1, 1);
            a
        }
        None => {
            let a = std::sync::Arc::new(analyse(workbook, &functions, key, progress, cancelled)?);
            if let Some(Ok(mut slot)) = opts.analysis_cache.as_ref().map(|c| c.lock()) {
                *slot = Some(a.clone());
            }
            report.timings.parse_ms = a.parse_ms;
            a
        }
    };
    let Analysis { shaped, formula_texts, schedule, kept, backfill_cones, .. } = &*analysis;
    let parts = partition::partition(workbook);
    // What a reader sees beside each formula and input cell (for find and explain); not
    // for an output profile's first pass, whose engine is only run for values.
    let what_if = opts.fold_plan.is_none();
    let cell_labels = what_if.then(|| labels::labels(workbook));
    let book = assemble::book_context(workbook, &shaped.nodes, &shaped.shapes, &functions);

    // The output profile cuts the graph (the graph phase began in `analyse` when fresh).
    let t = Instant::now();
    if !fresh {
        progress("graph", 0, 1);
    }
    report.edges = schedule.graph.edge_count();
    let mut binder = Binder::new(workbook, &functions);
    let names = names::defined_names(workbook, &mut binder);
    let request = profile::Request { inputs: opts.inputs.as_deref(), outputs: opts.outputs.as_deref(), fold: !opts.no_fold };
    let mut profile = profile::plan(workbook, &names, &mut binder, request, schedule, shaped)?;
    if let Some(path) = &opts.fold_plan {
        profile::write_fold_plan(path, &parts, &shaped.nodes, &schedule.index, profile.as_ref())?;
        // The first pass emits the full engine.
        profile = None;
    }
    if let Some(p) = &profile {
        report.warnings = p.input_warnings(workbook, shaped);
    }
    progress("graph", 1, 1);
    report.timings.graph_ms = ms(t) + if fresh { analysis.graph_ms } else { 0.0 };
    // The data tables the engine recomputes.
    let tables = data_tables::plans(workbook, &shaped.shapes, &shaped.nodes, |s| schedule.is_dynamic_shape(s), compute_tables);

    let t = Instant::now();
    // Folded cells take the full model's computed values (once they are written). The
    // build waits on its own thread, not on one of the pool's.
    if let Some(gate) = &opts.fold_values_gate {
        gate(cancelled)?;
    }
    let fold_values = profile::fold_values(profile.as_ref(), opts.fold_values.as_deref(), shaped.nodes.len())?;
    progress("emit", 0, parts.len() as u64);

    // Two lines of work, one per core: what the report says of the model (and the HTML
    // report's data, and the explain index); and the engine's content and layout.
    let (described, built) = rayon::join(
        || -> Result<_> {
            let explain = what_if.then(|| explain_index::explain_index(workbook, &shaped.shapes, &shaped.nodes, &schedule.order, &schedule.dynamic_shapes));
            describe_model(&mut report, workbook, &shaped.shapes, &shaped.nodes, &schedule.order);
            describe_functions(&mut report, workbook, &shaped.shapes, &shaped.nodes, &shaped.backfills, &shaped.unknown_functions, &functions);
            if let Some(path) = &opts.report_data_out {
                report_data::write_for(path, workbook, shaped, schedule, profile.as_ref())?;
            }
            Ok(explain)
        },
        || {
            // What the engine holds, per sheet; the profile's engine evaluates its live cells only.
            let assembled = assemble::assemble(&parts, &shaped.nodes, &schedule.index, &shaped.backfills, profile.as_ref().map(|p| &p.cut), &fold_values);
            // The evaluation order without the clusters kept as stored and, in a profile, the cells cut.
            let order = schedule.order.iter().filter(|c| kept.retain(c) && profile.as_ref().is_none_or(|p| p.cut.is_live(c)));
            // Segments and modules; the lazy engine's unit index.
            let mut plan = layout::plan(&assembled.sheets, order, &shaped.nodes, &LayoutOptions { lazy: opts.lazy, max_module_bytes: opts.max_module_bytes });
            // What each segment reads and writes: the lazy engine's cone walk, every engine's
            // incremental runs.
            let volatile_shapes: std::collections::HashSet<u32> = (0..shaped.shapes.len() as u32)
                .filter(|&i| {
                    let mut volatile = false;
                    crate::bind::visit_calls(&shaped.shapes[i as usize], &mut |name| volatile |= functions.is_volatile(name));
                    volatile
                })
                .collect();
            layout::compute_needs(
                &mut plan,
                &shaped.nodes,
                &shaped.shapes,
                &schedule.index,
                |s| schedule.is_dynamic_shape(s),
                |s| volatile_shapes.contains(&s),
            );
            (assembled, plan)
        },
    );
    let explain = described?;
    let (assembled, plan) = built;
    report.cells = parts.iter().map(|p| p.cells.len()).sum();
    report.formula_cells = assembled.sheet_reports.iter().map(|s| s.formula_cells).sum();
    report.sheets = assembled.sheet_reports;
    report.folded_cells = assembled.folded_cells;
    report.dropped_cells = assembled.dropped_cells;
    // The backfilled cells the engine holds (a profile drops those outside its cone).
    let backfills = backfill::kept(&shaped.backfills, &assembled.dropped_backfills);
    let backfill_cones = backfill::kept_cones(&shaped.backfills, &assembled.dropped_backfills, backfill_cones);
    backfill::report_into(&mut report, workbook, &backfills);
    // The cells' number formats: a profile with outputs serves its declared cells only.
    let number_formats = number_formats::plan(workbook, profile.as_ref().and_then(|p| p.served_rects()).as_deref());
    let (inputs, outputs) = profile::declared(profile.as_ref(), workbook, &fold_values, &mut report);
    report.lazy = opts.lazy;

    // Emit into a temporary sibling, then rename into place.
    let engine = EnginePlan {
        inputs,
        outputs,
        sheets: assembled.sheets,
        shapes: &shaped.shapes,
        nodes: &shaped.nodes,
        layout: &plan,
        functions: &functions,
        lazy: opts.lazy,
        names,
        formula_texts,
        tables: &workbook.tables,
        backfilled: backfill::plans(workbook, &backfills, &backfill_cones),
        data_tables: tables,
        calc: workbook.calc,
        date1904: workbook.date1904,
        number_formats,
        book,
    };
    // The what-if files beside the engine (find, explain).
    let what_if_files = |dir: &std::path::Path| emit::write_what_if(dir, cell_labels.as_ref(), explain.as_ref());
    output::write_engine(&engine, &opts.out_dir, opts.staged, opts.runtime_js.as_deref(), &mut report, cancelled, (t, t_total), &what_if_files)?;
    progress("emit", parts.len() as u64, parts.len() as u64);
    Ok(report)
}

/// Partitions, parses and binds the formula cells (once per shape), backfills what cannot
/// be computed as written, and builds the graph and the evaluation order.
fn analyse(workbook: &Workbook, functions: &FunctionTable, key: AnalysisKey, progress: Progress<'_>, cancelled: &dyn Fn() -> bool) -> Result<Analysis> {
    let mut binder = Binder::new(workbook, functions);
    let t = Instant::now();
    let parts = partition::partition(workbook);
    let mut shaped = shapes::shape_cells(workbook, &parts, &mut binder, progress, cancelled)?;
    drop(parts);
    // OFFSET with constant arguments is the reference it names (where it stays on the sheet).
    static_offsets::static_offsets(&mut shaped, functions);
    // Cells that cannot be computed as written are backfilled.
    backfill::off_sheet(&mut shaped);
    backfill::restricted_calls(&mut shaped, functions);
    backfill::data_tables(workbook, &mut shaped, key.compute_tables);
    let user_function_cells = backfill::user_functions(&mut shaped, functions);
    let formula_texts = formula_text::resolve(workbook, &mut shaped);
    backfill::notes(&mut shaped.backfills, functions);
    if key.strict {
        backfill::enforce_strict(workbook, &shaped)?;
    }
    if cancelled() {
        return Err(cancelled_err());
    }
    let parse_ms = ms(t);

    // Graph and evaluation order.
    let t = Instant::now();
    progress("graph", 0, 1);
    let schedule = schedule::schedule(workbook, &shaped.shapes, &shaped.nodes, functions, key.sweeps);
    let kept = schedule::keep_stored_cycles(workbook, &shaped.nodes, &schedule.order);
    if key.strict {
        backfill::enforce_strict_backfills(workbook, &kept.backfills)?;
    }
    shaped.backfills.extend(kept.backfills.iter().cloned());
    let backfill_cones = backfill::cones(&user_function_cells, &shaped.backfills, &shaped, &schedule.graph, &schedule.index, |s| schedule.is_dynamic_shape(s));
    Ok(Analysis { key, shaped, formula_texts, schedule, kept, backfill_cones, parse_ms, graph_ms: ms(t) })
}
