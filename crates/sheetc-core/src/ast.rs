//! The formula syntax tree produced by the parse stage.
//!
//! It is deliberately *unbound*: sheet names, defined names and table names are kept
//! as text, and cell addresses are the A1 coordinates written in the formula. The bind
//! stage turns this tree into references relative to the formula's cell. Keeping the
//! two apart lets one parse serve every cell of a formula shape.

/// A byte span `[start, end)` in the formula text (without the leading `=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// Excel's error values, in the order of `ERROR.TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Null,
    Div0,
    Value,
    Ref,
    Name,
    Num,
    NA,
    GettingData,
    Spill,
    Calc,
}

impl ErrorKind {
    /// The literal as Excel writes it (`#DIV/0!`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Null => "#NULL!",
            ErrorKind::Div0 => "#DIV/0!",
            ErrorKind::Value => "#VALUE!",
            ErrorKind::Ref => "#REF!",
            ErrorKind::Name => "#NAME?",
            ErrorKind::Num => "#NUM!",
            ErrorKind::NA => "#N/A",
            ErrorKind::GettingData => "#GETTING_DATA",
            ErrorKind::Spill => "#SPILL!",
            ErrorKind::Calc => "#CALC!",
        }
    }

    /// Parses an error literal, case-insensitively as Excel accepts it.
    pub fn parse(text: &str) -> Option<ErrorKind> {
        let upper = text.to_ascii_uppercase();
        Some(match upper.as_str() {
            "#NULL!" => ErrorKind::Null,
            "#DIV/0!" => ErrorKind::Div0,
            "#VALUE!" => ErrorKind::Value,
            "#REF!" => ErrorKind::Ref,
            "#NAME?" => ErrorKind::Name,
            "#NUM!" => ErrorKind::Num,
            "#N/A" => ErrorKind::NA,
            "#GETTING_DATA" => ErrorKind::GettingData,
            "#SPILL!" => ErrorKind::Spill,
            "#CALC!" => ErrorKind::Calc,
            _ => return None,
        })
    }
}

/// A row or column coordinate as written: zero-based index plus the `$` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Coord {
    pub index: u32,
    pub absolute: bool,
}

/// A single cell address (`$B3`): zero-based row and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CellAddr {
    pub row: Coord,
    pub col: Coord,
}

/// The sheet part of a qualified reference, before binding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SheetPrefix {
    /// `Sheet1!` or `'My Sheet'!` (quotes removed, `''` unescaped).
    Single(String),
    /// `Sheet1:Sheet3!` (a 3D reference).
    Span(String, String),
    /// `[1]Sheet1!` — an external workbook by its index in the external-link table
    /// (or by file name when written literally).
    External { book: String, sheet: Option<String> },
    /// `#REF!` in sheet position (the sheet was deleted).
    RefError,
}

/// What a reference covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefTarget {
    Cell(CellAddr),
    /// `A1:B2` written as one token pair of cell addresses.
    Area(CellAddr, CellAddr),
    /// Whole columns `A:C` (column coordinates only).
    Cols(Coord, Coord),
    /// Whole rows `3:5` (row coordinates only).
    Rows(Coord, Coord),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x` (a no-op that Excel keeps)
    Plus,
    /// `x%` (postfix)
    Percent,
    /// `@x` implicit intersection
    ImplicitIntersection,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `:` between arbitrary reference expressions.
    Range,
    /// `,` inside parentheses: `(A1,B2)`.
    Union,
    /// a space between two references.
    Intersect,
}

/// A structured-reference item specifier (`[#Headers]`, `[#This Row]`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableItem {
    All,
    Data,
    Headers,
    Totals,
    ThisRow,
}

/// A structured table reference: `Table1[Col]`, `[@Col]`, `Table1[[#Headers],[A]:[B]]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableRef {
    /// `None` for a reference written inside the table itself (`[@Col]`).
    pub table: Option<String>,
    /// Item specifiers; empty means the data body.
    pub items: Vec<TableItem>,
    /// First and last column names (same name twice for a single column); `None` for all columns.
    pub columns: Option<(String, String)>,
}

/// A formula expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Number(f64),
    Text(String),
    Bool(bool),
    Error(ErrorKind),
    /// An array constant `{1,2;3,4}`: rows of scalar literals.
    Array(Vec<Vec<Expr>>),
    /// A cell, area, whole-row or whole-column reference, optionally sheet-qualified.
    Ref {
        sheet: Option<SheetPrefix>,
        target: RefTarget,
    },
    /// A reference written as `#REF!` (optionally sheet-qualified).
    RefError {
        sheet: Option<SheetPrefix>,
    },
    /// A defined name (or a LET/LAMBDA parameter), optionally sheet-qualified.
    Name {
        sheet: Option<SheetPrefix>,
        name: String,
    },
    /// A structured table reference.
    Table(TableRef),
    /// A function call. `name` is upper-cased with `_xlfn.`/`_xlws.`/`_xlpm.` prefixes removed.
    Call {
        name: String,
        args: Vec<Expr>,
        span: Span,
    },
    /// A call of a computed function value: `LAMBDA(x,x+1)(2)` or `name(args)` where
    /// name is bound by LET. (Named calls go through `Call`; the binder decides.)
    Invoke {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// The spill reference operator `A1#`.
    Spill(Box<Expr>),
    /// An omitted function argument (`IF(A1,,2)`).
    Missing,
}
