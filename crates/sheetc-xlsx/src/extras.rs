//! What calamine's streaming cell reader does not report, read in a second pass over each
//! sheet part: array-formula ranges and the value metadata of error cells. (The cells'
//! number formats ride on the bounds scan's blocks: `style_scan`, filled in by `cells`.)

use std::collections::HashMap;
use std::io::{Read, Seek};

use quick_xml::events::Event;
use sheetc_core::address::parse_a1;
use sheetc_core::error::Result;
use sheetc_core::model::FormatRun;

use crate::package::{attr, read_part};

/// Collects `(anchor row, anchor col) → (last row, last col)` of array formulas in one
/// sheet part. Calamine reports array formulas as ordinary ones and drops their range.
/// What the streaming cell reader does not report: array-formula ranges, and the
/// value-metadata index (`vm`) of error cells (rich-value errors such as #CALC!).
#[derive(Default)]
pub(crate) struct SheetExtras {
    pub(crate) arrays: HashMap<(u32, u32), ArrayExtent>,
    pub(crate) error_vm: HashMap<(u32, u32), u32>,
    /// Cells with a number format other than General (`style_scan::StyleScan`).
    pub(crate) formats: Vec<FormatRun>,
}

/// An array formula's stored range end and its anchor cell's `cm` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArrayExtent {
    pub(crate) last: (u32, u32),
    pub(crate) cm: Option<u32>,
}

/// One sheet part's extras, parsed as XML. Only for a part whose bounds scan
/// ([`crate::bounds::scan_part`], which reads every sheet before calamine does) found a
/// mention of `array` or `vm`: almost no sheet has one, so almost no sheet is parsed twice.
pub(crate) fn sheet_extras<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64, arrays: bool, vm: bool) -> Result<SheetExtras> {
    let xml = read_part(zip, name, limit)?.unwrap_or_default();
    Ok(SheetExtras {
        arrays: if arrays { array_formula_ranges(&xml) } else { HashMap::new() },
        error_vm: if vm { error_value_metadata(&xml) } else { HashMap::new() },
        formats: Vec::new(),
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
