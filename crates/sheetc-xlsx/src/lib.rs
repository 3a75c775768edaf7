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
use std::sync::atomic::{AtomicBool, Ordering};

use sheetc_core::error::{ErrorCode, Result, SheetcError};
use sheetc_core::model::{CellKind, DefinedName, FileFormat, Limits, Value, Workbook};

mod biff12;
mod cells;
mod cfb;
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
mod tables;
mod workbook_part;
mod xls;
mod xlsb;

#[cfg(test)]
mod formats_tests;
#[cfg(test)]
mod tests;

#[cfg(feature = "scan")]
pub use scan::{scan_cells, scan_cells_with, ScanStats};

use cells::{apply_array_ranges, read_all_cells};
use external_links::read_external_link;
use extras::read_all_extras;
use metadata::{rich_value_errors, Metadata};
use package::{corrupt, open_zip, read_part, sniff};
use shared_strings::check_shared_strings;
use tables::read_tables;
use workbook_part::read_workbook_part;

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
    if zip.by_name("xl/workbook.xml").is_err() {
        if zip.by_name("content.xml").is_ok() {
            return Err(SheetcError::new(ErrorCode::LegacyFormat, "this is an OpenDocument spreadsheet (.ods); save it as .xlsx from Excel or LibreOffice"));
        }
        if zip.by_name("xl/workbook.bin").is_ok() {
            return Err(SheetcError::new(ErrorCode::LegacyFormat, "this is a binary workbook (.xlsb); save it as .xlsx"));
        }
        return Err(SheetcError::new(ErrorCode::NotAWorkbook, "the zip holds no xl/workbook.xml: it is not an Excel workbook"));
    }
    let part = read_workbook_part(&mut zip, limits.max_uncompressed_bytes)?;
    // Excel forbids sheet names that differ only in case; references could not tell them apart.
    let mut seen = HashSet::new();
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
    let limit = limits.max_uncompressed_bytes;
    let stop = AtomicBool::new(false);
    let (cells, extras) = std::thread::scope(|s| {
        let worker = std::thread::Builder::new().name("sheetc-read-extras".into()).spawn_scoped(s, || read_all_extras(path, &targets, limit, &stop));
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
                let extras = read_all_extras(path, &targets, limit, &stop);
                (read_all_cells(path, &part.sheets, &sizes, limits, cancelled), extras)
            }
        }
    });
    let (sheets, mut cell_total) = cells?;
    let extras = extras?;
    let mut wb = Workbook { calc: part.calc, date1904: part.date1904, ..Workbook::default() };
    for (mut sheet, extras) in sheets.into_iter().zip(extras) {
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
    wb.names = part.names.into_iter().map(|(name, scope, formula, hidden)| DefinedName { name, scope, formula, hidden }).collect();
    Ok(wb)
}
