//! One module file per row band: the band's constants, its computed cells (as runs), the
//! shape functions its segments use, and the segments — each streamed to its file as it
//! is generated (a module's code is never held whole in memory).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::bind::visit_calls;
use crate::codegen;
use crate::error::{Result, SheetcError};
use crate::js;
use crate::model::Value;
use crate::plan::{ConstantCell, EnginePlan, ModuleBand, Node};
use crate::stages::layout::statement_runs;

fn value_literal(v: &Value) -> String {
    match v {
        Value::Empty => "null".into(),
        Value::Number(n) => js::number(*n),
        Value::Text(s) => js::string(s),
        Value::Bool(b) => b.to_string(),
        Value::Error(k) => format!("{{e:{}}}", js::string(k.as_str())),
    }
}

pub(super) fn io(e: std::io::Error) -> SheetcError {
    SheetcError::io("writing the engine", e)
}

/// Writes the statements evaluating `nodes` (in order), grouping runs into loops
/// (the statement boundaries are `layout::statement_runs`).
fn cell_statements(out: &mut String, nodes: &[u32], all: &[Node], shape_names: &HashMap<u32, String>, single: &HashSet<u32>) {
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
        if single.contains(&n.shape) {
            // Its numeric variant first (codegen::shape_function).
            out.push_str(&format!("{f}.N(x,B,{s},{r},{c});\n", s = n.sheet, r = n.row, c = n.col));
        } else {
            out.push_str(&format!("x.row={r};x.col={c};B[{s}].set({r},{c},R.fin({f}(x,B,{r},{c}),x));\n", r = n.row, c = n.col, s = n.sheet));
        }
    }
}

/// The first segment, in evaluation order, holding a cell with computed references
/// (OFFSET, INDIRECT): from it on, a cell may be read by a computed reference before
/// the order reaches it (every cell before it is computed before any such reference is
/// made). `segments.len()` when there is none.
pub(super) fn first_dynamic_segment(input: &EnginePlan<'_>) -> usize {
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
pub(super) fn formula_runs(cells: &[(u32, u32)]) -> Vec<(u32, u32, u32, bool)> {
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

/// Writes module `m` (row band `band`, holding segments `segments`) to `modules_dir`;
/// returns its size in bytes. `late_from`: see `first_dynamic_segment`.
pub(super) fn write_module(input: &EnginePlan<'_>, modules_dir: &Path, m: usize, band: &ModuleBand, segments: &[usize], late_from: usize) -> Result<u64> {
    let layout = input.layout;

    let sheet = &input.sheets[band.sheet as usize];
    let s = band.sheet;
    let path = modules_dir.join(format!("m{m}.js"));
    let file = fs::File::create(&path).map_err(io)?;
    let mut w = BufWriter::new(file);
    writeln!(w, "// Generated by sheetc. Sheet {} (module {m}).", js::string(sheet.name)).map_err(io)?;
    writeln!(w, "import * as R from '../runtime.js';").map_err(io)?;

    // Shapes used by this module's segments, those with a cell outside a run, and the
    // loops each has per direction (line values pay off from the second).
    let mut alone: HashSet<u32> = HashSet::new();
    let mut loop_counts: HashMap<u32, [u32; 2]> = HashMap::new();
    for &p in segments {
        let nodes = &layout.segments[p].nodes;
        for (i, j) in statement_runs(nodes, input.nodes) {
            let n = input.nodes[nodes[i] as usize];
            if n.array_end.is_some() {
                continue;
            }
            if j - i < 3 {
                alone.insert(n.shape);
            } else {
                let down = input.nodes[nodes[i + 1] as usize].row == n.row + 1;
                loop_counts.entry(n.shape).or_default()[down as usize] += 1;
            }
        }
    }
    let mut shape_names: HashMap<u32, String> = HashMap::new();
    let mut single: HashSet<u32> = HashSet::new();
    for &p in segments {
        for &n in &layout.segments[p].nodes {
            let shape = input.nodes[n as usize].shape;
            if let std::collections::hash_map::Entry::Vacant(e) = shape_names.entry(shape) {
                let name = format!("f{shape}");
                let counts = loop_counts.get(&shape).copied().unwrap_or_default();
                let loops = codegen::Loops { along_rows: counts[0] > 1, down_columns: counts[1] > 1 };
                let code = codegen::shape_function(&name, &input.shapes[shape as usize], input.functions, alone.contains(&shape), loops);
                w.write_all(code.source.as_bytes()).map_err(io)?;
                if code.single {
                    single.insert(shape);
                }
                e.insert(name);
            }
        }
    }

    // Constants of the band's rows, as runs down a column: flat [sheet, row, col, count,
    // value, ...]. A data table's column is one run, so a cell costs its value alone (as
    // [sheet, row, col, value] it cost four numbers: a large part of an import's parse).
    let in_band = |row: u32| row >= band.r0 && row < band.r1;
    w.write_all(b"export const constants=[").map_err(io)?;
    let from = sheet.constants.partition_point(|c| c.row < band.r0);
    let mut by_column: Vec<&ConstantCell<'_>> = sheet.constants[from..].iter().take_while(|c| in_band(c.row)).collect();
    by_column.sort_by_key(|c| (c.col, c.row));
    let mut items = 0usize;
    let mut item = |w: &mut dyn Write, text: std::fmt::Arguments<'_>| -> std::io::Result<()> {
        if items > 0 {
            w.write_all(b",")?;
        }
        if items % 64 == 63 {
            w.write_all(b"\n")?;
        }
        items += 1;
        w.write_fmt(text)
    };
    for run in by_column.chunk_by(|a, b| a.col == b.col && a.row + 1 == b.row) {
        item(&mut w, format_args!("{s},{},{},{}", run[0].row, run[0].col, run.len())).map_err(io)?;
        for c in run {
            item(&mut w, format_args!("{}", value_literal(c.value))).map_err(io)?;
        }
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

    write_late(&mut w, segments, late_from, input, &shape_names)?;
    w.write_all(b"export const segments=[\n").map_err(io)?;
    for &p in segments {
        let seg = &layout.segments[p];
        let mut body = String::new();
        cell_statements(&mut body, &seg.nodes, input.nodes, &shape_names, &single);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_runs_pick_the_direction_with_fewer_runs() {
        let down: Vec<(u32, u32)> = (0..10).map(|r| (r, 2)).collect();
        assert_eq!(formula_runs(&down), vec![(0, 2, 10, true)]);
        let along: Vec<(u32, u32)> = (0..10).map(|c| (4, c)).collect();
        assert_eq!(formula_runs(&along), vec![(4, 0, 10, false)]);
    }
}
