//! What calamine's streaming cell reader does not report, read in a second pass over each
//! sheet part: array-formula ranges and the value metadata of error cells.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use quick_xml::events::Event;
use sheetc_core::address::parse_a1;
use sheetc_core::error::{ErrorCode, Result, SheetcError};

use crate::package::{attr, corrupt, open_zip, read_part};

/// Collects `(anchor row, anchor col) → (last row, last col)` of array formulas in one
/// sheet part. Calamine reports array formulas as ordinary ones and drops their range.
/// What the streaming cell reader does not report: array-formula ranges, and the
/// value-metadata index (`vm`) of error cells (rich-value errors such as #CALC!).
#[derive(Default)]
pub(crate) struct SheetExtras {
    pub(crate) arrays: HashMap<(u32, u32), ArrayExtent>,
    pub(crate) error_vm: HashMap<(u32, u32), u32>,
}

/// An array formula's stored range end and its anchor cell's `cm` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArrayExtent {
    pub(crate) last: (u32, u32),
    pub(crate) cm: Option<u32>,
}

/// The extras of every sheet part, in order (empty for a missing part). `stop` ends the
/// pass early when the cell reader has failed (its error is the one reported).
pub(crate) fn read_all_extras(path: &Path, targets: &[&str], limit: u64, stop: &AtomicBool) -> Result<Vec<SheetExtras>> {
    let mut zip = open_zip(path)?;
    let mut out = Vec::with_capacity(targets.len());
    for target in targets {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        out.push(sheet_extras(&mut zip, target, limit)?);
    }
    Ok(out)
}

/// Attribute text that marks an array formula and an error cell's value metadata.
pub(crate) const ARRAY_NEEDLE: &[u8] = b"t=\"array\"";
pub(crate) const VM_NEEDLE: &[u8] = b" vm=\"";

/// One sheet part's extras. Almost no sheet has any, so the part is first streamed
/// through the decompressor in blocks and searched (memchr's SIMD `memmem`), never
/// held whole; only a part that holds a needle is read and parsed as XML.
pub(crate) fn sheet_extras<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64) -> Result<SheetExtras> {
    let (mut has_arrays, mut has_vm) = (false, false);
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
            let block = &buf[..kept + n];
            has_arrays = has_arrays || arrays.find(block).is_some();
            has_vm = has_vm || vm.find(block).is_some();
            if has_arrays && has_vm {
                break;
            }
            let tail = block.len().min(CARRY);
            let end = block.len();
            buf.copy_within(end - tail..end, 0);
            kept = tail;
        }
    }
    if !has_arrays && !has_vm {
        return Ok(SheetExtras::default());
    }
    let xml = read_part(zip, name, limit)?.unwrap_or_default();
    Ok(SheetExtras {
        arrays: if has_arrays { array_formula_ranges(&xml) } else { HashMap::new() },
        error_vm: if has_vm { error_value_metadata(&xml) } else { HashMap::new() },
    })
}

/// `(row, col) → vm` of cells typed as errors that carry value metadata.
pub(crate) fn error_value_metadata(xml: &[u8]) -> HashMap<(u32, u32), u32> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "c" && attr(&e, "t").as_deref() == Some("e") => {
                if let (Some(pos), Some(vm)) = (attr(&e, "r").and_then(|r| parse_a1(&r)), attr(&e, "vm").and_then(|v| v.parse().ok())) {
                    out.insert(pos, vm);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// Collects `(anchor row, anchor col) → extent` of array formulas in one sheet part.
/// Calamine reports array formulas as ordinary ones and drops their range.
pub(crate) fn array_formula_ranges(xml: &[u8]) -> HashMap<(u32, u32), ArrayExtent> {
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
                "f" if attr(&e, "t").as_deref() == Some("array") => {
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
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}
