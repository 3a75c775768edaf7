//! Every worksheet's cells, streamed with calamine (`worksheet_cells_reader` +
//! `next_cell_with_formula_metadata`) on every core, largest sheet first. Each sheet part
//! is first streamed through the event bounds ([`crate::bounds`]) by the thread that
//! then hands it to calamine, so calamine never reads an event larger than the bounds;
//! a sheet that is most of the workbook is checked on a thread of its own while calamine
//! reads it behind the check ([`read_behind_check`]), which keeps that guarantee.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};
use std::sync::atomic::{AtomicBool, Ordering};

use calamine::{DataRef, Reader, Xlsx, XlsxFormulaMetadata};
use sheetc_core::address::{MAX_COL, MAX_ROW};
use sheetc_core::ast::ErrorKind;
use sheetc_core::error::{ErrorCode, Result, SheetcError};
use sheetc_core::model::{Cell, CellKind, FormulaRef, Limits, Sheet, Value};

use crate::bounds::{check_text, compact_package, scan_part_observed, PartScan};
use crate::extras::{sheet_extras, ArrayExtent, SheetExtras};
use crate::package::{corrupt, find_part, map_xlsx_err, read_part, FailOnDrop, Gate, GateSlot, GatedReader, ProgressReader, Source, SourceReader};
use crate::style_scan::{self, StyleScan};
use crate::styles::XfFormats;

/// Streams every worksheet's cells; returns the sheets (in workbook order) with what the
/// cell reader does not report ([`SheetExtras`]), and the number of cells read. Array
/// formulas come out as ordinary formulas here: their ranges are applied afterwards
/// (`apply_array_ranges`). Sheets go to every core ([`sheets_in_parallel`]); the calling
/// thread only waits, and polls `cancelled` while it does (it need not be `Sync`).
pub(crate) fn read_all_cells(
    source: Source<'_>,
    sheets: &[(String, String)],
    sizes: &[u64],
    limits: &Limits,
    xf: &XfFormats,
    cancelled: &dyn Fn() -> bool,
) -> Result<(Vec<(Sheet, SheetExtras)>, u64)> {
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
    let limit = limits.max_uncompressed_bytes;
    let max_runs = usize::try_from(limits.max_cells).unwrap_or(usize::MAX);
    // One sheet: bounded first (and searched for what the second pass needs), then
    // streamed by calamine. None when the part holds whitespace runs past the bound (read
    // again from a compacted copy). A sheet without its part is calamine's error to report.
    // When the workbook has number formats other than General, the same blocks feed the
    // scan of the cells' style ids (the runs kept are bounded by the cell limit).
    // A sheet that is most of the workbook is checked on a thread of its own while
    // calamine reads it behind the check (`Gate`); other sheets are checked, then read.
    let total_size: u64 = sizes.iter().sum();
    let read_one = |r: &mut Readers<'_>, i: usize, pipelined: bool| -> Result<Option<(Sheet, SheetExtras)>> {
        let target = &sheets[i].1;
        let mut styles = xf.any().then(|| StyleScan::new(xf, max_runs));
        let entry = find_part(r.zip()?, target);
        let (scan, sheet) = match entry {
            Some(entry) if pipelined => {
                let Some((scan, sheet, kept_styles)) = read_behind_check(r, &entry, target, names[i], limit, limits, &cell_total, &stop, styles.take())? else {
                    return Ok(None);
                };
                styles = kept_styles;
                (Some(scan), sheet)
            }
            Some(entry) => {
                let scan = scan_sheet_part(r.zip()?, &entry, target, limit, &stop, &mut styles, &mut |_| {})?;
                if scan.long_whitespace {
                    return Ok(None);
                }
                (Some(scan), read_sheet(r.xlsx()?, names[i], limits, &cell_total, &stop)?)
            }
            None => (None, read_sheet(r.xlsx()?, names[i], limits, &cell_total, &stop)?),
        };
        let mut extras = match scan {
            Some(s) if s.needs_extras() => sheet_extras(r.zip()?, target, limit, &s)?,
            _ => SheetExtras::default(),
        };
        extras.formats = match styles.map(StyleScan::finish) {
            None => Vec::new(),
            Some(Some(runs)) => runs,
            // A styled cell without its position: the whole part, rows tracked (rare).
            Some(None) => {
                let xml = match find_part(r.zip()?, target) {
                    Some(entry) => read_part(r.zip()?, &entry, limit)?.unwrap_or_default(),
                    None => Vec::new(),
                };
                style_scan::scan_part(&xml, xf, max_runs)
            }
        };
        Ok(Some((sheet, extras)))
    };
    let out = sheets_in_parallel(source, &names, sizes, threads, &stop, &poll, &|r, i| {
        let pipelined = threads >= 2 && sizes.get(i).is_some_and(|&size| size > total_size / 2);
        if let Some(read) = read_one(r, i, pipelined)? {
            return Ok(read);
        }
        let target = &sheets[i].1;
        let entry = find_part(r.zip()?, target).unwrap_or_else(|| target.clone());
        let compacted = compact_package(r.zip()?, &[entry], limit, &stop)?;
        let mut readers = Readers::new(Source::Bytes(&compacted));
        read_one(&mut readers, i, false)?.ok_or_else(|| corrupt(format!("{target} still holds long whitespace after compaction")))
    });
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

/// The bounds (and style) pass over one sheet part; `after_block` sees the scan so far
/// after each block has passed.
fn scan_sheet_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    entry: &str,
    target: &str,
    limit: u64,
    stop: &AtomicBool,
    styles: &mut Option<StyleScan>,
    after_block: &mut dyn FnMut(&PartScan),
) -> Result<PartScan> {
    let file = zip.by_name(entry).map_err(|e| corrupt(format!("cannot read {target}: {e}")))?;
    let mut observe = |block: &[u8], scan: &PartScan| {
        if let Some(s) = styles.as_mut() {
            s.feed(block);
        }
        after_block(scan);
    };
    scan_part_observed(file, target, limit, false, stop, &mut observe)
}

/// Reads a sheet with calamine on this thread while its bounds pass runs on another,
/// calamine's reads of the part waiting behind the pass (`Gate`). The pass's outcome
/// comes first: when it fails calamine's reads fail with it and its result is dropped;
/// None when the part holds long whitespace (its sheet is read again from a compacted
/// copy).
#[allow(clippy::too_many_arguments)]
fn read_behind_check<'a, 'x>(
    r: &mut Readers<'a>,
    entry: &str,
    target: &str,
    name: &str,
    limit: u64,
    limits: &Limits,
    cell_total: &std::sync::atomic::AtomicU64,
    stop: &AtomicBool,
    mut styles: Option<StyleScan<'x>>,
) -> Result<Option<(PartScan, Sheet, Option<StyleScan<'x>>)>> {
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;
    let (start, end) = {
        let file = r.zip()?.by_name(entry).map_err(|e| corrupt(format!("cannot read {target}: {e}")))?;
        let start = file.data_start().ok_or_else(|| corrupt(format!("cannot read {target}: no data offset")))?;
        (start, start.saturating_add(file.compressed_size()))
    };
    let gate = Arc::new(Gate::new(start, end));
    let consumed = Arc::new(AtomicU64::new(0));
    let source = r.source;
    let (checked, sheet) = std::thread::scope(|scope| {
        let check = || -> Result<(PartScan, Option<StyleScan<'x>>)> {
            let guard = FailOnDrop(Some(&gate));
            let mut zip = zip::ZipArchive::new(ProgressReader::new(source.open()?, consumed.clone()))
                .map_err(|e| SheetcError::new(ErrorCode::NotAWorkbook, format!("not a valid workbook zip: {e}")))?;
            let scan = scan_sheet_part(&mut zip, entry, target, limit, stop, &mut styles, &mut |scan| {
                if scan.long_whitespace {
                    gate.fail();
                } else {
                    gate.open_to(consumed.load(std::sync::atomic::Ordering::Acquire));
                }
            })?;
            if !scan.long_whitespace {
                gate.open();
                guard.disarm();
            }
            Ok((scan, styles))
        };
        let checker = std::thread::Builder::new().name("sheetc-check".into()).spawn_scoped(scope, check);
        let checker = match checker {
            Ok(c) => c,
            Err(e) => return (Err(SheetcError::io("cannot start a thread to read the workbook", e)), None),
        };
        r.set_gate(Some(gate.clone()));
        let sheet = r.xlsx().and_then(|x| read_sheet(x, name, limits, cell_total, stop));
        r.set_gate(None);
        // A panic in the check is the build's to report (its boundary catches it).
        let checked = checker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, Some(sheet))
    });
    let (scan, styles) = checked?;
    if scan.long_whitespace {
        return Ok(None);
    }
    let sheet = sheet.ok_or_else(|| SheetcError::new(ErrorCode::Cancelled, "a sheet was not read"))??;
    Ok(Some((scan, sheet, styles)))
}

/// One thread's readers over the package, each opened on first use: calamine's, and a zip
/// archive for the part-level passes (bounds, extras).
pub(crate) struct Readers<'a> {
    source: Source<'a>,
    xlsx: Option<Xlsx<GatedReader<'a>>>,
    zip: Option<zip::ZipArchive<SourceReader<'a>>>,
    /// The gate calamine's reads wait on while a sheet is checked on another thread.
    gate: GateSlot,
}

impl<'a> Readers<'a> {
    pub(crate) fn new(source: Source<'a>) -> Self {
        Readers { source, xlsx: None, zip: None, gate: GateSlot::default() }
    }
    pub(crate) fn xlsx(&mut self) -> Result<&mut Xlsx<GatedReader<'a>>> {
        let source = self.source;
        let gate = self.gate.clone();
        match &mut self.xlsx {
            Some(x) => Ok(x),
            slot => Ok(slot.insert(Xlsx::new(GatedReader::new(source.open()?, gate)).map_err(map_xlsx_err)?)),
        }
    }
    /// Sets (or clears) the gate calamine's reads wait on.
    fn set_gate(&self, gate: Option<std::sync::Arc<Gate>>) {
        *self.gate.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = gate;
    }
    pub(crate) fn zip(&mut self) -> Result<&mut zip::ZipArchive<SourceReader<'a>>> {
        let source = self.source;
        match &mut self.zip {
            Some(z) => Ok(z),
            slot => Ok(slot.insert(source.zip()?)),
        }
    }
}

/// A job on one sheet, with the calling thread's readers.
type SheetJob<'a, T> = dyn Fn(&mut Readers<'a>, usize) -> Result<T> + Sync + 'a;

/// Runs `job(readers, sheet)` for every sheet of `names` on up to `threads` threads, the
/// largest parts first (`sizes`), each thread with its own readers over its own file
/// handle: a sheet part is one deflate stream, so one sheet cannot be split, but big
/// models spread their cells over several sheets. A failed job sets `stop`, which ends
/// the queue (so may `poll`, which the calling thread runs every 20 ms while it waits).
/// Results in `names` order; None for a sheet the queue did not reach.
pub(crate) fn sheets_in_parallel<'a, T: Send>(
    source: Source<'a>,
    names: &[&str],
    sizes: &[u64],
    threads: usize,
    stop: &AtomicBool,
    poll: &dyn Fn(),
    job: &SheetJob<'a, T>,
) -> Vec<Option<Result<T>>> {
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes.get(i).copied().unwrap_or(0)));
    let threads = threads.clamp(1, names.len().max(1));
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<Result<T>>> = (0..names.len()).map(|_| None).collect();
    let worker = |tx: mpsc::Sender<(usize, Result<T>)>| {
        let mut readers = Readers::new(source);
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = order.get(k) else { break };
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let result = job(&mut readers, i);
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

pub(crate) fn read_sheet<RS: Read + Seek>(
    xlsx: &mut Xlsx<RS>,
    name: &str,
    limits: &Limits,
    cell_total: &std::sync::atomic::AtomicU64,
    stop: &AtomicBool,
) -> Result<Sheet> {
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
        if row > MAX_ROW || col > MAX_COL {
            return Err(corrupt(format!("sheet {name} has a cell beyond Excel's last row or column (row {}, column {})", row as u64 + 1, col as u64 + 1)));
        }
        let value = convert_value(&rec.value);
        if let Value::Text(t) = &value {
            check_text(t, name, row, col)?;
        }
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
        // The number of cells comes from the file: growing the list may fail without
        // aborting (the cell limit bounds it, but not below the machine's memory).
        if sheet.cells.len() == sheet.cells.capacity() {
            sheet.cells.try_reserve(sheet.cells.len().max(1024)).map_err(|_| {
                SheetcError::new(ErrorCode::TooLarge, format!("sheet {name} has more cells than fit in memory (lower --max-cells or use a larger machine)"))
            })?;
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
pub(crate) fn apply_array_ranges(
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
        let extra: u64 = members.iter().map(|&(r0, c0, r1, c1)| (r1.saturating_sub(r0) as u64 + 1) * (c1.saturating_sub(c0) as u64 + 1)).sum();
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

pub(crate) fn push_formula(sheet: &mut Sheet, text: &str, row: u32, col: u32) -> FormulaRef {
    FormulaRef { text: sheet.formulas.push(text), origin_row: row, origin_col: col }
}

/// Marks the non-anchor cells of array-formula ranges as computed members (adding the
/// ones the file left out) so they are never treated as constants or inputs.
pub(crate) fn mark_array_members(sheet: &mut Sheet, ranges: &[(u32, u32, u32, u32)]) {
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

pub(crate) fn convert_value(v: &DataRef<'_>) -> Value {
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

pub(crate) fn convert_error(e: &calamine::CellErrorType) -> ErrorKind {
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
