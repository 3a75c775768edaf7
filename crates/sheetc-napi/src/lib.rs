//! Node-API binding of the sheetc compiler. Deliberately thin: it converts options,
//! runs `sheetc_core::compile` on the libuv pool (inside a big-stack thread), forwards
//! progress through a thread-safe function and honours cancellation through a flag.
//! Expected failures are returned as data (`{ ok: false, error }`), never thrown from
//! Rust, so the TypeScript layer turns them into typed `SheetcError`s.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use sheetc_core::{CompileOptions, Limits, SheetcError};

#[napi(object)]
pub struct NativeCompileOptions {
    pub out_dir: String,
    pub functions: Vec<String>,
    pub known_functions: Option<Vec<String>>,
    pub function_params: Option<Vec<String>>,
    pub runtime_js: Option<String>,
    pub strict: Option<bool>,
    pub max_uncompressed_bytes: Option<f64>,
    pub max_cells: Option<f64>,
    pub lazy: Option<bool>,
    pub max_module_bytes: Option<f64>,
    pub inputs: Option<Vec<String>>,
    pub outputs: Option<Vec<String>>,
    pub fold_values: Option<String>,
    pub fold_plan: Option<String>,
    pub cached_values_out: Option<String>,
    pub report_data_out: Option<String>,
}

#[napi(object)]
pub struct ProgressEvent {
    pub phase: String,
    pub done: f64,
    pub total: f64,
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

type ProgressTsfn = ThreadsafeFunction<ProgressEvent, (), ProgressEvent, Status, false, true>;

pub struct CompileTask {
    path: PathBuf,
    options: Option<CompileOptions>,
    progress: Option<Arc<ProgressTsfn>>,
    cancel: Arc<AtomicBool>,
}

fn error_json(e: &SheetcError) -> serde_json::Value {
    serde_json::json!({ "ok": false, "error": { "code": e.code.as_str(), "message": e.message, "location": e.location } })
}

impl Task for CompileTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<Self::Output> {
        let Some(options) = self.options.take() else {
            return Err(Error::from_reason("compile task reused"));
        };
        let path = self.path.clone();
        let progress = self.progress.clone();
        let cancel = self.cancel.clone();
        let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let sent_in = sent.clone();
        let joined = sheetc_core::with_big_stack(move || {
            let report = move |phase: &str, done: u64, total: u64| {
                if let Some(tsfn) = &progress {
                    sent_in.fetch_add(1, Ordering::SeqCst);
                    tsfn.call(
                        ProgressEvent { phase: phase.to_string(), done: done as f64, total: total as f64 },
                        ThreadsafeFunctionCallMode::NonBlocking,
                    );
                }
            };
            let cancelled = || cancel.load(Ordering::SeqCst);
            sheetc_core::compile(&path, &options, &report, &cancelled)
        });
        let progress_events = sent.load(Ordering::SeqCst);
        let mut value = match joined {
            Ok(Ok(report)) => serde_json::json!({ "ok": true, "report": report }),
            Ok(Err(e)) => error_json(&e),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                serde_json::json!({ "ok": false, "error": { "code": "E_INTERNAL", "message": format!("internal compiler error: {msg}; please report it with the workbook"), "location": null } })
            }
        };
        // Progress events are delivered asynchronously; the JS side waits for this many.
        value["progressEvents"] = serde_json::json!(progress_events);
        Ok(value.to_string())
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(output)
    }
}

/// Compiles a workbook into an engine directory. Resolves to a JSON string:
/// `{ ok: true, report }` or `{ ok: false, error: { code, message, location } }`.
#[napi(ts_return_type = "Promise<string>")]
pub fn compile(
    path: String,
    options: NativeCompileOptions,
    on_progress: Option<ProgressTsfn>,
    cancel: Option<&CancelFlag>,
) -> AsyncTask<CompileTask> {
    let defaults = Limits::default();
    let limits = Limits {
        max_uncompressed_bytes: options.max_uncompressed_bytes.map_or(defaults.max_uncompressed_bytes, |v| v.max(0.0) as u64),
        max_cells: options.max_cells.map_or(defaults.max_cells, |v| v.max(0.0) as u64),
    };
    let core = CompileOptions {
        out_dir: PathBuf::from(options.out_dir),
        functions: options.functions,
        known_functions: options.known_functions.unwrap_or_default(),
        function_params: options.function_params.unwrap_or_default(),
        runtime_js: options.runtime_js.map(PathBuf::from),
        strict: options.strict.unwrap_or(false),
        limits,
        lazy: options.lazy.unwrap_or(false),
        max_module_bytes: options.max_module_bytes.filter(|b| b.is_finite() && *b >= 1.0).map(|b| b as u64),
        inputs: options.inputs,
        outputs: options.outputs,
        fold_values: options.fold_values.map(PathBuf::from),
        fold_plan: options.fold_plan.map(PathBuf::from),
        cached_values_out: options.cached_values_out.map(PathBuf::from),
        report_data_out: options.report_data_out.map(PathBuf::from),
    };
    AsyncTask::new(CompileTask {
        path: PathBuf::from(path),
        options: Some(core),
        progress: on_progress.map(Arc::new),
        cancel: cancel.map_or_else(|| Arc::new(AtomicBool::new(false)), |c| c.flag.clone()),
    })
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
    type Output = sheetc_core::read::ScanStats;
    type JsValue = ScanResult;

    fn compute(&mut self) -> Result<Self::Output> {
        sheetc_core::read::scan_cells_with(&self.path, self.threads).map_err(|e| Error::from_reason(format!("{}: {}", e.code.as_str(), e.message)))
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

/// The compiler's version.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
