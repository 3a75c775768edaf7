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
    /// Calls a user-defined function (VBA, or an add-in's: `add_in`) the caller did not implement.
    UserFunction {
        name: String,
        add_in: bool,
    },
    /// A cell of an Excel data table (`{=TABLE(row,col)}`), which sheetc does not compute yet.
    DataTable,
    /// An Excel function the runtime does not compute, with a note saying why
    /// (GETPIVOTDATA reads a pivot table, ...): the code and reason come from the note.
    NotComputed {
        function: String,
        code: String,
        reason: String,
        span: Option<Span>,
    },
    /// A circular reference in a workbook without iterative calculation: Excel keeps the
    /// values it last computed there, so the engine keeps the stored ones.
    CircularWithoutIteration,
}

impl BackfillReason {
    pub fn code(&self) -> &str {
        match self {
            BackfillReason::ParseError { .. } => "parse-error",
            BackfillReason::TooLong => "formula-too-long",
            BackfillReason::TooDeep => "formula-too-deep",
            BackfillReason::Unsupported { function: Some(_), .. } => "unsupported-function",
            BackfillReason::Unsupported { .. } => "unsupported",
            BackfillReason::ReferenceOffSheet => "reference-off-sheet",
            BackfillReason::UserFunction { add_in: false, .. } => "user-defined-function",
            BackfillReason::UserFunction { add_in: true, .. } => "add-in-function",
            BackfillReason::DataTable => "data-table",
            BackfillReason::NotComputed { code, .. } => code,
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
            BackfillReason::UserFunction { name, add_in: false } => format!(
                "calls the user-defined function {name} (VBA), which only Excel can run: the value Excel stored is kept; pass an implementation (compile(file, {{ functions: {{ {name}: ... }} }})) to compute it"
            ),
            BackfillReason::UserFunction { name, add_in: true } => {
                format!("calls {name}, a function of an Excel add-in (XLL), which only Excel with that add-in can run: the value Excel stored is kept")
            }
            BackfillReason::DataTable => "a cell of an Excel data table (What-If Analysis) that sheetc does not compute here (an input cell it cannot set, \
                 an output profile, or a workbook that calculates data tables only on request): the value Excel stored is kept"
                .into(),
            BackfillReason::NotComputed { reason, .. } => reason.clone(),
            BackfillReason::CircularWithoutIteration => {
                "a circular reference and the workbook does not calculate iteratively: Excel keeps the values it last computed (the stored ones)".into()
            }
        }
    }

    /// The Excel function the runtime does not compute, when that is the reason.
    pub fn function(&self) -> Option<&str> {
        match self {
            BackfillReason::Unsupported { function: Some(f), .. } | BackfillReason::NotComputed { function: f, .. } => Some(f),
            _ => None,
        }
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            BackfillReason::ParseError { span, .. } => Some(*span),
            BackfillReason::Unsupported { span, .. } | BackfillReason::NotComputed { span, .. } => *span,
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
    /// An array formula's anchor: the last cell of its range, whose members keep their
    /// stored values too (a lazy engine lists them in its results).
    pub last: Option<(u32, u32)>,
}

/// A declared input or output of an output profile.
pub struct DeclaredPlan {
    pub reference: String,
    pub name: Option<String>,
    pub rect: Rect,
    /// number, text, boolean, blank, error or mixed.
    pub value_type: String,
}

/// The number formats `text()` shows cells with: distinct codes, and rectangles
/// `[sheet, r0, c0, r1, c1, code index]` of cells with a format other than General.
#[derive(Debug, Default, PartialEq)]
pub struct NumFmtPlan {
    pub codes: Vec<String>,
    pub areas: Vec<[u32; 6]>,
}

/// What the runtime's book context carries beyond the cells: facts some functions read
/// (the spec's `hiddenRows`, `filteredRows`, `subtotalCells`, `macCharset`,
/// `userFunctions`; each written only when it says something, so other engines are
/// unchanged).
#[derive(Default)]
pub struct BookContext<'a> {
    /// Per sheet that has any: its hidden rows (sorted), for SUBTOTAL and AGGREGATE.
    pub hidden_rows: Vec<(u32, &'a [u32])>,
    /// Per sheet that has any: the hidden rows a filter hides (sorted).
    pub filtered_rows: Vec<(u32, &'a [u32])>,
    /// Cells whose formula calls a subtotal function (SUBTOTAL, AGGREGATE), which
    /// SUBTOTAL and AGGREGATE skip in their ranges: (sheet, row, col), sorted.
    pub subtotal_cells: Vec<(u32, u32, u32)>,
    /// Saved by Excel for Mac: CHAR and CODE use the Mac character set.
    pub mac_charset: bool,
    /// User-defined functions the engine calls (upper-case base names): `run()` needs
    /// their implementations.
    pub user_functions: Vec<String>,
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
    pub formula_texts: &'a BTreeMap<(u32, u32, u32), String>,
    /// The workbook's tables: INDIRECT resolves structured references at run time.
    pub tables: &'a [Table],
    pub backfilled: Vec<BackfillPlan>,
    /// Excel data tables the runtime recomputes.
    pub data_tables: Vec<DataTablePlan>,
    pub calc: CalcSettings,
    pub date1904: bool,
    pub book: BookContext<'a>,
    pub layout: &'a Layout,
    /// The runtime's function facts (code generation reads them).
    pub functions: &'a FunctionTable,
    /// Emit a lazy engine (modules imported on demand by `load()`).
    pub lazy: bool,
    /// Cells' number formats (spec `numFmts`; omitted when no cell has one).
    pub number_formats: NumFmtPlan,
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
    /// It must be recomputed on every run whatever changed (a function the registry
    /// declares volatile, a computed reference, a user-defined function): an incremental
    /// run never keeps it.
    pub volatile: bool,
    /// It holds a dynamic-array formula, whose spilled extent depends on its result.
    pub spills: bool,
    /// The sheets whose cells it writes (sorted).
    pub sheets: Vec<u32>,
    /// How many cells it computes (an array formula's whole range).
    pub cells: u32,
    /// What it reads: one bounding rectangle per reference of each statement (constants
    /// and computed cells alike); an incremental run compares them with changed inputs.
    pub rects: Vec<Rect>,
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

/// An Excel data table the engine recomputes after each run: the workbook's table (its
/// area and input cells, `model::DataTableRange`) on its sheet.
pub struct DataTablePlan {
    pub sheet: u32,
    pub table: crate::model::DataTableRange,
    /// Some formula reads a cell of the table: the run is repeated with the table's values.
    pub read: bool,
}

impl DataTablePlan {
    /// The table's cells.
    pub fn rect(&self) -> crate::address::Rect {
        let t = &self.table;
        crate::address::Rect { sheet: self.sheet, r0: t.r0, c0: t.c0, r1: t.r1, c1: t.c1 }
    }
}
