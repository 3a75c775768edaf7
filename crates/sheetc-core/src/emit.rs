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

use crate::bind::Bound;
use crate::codegen;
use crate::error::{Result, SheetcError};
use crate::graph::Component;
use crate::js;
use crate::read::{CalcSettings, Value};

/// A computed cell with a compiled shape.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub sheet: u32,
    pub row: u32,
    pub col: u32,
    pub shape: u32,
    /// Last row/column of an array formula's range.
    pub array_end: Option<(u32, u32)>,
}

/// A cell whose value is a constant in the engine.
pub struct ConstantCell<'a> {
    pub row: u32,
    pub col: u32,
    pub value: &'a Value,
}

/// Everything the emitter needs about one sheet.
pub struct SheetEmit<'a> {
    pub name: &'a str,
    pub constants: Vec<ConstantCell<'a>>,
    /// All computed cells (formulas, array members, backfilled formulas): (row, col).
    pub formula_cells: Vec<(u32, u32)>,
    /// Bounds of the used area: one past the last row and column.
    pub rows: u32,
    pub cols: u32,
    pub cell_count: usize,
}

pub struct NameEmit {
    pub name: String,
    pub scope: Option<u32>,
    pub area: Option<[u32; 5]>,
}

pub struct BackfillEmit {
    pub sheet: u32,
    pub row: u32,
    pub col: u32,
    pub reason: String,
    pub cone: Option<Vec<[u32; 5]>>,
}

pub struct EmitInput<'a> {
    pub sheets: Vec<SheetEmit<'a>>,
    pub shapes: &'a [Bound],
    pub nodes: &'a [Node],
    pub order: &'a [Component],
    pub names: Vec<NameEmit>,
    pub backfilled: Vec<BackfillEmit>,
    pub calc: CalcSettings,
    pub date1904: bool,
}

pub struct EmitStats {
    pub modules: usize,
    pub bytes: u64,
    pub segments: usize,
}

enum SegmentPlan {
    Cells(Vec<u32>),
    Cluster(Vec<u32>),
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

/// Writes the statements evaluating `nodes` (in order), grouping runs into loops.
fn cell_statements(out: &mut String, nodes: &[u32], all: &[Node], shape_names: &HashMap<u32, String>) {
    let mut i = 0;
    let mut current_sheet = u32::MAX;
    while i < nodes.len() {
        let n = all[nodes[i] as usize];
        if n.sheet != current_sheet {
            out.push_str(&format!("x.sheet={};", n.sheet));
            current_sheet = n.sheet;
        }
        let f = &shape_names[&n.shape];
        if let Some((r1, c1)) = n.array_end {
            out.push_str(&format!(
                "x.row={r};x.col={c};x.array=true;R.spill(x,{s},{r},{c},{r1},{c1},{f}(x,B,{r},{c}));x.array=false;\n",
                r = n.row,
                c = n.col,
                s = n.sheet
            ));
            i += 1;
            continue;
        }
        // Extend a run down the column, or along the row.
        let mut j = i + 1;
        let same = |m: &Node| m.shape == n.shape && m.sheet == n.sheet && m.array_end.is_none();
        while j < nodes.len() {
            let m = all[nodes[j] as usize];
            if same(&m) && m.col == n.col && m.row == n.row + (j - i) as u32 {
                j += 1;
            } else {
                break;
            }
        }
        if j - i >= 3 {
            // The shape's run function (codegen::shape_function), down the column.
            out.push_str(&format!("{f}.L(x,B,{s},{a},{c},{count},1);\n", a = n.row, c = n.col, s = n.sheet, count = j - i));
            i = j;
            continue;
        }
        let mut j = i + 1;
        while j < nodes.len() {
            let m = all[nodes[j] as usize];
            if same(&m) && m.row == n.row && m.col == n.col + (j - i) as u32 {
                j += 1;
            } else {
                break;
            }
        }
        if j - i >= 3 {
            // Along the row.
            out.push_str(&format!("{f}.L(x,B,{s},{r},{a},{count},0);\n", a = n.col, r = n.row, s = n.sheet, count = j - i));
            i = j;
            continue;
        }
        out.push_str(&format!(
            "x.row={r};x.col={c};B[{s}].set({r},{c},R.fin({f}(x,B,{r},{c}),x));\n",
            r = n.row,
            c = n.col,
            s = n.sheet
        ));
        i += 1;
    }
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

/// Emits the engine into `dir` (which must exist and be empty).
pub fn emit(input: &EmitInput<'_>, dir: &Path, cancelled: &dyn Fn() -> bool) -> Result<EmitStats> {
    let modules_dir = dir.join("modules");
    fs::create_dir_all(&modules_dir).map_err(io)?;

    // Plan segments in evaluation order; a segment holds consecutive cells of one sheet.
    let mut plans: Vec<(u32, SegmentPlan)> = Vec::new();
    for comp in input.order {
        match comp {
            Component::Cell(n) => {
                let sheet = input.nodes[*n as usize].sheet;
                match plans.last_mut() {
                    Some((s, SegmentPlan::Cells(v))) if *s == sheet => v.push(*n),
                    _ => plans.push((sheet, SegmentPlan::Cells(vec![*n]))),
                }
            }
            Component::Cluster(members) => {
                let sheet = input.nodes[members[0] as usize].sheet;
                plans.push((sheet, SegmentPlan::Cluster(members.clone())));
            }
        }
    }
    // Segment index within its module, and the global order.
    let module_count = input.sheets.len();
    let mut per_module: Vec<Vec<usize>> = vec![Vec::new(); module_count];
    let mut order: Vec<(u32, usize)> = Vec::with_capacity(plans.len());
    for (i, (sheet, _)) in plans.iter().enumerate() {
        let list = &mut per_module[*sheet as usize];
        order.push((*sheet, list.len()));
        list.push(i);
    }

    let mut bytes: u64 = 0;
    for (m, sheet) in input.sheets.iter().enumerate() {
        if cancelled() {
            return Err(SheetcError::new(crate::error::ErrorCode::Cancelled, "the build was cancelled"));
        }
        let path = modules_dir.join(format!("m{m}.js"));
        let file = fs::File::create(&path).map_err(io)?;
        let mut w = BufWriter::new(file);
        writeln!(w, "// Generated by sheetc. Sheet {} (module {m}).", js::string(sheet.name)).map_err(io)?;
        writeln!(w, "import * as R from '../runtime.js';").map_err(io)?;

        // Shapes used by this module's segments.
        let mut shape_names: HashMap<u32, String> = HashMap::new();
        for &p in &per_module[m] {
            let nodes = match &plans[p].1 {
                SegmentPlan::Cells(v) | SegmentPlan::Cluster(v) => v,
            };
            for &n in nodes {
                let s = input.nodes[n as usize].shape;
                if let std::collections::hash_map::Entry::Vacant(e) = shape_names.entry(s) {
                    let name = format!("f{s}");
                    let code = codegen::shape_function(&name, &input.shapes[s as usize]);
                    w.write_all(code.source.as_bytes()).map_err(io)?;
                    e.insert(name);
                }
            }
        }

        // Constants: flat [sheet, row, col, value, ...].
        w.write_all(b"export const constants=[").map_err(io)?;
        for (i, c) in sheet.constants.iter().enumerate() {
            if i > 0 {
                w.write_all(b",").map_err(io)?;
            }
            if i % 64 == 63 {
                w.write_all(b"\n").map_err(io)?;
            }
            write!(w, "{m},{},{},{}", c.row, c.col, value_literal(c.value)).map_err(io)?;
        }
        w.write_all(b"];\n").map_err(io)?;
        // Formula cells as runs: flat [sheet, row, col, count, vertical, ...], along rows
        // or down columns, whichever gives fewer runs (a few bytes per run, not per cell).
        w.write_all(b"export const formulas=[").map_err(io)?;
        for (i, run) in formula_runs(&sheet.formula_cells).iter().enumerate() {
            if i > 0 {
                w.write_all(b",").map_err(io)?;
            }
            if i % 64 == 63 {
                w.write_all(b"\n").map_err(io)?;
            }
            write!(w, "{m},{},{},{},{}", run.0, run.1, run.2, run.3 as u8).map_err(io)?;
        }
        w.write_all(b"];\n").map_err(io)?;

        w.write_all(b"export const segments=[\n").map_err(io)?;
        for &p in &per_module[m] {
            let mut body = String::new();
            match &plans[p].1 {
                SegmentPlan::Cells(nodes) => {
                    cell_statements(&mut body, nodes, input.nodes, &shape_names);
                    writeln!(w, "function(x){{const B=x.book.sheets;\n{body}}},").map_err(io)?;
                }
                SegmentPlan::Cluster(nodes) => {
                    cell_statements(&mut body, nodes, input.nodes, &shape_names);
                    let cells: Vec<String> = nodes
                        .iter()
                        .map(|&n| {
                            let c = input.nodes[n as usize];
                            format!("{},{},{}", c.sheet, c.row, c.col)
                        })
                        .collect();
                    writeln!(w, "{{cells:[{}],step(x){{const B=x.book.sheets;\n{body}}}}},", cells.join(",")).map_err(io)?;
                }
            }
        }
        w.write_all(b"];\n").map_err(io)?;
        w.flush().map_err(io)?;
        bytes += fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    }

    // engine.js: the spec and the module list.
    let mut spec = String::new();
    spec.push_str("{\"version\":1,\"sheets\":[");
    for (i, s) in input.sheets.iter().enumerate() {
        if i > 0 {
            spec.push(',');
        }
        spec.push_str(&format!(
            "{{\"name\":{},\"rows\":{},\"cols\":{},\"cells\":{}}}",
            js::string(s.name),
            s.rows,
            s.cols,
            s.cell_count
        ));
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
    for (i, (m, s)) in order.iter().enumerate() {
        if i > 0 {
            spec.push(',');
        }
        if i % 64 == 63 {
            spec.push('\n');
        }
        spec.push_str(&format!("[{m},{s}]"));
    }
    spec.push_str("],\"backfilled\":[");
    for (i, b) in input.backfilled.iter().enumerate() {
        if i > 0 {
            spec.push(',');
        }
        let cone = match &b.cone {
            None => "null".to_string(),
            Some(v) => format!(
                "[{}]",
                v.iter().map(|a| format!("[{},{},{},{},{}]", a[0], a[1], a[2], a[3], a[4])).collect::<Vec<_>>().join(",")
            ),
        };
        spec.push_str(&format!(
            "{{\"sheet\":{},\"row\":{},\"col\":{},\"reason\":{},\"cone\":{cone}}}",
            b.sheet,
            b.row,
            b.col,
            js::string(&b.reason)
        ));
    }
    spec.push_str("]}");

    let mut engine = String::new();
    engine.push_str("// Generated by sheetc: the workbook's calculation engine. Import and call run().\n");
    engine.push_str("import { createEngine } from './runtime.js';\n");
    for m in 0..module_count {
        engine.push_str(&format!("import * as m{m} from './modules/m{m}.js';\n"));
    }
    engine.push_str(&format!("export const spec = {spec};\n"));
    let mods: Vec<String> = (0..module_count).map(|m| format!("m{m}")).collect();
    engine.push_str(&format!("const engine = createEngine(spec, [{}]);\n", mods.join(",")));
    engine.push_str("/** Evaluates the workbook with the given inputs. */\nexport function run(inputs, options) { return engine.run(inputs, options); }\nexport default engine;\n");
    fs::write(dir.join("engine.js"), &engine).map_err(io)?;
    bytes += engine.len() as u64;

    let dts = "// Generated by sheetc.\nexport type CellValue = number | string | boolean | null | { readonly code: string };\nexport interface RunResult {\n  get(ref: string): CellValue | CellValue[][];\n  toJSON(): Record<string, number | string | boolean | null | { error: string }>;\n  readonly meta: { converged: boolean; iterations: number; elapsedMs: number; stale: string[] };\n}\nexport type InputValue = number | string | boolean | null | Date | InputValue[][];\nexport interface RunOptions { now?: Date | number; random?: () => number }\nexport declare function run(inputs?: Record<string, InputValue>, options?: RunOptions): RunResult;\nexport declare const spec: unknown;\ndeclare const engine: { run: typeof run };\nexport default engine;\n";
    fs::write(dir.join("engine.d.ts"), dts).map_err(io)?;
    // Marks the directory's .js files as ES modules for every Node version.
    fs::write(dir.join("package.json"), "{\n  \"type\": \"module\",\n  \"main\": \"engine.js\",\n  \"types\": \"engine.d.ts\"\n}\n").map_err(io)?;

    Ok(EmitStats { modules: module_count, bytes, segments: plans.len() })
}
