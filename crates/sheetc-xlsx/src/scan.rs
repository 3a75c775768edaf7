//! The benchmark's floor: calamine's bare streaming iteration over every cell.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use calamine::{DataRef, Reader, Xlsx, XlsxFormulaMetadata};
use sheetc_core::error::{ErrorCode, Result, SheetcError};

use crate::cells::sheets_in_parallel;
use crate::package::{map_xlsx_err, open_zip, sniff};
use crate::workbook_part::read_workbook_part;

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
    let names: Vec<String> = first.sheets_metadata().iter().filter(|s| s.typ == calamine::SheetType::WorkSheet).map(|s| s.name.clone()).collect();
    let mut stats = ScanStats { sheets: names.len() as u32, ..ScanStats::default() };
    if threads <= 1 || names.len() <= 1 {
        for name in &names {
            scan_sheet(&mut first, name, &mut stats)?;
        }
    } else {
        // Uncompressed part sizes from the zip directory, as read_workbook uses them.
        let mut zip = open_zip(path)?;
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
pub(crate) fn scan_sheet<RS: Read + Seek>(xlsx: &mut Xlsx<RS>, name: &str, stats: &mut ScanStats) -> Result<()> {
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
