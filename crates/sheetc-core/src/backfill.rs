//! Backfill stage: cells the compiler cannot compile keep Excel's cached value.
//!
//! No cell is ever silently dropped. A cell whose formula does not parse, calls a
//! function the runtime lacks, or references another workbook is emitted as a
//! constant holding the value Excel stored (or `#NAME?` when the file stores none),
//! and listed in the build report with its reason and source span. At run time a
//! backfilled cell is reported *stale* when inputs change: its formula did not bind,
//! so its dependency cone is unknown and every input counts.

use crate::ast::Span;

/// Why a cell was backfilled.
#[derive(Clone, Debug, PartialEq)]
pub enum BackfillReason {
    ParseError { message: String, span: Span },
    TooLong,
    TooDeep,
    Unsupported { reason: String, function: Option<String>, span: Option<Span> },
    ReferenceOffSheet,
}

impl BackfillReason {
    pub fn code(&self) -> &'static str {
        match self {
            BackfillReason::ParseError { .. } => "parse-error",
            BackfillReason::TooLong => "formula-too-long",
            BackfillReason::TooDeep => "formula-too-deep",
            BackfillReason::Unsupported { function: Some(_), .. } => "unsupported-function",
            BackfillReason::Unsupported { .. } => "unsupported",
            BackfillReason::ReferenceOffSheet => "reference-off-sheet",
        }
    }

    pub fn message(&self) -> String {
        match self {
            BackfillReason::ParseError { message, .. } => format!("formula does not parse: {message}"),
            BackfillReason::TooLong => "formula is longer than Excel's limit of 8,192 characters".into(),
            BackfillReason::TooDeep => "formula is nested too deeply".into(),
            BackfillReason::Unsupported { reason, .. } => reason.clone(),
            BackfillReason::ReferenceOffSheet => "a relative reference falls off the sheet".into(),
        }
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            BackfillReason::ParseError { span, .. } => Some(*span),
            BackfillReason::Unsupported { span, .. } => *span,
            _ => None,
        }
    }
}

/// A backfilled cell.
#[derive(Clone, Debug)]
pub struct Backfill {
    pub sheet: u32,
    pub row: u32,
    pub col: u32,
    pub reason: BackfillReason,
}
