//! FORMULATEXT: the compiler resolves the cell each call points at (per calling cell: one
//! shape points at different cells) and puts the text Excel shows into the engine's spec.
//! A call whose argument is not a direct reference, that points off the sheet, or that
//! points into an array formula's range backfills its cell (reported, never guessed).

use std::collections::BTreeMap;

use crate::bind::{visit_call_args, visit_calls, Bound, Resolved};
use crate::functions::FORMULA_TEXT;
use crate::model::{CellKind, Workbook};
use crate::plan::{Backfill, BackfillReason};
use crate::stages::shapes::Shaped;

/// The text FORMULATEXT shows, per (sheet, row, col) pointed at (cells without a formula
/// are left out: FORMULATEXT gives #N/A there).
pub type FormulaTexts = BTreeMap<(u32, u32, u32), String>;

pub fn resolve(workbook: &Workbook, shaped: &mut Shaped) -> FormulaTexts {
    let mut texts = BTreeMap::new();
    let uses: Vec<bool> = shaped
        .shapes
        .iter()
        .map(|b| {
            let mut found = false;
            visit_calls(b, &mut |name| found |= name == FORMULA_TEXT);
            found
        })
        .collect();
    if !uses.contains(&true) {
        return texts;
    }
    let unsupported = |reason: &str| BackfillReason::Unsupported { reason: reason.to_string(), function: Some(FORMULA_TEXT.to_string()), span: None };
    let Shaped { shapes, nodes, backfills, .. } = shaped;
    nodes.retain(|n| {
        if !uses[n.shape as usize] {
            return true;
        }
        let mut targets: Vec<std::result::Result<(u32, u32, u32), &str>> = Vec::new();
        visit_call_args(&shapes[n.shape as usize], &mut |name, args| {
            if name != FORMULA_TEXT {
                return;
            }
            targets.push(match args.first().map(|a| (a, a.resolve_at(n.row, n.col))) {
                Some((Bound::Cell { .. } | Bound::Area(_), Resolved::At(r))) => Ok((r.sheet, r.r0, r.c0)),
                Some((_, Resolved::OffSheet)) => Err("FORMULATEXT points off the sheet"),
                _ => Err("FORMULATEXT needs a direct reference to a cell"),
            });
        });
        let mut found = Vec::with_capacity(targets.len());
        for target in targets {
            let (s, r, c) = match target {
                Ok(t) => t,
                Err(reason) => {
                    backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: unsupported(reason) });
                    return false;
                }
            };
            let Some(sheet) = workbook.sheets.get(s as usize) else { continue };
            let Ok(i) = sheet.cells.binary_search_by_key(&(r, c), |x| (x.row, x.col)) else { continue };
            let cell = &sheet.cells[i];
            match cell.kind {
                CellKind::Constant => {}
                CellKind::Formula(f) => match crate::shape::formula_text_at(&sheet.formulas[f.text as usize], f.origin_row, f.origin_col, r, c) {
                    Some(text) => found.push(((s, r, c), crate::shape::display_formula(&text))),
                    None => {
                        backfills.push(Backfill {
                            sheet: n.sheet,
                            row: n.row,
                            col: n.col,
                            reason: unsupported("FORMULATEXT of a formula whose references fall off the sheet there"),
                        });
                        return false;
                    }
                },
                CellKind::ArrayFormula { .. } | CellKind::ArrayMember => {
                    backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: unsupported("FORMULATEXT of an array formula's cell") });
                    return false;
                }
            }
        }
        texts.extend(found);
        true
    });
    texts
}
