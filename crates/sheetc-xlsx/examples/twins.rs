//! Compares what the reader makes of a workbook saved by Excel in several formats:
//! `cargo run -p sheetc-xlsx --release --example twins -- ORACLE.xlsx TWIN.xlsb [...]`.
//! Prints every cell whose kind, formula text, formula origin or stored value differs
//! from the oracle's, then a count per twin.
use std::collections::BTreeMap;
use std::path::Path;

use sheetc_core::model::{CellKind, Limits, Value, Workbook};

type Key = (String, u32, u32);

fn cells(wb: &Workbook) -> BTreeMap<Key, (String, String, Value)> {
    let mut out = BTreeMap::new();
    for s in &wb.sheets {
        for c in &s.cells {
            let (kind, formula) = match c.kind {
                CellKind::Constant => ("constant".to_string(), String::new()),
                CellKind::ArrayMember => ("member".to_string(), String::new()),
                CellKind::Formula(f) => ("formula".to_string(), format!("{} @{},{}", &s.formulas[f.text as usize], f.origin_row, f.origin_col)),
                CellKind::ArrayFormula { formula: f, last_row, last_col, dynamic } => {
                    (format!("array {last_row},{last_col} dynamic={dynamic}"), format!("{} @{},{}", &s.formulas[f.text as usize], f.origin_row, f.origin_col))
                }
            };
            out.insert((s.name.to_lowercase(), c.row, c.col), (kind, formula, c.value.clone()));
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let read = |p: &str| sheetc_xlsx::read_workbook(Path::new(p), &Limits::default(), &|| false);
    let oracle = match read(&args[0]) {
        Ok(w) => w,
        Err(e) => return eprintln!("{}: {e}", args[0]),
    };
    let want = cells(&oracle);
    for twin in &args[1..] {
        let wb = match read(twin) {
            Ok(w) => w,
            Err(e) => {
                println!("{twin}: {e}");
                continue;
            }
        };
        let got = cells(&wb);
        let mut diffs = 0;
        for (k, w) in &want {
            let g = got.get(k);
            let same = g.is_some_and(|g| {
                g.0 == w.0
                    && g.1 == w.1
                    && (g.2 == w.2 || matches!((&g.2, &w.2), (Value::Number(a), Value::Number(b)) if (a-b).abs() <= 1e-12 * a.abs().max(b.abs())))
            });
            if !same {
                diffs += 1;
                println!("{twin} {}!r{}c{}: want {:?}\n{:>width$} got  {:?}", k.0, k.1, k.2, w, "", g, width = twin.len());
            }
        }
        for k in got.keys().filter(|k| !want.contains_key(*k)) {
            diffs += 1;
            println!("{twin} {}!r{}c{}: extra {:?}", k.0, k.1, k.2, got[k]);
        }
        let names = |w: &Workbook| w.names.iter().map(|n| format!("{}|{:?}|{}", n.name.to_lowercase(), n.scope, n.formula)).collect::<Vec<_>>();
        let (wn, gn) = (names(&oracle), names(&wb));
        for n in wn.iter().filter(|n| !gn.contains(n)) {
            println!("{twin} name missing/different: {n}");
        }
        for n in gn.iter().filter(|n| !wn.contains(n)) {
            println!("{twin} name extra/different: {n}");
        }
        if oracle.date1904 != wb.date1904 {
            println!("{twin} date1904 {} != {}", wb.date1904, oracle.date1904);
        }
        println!(
            "== {twin}: {} cells, {diffs} differ; {} sheets ({} in oracle); format {}",
            got.len(),
            wb.sheets.len(),
            oracle.sheets.len(),
            wb.format.as_str()
        );
    }
}
