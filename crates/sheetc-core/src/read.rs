//! Read stage: the workbook file into one owned `Workbook`.
//!
//! Cells are streamed with calamine's `worksheet_cells_reader` and
//! `next_cell_with_formula_metadata`, so a sheet is never materialised as a dense
//! range. The workbook-level parts calamine does not expose the way we need them
//! (defined names with their scope, `calcPr` iteration settings, the ranges of array
//! formulas) are read from the zip directly with quick-xml.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use calamine::{DataRef, Reader, Xlsx, XlsxError, XlsxFormulaMetadata};
use quick_xml::events::Event;

use crate::ast::ErrorKind;
use crate::error::{ErrorCode, Result, SheetcError};

/// Excel's grid: rows and columns per sheet.
const MAX_SHEET_ROWS: u32 = 1_048_576;
const MAX_SHEET_COLS: u32 = 16_384;

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

#[derive(Clone, Debug, Default)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    pub names: Vec<DefinedName>,
    pub tables: Vec<Table>,
    pub calc: CalcSettings,
    pub date1904: bool,
    /// Cells' number formats other than General (for the engine's `text()`).
    pub formats: crate::numfmt::CellFormats,
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

/// What the first bytes of the file say it is.
fn sniff(path: &Path) -> Result<()> {
    let mut f = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
    let mut head = [0u8; 8];
    let n = f.read(&mut head).map_err(|e| SheetcError::io("cannot read the file", e))?;
    if n >= 4 && head[..4] == *b"PK\x03\x04" {
        return Ok(());
    }
    if n >= 8 && head == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
        // An OLE compound file: either an encrypted OOXML package or a legacy .xls.
        let mut rest = Vec::new();
        f.take(64 << 20).read_to_end(&mut rest).map_err(|e| SheetcError::io("cannot read the file", e))?;
        let needle: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        if rest.windows(needle.len()).any(|w| w == needle.as_slice()) {
            return Err(SheetcError::new(
                ErrorCode::Encrypted,
                "the workbook is password-protected; save an unprotected copy from Excel and compile that",
            ));
        }
        return Err(SheetcError::new(
            ErrorCode::LegacyFormat,
            "this is a legacy binary workbook (.xls); open it in Excel and save it as .xlsx",
        ));
    }
    Err(SheetcError::new(
        ErrorCode::NotAWorkbook,
        format!("{} is not an Excel workbook (.xlsx/.xlsm): it is not a zip file", path.display()),
    ))
}

fn corrupt(msg: impl Into<String>) -> SheetcError {
    SheetcError::new(ErrorCode::Corrupt, msg)
}

fn map_xlsx_err(e: XlsxError) -> SheetcError {
    match e {
        XlsxError::Io(io) => SheetcError::io("reading the workbook", io),
        XlsxError::Zip(z) => corrupt(format!("the workbook's zip is damaged: {z}")),
        other => corrupt(format!("the workbook is damaged or not a spreadsheet: {other}")),
    }
}

/// Workbook-level facts read from `xl/workbook.xml` and its relationships.
struct WorkbookPart {
    /// (sheet name, part path) in workbook order; only worksheets.
    sheets: Vec<(String, String)>,
    names: Vec<(String, Option<u32>, String, bool)>,
    calc: CalcSettings,
    date1904: bool,
    /// Parts of the external links, in `[n]` order.
    external_links: Vec<String>,
}

fn read_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64) -> Result<Option<Vec<u8>>> {
    let mut file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(corrupt(format!("cannot read {name}: {e}"))),
    };
    let mut buf = Vec::new();
    (&mut file)
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| corrupt(format!("cannot read {name}: {e}")))?;
    if buf.len() as u64 > limit {
        return Err(SheetcError::new(ErrorCode::TooLarge, format!("{name} is larger than the limit of {limit} bytes")));
    }
    Ok(Some(buf))
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().into_inner() == key).map(|a| {
        let raw: &str = &a.value;
        quick_xml::escape::unescape(raw).map(|v| v.into_owned()).unwrap_or_else(|_| raw.to_string())
    })
}

fn resolve_target(target: &str) -> String {
    let t = target.trim_start_matches('/');
    if t.starts_with("xl/") {
        t.to_string()
    } else {
        format!("xl/{t}")
    }
}

fn read_workbook_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<WorkbookPart> {
    let rels = read_part(zip, "xl/_rels/workbook.xml.rels", limit)?
        .ok_or_else(|| corrupt("the workbook has no xl/_rels/workbook.xml.rels part"))?;
    let mut targets: HashMap<String, (String, bool)> = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    let is_sheet = attr(&e, "Type").is_some_and(|t| t.ends_with("/worksheet"));
                    targets.insert(id, (resolve_target(&target), is_sheet));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(corrupt(format!("xl/_rels/workbook.xml.rels is not valid XML: {e}"))),
            _ => {}
        }
        buf.clear();
    }

    let wb = read_part(zip, "xl/workbook.xml", limit)?.ok_or_else(|| corrupt("the workbook has no xl/workbook.xml part"))?;
    let mut part = WorkbookPart {
        sheets: Vec::new(),
        names: Vec::new(),
        calc: CalcSettings::default(),
        date1904: false,
        external_links: Vec::new(),
    };
    let mut reader = quick_xml::Reader::from_reader(wb.as_slice());
    let mut all_sheets = 0u32;
    let mut local_to_index: HashMap<u32, u32> = HashMap::new();
    let mut pending_name: Option<(String, Option<u32>, bool)> = None;
    let mut name_text = String::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "sheet" => {
                    let name = attr(&e, "name").unwrap_or_default();
                    let rid = attr(&e, "id").unwrap_or_default();
                    if let Some((target, true)) = targets.get(&rid) {
                        local_to_index.insert(all_sheets, part.sheets.len() as u32);
                        part.sheets.push((name, target.clone()));
                    }
                    all_sheets += 1;
                }
                "externalReference" => {
                    if let Some((target, _)) = attr(&e, "id").and_then(|rid| targets.get(&rid)) {
                        part.external_links.push(target.clone());
                    }
                }
                "workbookPr" => {
                    part.date1904 = attr(&e, "date1904").is_some_and(|v| v == "1" || v == "true");
                }
                "calcPr" => {
                    part.calc.iterate = attr(&e, "iterate").is_some_and(|v| v == "1" || v == "true");
                    if let Some(n) = attr(&e, "iterateCount").and_then(|v| v.parse().ok()) {
                        part.calc.iterate_count = n;
                    }
                    if let Some(d) = attr(&e, "iterateDelta").and_then(|v| v.parse().ok()) {
                        part.calc.iterate_delta = d;
                    }
                }
                "definedName" => {
                    let name = attr(&e, "name").unwrap_or_default();
                    let scope = attr(&e, "localSheetId").and_then(|v| v.parse::<u32>().ok());
                    let hidden = attr(&e, "hidden").is_some_and(|v| v == "1" || v == "true");
                    pending_name = Some((name, scope, hidden));
                    name_text.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if pending_name.is_some() => {
                name_text.push_str(&t.xml10_content());
            }
            Ok(Event::GeneralRef(r)) if pending_name.is_some() => {
                push_entity(&mut name_text, r.as_ref());
            }
            Ok(Event::End(e)) if e.local_name().into_inner() == "definedName" => {
                if let Some((name, scope, hidden)) = pending_name.take() {
                    let scope = scope.and_then(|s| local_to_index.get(&s).copied());
                    part.names.push((name, scope, std::mem::take(&mut name_text), hidden));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(corrupt(format!("xl/workbook.xml is not valid XML: {e}"))),
            _ => {}
        }
        buf.clear();
    }
    Ok(part)
}

/// The shared-string table announces its size (`uniqueCount`), and the reader reserves
/// memory for it up front: a hostile count would abort the process. Each string takes at
/// least a few bytes of XML, so a count beyond the part's size is a damaged file.
fn check_shared_strings<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<()> {
    let Ok(part) = zip.by_name("xl/sharedStrings.xml") else { return Ok(()) };
    let size = part.size();
    let mut head = Vec::with_capacity(4096);
    part.take(4096).read_to_end(&mut head).map_err(|e| corrupt(format!("cannot read xl/sharedStrings.xml: {e}")))?;
    let text = String::from_utf8_lossy(&head);
    for key in ["uniqueCount=\"", "count=\""] {
        if let Some(pos) = text.find(key) {
            let digits: String = text[pos + key.len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
            let n: u64 = digits.parse().unwrap_or(u64::MAX);
            if key.starts_with("unique") && n > size / 4 + 16 {
                return Err(corrupt(format!(
                    "xl/sharedStrings.xml declares {n} strings but holds only {size} bytes; the workbook is damaged"
                )));
            }
        }
    }
    Ok(())
}

/// Reads the tables of one sheet: the sheet part's relationships name its table parts.
fn read_tables<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, sheet_part: &str, sheet: u32, limit: u64) -> Result<Vec<Table>> {
    let (dir, file) = sheet_part.rsplit_once('/').unwrap_or(("", sheet_part));
    let rels_path = format!("{dir}/_rels/{file}.rels");
    let Some(rels) = read_part(zip, &rels_path, limit)? else { return Ok(Vec::new()) };
    let mut targets = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                if attr(&e, "Type").is_some_and(|t| t.ends_with("/table")) {
                    if let Some(t) = attr(&e, "Target") {
                        targets.push(resolve_relative(dir, &t));
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    let mut out = Vec::new();
    for target in targets {
        let Some(xml) = read_part(zip, &target, limit)? else { continue };
        let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
        let mut table: Option<Table> = None;
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                    "table" => {
                        let name = attr(&e, "displayName").or_else(|| attr(&e, "name")).unwrap_or_default();
                        let area = attr(&e, "ref").and_then(|r| {
                            let (a, b) = r.split_once(':').unwrap_or((&r, &r));
                            Some((parse_a1(a)?, parse_a1(b)?))
                        });
                        if let Some(((r0, c0), (r1, c1))) = area {
                            table = Some(Table {
                                name,
                                sheet,
                                r0,
                                c0,
                                r1,
                                c1,
                                header_rows: attr(&e, "headerRowCount").and_then(|v| v.parse().ok()).unwrap_or(1),
                                totals_rows: attr(&e, "totalsRowCount").and_then(|v| v.parse().ok()).unwrap_or(0),
                                columns: Vec::new(),
                            });
                        }
                    }
                    "tableColumn" => {
                        if let Some(t) = table.as_mut() {
                            t.columns.push(attr(&e, "name").unwrap_or_default());
                        }
                    }
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
            buf.clear();
        }
        out.extend(table);
    }
    Ok(out)
}

/// The cached sheets of one external link (`xl/externalLinks/externalLinkN.xml`).
fn read_external_link(xml: &[u8], index: usize) -> Vec<Sheet> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut sheets: Vec<Sheet> = Vec::new();
    let mut current: Option<usize> = None;
    let mut cell: Option<(u32, u32, Option<String>)> = None;
    let mut text = String::new();
    let mut in_v = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "sheetName" => names.push(attr(&e, "val").unwrap_or_default()),
                "sheetData" => {
                    let id: usize = attr(&e, "sheetId").and_then(|v| v.parse().ok()).unwrap_or(usize::MAX);
                    current = names.get(id).map(|n| {
                        sheets.push(Sheet { name: format!("[{index}]{n}"), ..Sheet::default() });
                        sheets.len() - 1
                    });
                }
                "cell" => {
                    cell = attr(&e, "r").and_then(|r| parse_a1(&r)).map(|(r, c)| (r, c, attr(&e, "t")));
                    text.clear();
                }
                "v" => {
                    in_v = true;
                    text.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_v => text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_v => {
                push_entity(&mut text, r.as_ref());
            }
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "v" => in_v = false,
                "cell" => {
                    if let (Some(s), Some((r, c, t))) = (current, cell.take()) {
                        let value = match t.as_deref() {
                            Some("str") | Some("s") | Some("inlineStr") => Value::Text(text.clone()),
                            Some("b") => Value::Bool(text == "1"),
                            Some("e") => ErrorKind::parse(&text).map_or(Value::Empty, Value::Error),
                            _ => text.trim().parse::<f64>().map_or(Value::Empty, Value::Number),
                        };
                        if value != Value::Empty {
                            sheets[s].cells.push(Cell { row: r, col: c, kind: CellKind::Constant, value });
                        }
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    for s in &mut sheets {
        s.cells.sort_by_key(|c| (c.row, c.col));
    }
    sheets
}

/// Resolves a relationship target relative to the directory of the part that names it.
fn resolve_relative(dir: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Collects `(anchor row, anchor col) → (last row, last col)` of array formulas in one
/// sheet part. Calamine reports array formulas as ordinary ones and drops their range.
/// What the streaming cell reader does not report: array-formula ranges, and the
/// value-metadata index (`vm`) of error cells (rich-value errors such as #CALC!).
#[derive(Default)]
struct SheetExtras {
    arrays: HashMap<(u32, u32), ArrayExtent>,
    error_vm: HashMap<(u32, u32), u32>,
    /// Cells with a number format other than General (`numfmt::StyleScan`).
    formats: Vec<crate::numfmt::FormatRun>,
}

/// An array formula's stored range end and its anchor cell's `cm` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ArrayExtent {
    last: (u32, u32),
    cm: Option<u32>,
}

/// The extras of every sheet part, in order (empty for a missing part). `stop` ends the
/// pass early when the cell reader has failed (its error is the one reported).
fn read_all_extras(path: &Path, targets: &[&str], limits: &Limits, xf: &crate::numfmt::XfFormats, stop: &AtomicBool) -> Result<Vec<SheetExtras>> {
    let file = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| SheetcError::new(ErrorCode::NotAWorkbook, format!("not a valid workbook zip: {e}")))?;
    let mut out = Vec::with_capacity(targets.len());
    for target in targets {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        out.push(sheet_extras(&mut zip, target, limits, xf)?);
    }
    Ok(out)
}

/// Attribute text that marks an array formula and an error cell's value metadata.
const ARRAY_NEEDLE: &[u8] = b"t=\"array\"";
const VM_NEEDLE: &[u8] = b" vm=\"";

/// One sheet part's extras. Almost no sheet has any, so the part is first streamed
/// through the decompressor in blocks and searched (memchr's SIMD `memmem`), never
/// held whole; only a part that holds a needle is read and parsed as XML. When the
/// workbook has number formats other than General, the same blocks feed the scan of
/// the cells' styles (`numfmt::StyleScan`): the sheet is not decompressed again.
fn sheet_extras<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limits: &Limits, xf: &crate::numfmt::XfFormats) -> Result<SheetExtras> {
    let limit = limits.max_uncompressed_bytes;
    let (mut has_arrays, mut has_vm) = (false, false);
    let mut styles = xf.any().then(|| crate::numfmt::StyleScan::new(xf, usize::try_from(limits.max_cells).unwrap_or(usize::MAX)));
    {
        let mut file = match zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(SheetExtras::default()),
            Err(e) => return Err(corrupt(format!("cannot read {name}: {e}"))),
        };
        let arrays = memchr::memmem::Finder::new(ARRAY_NEEDLE);
        let vm = memchr::memmem::Finder::new(VM_NEEDLE);
        // A needle split across two blocks is found in the carried-over tail.
        const CARRY: usize = 8;
        let mut buf = vec![0u8; 1 << 20];
        let (mut kept, mut total) = (0usize, 0u64);
        loop {
            let n = match file.read(&mut buf[kept..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(corrupt(format!("cannot read {name}: {e}"))),
            };
            total += n as u64;
            if total > limit {
                return Err(SheetcError::new(ErrorCode::TooLarge, format!("{name} is larger than the limit of {limit} bytes")));
            }
            if let Some(scan) = styles.as_mut() {
                scan.feed(&buf[kept..kept + n]);
            }
            let block = &buf[..kept + n];
            has_arrays = has_arrays || arrays.find(block).is_some();
            has_vm = has_vm || vm.find(block).is_some();
            if has_arrays && has_vm && styles.is_none() {
                break;
            }
            let tail = block.len().min(CARRY);
            let end = block.len();
            buf.copy_within(end - tail..end, 0);
            kept = tail;
        }
    }
    let formats = match styles.map(crate::numfmt::StyleScan::finish) {
        None => Vec::new(),
        Some(Some(runs)) => runs,
        // A styled cell without its position: the whole part, rows tracked (rare).
        Some(None) => {
            let xml = read_part(zip, name, limit)?.unwrap_or_default();
            crate::numfmt::scan_part(&xml, xf, usize::try_from(limits.max_cells).unwrap_or(usize::MAX))
        }
    };
    if !has_arrays && !has_vm {
        return Ok(SheetExtras { formats, ..SheetExtras::default() });
    }
    let xml = read_part(zip, name, limit)?.unwrap_or_default();
    Ok(SheetExtras {
        arrays: if has_arrays { array_formula_ranges(&xml) } else { HashMap::new() },
        error_vm: if has_vm { error_value_metadata(&xml) } else { HashMap::new() },
        formats,
    })
}

/// `(row, col) → vm` of cells typed as errors that carry value metadata.
fn error_value_metadata(xml: &[u8]) -> HashMap<(u32, u32), u32> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "c" => {
                if attr(&e, "t").as_deref() == Some("e") {
                    if let (Some(pos), Some(vm)) = (attr(&e, "r").and_then(|r| parse_a1(&r)), attr(&e, "vm").and_then(|v| v.parse().ok())) {
                        out.insert(pos, vm);
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// xl/metadata.xml, read once: what the cell (`cm`) and value (`vm`) metadata indexes
/// of sheet cells point at. A record `<rc t v>` names a metadata type (`t`, 1-based)
/// and a block (`v`, 0-based) of that type's `<futureMetadata>`.
#[derive(Default)]
struct Metadata {
    types: Vec<String>,
    /// Per futureMetadata name, its blocks.
    future: HashMap<String, Vec<FutureBlock>>,
    /// Per cellMetadata block (`cm` − 1): its first record.
    cell_blocks: Vec<Option<(usize, usize)>>,
    /// Per valueMetadata record (`vm` − 1).
    value_blocks: Vec<(usize, usize)>,
}

#[derive(Default)]
struct FutureBlock {
    /// `<xlrd:rvb i>`: the rich value (XLRICHVALUE).
    rich_value: Option<usize>,
    /// `<xda:dynamicArrayProperties fDynamic>` (XLDAPR).
    dynamic: bool,
}

impl Metadata {
    fn parse(xml: &[u8]) -> Metadata {
        let mut m = Metadata::default();
        let mut current_future: Option<String> = None;
        let (mut in_cell_metadata, mut in_value_metadata) = (false, false);
        let mut buf = Vec::new();
        let mut reader = quick_xml::Reader::from_reader(xml);
        let record = |e: &quick_xml::events::BytesStart<'_>| {
            (attr(e, "t").and_then(|v| v.parse().ok()), attr(e, "v").and_then(|v| v.parse().ok()))
        };
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                    "metadataType" => m.types.push(attr(&e, "name").unwrap_or_default()),
                    "futureMetadata" => current_future = attr(&e, "name"),
                    "cellMetadata" => in_cell_metadata = true,
                    "valueMetadata" => in_value_metadata = true,
                    "bk" => {
                        if let Some(name) = &current_future {
                            m.future.entry(name.clone()).or_default().push(FutureBlock::default());
                        } else if in_cell_metadata {
                            m.cell_blocks.push(None);
                        }
                    }
                    tag @ ("rvb" | "dynamicArrayProperties") => {
                        if let Some(block) = current_future.as_ref().and_then(|n| m.future.get_mut(n)).and_then(|v| v.last_mut()) {
                            if tag == "rvb" {
                                block.rich_value = attr(&e, "i").and_then(|i| i.parse().ok());
                            } else {
                                block.dynamic = matches!(attr(&e, "fDynamic").as_deref(), Some("1" | "true"));
                            }
                        }
                    }
                    "rc" if in_cell_metadata => {
                        if let Some(last @ None) = m.cell_blocks.last_mut() {
                            let (t, v) = record(&e);
                            *last = t.zip(v);
                        }
                    }
                    "rc" if in_value_metadata => {
                        let (t, v) = record(&e);
                        m.value_blocks.push((t.unwrap_or(0), v.unwrap_or(usize::MAX)));
                    }
                    _ => {}
                },
                Ok(Event::End(e)) => match e.local_name().into_inner() {
                    "futureMetadata" => current_future = None,
                    "cellMetadata" => in_cell_metadata = false,
                    "valueMetadata" => in_value_metadata = false,
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
            buf.clear();
        }
        m
    }

    /// The future-metadata block a record `(t, v)` points at.
    fn future_block(&self, (t, v): (usize, usize)) -> Option<&FutureBlock> {
        let name = t.checked_sub(1).and_then(|t| self.types.get(t))?;
        self.future.get(name)?.get(v)
    }

    /// The cell-metadata indexes (`cm`, 1-based) that mark a dynamic-array formula. Excel
    /// 365 writes a dynamic-array formula as `<f t="array" ref=...>` like a CSE array,
    /// plus `cm="N"` on the cell, whose record points at an XLDAPR block with `fDynamic="1"`.
    fn dynamic_cells(&self) -> HashSet<u32> {
        let mut out = HashSet::new();
        for (k, block) in self.cell_blocks.iter().enumerate() {
            let Some((t, v)) = *block else { continue };
            let is_dapr = t.checked_sub(1).and_then(|t| self.types.get(t)).is_some_and(|name| name == "XLDAPR");
            if is_dapr && self.future_block((t, v)).is_some_and(|b| b.dynamic) {
                out.insert(k as u32 + 1);
            }
        }
        out
    }
}

/// Rich-value errors by `vm` (1-based): Excel stores #CALC!, #SPILL! and newer errors as
/// `#VALUE!` plus a pointer through xl/metadata.xml (valueMetadata → metadata type →
/// futureMetadata `rvb`) to a rich value whose `errorType` is the ERROR.TYPE number − 1.
fn rich_value_errors<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, meta: &Metadata, limit: u64) -> Result<HashMap<u32, ErrorKind>> {
    let mut out = HashMap::new();
    if meta.value_blocks.is_empty() {
        return Ok(out);
    }
    let (Some(values), Some(structs)) = (
        read_part(zip, "xl/richData/rdrichvalue.xml", limit)?,
        read_part(zip, "xl/richData/rdrichvaluestructure.xml", limit)?,
    ) else {
        return Ok(out);
    };
    let mut buf = Vec::new();
    // Structures: (type, key names); rich values: (structure, values).
    let mut structures: Vec<(String, Vec<String>)> = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(structs.as_slice());
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "s" => structures.push((attr(&e, "t").unwrap_or_default(), Vec::new())),
                "k" => {
                    if let Some(last) = structures.last_mut() {
                        last.1.push(attr(&e, "n").unwrap_or_default());
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    let mut rich: Vec<(usize, Vec<String>)> = Vec::new();
    let mut in_v = false;
    let mut reader = quick_xml::Reader::from_reader(values.as_slice());
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().into_inner() {
                "rv" => rich.push((attr(&e, "s").and_then(|s| s.parse().ok()).unwrap_or(usize::MAX), Vec::new())),
                "v" => {
                    in_v = true;
                    if let Some(last) = rich.last_mut() {
                        last.1.push(String::new());
                    }
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_v => {
                if let Some(v) = rich.last_mut().and_then(|r| r.1.last_mut()) {
                    v.push_str(&t.xml10_content());
                }
            }
            Ok(Event::End(e)) if e.local_name().into_inner() == "v" => in_v = false,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    for (k, &record) in meta.value_blocks.iter().enumerate() {
        let Some(i) = meta.future_block(record).and_then(|b| b.rich_value) else { continue };
        let Some((s, vals)) = rich.get(i) else { continue };
        let Some((kind, keys)) = structures.get(*s) else { continue };
        if kind != "_error" {
            continue;
        }
        let Some(pos) = keys.iter().position(|k| k == "errorType") else { continue };
        let error = match vals.get(pos).and_then(|v| v.trim().parse::<u32>().ok()) {
            Some(0) => ErrorKind::Null,
            Some(1) => ErrorKind::Div0,
            Some(2) => ErrorKind::Value,
            Some(3) => ErrorKind::Ref,
            Some(4) => ErrorKind::Name,
            Some(5) => ErrorKind::Num,
            Some(6) => ErrorKind::NA,
            Some(7) => ErrorKind::GettingData,
            Some(8) => ErrorKind::Spill,
            Some(13) => ErrorKind::Calc,
            // Errors the engine has no value for (#CONNECT!, #BLOCKED!, ...) stay #VALUE!.
            _ => continue,
        };
        out.insert(k as u32 + 1, error);
    }
    Ok(out)
}

/// Collects `(anchor row, anchor col) → extent` of array formulas in one sheet part.
/// Calamine reports array formulas as ordinary ones and drops their range.
fn array_formula_ranges(xml: &[u8]) -> HashMap<(u32, u32), ArrayExtent> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut cell: Option<(u32, u32)> = None;
    let mut cm: Option<u32> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "c" => {
                    cell = attr(&e, "r").and_then(|r| parse_a1(&r));
                    cm = attr(&e, "cm").and_then(|v| v.parse().ok());
                }
                "f" => {
                    if attr(&e, "t").as_deref() == Some("array") {
                        if let (Some(anchor), Some(r)) = (cell, attr(&e, "ref")) {
                            let last = match r.split_once(':') {
                                Some((_, b)) => parse_a1(b),
                                None => parse_a1(&r),
                            };
                            if let Some(last) = last {
                                out.insert(anchor, ArrayExtent { last, cm });
                            }
                        }
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// Appends the text of an XML entity reference (`amp`, `#10`, `#x41`, ...) to `out`.
fn push_entity(out: &mut String, name: &str) {
    let ch = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n => n
            .strip_prefix("#x")
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
            .and_then(char::from_u32),
    };
    out.extend(ch);
}

/// Parses `B3` / `$B$3` into zero-based (row, col).
pub fn parse_a1(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut col: u32 = 0;
    for b in letters.bytes() {
        col = col * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32;
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 || row > 1_048_576 || col > 16_384 {
        return None;
    }
    Some((row - 1, col - 1))
}

fn convert_value(v: &DataRef<'_>) -> Value {
    match v {
        DataRef::Empty => Value::Empty,
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::String(s) => Value::Text(s.clone()),
        DataRef::SharedString(s) => Value::Text((*s).to_string()),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(d) => Value::Number(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Text(s.clone()),
        DataRef::Error(e) => Value::Error(convert_error(e)),
    }
}

fn convert_error(e: &calamine::CellErrorType) -> ErrorKind {
    use calamine::CellErrorType as C;
    match e {
        C::Div0 => ErrorKind::Div0,
        C::NA => ErrorKind::NA,
        C::Name => ErrorKind::Name,
        C::Null => ErrorKind::Null,
        C::Num => ErrorKind::Num,
        C::Ref => ErrorKind::Ref,
        C::Value => ErrorKind::Value,
        C::GettingData => ErrorKind::GettingData,
    }
}

/// Reads the workbook at `path`. `cancelled` is polled between sheets and every few
/// thousand cells so a cancel is honoured promptly.
pub fn read_workbook(path: &Path, limits: &Limits, cancelled: &dyn Fn() -> bool) -> Result<Workbook> {
    sniff(path)?;
    let file = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| SheetcError::new(ErrorCode::NotAWorkbook, format!("not a valid workbook zip: {e}")))?;
    // A zip bomb announces itself in the central directory (and the reads below are capped too).
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total = total.saturating_add(f.size());
        }
    }
    if total > limits.max_uncompressed_bytes {
        return Err(SheetcError::new(
            ErrorCode::TooLarge,
            format!(
                "the workbook expands to {total} bytes, over the limit of {} (raise it with --max-uncompressed-mb)",
                limits.max_uncompressed_bytes
            ),
        ));
    }
    if zip.by_name("xl/workbook.xml").is_err() {
        if zip.by_name("content.xml").is_ok() {
            return Err(SheetcError::new(
                ErrorCode::LegacyFormat,
                "this is an OpenDocument spreadsheet (.ods); save it as .xlsx from Excel or LibreOffice",
            ));
        }
        if zip.by_name("xl/workbook.bin").is_ok() {
            return Err(SheetcError::new(ErrorCode::LegacyFormat, "this is a binary workbook (.xlsb); save it as .xlsx"));
        }
        return Err(SheetcError::new(ErrorCode::NotAWorkbook, "the zip holds no xl/workbook.xml: it is not an Excel workbook"));
    }
    let part = read_workbook_part(&mut zip, limits.max_uncompressed_bytes)?;
    // Excel forbids sheet names that differ only in case; references could not tell them apart.
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &part.sheets {
        if !seen.insert(name.to_lowercase()) {
            return Err(corrupt(format!("two sheets are named \"{name}\" (ignoring case), which Excel does not allow")));
        }
    }

    let mut tables = Vec::new();
    for (index, (_, target)) in part.sheets.iter().enumerate() {
        tables.extend(read_tables(&mut zip, target, index as u32, limits.max_uncompressed_bytes)?);
    }
    let metadata = read_part(&mut zip, "xl/metadata.xml", limits.max_uncompressed_bytes)?.map(|xml| Metadata::parse(&xml)).unwrap_or_default();
    let rich_errors = rich_value_errors(&mut zip, &metadata, limits.max_uncompressed_bytes)?;
    let dynamic_cm = metadata.dynamic_cells();
    check_shared_strings(&mut zip)?;
    // Cell styles' number formats (the sheets' style ids are read with the extras).
    let xf = read_part(&mut zip, "xl/styles.xml", limits.max_uncompressed_bytes)?.map(|xml| crate::numfmt::xf_format_codes(&xml)).unwrap_or_default();
    // External workbooks' cached values, read while the archive is open.
    let mut external_xml = Vec::with_capacity(part.external_links.len());
    for target in &part.external_links {
        external_xml.push(read_part(&mut zip, target, limits.max_uncompressed_bytes)?);
    }
    // Uncompressed sheet sizes: the parallel cell reader takes the largest first.
    let sizes: Vec<u64> = part.sheets.iter().map(|(_, t)| zip.by_name(t).map_or(0, |f| f.size())).collect();
    drop(zip);

    // What the cell reader does not report (array ranges, rich-error metadata) takes a
    // second pass over each sheet part. It runs on its own thread while calamine
    // streams the cells, so the critical path decompresses the sheets once, not twice.
    let targets: Vec<&str> = part.sheets.iter().map(|(_, t)| t.as_str()).collect();
    let stop = AtomicBool::new(false);
    let (cells, extras) = std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("sheetc-read-extras".into())
            .spawn_scoped(s, || read_all_extras(path, &targets, limits, &xf, &stop));
        match worker {
            Ok(handle) => {
                let cells = read_all_cells(path, &part.sheets, &sizes, limits, cancelled);
                if cells.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                let extras = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (cells, extras)
            }
            // No second thread to be had: one pass after the other.
            Err(_) => {
                let extras = read_all_extras(path, &targets, limits, &xf, &stop);
                (read_all_cells(path, &part.sheets, &sizes, limits, cancelled), extras)
            }
        }
    });
    let (sheets, mut cell_total) = cells?;
    let extras = extras?;
    let mut wb = Workbook { calc: part.calc, date1904: part.date1904, ..Workbook::default() };
    wb.formats.codes = xf.codes;
    for (mut sheet, mut extras) in sheets.into_iter().zip(extras) {
        wb.formats.sheets.push(std::mem::take(&mut extras.formats));
        apply_array_ranges(&mut sheet, &extras.arrays, &dynamic_cm, limits, &mut cell_total)?;
        if !extras.error_vm.is_empty() && !rich_errors.is_empty() {
            for cell in sheet.cells.iter_mut() {
                if let (CellKind::Constant, Value::Error(_)) = (cell.kind, &cell.value) {
                    if let Some(k) = extras.error_vm.get(&(cell.row, cell.col)).and_then(|vm| rich_errors.get(vm)) {
                        cell.value = Value::Error(*k);
                    }
                }
            }
        }
        wb.sheets.push(sheet);
    }
    wb.tables = tables;
    // External workbooks' cached values become read-only sheets named `[n]Sheet`, so
    // `[1]Sheet1!A1` binds like any reference (and can be overridden as an input).
    for (i, xml) in external_xml.iter().enumerate() {
        if let Some(xml) = xml {
            wb.sheets.extend(read_external_link(xml, i + 1));
        }
    }
    wb.names = part
        .names
        .into_iter()
        .map(|(name, scope, formula, hidden)| DefinedName { name, scope, formula, hidden })
        .collect();
    Ok(wb)
}

/// Streams every worksheet's cells; returns the sheets (in workbook order) and the number
/// of cells read. Array formulas come out as ordinary formulas here: their ranges are
/// applied afterwards (`apply_array_ranges`). Sheets go to every core
/// ([`sheets_in_parallel`]); the calling thread only waits, and polls `cancelled` while
/// it does (it need not be `Sync`).
fn read_all_cells(
    path: &Path,
    sheets: &[(String, String)],
    sizes: &[u64],
    limits: &Limits,
    cancelled: &dyn Fn() -> bool,
) -> Result<(Vec<Sheet>, u64)> {
    use std::sync::atomic::AtomicU64;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let stop = AtomicBool::new(false);
    let cell_total = AtomicU64::new(0);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    let poll = || {
        if !stop.load(Ordering::Relaxed) && cancelled() {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let out = sheets_in_parallel(path, &names, sizes, threads, &stop, &poll, &|x, i| read_sheet(x, names[i], limits, &cell_total, &stop));
    if cancelled() {
        return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
    }
    // The first real failure in workbook order is the one reported (a sheet stopped
    // because another failed reports `Cancelled`, which is not the cause).
    let mut read = Vec::with_capacity(sheets.len());
    let mut first_error: Option<SheetcError> = None;
    for r in out {
        match r {
            Some(Ok(sheet)) => read.push(sheet),
            Some(Err(e)) if e.code != ErrorCode::Cancelled => return Err(e),
            Some(Err(e)) => first_error = first_error.or(Some(e)),
            None => {}
        }
    }
    if read.len() < sheets.len() {
        return Err(first_error.unwrap_or_else(|| SheetcError::new(ErrorCode::Cancelled, "the build was cancelled")));
    }
    Ok((read, cell_total.load(Ordering::Relaxed)))
}

/// A job on one sheet, with the calling thread's reader.
type SheetJob<'a, T> = dyn Fn(&mut Xlsx<BufReader<File>>, usize) -> Result<T> + Sync + 'a;

/// Runs `job(reader, sheet)` for every sheet of `names` on up to `threads` threads, the
/// largest parts first (`sizes`), each thread with its own calamine reader over its own
/// file handle: a sheet part is one deflate stream, so one sheet cannot be split, but big
/// models spread their cells over several sheets. A failed job sets `stop`, which ends
/// the queue (so may `poll`, which the calling thread runs every 20 ms while it waits).
/// Results in `names` order; None for a sheet the queue did not reach.
fn sheets_in_parallel<T: Send>(
    path: &Path,
    names: &[&str],
    sizes: &[u64],
    threads: usize,
    stop: &AtomicBool,
    poll: &dyn Fn(),
    job: &SheetJob<'_, T>,
) -> Vec<Option<Result<T>>> {
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes.get(i).copied().unwrap_or(0)));
    let threads = threads.clamp(1, names.len().max(1));
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<Result<T>>> = (0..names.len()).map(|_| None).collect();
    let worker = |tx: mpsc::Sender<(usize, Result<T>)>| {
        let mut xlsx: Option<Xlsx<BufReader<File>>> = None;
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = order.get(k) else { break };
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let opened = match xlsx.as_mut() {
                Some(x) => Ok(x),
                None => File::open(path)
                    .map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))
                    .and_then(|f| Xlsx::new(BufReader::new(f)).map_err(map_xlsx_err))
                    .map(|x| xlsx.insert(x)),
            };
            let result = opened.and_then(|x| job(x, i));
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            if tx.send((i, result)).is_err() {
                break;
            }
        }
    };
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        let mut spawned = 0;
        for t in 0..threads {
            let tx = tx.clone();
            let w = &worker;
            if std::thread::Builder::new().name(format!("sheetc-read-{t}")).spawn_scoped(scope, move || w(tx)).is_ok() {
                spawned += 1;
            }
        }
        drop(tx);
        if spawned == 0 {
            // No thread to be had: run here (a cancel is then noticed per sheet).
            let (tx, rx) = mpsc::channel();
            worker(tx);
            while let Ok((i, r)) = rx.try_recv() {
                out[i] = Some(r);
            }
            return;
        }
        loop {
            match rx.recv_timeout(std::time::Duration::from_millis(20)) {
                Ok((i, r)) => out[i] = Some(r),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            poll();
        }
    });
    out
}

fn read_sheet<RS: Read + Seek>(xlsx: &mut Xlsx<RS>, name: &str, limits: &Limits, cell_total: &std::sync::atomic::AtomicU64, stop: &AtomicBool) -> Result<Sheet> {
    let mut sheet = Sheet { name: name.to_string(), ..Sheet::default() };
    let mut reader = xlsx.worksheet_cells_reader(name).map_err(map_xlsx_err)?;
    // Shared-formula index → (text index, anchor row, anchor col).
    let mut shared: HashMap<usize, FormulaRef> = HashMap::new();
    // Cells are counted against the workbook-wide limit in batches (one atomic add per
    // batch, not per cell); a batch is also when a stop from elsewhere is noticed.
    const BATCH: u64 = 1 << 14;
    let mut pending: u64 = 0;
    let count = |n: u64| -> Result<()> {
        let total = cell_total.fetch_add(n, Ordering::Relaxed) + n;
        if total > limits.max_cells {
            return Err(SheetcError::new(
                ErrorCode::TooLarge,
                format!("the workbook has more than {} cells (raise the limit with --max-cells)", limits.max_cells),
            ));
        }
        if stop.load(Ordering::Relaxed) {
            return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
        }
        Ok(())
    };
    while let Some(rec) = reader.next_cell_with_formula_metadata().map_err(map_xlsx_err)? {
        pending += 1;
        if pending == BATCH || pending > limits.max_cells {
            count(pending)?;
            pending = 0;
        }
        let (row, col) = rec.pos;
        // calamine takes any address (`r="ZZZZZZ99999999"`); Excel's grid ends at
        // XFD1048576, and every later stage relies on that.
        if row >= MAX_SHEET_ROWS || col >= MAX_SHEET_COLS {
            return Err(corrupt(format!("sheet {name} has a cell beyond Excel's last row or column (row {}, column {})", row as u64 + 1, col as u64 + 1)));
        }
        let value = convert_value(&rec.value);
        let kind = match rec.formula {
            None => CellKind::Constant,
            Some(XlsxFormulaMetadata::Normal { formula }) => {
                if formula.is_empty() {
                    CellKind::Constant
                } else {
                    CellKind::Formula(push_formula(&mut sheet, &formula, row, col))
                }
            }
            Some(XlsxFormulaMetadata::Shared { shared_index, formula, .. }) => {
                let f = push_formula(&mut sheet, &formula, row, col);
                shared.insert(shared_index, f);
                CellKind::Formula(f)
            }
            Some(XlsxFormulaMetadata::SharedDerived { shared_index }) => match shared.get(&shared_index) {
                Some(f) => CellKind::Formula(*f),
                // A child before its anchor: the file is malformed; keep the value.
                None => CellKind::Constant,
            },
            Some(_) => CellKind::Constant,
        };
        if kind == CellKind::Constant && value == Value::Empty {
            continue;
        }
        sheet.cells.push(Cell { row, col, kind, value });
    }
    count(pending)?;
    // Cells are kept in row-major order (later stages look cells up by position); a
    // hand-made file may list them otherwise.
    if !sheet.cells.is_sorted_by_key(|c| (c.row, c.col)) {
        sheet.cells.sort_by_key(|c| (c.row, c.col));
    }
    Ok(sheet)
}

/// Turns the anchors of array formulas (from the extras pass, keyed by anchor) into
/// `ArrayFormula` cells and marks their ranges' members.
fn apply_array_ranges(
    sheet: &mut Sheet,
    arrays: &HashMap<(u32, u32), ArrayExtent>,
    dynamic_cm: &HashSet<u32>,
    limits: &Limits,
    cell_total: &mut u64,
) -> Result<()> {
    if arrays.is_empty() {
        return Ok(());
    }
    let name = &sheet.name;
    let mut members: Vec<(u32, u32, u32, u32)> = Vec::new();
    for cell in sheet.cells.iter_mut() {
        // Only a formula written for this very cell (not a shared formula's child).
        if let CellKind::Formula(f) = cell.kind {
            if (f.origin_row, f.origin_col) == (cell.row, cell.col) {
                if let Some(&ArrayExtent { last: (last_row, last_col), cm }) = arrays.get(&(cell.row, cell.col)) {
                    members.push((cell.row, cell.col, last_row, last_col));
                    let dynamic = cm.is_some_and(|cm| dynamic_cm.contains(&cm));
                    cell.kind = CellKind::ArrayFormula { formula: f, last_row, last_col, dynamic };
                }
            }
        }
    }
    if !members.is_empty() {
        // Array ranges add cells the file need not list: count them against the limit
        // before materialising any (a 1 KB file can declare A1:XFD1048576).
        let extra: u64 = members
            .iter()
            .map(|&(r0, c0, r1, c1)| (r1.saturating_sub(r0) as u64 + 1) * (c1.saturating_sub(c0) as u64 + 1))
            .sum();
        if cell_total.saturating_add(extra) > limits.max_cells {
            return Err(SheetcError::new(
                ErrorCode::TooLarge,
                format!("array formulas on sheet {name} cover more than {} cells (raise the limit with --max-cells)", limits.max_cells),
            ));
        }
        *cell_total += extra;
        mark_array_members(sheet, &members);
    }
    Ok(())
}

fn push_formula(sheet: &mut Sheet, text: &str, row: u32, col: u32) -> FormulaRef {
    FormulaRef { text: sheet.formulas.push(text), origin_row: row, origin_col: col }
}

/// Marks the non-anchor cells of array-formula ranges as computed members (adding the
/// ones the file left out) so they are never treated as constants or inputs.
fn mark_array_members(sheet: &mut Sheet, ranges: &[(u32, u32, u32, u32)]) {
    let mut index: HashMap<(u32, u32), usize> = HashMap::with_capacity(sheet.cells.len());
    for (i, c) in sheet.cells.iter().enumerate() {
        index.insert((c.row, c.col), i);
    }
    let mut added = Vec::new();
    for &(r0, c0, r1, c1) in ranges {
        for r in r0..=r1.min(r0 + 1_048_575) {
            for c in c0..=c1.min(c0 + 16_383) {
                if (r, c) == (r0, c0) {
                    continue;
                }
                match index.get(&(r, c)) {
                    Some(&i) => sheet.cells[i].kind = CellKind::ArrayMember,
                    None => added.push(Cell { row: r, col: c, kind: CellKind::ArrayMember, value: Value::Empty }),
                }
            }
        }
    }
    if !added.is_empty() {
        sheet.cells.extend(added);
        sheet.cells.sort_by_key(|c| (c.row, c.col));
    }
}

/// What [`scan_cells`] saw: enough to show the iteration really happened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanStats {
    pub sheets: u32,
    /// Cells the reader reported (empty styled cells included).
    pub cells: u64,
    /// Cells with a formula (ordinary, shared anchor or shared child).
    pub formula_cells: u64,
    /// Total length of the formula texts the reader returned.
    pub formula_bytes: u64,
    /// Total length of the text values (shared strings and inline strings).
    pub text_bytes: u64,
    /// Sum of row + column over all cells.
    pub position_sum: u64,
    /// Wall time from opening the file to the last cell.
    pub elapsed_ms: f64,
}

/// The physical floor for reading a workbook: opens it with calamine and streams every
/// cell of every worksheet through the same reader `read_workbook` uses
/// (`worksheet_cells_reader` + `next_cell_with_formula_metadata`: values and formulas),
/// doing nothing but counting. The benchmark compares the build against it (the build
/// cannot be faster than reading the file once). The counts are returned so the loop
/// has an observable result. One thread, sheet after sheet: see [`scan_cells_with`].
pub fn scan_cells(path: &Path) -> Result<ScanStats> {
    scan_cells_with(path, 1)
}

/// [`scan_cells`] on up to `threads` threads, sheets spread over them as the build's
/// reader does (largest first, one calamine reader per thread): the floor for a reader
/// that uses every core. A sheet is one deflate stream, so a single sheet cannot go
/// faster than its one-thread scan.
pub fn scan_cells_with(path: &Path, threads: usize) -> Result<ScanStats> {
    let t = std::time::Instant::now();
    sniff(path)?;
    let file = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
    let mut first: Xlsx<_> = Xlsx::new(BufReader::new(file)).map_err(map_xlsx_err)?;
    let names: Vec<String> = first
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut stats = ScanStats { sheets: names.len() as u32, ..ScanStats::default() };
    if threads <= 1 || names.len() <= 1 {
        for name in &names {
            scan_sheet(&mut first, name, &mut stats)?;
        }
    } else {
        // Uncompressed part sizes from the zip directory, as read_workbook uses them.
        let file = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
        let mut zip = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| SheetcError::new(ErrorCode::NotAWorkbook, format!("not a valid workbook zip: {e}")))?;
        let part = read_workbook_part(&mut zip, u64::MAX)?;
        let sizes: Vec<u64> = names
            .iter()
            .map(|name| part.sheets.iter().find(|(n, _)| n == name).and_then(|(_, target)| zip.by_name(target).ok().map(|f| f.size())).unwrap_or(0))
            .collect();
        drop(first);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let stop = AtomicBool::new(false);
        let per_sheet = sheets_in_parallel(path, &refs, &sizes, threads, &stop, &|| {}, &|x, i| {
            let mut s = ScanStats::default();
            scan_sheet(x, refs[i], &mut s).map(|()| s)
        });
        for r in per_sheet {
            let s = r.unwrap_or_else(|| Err(SheetcError::new(ErrorCode::Cancelled, "a sheet was not scanned")))?;
            stats.cells += s.cells;
            stats.formula_cells += s.formula_cells;
            stats.formula_bytes += s.formula_bytes;
            stats.text_bytes += s.text_bytes;
            stats.position_sum += s.position_sum;
        }
    }
    stats.elapsed_ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(stats)
}

/// Streams one sheet's cells into the counts.
fn scan_sheet<RS: Read + Seek>(xlsx: &mut Xlsx<RS>, name: &str, stats: &mut ScanStats) -> Result<()> {
    let mut reader = xlsx.worksheet_cells_reader(name).map_err(map_xlsx_err)?;
    while let Some(rec) = reader.next_cell_with_formula_metadata().map_err(map_xlsx_err)? {
        stats.cells += 1;
        stats.position_sum += rec.pos.0 as u64 + rec.pos.1 as u64;
        match &rec.value {
            DataRef::String(s) => stats.text_bytes += s.len() as u64,
            DataRef::SharedString(s) => stats.text_bytes += s.len() as u64,
            _ => {}
        }
        match &rec.formula {
            Some(XlsxFormulaMetadata::Normal { formula }) if !formula.is_empty() => {
                stats.formula_cells += 1;
                stats.formula_bytes += formula.len() as u64;
            }
            Some(XlsxFormulaMetadata::Shared { formula, .. }) => {
                stats.formula_cells += 1;
                stats.formula_bytes += formula.len() as u64;
            }
            Some(XlsxFormulaMetadata::SharedDerived { .. }) => stats.formula_cells += 1,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Formula, Workbook as XlsxWriter};

    #[test]
    fn scan_counts_every_cell_and_formula() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("scan.xlsx");
        let mut book = XlsxWriter::new();
        let a = book.add_worksheet().set_name("A").expect("name");
        a.write_number(0, 0, 1.5).expect("write");
        a.write_string(0, 1, "hello").expect("write");
        a.write_formula(1, 0, Formula::new("=A1*2")).expect("write");
        a.write_formula(1, 1, Formula::new("=B1&\"!\"")).expect("write");
        let b = book.add_worksheet().set_name("B").expect("name");
        b.write_formula(2, 3, Formula::new("=SUM(A!A1:A2)")).expect("write");
        b.write_boolean(4, 0, true).expect("write");
        book.save(&path).expect("save");

        let s = scan_cells(&path).expect("scan");
        assert_eq!(s.sheets, 2);
        assert_eq!(s.cells, 6);
        assert_eq!(s.formula_cells, 3);
        assert_eq!(s.formula_bytes, ("A1*2".len() + "B1&\"!\"".len() + "SUM(A!A1:A2)".len()) as u64);
        assert_eq!(s.text_bytes, "hello".len() as u64);
        assert_eq!(s.position_sum, 1 + 1 + 2 + 5 + 4);
        assert!(s.elapsed_ms >= 0.0);
        // It sees what the build's reader sees.
        let wb = read_workbook(&path, &Limits::default(), &|| false).expect("read");
        let formulas = wb.sheets.iter().flat_map(|s| s.cells.iter()).filter(|c| c.formula().is_some()).count();
        assert_eq!(formulas as u64, s.formula_cells);
    }

    /// Six sheets of very different sizes (so the parallel reader takes them out of order).
    fn several_sheets(path: &Path) {
        let mut book = XlsxWriter::new();
        for (k, rows) in [3u32, 900, 0, 2500, 40, 1].into_iter().enumerate() {
            let sheet = book.add_worksheet().set_name(format!("S{k}")).expect("name");
            for r in 0..rows {
                sheet.write_number(r, 0, (k as u32 * 10_000 + r) as f64).expect("write");
                sheet.write_formula(r, 1, Formula::new(format!("=A{}*{k}", r + 1))).expect("write");
            }
        }
        book.save(path).expect("save");
    }

    #[test]
    fn sheets_read_in_parallel_come_back_in_workbook_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("several.xlsx");
        several_sheets(&path);
        let wb = read_workbook(&path, &Limits::default(), &|| false).expect("read");
        let names: Vec<&str> = wb.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["S0", "S1", "S2", "S3", "S4", "S5"]);
        for (k, (sheet, rows)) in wb.sheets.iter().zip([3u32, 900, 0, 2500, 40, 1]).enumerate() {
            assert_eq!(sheet.cells.len() as u32, rows * 2, "{}", sheet.name);
            assert_eq!(sheet.formulas.len() as u32, rows, "{}", sheet.name);
            for r in 0..rows {
                let (value, formula) = (&sheet.cells[2 * r as usize], &sheet.cells[2 * r as usize + 1]);
                assert_eq!((value.row, value.col, &value.value), (r, 0, &Value::Number((k as u32 * 10_000 + r) as f64)));
                let f = formula.formula().expect("a formula");
                assert_eq!(&sheet.formulas[f.text as usize], format!("A{}*{k}", r + 1));
                assert_eq!((f.origin_row, f.origin_col), (r, 1));
            }
        }
    }

    #[test]
    fn the_cell_limit_counts_all_sheets_together() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("several.xlsx");
        several_sheets(&path);
        // 6,888 cells in all; the largest sheet alone has 5,000.
        let limits = Limits { max_cells: 6_000, ..Limits::default() };
        let e = read_workbook(&path, &limits, &|| false).expect_err("over the limit");
        assert_eq!(e.code, ErrorCode::TooLarge);
        let limits = Limits { max_cells: 6_888, ..Limits::default() };
        assert!(read_workbook(&path, &limits, &|| false).is_ok());
    }

    /// `several_sheets` with one sheet part replaced by `xml`.
    fn with_sheet_part(src: &Path, dst: &Path, part: &str, xml: &[u8]) {
        let mut zin = zip::ZipArchive::new(File::open(src).expect("open")).expect("zip");
        let mut zout = zip::ZipWriter::new(File::create(dst).expect("create"));
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).expect("entry");
            let name = f.name().expect("entry name").to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).expect("read");
            zout.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
            std::io::Write::write_all(&mut zout, if name == part { xml } else { &bytes }).expect("write");
        }
        zout.finish().expect("finish");
    }

    #[test]
    fn a_broken_sheet_is_reported_whichever_thread_reads_it() {
        // The big sheet S3 (sheet4.xml) read by one thread breaks; the others are read on
        // the other threads and stopped: the error is the broken sheet's, never
        // `Cancelled`, and the read does not hang.
        let dir = tempfile::tempdir().expect("temp dir");
        let (good, bad) = (dir.path().join("good.xlsx"), dir.path().join("bad.xlsx"));
        several_sheets(&good);
        let broken = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\" t=\"n\"><v>2</v></sheetData></worksheet>";
        with_sheet_part(&good, &bad, "xl/worksheets/sheet4.xml", broken);
        for _ in 0..20 {
            let e = read_workbook(&bad, &Limits::default(), &|| false).expect_err("broken");
            assert_eq!(e.code, ErrorCode::Corrupt, "{e:?}");
        }
        // The untouched copy still reads.
        assert_eq!(read_workbook(&good, &Limits::default(), &|| false).expect("read").sheets.len(), 6);
    }

    #[test]
    fn a_cell_beyond_excels_grid_is_a_corrupt_file() {
        // calamine reads any address; the reader refuses what Excel's grid cannot hold.
        let dir = tempfile::tempdir().expect("temp dir");
        let (good, bad) = (dir.path().join("good.xlsx"), dir.path().join("bad.xlsx"));
        several_sheets(&good);
        for address in ["ZZZZZZ1", "A99999999", "XFE1", "A1048577"] {
            let xml = format!("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"{address}\"><v>2</v></c></row></sheetData></worksheet>");
            with_sheet_part(&good, &bad, "xl/worksheets/sheet2.xml", xml.as_bytes());
            let e = read_workbook(&bad, &Limits::default(), &|| false).expect_err(address);
            assert_eq!(e.code, ErrorCode::Corrupt, "{address}: {e:?}");
            assert!(e.message.contains("beyond Excel's last row or column"), "{address}: {}", e.message);
        }
        // The last cell of the grid is fine.
        let xml = "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row></sheetData></worksheet>";
        with_sheet_part(&good, &bad, "xl/worksheets/sheet2.xml", xml.as_bytes());
        let wb = read_workbook(&bad, &Limits::default(), &|| false).expect("the last cell");
        assert_eq!((wb.sheets[1].cells[0].row, wb.sheets[1].cells[0].col), (1_048_575, 16_383));
    }

    #[test]
    fn a_cancelled_read_reports_cancelled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("several.xlsx");
        several_sheets(&path);
        let e = read_workbook(&path, &Limits::default(), &|| true).expect_err("cancelled");
        assert_eq!(e.code, ErrorCode::Cancelled);
    }

    #[test]
    fn formula_texts_are_kept_end_to_end() {
        let texts: FormulaTexts = ["A1", "", "SUM(B:B)", "é&\"ü\""].into_iter().collect();
        assert_eq!(texts.len(), 4);
        assert_eq!((&texts[0], &texts[1], &texts[2], &texts[3]), ("A1", "", "SUM(B:B)", "é&\"ü\""));
        assert_eq!(texts.get(4), None);
        assert!(FormulaTexts::default().is_empty());
    }

    #[test]
    fn a_parallel_scan_counts_what_a_sequential_one_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("several.xlsx");
        several_sheets(&path);
        let (one, two) = (scan_cells(&path).expect("scan"), scan_cells_with(&path, 2).expect("scan"));
        assert_eq!(one.cells, 6_888);
        assert_eq!((one.sheets, one.cells, one.formula_cells, one.formula_bytes, one.position_sum), (two.sheets, two.cells, two.formula_cells, two.formula_bytes, two.position_sum));
    }

    #[test]
    fn scan_reports_a_file_that_is_not_a_workbook() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nope.xlsx");
        std::fs::write(&path, b"plain text").expect("write");
        let e = scan_cells(&path).expect_err("not a workbook");
        assert_eq!(e.code, ErrorCode::NotAWorkbook);
    }

    #[test]
    fn dynamic_array_cell_metadata_as_excel_writes_it() {
        // xl/metadata.xml from a workbook saved by Excel 365 (corpus spill_operator.xlsx).
        let meta = br#"<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"><metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>"#;
        assert_eq!(Metadata::parse(meta).dynamic_cells(), HashSet::from([1]));
    }

    #[test]
    fn dynamic_array_cell_metadata_follows_the_type_and_block_indexes() {
        // Rich values first (type 1), XLDAPR second (type 2); cell block 1 points at a
        // non-dynamic XLDAPR block, block 2 at a dynamic one, block 3 at the rich-value type.
        let meta = br#"<metadata xmlns:xda="x"><metadataTypes count="2"><metadataType name="XLRICHVALUE"/><metadataType name="XLDAPR"/></metadataTypes><futureMetadata name="XLRICHVALUE" count="1"><bk><extLst><ext><xlrd:rvb i="0"/></ext></extLst></bk></futureMetadata><futureMetadata name="XLDAPR" count="2"><bk><extLst><ext><xda:dynamicArrayProperties fDynamic="0"/></ext></extLst></bk><bk><extLst><ext><xda:dynamicArrayProperties fDynamic="1"/></ext></extLst></bk></futureMetadata><cellMetadata count="3"><bk><rc t="2" v="0"/></bk><bk><rc t="2" v="1"/></bk><bk><rc t="1" v="1"/></bk></cellMetadata><valueMetadata count="1"><bk><rc t="1" v="0"/></bk></valueMetadata></metadata>"#;
        assert_eq!(Metadata::parse(meta).dynamic_cells(), HashSet::from([2]));
        assert!(Metadata::parse(b"<metadata/>").dynamic_cells().is_empty());
        assert!(Metadata::parse(b"not xml <<<").dynamic_cells().is_empty());
    }

    #[test]
    fn array_ranges_carry_the_anchor_cells_cm() {
        let xml = br#"<worksheet><sheetData><row r="2"><c r="B2" cm="1"><f t="array" ref="B2:B5">A2:A5</f><v>12</v></c><c r="C2"><f t="array" ref="C2:C5">123</f><v>123</v></c><c r="D2" cm="1"><f>1</f></c></row></sheetData></worksheet>"#;
        let arrays = array_formula_ranges(xml);
        assert_eq!(arrays.get(&(1, 1)), Some(&ArrayExtent { last: (4, 1), cm: Some(1) }));
        assert_eq!(arrays.get(&(1, 2)), Some(&ArrayExtent { last: (4, 2), cm: None }));
        assert_eq!(arrays.len(), 2);
    }
}
