//! Parse and bind stage: every formula cell to a *shape* (its formula with relative
//! references as offsets), parsed and bound once however many cells share it.
//!
//! The hot part runs once per formula text (once per cell unless formulas are shared):
//! its shape key. Texts are keyed in runs on all cores (`shape::key_texts`, a byte key in
//! a reusable buffer, deduplicated in a map that compares whole keys, so a hash
//! collision can only cost time); the runs' few distinct keys are then merged in text
//! order into per-sheet maps, and each new one is parsed and bound here, on this thread.
//! Shape numbering follows the texts' order whatever the number of threads.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::bind::{Binder, Bound};
use crate::error::Result;
use crate::model::{CellKind, Workbook};
use crate::parse::ParseErrorKind;
use crate::plan::Node;
use crate::plan::{Backfill, BackfillReason};
use crate::shape::{key_texts, KeyedTexts};
use crate::stages::partition::SheetPartition;
use crate::stages::{cancelled_err, Progress};

/// The formula cells, each with its shape, or backfilled with the reason.
pub struct Shaped {
    pub shapes: Vec<Bound>,
    /// Formula cells (array anchors included) with a bound shape, in sheet then row order.
    pub nodes: Vec<Node>,
    pub backfills: Vec<Backfill>,
    /// Shapes calling names that are no function at all (`#NAME?` in Excel), with the names.
    pub unknown_functions: Vec<(u32, Vec<String>)>,
}

/// Texts per worker job, and per wave of jobs (cancellation and progress between waves).
const RUN: usize = 16 << 10;
const WAVE: usize = 16 * RUN;
const UNSEEN: u32 = u32::MAX;

pub fn shape_cells(
    workbook: &Workbook,
    parts: &[SheetPartition<'_>],
    binder: &mut Binder<'_>,
    progress: Progress<'_>,
    cancelled: &dyn Fn() -> bool,
) -> Result<Shaped> {
    let mut shapes: Vec<Bound> = Vec::new();
    // Each distinct (sheet, key): its shape or why it is backfilled.
    let mut resolved: Vec<std::result::Result<u32, BackfillReason>> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut backfills: Vec<Backfill> = Vec::new();
    let mut unknown_functions: Vec<(u32, Vec<String>)> = Vec::new();
    let total_formulas: u64 = parts.iter().map(|p| p.formula_cells().count() as u64).sum();
    let total_texts: u64 = parts.iter().map(|p| p.formulas.len() as u64).sum();
    nodes.reserve(total_formulas as usize);
    let mut texts_done: u64 = 0;
    for p in parts {
        // The cell each text is written for (a shared-formula group's text: its anchor).
        let mut origins: Vec<Option<(u32, u32)>> = vec![None; p.formulas.len()];
        for cell in &p.cells {
            if let Some(f) = cell.formula() {
                origins[f.text as usize] = Some((f.origin_row, f.origin_col));
            }
        }
        let sheet = p.sheet;
        let tables = &workbook.tables;
        let scope = move |_: &str, (row, col): (u32, u32)| {
            tables.iter().position(|t| t.sheet == sheet && (t.r0..=t.r1).contains(&row) && (t.c0..=t.c1).contains(&col)).map(|t| t as u32)
        };
        // Shape keys of this sheet (unqualified references bind to the formula's own sheet).
        let mut ids: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState> = HashMap::default();
        // Per text: the index into `resolved`, or UNSEEN for a text no cell uses.
        let mut by_text: Vec<u32> = vec![UNSEEN; p.formulas.len()];
        for wave in (0..origins.len()).step_by(WAVE) {
            if cancelled() {
                return Err(cancelled_err());
            }
            let wave_end = (wave + WAVE).min(origins.len());
            let runs: Vec<(usize, KeyedTexts)> = (wave..wave_end)
                .step_by(RUN)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|first| {
                    let end = (first + RUN).min(wave_end);
                    (first, key_texts(first, p.formulas, &origins[first..end], &scope))
                })
                .collect();
            for (first, run) in runs {
                let mut slots = Vec::with_capacity(run.distinct.len());
                for (key, text_index) in run.distinct {
                    let slot = match ids.get(&key) {
                        Some(&s) => s,
                        None => {
                            let text = &p.formulas[text_index as usize];
                            let (row, col) = origins[text_index as usize].unwrap_or((0, 0));
                            let r = match binder.parser().parse(text) {
                                Err(e) => Err(match e.kind {
                                    ParseErrorKind::TooLong => BackfillReason::TooLong,
                                    ParseErrorKind::TooDeep => BackfillReason::TooDeep,
                                    ParseErrorKind::Syntax => BackfillReason::ParseError { message: e.message, span: e.span },
                                }),
                                Ok(expr) => match binder.bind(&expr, p.sheet, row, col) {
                                    Ok(b) => {
                                        shapes.push(b);
                                        let unknown = binder.take_unknown_functions();
                                        if !unknown.is_empty() {
                                            unknown_functions.push(((shapes.len() - 1) as u32, unknown));
                                        }
                                        Ok((shapes.len() - 1) as u32)
                                    }
                                    Err(u) => {
                                        binder.take_unknown_functions();
                                        Err(BackfillReason::Unsupported { reason: u.reason, function: u.function, span: u.span })
                                    }
                                },
                            };
                            resolved.push(r);
                            let s = (resolved.len() - 1) as u32;
                            ids.insert(key, s);
                            s
                        }
                    };
                    slots.push(slot);
                }
                for (i, id) in run.ids.into_iter().enumerate() {
                    if id != UNSEEN {
                        by_text[first + i] = slots[id as usize];
                    }
                }
            }
            texts_done += (wave_end - wave) as u64;
            progress("parse", total_formulas * texts_done / total_texts.max(1), total_formulas);
        }
        for cell in &p.cells {
            let Some(f) = cell.formula() else { continue };
            let (array_end, dynamic_array) = match cell.kind {
                CellKind::ArrayFormula { last_row, last_col, dynamic, .. } => (Some((last_row, last_col)), dynamic),
                _ => (None, false),
            };
            // Every text a cell uses was keyed above.
            match resolved.get(by_text[f.text as usize] as usize) {
                Some(Ok(shape)) => nodes.push(Node { sheet: p.sheet, row: cell.row, col: cell.col, shape: *shape, array_end, dynamic_array }),
                Some(Err(reason)) => backfills.push(Backfill { sheet: p.sheet, row: cell.row, col: cell.col, reason: reason.clone() }),
                None => debug_assert!(false, "a formula text was not keyed"),
            }
        }
    }
    progress("parse", total_formulas, total_formulas);
    Ok(Shaped { shapes, nodes, backfills, unknown_functions })
}
