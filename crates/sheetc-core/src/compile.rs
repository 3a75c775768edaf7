//! `compile_workbook()`: the pipeline's table of contents. Each step is one stage module
//! under `stages/`; this function only passes their results along.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::bind::Binder;
use crate::error::{ErrorCode, Result, SheetcError};
use crate::functions::{FunctionFacts, FunctionTable};
use crate::model::Workbook;
use crate::plan::EnginePlan;
use crate::report::{describe_model, BuildReport};
use crate::stages::layout::{self, LayoutOptions};
use crate::stages::{assemble, backfill, cancelled_err, emit, formula_text, names, output, partition, profile, report_data, schedule, shapes, Progress};

pub struct CompileOptions {
    pub out_dir: PathBuf,
    /// What the runtime's registry says about each function it implements.
    pub functions: Vec<FunctionFacts>,
    /// Excel's function catalogue (for `#NAME?` on names Excel does not know).
    pub known_functions: Vec<String>,
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
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Compiles a workbook (as the reader hands it over) into an engine directory.
pub fn compile_workbook(workbook: &Workbook, opts: &CompileOptions, progress: Progress<'_>, cancelled: &dyn Fn() -> bool) -> Result<BuildReport> {
    let t_total = Instant::now();
    let mut report = BuildReport::default();
    report.timings.read_ms = opts.read_ms;
    output::check_out_dir(&opts.out_dir)?;
    let functions = FunctionTable::new(opts.functions.iter().cloned()).with_catalogue(opts.known_functions.iter().cloned());
    let mut binder = Binder::new(workbook, &functions);

    // Partition, then parse and bind once per shape.
    let t = Instant::now();
    let parts = partition::partition(workbook);
    let mut shaped = shapes::shape_cells(workbook, &parts, &mut binder, progress, cancelled)?;
    report.timings.parse_ms = ms(t);

    // Cells that cannot be computed as written are backfilled.
    backfill::off_sheet(&mut shaped);
    let formula_texts = formula_text::resolve(workbook, &mut shaped);
    if opts.strict {
        backfill::enforce_strict(workbook, &shaped.backfills)?;
    }
    if cancelled() {
        return Err(cancelled_err());
    }

    // Graph and evaluation order; the output profile cuts it.
    let t = Instant::now();
    progress("graph", 0, 1);
    let schedule = schedule::schedule(workbook, &shaped.shapes, &shaped.nodes, &functions);
    report.edges = schedule.graph.edge_count();
    let names = names::defined_names(workbook, &mut binder);
    let mut profile = profile::plan(workbook, &names, &mut binder, opts.inputs.as_deref(), opts.outputs.as_deref(), &schedule, &shaped)?;
    if let Some(path) = &opts.fold_plan {
        let declared = profile.iter().flat_map(|p| p.inputs.iter().chain(p.outputs.iter()).flatten());
        let cells = profile::fold_plan_cells(&parts, &shaped.nodes, &schedule.index, profile.as_ref().map(|p| &p.cut), declared);
        let json = serde_json::to_string(&cells).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
        std::fs::write(path, json).map_err(|e| SheetcError::io("writing the fold plan", e))?;
        // The first pass emits the full engine.
        profile = None;
    }
    progress("graph", 1, 1);
    report.timings.graph_ms = ms(t);

    // Report what the model holds and what was backfilled (and the HTML report's data).
    let t = Instant::now();
    describe_model(&mut report, workbook, &shaped.shapes, &shaped.nodes, &schedule.order);
    report.backfilled = backfill::report_rows(workbook, &shaped.backfills);
    for b in &shaped.backfills {
        if let Some(f) = b.reason.function() {
            *report.unsupported_functions.entry(f.to_string()).or_default() += 1;
        }
    }
    if let Some(path) = &opts.report_data_out {
        let cones = report_data::profile_cones(&schedule, &shaped, profile.as_ref());
        let cut = profile.as_ref().map(|p| &p.cut);
        let inputs = report_data::ReportInputs {
            workbook,
            nodes: &shaped.nodes,
            shapes: &shaped.shapes,
            index: &schedule.index,
            backfills: &shaped.backfills,
            order: &schedule.order,
            cut,
            cones,
        };
        report_data::write(path, inputs)?;
    }

    // Folded cells take the full model's computed values.
    let fold_values = match (&profile, &opts.fold_values) {
        (Some(p), Some(path)) if p.folds_any(shaped.nodes.len()) => profile::load_fold_values(path)?,
        (Some(p), None) if p.folds_any(shaped.nodes.len()) => {
            return Err(SheetcError::new(
                ErrorCode::InvalidOption,
                "folding cells that reach no declared input needs the full model's values (compile() computes them)",
            ))
        }
        _ => HashMap::new(),
    };

    // What the engine holds, per sheet; the profile's engine evaluates its live cells only.
    progress("emit", 0, parts.len() as u64);
    let assembled = assemble::assemble(&parts, &shaped.nodes, &schedule.index, &shaped.backfills, profile.as_ref().map(|p| &p.cut), &fold_values);
    report.cells = parts.iter().map(|p| p.cells.len()).sum();
    report.formula_cells = assembled.sheet_reports.iter().map(|s| s.formula_cells).sum();
    report.sheets = assembled.sheet_reports;
    report.folded_cells = assembled.folded_cells;
    report.dropped_cells = assembled.dropped_cells;
    let schedule::Schedule { index, graph, mut order, dynamic_shapes } = schedule;
    drop(graph);
    let (mut inputs, mut outputs) = (None, None);
    if let Some(p) = &profile {
        order.retain(|comp| p.cut.is_live(comp));
        if let Some((r, plans)) = profile::describe(&p.inputs, workbook, &fold_values) {
            report.inputs = Some(r);
            inputs = Some(plans);
        }
        if let Some((r, plans)) = profile::describe(&p.outputs, workbook, &fold_values) {
            report.outputs = Some(r);
            outputs = Some(plans);
        }
    }

    // Segments and modules; the lazy engine's unit index.
    let mut plan = layout::plan(&assembled.sheets, &order, &shaped.nodes, &LayoutOptions { lazy: opts.lazy, max_module_bytes: opts.max_module_bytes });
    drop(order);
    if opts.lazy {
        layout::compute_needs(&mut plan, &shaped.nodes, &shaped.shapes, &index, |s| dynamic_shapes.contains(&s));
    }
    drop(index);
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
        backfilled: backfill::plans(&shaped.backfills),
        calc: workbook.calc,
        date1904: workbook.date1904,
    };
    let tmp = output::temp_sibling(&opts.out_dir)?;
    let written = (|| -> Result<()> {
        let stats = emit::emit(&engine, &tmp, cancelled)?;
        if let Some(rt) = &opts.runtime_js {
            std::fs::copy(rt, tmp.join("runtime.js")).map_err(|e| SheetcError::io("copying the runtime", e))?;
        }
        report.modules = stats.modules;
        report.segments = stats.segments;
        report.engine_bytes = stats.bytes;
        report.largest_module_bytes = stats.largest_module_bytes;
        report.timings.emit_ms = ms(t);
        report.timings.total_ms = report.timings.read_ms + ms(t_total);
        emit::write_manifest(&tmp, &report)?;
        if cancelled() {
            return Err(cancelled_err());
        }
        output::replace_dir(&tmp, &opts.out_dir)
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written?;
    // The manifest stays free of the build machine's paths; the report returned to the
    // caller names the directory.
    report.out_dir = opts.out_dir.display().to_string();
    progress("emit", parts.len() as u64, parts.len() as u64);
    report.timings.total_ms = report.timings.read_ms + ms(t_total);
    Ok(report)
}
