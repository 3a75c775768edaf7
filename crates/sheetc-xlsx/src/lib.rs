//! sheetc-xlsx: everything that reads a workbook file and hands the compiler a
//! [`Workbook`] (sheetc-core's data model): the zip package, `xl/workbook.xml`, the
//! sheets' cells (calamine's streaming reader), tables, external links, dynamic-array
//! and rich-value metadata, and Excel's stored results. One module per part.
//!
//! The workbook-level parts calamine does not expose the way we need them (defined names
//! with their scope, `calcPr` iteration settings, the ranges of array formulas) are read
//! from the zip directly with quick-xml.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use sheetc_core::error::{ErrorCode, Result, SheetcError};
use sheetc_core::model::{sheet_key, CellKind, DefinedName, FileFormat, Limits, Value, Workbook};

mod biff12;
mod bounds;
mod cells;
mod cfb;
mod doc_props;
mod external_links;
mod extras;
mod format;
mod ftab;
mod metadata;
mod package;
mod ptg;
#[cfg(feature = "scan")]
mod scan;
mod shared_strings;
mod style_scan;
mod styles;
mod tables;
mod workbook_part;
mod xls;
mod xlsb;

#[cfg(test)]
mod formats_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod tests;

#[cfg(feature = "scan")]
pub use scan::{scan_cells, scan_cells_with, ScanStats};

use bounds::compact_package;
use cells::{apply_array_ranges, read_all_cells};
use doc_props::read_document_properties;
use external_links::read_external_link;
use extras::{apply_data_tables, apply_row_visibility};
use metadata::{rich_value_errors, Metadata};
use package::{check_entries, corrupt, find_part, open_zip, read_part, sniff, utf8_package, Source};
use shared_strings::check_opened_parts;
use styles::xf_format_codes;
use tables::read_tables;
use workbook_part::{check_main_part, read_workbook_part};

/// Reads the workbook at `path`, whatever its format (by content: `.xlsx`/`.xlsm`,
/// `.xlsb`, `.xls`; `.ods` is refused with advice). `cancelled` is polled between sheets
/// and every few thousand cells so a cancel is honoured promptly.
pub fn read_workbook(path: &Path, limits: &Limits, cancelled: &dyn Fn() -> bool) -> Result<Workbook> {
    let format = format::detect(path, limits.max_uncompressed_bytes)?;
    match format {
        FileFormat::Xlsb => xlsb::read_workbook(path, limits, cancelled),
        FileFormat::Xls => xls::read_workbook(path, limits, cancelled),
        FileFormat::Ods => Err(SheetcError::new(
            ErrorCode::UnsupportedFormat,
            "this is an OpenDocument spreadsheet (.ods), which sheetc does not compile yet; save it as .xlsx (or .xlsb/.xls) from Excel or LibreOffice",
        )),
        FileFormat::Xlsx | FileFormat::Xlsm => read_xlsx(path, limits, cancelled).map(|wb| Workbook { format, ..wb }),
    }
}

/// Reads an `.xlsx`/`.xlsm` package.
fn read_xlsx(path: &Path, limits: &Limits, cancelled: &dyn Fn() -> bool) -> Result<Workbook> {
    sniff(path)?;
    let mut zip = open_zip(path)?;
    check_entries(&zip)?;
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
            format!("the workbook expands to {total} bytes, over the limit of {} (raise it with --max-uncompressed-mb)", limits.max_uncompressed_bytes),
        ));
    }
    if find_part(&zip, "xl/workbook.xml").is_none() {
        if find_part(&zip, "content.xml").is_some() {
            return Err(SheetcError::new(ErrorCode::LegacyFormat, "this is an OpenDocument spreadsheet (.ods); save it as .xlsx from Excel or LibreOffice"));
        }
        if find_part(&zip, "xl/workbook.bin").is_some() {
            return Err(SheetcError::new(ErrorCode::LegacyFormat, "this is a binary workbook (.xlsb); save it as .xlsx"));
        }
        return Err(SheetcError::new(ErrorCode::NotAWorkbook, "the zip holds no xl/workbook.xml: it is not an Excel workbook"));
    }
    // UTF-16 parts (the package allows them) are re-encoded once, in memory, for every
    // reader: calamine reads only UTF-8.
    let utf8 = utf8_package(&mut zip, limits.max_uncompressed_bytes)?;
    let compacted: Vec<u8>;
    let mut source = match &utf8 {
        Some(bytes) => Source::Bytes(bytes),
        None => Source::File(path),
    };
    let mut zip = source.zip()?;
    // What calamine reads on opening the workbook, bounded before it does; parts padded
    // with whitespace past the bounds are read from a compacted copy (checked again).
    let padded = check_opened_parts(&mut zip, limits.max_uncompressed_bytes)?;
    if !padded.is_empty() {
        compacted = compact_package(&mut zip, &padded, limits.max_uncompressed_bytes, &AtomicBool::new(false))?;
        source = Source::Bytes(&compacted);
        zip = source.zip()?;
        if !check_opened_parts(&mut zip, limits.max_uncompressed_bytes)?.is_empty() {
            return Err(corrupt("the workbook's parts still hold long whitespace after compaction; the file is damaged"));
        }
    }
    check_main_part(&mut zip, limits.max_uncompressed_bytes)?;
    let part = read_workbook_part(&mut zip, limits.max_uncompressed_bytes)?;
    if part.sheets.is_empty() {
        return Err(corrupt("the workbook has no worksheets (every workbook Excel saves has one); the file is damaged or not readable"));
    }
    // Excel forbids sheet names that are equal ignoring case, as Excel compares them
    // (`sheet_key`); references could not tell them apart.
    let mut seen = HashSet::new();
    for name in &part.all_names {
        if !seen.insert(sheet_key(name)) {
            return Err(corrupt(format!("two sheets are named \"{name}\" (ignoring case, as Excel compares sheet names), which Excel does not allow")));
        }
    }

    let mut tables = Vec::new();
    let mut table_filters = Vec::with_capacity(part.sheets.len());
    for (index, (_, target)) in part.sheets.iter().enumerate() {
        let found = read_tables(&mut zip, target, index as u32, limits.max_uncompressed_bytes)?;
        tables.extend(found.tables);
        table_filters.push(found.active_filters);
    }
    let properties = read_document_properties(&mut zip, limits.max_uncompressed_bytes)?;
    // The relationship names the VBA project; a package that only holds the part counts too.
    let vba_project = part.vba_project || find_part(&zip, "xl/vbaProject.bin").is_some();
    let metadata = read_part(&mut zip, "xl/metadata.xml", limits.max_uncompressed_bytes)?.map(|xml| Metadata::parse(&xml)).unwrap_or_default();
    let rich_errors = rich_value_errors(&mut zip, &metadata, limits.max_uncompressed_bytes)?;
    let dynamic_cm = metadata.dynamic_cells();
    // Cell styles' number formats (the sheets' style ids are scanned with their bounds).
    let xf = read_part(&mut zip, "xl/styles.xml", limits.max_uncompressed_bytes)?.map(|xml| xf_format_codes(&xml)).unwrap_or_default();
    // External workbooks' cached values, read while the archive is open.
    let mut external_xml = Vec::with_capacity(part.external_links.len());
    for target in &part.external_links {
        external_xml.push(read_part(&mut zip, target, limits.max_uncompressed_bytes)?);
    }
    // Uncompressed sheet sizes: the parallel cell reader takes the largest first.
    let sizes: Vec<u64> = part.sheets.iter().map(|(_, t)| find_part(&zip, t).and_then(|e| zip.by_name(&e).ok().map(|f| f.size())).unwrap_or(0)).collect();
    drop(zip);

    // Each sheet is bounded, then streamed by calamine, then (rarely) parsed for what the
    // cell reader does not report, by one thread per core.
    let (sheets, mut cell_total) = read_all_cells(source, &part.sheets, &sizes, limits, &xf, cancelled)?;
    let mut wb = Workbook { calc: part.calc, date1904: part.date1904, vba_project, properties, ..Workbook::default() };
    wb.formats.codes = xf.codes;
    for ((mut sheet, mut extras), table_filters) in sheets.into_iter().zip(table_filters) {
        wb.formats.sheets.push(std::mem::take(&mut extras.formats));
        apply_array_ranges(&mut sheet, &extras.arrays, &dynamic_cm, limits, &mut cell_total)?;
        apply_data_tables(&mut sheet, &extras.data_tables, limits, &mut cell_total)?;
        if !extras.hidden_rows.is_empty() {
            let filters: Vec<_> = extras.active_filter.into_iter().chain(table_filters).collect();
            apply_row_visibility(&mut sheet, extras.hidden_rows, &filters);
        }
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
    let mut external_names = Vec::new();
    for (i, xml) in external_xml.iter().enumerate() {
        if let Some(xml) = xml {
            let book = read_external_link(xml, i + 1)?;
            wb.sheets.extend(book.sheets);
            // Names scoped to a sheet of the linked book: that sheet's cached copy.
            for (name, scope, formula) in book.names {
                let scope = match scope {
                    Some(s) => match wb.sheet_index(&format!("[{}]{s}", i + 1)) {
                        Some(k) => Some(k),
                        None => continue,
                    },
                    None => None,
                };
                external_names.push(DefinedName { name, scope, formula, hidden: true });
            }
        }
    }
    wb.names = part.names.into_iter().map(|(name, scope, formula, hidden)| DefinedName { name, scope, formula, hidden }).collect();
    wb.names.extend(external_names);
    Ok(wb)
}
