//! Node-API binding of the sheetc compiler. Deliberately thin: it converts typed options
//! (`#[napi(object)]`, checked with `TryFrom`), runs `sheetc::read_file` + `sheetc::compile_read` on a thread of
//! its own (with a big stack), and delivers progress and then the result through one
//! thread-safe function, so they arrive in order and the caller never polls. A failure is
//! delivered as a typed error event with its stable code, never thrown from Rust; a panic
//! becomes `E_INTERNAL`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use sheetc::{
    AnalysisCache, ArgumentTest, ArgumentTestKind, BuildOptions, CallRestriction, CompileOptions, ErrorCode, FunctionFacts, FunctionNote, Limits, SheetcError,
    Workbook,
};

/// What the runtime's registry says about one function (see `sheetc_core::functions`).
#[napi(object)]
pub struct NativeFunctionFacts {
    pub name: String,
    /// Per parameter: `v` reads a value, `a` takes a reference; the last repeats.
    pub params: String,
    pub volatile: Option<bool>,
    pub returns_ref: Option<bool>,
    pub dynamic_reference: Option<bool>,
    pub pure: Option<bool>,
    /// `r`/`v` per parameter: consumes a whole range, or intersects it (see the core).
    pub ranges: Option<String>,
    /// `a`/`v` per parameter: evaluated as an array in a legacy formula.
    pub arrays: Option<String>,
    /// Calls the engine cannot honour: backfilled and reported (see the core).
    pub restrictions: Option<Vec<NativeCallRestriction>>,
    /// A cell calling it is a subtotal (SUBTOTAL and AGGREGATE skip such cells).
    pub subtotal: Option<bool>,
    /// `o` per parameter: only the reference's address is read (no precedent).
    pub ref_only: Option<String>,
    /// The least number of arguments, when above 1.
    pub min_args: Option<u32>,
}

/// Why the runtime does not compute an Excel function (a stable reason code and text).
#[napi(object)]
pub struct NativeFunctionNote {
    pub name: String,
    pub code: String,
    pub reason: String,
}

impl From<NativeFunctionNote> for FunctionNote {
    fn from(n: NativeFunctionNote) -> Self {
        FunctionNote { name: n.name, code: n.code, reason: n.reason }
    }
}

/// The registry's `CallRestriction`.
#[napi(object)]
pub struct NativeCallRestriction {
    pub when: Vec<NativeArgumentTest>,
    pub reason: String,
}

/// The registry's `ArgumentTest`.
#[napi(object)]
pub struct NativeArgumentTest {
    pub arg: u32,
    #[napi(ts_type = "'omitted' | 'otherSheet' | 'literal' | 'contains'")]
    pub test: String,
    pub texts: Option<Vec<String>>,
    pub numbers: Option<Vec<f64>>,
}

impl TryFrom<NativeArgumentTest> for ArgumentTest {
    type Error = SheetcError;

    fn try_from(t: NativeArgumentTest) -> std::result::Result<Self, SheetcError> {
        let test = match t.test.as_str() {
            "omitted" => ArgumentTestKind::Omitted,
            "otherSheet" => ArgumentTestKind::OtherSheet,
            "literal" => ArgumentTestKind::Literal,
            "contains" => ArgumentTestKind::Contains,
            other => return Err(SheetcError::new(ErrorCode::InvalidOption, format!("unknown argument test {other:?} in a function restriction"))),
        };
        Ok(ArgumentTest { arg: t.arg, test, texts: t.texts.unwrap_or_default(), numbers: t.numbers.unwrap_or_default() })
    }
}

impl TryFrom<NativeFunctionFacts> for FunctionFacts {
    type Error = SheetcError;

    fn try_from(f: NativeFunctionFacts) -> std::result::Result<Self, SheetcError> {
        let restrictions = f
            .restrictions
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                Ok(CallRestriction { when: r.when.into_iter().map(ArgumentTest::try_from).collect::<std::result::Result<_, SheetcError>>()?, reason: r.reason })
            })
            .collect::<std::result::Result<_, SheetcError>>()?;
        Ok(FunctionFacts {
            name: f.name,
            params: f.params,
            volatile: f.volatile.unwrap_or(false),
            returns_ref: f.returns_ref.unwrap_or(false),
            dynamic_reference: f.dynamic_reference.unwrap_or(false),
            pure: f.pure.unwrap_or(false),
            ranges: f.ranges.unwrap_or_default(),
            arrays: f.arrays.unwrap_or_default(),
            restrictions,
            subtotal: f.subtotal.unwrap_or(false),
            ref_only: f.ref_only.unwrap_or_default(),
            min_args: f.min_args.unwrap_or(0),
        })
    }
}

#[napi(object)]
pub struct NativeCompileOptions {
    pub out_dir: String,
    pub functions: Vec<NativeFunctionFacts>,
    pub known_functions: Vec<String>,
    /// User-defined functions the caller implements (their calls are compiled).
    pub user_functions: Option<Vec<String>>,
    /// Why some Excel functions the runtime lacks are not computed.
    pub function_notes: Option<Vec<NativeFunctionNote>>,
    pub runtime_js: Option<String>,
    pub strict: Option<bool>,
    pub max_uncompressed_bytes: Option<f64>,
    pub max_cells: Option<f64>,
    pub lazy: Option<bool>,
    pub max_module_bytes: Option<f64>,
    pub inputs: Option<Vec<String>>,
    pub outputs: Option<Vec<String>>,
    pub fold_values: Option<String>,
    /// An output profile without folding (every cell of the cone stays a formula).
    pub no_fold: Option<bool>,
    /// An output profile's first pass: write the cells it will need values for.
    pub fold_plan: Option<String>,
    /// Also write Excel's stored formula values (JSON) to this file, from the same read.
    pub cached_values_out: Option<String>,
    /// Also write the HTML report's data (JSON) to this file.
    pub report_data_out: Option<String>,
    /// `outDir` is the caller's own empty staging directory: write into it directly (the
    /// caller moves it into place once every progress event has been delivered).
    pub staged: Option<bool>,
}

/// A positive whole count from JS (a number), or the default; anything else is an
/// invalid option (never a silent cast of NaN or a negative number).
fn count(value: Option<f64>, default: u64, what: &str) -> std::result::Result<u64, SheetcError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v >= 1.0 => Ok(v as u64),
        Some(v) => Err(SheetcError::new(ErrorCode::InvalidOption, format!("{what} must be a positive number, got {v}"))),
    }
}

impl TryFrom<NativeCompileOptions> for BuildOptions {
    type Error = SheetcError;

    fn try_from(o: NativeCompileOptions) -> std::result::Result<Self, SheetcError> {
        let defaults = Limits::default();
        let limits = Limits {
            max_uncompressed_bytes: count(o.max_uncompressed_bytes, defaults.max_uncompressed_bytes, "maxUncompressedBytes")?,
            max_cells: count(o.max_cells, defaults.max_cells, "maxCells")?,
        };
        let max_module_bytes = o.max_module_bytes.map(|v| count(Some(v), 0, "maxModuleBytes")).transpose()?;
        Ok(BuildOptions {
            compile: CompileOptions {
                out_dir: PathBuf::from(o.out_dir),
                functions: o.functions.into_iter().map(FunctionFacts::try_from).collect::<std::result::Result<_, _>>()?,
                known_functions: o.known_functions,
                user_functions: o.user_functions.unwrap_or_default(),
                function_notes: o.function_notes.unwrap_or_default().into_iter().map(FunctionNote::from).collect(),
                runtime_js: o.runtime_js.map(PathBuf::from),
                strict: o.strict.unwrap_or(false),
                lazy: o.lazy.unwrap_or(false),
                max_module_bytes,
                inputs: o.inputs,
                outputs: o.outputs,
                fold_values: o.fold_values.map(PathBuf::from),
                fold_values_gate: None,
                no_fold: o.no_fold.unwrap_or(false),
                fold_plan: o.fold_plan.map(PathBuf::from),
                report_data_out: o.report_data_out.map(PathBuf::from),
                read_ms: 0.0,
                staged: o.staged.unwrap_or(false),
                analysis_cache: None,
            },
            limits,
            cached_values_out: o.cached_values_out.map(PathBuf::from),
        })
    }
}

/// A build failure: the stable code, a message that says what to do, and where.
#[napi(object)]
pub struct NativeError {
    pub code: String,
    pub message: String,
    pub location: Option<String>,
}

impl From<SheetcError> for NativeError {
    fn from(e: SheetcError) -> Self {
        NativeError { code: e.code.as_str().to_string(), message: e.message, location: e.location }
    }
}

/// One event of a build, in order: any number of `progress`, then one `done` or `error`.
#[napi(object)]
pub struct BuildEvent {
    #[napi(ts_type = "'progress' | 'done' | 'error'")]
    pub kind: String,
    pub phase: Option<String>,
    pub done: Option<f64>,
    pub total: Option<f64>,
    /// `done`: the build report (its TypeScript type is generated from the Rust one).
    #[napi(ts_type = "import('./report.js').BuildReport")]
    pub report: Option<serde_json::Value>,
    pub error: Option<NativeError>,
}

impl BuildEvent {
    fn progress(phase: &str, done: u64, total: u64) -> Self {
        BuildEvent { kind: "progress".into(), phase: Some(phase.into()), done: Some(done as f64), total: Some(total as f64), report: None, error: None }
    }
    fn finished(result: std::result::Result<serde_json::Value, NativeError>) -> Self {
        let (kind, report, error) = match result {
            Ok(r) => ("done", Some(r), None),
            Err(e) => ("error", None, Some(e)),
        };
        BuildEvent { kind: kind.into(), phase: None, done: None, total: None, report, error }
    }
}

/// A cancellation flag shared between JS (which sets it on abort) and the build.
#[napi]
pub struct CancelFlag {
    flag: Arc<AtomicBool>,
}

#[napi]
impl CancelFlag {
    #[napi(constructor)]
    pub fn new() -> Self {
        CancelFlag { flag: Arc::new(AtomicBool::new(false)) }
    }
    #[napi]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }
}

impl Default for CancelFlag {
    fn default() -> Self {
        Self::new()
    }
}

/// What became of the full model's values an output profile's second pass waits for:
/// not yet (None), written (Ok), or never (Err: why).
type PendingState = Arc<(Mutex<Option<std::result::Result<(), String>>>, std::sync::Condvar)>;

/// The full model's values for an output profile's second pass, written later: the pass
/// starts while Node still runs the full model, and waits for `ready()` (or stops at
/// `fail()`) before it assembles the engine (see `CompileOptions::fold_values_gate`).
#[napi]
pub struct PendingValues {
    state: PendingState,
}

#[napi]
impl PendingValues {
    #[napi(constructor)]
    pub fn new() -> Self {
        PendingValues { state: Arc::new((Mutex::new(None), std::sync::Condvar::new())) }
    }
    /// The values file is complete.
    #[napi]
    pub fn ready(&self) {
        self.settle(Ok(()));
    }
    /// The values will not come: the waiting build stops with this message.
    #[napi]
    pub fn fail(&self, message: String) {
        self.settle(Err(message));
    }
    fn settle(&self, outcome: std::result::Result<(), String>) {
        let (slot, changed) = &*self.state;
        if let Ok(mut s) = slot.lock() {
            s.get_or_insert(outcome);
        }
        changed.notify_all();
    }
}

impl Default for PendingValues {
    fn default() -> Self {
        Self::new()
    }
}

/// Blocks until `state` is settled, checking `cancelled` between waits.
fn wait_for_values(state: &PendingState, cancelled: &dyn Fn() -> bool) -> std::result::Result<(), SheetcError> {
    let (slot, changed) = &**state;
    let stopped = |m: &str| SheetcError::new(ErrorCode::Cancelled, m.to_string());
    let mut s = slot.lock().map_err(|_| stopped("the full model's values were lost"))?;
    loop {
        if let Some(outcome) = s.as_ref() {
            return outcome.clone().map_err(|m| stopped(&m));
        }
        if cancelled() {
            return Err(stopped("the build was cancelled"));
        }
        s = changed.wait_timeout(s, std::time::Duration::from_millis(20)).map_err(|_| stopped("the full model's values were lost"))?.0;
    }
}

/// A workbook read, and how long reading it took in milliseconds.
type ReadWorkbook = (Arc<Workbook>, f64);

/// A workbook read once and compiled several times: an output profile's build compiles
/// the full model, runs it (in Node), then compiles the profile from the same workbook
/// with the full model's values. The first `compile` given a `KeptWorkbook` reads the
/// file and keeps what it read here; later ones compile it without reading the file
/// again (their path is not read), and without parsing and ordering it again (the first
/// build's analysis is kept too). `release()` frees both (so does garbage collection).
#[napi]
pub struct KeptWorkbook {
    /// The workbook and how long reading it took (the later builds report that read).
    workbook: Arc<Mutex<Option<ReadWorkbook>>>,
    /// The first build's shapes, graph and order (see `CompileOptions::analysis_cache`).
    analysis: AnalysisCache,
}

#[napi]
impl KeptWorkbook {
    #[napi(constructor)]
    pub fn new() -> Self {
        KeptWorkbook { workbook: Arc::new(Mutex::new(None)), analysis: Arc::new(Mutex::new(None)) }
    }
    /// Frees the workbook now rather than when this object is collected.
    #[napi]
    pub fn release(&self) {
        if let Ok(mut w) = self.workbook.lock() {
            *w = None;
        }
        if let Ok(mut a) = self.analysis.lock() {
            *a = None;
        }
    }
}

impl Default for KeptWorkbook {
    fn default() -> Self {
        Self::new()
    }
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "unknown panic".into())
}

/// Compiles a workbook into an engine directory. Returns at once; `onEvent` receives the
/// progress events and then exactly one `done` (with the report) or `error` event.
#[napi]
pub fn compile(
    path: String,
    options: NativeCompileOptions,
    on_event: ThreadsafeFunction<BuildEvent, (), BuildEvent, Status, false, false>,
    cancel: Option<&CancelFlag>,
    keep: Option<&KeptWorkbook>,
    pending: Option<&PendingValues>,
) {
    let pending = pending.map(|p| p.state.clone());
    let cancel = cancel.map_or_else(|| Arc::new(AtomicBool::new(false)), |c| c.flag.clone());
    let (keep, analysis) = keep.map(|k| (k.workbook.clone(), k.analysis.clone())).unzip();
    // Not weak: the pending build keeps Node's event loop alive until its last event.
    let events = Arc::new(on_event);
    let send = {
        let events = events.clone();
        move |e: BuildEvent| {
            // Unbounded queue: a non-blocking call never fails for lack of room, and the
            // queue is first in, first out, so the final event comes after every progress.
            events.call(e, ThreadsafeFunctionCallMode::NonBlocking);
        }
    };
    let run = {
        let send = send.clone();
        move || -> std::result::Result<serde_json::Value, NativeError> {
            let mut build = BuildOptions::try_from(options)?;
            build.compile.analysis_cache = analysis;
            if let Some(state) = pending {
                build.compile.fold_values_gate = Some(Arc::new(move |cancelled: &dyn Fn() -> bool| wait_for_values(&state, cancelled)));
            }
            let progress = move |phase: &str, done: u64, total: u64| send(BuildEvent::progress(phase, done, total));
            let cancelled = || cancel.load(Ordering::SeqCst);
            let kept = keep.as_ref().and_then(|k| k.lock().ok().and_then(|w| w.clone()));
            let workbook = match kept {
                Some((w, read_ms)) => {
                    // The read is done (by an earlier build): its phase completes at once.
                    progress("read", 0, 1);
                    progress("read", 1, 1);
                    build.compile.read_ms = read_ms;
                    w
                }
                None => {
                    let w = Arc::new(sheetc::read_file(&PathBuf::from(path), &mut build, &progress, &cancelled)?);
                    if let Some(Ok(mut slot)) = keep.as_ref().map(|k| k.lock()) {
                        *slot = Some((w.clone(), build.compile.read_ms));
                    }
                    w
                }
            };
            let report = sheetc::compile_read(&workbook, &build, &progress, &cancelled)?;
            serde_json::to_value(&report).map_err(|e| NativeError { code: "E_INTERNAL".into(), message: e.to_string(), location: None })
        }
    };
    // The build runs on a thread of its own with a big stack (formulas nest deeply); a
    // panic anywhere in it is caught at this boundary and reported, never an abort.
    let spawned = std::thread::Builder::new().name("sheetc-build".into()).spawn(move || {
        let result = match sheetc_core_stack(run) {
            Ok(r) => r,
            Err(panic) => Err(NativeError {
                code: "E_INTERNAL".into(),
                message: format!("internal compiler error: {}; please report it with the workbook", panic_message(panic)),
                location: None,
            }),
        };
        send(BuildEvent::finished(result));
    });
    if let Err(e) = spawned {
        events.call(
            BuildEvent::finished(Err(NativeError { code: "E_INTERNAL".into(), message: format!("cannot start the build thread: {e}"), location: None })),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    }
}

/// Runs `f` on a big-stack thread and catches its panics.
fn sheetc_core_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::thread::Result<T> {
    sheetc::with_big_stack(move || std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))).and_then(|r| r)
}

/// What `scanCells` saw (counts as numbers: JS has no u64).
#[napi(object)]
pub struct ScanResult {
    pub sheets: u32,
    pub cells: f64,
    pub formula_cells: f64,
    pub formula_bytes: f64,
    pub text_bytes: f64,
    pub position_sum: f64,
    pub elapsed_ms: f64,
}

pub struct ScanTask {
    path: PathBuf,
    threads: usize,
}

impl Task for ScanTask {
    type Output = sheetc::ScanStats;
    type JsValue = ScanResult;

    fn compute(&mut self) -> Result<Self::Output> {
        sheetc::scan_cells_with(&self.path, self.threads).map_err(|e| Error::from_reason(format!("{}: {}", e.code.as_str(), e.message)))
    }

    fn resolve(&mut self, _env: Env, s: Self::Output) -> Result<Self::JsValue> {
        Ok(ScanResult {
            sheets: s.sheets,
            cells: s.cells as f64,
            formula_cells: s.formula_cells as f64,
            formula_bytes: s.formula_bytes as f64,
            text_bytes: s.text_bytes as f64,
            position_sum: s.position_sum as f64,
            elapsed_ms: s.elapsed_ms,
        })
    }
}

/// The calamine floor, for benchmarks: streams every cell of every worksheet through
/// calamine's cell reader (values and formulas) and only counts them; sheet after sheet,
/// or spread over `threads` threads (largest sheets first, as the build reads them).
/// Rejects with `E_CODE: message` when the file cannot be read.
#[napi(ts_return_type = "Promise<ScanResult>")]
pub fn scan_cells(path: String, threads: Option<u32>) -> AsyncTask<ScanTask> {
    AsyncTask::new(ScanTask { path: PathBuf::from(path), threads: threads.unwrap_or(1).max(1) as usize })
}

/// The formula Excel shows in the cell (`row`, `col`) for a formula `text` written for the
/// cell (`originRow`, `originCol`) (a shared formula's anchor): relative references moved,
/// `_xlfn.` prefixes dropped, with its `=`. Null when a reference would fall off the sheet.
#[napi]
pub fn formula_at(text: String, origin_row: u32, origin_col: u32, row: u32, col: u32) -> Option<String> {
    sheetc::cached::display_formula_at(&text, origin_row, origin_col, row, col)
}

/// Null when `dir` may receive an engine (missing, empty, or an engine sheetc wrote that
/// holds nothing else), else why not (`E_IO`).
#[napi]
pub fn check_engine_dir(dir: String) -> Option<NativeError> {
    sheetc::check_out_dir(&PathBuf::from(dir)).err().map(NativeError::from)
}

/// A fresh, empty staging directory beside `out_dir`, named as the build names its own
/// (`.NAME.sheetc-tmp-PID-N`, so a later build into the same place removes it if this
/// process is killed first; leftovers of killed builds are removed now), or why not.
#[napi(object)]
pub struct StagingDir {
    pub path: Option<String>,
    pub error: Option<NativeError>,
}

#[napi]
pub fn staging_engine_dir(out_dir: String) -> StagingDir {
    match sheetc::temp_sibling(&PathBuf::from(out_dir)) {
        Ok(p) => StagingDir { path: Some(p.to_string_lossy().into_owned()), error: None },
        Err(e) => StagingDir { path: None, error: Some(e.into()) },
    }
}

/// Moves the complete engine in `from` to `to` under the rules of [`check_engine_dir`]
/// (a previous engine is moved aside, then removed once the new one is in place). Null
/// when done, else the failure; `to` is then as it was.
#[napi]
pub fn replace_engine_dir(from: String, to: String) -> Option<NativeError> {
    sheetc::replace_dir(&PathBuf::from(from), &PathBuf::from(to)).err().map(NativeError::from)
}

/// The compiler's version.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
