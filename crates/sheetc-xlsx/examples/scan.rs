//! Times the calamine floor (`scan_cells_with`) on a workbook: `scan WORKBOOK [THREADS]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(workbook) = args.get(1) else {
        eprintln!("usage: scan WORKBOOK [THREADS]");
        std::process::exit(2);
    };
    let threads = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(1);
    for _ in 0..3 {
        match sheetc_xlsx::scan_cells_with(std::path::Path::new(workbook), threads) {
            Ok(s) => eprintln!("{} cells in {:.0} ms on {threads} thread(s)", s.cells, s.elapsed_ms),
            Err(e) => eprintln!("error {}", e.message),
        }
    }
}
