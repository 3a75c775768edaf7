//! Profiling driver: compiles a workbook in plain Rust (no Node), so `perf` sees the
//! compiler with symbols. The function table comes from the runtime:
//!   npx tsx scripts/dump-functions.ts /tmp/functions.json
//!   CARGO_PROFILE_RELEASE_DEBUG=true CARGO_PROFILE_RELEASE_STRIP=none \
//!     cargo build --release --example build -p sheetc-core
//!   perf record -g target/release/examples/build WORKBOOK OUT_DIR /tmp/functions.json
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, workbook, out, functions] = &args[..] else {
        eprintln!("usage: build WORKBOOK OUT_DIR FUNCTIONS_JSON");
        std::process::exit(2);
    };
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(functions).expect("functions file")).expect("json");
    let list = |k: &str| -> Vec<String> { table[k].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default() };
    let opts = sheetc_core::CompileOptions {
        out_dir: PathBuf::from(out),
        functions: list("functions"),
        function_params: list("params"),
        known_functions: list("known"),
        runtime_js: None,
        strict: false,
        limits: sheetc_core::Limits::default(),
        lazy: false,
        max_module_bytes: None,
        inputs: None,
        outputs: None,
        fold_values: None,
        fold_plan: None,
        cached_values_out: None,
        report_data_out: None,
    };
    let t = std::time::Instant::now();
    match sheetc_core::compile(std::path::Path::new(workbook), &opts, &|_, _, _| {}, &|| false) {
        Ok(r) => {
            let returned = t.elapsed().as_secs_f64() * 1000.0;
            eprintln!("{:?} returned {returned:.0} ms", r.timings);
        }
        Err(e) => eprintln!("error {}", e.message),
    }
}
