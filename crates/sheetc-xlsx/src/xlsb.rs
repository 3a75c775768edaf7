//! `.xlsb` (Excel binary workbook, [MS-XLSB]): the same zip package as `.xlsx` with
//! BIFF12 records in place of XML. Read here record by record into the same
//! [`Workbook`] as `.xlsx`: cells and Excel's stored results, cell, shared and array
//! formulas (decompiled by [`crate::ptg`]), dynamic-array metadata, defined names,
//! tables, hidden sheets, the 1904 date system and the iteration settings.
//!
//! calamine's `Xlsb` is not used: its cell reader gives values and formulas in two
//! separate passes, skips formula errors (`BrtFmlaError`) and rich-text cells
//! (`BrtCellRString`), has no shared or array formulas, indexes its buffers without
//! checking (a short record panics, a string index past the table panics) and its
//! formula decompiler has the gaps listed in `ptg.rs`.

use std::collections::HashMap;
use std::path::Path;

use sheetc_core::address::{MAX_COL, MAX_ROW};
use sheetc_core::ast::ErrorKind;
use sheetc_core::error::{ErrorCode, Result, SheetcError};
use sheetc_core::model::{CalcSettings, Cell, CellKind, DefinedName, FileFormat, FormulaRef, Limits, Sheet, Table, Value, Workbook};

use crate::biff12::{nullable_wide_string, parsed_formula, wide_string, Records};
use crate::cells::apply_array_ranges;
use crate::extras::ArrayExtent;
use crate::package::{attr, corrupt, open_zip, read_part, resolve_relative, SourceReader};
use crate::ptg::{self, Biff, Bytes, Context, DecodeError, Xti};

type Zip<'a> = zip::ZipArchive<SourceReader<'a>>;

// Record types ([MS-XLSB] 2.3.2).
const ROW_HDR: u16 = 0x0000;
const CELL_BLANK: u16 = 0x0001;
const CELL_RK: u16 = 0x0002;
const CELL_ERROR: u16 = 0x0003;
const CELL_BOOL: u16 = 0x0004;
const CELL_REAL: u16 = 0x0005;
const CELL_ST: u16 = 0x0006;
const CELL_ISST: u16 = 0x0007;
const FMLA_STRING: u16 = 0x0008;
const FMLA_NUM: u16 = 0x0009;
const FMLA_BOOL: u16 = 0x000A;
const FMLA_ERROR: u16 = 0x000B;
const SST_ITEM: u16 = 0x0013;
const NAME: u16 = 0x0027;
const CELL_META: u16 = 0x0031;
const MDB: u16 = 0x0033;
const CELL_RSTRING: u16 = 0x003E;
const END_SHEET_DATA: u16 = 0x0092;
const WB_PROP: u16 = 0x0099;
const BUNDLE_SH: u16 = 0x009C;
const CALC_PROP: u16 = 0x009D;
const MDTINFO: u16 = 0x014F;
const BEGIN_ESMDB: u16 = 0x0151;
const END_ESMDB: u16 = 0x0152;
const BEGIN_ESFMD: u16 = 0x0153;
const BEGIN_LIST: u16 = 0x0157;
const BEGIN_LIST_COL: u16 = 0x015B;
const SUP_BOOK_SRC: u16 = 0x0163;
const SUP_SELF: u16 = 0x0165;
const SUP_SAME: u16 = 0x0166;
const SUP_ADDIN: u16 = 0x0292;
const EXTERN_SHEET: u16 = 0x016A;
const ARR_FMLA: u16 = 0x01AA;
const SHR_FMLA: u16 = 0x01AB;
/// The dynamic-array properties of a future-metadata block (`fDynamic` in bit 0).
const DYNAMIC_ARRAY_PR: u16 = 0x1001;

fn bad(part: &str, e: DecodeError) -> SheetcError {
    corrupt(format!("{part} is damaged: {}", e.0))
}

/// One sheet of the workbook part, in workbook order (worksheets and the others).
struct BundleSheet {
    name: String,
    /// The part, when the sheet is a worksheet (chart and dialog sheets hold no cells).
    part: Option<String>,
}

/// A defined name as stored, its formula decoded once every name is known.
struct RawName {
    name: String,
    flags: u32,
    itab: u32,
    rgce: Vec<u8>,
    rgcb: Vec<u8>,
}

struct WorkbookBin {
    sheets: Vec<BundleSheet>,
    date1904: bool,
    calc: CalcSettings,
    xti: Vec<Xti>,
    /// Whether each XTI points into this workbook (its `PtgNameX` index is one of our names).
    xti_own: Vec<bool>,
    names: Vec<RawName>,
}

pub(crate) fn read_workbook(path: &Path, limits: &Limits, cancelled: &dyn Fn() -> bool) -> Result<Workbook> {
    let mut zip = open_zip(path)?;
    let limit = limits.max_uncompressed_bytes;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total = total.saturating_add(f.size());
        }
    }
    if total > limit {
        return Err(SheetcError::new(
            ErrorCode::TooLarge,
            format!("the workbook expands to {total} bytes, over the limit of {limit} (raise it with --max-uncompressed-mb)"),
        ));
    }
    let rels = relationships(&mut zip, "xl/_rels/workbook.bin.rels", limit)?;
    let wb = read_workbook_bin(&mut zip, &rels, limit)?;
    let strings = read_shared_strings(&mut zip, limit)?;
    let dynamic_cm = read_dynamic_cell_metadata(&mut zip, limit)?;

    // Worksheets become the model's sheets; the others only count in sheet indexes.
    let mut model_index: HashMap<u32, u32> = HashMap::new();
    let mut worksheets: Vec<(String, String)> = Vec::new();
    for (i, s) in wb.sheets.iter().enumerate() {
        if let Some(part) = &s.part {
            model_index.insert(i as u32, worksheets.len() as u32);
            worksheets.push((s.name.clone(), part.clone()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &worksheets {
        if !seen.insert(name.to_lowercase()) {
            return Err(corrupt(format!("two sheets are named \"{name}\" (ignoring case), which Excel does not allow")));
        }
    }

    // Tables first: formulas name them (PtgList) by id.
    let mut tables: Vec<(u32, Table)> = Vec::new();
    for (index, (_, part)) in worksheets.iter().enumerate() {
        tables.extend(read_tables(&mut zip, part, index as u32, limit)?);
    }
    // How a formula writes each name: a sheet's own name with its sheet (`Sheet1!Rate`),
    // which is what it means wherever it is used.
    let name_texts: Vec<String> = wb
        .names
        .iter()
        .map(|n| match wb.sheets.get(n.itab as usize) {
            Some(s) if n.flags & 0x2 == 0 && n.itab != u32::MAX => format!("{}!{}", ptg::quote_sheet(&s.name), n.name),
            _ => n.name.clone(),
        })
        .collect();
    let table_lookup = |id: u32| tables.iter().find(|(i, _)| *i == id).map(|(_, t)| (t.name.clone(), t.columns.clone()));
    // PtgNameX through an XTI of this workbook: one of our names, by its 1-based index.
    let extern_name = |ixti: u16, index: u32| -> Option<String> {
        if !wb.xti_own.get(ixti as usize).copied().unwrap_or(false) {
            return None;
        }
        name_texts.get((index as usize).checked_sub(1)?).cloned()
    };
    let ctx = Context { biff: Biff::V12, xti: &wb.xti, names: &name_texts, extern_name: &extern_name, table: &table_lookup };

    // The document properties are XML parts in an .xlsb too: which application saved the
    // file (Excel for Mac's CHAR/CODE character set) and when (verify's clock).
    let properties = crate::doc_props::read_document_properties(&mut zip, limit)?;
    // A VBA project: calls to names that are no Excel function are its user-defined
    // functions (backfilled and reported, as in an .xlsm).
    let vba_project = rels.values().any(|(_, kind)| kind.ends_with("/vbaProject")) || crate::package::find_part(&zip, "xl/vbaProject.bin").is_some();
    let mut out = Workbook { calc: wb.calc, date1904: wb.date1904, format: FileFormat::Xlsb, properties, vba_project, ..Workbook::default() };
    let mut cell_total: u64 = 0;
    for (name, part) in &worksheets {
        if cancelled() {
            return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
        }
        let (mut sheet, arrays) = read_sheet(&mut zip, name, part, &strings, &ctx, limits, &mut cell_total, cancelled)?;
        apply_array_ranges(&mut sheet, &arrays, &dynamic_cm, limits, &mut cell_total)?;
        out.sheets.push(sheet);
    }
    out.tables = tables.iter().map(|(_, t)| t.clone()).collect();
    for n in &wb.names {
        // Function names (VBA and future functions such as `_xlfn.IFS`) are not defined names.
        // (A name without a formula, as Excel keeps for some deleted names, defines nothing.)
        if n.flags & 0x2 != 0 || n.rgce.is_empty() {
            continue;
        }
        let formula = match ptg::decode(&n.rgce, &n.rgcb, &ctx, (0, 0)) {
            Ok(f) => f,
            Err(e) => ptg::undecodable(&e),
        };
        let scope = if n.itab == u32::MAX { None } else { model_index.get(&n.itab).copied() };
        let mut name = n.name.clone();
        if n.flags & 0x20 != 0 && !name.starts_with("_xlnm.") {
            name = format!("_xlnm.{name}");
        }
        out.names.push(DefinedName { name, scope, formula, hidden: n.flags & 0x1 != 0 });
    }
    Ok(out)
}

/// A part's relationships: id → (resolved target, type).
fn relationships(zip: &mut Zip, rels_path: &str, limit: u64) -> Result<HashMap<String, (String, String)>> {
    let mut out = HashMap::new();
    let Some(xml) = read_part(zip, rels_path, limit)? else { return Ok(out) };
    let dir = rels_path.split("/_rels/").next().unwrap_or("");
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    let typ = attr(&e, "Type").unwrap_or_default();
                    out.insert(id, (resolve_relative(dir, &target), typ));
                }
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Err(e) => return Err(corrupt(format!("{rels_path} is not valid XML: {e}"))),
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Opens a part as a record stream (None when the part is absent).
fn records<'z, 'a>(zip: &'z mut Zip<'a>, name: &str, limit: u64) -> Result<Option<Records<zip::read::ZipFile<'z, SourceReader<'a>>>>> {
    match zip.by_name(name) {
        Ok(f) => Ok(Some(Records::new(f, name, limit))),
        Err(zip::result::ZipError::FileNotFound) => Ok(None),
        Err(e) => Err(corrupt(format!("cannot read {name}: {e}"))),
    }
}

fn read_workbook_bin(zip: &mut Zip, rels: &HashMap<String, (String, String)>, limit: u64) -> Result<WorkbookBin> {
    const PART: &str = "xl/workbook.bin";
    let mut recs = records(zip, PART, limit)?.ok_or_else(|| corrupt("the workbook has no xl/workbook.bin part"))?;
    let mut wb = WorkbookBin { sheets: Vec::new(), date1904: false, calc: CalcSettings::default(), xti: Vec::new(), xti_own: Vec::new(), names: Vec::new() };
    // Supporting workbooks in order: Some(None) this workbook, Some(Some(n)) external
    // workbook n (1-based), None an add-in.
    let mut supbooks: Vec<Option<Option<u32>>> = Vec::new();
    let mut externals = 0u32;
    let mut raw_xti: Vec<(u32, i32, i32)> = Vec::new();
    while let Some((typ, data)) = recs.next()? {
        let mut r = Bytes::new(data);
        let step = (|| -> std::result::Result<(), DecodeError> {
            match typ {
                WB_PROP => wb.date1904 = r.u32()? & 1 != 0,
                BUNDLE_SH => {
                    let _state = r.u32()?;
                    let _tab_id = r.u32()?;
                    let rel = nullable_wide_string(&mut r)?;
                    let name = wide_string(&mut r)?;
                    let part = rel.and_then(|id| rels.get(&id)).filter(|(_, t)| t.ends_with("/worksheet")).map(|(p, _)| p.clone());
                    wb.sheets.push(BundleSheet { name, part });
                }
                CALC_PROP => {
                    let _recalc_id = r.u32()?;
                    let _auto = r.u32()?;
                    let count = r.u32()?;
                    let delta = r.f64()?;
                    let _cref = r.u32()?;
                    let flags = r.u16()?;
                    wb.calc = CalcSettings { iterate: flags & 0x4 != 0, iterate_count: count, iterate_delta: delta, ..CalcSettings::default() };
                }
                SUP_SELF | SUP_SAME => supbooks.push(Some(None)),
                SUP_BOOK_SRC => {
                    externals += 1;
                    supbooks.push(Some(Some(externals)));
                }
                SUP_ADDIN => supbooks.push(None),
                EXTERN_SHEET => {
                    let n = r.u32()? as usize;
                    if n > r.remaining() / 12 {
                        return Err(DecodeError("the external sheet table is longer than its record".into()));
                    }
                    for _ in 0..n {
                        raw_xti.push((r.u32()?, r.u32()? as i32, r.u32()? as i32));
                    }
                }
                NAME => {
                    let flags = r.u32()?;
                    let _key = r.u8()?;
                    let itab = r.u32()?;
                    let name = wide_string(&mut r)?;
                    let (rgce, rgcb) = parsed_formula(&mut r)?;
                    wb.names.push(RawName { name, flags, itab, rgce: rgce.to_vec(), rgcb: rgcb.to_vec() });
                }
                _ => {}
            }
            Ok(())
        })();
        step.map_err(|e| bad(PART, e))?;
    }
    let sheet_name = |i: i32| wb.sheets.get(usize::try_from(i).ok()?).map(|s| s.name.clone());
    wb.xti_own = raw_xti.iter().map(|(book, _, _)| matches!(supbooks.get(*book as usize), Some(Some(None)))).collect();
    wb.xti = raw_xti
        .into_iter()
        .map(|(book, first, last)| match supbooks.get(book as usize) {
            Some(Some(None)) => match (first, sheet_name(first), sheet_name(last)) {
                (-2, _, _) => Xti::Workbook,
                (_, Some(a), Some(b)) => Xti::Sheets(a, b),
                _ => Xti::Invalid,
            },
            // Another workbook's sheets: their names are in its external-link part, not read.
            _ => Xti::Invalid,
        })
        .collect();
    Ok(wb)
}

/// The shared-string table (`xl/sharedStrings.bin`): one `BrtSSTItem` per string.
fn read_shared_strings(zip: &mut Zip, limit: u64) -> Result<Vec<String>> {
    const PART: &str = "xl/sharedStrings.bin";
    let Some(mut recs) = records(zip, PART, limit)? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    while let Some((typ, data)) = recs.next()? {
        if typ == SST_ITEM {
            let mut r = Bytes::new(data);
            let _flags = r.u8().map_err(|e| bad(PART, e))?;
            out.push(wide_string(&mut r).map_err(|e| bad(PART, e))?);
        }
    }
    Ok(out)
}

/// The cell-metadata indexes (`cm`, 1-based as in `.xlsx`) that mark a dynamic-array
/// formula: `xl/metadata.bin` names its metadata types (`XLDAPR` is the dynamic-array
/// one), its future-metadata blocks (whose `BrtDynamicArrayPr` holds `fDynamic`) and the
/// cell-metadata blocks pointing at them.
fn read_dynamic_cell_metadata(zip: &mut Zip, limit: u64) -> Result<std::collections::HashSet<u32>> {
    const PART: &str = "xl/metadata.bin";
    let mut out = std::collections::HashSet::new();
    let Some(mut recs) = records(zip, PART, limit)? else { return Ok(out) };
    let mut types: Vec<String> = Vec::new();
    // Future-metadata block name → fDynamic of each block, in order.
    let mut future: HashMap<String, Vec<bool>> = HashMap::new();
    let mut current_future: Option<String> = None;
    let mut in_cell_block = false;
    let mut cell_blocks = 0u32;
    let mut r = |typ: u16, data: &[u8]| -> std::result::Result<(), DecodeError> {
        let mut b = Bytes::new(data);
        match typ {
            MDTINFO => {
                let _flags = b.u32()?;
                let _version = b.u32()?;
                types.push(wide_string(&mut b)?);
            }
            BEGIN_ESFMD => {
                let _count = b.u32()?;
                let name = wide_string(&mut b)?;
                future.entry(name.clone()).or_default();
                current_future = Some(name);
            }
            0x0034 => {
                // BrtBeginFmd: a block, not dynamic until its properties say so.
                if let Some(list) = current_future.as_ref().and_then(|n| future.get_mut(n)) {
                    list.push(false);
                }
            }
            DYNAMIC_ARRAY_PR => {
                let flags = if b.remaining() >= 4 { b.u32()? } else { b.u16()? as u32 };
                if let Some(last) = current_future.as_ref().and_then(|n| future.get_mut(n)).and_then(|l| l.last_mut()) {
                    *last = flags & 1 != 0;
                }
            }
            BEGIN_ESMDB => {
                let _count = b.u32()?;
                in_cell_block = b.u32()? != 0;
            }
            END_ESMDB => in_cell_block = false,
            MDB if in_cell_block => {
                cell_blocks += 1;
                let n = b.u32()? as usize;
                for _ in 0..n.min(b.remaining() / 8) {
                    let (mdt, mdv) = (b.u32()?, b.u32()?);
                    let is_dynamic = mdt
                        .checked_sub(1)
                        .and_then(|t| types.get(t as usize))
                        .filter(|t| t.as_str() == "XLDAPR")
                        .and_then(|t| future.get(t))
                        .and_then(|blocks| blocks.get(mdv as usize))
                        .copied()
                        .unwrap_or(false);
                    if is_dynamic {
                        out.insert(cell_blocks);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    };
    while let Some((typ, data)) = recs.next()? {
        r(typ, data).map_err(|e| bad(PART, e))?;
    }
    Ok(out)
}

/// The tables of one sheet (`xl/tables/tableN.bin`, named by the sheet part's
/// relationships): (table id, table). Formulas refer to a table by its id.
fn read_tables(zip: &mut Zip, sheet_part: &str, sheet: u32, limit: u64) -> Result<Vec<(u32, Table)>> {
    let (dir, file) = sheet_part.rsplit_once('/').unwrap_or(("", sheet_part));
    let rels = relationships(zip, &format!("{dir}/_rels/{file}.rels"), limit)?;
    let mut parts: Vec<String> = rels.into_values().filter(|(_, t)| t.ends_with("/table")).map(|(p, _)| p).collect();
    parts.sort();
    let mut out = Vec::new();
    for part in parts {
        let Some(mut recs) = records(zip, &part, limit)? else { continue };
        let mut table: Option<(u32, Table)> = None;
        while let Some((typ, data)) = recs.next()? {
            let mut r = Bytes::new(data);
            let step = (|| -> std::result::Result<(), DecodeError> {
                match typ {
                    BEGIN_LIST => {
                        let (r0, r1, c0, c1) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
                        let _lt = r.u32()?;
                        let id = r.u32()?;
                        let header_rows = r.u32()?;
                        let totals_rows = r.u32()?;
                        r.take(4 + 7 * 4)?; // flags, the formats and the connection
                        let name = nullable_wide_string(&mut r)?.unwrap_or_default();
                        let display = nullable_wide_string(&mut r)?.filter(|s| !s.is_empty()).unwrap_or(name);
                        if r0 <= r1 && c0 <= c1 && r1 <= MAX_ROW && c1 <= MAX_COL {
                            table = Some((id, Table { name: display, sheet, r0, c0, r1, c1, header_rows, totals_rows, columns: Vec::new() }));
                        }
                    }
                    BEGIN_LIST_COL => {
                        r.take(6 * 4)?; // field id, totals function, formats, query field
                        let name = nullable_wide_string(&mut r)?;
                        let caption = nullable_wide_string(&mut r)?;
                        if let Some((_, t)) = table.as_mut() {
                            t.columns.push(caption.or(name).unwrap_or_default());
                        }
                    }
                    _ => {}
                }
                Ok(())
            })();
            step.map_err(|e| bad(&part, e))?;
        }
        out.extend(table);
    }
    Ok(out)
}

/// The array formulas of a sheet by anchor (applied by `cells::apply_array_ranges`).
type ArrayRanges = HashMap<(u32, u32), ArrayExtent>;

/// A shared or array formula group of a sheet: its range and decoded text.
struct Group {
    r0: u32,
    c0: u32,
    r1: u32,
    c1: u32,
    text: u32,
}

#[allow(clippy::too_many_arguments)]
fn read_sheet(
    zip: &mut Zip,
    name: &str,
    part: &str,
    strings: &[String],
    ctx: &Context<'_>,
    limits: &Limits,
    cell_total: &mut u64,
    cancelled: &dyn Fn() -> bool,
) -> Result<(Sheet, ArrayRanges)> {
    let mut sheet = Sheet { name: name.to_string(), ..Sheet::default() };
    let mut arrays: HashMap<(u32, u32), ArrayExtent> = HashMap::new();
    let Some(mut recs) = records(zip, part, limits.max_uncompressed_bytes)? else {
        return Err(corrupt(format!("the workbook names a sheet part {part} that is not in the file")));
    };
    let mut row: u32 = 0;
    // Shared formulas by anchor row (PtgExp in a BIFF12 cell names only the anchor's row).
    let mut shared: HashMap<u32, Vec<Group>> = HashMap::new();
    // Cells whose formula is a PtgExp: (index in cells, anchor row), resolved at the end.
    let mut pending: Vec<(usize, u32)> = Vec::new();
    // Array anchors: (anchor) → (last row, last col, cm)
    let mut array_anchor: Vec<((u32, u32), (u32, u32))> = Vec::new();
    let mut next_cm: Option<u32> = None;
    let mut cms: HashMap<(u32, u32), u32> = HashMap::new();
    let mut count: u64 = 0;
    // Every worksheet part holds its cell table (BrtBeginSheetData .. BrtEndSheetData,
    // [MS-XLSB] 2.1.7.62): a part that ends before it does was cut short.
    let mut ended = false;
    while let Some((typ, data)) = recs.next()? {
        let mut r = Bytes::new(data);
        let step = (|| -> std::result::Result<Option<Cell>, DecodeError> {
            Ok(match typ {
                ROW_HDR => {
                    row = r.u32()?;
                    None
                }
                CELL_META => {
                    next_cm = Some(r.u32()?);
                    None
                }
                CELL_BLANK..=CELL_ISST | CELL_RSTRING | FMLA_STRING..=FMLA_ERROR => {
                    let col = r.u32()?;
                    r.take(4)?; // style and flags
                    let value = match typ {
                        CELL_BLANK => Value::Empty,
                        CELL_RK => Value::Number(rk(r.u32()?)),
                        CELL_ERROR | FMLA_ERROR => error_value(r.u8()?),
                        CELL_BOOL | FMLA_BOOL => Value::Bool(r.u8()? != 0),
                        CELL_REAL | FMLA_NUM => Value::Number(r.f64()?),
                        CELL_ST | FMLA_STRING => Value::Text(wide_string(&mut r)?),
                        CELL_RSTRING => {
                            r.u8()?;
                            Value::Text(wide_string(&mut r)?)
                        }
                        _ => {
                            let i = r.u32()? as usize;
                            Value::Text(strings.get(i).cloned().ok_or_else(|| DecodeError(format!("shared string {i} of {}", strings.len())))?)
                        }
                    };
                    let mut kind = CellKind::Constant;
                    if typ >= FMLA_STRING {
                        let _grbit = r.u16()?;
                        let (rgce, rgcb) = parsed_formula(&mut r)?;
                        kind = formula_kind(rgce, rgcb, ctx, &mut sheet, row, col, &mut pending);
                    }
                    if let Some(cm) = next_cm.take() {
                        cms.insert((row, col), cm);
                    }
                    Some(Cell { row, col, kind, value })
                }
                SHR_FMLA | ARR_FMLA => {
                    let (r0, r1, c0, c1) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
                    if typ == ARR_FMLA {
                        r.u8()?;
                    }
                    let (rgce, rgcb) = parsed_formula(&mut r)?;
                    if r0 > r1 || c0 > c1 || r1 > MAX_ROW || c1 > MAX_COL {
                        return Err(DecodeError("a shared or array formula's range is outside the grid".into()));
                    }
                    let text = ptg::decode(rgce, rgcb, ctx, (r0, c0)).unwrap_or_else(|e| ptg::undecodable(&e));
                    let t = sheet.formulas.push(&text);
                    if typ == SHR_FMLA {
                        shared.entry(r0).or_default().push(Group { r0, c0, r1, c1, text: t });
                    } else {
                        array_anchor.push(((r0, c0), (r1, c1)));
                        shared.entry(r0).or_default().push(Group { r0, c0, r1: r0, c1: c0, text: t });
                    }
                    None
                }
                _ => None,
            })
        })();
        let cell = step.map_err(|e| bad(part, e))?;
        if let Some(cell) = cell {
            if cell.row > MAX_ROW || cell.col > MAX_COL {
                return Err(corrupt(format!(
                    "sheet {name} has a cell beyond Excel's last row or column (row {}, column {})",
                    cell.row as u64 + 1,
                    cell.col as u64 + 1
                )));
            }
            count += 1;
            if count.is_multiple_of(16_384) {
                if cancelled() {
                    return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
                }
                if *cell_total + count > limits.max_cells {
                    return Err(too_many_cells(limits));
                }
            }
            if cell.kind == CellKind::Constant && cell.value == Value::Empty {
                continue;
            }
            sheet.cells.push(cell);
        }
        if typ == END_SHEET_DATA {
            ended = true;
            break;
        }
    }
    if !ended {
        return Err(corrupt(format!("the sheet part {part} ends before its cell data does (the file was cut short)")));
    }
    *cell_total += count;
    if *cell_total > limits.max_cells {
        return Err(too_many_cells(limits));
    }
    // Cells whose formula lives in a shared or array group.
    for (i, anchor_row) in pending {
        let Some(cell) = sheet.cells.get_mut(i) else { continue };
        let group = shared.get(&anchor_row).and_then(|gs| gs.iter().find(|g| g.r0 <= cell.row && cell.row <= g.r1 && g.c0 <= cell.col && cell.col <= g.c1));
        cell.kind = match group {
            Some(g) => CellKind::Formula(FormulaRef { text: g.text, origin_row: g.r0, origin_col: g.c0 }),
            // An array formula's other cells, or a child whose group is missing:
            // members are marked when the array ranges are applied.
            None => CellKind::Constant,
        };
    }
    for ((r0, c0), (r1, c1)) in array_anchor {
        arrays.insert((r0, c0), ArrayExtent { last: (r1, c1), cm: cms.get(&(r0, c0)).copied() });
    }
    if !sheet.cells.is_sorted_by_key(|c| (c.row, c.col)) {
        sheet.cells.sort_by_key(|c| (c.row, c.col));
    }
    Ok((sheet, arrays))
}

fn too_many_cells(limits: &Limits) -> SheetcError {
    SheetcError::new(ErrorCode::TooLarge, format!("the workbook has more than {} cells (raise the limit with --max-cells)", limits.max_cells))
}

/// A cell formula's kind: its own text, or (PtgExp) a pointer to a shared/array group
/// resolved once the sheet is read.
fn formula_kind(rgce: &[u8], rgcb: &[u8], ctx: &Context<'_>, sheet: &mut Sheet, row: u32, col: u32, pending: &mut Vec<(usize, u32)>) -> CellKind {
    if rgce.len() == 5 && rgce[0] == 0x01 {
        let anchor = u32::from_le_bytes([rgce[1], rgce[2], rgce[3], rgce[4]]);
        pending.push((sheet.cells.len(), anchor));
        // Provisional: replaced when the group is known.
        return CellKind::ArrayMember;
    }
    let text = ptg::decode(rgce, rgcb, ctx, (row, col)).unwrap_or_else(|e| ptg::undecodable(&e));
    CellKind::Formula(FormulaRef { text: sheet.formulas.push(&text), origin_row: row, origin_col: col })
}

/// An RK number ([MS-XLSB] 2.5.122): a 30-bit integer or the high 30 bits of a double,
/// optionally divided by 100.
pub(crate) fn rk(v: u32) -> f64 {
    let n = if v & 0x2 != 0 { ((v as i32) >> 2) as f64 } else { f64::from_bits(((v & 0xFFFF_FFFC) as u64) << 32) };
    if v & 0x1 != 0 {
        n / 100.0
    } else {
        n
    }
}

/// A stored error value. An unknown code is kept as no value rather than guessed.
pub(crate) fn error_value(code: u8) -> Value {
    match ptg::error_literal(code).and_then(ErrorKind::parse) {
        Some(k) => Value::Error(k),
        None => Value::Empty,
    }
}
