//! Emit stage: JavaScript, streamed.
//!
//! One module per row band of a sheet (`modules.rs`). A module holds the band's constants,
//! the list of its computed cells, the shape functions its cells use, and *segments*: runs
//! of cells in the global evaluation order. `engine.js` (from `templates/`) holds the spec
//! (`spec.rs`) and lists the segments in order, so evaluation follows the dependency graph
//! across modules. Consecutive cells of one shape down a column or along a row become one
//! loop. A lazy engine also gets its unit index (`lazy_index.rs`), an eager one the index of
//! its incremental runs (`incremental_index.rs`); every engine gets its types (`dts.rs`).

mod dts;
mod incremental_index;
mod lazy_index;
mod modules;
pub mod spec;

use std::fs;
use std::path::Path;

use crate::error::{ErrorCode, Result, SheetcError};
use crate::plan::EnginePlan;
use crate::report::BuildReport;

use modules::io;
use spec::EngineSpec;

const ENGINE: &str = include_str!("templates/engine.js");
const LAZY_ENGINE: &str = include_str!("templates/engine.lazy.js");
const PACKAGE_JSON: &str = include_str!("templates/package.json");

pub struct EmitStats {
    pub modules: usize,
    pub bytes: u64,
    pub segments: usize,
    /// Size of the largest module file.
    pub largest_module_bytes: u64,
}

/// A template with its placeholders (each present once) replaced.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (placeholder, text) in parts {
        debug_assert!(out.contains(placeholder), "template placeholder {placeholder} missing");
        out = out.replacen(placeholder, text, 1);
    }
    out
}

fn cancelled_err() -> SheetcError {
    SheetcError::new(ErrorCode::Cancelled, "the build was cancelled")
}

/// Emits the engine into `dir` (which must exist and be empty).
pub fn emit(input: &EnginePlan<'_>, dir: &Path, cancelled: &dyn Fn() -> bool) -> Result<EmitStats> {
    let modules_dir = dir.join("modules");
    fs::create_dir_all(&modules_dir).map_err(io)?;
    let layout = input.layout;

    // Segment index within its module, and the global order.
    let module_count = layout.modules.len();
    let mut per_module: Vec<Vec<usize>> = vec![Vec::new(); module_count];
    let mut order: Vec<(u32, usize)> = Vec::with_capacity(layout.segments.len());
    for (i, seg) in layout.segments.iter().enumerate() {
        let list = &mut per_module[seg.module as usize];
        order.push((seg.module, list.len()));
        list.push(i);
    }
    if cancelled() {
        return Err(cancelled_err());
    }
    let late_from = modules::first_dynamic_segment(input);
    // Modules are independent files: written on all cores.
    use rayon::prelude::*;
    let sizes: Vec<Result<u64>> =
        layout.modules.par_iter().enumerate().map(|(m, band)| modules::write_module(input, &modules_dir, m, band, &per_module[m], late_from)).collect();
    let (mut bytes, mut largest) = (0u64, 0u64);
    for size in sizes {
        let size = size?;
        bytes += size;
        largest = largest.max(size);
    }
    if cancelled() {
        return Err(cancelled_err());
    }

    // engine.js: the spec and the module list.
    let spec = EngineSpec::of(input, &order, &layout.modules).to_js();
    let engine = if input.lazy {
        let index = lazy_index::lazy_index(input, &order);
        fs::write(dir.join("index.bin"), &index).map_err(io)?;
        bytes += index.len() as u64;
        let loaders: Vec<String> = (0..module_count).map(|m| format!("()=>import('./modules/m{m}.js')")).collect();
        fill(LAZY_ENGINE, &[("/*SPEC*/", &spec), ("/*LOADERS*/", &loaders.join(",\n"))])
    } else {
        let deps = incremental_index::deps_module(&incremental_index::incremental_index(input));
        fs::write(modules_dir.join("deps.js"), &deps).map_err(io)?;
        bytes += deps.len() as u64;
        let mut imports: String = (0..module_count).map(|m| format!("import * as m{m} from './modules/m{m}.js';\n")).collect();
        imports.push_str("import deps from './modules/deps.js';\n");
        let names: Vec<String> = (0..module_count).map(|m| format!("m{m}")).collect();
        fill(ENGINE, &[("/*IMPORTS*/\n", &imports), ("/*SPEC*/", &spec), ("/*MODULES*/", &names.join(","))])
    };
    fs::write(dir.join("engine.js"), &engine).map_err(io)?;
    bytes += engine.len() as u64;
    fs::write(dir.join("engine.d.ts"), dts::engine_dts(input)).map_err(io)?;
    // Marks the directory's .js files as ES modules for every Node version.
    fs::write(dir.join("package.json"), PACKAGE_JSON).map_err(io)?;

    Ok(EmitStats { modules: module_count, bytes, segments: layout.segments.len(), largest_module_bytes: largest })
}

/// `manifest.json`: the build report, beside the engine.
pub fn write_manifest(dir: &Path, report: &BuildReport) -> Result<()> {
    let manifest = serde_json::to_string_pretty(report).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
    fs::write(dir.join("manifest.json"), manifest).map_err(|e| SheetcError::io("writing manifest.json", e))
}

/// The what-if files of an engine: `labels.json` (what a reader sees beside each cell, for
/// find and explain) and `explain.json` (formulas and precedents per shape).
pub fn write_what_if(dir: &Path, labels: Option<&impl serde::Serialize>, explain: Option<&impl serde::Serialize>) -> Result<()> {
    if let Some(l) = labels {
        write_json(dir, "labels.json", l)?;
    }
    if let Some(e) = explain {
        write_json(dir, "explain.json", e)?;
    }
    Ok(())
}

/// A JSON file beside the engine (`labels.json`, `explain.json`: read by the what-if
/// tools, never by the engine), compact. Written with the spec's JavaScript-safe escapes
/// (`<` as `\u003c`...): it carries workbook text, and an engine directory may be served
/// or inlined where `</script>` would end a script.
pub fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> Result<()> {
    let file = fs::File::create(dir.join(name)).map_err(|e| SheetcError::io(&format!("writing {name}"), e))?;
    let mut w = std::io::BufWriter::new(file);
    let mut ser = serde_json::Serializer::with_formatter(&mut w, spec::JsFormatter);
    value.serialize(&mut ser).map_err(|e| SheetcError::new(ErrorCode::Io, format!("writing {name}: {e}")))?;
    std::io::Write::flush(&mut w).map_err(|e| SheetcError::io(&format!("writing {name}"), e))
}
