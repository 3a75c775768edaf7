//! `engine.d.ts`: the engine's API, typed by its declared inputs and outputs when it has
//! a profile (`run(inputs: Partial<Inputs>)`, `get` narrowed to the outputs). The fixed
//! parts are `templates/engine.d.ts` and `templates/engine.lazy.d.ts`. Only ES types: it
//! typechecks without `@types/node`.

use std::collections::HashMap;

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

/// Properties of a generated interface, each key once: a cell can be declared twice
/// (in a range and by its own name, `Summary!B7:B12` and `NPVResult` = `Summary!B8`),
/// and a duplicate property is a type error. A key seen again takes the union of the
/// types and both descriptions.
#[derive(Default)]
struct Properties {
    order: Vec<String>,
    by_key: HashMap<String, (Vec<String>, Vec<String>)>,
}

impl Properties {
    fn add(&mut self, key: &str, ty: &str, doc: Option<String>) {
        let entry = self.by_key.entry(key.to_string()).or_insert_with(|| {
            self.order.push(key.to_string());
            (Vec::new(), Vec::new())
        });
        if !entry.0.iter().any(|t| t == ty) {
            entry.0.push(ty.to_string());
        }
        if let Some(doc) = doc {
            if !entry.1.contains(&doc) {
                entry.1.push(doc);
            }
        }
    }

    fn write(&self, d: &mut String) {
        for key in &self.order {
            let (types, docs) = &self.by_key[key];
            if !docs.is_empty() {
                d.push_str(&format!("  /** {} */\n", docs.join("; ")));
            }
            d.push_str(&format!("  {}: {};\n", js::string(key), types.join(" | ")));
        }
    }
}

pub fn engine_dts(input: &EnginePlan<'_>) -> String {
    let mut inputs = String::new();
    match &input.inputs {
        Some(list) => {
            inputs.push_str("/** The declared inputs (by reference and by name); any other input is refused. */\nexport interface Inputs {\n");
            let mut props = Properties::default();
            for decl in list {
                let scalar = match decl.value_type.as_str() {
                    "number" => "number | Date | null",
                    "text" => "string | null",
                    "boolean" => "boolean | null",
                    _ => "number | string | boolean | Date | null",
                };
                for (key, range) in declared_keys(decl, &input.sheets) {
                    // A range takes a 2-D array, or one value for every cell.
                    let ty = if range { format!("({scalar})[][] | {scalar}") } else { scalar.to_string() };
                    let doc = format!("{} ({})", js::string(&decl.reference).trim_matches('"').replace("*/", "*\\/"), decl.value_type);
                    props.add(&key, &ty, Some(doc));
                }
            }
            props.write(&mut inputs);
            inputs.push_str("}\n");
        }
        None => inputs.push_str("/** Any cell, range or defined name. */\nexport type Inputs = Record<string, InputValue>;\n"),
    }
    let mut result = String::new();
    match &input.outputs {
        Some(list) => {
            result.push_str("/** The declared outputs: what `get` serves. */\nexport interface Outputs {\n");
            let mut props = Properties::default();
            for decl in list {
                for (key, range) in declared_keys(decl, &input.sheets) {
                    props.add(&key, if range { "CellValue[][]" } else { "CellValue" }, None);
                }
            }
            props.write(&mut result);
            result.push_str(concat!(
                "}\n",
                "/** `get(ref, { as: 'date' })`: numbers as UTC Dates. */\n",
                "export type AsDate<T> = T extends CellValue[][] ? (CellValue | Date)[][] : CellValue | Date;\n",
                "export interface RunResult {\n",
                "  get<K extends keyof Outputs>(ref: K): Outputs[K];\n",
                "  get<K extends keyof Outputs>(ref: K, options: { as: 'date' }): AsDate<Outputs[K]>;\n",
                "  /** The text Excel displays for the cell under its number format. */\n",
                "  text<K extends keyof Outputs>(ref: K): Outputs[K] extends CellValue[][] ? string[][] : string;\n",
                "  toJSON(options?: ToJsonOptions): Record<string, JsonValue>;\n",
                "  readonly meta: RunMeta;\n",
                "}\n"
            ));
        }
        None => result.push_str(concat!(
            "export interface RunResult {\n",
            "  get(ref: string): CellValue | CellValue[][];\n",
            "  get(ref: string, options: GetOptions): CellValue | Date | (CellValue | Date)[][];\n",
            "  /** The text Excel displays for the cell under its number format. */\n",
            "  text(ref: string): string | string[][];\n",
            "  toJSON(options?: ToJsonOptions): Record<string, JsonValue>;\n",
            "  readonly meta: RunMeta;\n",
            "}\n"
        )),
    }
    let engine = if input.lazy { LAZY } else { "declare const engine: { run: typeof run };\n" };
    fill(TEMPLATE, &[("/*INPUTS*/\n", &inputs), ("/*RESULT*/\n", &result), ("/*ENGINE*/\n", engine)])
}
