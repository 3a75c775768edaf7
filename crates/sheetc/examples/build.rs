//! Profiling driver: compiles a workbook in plain Rust (no Node), so `perf` sees the
//! compiler with symbols. The function facts come from the runtime's registry:
//!   npx tsx scripts/dump-functions.ts /tmp/functions.json
//!   CARGO_PROFILE_RELEASE_DEBUG=true CARGO_PROFILE_RELEASE_STRIP=none \
//!     cargo build --release --example build -p sheetc
//!   perf record -g target/release/examples/build WORKBOOK OUT_DIR /tmp/functions.json
use std::path::PathBuf;

use sheetc::{BuildOptions, CompileOptions, FunctionFacts, Limits};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, workbook, out, functions] = &args[..] else {
        eprintln!("usage: build WORKBOOK OUT_DIR FUNCTIONS_JSON");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(functions).unwrap_or_else(|e| panic!("{functions}: {e}"));
    let table: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{functions}: {e}"));
    let facts: Vec<FunctionFacts> = serde_json::from_value(table["facts"].clone()).unwrap_or_else(|e| panic!("{functions}: facts: {e}"));
    let known: Vec<String> = serde_json::from_value(table["known"].clone()).unwrap_or_default();
    let mut opts = BuildOptions {
        compile: CompileOptions {
            out_dir: PathBuf::from(out),
            functions: facts,
            known_functions: known,
            user_functions: Vec::new(),
            function_notes: Vec::new(),
            runtime_js: None,
            strict: false,
            lazy: false,
            max_module_bytes: None,
            inputs: None,
            outputs: None,
            fold_values: None,
            fold_values_gate: None,
            no_fold: false,
            fold_plan: None,
            report_data_out: None,
            read_ms: 0.0,
            staged: false,
            analysis_cache: None,
        },
        limits: Limits::default(),
        cached_values_out: None,
    };
    let t = std::time::Instant::now();
    match sheetc::compile_file(std::path::Path::new(workbook), &mut opts, &|_, _, _| {}, &|| false) {
        Ok(r) => eprintln!("{:?} returned {:.0} ms", r.timings, t.elapsed().as_secs_f64() * 1000.0),
        Err(e) => eprintln!("error {}", e.message),
    }
}
