//! sheetc compiler core: a [`model::Workbook`] in, a JavaScript calculation engine out.
//!
//! Pure: no zip, no XML (the reader is `sheetc-xlsx`). [`compile::compile_workbook`] is
//! the table of contents; each stage is one module under [`stages`], called in order:
//!
//! [`stages::partition`] → [`stages::shapes`] (parse + bind, once per shape) →
//! [`stages::backfill`] and [`stages::formula_text`] → [`stages::schedule`] (graph and
//! evaluation order) → [`stages::names`] → [`stages::profile`] (optional) →
//! [`stages::assemble`] → [`stages::number_formats`] → [`stages::layout`] → [`stages::emit`] →
//! [`stages::output`].
//!
//! Shared vocabulary: [`model`] (the workbook), [`address`] (A1, rectangles), [`plan`]
//! (what stages decide and emission writes), [`report`] (the build report),
//! [`functions`] (the runtime's function facts), [`error`]. The formula front end:
//! [`parse`] (tree-sitter) → [`ast`] → [`shape`] (shape keys) → [`bind`]; then
//! [`graph`] (dependency graph, Tarjan) and [`codegen`]/[`js`] (JavaScript).

pub mod address;
pub mod ast;
pub mod bind;
pub mod codegen;
pub mod compile;
pub mod error;
pub mod functions;
pub(crate) mod graph;
pub(crate) mod js;
pub mod model;
pub mod parse;
pub(crate) mod plan;
pub mod report;
pub mod shape;
pub(crate) mod stages;

pub use compile::{compile_workbook, Analysis, AnalysisCache, AnalysisKey, CompileOptions, FoldValuesGate};
pub use error::{ErrorCode, SheetcError};
pub use functions::{ArgumentTest, ArgumentTestKind, CallRestriction, FunctionFacts};
pub use model::{Limits, Workbook};
pub use report::BuildReport;
pub use stages::output::{check_out_dir, replace_dir, temp_sibling};
pub use stages::Progress;

/// Stack size for the compile thread. Formulas nest up to `parse::MAX_DEPTH` levels
/// and the bind/codegen stages recurse over them; a dedicated thread with a generous
/// stack makes that safe on any host thread (libuv's pool threads are small).
pub const COMPILE_STACK_BYTES: usize = 256 << 20;

/// Runs `f` on a thread with a stack of `COMPILE_STACK_BYTES`.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::thread::Result<T> {
    std::thread::Builder::new()
        .name("sheetc-compile".into())
        .stack_size(COMPILE_STACK_BYTES)
        .spawn(f)
        .map_err(|e| Box::new(e.to_string()) as Box<dyn std::any::Any + Send>)?
        .join()
}

/// Test helper: a deterministic xorshift generator, `next(m)` in `0..m` (no dependency,
/// same sequence on every run).
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut(u32) -> u32 {
    move |m: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as u32
    }
}

/// A generated TypeScript file: a header naming its source, then each declaration exported.
#[cfg(test)]
pub(crate) fn generated_file(source: &str, decls: &[String]) -> String {
    let mut out =
        format!("// Generated from {source} by its tests; do not edit.\n// Regenerate: SHEETC_UPDATE_TYPES=1 cargo test -p sheetc-core generated_types\n");
    for d in decls {
        out.push_str("\nexport ");
        out.push_str(d);
        out.push('\n');
    }
    out
}

/// The TypeScript types generated from Rust (`ts/generated/`) match the Rust types: the
/// build report's and the engine spec's. `SHEETC_UPDATE_TYPES=1` rewrites them.
#[cfg(test)]
mod generated_types {
    fn check(file: &str, text: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ts/generated").join(file);
        if std::env::var_os("SHEETC_UPDATE_TYPES").is_some() {
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("create ts/generated");
            std::fs::write(&path, text).expect("write the generated types");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is out of date with the Rust types: run SHEETC_UPDATE_TYPES=1 cargo test -p sheetc-core generated_types and commit it",
            path.display()
        );
    }

    #[test]
    fn generated_types_match_the_rust_types() {
        check("report.ts", &crate::report::typescript_declarations());
        check("spec.ts", &crate::stages::emit::spec::typescript_declarations());
        check("report-data.ts", &crate::stages::report_data::typescript_declarations());
    }
}

/// The modules import each other in one direction only: no cycle among them (the
/// pipeline's data flows one way). Read from the sources, tests excluded.
#[cfg(test)]
mod module_graph {
    use std::collections::{BTreeMap, BTreeSet};

    /// `stages/shapes.rs` → `stages::shapes`; `stages/mod.rs` → `stages`.
    fn module_of(rel: &str) -> String {
        rel.trim_end_matches(".rs").trim_end_matches("/mod").replace('/', "::")
    }

    fn imports(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        let mut out = BTreeSet::new();
        for (i, _) in code.match_indices("crate::") {
            let path: String = code[i + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            // The longest module path the reference starts with.
            for n in (1..=segments.len()).rev() {
                let candidate = segments[..n].join("::");
                if modules.contains(&candidate) {
                    out.insert(candidate);
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn modules_import_each_other_without_cycles() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut stack = vec![src.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read src").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") && p.file_name().is_some_and(|n| n != "lib.rs") {
                    files.push(p);
                }
            }
        }
        let rel = |p: &std::path::Path| p.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        let modules: BTreeSet<String> = files.iter().map(|p| module_of(&rel(p))).collect();
        let graph: BTreeMap<String, BTreeSet<String>> = files
            .iter()
            .map(|p| {
                let m = module_of(&rel(p));
                let mut deps = imports(&std::fs::read_to_string(p).expect("read"), &modules);
                deps.remove(&m);
                (m, deps)
            })
            .collect();
        assert!(graph.contains_key("stages::shapes") && graph["stages::shapes"].contains("plan"), "the scan sees imports");
        // Depth-first search for a back edge.
        fn visit(m: &str, graph: &BTreeMap<String, BTreeSet<String>>, state: &mut BTreeMap<String, u8>, path: &mut Vec<String>) -> Option<Vec<String>> {
            match state.get(m) {
                Some(2) => return None,
                Some(1) => {
                    let start = path.iter().position(|x| x == m).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(m.to_string());
                    return Some(cycle);
                }
                _ => {}
            }
            state.insert(m.to_string(), 1);
            path.push(m.to_string());
            for d in graph.get(m).into_iter().flatten() {
                if let Some(c) = visit(d, graph, state, path) {
                    return Some(c);
                }
            }
            path.pop();
            state.insert(m.to_string(), 2);
            None
        }
        let mut state = BTreeMap::new();
        for m in graph.keys() {
            if let Some(cycle) = visit(m, &graph, &mut state, &mut Vec::new()) {
                panic!("modules import each other in a cycle: {}", cycle.join(" → "));
            }
        }
    }
}
