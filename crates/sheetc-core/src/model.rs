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
    /// Rows the file marks hidden (`<row hidden="1">`), zero-based, sorted: SUBTOTAL
    /// 101–111 and AGGREGATE's "ignore hidden rows" options skip them.
    pub hidden_rows: Vec<u32>,
    /// The hidden rows that an active filter hides (inside an AutoFilter range, the
    /// sheet's or a table's, that has filter criteria), sorted: every SUBTOTAL skips them.
    pub filtered_rows: Vec<u32>,
    /// Excel data tables (What-If Analysis, `{=TABLE(row,col)}`): their result ranges.
    /// Their cells are array members of an anchor whose formula text is `TABLE(...)`.
    pub data_tables: Vec<DataTableRange>,
}

/// An Excel data table: its result range (zero-based, inclusive), anchored top-left, and
/// the input cells the model is re-run with. Excel's layout: the header row is `r0 - 1`,
/// the header column `c0 - 1`.
///
/// - Two-variable (`row_input` and `col_input`): the formula is the corner cell
///   `(r0-1, c0-1)`; cell `(r, c)` is that formula with `row_input` set to `(r0-1, c)`
///   and `col_input` set to `(r, c0-1)`.
/// - One-variable, input values down a column (`col_input` only): the formulas are
///   along the header row; cell `(r, c)` is the formula `(r0-1, c)` with `col_input`
///   set to `(r, c0-1)`.
/// - One-variable, input values along a row (`row_input` only): the formulas are down
///   the header column; cell `(r, c)` is the formula `(r, c0-1)` with `row_input` set
///   to `(r0-1, c)`.
///
/// The reader leaves both inputs `None` when Excel marks one deleted (`#REF!`) or the
/// file's reference cannot be read: such a table keeps its stored values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataTableRange {
    pub r0: u32,
    pub c0: u32,
    pub r1: u32,
    pub c1: u32,
    /// The row input cell (`r1` of a two-variable or row-oriented table), on this sheet;
    /// None for the column-oriented one or when Excel marks it deleted.
    pub row_input: Option<(u32, u32)>,
    /// The column input cell (`r2` of a two-variable table, `r1` of a column-oriented one).
    pub col_input: Option<(u32, u32)>,
}

impl DataTableRange {
    /// Whether the engine can compute the table by re-running the model: it knows an
    /// input, the table has the header row and column its input values sit in, and no
    /// input lies inside the table (Excel refuses that too). Otherwise the table's cells
    /// keep Excel's stored values (backfilled, reported).
    pub fn computable(&self) -> bool {
        let inside = |&(r, c): &(u32, u32)| r + 1 >= self.r0 && r <= self.r1 && c + 1 >= self.c0 && c <= self.c1;
        (self.row_input.is_some() || self.col_input.is_some()) && self.r0 > 0 && self.c0 > 0 && !self.row_input.iter().chain(self.col_input.iter()).any(inside)
    }
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
    /// `calcMode="autoNoTable"` (Automatic except for data tables): Excel recalculates
    /// data tables only when asked (F9), so the values it shows are the stored ones, even
    /// where they are stale; the compiler keeps them (backfilled) rather than compute
    /// numbers Excel does not show.
    pub tables_on_request: bool,
}

impl Default for CalcSettings {
    fn default() -> Self {
        CalcSettings { iterate: false, iterate_count: 100, iterate_delta: 0.001, tables_on_request: false }
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
    /// Cells' number formats other than General (for the engine's `text()`).
    pub formats: CellFormats,
    /// The package holds a VBA project (`xl/vbaProject.bin`, an .xlsm): a call to a name
    /// that is neither an Excel function nor a defined name is a user-defined function.
    pub vba_project: bool,
    /// The document's properties (docProps/app.xml, docProps/core.xml).
    pub properties: DocumentProperties,
    /// What the file was.
    pub format: FileFormat,
}

/// The workbook's cell number formats, as the reader found them in `xl/styles.xml` and
/// the cells' style ids: distinct format codes, and per worksheet (in workbook order) the
/// runs of cells whose format is not General. Only `text()` and `toJSON({ formatted })`
/// read them; a workbook without formats has none (and its engine carries none).
#[derive(Clone, Debug, Default)]
pub struct CellFormats {
    pub codes: Vec<String>,
    pub sheets: Vec<Vec<FormatRun>>,
}

/// Cells `(row, col..col + count)` whose format is `code` (an index into `CellFormats::codes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatRun {
    pub row: u32,
    pub col: u32,
    pub count: u32,
    pub code: u32,
}

/// A sheet name folded for comparison, by the one rule the compiler, the reader and the
/// runtime (`sheetKey` in ts/runtime/address.ts, which must stay identical) share.
///
/// Excel compares sheet names ignoring case, and "requires that sheet names are
/// case-insensitive unique in any locale" ([MS-OI29500] 2.1.578). Its comparison maps
/// characters one to one; here each character is mapped to the lower case of its upper
/// case, taking a mapping only when it is a single character (Unicode's simple mappings,
/// locale-independent):
/// - Greek: `ς` (final sigma), `σ` and `Σ` are one letter; full-width `Ａ` and `ａ` are one
///   letter, but not the same as `A` (width is not case);
/// - German: `ß` upper-cases to the two letters `SS` only, so it stays itself (`ß` and `SS`
///   differ; `ẞ` and `ß` are one letter);
/// - Turkish and Azerbaijani pair `I` with `ı` and `İ` with `i`: "unique in any locale"
///   makes `i`, `I`, `ı` and `İ` one letter (`ı` upper-cases to `I` already; `İ`, whose
///   lower case is two characters, is mapped to `i` explicitly).
pub fn sheet_key(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
        let c = it.next()?;
        it.next().is_none().then_some(c)
    }
    name.chars()
        .map(|c| match c {
            '\u{130}' => 'i',
            _ => {
                let upper = single(c.to_uppercase()).unwrap_or(c);
                single(upper.to_lowercase()).unwrap_or(upper)
            }
        })
        .collect()
}

/// What the package's document properties say about where the file comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocumentProperties {
    /// The application that saved the file (`<Application>` of docProps/app.xml), e.g.
    /// `Microsoft Excel` or `Microsoft Macintosh Excel`.
    pub application: Option<String>,
    /// When the file was last saved (`dcterms:modified` of docProps/core.xml), as written
    /// (W3CDTF, e.g. `2022-06-03T00:35:39Z`).
    pub modified: Option<String>,
}

impl DocumentProperties {
    /// Saved by Excel for Mac: CHAR and CODE use the Mac character set there.
    pub fn mac_excel(&self) -> bool {
        self.application.as_deref().is_some_and(|a| a.contains("Macintosh"))
    }
}

impl Workbook {
    /// The sheet of that name, compared as Excel compares sheet names ([`sheet_key`]).
    pub fn sheet_index(&self, name: &str) -> Option<u32> {
        let key = sheet_key(name);
        self.sheets.iter().position(|s| sheet_key(&s.name) == key).map(|i| i as u32)
    }
    pub fn cell_count(&self) -> usize {
        self.sheets.iter().map(|s| s.cells.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same table is asserted by the runtime's `sheetKey` (__test__/sheet-names.test.ts).
    #[test]
    fn sheet_names_fold_as_excel_compares_them() {
        let same = |a: &str, b: &str| assert_eq!(sheet_key(a), sheet_key(b), "{a} and {b} are one name");
        let differ = |a: &str, b: &str| assert_ne!(sheet_key(a), sheet_key(b), "{a} and {b} are two names");
        same("Sheet1", "SHEET1");
        // Turkish: I/ı and İ/i are case pairs there, I/i elsewhere: one letter in any locale.
        for (a, b) in [("ı", "i"), ("ı", "I"), ("İ", "i"), ("İ", "I"), ("İ", "ı"), ("Kırılım", "KIRILIM"), ("İstanbul", "istanbul")] {
            same(a, b);
        }
        // German: ß has no one-letter upper case; ẞ is its capital.
        differ("ß", "SS");
        differ("ß", "ss");
        differ("Straße", "STRASSE");
        same("ẞ", "ß");
        same("Straße", "STRAẞE");
        // Greek: final sigma, sigma and capital sigma.
        same("ς", "σ");
        same("ς", "Σ");
        same("ΟΔΟΣ", "οδος");
        same("οδος", "οδοσ");
        // Full width: case folds, width does not.
        same("Ａ", "ａ");
        same("ＳＨＥＥＴ", "ｓｈｅｅｔ");
        differ("Ａ", "A");
        differ("ａ", "a");
    }

    #[test]
    fn sheet_index_uses_the_same_rule() {
        let sheet = |n: &str| Sheet { name: n.into(), ..Sheet::default() };
        let wb = Workbook { sheets: vec![sheet("i"), sheet("ß"), sheet("SS"), sheet("Σ")], ..Workbook::default() };
        assert_eq!(wb.sheet_index("ı"), Some(0));
        assert_eq!(wb.sheet_index("İ"), Some(0));
        assert_eq!(wb.sheet_index("ẞ"), Some(1));
        assert_eq!(wb.sheet_index("ss"), Some(2));
        assert_eq!(wb.sheet_index("ς"), Some(3));
        assert_eq!(wb.sheet_index("x"), None);
    }
}
