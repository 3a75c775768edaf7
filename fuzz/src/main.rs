//! Property-based fuzzing of sheetc-core without cargo-fuzz or nightly.
//!
//! Two targets, each run for a bounded time:
//!
//! * `formulas`: random formulas from a grammar-aware generator, plus byte/token
//!   mutations and splices of real formulas (`corpus/formulas.txt`, extracted from the
//!   golden corpus), through `FormulaParser::parse` → `shape_key` → `Binder::bind` →
//!   `codegen::shape_function`. Property: no panic, each input under 1 s.
//! * `xlsx`: small workbooks (from the golden corpus and generated here) mutated at
//!   the byte level and, after unzipping, at the XML level (then re-zipped), through
//!   `sheetc_core::compile` into a temp dir. Property: no panic, no hang, only typed
//!   errors, a failed build leaves no output and no temp sibling, a successful one a
//!   complete engine whose JavaScript `node --check` accepts (sampled).
//!
//! * `binary`: Excel's `.xlsb` and `.xls` files (`shared/corpus-formats`, beside the
//!   corpus) mutated at the byte level (flips, truncations, splices, lengths and counts
//!   made huge: for `.xlsb` inside the `.bin` parts, for `.xls` anywhere in the compound
//!   file), through the same read + compile with the same properties.
//!
//! Crashing, hanging or property-violating inputs are written to `crashes/`.
//!
//! Usage: `sheetc-fuzz <formulas|xlsx|binary> <seconds> [--seed N] [--corpus DIR]`, or
//! `sheetc-fuzz replay <file>` to re-run one saved input.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sheetc::{BuildOptions, CompileOptions, Limits};
use sheetc_core::bind::{visit_calls, visit_refs, Binder};
use sheetc_core::functions::{FunctionFacts, FunctionTable};
use sheetc_core::model::{DefinedName, Sheet, Workbook};
use sheetc_core::{codegen, shape::shape_key};

// ---------------------------------------------------------------- random numbers

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    fn pick_ref<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

// ---------------------------------------------------------------- crash bookkeeping

/// The input being executed, for the watchdog and the panic report.
struct Current {
    target: &'static str,
    ext: &'static str,
    input: Vec<u8>,
    started: Instant,
    busy: bool,
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".into());
        let loc = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg} at {loc}"));
    }));
}

fn take_panic() -> String {
    LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default()
}

fn save(dir: &Path, kind: &str, target: &str, ext: &str, input: &[u8], note: &str) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("{kind}-{target}-{:016x}.{ext}", fnv(input)));
    let _ = std::fs::write(&path, input);
    let _ = std::fs::write(path.with_extension(format!("{ext}.txt")), note);
    path
}

/// Aborts the run (after saving the input) when one input runs longer than `limit`.
fn spawn_watchdog(current: Arc<Mutex<Current>>, limit: Duration, crashes: PathBuf) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(250));
        let c = current.lock().unwrap_or_else(|e| e.into_inner());
        if c.busy && c.started.elapsed() > limit {
            let p = save(&crashes, "hang", c.target, c.ext, &c.input, &format!("no result after {:?}", c.started.elapsed()));
            eprintln!("HANG: input ran longer than {limit:?}; saved to {}", p.display());
            std::process::exit(3);
        }
    });
}

#[derive(Default)]
struct Stats {
    execs: u64,
    outcomes: BTreeMap<String, u64>,
    crashes: u64,
    slow: u64,
    max_ms: f64,
    unique: HashMap<String, PathBuf>,
}

impl Stats {
    fn print(&self, target: &str, elapsed: Duration) {
        println!("== {target}: {} executions in {:.1} s ({:.0}/s)", self.execs, elapsed.as_secs_f64(), self.execs as f64 / elapsed.as_secs_f64());
        println!("   crashes (panics / property violations): {} ({} unique)", self.crashes, self.unique.len());
        for (msg, path) in &self.unique {
            println!("     - {msg}\n       input: {}", path.display());
        }
        println!("   slow inputs: {}, slowest: {:.1} ms", self.slow, self.max_ms);
        let outcomes: Vec<String> = self.outcomes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("   outcomes: {}", outcomes.join(" "));
    }
}

// ---------------------------------------------------------------- formula generator

const FUNCS: &[&str] = &[
    "SUM",
    "IF",
    "INDEX",
    "MATCH",
    "VLOOKUP",
    "XLOOKUP",
    "OFFSET",
    "INDIRECT",
    "LET",
    "LAMBDA",
    "MAP",
    "REDUCE",
    "SEQUENCE",
    "FILTER",
    "SORT",
    "UNIQUE",
    "CHOOSE",
    "IFERROR",
    "SUMPRODUCT",
    "AVERAGE",
    "COUNTIF",
    "SUMIFS",
    "TEXT",
    "CONCAT",
    "ROW",
    "COLUMN",
    "ROWS",
    "ISREF",
    "AND",
    "OR",
    "NOT",
    "MAX",
    "MIN",
    "ABS",
    "ROUND",
    "NPV",
    "IRR",
    "DATE",
    "NOW",
    "RAND",
    "HSTACK",
    "VSTACK",
    "TAKE",
    "DROP",
    "BYROW",
    "MAKEARRAY",
    "SWITCH",
    "IFS",
    "TRANSPOSE",
    "MMULT",
    "SINGLE",
    "ANCHORARRAY",
    "_xlfn.XLOOKUP",
    "_xlfn._xlws.SORT",
    "_xlfn.LET",
    "_xlpm.x",
    "BAHTTEXT",
    "NOSUCHFUNC",
    "GETPIVOTDATA",
    "CELL",
    "INFO",
    "AREAS",
    "HYPERLINK",
    "WEBSERVICE",
    "RTD",
    "CALL",
    "REGISTER.ID",
    "EVALUATE",
    "sum",
    "Sum",
];
const SHEETS: &[&str] = &["Sheet1", "Sheet2", "'My Sheet'", "'Sheet1:Sheet2'", "Sheet1:Sheet2", "Nope", "'It''s'", "[1]Sheet1", "'[2]x y'", "'Sheet1'"];
const NAMES: &[&str] = &["Rate", "Table", "Loop", "Local", "Bad", "Dyn", "Lam", "nope", "_xlnm.Print_Area", "TRUE", "FALSE", "A1B", "R1C1", "x", "_", "\\n"];
const ERRORS: &[&str] = &["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA", "#BLOCKED!", "#FIELD!"];
const BINOPS: &[&str] = &["+", "-", "*", "/", "^", "&", "=", "<>", "<", ">", "<=", ">=", " ", ":", ","];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "0.5",
    "1E+308",
    "1e308",
    "1E309",
    "2.2250738585072014E-308",
    "5E-324",
    "123456789012345678901234567890",
    ".5",
    "1.",
    "0x10",
    "1e",
    "4294967296",
    "1048576",
    "16384",
    "-0",
    "1%",
    "100%%",
];

fn gen_col(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => "XFD".into(),
        1 => "XFE".into(),
        2 => "AAAA".into(),
        _ => {
            let wide = rng.chance(4);
            let n = 1 + rng.below(if wide { 16384 } else { 30 });
            sheetc_core::address::column_name(n as u32 - 1)
        }
    }
}

fn gen_row(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => "1048576".into(),
        1 => "1048577".into(),
        2 => "0".into(),
        3 => "99999999999".into(),
        _ => {
            let tall = rng.chance(4);
            (1 + rng.below(if tall { 1_048_576 } else { 50 })).to_string()
        }
    }
}

fn gen_cell(rng: &mut Rng) -> String {
    let d1 = if rng.chance(3) { "$" } else { "" };
    let d2 = if rng.chance(3) { "$" } else { "" };
    let cell = format!("{d1}{}{d2}{}", gen_col(rng), gen_row(rng));
    if rng.chance(12) {
        format!("R{}C{}", rng.below(100), rng.below(100))
    } else {
        cell
    }
}

fn gen_ref(rng: &mut Rng) -> String {
    let base = match rng.below(7) {
        0 | 1 | 2 => gen_cell(rng),
        3 => format!("{}:{}", gen_cell(rng), gen_cell(rng)),
        4 => {
            let (a, b) = (gen_col(rng), gen_col(rng));
            format!("{a}:{b}")
        }
        5 => format!("{}:{}", gen_row(rng), gen_row(rng)),
        _ => format!("{}#", gen_cell(rng)),
    };
    let with_sheet = if rng.chance(3) { format!("{}!{base}", rng.pick(SHEETS)) } else { base };
    if rng.chance(15) {
        format!("@{with_sheet}")
    } else {
        with_sheet
    }
}

fn gen_string(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &["a", "\"\"", "'", "`", "${x}", "*/", "</script>", "\u{2028}", "\\", "é", "😀", "\u{0}", " ", "{", "}", "!", "#REF!"];
    let mut s = String::from("\"");
    for _ in 0..rng.below(5) {
        s.push_str(rng.pick(PIECES));
    }
    s.push('"');
    s
}

fn gen_array(rng: &mut Rng) -> String {
    let rows = 1 + rng.below(3);
    let cols = 1 + rng.below(3);
    let mut s = String::from("{");
    for r in 0..rows {
        if r > 0 {
            s.push(';');
        }
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push_str(match rng.below(4) {
                0 => rng.pick(NUMBERS),
                1 => "TRUE",
                2 => rng.pick(ERRORS),
                _ => "\"s\"",
            });
        }
    }
    s.push('}');
    s
}

fn gen_expr(rng: &mut Rng, depth: usize) -> String {
    let leaf = depth == 0 || rng.chance(3);
    if leaf {
        return match rng.below(9) {
            0 | 1 => rng.pick(NUMBERS).to_string(),
            2 => gen_string(rng),
            3 => rng.pick(&["TRUE", "FALSE", "true"]).to_string(),
            4 => rng.pick(ERRORS).to_string(),
            5 => rng.pick(NAMES).to_string(),
            6 => gen_array(rng),
            7 => match rng.below(4) {
                0 => "Table1[Col]".into(),
                1 => "Table1[[#This Row],[Col]]".into(),
                2 => "Table1[#All]".into(),
                _ => "[@Col]".into(),
            },
            _ => gen_ref(rng),
        };
    }
    match rng.below(10) {
        0 | 1 | 2 => {
            let f = rng.pick(FUNCS);
            let n = rng.below(5);
            let args: Vec<String> = (0..n).map(|_| if rng.chance(8) { String::new() } else { gen_expr(rng, depth - 1) }).collect();
            format!("{f}({})", args.join(","))
        }
        3 | 4 => format!("{}{}{}", gen_expr(rng, depth - 1), rng.pick(BINOPS), gen_expr(rng, depth - 1)),
        5 => format!("{}{}", rng.pick(&["-", "+", "--", "@"]), gen_expr(rng, depth - 1)),
        6 => format!("{}%", gen_expr(rng, depth - 1)),
        7 => format!("({})", gen_expr(rng, depth - 1)),
        8 => {
            let v = rng.pick(&["x", "y", "_xlpm.x", "a1", "SUM"]).to_string();
            if rng.chance(2) {
                format!("LET({v},{},{v}+{})", gen_expr(rng, depth - 1), gen_expr(rng, depth - 1))
            } else {
                format!("LAMBDA({v},{})({})", gen_expr(rng, depth - 1), gen_expr(rng, depth - 1))
            }
        }
        _ => format!("({},{})", gen_ref(rng), gen_ref(rng)),
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "\"",
    "'",
    "!",
    ":",
    "$",
    "#",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    " ",
    "@",
    "%",
    "^",
    "&",
    "=",
    "-",
    "\u{0}",
    "é",
    "😀",
    "\u{2028}",
    "\t",
    "\n",
    "A1",
    "XFD1048576",
    "SUM(",
    "LET(",
    "LAMBDA(",
    "_xlfn.",
    "#REF!",
    "1E+308",
    "\"\"",
    "''",
    "Sheet1!",
    "'My Sheet'!",
    "[1]",
    "#",
    "@",
    "..",
    "\\",
];

fn mutate_formula(rng: &mut Rng, corpus: &[String]) -> String {
    let mut b: Vec<u8> = rng.pick_ref(corpus).as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below(len - i).min(8);
                b.drain(i..i + n.min(len - i));
            }
            2 => {
                let i = rng.below(len + 1);
                let t = rng.pick(TOKENS).as_bytes().to_vec();
                b.splice(i..i, t);
            }
            3 if len > 1 => {
                let i = rng.below(len);
                let j = i + rng.below(len - i);
                let piece = b[i..=j.min(len - 1)].to_vec();
                let k = rng.below(len + 1);
                b.splice(k..k, piece);
            }
            4 => {
                // Splice with another corpus formula.
                let other = rng.pick_ref(corpus).as_bytes();
                let i = rng.below(len + 1);
                let j = rng.below(other.len() + 1);
                b.truncate(i);
                b.extend_from_slice(&other[j..]);
            }
            5 => {
                let e = gen_expr(rng, 2);
                let i = rng.below(len + 1);
                b.splice(i..i, e.into_bytes());
            }
            6 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.next() as u8;
            }
            _ => {
                // Wrap: deep nesting around the formula (near and over MAX_DEPTH).
                let depth = rng.pick(&[3usize, 100, 500, 1020, 1023, 1024, 1025, 2000]);
                let (open, close) = rng.pick(&[("(", ")"), ("-(", ")"), ("SUM(", ")"), ("IFERROR(", ",0)"), ("{", "}")]);
                let mut s = open.repeat(depth).into_bytes();
                s.extend_from_slice(&b);
                s.extend_from_slice(close.repeat(depth).as_bytes());
                b = s;
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn deep(rng: &mut Rng) -> String {
    let depth = rng.pick(&[1023usize, 1024, 1025, 4000, 10_000]);
    match rng.below(5) {
        0 => format!("{}1{}", "(".repeat(depth), ")".repeat(depth)),
        1 => format!("{}1", "-".repeat(depth)),
        2 => format!("{}1{}", "SUM(".repeat(depth), ")".repeat(depth)),
        3 => (0..depth).map(|i| format!("A{}", i + 1)).collect::<Vec<_>>().join("+"),
        _ => format!("1{}", "%".repeat(depth)),
    }
}

fn binding_workbook() -> Workbook {
    let sheet = |name: &str| Sheet { name: name.to_string(), ..Sheet::default() };
    let name = |n: &str, scope: Option<u32>, f: &str| DefinedName { name: n.into(), scope, formula: f.into(), hidden: false };
    Workbook {
        sheets: vec![sheet("Sheet1"), sheet("My Sheet"), sheet("Sheet2"), sheet("It's"), sheet("sheet1")],
        names: vec![
            name("Rate", None, "Sheet1!$A$1"),
            name("Table", None, "Sheet1!$A$1:$C$10"),
            name("Loop", None, "Loop+1"),
            name("Ping", None, "Pong"),
            name("Pong", None, "Ping"),
            name("Local", Some(1), "'My Sheet'!B2"),
            name("Bad", None, "((("),
            name("Dyn", None, "OFFSET(Sheet1!$A$1,1,1,2,2)"),
            name("Lam", None, "LAMBDA(x,x+1)"),
            name("SUM", None, "Sheet1!$B$1"),
            name("TRUE", None, "Sheet1!$B$2"),
            name("A1B", None, "Sheet1!$B$3"),
            name("Rel", None, "Sheet1!A1"),
            name("Whole", None, "Sheet1!$A:$XFD"),
            name("Ext", None, "[1]Sheet1!$A$1"),
        ],
        ..Workbook::default()
    }
}

/// The runtime's function facts and Excel's catalogue, as `scripts/dump-functions.ts`
/// writes them (`corpus/functions.json`).
fn function_table(root: &Path) -> (Vec<FunctionFacts>, Vec<String>) {
    let text = std::fs::read_to_string(root.join("corpus/functions.json")).unwrap_or_else(|_| "{}".into());
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let facts = serde_json::from_value(json["facts"].clone()).unwrap_or_default();
    let known = serde_json::from_value(json["known"].clone()).unwrap_or_default();
    (facts, known)
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).map(|s| s.lines().filter(|l| !l.is_empty()).map(String::from).collect()).unwrap_or_default()
}

fn run_formulas(secs: u64, seed: u64, root: &Path, replay: Option<Vec<u8>>) -> bool {
    let corpus = {
        let mut c = read_lines(&root.join("corpus/formulas.txt"));
        if c.is_empty() {
            c.push("SUM(A1:B2)".into());
        }
        c
    };
    let (facts, known) = function_table(root);
    let crashes = root.join("crashes");
    let current = Arc::new(Mutex::new(Current { target: "formulas", ext: "txt", input: Vec::new(), started: Instant::now(), busy: false }));
    spawn_watchdog(current.clone(), Duration::from_secs(10), crashes.clone());
    let cur = current.clone();
    let result = sheetc_core::with_big_stack(move || {
        let wb = binding_workbook();
        let table = FunctionTable::new(facts).with_catalogue(known);
        let mut binder = Binder::new(&wb, &table);
        let mut rng = Rng(seed);
        let mut stats = Stats::default();
        let start = Instant::now();
        let deadline = start + Duration::from_secs(secs);
        let mut replay = replay;
        while replay.is_some() || Instant::now() < deadline {
            let text = if let Some(r) = replay.take() {
                String::from_utf8_lossy(&r).into_owned()
            } else {
                match rng.below(10) {
                    0..=3 => {
                        let d = 1 + rng.below(6);
                        gen_expr(&mut rng, d)
                    }
                    4..=8 => mutate_formula(&mut rng, &corpus),
                    _ => {
                        if rng.chance(20) {
                            deep(&mut rng)
                        } else {
                            rng.pick_ref(&corpus).clone()
                        }
                    }
                }
            };
            let sheet = rng.below(wb.sheets.len() + 1) as u32; // one past the end too
            let sheet = sheet.min(wb.sheets.len() as u32 - 1);
            let (row, col) = match rng.below(4) {
                0 => (1_048_575, 16_383),
                1 => (0, 0),
                _ => (rng.below(1_048_576) as u32, rng.below(16_384) as u32),
            };
            {
                let mut c = cur.lock().unwrap();
                c.input = text.as_bytes().to_vec();
                c.started = Instant::now();
                c.busy = true;
            }
            let t = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let _ = shape_key(&text, row, col);
                match binder.parser().parse(&text) {
                    Err(e) => {
                        // Spans must lie inside the text (the report slices with them).
                        let stripped = text.strip_prefix('=').unwrap_or(&text);
                        assert!(
                            e.span.start <= e.span.end && e.span.end as usize <= stripped.len(),
                            "parse error span {:?} outside text of {} bytes",
                            e.span,
                            stripped.len()
                        );
                        format!("parse-{:?}", e.kind)
                    }
                    Ok(expr) => match binder.bind(&expr, sheet, row, col) {
                        Err(_) => "unsupported".into(),
                        Ok(b) => {
                            // As for a cell outside a run, so that the single-cell entry is generated too.
                            let code = codegen::shape_function("s0", &b, &table, true, codegen::Loops::SEVERAL);
                            let mut refs = 0;
                            visit_refs(&b, &mut |_| refs += 1);
                            visit_calls(&b, &mut |_| {});
                            // Branch functions (s0_1, ...) may precede the shape's own function.
                            assert!(code.source.contains("function s0(x,B,r,c)"));
                            assert_eq!(code.single, code.source.contains("s0.N=function(x,B,s,r,c)"));
                            "bound".into()
                        }
                    },
                }
            }));
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            cur.lock().unwrap().busy = false;
            stats.execs += 1;
            stats.max_ms = stats.max_ms.max(ms);
            match outcome {
                Ok(kind) => *stats.outcomes.entry(kind).or_default() += 1,
                Err(_) => {
                    let msg = take_panic();
                    stats.crashes += 1;
                    binder = Binder::new(&wb, &table);
                    let key = msg.split(" at ").last().unwrap_or(&msg).to_string();
                    if !stats.unique.contains_key(&key) {
                        let p = save(&crashes, "crash", "formulas", "txt", text.as_bytes(), &format!("{msg}\nsheet={sheet} row={row} col={col}\n"));
                        eprintln!("CRASH: {msg}\n  saved to {}", p.display());
                        stats.unique.insert(key, p);
                    }
                }
            }
            if ms > 1000.0 {
                stats.slow += 1;
                let p = save(&crashes, "slow", "formulas", "txt", text.as_bytes(), &format!("{ms:.0} ms\n"));
                eprintln!("SLOW: {ms:.0} ms, saved to {}", p.display());
            }
        }
        stats.print("formulas (parse + bind + codegen)", start.elapsed());
        stats.crashes == 0 && stats.slow == 0
    });
    result.unwrap_or(false)
}

// ---------------------------------------------------------------- xlsx target

type Parts = Vec<(String, Vec<u8>)>;

fn unzip(bytes: &[u8]) -> Option<Parts> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).ok()?;
        let name = f.name().ok()?.to_string();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).ok()?;
        out.push((name, buf));
    }
    Some(out)
}

fn rezip(parts: &Parts, rng: &mut Rng) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let method = if rng.chance(2) { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in parts {
        if w.start_file(name.as_str(), opts).is_err() {
            continue;
        }
        let _ = w.write_all(data);
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn seed_workbooks() -> Vec<Parts> {
    let ct = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let wbrels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>shared</t></si><si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r></si></sst>"#;
    let wb = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><sheets><sheet name="S" sheetId="1" r:id="rId1"/><sheet name="My &amp; Sheet" sheetId="2" r:id="rId2"/></sheets><definedNames><definedName name="Rate">S!$A$1</definedName><definedName name="Loc" localSheetId="1">'My &amp; Sheet'!$A$1:$B$2</definedName><definedName name="Loop">Loop+1</definedName></definedNames><calcPr calcId="191029" iterate="1" iterateCount="50" iterateDelta="0.001"/></workbook>"#;
    let s1 = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:D6"/><sheetData><row r="1"><c r="A1"><v>0.05</v></c><c r="B1"><f>A1*100</f><v>5</v></c><c r="C1" t="str"><f>"a"&amp;B1</f><v>a5</v></c><c r="D1"><f t="array" ref="D1:D3">A1:A3*2</f><v>0.1</v></c><c r="E1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" ref="B2:B5" si="0">A2+B1</f><v>7</v></c><c r="D2"><v>4</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="B3"><f t="shared" si="0"/><v>7</v></c><c r="D3" t="e"><v>#VALUE!</v></c></row><row r="4"><c r="B4"><f t="shared" si="0"/><v>7</v></c><c r="C4"><f>B4+C4</f><v>0</v></c></row><row r="5"><c r="B5"><f t="shared" si="0"/><v>7</v></c><c r="C5" t="b"><f>ISREF(Rate)</f><v>1</v></c></row><row r="6"><c r="A6"><f>SUM('My &amp; Sheet'!A1:B2)+Loc</f><v>3</v></c><c r="B6"><f>INDIRECT("A"&amp;A2)+OFFSET(A1,1,0)</f><v>4</v></c><c r="C6"><f>BAHTTEXT(1)</f><v>1</v></c></row></sheetData></worksheet>"#;
    let s2 = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>S!B1+A1</f><v>6</v></c></row><row r="2"><c r="A2"><f>LET(x,A1,x*2)</f><v>2</v></c><c r="B2"><f>_xlfn.SEQUENCE(2)</f><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><f>A1</f><v>1</v></c></row></sheetData></worksheet>"#;
    let parts = |sheets: &[&str]| -> Parts {
        let mut p: Parts = vec![
            ("[Content_Types].xml".into(), ct.as_bytes().to_vec()),
            ("_rels/.rels".into(), rels.as_bytes().to_vec()),
            ("xl/_rels/workbook.xml.rels".into(), wbrels.as_bytes().to_vec()),
            ("xl/workbook.xml".into(), wb.as_bytes().to_vec()),
            ("xl/sharedStrings.xml".into(), sst.as_bytes().to_vec()),
        ];
        for (i, s) in sheets.iter().enumerate() {
            p.push((format!("xl/worksheets/sheet{}.xml", i + 1), s.as_bytes().to_vec()));
        }
        p
    };
    vec![parts(&[s1, s2])]
}

fn corpus_workbooks(dir: &Path, max: usize) -> Vec<Parts> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "xlsx" || x == "xlsm") && e.metadata().is_ok_and(|m| m.len() < 16 * 1024) {
                files.push(p);
            }
        }
    }
    files.sort();
    let step = (files.len() / max.max(1)).max(1);
    files.iter().step_by(step).take(max).filter_map(|p| std::fs::read(p).ok()).filter_map(|b| unzip(&b)).collect()
}

const XML_TOKENS: &[&str] = &[
    "<",
    ">",
    "\"",
    "&amp;",
    "&#0;",
    "&#xFFFF;",
    "&bogus;",
    "]]>",
    "<![CDATA[x]]>",
    "<!--",
    "<?pi?>",
    "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    "<c r=\"XFD1048576\"><f>A1+1</f></c>",
    "<c r=\"A0\"><v>1</v></c>",
    "<c r=\"ZZZZ1\"><v>1</v></c>",
    "<c><v>1</v></c>",
    "<c r=\"B2\" t=\"s\"><v>999999</v></c>",
    "<c r=\"A1\" t=\"e\"><v>#BOGUS</v></c>",
    "<c r=\"A1\" t=\"b\"><v>7</v></c>",
    "<f t=\"shared\" si=\"99\"/>",
    "<f t=\"array\" ref=\"A1:B100000\">1</f>",
    "<f t=\"array\" ref=\"B2:A1\">1</f>",
    "<f t=\"shared\" ref=\"A1:XFD1048576\" si=\"0\">A1</f>",
    "<row r=\"0\">",
    "<row r=\"4294967296\">",
    "<row>",
    "</row>",
    "<sheet name=\"S\" sheetId=\"9\" r:id=\"rId1\"/>",
    "<sheet name=\"../../x\" sheetId=\"3\" r:id=\"rId2\"/>",
    "<definedName name=\"SUM\">S!$A$1</definedName>",
    "<definedName name=\"X\" localSheetId=\"99\">1</definedName>",
    "<definedName name=\"D\">D</definedName>",
    "Target=\"../../../etc/passwd\"",
    "Target=\"worksheets/sheet1.xml\"",
    "<dimension ref=\"A1:XFD1048576\"/>",
    "r=\"",
    "ref=\"",
    "1E+308",
    "-1",
    "99999999999",
    "NaN",
    "inf",
    "\u{0}",
    "é",
    "😀",
    "x:",
    "xmlns=\"\"",
    "iterate=\"1\" iterateCount=\"4294967295\"",
    "iterateCount=\"-1\"",
    "iterateDelta=\"NaN\"",
    "date1904=\"1\"",
];

fn mutate_xml(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(64)).min(len - i);
                data.drain(i..i + n);
            }
            2 | 3 => {
                let i = rng.below(len + 1);
                data.splice(i..i, rng.pick(XML_TOKENS).as_bytes().iter().copied());
            }
            4 => {
                // Replace a number with an extreme one.
                if let Some(i) = (0..8).map(|_| rng.below(len.max(1))).find(|&i| i < len && data[i].is_ascii_digit()) {
                    let j = (i..len).find(|&j| !data[j].is_ascii_digit()).unwrap_or(len);
                    let n = rng.pick(&["0", "1048576", "1048577", "16385", "4294967295", "18446744073709551616", "-5", "1e400"]);
                    data.splice(i..j, n.bytes());
                }
            }
            5 if len > 1 => {
                // Duplicate a slice (duplicate cells, rows, elements).
                let i = rng.below(len);
                let n = (1 + rng.below(200)).min(len - i);
                let piece = data[i..i + n].to_vec();
                let k = rng.below(len + 1);
                data.splice(k..k, piece);
            }
            _ => {
                // Put a generated formula into some <f>.
                let f = gen_expr(rng, 3).replace('&', "&amp;").replace('<', "&lt;");
                if let Some(pos) = find(data, b"<f>") {
                    data.splice(pos + 3..pos + 3, f.into_bytes());
                }
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn mutate_workbook(rng: &mut Rng, seeds: &[Parts]) -> Vec<u8> {
    let mut parts = rng.pick_ref(seeds).clone();
    match rng.below(13) {
        10..=12 => hostile_structure(rng, &mut parts),
        0 | 1 => {
            // Byte-level mutation of the zip itself.
            let mut z = rezip(&parts, rng);
            for _ in 0..1 + rng.below(8) {
                let len = z.len();
                if len == 0 {
                    break;
                }
                match rng.below(3) {
                    0 => {
                        let i = rng.below(len);
                        z[i] = rng.next() as u8;
                    }
                    1 => z.truncate(rng.below(len)),
                    _ => {
                        let i = rng.below(len);
                        z[i] ^= 0xFF;
                    }
                }
            }
            z
        }
        2 => {
            // Structural: drop, duplicate or rename a part.
            let i = rng.below(parts.len());
            match rng.below(3) {
                0 => {
                    parts.remove(i);
                }
                1 => {
                    let p = parts[i].clone();
                    parts.push(p);
                }
                _ => parts[i].0 = rng.pick(&["xl/workbook.bin", "content.xml", "xl/worksheets/../../x.xml", "/xl/workbook.xml", "XL/WORKBOOK.XML"]).to_string(),
            }
            rezip(&parts, rng)
        }
        _ => {
            // XML-level mutation of one or two parts, then re-zip.
            for _ in 0..1 + rng.below(2) {
                let xml: Vec<usize> = (0..parts.len()).filter(|&i| parts[i].0.ends_with(".xml") || parts[i].0.ends_with(".rels")).collect();
                if xml.is_empty() {
                    break;
                }
                let i = rng.pick(&xml);
                mutate_xml(rng, &mut parts[i].1);
            }
            rezip(&parts, rng)
        }
    }
}

// ---------------------------------------------------------------- hostile structures

/// The structure-level attacks of issue #16, each applied to a seed's parts: huge shared-
/// string counts in any quoting or place, UTF-16 parts, duplicate entries (exact and case
/// variants), huge cell text, absurd iteration settings, sheet names that differ only by
/// Unicode case mapping, and attributes re-quoted. Each can be combined with the XML-level
/// mutations.
fn hostile_structure(rng: &mut Rng, parts: &mut Parts) -> Vec<u8> {
    for _ in 0..1 + rng.below(2) {
        match rng.below(8) {
            0 => hostile_sst(rng, parts),
            1 => {
                let xml: Vec<usize> = (0..parts.len()).filter(|&i| parts[i].0.ends_with(".xml") || parts[i].0.ends_with(".rels")).collect();
                if !xml.is_empty() {
                    let i = rng.pick(&xml);
                    parts[i].1 = to_utf16(rng, &parts[i].1);
                }
            }
            2 => return duplicate_entry(rng, parts),
            3 => huge_text(rng, parts),
            4 => {
                let count = rng.pick(&["4294967295", "2147483648", "0", "-1", "32768", "1e9", "99999999999999999999", " 7 "]);
                let delta = rng.pick(&["NaN", "-1", "INF", "-INF", "1e308", "0", "-0", "abc"]);
                let calc = format!("<calcPr iterate=\"1\" iterateCount=\"{count}\" iterateDelta=\"{delta}\"/>");
                if let Some(wb) = parts.iter_mut().find(|p| p.0 == "xl/workbook.xml") {
                    let text = String::from_utf8_lossy(&wb.1).into_owned();
                    let text = match (text.find("<calcPr"), text.find("</workbook>")) {
                        (Some(a), _) => {
                            let b = text[a..].find("/>").map_or(text.len(), |b| a + b + 2);
                            format!("{}{calc}{}", &text[..a], &text[b..])
                        }
                        (None, Some(end)) => format!("{}{calc}{}", &text[..end], &text[end..]),
                        _ => text,
                    };
                    wb.1 = text.into_bytes();
                }
            }
            5 => {
                let (a, b) = rng.pick(&[("ı", "i"), ("İ", "i"), ("ß", "SS"), ("ẞ", "ß"), ("ς", "Σ"), ("σ", "ς"), ("Ａ", "ａ"), ("Ａ", "A"), ("ǅ", "ǆ")]);
                if let Some(wb) = parts.iter_mut().find(|p| p.0 == "xl/workbook.xml") {
                    let text = String::from_utf8_lossy(&wb.1)
                        .replace("name=\"S\" sheetId", &format!("name=\"{a}\" sheetId"))
                        .replace("name=\"My &amp; Sheet\"", &format!("name=\"{b}\""));
                    wb.1 = text.into_bytes();
                }
            }
            6 => {
                // Attributes in single quotes, with whitespace around `=`.
                let i = rng.below(parts.len());
                parts[i].1 = requote(&parts[i].1, rng.chance(2));
            }
            _ => {
                let i = rng.below(parts.len());
                if parts[i].0.ends_with(".xml") {
                    mutate_xml(rng, &mut parts[i].1);
                }
            }
        }
    }
    rezip(parts, rng)
}

/// A shared-string table announcing an absurd number of strings, in any quoting, with
/// whitespace around `=`, after a comment or beyond the first 4 KB.
fn hostile_sst(rng: &mut Rng, parts: &mut Parts) {
    let count = rng.pick(&["4294967295", "18446744073709551615", "99999999999999999999999", "100000000000", "2147483647"]);
    let attr = match rng.below(4) {
        0 => format!("uniqueCount='{count}'"),
        1 => format!("uniqueCount = \"{count}\""),
        2 => format!("uniqueCount\t=\n'{count}'"),
        _ => format!("uniqueCount=\"{count}\""),
    };
    let pad = if rng.chance(2) { format!("<!-- {} -->", "p".repeat(5000)) } else { String::new() };
    let late = if rng.chance(2) { format!(" a=\"{}\"", "q".repeat(5000)) } else { String::new() };
    let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{pad}<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"{late} {attr}><si><t>shared</t></si><si><t>two</t></si></sst>");
    match parts.iter_mut().find(|p| p.0 == "xl/sharedStrings.xml") {
        Some(p) => p.1 = xml.into_bytes(),
        None => parts.push(("xl/sharedStrings.xml".into(), xml.into_bytes())),
    }
}

/// A part re-encoded as UTF-16 (little- or big-endian, with or without a byte-order mark),
/// its declaration saying so.
fn to_utf16(rng: &mut Rng, xml: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(xml).replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
    let little = rng.chance(2);
    let mut out = Vec::with_capacity(text.len() * 2 + 2);
    if rng.chance(2) {
        out.extend_from_slice(if little { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
    }
    for u in text.encode_utf16() {
        out.extend_from_slice(&if little { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    if rng.chance(20) {
        out.pop();
    }
    out
}

/// A second entry for a part: its name in another case, or the very same name (written
/// under a stand-in of the same length, then renamed in the zip's headers).
fn duplicate_entry(rng: &mut Rng, parts: &mut Parts) -> Vec<u8> {
    let i = rng.below(parts.len());
    let (name, mut data) = parts[i].clone();
    if rng.chance(2) {
        mutate_xml(rng, &mut data);
    }
    if rng.chance(2) {
        let variant: String = name.chars().map(|c| if rng.chance(2) { c.to_ascii_uppercase() } else { c }).collect();
        let variant = if variant == name { name.to_ascii_uppercase() } else { variant };
        let k = rng.below(parts.len() + 1);
        parts.insert(k, (variant, data));
        return rezip(parts, rng);
    }
    let mut stand_in = name.clone();
    stand_in.pop();
    stand_in.push('\u{1}');
    parts.push((stand_in.clone(), data));
    let mut z = rezip(parts, rng);
    let (from, to) = (stand_in.as_bytes(), name.as_bytes());
    let mut at = 0;
    while let Some(p) = find(&z[at..], from) {
        z[at + p..at + p + from.len()].copy_from_slice(to);
        at += p + from.len();
    }
    z
}

/// A cell (or shared string) with more text than Excel allows in a cell, or far more.
fn huge_text(rng: &mut Rng, parts: &mut Parts) {
    let n = rng.pick(&[32_767usize, 32_768, 40_000, 1 << 20, 3 << 20]);
    let unit = rng.pick(&["x", "é", "😀", "&amp;"]);
    let text = unit.repeat(n / unit.chars().count().max(1));
    if rng.chance(2) {
        if let Some(sheet) = parts.iter_mut().find(|p| p.0 == "xl/worksheets/sheet1.xml") {
            let xml = String::from_utf8_lossy(&sheet.1).replacen("</row>", &format!("<c r=\"Z1\" t=\"inlineStr\"><is><t>{text}</t></is></c></row>"), 1);
            sheet.1 = xml.into_bytes();
        }
    } else if let Some(sst) = parts.iter_mut().find(|p| p.0 == "xl/sharedStrings.xml") {
        let runs = if rng.chance(2) { format!("<t>{text}</t>") } else { format!("<r><t>{text}</t></r>").repeat(2) };
        let xml = String::from_utf8_lossy(&sst.1).replacen("<si><t>shared</t></si>", &format!("<si>{runs}</si>"), 1);
        sst.1 = xml.into_bytes();
    }
}

/// Attribute values in single quotes (values holding `'` keep double quotes), and
/// optionally whitespace around `=`.
fn requote(xml: &[u8], spaces: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len() + xml.len() / 8);
    let (mut in_tag, mut in_value) = (false, false);
    let mut i = 0;
    while i < xml.len() {
        let b = xml[i];
        match b {
            b'<' if !in_value => in_tag = true,
            b'>' if !in_value => in_tag = false,
            b'=' if in_tag && !in_value && xml.get(i + 1) == Some(&b'"') => {
                let end = xml[i + 2..].iter().position(|&c| c == b'"').map(|p| i + 2 + p);
                if let Some(end) = end.filter(|&e| !xml[i + 2..e].contains(&b'\'')) {
                    out.extend_from_slice(if spaces { b" = '" } else { b"='" });
                    out.extend_from_slice(&xml[i + 2..end]);
                    out.push(b'\'');
                    i = end + 1;
                    continue;
                }
            }
            b'"' if in_tag => in_value = !in_value,
            _ => {}
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Where the xlsx target keeps the input being executed (see run.sh).
fn root_current(crashes: &Path) -> PathBuf {
    crashes.parent().unwrap_or(Path::new(".")).join("work").join("current.xlsx")
}

fn check_js(dir: &Path) -> Result<(), String> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| e.to_string())?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "js") && p.file_name().is_some_and(|n| n != "runtime.js") {
                let out = std::process::Command::new("node").arg("--check").arg(&p).output().map_err(|e| e.to_string())?;
                if !out.status.success() {
                    return Err(format!("node --check {} failed: {}", p.display(), String::from_utf8_lossy(&out.stderr)));
                }
            }
        }
    }
    Ok(())
}

/// The binary target's seeds: Excel's own `.xlsb` and `.xls` files (shared/corpus-formats).
fn binary_seeds(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "xlsb" || x == "xls")).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).filter(|b| b.len() < 200 * 1024).collect()
}

/// Flips, truncates, splices and lies about lengths in a binary workbook: for an `.xlsb`
/// inside its zip parts (the `.bin` records), for an `.xls` anywhere in the file (the
/// compound file's header, FAT and directory, and the BIFF8 records).
fn mutate_binary(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let seed = rng.pick_ref(seeds);
    let bytes_mutation = |rng: &mut Rng, data: &mut Vec<u8>| {
        for _ in 0..1 + rng.below(6) {
            let len = data.len();
            if len == 0 {
                break;
            }
            let i = rng.below(len);
            match rng.below(6) {
                0 => data[i] = rng.next() as u8,
                1 => data[i] ^= 1 << rng.below(8),
                2 => data.truncate(i),
                3 => {
                    // A length or count field made huge.
                    for k in 0..4.min(len - i) {
                        data[i + k] = 0xFF;
                    }
                    if i + 3 < len {
                        data[i + 3] = 0x7F;
                    }
                }
                4 => {
                    let n = (1 + rng.below(64)).min(len - i);
                    let piece = data[i..i + n].to_vec();
                    let k = rng.below(len);
                    data.splice(k..k, piece);
                }
                _ => {
                    let n = (1 + rng.below(32)).min(len - i);
                    data.drain(i..i + n);
                }
            }
        }
    };
    if let Some(mut parts) = seed.starts_with(b"PK").then(|| unzip(seed)).flatten() {
        let bins: Vec<usize> = (0..parts.len()).filter(|&i| parts[i].0.ends_with(".bin")).collect();
        if !bins.is_empty() {
            let i = rng.pick(&bins);
            bytes_mutation(rng, &mut parts[i].1);
        }
        return rezip(&parts, rng);
    }
    let mut data = seed.clone();
    bytes_mutation(rng, &mut data);
    data
}

fn run_xlsx(secs: u64, seed: u64, root: &Path, corpus: &Path, replay: Option<Vec<u8>>) -> bool {
    run_workbooks(secs, seed, root, corpus, replay, false)
}

fn run_workbooks(secs: u64, seed: u64, root: &Path, corpus: &Path, replay: Option<Vec<u8>>, binary: bool) -> bool {
    let (facts, known) = function_table(root);
    let crashes = root.join("crashes");
    let mut seeds = seed_workbooks();
    let raw_seeds = if binary { binary_seeds(&corpus.with_file_name("corpus-formats")) } else { Vec::new() };
    if binary && raw_seeds.is_empty() {
        eprintln!("no .xlsb/.xls seeds beside {}", corpus.display());
        return false;
    }
    if !binary {
        seeds.extend(corpus_workbooks(corpus, 40));
    }
    let work = std::env::temp_dir().join(format!("sheetc-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("temp dir");
    let _ = std::fs::create_dir_all(root.join("work"));
    let current = Arc::new(Mutex::new(Current { target: "xlsx", ext: "xlsx", input: Vec::new(), started: Instant::now(), busy: false }));
    spawn_watchdog(current.clone(), Duration::from_secs(30), crashes.clone());
    let node_ok = std::process::Command::new("node").arg("--version").output().is_ok();
    let cur = current.clone();
    let work2 = work.clone();
    let result = sheetc_core::with_big_stack(move || {
        let work = work2;
        let mut rng = Rng(seed);
        let mut stats = Stats::default();
        println!("{} seeds: {}", if binary { "binary" } else { "xlsx" }, if binary { raw_seeds.len() } else { seeds.len() });
        let start = Instant::now();
        let deadline = start + Duration::from_secs(secs);
        let input_path = work.join("in.xlsx");
        let out_dir = work.join("engine");
        let mut replay = replay;
        let mut checked = 0u64;
        while replay.is_some() || Instant::now() < deadline {
            let bytes = replay.take().unwrap_or_else(|| if binary { mutate_binary(&mut rng, &raw_seeds) } else { mutate_workbook(&mut rng, &seeds) });
            std::fs::write(&input_path, &bytes).expect("write input");
            // Kept until the next input: run.sh files it under crashes/ if the process dies (e.g. out of memory).
            let _ = std::fs::write(root_current(&crashes), &bytes);
            let _ = std::fs::remove_dir_all(&out_dir);
            let strict = rng.chance(10);
            // Profiles with declared inputs build without the runtime's values when nothing folds.
            let with_inputs = rng.chance(6);
            let mut opts = BuildOptions {
                compile: CompileOptions {
                    out_dir: out_dir.clone(),
                    functions: facts.clone(),
                    known_functions: known.clone(),
                    user_functions: Vec::new(),
                    function_notes: Vec::new(),
                    runtime_js: None,
                    strict,
                    lazy: rng.chance(4),
                    max_module_bytes: if rng.chance(4) { Some(1 + rng.below(4096) as u64) } else { None },
                    // Profiles that need no folding (outputs only, or inputs with no_fold):
                    // folding needs the runtime's values.
                    inputs: if with_inputs { Some(vec!["Sheet1!A1:B2".to_string()]) } else { None },
                    outputs: if rng.chance(4) { Some(vec!["Sheet1!A1:C9".to_string()]) } else { None },
                    fold_values: None,
                    fold_values_gate: None,
                    no_fold: with_inputs,
                    fold_plan: None,
                    report_data_out: None,
                    read_ms: 0.0,
                    staged: false,
                    analysis_cache: None,
                },
                limits: Limits { max_uncompressed_bytes: 64 << 20, max_cells: 2_000_000 },
                cached_values_out: None,
            };
            {
                let mut c = cur.lock().unwrap();
                c.input = bytes.clone();
                c.started = Instant::now();
                c.busy = true;
            }
            let t = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| sheetc::compile_file(&input_path, &mut opts, &|_, _, _| {}, &|| false)));
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            cur.lock().unwrap().busy = false;
            stats.execs += 1;
            stats.max_ms = stats.max_ms.max(ms);
            let mut violation: Option<String> = None;
            let leftovers: Vec<String> = std::fs::read_dir(&work)
                .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.contains("sheetc-tmp")).collect())
                .unwrap_or_default();
            match &outcome {
                Ok(Ok(report)) => {
                    *stats.outcomes.entry("ok".into()).or_default() += 1;
                    if !out_dir.join("engine.js").is_file() || !out_dir.join("manifest.json").is_file() {
                        violation = Some("build succeeded without engine.js/manifest.json".into());
                    } else if node_ok && (checked < 20 || rng.chance(25)) {
                        checked += 1;
                        if let Err(e) = check_js(&out_dir) {
                            violation = Some(format!("generated JavaScript does not parse: {e}"));
                        }
                    }
                    let _ = report;
                }
                Ok(Err(e)) => {
                    *stats.outcomes.entry(e.code.as_str().into()).or_default() += 1;
                    if out_dir.exists() {
                        violation = Some(format!("failed build ({}) left an output directory", e.code.as_str()));
                    }
                    if e.code == sheetc_core::ErrorCode::Io {
                        // The input and output are ours and writable: E_IO means a damaged
                        // zip was classified as an I/O failure.
                        *stats.outcomes.entry(format!("E_IO({})", e.message.chars().take(60).collect::<String>())).or_default() += 1;
                    }
                }
                Err(_) => {}
            }
            if !leftovers.is_empty() {
                violation = Some(format!("temporary output left behind: {leftovers:?}"));
                for l in &leftovers {
                    let _ = std::fs::remove_dir_all(work.join(l));
                }
            }
            let failure = match outcome {
                Err(_) => Some(take_panic()),
                Ok(_) => violation,
            };
            if let Some(msg) = failure {
                stats.crashes += 1;
                let key = msg.split(" at ").last().unwrap_or(&msg).chars().take(120).collect::<String>();
                if !stats.unique.contains_key(&key) {
                    let p = save(&crashes, "crash", "xlsx", "xlsx", &bytes, &format!("{msg}\n"));
                    eprintln!("CRASH: {msg}\n  saved to {}", p.display());
                    stats.unique.insert(key, p);
                }
            }
            if ms > 5000.0 {
                stats.slow += 1;
                let p = save(&crashes, "slow", "xlsx", "xlsx", &bytes, &format!("{ms:.0} ms\n"));
                eprintln!("SLOW: {ms:.0} ms, saved to {}", p.display());
            }
        }
        stats.print("xlsx (read + compile)", start.elapsed());
        println!("   engines syntax-checked with node --check: {checked}");
        stats.crashes == 0 && stats.slow == 0
    });
    let _ = std::fs::remove_dir_all(&work);
    result.unwrap_or(false)
}

fn main() {
    install_panic_hook();
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
    let mut corpus = PathBuf::from("/work/shared/corpus");
    let mut i = 3;
    while i < args.len() {
        match args[i].as_str() {
            "--seed" => {
                seed = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(seed);
                i += 1;
            }
            "--corpus" => {
                corpus = args.get(i + 1).map(PathBuf::from).unwrap_or(corpus);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let target = args.get(1).map(String::as_str).unwrap_or("");
    let ok = match target {
        "binary" => {
            let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
            println!("target binary (.xlsb, .xls), {secs} s, seed {seed}");
            run_workbooks(secs, seed, &root, &corpus, None, true)
        }
        "formulas" | "xlsx" => {
            let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
            println!("target {target}, {secs} s, seed {seed}");
            if target == "formulas" {
                run_formulas(secs, seed, &root, None)
            } else {
                run_xlsx(secs, seed, &root, &corpus, None)
            }
        }
        "replay" => {
            let file = PathBuf::from(args.get(2).expect("replay <file>"));
            let bytes = std::fs::read(&file).expect("read input");
            let is_zip = bytes.starts_with(b"PK") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || file.extension().is_some_and(|e| e == "xlsx");
            if is_zip {
                run_xlsx(0, seed, &root, &corpus, Some(bytes))
            } else {
                run_formulas(0, seed, &root, Some(bytes))
            }
        }
        _ => {
            eprintln!("usage: sheetc-fuzz <formulas|xlsx|binary> <seconds> [--seed N] [--corpus DIR] | replay <file>");
            std::process::exit(2);
        }
    };
    std::process::exit(if ok { 0 } else { 1 });
}
