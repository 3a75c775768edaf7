//! `engine.d.ts`: the engine's API, typed by its declared inputs and outputs when it has
//! a profile (`run(inputs: Partial<Inputs>)`, `get` narrowed to the outputs). The fixed
//! parts are `templates/engine.d.ts` and `templates/engine.lazy.d.ts`.

use crate::address::column_name;
use crate::js;
use crate::plan::{DeclaredPlan, EnginePlan, SheetPlan};

use super::fill;

const TEMPLATE: &str = include_str!("templates/engine.d.ts");
const LAZY: &str = include_str!("templates/engine.lazy.d.ts");

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

pub fn engine_dts(input: &EnginePlan<'_>) -> String {
    let mut inputs = String::new();
    match &input.inputs {
        Some(list) => {
            inputs.push_str("/** The declared inputs (by reference and by name); any other input is refused. */\nexport interface Inputs {\n");
            for decl in list {
                let scalar = match decl.value_type.as_str() {
                    "number" => "number | Date | null",
                    "text" => "string | null",
                    "boolean" => "boolean | null",
                    _ => "number | string | boolean | Date | null",
                };
                for (key, range) in declared_keys(decl, &input.sheets) {
                    let ty = if range { format!("({scalar})[][]") } else { scalar.to_string() };
                    inputs.push_str(&format!(
                        "  /** {} ({}) */\n  {}: {ty};\n",
                        js::string(&decl.reference).trim_matches('"').replace("*/", "*\\/"),
                        decl.value_type,
                        js::string(&key)
                    ));
                }
            }
            inputs.push_str("}\n");
        }
        None => inputs.push_str("/** Any cell, range or defined name. */\nexport type Inputs = Record<string, InputValue>;\n"),
    }
    let mut result = String::new();
    match &input.outputs {
        Some(list) => {
            result.push_str("/** The declared outputs: what `get` serves. */\nexport interface Outputs {\n");
            for decl in list {
                for (key, range) in declared_keys(decl, &input.sheets) {
                    let ty = if range { "CellValue[][]" } else { "CellValue" };
                    result.push_str(&format!("  {}: {ty};\n", js::string(&key)));
                }
            }
            result.push_str("}\nexport interface RunResult {\n  get<K extends keyof Outputs>(ref: K): Outputs[K];\n  toJSON(): Record<string, JsonValue>;\n  readonly meta: RunMeta;\n}\n");
        }
        None => result.push_str("export interface RunResult {\n  get(ref: string): CellValue | CellValue[][];\n  toJSON(): Record<string, JsonValue>;\n  readonly meta: RunMeta;\n}\n"),
    }
    let engine = if input.lazy { LAZY } else { "declare const engine: { run: typeof run };\n" };
    fill(TEMPLATE, &[("/*INPUTS*/\n", &inputs), ("/*RESULT*/\n", &result), ("/*ENGINE*/\n", engine)])
}
