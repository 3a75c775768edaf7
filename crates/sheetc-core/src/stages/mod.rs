//! The compile stages, one module each, in pipeline order (`compile_workbook` calls them
//! in this order). Each takes what earlier stages produced and returns its own typed
//! result; none reaches back.

pub mod assemble;
pub mod backfill;
pub mod data_tables;
pub mod emit;
pub mod explain_index;
pub mod formula_text;
pub mod labels;
pub mod layout;
pub mod names;
pub mod number_formats;
pub mod output;
pub mod partition;
pub mod profile;
pub mod report_data;
pub mod schedule;
pub mod shapes;
pub mod static_offsets;

use crate::error::{ErrorCode, SheetcError};

/// Progress callback: (phase, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

pub(crate) fn cancelled_err() -> SheetcError {
    SheetcError::new(ErrorCode::Cancelled, "the build was cancelled")
}
