//! The parts calamine reads when it opens the workbook (`Xlsx::new`: the package and
//! workbook relationships, the shared strings, the styles, the theme, the workbook),
//! checked before it does: their event bounds ([`crate::bounds`]) and the shared-string
//! table's announced size.

use std::io::{Read, Seek};
use std::sync::atomic::AtomicBool;

use quick_xml::events::Event;
use sheetc_core::error::Result;

use crate::bounds::scan_part;
use crate::package::{corrupt, find_part, strict_attrs, unescape};

/// The parts calamine 0.38 reads in `Xlsx::new`, besides the shared strings.
const OPENED_PARTS: [&str; 5] = ["_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/styles.xml", "xl/theme/theme1.xml"];
const SHARED_STRINGS: &str = "xl/sharedStrings.xml";

/// Checks every part calamine reads on opening the workbook. Returns the entries that hold
/// whitespace runs between elements past the event bound: calamine must read those from a
/// compacted copy of the package (`bounds::compact_package`).
pub(crate) fn check_opened_parts<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<Vec<String>> {
    let mut padded = Vec::new();
    for name in OPENED_PARTS {
        if let Some(entry) = find_part(zip, name) {
            let file = zip.by_name(&entry).map_err(|e| corrupt(format!("cannot read {name}: {e}")))?;
            if scan_part(file, name, limit, false, &AtomicBool::new(false))?.long_whitespace {
                padded.push(entry);
            }
        }
    }
    if let Some(entry) = check_shared_strings(zip, limit)? {
        padded.push(entry);
    }
    Ok(padded)
}

/// Each shared string takes at least this many bytes of XML (`<si/>`).
const MIN_BYTES_PER_STRING: u64 = 5;

/// The shared-string table announces its size (`uniqueCount` on `<sst>`) and calamine
/// reserves room for that many strings (24 bytes each) before reading any. A hostile count
/// aborted the process: an allocation failure is an abort, not a panic, and no
/// `catch_unwind` stops it. So the start tag is parsed as calamine parses it (quick-xml:
/// any quoting, whitespace around `=`, wherever the tag is in the part), and the count is
/// held against the part's real size, read through ([`scan_part`], which also bounds its
/// events): a count no honest part of that size can hold is a damaged file. Calamine's
/// reservation is then at most about five times the part's size.
/// Returns the part's entry when it holds whitespace runs past the event bound.
pub(crate) fn check_shared_strings<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<Option<String>> {
    let Some(entry) = find_part(zip, SHARED_STRINGS) else { return Ok(None) };
    let file = zip.by_name(&entry).map_err(|e| corrupt(format!("cannot read {SHARED_STRINGS}: {e}")))?;
    let scan = scan_part(file, SHARED_STRINGS, limit, true, &AtomicBool::new(false))?;
    let padded = scan.long_whitespace.then_some(entry);
    let Some(tag) = scan.sst_tag else { return Ok(padded) };
    if let Some(n) = unique_count(&tag)? {
        // A padded part counts its padding here; it is checked again once compacted
        // (the reader re-checks the compacted package), before calamine reserves anything.
        if n > (scan.bytes / MIN_BYTES_PER_STRING + 16) as u128 {
            return Err(corrupt(format!("{SHARED_STRINGS} declares {n} strings but holds only {} bytes; the workbook is damaged", scan.bytes)));
        }
    }
    Ok(padded)
}

/// The `uniqueCount` of an `<sst ...>` start tag when it is a number (digits, however
/// many: a count beyond any integer type is still a count), with or without a prefix.
fn unique_count(tag: &[u8]) -> Result<Option<u128>> {
    let mut reader = quick_xml::Reader::from_reader(tag);
    let mut buf = Vec::new();
    let e = match reader.read_event_into(&mut buf) {
        Ok(Event::Start(e)) | Ok(Event::Empty(e)) => e,
        _ => return Ok(None),
    };
    let attrs = strict_attrs(&e, SHARED_STRINGS)?;
    let Some((_, raw)) = attrs.iter().find(|(k, _)| k == "uniqueCount" || k.ends_with(":uniqueCount")) else { return Ok(None) };
    let value = unescape(raw);
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(Some(digits.parse::<u128>().unwrap_or(u128::MAX)))
}
