//! sheetc: a workbook file in, an engine directory out. The reader (`sheetc-xlsx`) hands
//! the compiler (`sheetc-core`, pure) a `Workbook`; this crate times the read, writes
//! Excel's stored results when asked (verify), and runs the compile. The Node binding,
//! the examples and the fuzz harness all call [`compile_file`].

use std::path::{Path, PathBuf};
use std::time::Instant;

pub use sheetc_core::functions::FunctionNote;
pub use sheetc_core::report::BuildReport;
pub use sheetc_core::Progress;
/// The output directory's rules, for a caller that builds into a staging directory and
/// moves the engine into place itself (the Node binding, once the build's last progress
/// event has been delivered): only an empty directory or an engine sheetc wrote is replaced.
pub use sheetc_core::{check_out_dir, replace_dir, temp_sibling};
pub use sheetc_core::{
    with_big_stack, AnalysisCache, ArgumentTest, ArgumentTestKind, CallRestriction, CompileOptions, ErrorCode, FoldValuesGate, FunctionFacts, Limits,
    SheetcError, Workbook,
};
#[cfg(feature = "scan")]
pub use sheetc_xlsx::{scan_cells, scan_cells_with, ScanStats};

use sheetc_core::error::Result;

pub mod cached;

/// A build of one file: how to read it, and how to compile it.
pub struct BuildOptions {
    pub compile: CompileOptions,
    pub limits: Limits,
    /// Also write Excel's cached values of every formula cell (see [`cached`]) to
    /// this file, from the workbook the build reads (verify compares the engine with them
    /// without reading the file a second time).
    pub cached_values_out: Option<PathBuf>,
}

/// Reads the workbook at `path` and compiles it into `opts.compile.out_dir`.
pub fn compile_file(path: &Path, opts: &mut BuildOptions, progress: Progress<'_>, cancelled: &dyn Fn() -> bool) -> Result<BuildReport> {
    let workbook = read_file(path, opts, progress, cancelled)?;
    compile_read(&workbook, opts, progress, cancelled)
}

/// The read stage alone: reads the workbook at `path` (timed into `opts.compile.read_ms`)
/// and writes Excel's stored values when `opts` asks. An output profile's build keeps the
/// result for its second pass, which compiles the same workbook again with the full
/// model's values and must not read the file twice.
pub fn read_file(path: &Path, opts: &mut BuildOptions, progress: Progress<'_>, cancelled: &dyn Fn() -> bool) -> Result<Workbook> {
    progress("read", 0, 1);
    let t = Instant::now();
    let workbook = sheetc_xlsx::read_workbook(path, &opts.limits, cancelled)?;
    opts.compile.read_ms = t.elapsed().as_secs_f64() * 1000.0;
    progress("read", 1, 1);
    if let Some(out) = &opts.cached_values_out {
        cached::write_cached_values(&workbook, out)?;
    }
    Ok(workbook)
}

/// Compiles a workbook already read (see [`read_file`]) into `opts.compile.out_dir`.
pub fn compile_read(workbook: &Workbook, opts: &BuildOptions, progress: Progress<'_>, cancelled: &dyn Fn() -> bool) -> Result<BuildReport> {
    if cancelled() {
        return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
    }
    sheetc_core::compile_workbook(workbook, &opts.compile, progress, cancelled)
}
