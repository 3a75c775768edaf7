//! The generated engines of a dozen small workbooks, pinned by snapshots (insta): a change
//! to generated code is a reviewed diff (`INSTA_UPDATE=always cargo test -p sheetc --test
//! snapshots` rewrites them; review with `git diff crates/sheetc/tests/snapshots`).
//!
//! The function facts are the runtime registry's, as `scripts/dump-functions.ts` writes
//! them (`fuzz/corpus/functions.json`; an ava test fails when that file drifts from the
//! registry).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Formula, Workbook};
use sheetc::{AnalysisCache, BuildOptions, CompileOptions, FunctionFacts, Limits};

fn function_table() -> (Vec<FunctionFacts>, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/functions.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("functions.json is JSON");
    (serde_json::from_value(json["facts"].clone()).expect("facts"), serde_json::from_value(json["known"].clone()).expect("known"))
}

#[derive(Default)]
struct Variant {
    lazy: bool,
    outputs: Option<Vec<String>>,
    max_module_bytes: Option<u64>,
    analysis_cache: Option<AnalysisCache>,
}

/// Compiles `book` and returns the engine's generated files (not the runtime copy or the
/// manifest's timings) as one text: each file under a header line.
fn engine_text(name: &str, book: &mut Workbook, variant: Variant) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let xlsx = dir.path().join(format!("{name}.xlsx"));
    book.save(&xlsx).expect("save");
    compile(&xlsx, dir.path(), variant)
}

fn compile(xlsx: &Path, dir: &Path, variant: Variant) -> String {
    compile_traced(xlsx, dir, variant).0
}

/// [`compile`], also giving the parse phase's progress events and the reported parse time.
fn compile_traced(xlsx: &Path, dir: &Path, variant: Variant) -> (String, Vec<(u64, u64)>, f64) {
    let out = dir.join("engine");
    let (facts, known) = function_table();
    let mut opts = BuildOptions {
        compile: CompileOptions {
            out_dir: out.clone(),
            functions: facts,
            known_functions: known,
            user_functions: Vec::new(),
            function_notes: Vec::new(),
            runtime_js: None,
            strict: false,
            lazy: variant.lazy,
            max_module_bytes: variant.max_module_bytes,
            inputs: None,
            outputs: variant.outputs,
            fold_values: None,
            fold_values_gate: None,
            no_fold: false,
            fold_plan: None,
            report_data_out: None,
            read_ms: 0.0,
            staged: false,
            analysis_cache: variant.analysis_cache,
        },
        limits: Limits::default(),
        cached_values_out: None,
    };
    let parse_events = std::sync::Mutex::new(Vec::new());
    let progress = |phase: &str, done: u64, total: u64| {
        if phase == "parse" {
            parse_events.lock().expect("events").push((done, total));
        }
    };
    let report = sheetc::compile_file(xlsx, &mut opts, &progress, &|| false).expect("compiles");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read engine dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut text = String::new();
    for f in files {
        let rel = f.strip_prefix(&out).expect("inside").to_string_lossy().replace('\\', "/");
        if rel == "manifest.json" {
            continue;
        }
        text.push_str(&format!("===== {rel}\n"));
        if rel.ends_with(".bin") {
            let bytes = std::fs::read(&f).expect("read");
            let words: Vec<String> = bytes.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string()).collect();
            text.push_str(&words.join(" "));
            text.push('\n');
        } else {
            text.push_str(&std::fs::read_to_string(&f).expect("read"));
        }
    }
    (text, parse_events.into_inner().expect("events"), report.timings.parse_ms)
}

/// Rewrites one part of an xlsx (rust_xlsxwriter has no iterative-calculation setting).
fn patch_part(xlsx: &Path, part: &str, edit: impl Fn(&str) -> String) {
    let bytes = std::fs::read(xlsx).expect("read");
    let mut zin = zip_read(&bytes);
    let mut out = Vec::new();
    {
        let mut zout = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).expect("entry");
            let name = f.name().expect("entry name").to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read entry");
            if name == part {
                data = edit(&String::from_utf8(data).expect("utf-8")).into_bytes();
            }
            zout.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
            zout.write_all(&data).expect("write");
        }
        zout.finish().expect("finish");
    }
    std::fs::write(xlsx, out).expect("write");
}

fn zip_read(bytes: &[u8]) -> zip::ZipArchive<std::io::Cursor<&[u8]>> {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip")
}

#[test]
fn arithmetic_across_sheets() {
    let mut book = Workbook::new();
    let a = book.add_worksheet().set_name("Inputs").expect("name");
    a.write_number(0, 0, 1000.0).expect("w");
    a.write_number(1, 0, 0.05).expect("w");
    a.write_string(2, 0, "label").expect("w");
    let b = book.add_worksheet().set_name("My Calc").expect("name");
    b.write_formula(0, 0, Formula::new("=Inputs!A1*(1+Inputs!A2)")).expect("w");
    b.write_formula(1, 0, Formula::new("=A1-Inputs!A1&\" \"&Inputs!A3")).expect("w");
    b.write_formula(2, 0, Formula::new("=-A1%+2^3")).expect("w");
    insta::assert_snapshot!(engine_text("arithmetic", &mut book, Variant::default()));
}

#[test]
fn copied_formulas_become_loops() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    for r in 0..12u32 {
        s.write_number(r, 0, r as f64).expect("w");
        s.write_formula(r, 1, Formula::new(format!("=A{}*2+$A$1", r + 1))).expect("w");
        s.write_formula(r, 2, Formula::new(format!("=SUM($B$1:B{})", r + 1))).expect("w");
    }
    for c in 3..9u16 {
        s.write_formula(0, c, Formula::new("=ROUND($A$2*3.14159,2)")).expect("w");
    }
    insta::assert_snapshot!(engine_text("loops", &mut book, Variant::default()));
}

#[test]
fn sumifs_over_a_table_hoists_the_criteria_ranges() {
    let mut book = Workbook::new();
    let d = book.add_worksheet().set_name("Data").expect("name");
    for r in 0..20u32 {
        d.write_string(r, 0, ["a", "b", "c"][r as usize % 3]).expect("w");
        d.write_number(r, 1, (r * 7 % 11) as f64).expect("w");
    }
    let s = book.add_worksheet().set_name("Sum").expect("name");
    for (r, key) in ["a", "b", "c"].into_iter().enumerate() {
        s.write_string(r as u32, 0, key).expect("w");
        for c in 1..6u16 {
            s.write_formula(r as u32, c, Formula::new(format!("=SUMIFS(Data!$B$1:$B$20,Data!$A$1:$A$20,$A{})*{c}", r + 1))).expect("w");
        }
    }
    insta::assert_snapshot!(engine_text("sumifs", &mut book, Variant::default()));
}

/// Months across, line items down: on `Plan`, `INDEX($Z$1:$Z$12,MONTH(C$1))` is the same
/// down a column, so the sheet is swept column by column (one loop per month, the lookup
/// computed once per loop); on `Cost`, the SUMIFS on the row's key is the same along a
/// row, so that sheet is swept row by row. The arithmetic runs through the numeric
/// variants (`$rn`, `$cn`).
#[test]
fn each_sheet_is_swept_the_way_that_hoists_more() {
    let mut book = Workbook::new();
    let p = book.add_worksheet().set_name("Plan").expect("name");
    for c in 2..8u16 {
        p.write_number(0, c, 45_658.0 + 31.0 * (c - 2) as f64).expect("w");
    }
    for m in 0..12u32 {
        p.write_number(m, 25, 1.0 + m as f64 / 100.0).expect("w");
    }
    for r in 1..7u32 {
        p.write_number(r, 1, 100.0 * r as f64).expect("w");
        for c in 2..8u16 {
            let col = (b'A' + c as u8) as char;
            p.write_formula(r, c, Formula::new(format!("=$B{}*INDEX($Z$1:$Z$12,MONTH({col}$1))", r + 1))).expect("w");
        }
    }
    let k = book.add_worksheet().set_name("Cost").expect("name");
    for r in 0..6u32 {
        k.write_string(r, 0, ["a", "b", "c"][r as usize % 3]).expect("w");
        k.write_number(r, 1, r as f64).expect("w");
    }
    for r in 0..6u32 {
        for c in 2..8u16 {
            let col = (b'A' + c as u8) as char;
            k.write_formula(r, c, Formula::new(format!("=Plan!{col}{}*SUMIFS($B$1:$B$6,$A$1:$A$6,$A{})", r + 2, r + 1))).expect("w");
        }
    }
    insta::assert_snapshot!(engine_text("sweeps", &mut book, Variant::default()));
}

#[test]
fn lazy_branches_and_lookups() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    for r in 0..6u32 {
        s.write_number(r, 0, r as f64 - 2.0).expect("w");
        s.write_formula(r, 1, Formula::new(format!("=IF(A{0}>0,SQRT(A{0}),IFERROR(1/A{0},\"div\"))", r + 1))).expect("w");
        s.write_formula(r, 2, Formula::new(format!("=INDEX($A$1:$A$6,MATCH(A{},$A$1:$A$6,0))", r + 1))).expect("w");
        s.write_formula(r, 3, Formula::new(format!("=VLOOKUP(A{},$A$1:$B$6,2,FALSE)", r + 1))).expect("w");
    }
    insta::assert_snapshot!(engine_text("branches", &mut book, Variant::default()));
}

#[test]
fn let_and_lambda() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    s.write_number(0, 0, 3.0).expect("w");
    s.write_formula(0, 1, Formula::new("=LET(x,A1*2,y,x+1,x*y)")).expect("w");
    s.write_formula(1, 1, Formula::new("=LAMBDA(a,b,a*b+1)(A1,4)")).expect("w");
    s.write_formula(2, 1, Formula::new("=LET(f,LAMBDA(n,n^2),f(A1)+f(2))")).expect("w");
    insta::assert_snapshot!(engine_text("lambda", &mut book, Variant::default()));
}

#[test]
fn array_formulas_dynamic_and_legacy() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    for r in 0..4u32 {
        s.write_number(r, 0, (r + 1) as f64).expect("w");
    }
    s.write_dynamic_formula(0, 2, Formula::new("=SEQUENCE(3,2)*A1")).expect("w");
    s.write_array_formula(0, 5, 3, 5, Formula::new("{=A1:A4*10}")).expect("w");
    s.write_formula(5, 0, Formula::new("=SUMPRODUCT((A1:A4>1)*A1:A4)")).expect("w");
    insta::assert_snapshot!(engine_text("arrays", &mut book, Variant::default()));
}

#[test]
fn defined_names_and_dynamic_references() {
    let mut book = Workbook::new();
    book.define_name("Rate", "=S!$A$1").expect("name");
    book.define_name("Items", "=S!$A$2:$A$5").expect("name");
    let s = book.add_worksheet().set_name("S").expect("name");
    s.write_number(0, 0, 0.1).expect("w");
    for r in 1..5u32 {
        s.write_number(r, 0, r as f64).expect("w");
    }
    s.write_formula(0, 1, Formula::new("=SUM(Items)*(1+Rate)")).expect("w");
    s.write_formula(1, 1, Formula::new("=SUM(OFFSET(A2,0,0,B3,1))")).expect("w");
    s.write_formula(2, 1, Formula::new("=INDIRECT(\"A\"&(1+2))")).expect("w");
    s.write_formula(3, 1, Formula::new("=NOW()-NOW()")).expect("w");
    insta::assert_snapshot!(engine_text("names", &mut book, Variant::default()));
}

#[test]
fn backfilled_cells_keep_their_stored_values() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    s.write_formula(0, 0, Formula::new("=WEBSERVICE(\"http://example.com\")").set_result("cached")).expect("w");
    s.write_formula(1, 0, Formula::new("=NOSUCHFUNCTION(1)")).expect("w");
    s.write_formula(2, 0, Formula::new("=[1]Other!A1")).expect("w");
    s.write_formula(3, 0, Formula::new("=A1&\"!\"")).expect("w");
    insta::assert_snapshot!(engine_text("backfill", &mut book, Variant::default()));
}

#[test]
fn a_circular_cluster_under_iterative_calculation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let xlsx = dir.path().join("circular.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("Debt").expect("name");
    s.write_number(0, 0, 1000.0).expect("w");
    s.write_number(0, 1, 0.08).expect("w");
    s.write_formula(1, 0, Formula::new("=(A1+A3)/2*B1")).expect("w");
    s.write_formula(2, 0, Formula::new("=A1-A2*0.5")).expect("w");
    book.save(&xlsx).expect("save");
    patch_part(&xlsx, "xl/workbook.xml", |x| {
        x.replace("<calcPr calcId=\"124519\"", "<calcPr iterate=\"1\" iterateCount=\"100\" iterateDelta=\"0.0001\" calcId=\"124519\"")
    });
    let text = compile(&xlsx, dir.path(), Variant::default());
    assert!(text.contains("\"iterate\":true"), "the patch took: {text}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_lazy_engine_with_its_index() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    for r in 0..10u32 {
        s.write_number(r, 0, r as f64).expect("w");
        s.write_formula(r, 1, Formula::new(format!("=A{}+1", r + 1))).expect("w");
    }
    let t = book.add_worksheet().set_name("T").expect("name");
    t.write_formula(0, 0, Formula::new("=SUM(S!B1:B10)")).expect("w");
    t.write_formula(1, 0, Formula::new("=S!A1*2")).expect("w");
    insta::assert_snapshot!(engine_text("lazy", &mut book, Variant { lazy: true, ..Variant::default() }));
}

#[test]
fn an_output_profile_keeps_the_cone() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    for r in 0..5u32 {
        s.write_number(r, 0, r as f64).expect("w");
        s.write_formula(r, 1, Formula::new(format!("=A{}*10", r + 1))).expect("w");
        s.write_formula(r, 2, Formula::new(format!("=B{}+1", r + 1))).expect("w");
    }
    s.write_formula(6, 0, Formula::new("=SUM(B1:B3)")).expect("w");
    let variant = Variant { outputs: Some(vec!["S!A7".into(), "S!C2:C3".into()]), ..Variant::default() };
    insta::assert_snapshot!(engine_text("profile", &mut book, variant));
}

/// An output profile's passes share one analysis (shapes, graph, order): a build given a
/// cache holding an analysis made under the same options skips parsing and ordering and
/// emits the very engine a build from scratch emits; under other options (a lazy engine
/// sweeps rows only) it analyses afresh.
#[test]
fn a_kept_analysis_is_reused_only_under_the_same_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let xlsx = dir.path().join("kept.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    for r in 0..6u32 {
        s.write_number(r, 0, r as f64).expect("w");
        for c in 1..5u16 {
            let left = (b'A' + c as u8 - 1) as char;
            s.write_formula(r, c, Formula::new(format!("={left}{}*2+$A$1", r + 1))).expect("w");
        }
    }
    s.write_formula(7, 0, Formula::new("=SUM(E1:E6)+A9")).expect("w");
    // A8 and A9 are a circular pair: the analysis carries the clusters too.
    s.write_formula(8, 0, Formula::new("=A8/2")).expect("w");
    book.save(&xlsx).expect("save");
    let outputs = || Some(vec!["S!A8".to_string(), "S!C2:C3".to_string()]);
    let run = |name: &str, lazy: bool, cache: Option<AnalysisCache>| {
        let out = dir.path().join(name);
        std::fs::create_dir(&out).expect("dir");
        compile_traced(&xlsx, &out, Variant { outputs: outputs(), lazy, analysis_cache: cache, ..Variant::default() })
    };
    let cache: AnalysisCache = Default::default();
    let (fresh, fresh_events, _) = run("fresh", false, None);
    let (first, first_events, _) = run("first", false, Some(cache.clone()));
    assert!(cache.lock().expect("cache").is_some(), "the first build leaves its analysis");
    let (second, second_events, second_parse_ms) = run("second", false, Some(cache.clone()));
    assert_eq!(first, fresh);
    assert_eq!(second, fresh, "a reused analysis emits the same engine");
    assert_eq!(first_events, fresh_events);
    assert_eq!(second_events, vec![(0, 1), (1, 1)], "the parse phase completes at once");
    assert_eq!(second_parse_ms, 0.0);
    let (lazy_fresh, lazy_fresh_events, _) = run("lazy-fresh", true, None);
    let (lazy, lazy_events, _) = run("lazy", true, Some(cache.clone()));
    assert_eq!(lazy, lazy_fresh, "another sweep analyses afresh");
    assert_eq!(lazy_events, lazy_fresh_events);
    assert_ne!(lazy_events, vec![(0, 1), (1, 1)]);
}

#[test]
fn modules_split_into_row_bands() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("S").expect("name");
    for r in 0..40u32 {
        s.write_number(r, 0, r as f64).expect("w");
        s.write_formula(r, 1, Formula::new(format!("=A{}*A{}", r + 1, r + 1))).expect("w");
    }
    insta::assert_snapshot!(engine_text("bands", &mut book, Variant { max_module_bytes: Some(400), ..Variant::default() }));
}

#[test]
fn hostile_text_stays_in_literals() {
    let mut book = Workbook::new();
    let s = book.add_worksheet().set_name("x'); process.exit(1); ${y}").expect("name");
    s.write_string(0, 0, "\"); process.exit(1); //</script>`${x}`\u{2028}").expect("w");
    s.write_formula(0, 1, Formula::new("=A1&\"*/ ${y} \\\"")).expect("w");
    let text = engine_text("hostile", &mut book, Variant::default());
    assert!(!text.contains("</script>"), "{text}");
    insta::assert_snapshot!(text);
}
