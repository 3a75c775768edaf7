//! The data model every stage reads: a workbook as the reader hands it over, each cell
//! held once. The reader (`sheetc-xlsx`) builds it; the compiler only borrows from it.

use crate::ast::ErrorKind;

/// Limits that protect the build from hostile files.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Total uncompressed size of the zip's parts, in bytes.
    pub max_uncompressed_bytes: u64,
    /// Total number of cells across all sheets.
    pub max_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_uncompressed_bytes: 4 << 30, max_cells: 50_000_000 }
    }
}

/// A constant value (or a formula's cached result) as stored in the file.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    Error(ErrorKind),
}

/// A cell's formula: an index into the sheet's formula texts, and the cell the text is
/// written for. Shared-formula children point at their anchor's text and position, so
/// the text is stored once per group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormulaRef {
    pub text: u32,
    pub origin_row: u32,
    pub origin_col: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// A constant (possibly empty with only a style, which we drop).
    Constant,
    /// An ordinary or shared formula.
    Formula(FormulaRef),
    /// The anchor of an array formula covering `(row..=last_row, col..=last_col)`, the
    /// range Excel stored (where it last spilled). `dynamic`: an Excel 365 dynamic-array
    /// formula (its cell metadata says `fDynamic`), which spills to its result's size;
    /// otherwise a legacy CSE array, which fills exactly its range.
    ArrayFormula { formula: FormulaRef, last_row: u32, last_col: u32, dynamic: bool },
    /// A cell inside an array formula's range (not the anchor): its value is computed.
    ArrayMember,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub row: u32,
    pub col: u32,
    pub kind: CellKind,
    /// The constant, or Excel's cached result of the formula.
    pub value: Value,
}

impl Cell {
    pub fn formula(&self) -> Option<FormulaRef> {
        match self.kind {
            CellKind::Formula(f) | CellKind::ArrayFormula { formula: f, .. } => Some(f),
            _ => None,
        }
    }
    pub fn is_computed(&self) -> bool {
        !matches!(self.kind, CellKind::Constant)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Sheet {
    pub name: String,
    /// Cells in row-major order (the order the file stores them).
    pub cells: Vec<Cell>,
    /// Formula texts referenced by `FormulaRef::text`.
    pub formulas: FormulaTexts,
}

/// A sheet's formula texts, end to end in one buffer. A model written cell by cell has a
/// text per formula cell: one allocation each would cost ~30 bytes of overhead per
/// formula and a million frees when the build is done.
#[derive(Clone, Debug, Default)]
pub struct FormulaTexts {
    bytes: String,
    /// Where each text ends in `bytes` (it starts where the previous one ends).
    ends: Vec<usize>,
}

impl FormulaTexts {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends a text; returns its index.
    pub fn push(&mut self, text: &str) -> u32 {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len());
        (self.ends.len() - 1) as u32
    }

    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.bytes.get(start..end)
    }
}

impl std::ops::Index<usize> for FormulaTexts {
    type Output = str;
    fn index(&self, index: usize) -> &str {
        self.get(index).expect("formula text index out of range")
    }
}

impl<S: AsRef<str>> FromIterator<S> for FormulaTexts {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut texts = FormulaTexts::default();
        for t in iter {
            texts.push(t.as_ref());
        }
        texts
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DefinedName {
    pub name: String,
    /// Sheet index for a sheet-scoped name.
    pub scope: Option<u32>,
    /// The formula text of the name (without `=`).
    pub formula: String,
    pub hidden: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalcSettings {
    pub iterate: bool,
    pub iterate_count: u32,
    pub iterate_delta: f64,
}

impl Default for CalcSettings {
    fn default() -> Self {
        CalcSettings { iterate: false, iterate_count: 100, iterate_delta: 0.001 }
    }
}

/// An Excel table (ListObject), for structured references.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: String,
    pub sheet: u32,
    /// The whole table, header and totals rows included (zero-based, inclusive).
    pub r0: u32,
    pub c0: u32,
    pub r1: u32,
    pub c1: u32,
    pub header_rows: u32,
    pub totals_rows: u32,
    /// Column names, left to right.
    pub columns: Vec<String>,
}

/// The file format a workbook was read from (the build report names it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileFormat {
    /// Office Open XML (`.xlsx`, also `.xltx`).
    #[default]
    Xlsx,
    /// Office Open XML with macros (`.xlsm`): the same package with a VBA project.
    Xlsm,
    /// Excel binary workbook (`.xlsb`, BIFF12 records in a zip).
    Xlsb,
    /// Excel 97-2003 workbook (`.xls`, BIFF8 in a compound file).
    Xls,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
}

impl FileFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Xlsm => "xlsm",
            FileFormat::Xlsb => "xlsb",
            FileFormat::Xls => "xls",
            FileFormat::Ods => "ods",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    pub names: Vec<DefinedName>,
    pub tables: Vec<Table>,
    pub calc: CalcSettings,
    pub date1904: bool,
    /// What the file was.
    pub format: FileFormat,
}

impl Workbook {
    /// The sheet of that name, compared case-insensitively (Unicode) as Excel does.
    pub fn sheet_index(&self, name: &str) -> Option<u32> {
        let lower = name.to_lowercase();
        self.sheets.iter().position(|s| s.name.eq_ignore_ascii_case(name) || s.name.to_lowercase() == lower).map(|i| i as u32)
    }
    pub fn cell_count(&self) -> usize {
        self.sheets.iter().map(|s| s.cells.len()).sum()
    }
}
