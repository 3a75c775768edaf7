//! The plan types: what the middle stages decide and emission writes. A stage produces
//! them; emission only reads them (and never reaches back into earlier stages).

use std::collections::BTreeMap;

use crate::address::Rect;
use crate::ast::Span;
use crate::bind::Bound;
use crate::functions::FunctionTable;
use crate::model::{CalcSettings, Table, Value};

/// A computed cell with a compiled shape.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub sheet: u32,
    pub row: u32,
    pub col: u32,
    pub shape: u32,
    /// Last row/column of an array formula's range.
    pub array_end: Option<(u32, u32)>,
    /// A dynamic-array formula: spills to its result's size (`R.spill`'s last argument).
    pub dynamic_array: bool,
}

/// Why a cell was backfilled.
#[derive(Clone, Debug, PartialEq)]
pub enum BackfillReason {
    ParseError {
        message: String,
        span: Span,
    },
    TooLong,
    TooDeep,
    Unsupported {
        reason: String,
        function: Option<String>,
        span: Option<Span>,
    },
    ReferenceOffSheet,
    /// A circular reference in a workbook without iterative calculation: Excel keeps the
    /// values it last computed there, so the engine keeps the stored ones.
    CircularWithoutIteration,
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
            BackfillReason::CircularWithoutIteration => "circular-without-iteration",
        }
    }

    pub fn message(&self) -> String {
        match self {
            BackfillReason::ParseError { message, .. } => format!("formula does not parse: {message}"),
            BackfillReason::TooLong => "formula is longer than Excel's limit of 8,192 characters".into(),
            BackfillReason::TooDeep => "formula is nested too deeply".into(),
            BackfillReason::Unsupported { reason, .. } => reason.clone(),
            BackfillReason::ReferenceOffSheet => "a relative reference falls off the sheet".into(),
            BackfillReason::CircularWithoutIteration => {
                "a circular reference and the workbook does not calculate iteratively: Excel keeps the values it last computed (the stored ones)".into()
            }
        }
    }

    /// The unsupported function, when that is the reason.
    pub fn function(&self) -> Option<&str> {
        match self {
            BackfillReason::Unsupported { function: Some(f), .. } => Some(f),
            _ => None,
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

/// A cell whose value is a constant in the engine.
pub struct ConstantCell<'a> {
    pub row: u32,
    pub col: u32,
    pub value: &'a Value,
}

/// Everything the emitter needs about one sheet.
pub struct SheetPlan<'a> {
    pub name: &'a str,
    pub constants: Vec<ConstantCell<'a>>,
    /// All computed cells (formulas, array members, backfilled formulas): (row, col).
    pub formula_cells: Vec<(u32, u32)>,
    /// Bounds of the used area: one past the last row and column.
    pub rows: u32,
    pub cols: u32,
    pub cell_count: usize,
}

pub struct NamePlan {
    pub name: String,
    pub scope: Option<u32>,
    pub area: Option<[u32; 5]>,
}

pub struct BackfillPlan {
    pub sheet: u32,
    pub row: u32,
    pub col: u32,
    pub reason: String,
    pub cone: Option<Vec<[u32; 5]>>,
}

/// A declared input or output of an output profile.
pub struct DeclaredPlan {
    pub reference: String,
    pub name: Option<String>,
    pub rect: Rect,
    /// number, text, boolean, blank, error or mixed.
    pub value_type: String,
}

pub struct EnginePlan<'a> {
    /// Output profile: declared inputs (others are refused) and outputs (what `get` serves).
    pub inputs: Option<Vec<DeclaredPlan>>,
    pub outputs: Option<Vec<DeclaredPlan>>,
    pub sheets: Vec<SheetPlan<'a>>,
    pub shapes: &'a [Bound],
    pub nodes: &'a [Node],
    pub names: Vec<NamePlan>,
    /// What FORMULATEXT returns for the cells it points at: (sheet, row, col) → text.
    pub formula_texts: BTreeMap<(u32, u32, u32), String>,
    /// The workbook's tables: INDIRECT resolves structured references at run time.
    pub tables: &'a [Table],
    pub backfilled: Vec<BackfillPlan>,
    pub calc: CalcSettings,
    pub date1904: bool,
    pub layout: &'a Layout,
    /// The runtime's function facts (code generation reads them).
    pub functions: &'a FunctionTable,
    /// Emit a lazy engine (modules imported on demand by `load()`).
    pub lazy: bool,
}

/// A module: the cells of one sheet with `r0 <= row < r1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModuleBand {
    pub sheet: u32,
    pub r0: u32,
    pub r1: u32,
}

#[derive(Clone, Debug)]
pub struct SegmentPlan {
    pub module: u32,
    pub cluster: bool,
    /// Node ids in evaluation order.
    pub nodes: Vec<u32>,
}

/// What a lazy segment needs before it can run.
#[derive(Clone, Debug, Default)]
pub struct SegmentNeeds {
    /// The segments holding cells it reads, as indices into [`Layout::dependency_lists`]
    /// (many segments read the same cells — the 120 monthly totals of one range of line
    /// items — so each distinct list is stored once).
    pub lists: Vec<u32>,
    /// Modules holding cells it reads (their constants).
    pub modules: Vec<u32>,
    /// It computes references at run time (OFFSET, INDIRECT): it may read anything
    /// evaluated before it.
    pub dynamic: bool,
}

pub struct Layout {
    pub modules: Vec<ModuleBand>,
    pub segments: Vec<SegmentPlan>,
    /// Per segment, for the lazy engine.
    pub needs: Option<Vec<SegmentNeeds>>,
    /// Distinct lists of segments read (sorted segment ids), shared by `SegmentNeeds::lists`.
    pub dependency_lists: Vec<Vec<u32>>,
}

impl Layout {
    /// The module holding cell (sheet, row).
    pub fn module_at(&self, sheet: u32, row: u32) -> u32 {
        let start = self.modules.partition_point(|m| m.sheet < sheet);
        let end = self.modules.partition_point(|m| m.sheet <= sheet);
        let bands = &self.modules[start..end];
        let i = bands.partition_point(|m| m.r1 <= row).min(bands.len().saturating_sub(1));
        (start + i) as u32
    }

    /// Modules of `sheet` whose rows overlap `r0..=r1`.
    pub(crate) fn modules_overlapping(&self, sheet: u32, r0: u32, r1: u32) -> std::ops::Range<u32> {
        let a = self.module_at(sheet, r0);
        let b = self.module_at(sheet, r1);
        a..b + 1
    }
}
