//! `xl/metadata.xml` and the rich-value parts: dynamic-array formulas and rich errors.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};

use quick_xml::events::Event;
use sheetc_core::ast::ErrorKind;
use sheetc_core::error::Result;

use crate::package::{attr, read_part};

/// xl/metadata.xml, read once: what the cell (`cm`) and value (`vm`) metadata indexes
/// of sheet cells point at. A record `<rc t v>` names a metadata type (`t`, 1-based)
/// and a block (`v`, 0-based) of that type's `<futureMetadata>`.
#[derive(Default)]
pub(crate) struct Metadata {
    types: Vec<String>,
    /// Per futureMetadata name, its blocks.
    future: HashMap<String, Vec<FutureBlock>>,
    /// Per cellMetadata block (`cm` − 1): its first record.
    cell_blocks: Vec<Option<(usize, usize)>>,
    /// Per valueMetadata record (`vm` − 1).
    value_blocks: Vec<(usize, usize)>,
}

#[derive(Default)]
pub(crate) struct FutureBlock {
    /// `<xlrd:rvb i>`: the rich value (XLRICHVALUE).
    rich_value: Option<usize>,
    /// `<xda:dynamicArrayProperties fDynamic>` (XLDAPR).
    dynamic: bool,
}

impl Metadata {
    pub(crate) fn parse(xml: &[u8]) -> Metadata {
        let mut m = Metadata::default();
        let mut current_future: Option<String> = None;
        let (mut in_cell_metadata, mut in_value_metadata) = (false, false);
        let mut buf = Vec::new();
        let mut reader = quick_xml::Reader::from_reader(xml);
        let record = |e: &quick_xml::events::BytesStart<'_>| (attr(e, "t").and_then(|v| v.parse().ok()), attr(e, "v").and_then(|v| v.parse().ok()));
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
    pub(crate) fn dynamic_cells(&self) -> HashSet<u32> {
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
pub(crate) fn rich_value_errors<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, meta: &Metadata, limit: u64) -> Result<HashMap<u32, ErrorKind>> {
    let mut out = HashMap::new();
    if meta.value_blocks.is_empty() {
        return Ok(out);
    }
    let (Some(values), Some(structs)) = (read_part(zip, "xl/richData/rdrichvalue.xml", limit)?, read_part(zip, "xl/richData/rdrichvaluestructure.xml", limit)?)
    else {
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
