//! Emit stage: JavaScript modules, streamed.
//!
//! One module per partition (sheet). A module holds the sheet's constants, the list of
//! its computed cells, the shape functions its cells use, and *segments*: runs of
//! cells in the global evaluation order. `engine.js` lists the segments in order, so
//! evaluation follows the dependency graph across modules. Each module is written the
//! moment it is generated and dropped. Consecutive cells of one shape down a column or
//! along a row become one loop.

use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::address::column_name;
use crate::bind::visit_calls;
use crate::codegen;
use crate::error::{ErrorCode, Result, SheetcError};
use crate::js;
use crate::model::Value;
use crate::plan::{DeclaredPlan, EnginePlan, Node, SheetPlan};
use crate::report::BuildReport;
use crate::stages::layout::statement_runs;

pub struct EmitStats {
    pub modules: usize,
    pub bytes: u64,
    pub segments: usize,
    /// Size of the largest module file.
    pub largest_module_bytes: u64,
}

fn value_literal(v: &Value) -> String {
    match v {
        Value::Empty => "null".into(),
        Value::Number(n) => js::number(*n),
        Value::Text(s) => js::string(s),
        Value::Bool(b) => b.to_string(),
        Value::Error(k) => format!("{{e:{}}}", js::string(k.as_str())),
    }
}

fn io(e: std::io::Error) -> SheetcError {
    SheetcError::io("writing the engine", e)
}

/// Writes the statements evaluating `nodes` (in order), grouping runs into loops
/// (the statement boundaries are `layout::statement_runs`).
fn cell_statements(out: &mut String, nodes: &[u32], all: &[Node], shape_names: &HashMap<u32, String>) {
    let mut current_sheet = u32::MAX;
    for (i, j) in statement_runs(nodes, all) {
        let n = all[nodes[i] as usize];
        if n.sheet != current_sheet {
            out.push_str(&format!("x.sheet={};", n.sheet));
            current_sheet = n.sheet;
        }
        let f = &shape_names[&n.shape];
        if let Some((r1, c1)) = n.array_end {
            out.push_str(&format!(
                "x.row={r};x.col={c};x.array=true;R.spill(x,{s},{r},{c},{r1},{c1},{f}(x,B,{r},{c}){d});x.array=false;\n",
                r = n.row,
                c = n.col,
                s = n.sheet,
                d = if n.dynamic_array { ",true" } else { "" }
            ));
            continue;
        }
        if j - i >= 3 {
            // The shape's run function (codegen::shape_function), down the column or along the row.
            let vertical = all[nodes[i + 1] as usize].row != n.row;
            out.push_str(&format!("{f}.L(x,B,{s},{r},{c},{count},{v});\n", s = n.sheet, r = n.row, c = n.col, count = j - i, v = vertical as u8));
            continue;
        }
        out.push_str(&format!("x.row={r};x.col={c};B[{s}].set({r},{c},R.fin({f}(x,B,{r},{c}),x));\n", r = n.row, c = n.col, s = n.sheet));
    }
}

/// The first segment, in evaluation order, holding a cell with computed references
/// (OFFSET, INDIRECT): from it on, a cell may be read by a computed reference before
/// the order reaches it (every cell before it is computed before any such reference is
/// made). `segments.len()` when there is none.
fn first_dynamic_segment(input: &EnginePlan<'_>) -> usize {
    let dynamic: Vec<bool> = input
        .shapes
        .iter()
        .map(|b| {
            let mut d = false;
            visit_calls(b, &mut |name| d |= input.functions.is_dynamic_reference(name));
            d
        })
        .collect();
    let segments = &input.layout.segments;
    segments.iter().position(|seg| seg.nodes.iter().any(|&n| dynamic[input.nodes[n as usize].shape as usize])).unwrap_or(segments.len())
}

/// `late` and `lateFns`: the module's cells from the first segment with computed
/// references on (see `first_dynamic_segment`), as runs `[sheet, row, col, count,
/// vertical, fn]` with their shape functions, so that the runtime can compute one on
/// demand when a computed reference reads it before the order reaches it (runtime
/// demand.ts). Array formulas and circular clusters are left to the order. Nothing is
/// written for a module with none (engines without computed references are unchanged).
fn write_late(w: &mut impl Write, segments: &[usize], late_from: usize, input: &EnginePlan<'_>, shape_names: &HashMap<u32, String>) -> Result<()> {
    let mut runs: Vec<[u32; 6]> = Vec::new();
    let mut fns: Vec<&str> = Vec::new();
    for &p in segments.iter().filter(|&&p| p >= late_from) {
        let seg = &input.layout.segments[p];
        if seg.cluster {
            continue;
        }
        for (i, j) in statement_runs(&seg.nodes, input.nodes) {
            let n = input.nodes[seg.nodes[i] as usize];
            if n.array_end.is_some() {
                continue;
            }
            let vertical = j - i > 1 && input.nodes[seg.nodes[i + 1] as usize].row != n.row;
            let name = shape_names[&n.shape].as_str();
            let f = match fns.iter().position(|&x| x == name) {
                Some(f) => f,
                None => {
                    fns.push(name);
                    fns.len() - 1
                }
            };
            runs.push([n.sheet, n.row, n.col, (j - i) as u32, vertical as u32, f as u32]);
        }
    }
    if runs.is_empty() {
        return Ok(());
    }
    w.write_all(b"export const late=[").map_err(io)?;
    for (k, r) in runs.iter().enumerate() {
        if k > 0 {
            w.write_all(if k % 64 == 0 { b",\n" } else { b"," }).map_err(io)?;
        }
        write!(w, "{},{},{},{},{},{}", r[0], r[1], r[2], r[3], r[4], r[5]).map_err(io)?;
    }
    writeln!(w, "];\nexport const lateFns=[{}];", fns.join(",")).map_err(io)
}

/// Run-length encodes cells as (row, col, count, vertical), choosing the direction with fewer runs.
fn formula_runs(cells: &[(u32, u32)]) -> Vec<(u32, u32, u32, bool)> {
    fn runs(sorted: &[(u32, u32)], vertical: bool) -> Vec<(u32, u32, u32, bool)> {
        let mut out: Vec<(u32, u32, u32, bool)> = Vec::new();
        for &(r, c) in sorted {
            if let Some(last) = out.last_mut() {
                let extends = if vertical { last.1 == c && last.0 + last.2 == r } else { last.0 == r && last.1 + last.2 == c };
                if extends {
                    last.2 += 1;
                    continue;
                }
            }
            out.push((r, c, 1, vertical));
        }
        out
    }
    let mut by_row = cells.to_vec();
    by_row.sort_unstable();
    by_row.dedup();
    let mut by_col = by_row.clone();
    by_col.sort_unstable_by_key(|&(r, c)| (c, r));
    let h = runs(&by_row, false);
    let v = runs(&by_col, true);
    if v.len() < h.len() {
        v
    } else {
        h
    }
}

/// `Sheet!A1` (quoted when the sheet name needs it), as `run()` and `get()` accept it.
fn reference(sheet: &str, r0: u32, c0: u32, r1: u32, c1: u32) -> String {
    let plain = sheet.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') && !sheet.starts_with(|ch: char| ch.is_ascii_digit());
    let sheet = if plain { sheet.to_string() } else { format!("'{}'", sheet.replace('\'', "''")) };
    let cell = |r: u32, c: u32| format!("{}{}", column_name(c), r + 1);
    if (r0, c0) == (r1, c1) {
        format!("{sheet}!{}", cell(r0, c0))
    } else {
        format!("{sheet}!{}:{}", cell(r0, c0), cell(r1, c1))
    }
}

/// Ranges up to this many cells also get one key per cell in `engine.d.ts`.
const MAX_TYPED_CELLS: u64 = 256;

/// The keys a declared input or output is known by: as declared, its name, its
/// reference, and the reference of each of its cells (small ranges).
fn declared_keys(d: &DeclaredPlan, sheets: &[SheetPlan<'_>]) -> Vec<(String, bool)> {
    let r = d.rect;
    let name = sheets.get(r.sheet as usize).map_or("", |s| s.name);
    let is_range = (r.r0, r.c0) != (r.r1, r.c1);
    let mut keys = vec![(d.reference.clone(), is_range), (reference(name, r.r0, r.c0, r.r1, r.c1), is_range)];
    if let Some(n) = &d.name {
        keys.push((n.clone(), is_range));
    }
    let cells = (r.r1 - r.r0 + 1) as u64 * (r.c1 - r.c0 + 1) as u64;
    if is_range && cells <= MAX_TYPED_CELLS {
        for row in r.r0..=r.r1 {
            for col in r.c0..=r.c1 {
                keys.push((reference(name, row, col, row, col), false));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.0.clone()));
    keys
}

/// `engine.d.ts`: the engine's API, typed by its declared inputs and outputs when it
/// has a profile (`run(inputs: Partial<Inputs>)`, `get` narrowed to the outputs).
fn engine_dts(input: &EnginePlan<'_>) -> String {
    let mut d = String::from("// Generated by sheetc.\nexport type CellValue = number | string | boolean | null | { readonly code: string };\nexport type JsonValue = number | string | boolean | null | { error: string };\nexport type InputValue = number | string | boolean | null | Date | InputValue[][];\nexport interface RunOptions { now?: Date | number; random?: () => number }\nexport interface RunMeta { converged: boolean; iterations: number; elapsedMs: number; stale: string[] }\n");
    match &input.inputs {
        Some(list) => {
            d.push_str("/** The declared inputs (by reference and by name); any other input is refused. */\nexport interface Inputs {\n");
            for decl in list {
                let scalar = match decl.value_type.as_str() {
                    "number" => "number | Date | null",
                    "text" => "string | null",
                    "boolean" => "boolean | null",
                    _ => "number | string | boolean | Date | null",
                };
                for (key, range) in declared_keys(decl, &input.sheets) {
                    let ty = if range { format!("({scalar})[][]") } else { scalar.to_string() };
                    d.push_str(&format!(
                        "  /** {} ({}) */\n  {}: {ty};\n",
                        js::string(&decl.reference).trim_matches('"').replace("*/", "*\\/"),
                        decl.value_type,
                        js::string(&key)
                    ));
                }
            }
            d.push_str("}\n");
        }
        None => d.push_str("/** Any cell, range or defined name. */\nexport type Inputs = Record<string, InputValue>;\n"),
    }
    match &input.outputs {
        Some(list) => {
            d.push_str("/** The declared outputs: what `get` serves. */\nexport interface Outputs {\n");
            for decl in list {
                for (key, range) in declared_keys(decl, &input.sheets) {
                    let ty = if range { "CellValue[][]" } else { "CellValue" };
                    d.push_str(&format!("  {}: {ty};\n", js::string(&key)));
                }
            }
            d.push_str("}\nexport interface RunResult {\n  get<K extends keyof Outputs>(ref: K): Outputs[K];\n  toJSON(): Record<string, JsonValue>;\n  readonly meta: RunMeta;\n}\n");
        }
        None => d.push_str("export interface RunResult {\n  get(ref: string): CellValue | CellValue[][];\n  toJSON(): Record<string, JsonValue>;\n  readonly meta: RunMeta;\n}\n"),
    }
    d.push_str(
        "/** Evaluates the workbook with the given inputs. */\nexport declare function run(inputs?: Partial<Inputs>, options?: RunOptions): RunResult;\n",
    );
    d.push_str("export declare const spec: { readonly sheets: readonly { readonly name: string }[] };\n");
    if input.lazy {
        d.push_str("export interface LoadScope { sheets?: string[]; cells?: string[] }\n/** Imports the modules in the dependency cone of the cells or sheets. */\nexport declare function load(scope: LoadScope): Promise<void>;\n/** Loads what the cells need, then runs. */\nexport declare function runScoped(inputs: Partial<Inputs> | undefined, options: RunOptions & LoadScope): Promise<RunResult>;\ndeclare const engine: { run: typeof run; load: typeof load; runScoped: typeof runScoped; readonly loaded: { modules: number; units: number } };\n");
    } else {
        d.push_str("declare const engine: { run: typeof run };\n");
    }
    d.push_str("export default engine;\n");
    d
}

/// Rows in a worksheet: band ends are written capped to it.
const MAX_ROWS: u32 = 1_048_576;

/// The lazy engine's index, written to `index.bin`: little-endian u32s. It is data, not
/// code: kept out of `engine.js`, importing the engine does not parse it (a 1.5 MB
/// base64 literal cost ~8 ms of every import at 1M cells), and `load()` views the file's
/// bytes as a `Uint32Array` with nothing to decode or scan (varints were smaller but
/// their decoding cost more than the whole cone's run). Layout: `units, lists, modules`;
/// the offset of each unit's record, of each dependency list and of each module's unit
/// list (one more: units with cells outside every module's band); then per unit in
/// evaluation order `module, index, n, runs[n] (sheet,row,col,count,vertical ...), n,
/// dependency lists[n], n, modules read[n], dynamic`; per dependency list `n, ids[n]`;
/// per module `n, units[n]`, the units that compute a cell in its band (so `load()`
/// looks a cell up among a few units, not all of them).
fn lazy_index(input: &EnginePlan<'_>, order: &[(u32, usize)]) -> Vec<u8> {
    let layout = input.layout;
    let Some(needs) = &layout.needs else { return Vec::new() };
    let (unit_count, list_count, module_count) = (layout.segments.len(), layout.dependency_lists.len(), layout.modules.len());
    // Records first (offsets are known only once each is written), then the header.
    let base = 3 + unit_count + list_count + module_count + 1;
    let mut body: Vec<u32> = Vec::new();
    let mut offsets: Vec<u32> = Vec::with_capacity(unit_count + list_count + module_count + 1);
    // Module bands by sheet, in row order; per module (and one list for cells outside
    // every band) the units computing a cell in it.
    let mut bands: std::collections::BTreeMap<u32, Vec<(u32, u32, usize)>> = std::collections::BTreeMap::new();
    for (m, b) in layout.modules.iter().enumerate() {
        bands.entry(b.sheet).or_default().push((b.r0, b.r1, m));
    }
    for list in bands.values_mut() {
        list.sort_unstable();
    }
    let mut module_units: Vec<Vec<u32>> = vec![Vec::new(); module_count + 1];
    for (i, (seg, need)) in layout.segments.iter().zip(needs).enumerate() {
        offsets.push((base + body.len()) as u32);
        let (m, idx) = order[i];
        body.push(m);
        body.push(idx as u32);
        // The cells the segment computes, array ranges included, per sheet as runs.
        let mut by_sheet: std::collections::BTreeMap<u32, Vec<(u32, u32)>> = std::collections::BTreeMap::new();
        for &n in &seg.nodes {
            let node = input.nodes[n as usize];
            let cells = by_sheet.entry(node.sheet).or_default();
            match node.array_end {
                Some((r1, c1)) => {
                    for r in node.row..=r1 {
                        for c in node.col..=c1 {
                            cells.push((r, c));
                        }
                    }
                }
                None => cells.push((node.row, node.col)),
            }
        }
        let runs: Vec<(u32, (u32, u32, u32, bool))> =
            by_sheet.iter().flat_map(|(sheet, cells)| formula_runs(cells).into_iter().map(move |r| (*sheet, r))).collect();
        body.push(runs.len() as u32 * 5);
        for (sheet, run) in runs {
            body.extend([sheet, run.0, run.1, run.2, run.3 as u32]);
            let (r0, r1) = if run.3 { (run.0, run.0 + run.2 - 1) } else { (run.0, run.0) };
            let mut placed = false;
            // A sheet's bands are disjoint and sorted: the overlapping ones are the last
            // bands starting at or before r1, back to the first one ending after r0.
            let sheet_bands = bands.get(&sheet).map_or(&[][..], |v| v.as_slice());
            let end = sheet_bands.partition_point(|&(b0, _, _)| b0 <= r1);
            for &(_, b1, m) in sheet_bands[..end].iter().rev() {
                if b1 <= r0 {
                    break;
                }
                placed = true;
                if module_units[m].last() != Some(&(i as u32)) {
                    module_units[m].push(i as u32);
                }
            }
            let rest = &mut module_units[module_count];
            if !placed && rest.last() != Some(&(i as u32)) {
                rest.push(i as u32);
            }
        }
        for list in [&need.lists, &need.modules] {
            body.push(list.len() as u32);
            body.extend(list.iter().copied());
        }
        body.push(need.dynamic as u32);
    }
    for list in layout.dependency_lists.iter().chain(&module_units) {
        offsets.push((base + body.len()) as u32);
        body.push(list.len() as u32);
        body.extend(list.iter().copied());
    }
    let mut out: Vec<u8> = Vec::with_capacity(4 * (base + body.len()));
    for v in [unit_count as u32, list_count as u32, module_count as u32].into_iter().chain(offsets).chain(body) {
        put_u32(&mut out, v);
    }
    out
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
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

    let late_from = first_dynamic_segment(input);
    let mut bytes: u64 = 0;
    let mut largest: u64 = 0;
    if cancelled() {
        return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
    }
    // Modules are independent files: written on all cores, each streamed to its file as
    // it is generated (a module's code is never held whole in memory).
    use rayon::prelude::*;
    let sizes: Vec<Result<u64>> = layout
        .modules
        .par_iter()
        .enumerate()
        .map(|(m, band)| -> Result<u64> {
            let sheet = &input.sheets[band.sheet as usize];
            let s = band.sheet;
            let path = modules_dir.join(format!("m{m}.js"));
            let file = fs::File::create(&path).map_err(io)?;
            let mut w = BufWriter::new(file);
            writeln!(w, "// Generated by sheetc. Sheet {} (module {m}).", js::string(sheet.name)).map_err(io)?;
            writeln!(w, "import * as R from '../runtime.js';").map_err(io)?;

            // Shapes used by this module's segments.
            let mut shape_names: HashMap<u32, String> = HashMap::new();
            for &p in &per_module[m] {
                for &n in &layout.segments[p].nodes {
                    let shape = input.nodes[n as usize].shape;
                    if let std::collections::hash_map::Entry::Vacant(e) = shape_names.entry(shape) {
                        let name = format!("f{shape}");
                        let code = codegen::shape_function(&name, &input.shapes[shape as usize], input.functions);
                        w.write_all(code.source.as_bytes()).map_err(io)?;
                        e.insert(name);
                    }
                }
            }

            // Constants of the band's rows: flat [sheet, row, col, value, ...].
            let in_band = |row: u32| row >= band.r0 && row < band.r1;
            w.write_all(b"export const constants=[").map_err(io)?;
            let from = sheet.constants.partition_point(|c| c.row < band.r0);
            for (i, c) in sheet.constants[from..].iter().take_while(|c| in_band(c.row)).enumerate() {
                if i > 0 {
                    w.write_all(b",").map_err(io)?;
                }
                if i % 64 == 63 {
                    w.write_all(b"\n").map_err(io)?;
                }
                write!(w, "{s},{},{},{}", c.row, c.col, value_literal(c.value)).map_err(io)?;
            }
            w.write_all(b"];\n").map_err(io)?;
            // Formula cells as runs: flat [sheet, row, col, count, vertical, ...], along rows
            // or down columns, whichever gives fewer runs (a few bytes per run, not per cell).
            w.write_all(b"export const formulas=[").map_err(io)?;
            let from = sheet.formula_cells.partition_point(|&(r, _)| r < band.r0);
            let cells: Vec<(u32, u32)> = sheet.formula_cells[from..].iter().take_while(|&&(r, _)| in_band(r)).copied().collect();
            for (i, run) in formula_runs(&cells).iter().enumerate() {
                if i > 0 {
                    w.write_all(b",").map_err(io)?;
                }
                if i % 64 == 63 {
                    w.write_all(b"\n").map_err(io)?;
                }
                write!(w, "{s},{},{},{},{}", run.0, run.1, run.2, run.3 as u8).map_err(io)?;
            }
            w.write_all(b"];\n").map_err(io)?;

            write_late(&mut w, &per_module[m], late_from, input, &shape_names)?;
            w.write_all(b"export const segments=[\n").map_err(io)?;
            for &p in &per_module[m] {
                let seg = &layout.segments[p];
                let mut body = String::new();
                cell_statements(&mut body, &seg.nodes, input.nodes, &shape_names);
                if seg.cluster {
                    let cells: Vec<String> = seg
                        .nodes
                        .iter()
                        .map(|&n| {
                            let c = input.nodes[n as usize];
                            format!("{},{},{}", c.sheet, c.row, c.col)
                        })
                        .collect();
                    writeln!(w, "{{cells:[{}],step(x){{const B=x.book.sheets;\n{body}}}}},", cells.join(",")).map_err(io)?;
                } else {
                    writeln!(w, "function(x){{const B=x.book.sheets;\n{body}}},").map_err(io)?;
                }
            }
            w.write_all(b"];\n").map_err(io)?;
            w.flush().map_err(io)?;
            Ok(fs::metadata(&path).map(|m| m.len()).unwrap_or(0))
        })
        .collect();
    for size in sizes {
        let size = size?;
        bytes += size;
        largest = largest.max(size);
    }
    if cancelled() {
        return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
    }

    // engine.js: the spec and the module list.
    let mut spec = String::new();
    spec.push_str("{\"version\":1,\"sheets\":[");
    for (i, s) in input.sheets.iter().enumerate() {
        if i > 0 {
            spec.push(',');
        }
        spec.push_str(&format!("{{\"name\":{},\"rows\":{},\"cols\":{},\"cells\":{}}}", js::string(s.name), s.rows, s.cols, s.cell_count));
    }
    spec.push_str(&format!(
        "],\"date1904\":{},\"calc\":{{\"iterate\":{},\"count\":{},\"delta\":{}}},\"names\":[",
        input.date1904,
        input.calc.iterate,
        input.calc.iterate_count,
        js::number(input.calc.iterate_delta)
    ));
    for (i, n) in input.names.iter().enumerate() {
        if i > 0 {
            spec.push(',');
        }
        let scope = n.scope.map_or("null".to_string(), |s| s.to_string());
        let area = n.area.map_or("null".to_string(), |a| format!("[{},{},{},{},{}]", a[0], a[1], a[2], a[3], a[4]));
        spec.push_str(&format!("{{\"name\":{},\"scope\":{scope},\"area\":{area}}}", js::string(&n.name)));
    }
    spec.push_str("],\"order\":[");
    // A lazy engine's order is in its index.
    for (i, (m, s)) in order.iter().enumerate().filter(|_| !input.lazy) {
        if i > 0 {
            spec.push(',');
        }
        if i % 64 == 63 {
            spec.push('\n');
        }
        spec.push_str(&format!("[{m},{s}]"));
    }
    spec.push_str("],\"modules\":[");
    for (i, b) in layout.modules.iter().enumerate() {
        if i > 0 {
            spec.push(',');
        }
        spec.push_str(&format!("[{},{},{}]", b.sheet, b.r0, b.r1.min(MAX_ROWS)));
    }
    spec.push(']');
    for (key, list) in [("inputs", &input.inputs), ("outputs", &input.outputs)] {
        let Some(list) = list else { continue };
        spec.push_str(&format!(",\"{key}\":["));
        for (i, d) in list.iter().enumerate() {
            if i > 0 {
                spec.push(',');
            }
            let r = d.rect;
            spec.push_str(&format!(
                "{{\"ref\":{},\"name\":{},\"area\":[{},{},{},{},{}]}}",
                js::string(&d.reference),
                d.name.as_deref().map_or("null".to_string(), js::string),
                r.sheet,
                r.r0,
                r.c0,
                r.r1,
                r.c1
            ));
        }
        spec.push(']');
    }
    if !input.formula_texts.is_empty() {
        // [sheet, row, col, text] per cell FORMULATEXT points at; texts as escaped literals.
        let items: Vec<String> = input.formula_texts.iter().map(|(&(s, r, c), t)| format!("[{s},{r},{c},{}]", js::string(t))).collect();
        spec.push_str(&format!(",\"formulaTexts\":[{}]", items.join(",")));
    }
    if !input.tables.is_empty() {
        // Tables for INDIRECT("Table[Col]"): name, sheet, [r0, c0, r1, c1], header and
        // totals row counts, column names (names as escaped literals).
        let items: Vec<String> = input
            .tables
            .iter()
            .map(|t| {
                let cols: Vec<String> = t.columns.iter().map(|c| js::string(c)).collect();
                format!(
                    "{{\"name\":{},\"sheet\":{},\"area\":[{},{},{},{}],\"header\":{},\"totals\":{},\"columns\":[{}]}}",
                    js::string(&t.name),
                    t.sheet,
                    t.r0,
                    t.c0,
                    t.r1,
                    t.c1,
                    t.header_rows,
                    t.totals_rows,
                    cols.join(",")
                )
            })
            .collect();
        spec.push_str(&format!(",\"tables\":[{}]", items.join(",")));
    }
    spec.push_str(",\"backfilled\":[");
    for (i, b) in input.backfilled.iter().enumerate() {
        if i > 0 {
            spec.push(',');
        }
        let cone = match &b.cone {
            None => "null".to_string(),
            Some(v) => format!("[{}]", v.iter().map(|a| format!("[{},{},{},{},{}]", a[0], a[1], a[2], a[3], a[4])).collect::<Vec<_>>().join(",")),
        };
        spec.push_str(&format!("{{\"sheet\":{},\"row\":{},\"col\":{},\"reason\":{},\"cone\":{cone}}}", b.sheet, b.row, b.col, js::string(&b.reason)));
    }
    spec.push(']');
    spec.push('}');
    if input.lazy {
        let index = lazy_index(input, &order);
        fs::write(dir.join("index.bin"), &index).map_err(io)?;
        bytes += index.len() as u64;
    }

    let mut engine = String::new();
    engine.push_str("// Generated by sheetc: the workbook's calculation engine. Import and call run().\n");
    if input.lazy {
        engine.push_str("// A lazy engine: await load({ cells }) (or runScoped) imports only the modules the cells need.\n");
        engine.push_str("import { createLazyEngine, readBinary } from './runtime.js';\n");
        engine.push_str(&format!("export const spec = {spec};\n"));
        let loaders: Vec<String> = (0..module_count).map(|m| format!("()=>import('./modules/m{m}.js')")).collect();
        engine.push_str(&format!(
            "const engine = createLazyEngine(spec, [\n{}],\n()=>readBinary(new URL('./index.bin', import.meta.url)));\n",
            loaders.join(",\n")
        ));
        engine.push_str(
            "/** Imports the modules in the dependency cone of the cells or sheets. */\nexport function load(scope) { return engine.load(scope); }\n",
        );
        engine.push_str(
            "/** Loads what the cells need, then runs. */\nexport function runScoped(inputs, options) { return engine.runScoped(inputs, options); }\n",
        );
    } else {
        engine.push_str("import { createEngine } from './runtime.js';\n");
        for m in 0..module_count {
            engine.push_str(&format!("import * as m{m} from './modules/m{m}.js';\n"));
        }
        engine.push_str(&format!("export const spec = {spec};\n"));
        let mods: Vec<String> = (0..module_count).map(|m| format!("m{m}")).collect();
        engine.push_str(&format!("const engine = createEngine(spec, [{}]);\n", mods.join(",")));
    }
    engine.push_str("/** Evaluates the workbook with the given inputs. */\nexport function run(inputs, options) { return engine.run(inputs, options); }\nexport default engine;\n");
    fs::write(dir.join("engine.js"), &engine).map_err(io)?;
    bytes += engine.len() as u64;

    let dts = engine_dts(input);
    fs::write(dir.join("engine.d.ts"), &dts).map_err(io)?;
    // Marks the directory's .js files as ES modules for every Node version.
    fs::write(dir.join("package.json"), "{\n  \"type\": \"module\",\n  \"main\": \"engine.js\",\n  \"types\": \"engine.d.ts\"\n}\n").map_err(io)?;

    Ok(EmitStats { modules: module_count, bytes, segments: layout.segments.len(), largest_module_bytes: largest })
}

/// `manifest.json`: the build report, beside the engine.
pub fn write_manifest(dir: &Path, report: &BuildReport) -> Result<()> {
    let manifest = serde_json::to_string_pretty(report).map_err(|e| SheetcError::new(ErrorCode::Io, e.to_string()))?;
    fs::write(dir.join("manifest.json"), manifest).map_err(|e| SheetcError::io("writing manifest.json", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_numbers_are_little_endian_u32() {
        let mut v = Vec::new();
        for n in [1, 300, u32::MAX] {
            put_u32(&mut v, n);
        }
        assert_eq!(v, vec![1, 0, 0, 0, 0x2c, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn formula_runs_pick_the_direction_with_fewer_runs() {
        let down: Vec<(u32, u32)> = (0..10).map(|r| (r, 2)).collect();
        assert_eq!(formula_runs(&down), vec![(0, 2, 10, true)]);
        let along: Vec<(u32, u32)> = (0..10).map(|c| (4, c)).collect();
        assert_eq!(formula_runs(&along), vec![(4, 0, 10, false)]);
    }
}
