//! FORMULATEXT: the compiler resolves the cell each call points at (per calling cell: one
//! shape points at different cells) and puts the text Excel shows into the engine's spec.
//! A call whose argument is computed (`FORMULATEXT(OFFSET(A1,2,1))`) can point at any
//! cell: the engine then holds the text of every formula of the workbook, unless the
//! workbook has array formulas (their texts are not given) or more formulas than
//! [`MAX_TEXTS_FOR_COMPUTED`]. A call that points off the sheet or into an array
//! formula's range, or a computed one in those cases, backfills its cell (reported,
//! never guessed).

use std::collections::BTreeMap;

use crate::bind::{visit_call_args, visit_calls, Bound, Resolved};
use crate::functions::FORMULA_TEXT;
use crate::model::{CellKind, Workbook};
use crate::plan::{Backfill, BackfillReason};
use crate::stages::shapes::Shaped;

/// The text FORMULATEXT shows, per (sheet, row, col) pointed at (cells without a formula
/// are left out: FORMULATEXT gives #N/A there).
pub type FormulaTexts = BTreeMap<(u32, u32, u32), String>;

/// The most formula texts an engine holds for FORMULATEXT calls with a computed argument
/// (beyond that, those calls are backfilled rather than the engine grown by every text).
pub const MAX_TEXTS_FOR_COMPUTED: usize = 100_000;

/// Where one FORMULATEXT call points.
enum Target {
    Cell((u32, u32, u32)),
    /// A computed reference: any cell.
    Anywhere,
    Refused(&'static str),
}

/// The texts of every formula of the workbook, or why a computed FORMULATEXT cannot
/// have them.
type EveryText = std::result::Result<Vec<((u32, u32, u32), String)>, &'static str>;

/// See [`EveryText`].
fn every_text(workbook: &Workbook) -> EveryText {
    let mut all = Vec::new();
    for (s, sheet) in workbook.sheets.iter().enumerate() {
        for cell in &sheet.cells {
            match cell.kind {
                CellKind::Constant => {}
                CellKind::ArrayFormula { .. } | CellKind::ArrayMember => return Err("FORMULATEXT of a computed reference in a workbook with array formulas"),
                CellKind::Formula(f) => {
                    if all.len() >= MAX_TEXTS_FOR_COMPUTED {
                        return Err("FORMULATEXT of a computed reference in a workbook with more than 100,000 formulas");
                    }
                    // A formula whose references fall off the sheet at this cell has no text Excel shows.
                    let Some(text) = crate::shape::formula_text_at(&sheet.formulas[f.text as usize], f.origin_row, f.origin_col, cell.row, cell.col) else {
                        return Err("FORMULATEXT of a computed reference in a workbook with formulas whose references fall off the sheet");
                    };
                    all.push(((s as u32, cell.row, cell.col), crate::shape::display_formula(&text)));
                }
            }
        }
    }
    Ok(all)
}

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
    // Every formula's text, computed once when a call has a computed argument.
    let mut everything: Option<EveryText> = None;
    nodes.retain(|n| {
        if !uses[n.shape as usize] {
            return true;
        }
        let mut targets: Vec<Target> = Vec::new();
        visit_call_args(&shapes[n.shape as usize], &mut |name, args| {
            if name != FORMULA_TEXT {
                return;
            }
            targets.push(match args.first().map(|a| (a, a.resolve_at(n.row, n.col))) {
                Some((Bound::Cell { .. } | Bound::Area(_), Resolved::At(r))) => Target::Cell((r.sheet, r.r0, r.c0)),
                Some((_, Resolved::OffSheet)) => Target::Refused("FORMULATEXT points off the sheet"),
                Some(_) => Target::Anywhere,
                None => Target::Refused("FORMULATEXT needs a reference to a cell"),
            });
        });
        let mut found = Vec::with_capacity(targets.len());
        for target in targets {
            let (s, r, c) = match target {
                Target::Cell(t) => t,
                Target::Anywhere => {
                    // The texts join the engine's once, after every call is resolved.
                    match everything.get_or_insert_with(|| every_text(workbook)) {
                        Ok(_) => continue,
                        Err(reason) => {
                            backfills.push(Backfill { sheet: n.sheet, row: n.row, col: n.col, reason: unsupported(reason) });
                            return false;
                        }
                    }
                }
                Target::Refused(reason) => {
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
    if let Some(Ok(all)) = everything {
        texts.extend(all);
    }
    texts
}
