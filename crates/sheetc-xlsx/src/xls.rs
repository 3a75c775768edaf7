//! `.xls` (Excel 97-2003, BIFF8 [MS-XLS]): the `Workbook` stream of a compound file
//! ([`crate::cfb`]), a sequence of records. Read here into the same [`Workbook`] as
//! `.xlsx`: cells and Excel's stored results, cell, shared (`SHRFMLA`) and array
//! (`ARRAY`) formulas, decompiled by [`crate::ptg`], defined names, hidden sheets, the
//! 1904 date system and the iteration settings. The format has no tables and no dynamic
//! arrays. An encrypted file (`FILEPASS`) is `E_ENCRYPTED`.
//!
//! calamine's `Xls` is not used: it ignores `PtgExp` (a shared formula's cells get no
//! formula), reads array formulas as plain ones without their range, and gives values
//! and formulas in separate passes.

use std::collections::HashMap;
use std::path::Path;

use sheetc_core::error::{ErrorCode, Result, SheetcError};
use sheetc_core::model::{CalcSettings, Cell, CellKind, DefinedName, FileFormat, FormulaRef, Limits, Sheet, Value, Workbook};

use crate::cells::apply_array_ranges;
use crate::cfb::Cfb;
use crate::extras::ArrayExtent;
use crate::package::corrupt;
use crate::ptg::{self, Biff, Bytes, Context, DecodeError, Xti};
use crate::xlsb::{error_value, rk};

// Record types ([MS-XLS] 2.3).
const FORMULA: u16 = 0x0006;
const EOF: u16 = 0x000A;
const CALCCOUNT: u16 = 0x000C;
const DELTA: u16 = 0x0010;
const ITERATION: u16 = 0x0011;
const EXTERNSHEET: u16 = 0x0017;
const LBL: u16 = 0x0018;
const DATEMODE: u16 = 0x0022;
const EXTERNNAME: u16 = 0x0023;
const FILEPASS: u16 = 0x002F;
const CONTINUE: u16 = 0x003C;
const BOUNDSHEET: u16 = 0x0085;
const MULRK: u16 = 0x00BD;
const SST: u16 = 0x00FC;
const LABELSST: u16 = 0x00FD;
const SUPBOOK: u16 = 0x01AE;
const NUMBER: u16 = 0x0203;
const LABEL: u16 = 0x0204;
const BOOLERR: u16 = 0x0205;
const STRING: u16 = 0x0207;
const ARRAY: u16 = 0x0221;
const RK: u16 = 0x027E;
const SHRFMLA: u16 = 0x04BC;
const BOF: u16 = 0x0809;

/// One record, its `CONTINUE` records appended; `bounds` are where each continuation
/// starts in `data` (strings split there repeat their flags byte).
struct Record {
    typ: u16,
    data: Vec<u8>,
    bounds: Vec<usize>,
}

/// Walks the records of a substream from `start` to its `EOF`.
struct Stream<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Stream<'_> {
    fn header(&self, at: usize) -> Option<(u16, usize)> {
        let h = self.s.get(at..at + 4)?;
        Some((u16::from_le_bytes([h[0], h[1]]), u16::from_le_bytes([h[2], h[3]]) as usize))
    }

    fn next(&mut self) -> Result<Option<Record>> {
        let Some((typ, len)) = self.header(self.pos) else {
            return if self.pos >= self.s.len() { Ok(None) } else { Err(corrupt("the Workbook stream ends inside a record header")) };
        };
        let body = self.pos + 4;
        let end = body + len;
        if end > self.s.len() {
            return Err(corrupt(format!("a record (type 0x{typ:04X}) claims {len} bytes, past the end of the Workbook stream")));
        }
        let mut rec = Record { typ, data: self.s[body..end].to_vec(), bounds: Vec::new() };
        self.pos = end;
        while let Some((CONTINUE, len)) = self.header(self.pos) {
            let body = self.pos + 4;
            let end = body + len;
            if end > self.s.len() {
                return Err(corrupt(format!("a CONTINUE record claims {len} bytes, past the end of the Workbook stream")));
            }
            rec.bounds.push(rec.data.len());
            rec.data.extend_from_slice(&self.s[body..end]);
            self.pos = end;
        }
        Ok(Some(rec))
    }
}

/// Reads an `XLUnicodeString`-family string body of `cch` characters at `r`, whose
/// characters may continue past a `CONTINUE` boundary (where a new flags byte says
/// whether the rest is one or two bytes per character).
fn split_chars(data: &[u8], bounds: &[usize], pos: &mut usize, cch: usize, mut wide: bool) -> std::result::Result<String, DecodeError> {
    let mut out = String::with_capacity(cch.min(data.len()));
    let mut left = cch;
    while left > 0 {
        let next_bound = bounds.iter().copied().find(|&b| b > *pos).unwrap_or(data.len());
        let per = if wide { 2 } else { 1 };
        // A position past the record's end (a hostile length before the string) fits
        // nothing and is cut short below; it must not underflow.
        let fit = (next_bound.saturating_sub(*pos) / per).min(left);
        let mut r = Bytes::new(data.get(*pos..*pos + fit * per).ok_or_else(|| DecodeError("a string is cut short".into()))?);
        out.push_str(&r.biff8_chars(fit, wide)?);
        *pos += fit * per;
        left -= fit;
        if left > 0 {
            if *pos != next_bound || *pos >= data.len() {
                return Err(DecodeError("a string is cut short".into()));
            }
            wide = data[*pos] & 1 != 0;
            *pos += 1;
        }
    }
    Ok(out)
}

/// An `XLUnicodeRichExtendedString` (the SST's strings), skipping its formatting runs
/// and phonetic data.
fn rich_string(data: &[u8], bounds: &[usize], pos: &mut usize, cch_bytes: usize) -> std::result::Result<String, DecodeError> {
    let mut r = Bytes::new(data.get(*pos..).unwrap_or(&[]));
    let cch = if cch_bytes == 2 { r.u16()? as usize } else { r.u8()? as usize };
    let flags = r.u8()?;
    let runs = if flags & 0x08 != 0 { r.u16()? as usize } else { 0 };
    let ext = if flags & 0x04 != 0 { r.u32()? as usize } else { 0 };
    *pos += cch_bytes + 1 + if flags & 0x08 != 0 { 2 } else { 0 } + if flags & 0x04 != 0 { 4 } else { 0 };
    let s = split_chars(data, bounds, pos, cch, flags & 0x01 != 0)?;
    let skip = runs.checked_mul(4).and_then(|n| n.checked_add(ext)).ok_or_else(|| DecodeError("a string's formatting is too long".into()))?;
    *pos = pos.checked_add(skip).filter(|&p| p <= data.len()).ok_or_else(|| DecodeError("a string's formatting is cut short".into()))?;
    Ok(s)
}

/// `ShortXLUnicodeString`: an 8-bit count, flags, characters.
fn short_string(r: &mut Bytes<'_>) -> std::result::Result<String, DecodeError> {
    let n = r.u8()? as usize;
    let wide = r.u8()? & 1 != 0;
    r.biff8_chars(n, wide)
}

fn bad(e: DecodeError) -> SheetcError {
    corrupt(format!("the Workbook stream is damaged: {}", e.0))
}

const BUILTIN_NAMES: [&str; 14] = [
    "Consolidate_Area",
    "Auto_Open",
    "Auto_Close",
    "Extract",
    "Database",
    "Criteria",
    "Print_Area",
    "Print_Titles",
    "Recorder",
    "Data_Form",
    "Auto_Activate",
    "Auto_Deactivate",
    "Sheet_Title",
    "_FilterDatabase",
];

struct RawName {
    name: String,
    flags: u16,
    itab: u16,
    rgce: Vec<u8>,
    rgcb: Vec<u8>,
}

/// A supporting workbook (`SUPBOOK`): this one, an add-in (its names are functions), or
/// an external workbook (1-based as `.xlsx` numbers them) with its sheet names.
enum SupBook {
    Own,
    AddIn(Vec<String>),
    External(u32, Vec<String>, Vec<String>),
}

pub(crate) fn read_workbook(path: &Path, limits: &Limits, cancelled: &dyn Fn() -> bool) -> Result<Workbook> {
    let limit = limits.max_uncompressed_bytes;
    let size = std::fs::metadata(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?.len();
    if size > limit {
        return Err(SheetcError::new(
            ErrorCode::TooLarge,
            format!("the file is {size} bytes, over the limit of {limit} (raise it with --max-uncompressed-mb)"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| SheetcError::io(&format!("cannot read {}", path.display()), e))?;
    let cfb = Cfb::parse(&bytes)?;
    let stream = cfb.stream("Workbook", limit)?.ok_or_else(|| SheetcError::new(ErrorCode::NotAWorkbook, "the compound file holds no Workbook stream"))?;
    // A VBA project (the `_VBA_PROJECT_CUR` storage): calls to names that are no Excel
    // function are its user-defined functions (backfilled and reported, as in an .xlsm).
    let vba_project = cfb.has("_VBA_PROJECT_CUR");
    drop(bytes);
    let mut workbook = read_stream(&stream, limits, cancelled)?;
    workbook.vba_project = vba_project;
    Ok(workbook)
}

pub(crate) fn read_stream(stream: &[u8], limits: &Limits, cancelled: &dyn Fn() -> bool) -> Result<Workbook> {
    let mut st = Stream { s: stream, pos: 0 };
    let first = st.next()?.ok_or_else(|| corrupt("the Workbook stream is empty"))?;
    if first.typ != BOF || first.data.len() < 4 {
        return Err(corrupt("the Workbook stream does not start with a BOF record"));
    }
    let version = u16::from_le_bytes([first.data[0], first.data[1]]);
    if version != 0x0600 {
        return Err(SheetcError::new(
            ErrorCode::LegacyFormat,
            format!("this .xls is BIFF version 0x{version:04X}, older than Excel 97 (BIFF8); open it in Excel and save it as .xlsx"),
        ));
    }
    let mut date1904 = false;
    let mut sheets: Vec<(String, u32, u8)> = Vec::new();
    let mut strings: Vec<String> = Vec::new();
    let mut supbooks: Vec<SupBook> = Vec::new();
    let mut externals = 0u32;
    let mut raw_xti: Vec<(u16, i16, i16)> = Vec::new();
    let mut names: Vec<RawName> = Vec::new();
    while let Some(rec) = st.next()? {
        let mut r = Bytes::new(&rec.data);
        let step = (|| -> std::result::Result<bool, DecodeError> {
            match rec.typ {
                EOF => return Ok(false),
                FILEPASS => return Ok(true),
                DATEMODE => date1904 = r.u16()? == 1,
                BOUNDSHEET => {
                    let pos = r.u32()?;
                    let _state = r.u8()?;
                    let dt = r.u8()?;
                    sheets.push((short_string(&mut r)?, pos, dt));
                }
                SST => {
                    let _total = r.u32()?;
                    let unique = r.u32()? as usize;
                    let mut pos = 8;
                    // Every string takes at least 3 bytes: the count cannot outgrow the record.
                    strings.reserve(unique.min(rec.data.len() / 3));
                    while strings.len() < unique && pos < rec.data.len() {
                        strings.push(rich_string(&rec.data, &rec.bounds, &mut pos, 2)?);
                    }
                }
                SUPBOOK => {
                    let ctab = r.u16()? as usize;
                    let cch = r.u16()?;
                    supbooks.push(match cch {
                        0x0401 => SupBook::Own,
                        0x3A01 => SupBook::AddIn(Vec::new()),
                        _ => {
                            let mut pos = 4usize;
                            let wide = rec.data.get(pos).is_some_and(|f| f & 1 != 0);
                            pos += 1;
                            let path = split_chars(&rec.data, &rec.bounds, &mut pos, cch as usize, wide)?;
                            let mut tabs = Vec::new();
                            for _ in 0..ctab.min(rec.data.len() / 3) {
                                let mut rr = Bytes::new(rec.data.get(pos..).unwrap_or(&[]));
                                let n = rr.u16()? as usize;
                                let wide = rr.u8()? & 1 != 0;
                                pos += 3;
                                tabs.push(split_chars(&rec.data, &rec.bounds, &mut pos, n, wide)?);
                            }
                            externals += 1;
                            SupBook::External(externals, vec![path], tabs)
                        }
                    });
                }
                EXTERNNAME => {
                    let _flags = r.u16()?;
                    r.take(4)?;
                    let n = r.u8()? as usize;
                    let wide = r.u8()? & 1 != 0;
                    let name = r.biff8_chars(n, wide)?;
                    match supbooks.last_mut() {
                        Some(SupBook::AddIn(list)) | Some(SupBook::External(_, list, _)) => list.push(name),
                        _ => {}
                    }
                }
                EXTERNSHEET => {
                    let n = r.u16()? as usize;
                    for _ in 0..n.min(r.remaining() / 6) {
                        raw_xti.push((r.u16()?, r.u16()? as i16, r.u16()? as i16));
                    }
                }
                LBL => {
                    let flags = r.u16()?;
                    let _key = r.u8()?;
                    let cch = r.u8()? as usize;
                    let cce = r.u16()? as usize;
                    let _reserved = r.u16()?;
                    let itab = r.u16()?;
                    r.take(4)?;
                    let wide = r.u8()? & 1 != 0;
                    let name = if flags & 0x20 != 0 {
                        let code = if wide { r.u16()? as usize } else { r.u8()? as usize };
                        r.take(cch.saturating_sub(1) * if wide { 2 } else { 1 })?;
                        format!("_xlnm.{}", BUILTIN_NAMES.get(code).copied().unwrap_or("Unknown"))
                    } else {
                        r.biff8_chars(cch, wide)?
                    };
                    let rgce = r.take(cce)?.to_vec();
                    let rgcb = r.take(r.remaining())?.to_vec();
                    names.push(RawName { name, flags, itab, rgce, rgcb });
                }
                _ => {}
            }
            Ok(true)
        })();
        match step {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(bad(e)),
        }
        if rec.typ == FILEPASS {
            return Err(SheetcError::new(
                ErrorCode::Encrypted,
                "the workbook is password-protected (encrypted); save an unprotected copy from Excel and compile that",
            ));
        }
    }

    // Sheet indexes: worksheets (dt 0) become the model's sheets.
    let mut model_index: HashMap<u16, u32> = HashMap::new();
    let mut worksheets: Vec<(String, u32)> = Vec::new();
    for (i, (name, pos, dt)) in sheets.iter().enumerate() {
        if *dt == 0 {
            model_index.insert(i as u16, worksheets.len() as u32);
            worksheets.push((name.clone(), *pos));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &worksheets {
        if !seen.insert(name.to_lowercase()) {
            return Err(corrupt(format!("two sheets are named \"{name}\" (ignoring case), which Excel does not allow")));
        }
    }
    let sheet_name = |i: i16| sheets.get(usize::try_from(i).ok()?).map(|s| s.0.clone());
    let xti: Vec<Xti> = raw_xti
        .iter()
        .map(|&(book, first, last)| match supbooks.get(book as usize) {
            Some(SupBook::Own) => match (first, sheet_name(first), sheet_name(last)) {
                (-2, _, _) => Xti::Workbook,
                (_, Some(a), Some(b)) => Xti::Sheets(a, b),
                _ => Xti::Invalid,
            },
            Some(SupBook::External(n, _, tabs)) => {
                let tab = |i: i16| tabs.get(usize::try_from(i).ok()?).cloned();
                match (tab(first), tab(last)) {
                    (Some(a), Some(b)) => Xti::External(*n, a, b),
                    _ => Xti::Invalid,
                }
            }
            _ => Xti::Invalid,
        })
        .collect();
    // A sheet's own name is written with its sheet (`Sheet1!Rate`), which is what it
    // means wherever it is used.
    let name_texts: Vec<String> = names
        .iter()
        .map(|n| match sheets.get((n.itab as usize).wrapping_sub(1)) {
            Some(s) if n.flags & 0x2 == 0 && n.itab != 0 => format!("{}!{}", ptg::quote_sheet(&s.0), n.name),
            _ => n.name.clone(),
        })
        .collect();
    let extern_name = |ixti: u16, index: u32| -> Option<String> {
        let (book, _, _) = raw_xti.get(ixti as usize)?;
        match supbooks.get(*book as usize)? {
            SupBook::AddIn(list) => list.get((index as usize).checked_sub(1)?).cloned(),
            SupBook::Own => name_texts.get((index as usize).checked_sub(1)?).cloned(),
            SupBook::External(..) => None,
        }
    };
    let no_tables = |_: u32| None;
    let ctx = Context { biff: Biff::V8, xti: &xti, names: &name_texts, extern_name: &extern_name, table: &no_tables };

    let mut wb = Workbook { date1904, format: FileFormat::Xls, ..Workbook::default() };
    let mut calc: Option<CalcSettings> = None;
    let mut cell_total = 0u64;
    for (name, pos) in &worksheets {
        if cancelled() {
            return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
        }
        let (mut sheet, arrays, sheet_calc) = read_sheet(stream, *pos as usize, name, &strings, &ctx, limits, &mut cell_total, cancelled)?;
        calc = calc.or(sheet_calc);
        apply_array_ranges(&mut sheet, &arrays, &Default::default(), limits, &mut cell_total)?;
        wb.sheets.push(sheet);
    }
    wb.calc = calc.unwrap_or_default();
    for n in &names {
        // Function names (VBA, add-in and future functions) are not defined names.
        // (A name without a formula, as Excel keeps for some deleted names, defines nothing.)
        if n.flags & 0x2 != 0 || n.rgce.is_empty() {
            continue;
        }
        let formula = ptg::decode(&n.rgce, &n.rgcb, &ctx, (0, 0)).unwrap_or_else(|e| ptg::undecodable(&e));
        let scope = if n.itab == 0 { None } else { model_index.get(&(n.itab - 1)).copied() };
        wb.names.push(DefinedName { name: n.name.clone(), scope, formula, hidden: n.flags & 0x1 != 0 });
    }
    Ok(wb)
}

/// A shared formula (`SHRFMLA`) or array formula (`ARRAY`): its range and text.
struct Group {
    r0: u32,
    c0: u32,
    r1: u32,
    c1: u32,
    text: u32,
    array: bool,
}

type SheetRead = (Sheet, HashMap<(u32, u32), ArrayExtent>, Option<CalcSettings>);

#[allow(clippy::too_many_arguments)]
fn read_sheet(
    stream: &[u8],
    pos: usize,
    name: &str,
    strings: &[String],
    ctx: &Context<'_>,
    limits: &Limits,
    cell_total: &mut u64,
    cancelled: &dyn Fn() -> bool,
) -> Result<SheetRead> {
    let mut sheet = Sheet { name: name.to_string(), ..Sheet::default() };
    let mut st = Stream { s: stream, pos };
    let bof = st.next()?.ok_or_else(|| corrupt(format!("sheet {name} starts past the end of the Workbook stream")))?;
    if bof.typ != BOF {
        return Err(corrupt(format!("sheet {name} does not start with a BOF record")));
    }
    let mut groups: HashMap<(u32, u32), Group> = HashMap::new();
    // Cells whose formula is PtgExp → (index in cells, base cell).
    let mut pending: Vec<(usize, (u32, u32))> = Vec::new();
    // The last FORMULA cell (a SHRFMLA/ARRAY/STRING record belongs to it).
    let mut last_formula: Option<usize> = None;
    let mut string_for: Option<usize> = None;
    let (mut iterate, mut count, mut delta) = (None, None, None);
    let mut seen: u64 = 0;
    while let Some(rec) = st.next()? {
        if rec.typ == EOF {
            break;
        }
        let mut r = Bytes::new(&rec.data);
        let step = (|| -> std::result::Result<Vec<Cell>, DecodeError> {
            let cell = |r: &mut Bytes<'_>| -> std::result::Result<(u32, u32), DecodeError> {
                let row = r.u16()? as u32;
                let col = r.u16()? as u32;
                r.u16()?; // format
                Ok((row, col))
            };
            Ok(match rec.typ {
                NUMBER => {
                    let (row, col) = cell(&mut r)?;
                    vec![Cell { row, col, kind: CellKind::Constant, value: Value::Number(r.f64()?) }]
                }
                RK => {
                    let (row, col) = cell(&mut r)?;
                    vec![Cell { row, col, kind: CellKind::Constant, value: Value::Number(rk(r.u32()?)) }]
                }
                MULRK => {
                    let row = r.u16()? as u32;
                    let first = r.u16()? as u32;
                    let n = r.remaining().saturating_sub(2) / 6;
                    let mut out = Vec::with_capacity(n);
                    for i in 0..n as u32 {
                        r.u16()?;
                        out.push(Cell { row, col: first + i, kind: CellKind::Constant, value: Value::Number(rk(r.u32()?)) });
                    }
                    out
                }
                LABELSST => {
                    let (row, col) = cell(&mut r)?;
                    let i = r.u32()? as usize;
                    let s = strings.get(i).cloned().ok_or_else(|| DecodeError(format!("shared string {i} of {}", strings.len())))?;
                    vec![Cell { row, col, kind: CellKind::Constant, value: Value::Text(s) }]
                }
                LABEL => {
                    let (row, col) = cell(&mut r)?;
                    let mut p = 6;
                    let s = rich_string(&rec.data, &rec.bounds, &mut p, 2)?;
                    vec![Cell { row, col, kind: CellKind::Constant, value: Value::Text(s) }]
                }
                BOOLERR => {
                    let (row, col) = cell(&mut r)?;
                    let v = r.u8()?;
                    let value = if r.u8()? != 0 { error_value(v) } else { Value::Bool(v != 0) };
                    vec![Cell { row, col, kind: CellKind::Constant, value }]
                }
                FORMULA => {
                    let (row, col) = cell(&mut r)?;
                    let v = r.take(8)?;
                    let mut value = Value::Empty;
                    let mut wants_string = false;
                    if v[6] == 0xFF && v[7] == 0xFF {
                        match v[0] {
                            0 => wants_string = true,
                            1 => value = Value::Bool(v[2] != 0),
                            2 => value = error_value(v[2]),
                            3 => value = Value::Text(String::new()),
                            _ => {}
                        }
                    } else {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(v);
                        value = Value::Number(f64::from_le_bytes(a));
                    }
                    let _flags = r.u16()?;
                    r.u32()?;
                    let cce = r.u16()? as usize;
                    let rgce = r.take(cce)?;
                    let rgcb = r.take(r.remaining())?;
                    let index = sheet.cells.len();
                    let kind = if rgce.len() == 5 && rgce[0] == 0x01 {
                        let base = (u16::from_le_bytes([rgce[1], rgce[2]]) as u32, u16::from_le_bytes([rgce[3], rgce[4]]) as u32);
                        pending.push((index, base));
                        CellKind::ArrayMember
                    } else {
                        let text = ptg::decode(rgce, rgcb, ctx, (row, col)).unwrap_or_else(|e| ptg::undecodable(&e));
                        CellKind::Formula(FormulaRef { text: sheet.formulas.push(&text), origin_row: row, origin_col: col })
                    };
                    last_formula = Some(index);
                    string_for = if wants_string { Some(index) } else { None };
                    vec![Cell { row, col, kind, value }]
                }
                STRING => {
                    if let Some(i) = string_for.take() {
                        let mut p = 0;
                        let s = rich_string(&rec.data, &rec.bounds, &mut p, 2)?;
                        if let Some(c) = sheet.cells.get_mut(i) {
                            c.value = Value::Text(s);
                        }
                    }
                    Vec::new()
                }
                SHRFMLA | ARRAY => {
                    let r0 = r.u16()? as u32;
                    let r1 = r.u16()? as u32;
                    let c0 = r.u8()? as u32;
                    let c1 = r.u8()? as u32;
                    if rec.typ == SHRFMLA {
                        r.take(2)?;
                    } else {
                        r.take(6)?;
                    }
                    let cce = r.u16()? as usize;
                    let rgce = r.take(cce)?;
                    let rgcb = r.take(r.remaining())?;
                    if r0 > r1 || c0 > c1 {
                        return Err(DecodeError("a shared or array formula's range is reversed".into()));
                    }
                    // The group's base is the cell of the FORMULA record just before it.
                    let base = last_formula.and_then(|i| sheet.cells.get(i)).map(|c| (c.row, c.col)).unwrap_or((r0, c0));
                    let text = ptg::decode(rgce, rgcb, ctx, base).unwrap_or_else(|e| ptg::undecodable(&e));
                    let t = sheet.formulas.push(&text);
                    groups.insert(base, Group { r0, c0, r1, c1, text: t, array: rec.typ == ARRAY });
                    Vec::new()
                }
                ITERATION => {
                    iterate = Some(r.u16()? != 0);
                    Vec::new()
                }
                CALCCOUNT => {
                    count = Some(r.u16()? as u32);
                    Vec::new()
                }
                DELTA => {
                    delta = Some(r.f64()?);
                    Vec::new()
                }
                _ => Vec::new(),
            })
        })();
        let cells = step.map_err(bad)?;
        for c in cells {
            seen += 1;
            if seen.is_multiple_of(16_384) {
                if cancelled() {
                    return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
                }
                if *cell_total + seen > limits.max_cells {
                    return Err(too_many_cells(limits));
                }
            }
            sheet.cells.push(c);
        }
    }
    *cell_total += seen;
    if *cell_total > limits.max_cells {
        return Err(too_many_cells(limits));
    }
    let mut arrays = HashMap::new();
    for (i, base) in pending {
        let Some(cell) = sheet.cells.get_mut(i) else { continue };
        cell.kind = match groups.get(&base) {
            Some(g) if g.array && (cell.row, cell.col) == base => {
                arrays.insert(base, ArrayExtent { last: (g.r1, g.c1), cm: None });
                CellKind::Formula(FormulaRef { text: g.text, origin_row: base.0, origin_col: base.1 })
            }
            Some(g) if !g.array && g.r0 <= cell.row && cell.row <= g.r1 && g.c0 <= cell.col && cell.col <= g.c1 => {
                CellKind::Formula(FormulaRef { text: g.text, origin_row: base.0, origin_col: base.1 })
            }
            // An array's other cells are marked when its range is applied.
            _ => CellKind::Constant,
        };
    }
    sheet.cells.retain(|c| c.kind != CellKind::Constant || c.value != Value::Empty);
    if !sheet.cells.is_sorted_by_key(|c| (c.row, c.col)) {
        sheet.cells.sort_by_key(|c| (c.row, c.col));
    }
    let calc = iterate.map(|it| {
        let d = CalcSettings::default();
        CalcSettings { iterate: it, iterate_count: count.unwrap_or(d.iterate_count), iterate_delta: delta.unwrap_or(d.iterate_delta), ..d }
    });
    Ok((sheet, arrays, calc))
}

fn too_many_cells(limits: &Limits) -> SheetcError {
    SheetcError::new(ErrorCode::TooLarge, format!("the workbook has more than {} cells (raise the limit with --max-cells)", limits.max_cells))
}

#[cfg(test)]
mod split_chars_tests {
    use super::*;

    #[test]
    fn a_position_past_the_record_is_cut_short_not_an_underflow() {
        // Found by the fuzzer (fuzz/crashes/crash-xlsx-43b846c2e3ca51d1.xlsx): a string
        // whose start lies past its record's end subtracted with overflow.
        let data = [b'a', b'b'];
        let mut pos = 5;
        assert!(split_chars(&data, &[], &mut pos, 3, false).is_err());
        let mut pos = 2;
        assert!(split_chars(&data, &[], &mut pos, 1, false).is_err());
        let mut pos = 0;
        assert_eq!(split_chars(&data, &[], &mut pos, 2, false).ok().as_deref(), Some("ab"));
    }
}
