//! `xl/workbook.xml` and its relationships: sheets, defined names, calculation settings,
//! the date system and external links.

use std::collections::HashMap;
use std::io::{Read, Seek};

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use sheetc_core::error::Result;
use sheetc_core::model::CalcSettings;

use crate::package::{attr, corrupt, push_entity, read_part, resolve_target};

/// Workbook-level facts read from `xl/workbook.xml` and its relationships.
pub(crate) struct WorkbookPart {
    /// (sheet name, part path) in workbook order; only worksheets.
    pub(crate) sheets: Vec<(String, String)>,
    pub(crate) names: Vec<(String, Option<u32>, String, bool)>,
    pub(crate) calc: CalcSettings,
    pub(crate) date1904: bool,
    /// Parts of the external links, in `[n]` order.
    pub(crate) external_links: Vec<String>,
    /// The workbook's relationships name a VBA project (an .xlsm's `xl/vbaProject.bin`).
    pub(crate) vba_project: bool,
}

pub(crate) fn read_workbook_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<WorkbookPart> {
    let rels = read_part(zip, "xl/_rels/workbook.xml.rels", limit)?.ok_or_else(|| corrupt("the workbook has no xl/_rels/workbook.xml.rels part"))?;
    let mut targets: HashMap<String, (String, bool)> = HashMap::new();
    let mut vba_project = false;
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    let kind = attr(&e, "Type");
                    let is_sheet = kind.as_deref().is_some_and(|t| t.ends_with("/worksheet"));
                    vba_project |= kind.as_deref().is_some_and(|t| t.ends_with("/vbaProject"));
                    targets.insert(id, (resolve_target(&target), is_sheet));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(corrupt(format!("xl/_rels/workbook.xml.rels is not valid XML: {e}"))),
            _ => {}
        }
        buf.clear();
    }

    let wb = read_part(zip, "xl/workbook.xml", limit)?.ok_or_else(|| corrupt("the workbook has no xl/workbook.xml part"))?;
    let mut part =
        WorkbookPart { sheets: Vec::new(), names: Vec::new(), calc: CalcSettings::default(), date1904: false, external_links: Vec::new(), vba_project };
    // Namespace-aware: extensions repeat element names in their own namespaces (Excel
    // writes `<x15:workbookPr chartTrackingRefBase="1"/>` in `extLst` after the real
    // `<workbookPr date1904="1"/>`); only SpreadsheetML's own elements count.
    let mut reader = quick_xml::NsReader::from_reader(wb.as_slice());
    let mut all_sheets = 0u32;
    let mut local_to_index: HashMap<u32, u32> = HashMap::new();
    let mut pending_name: Option<(String, Option<u32>, bool)> = None;
    let mut name_text = String::new();
    loop {
        match reader.read_resolved_event_into(&mut buf) {
            Ok((ns, Event::Start(e))) | Ok((ns, Event::Empty(e))) if is_main(&ns) => match e.local_name().into_inner() {
                "sheet" => {
                    let name = attr(&e, "name").unwrap_or_default();
                    let rid = attr(&e, "id").unwrap_or_default();
                    if let Some((target, true)) = targets.get(&rid) {
                        local_to_index.insert(all_sheets, part.sheets.len() as u32);
                        part.sheets.push((name, target.clone()));
                    }
                    all_sheets += 1;
                }
                "externalReference" => {
                    if let Some((target, _)) = attr(&e, "id").and_then(|rid| targets.get(&rid)) {
                        part.external_links.push(target.clone());
                    }
                }
                "workbookPr" => {
                    part.date1904 = attr(&e, "date1904").is_some_and(|v| v == "1" || v == "true");
                }
                "calcPr" => {
                    part.calc.iterate = attr(&e, "iterate").is_some_and(|v| v == "1" || v == "true");
                    if let Some(n) = attr(&e, "iterateCount").and_then(|v| v.parse().ok()) {
                        part.calc.iterate_count = n;
                    }
                    if let Some(d) = attr(&e, "iterateDelta").and_then(|v| v.parse().ok()) {
                        part.calc.iterate_delta = d;
                    }
                }
                "definedName" => {
                    let name = attr(&e, "name").unwrap_or_default();
                    let scope = attr(&e, "localSheetId").and_then(|v| v.parse::<u32>().ok());
                    let hidden = attr(&e, "hidden").is_some_and(|v| v == "1" || v == "true");
                    pending_name = Some((name, scope, hidden));
                    name_text.clear();
                }
                _ => {}
            },
            Ok((_, Event::Text(t))) if pending_name.is_some() => {
                name_text.push_str(&t.xml10_content());
            }
            Ok((_, Event::GeneralRef(r))) if pending_name.is_some() => {
                push_entity(&mut name_text, r.as_ref());
            }
            Ok((ns, Event::End(e))) if is_main(&ns) && e.local_name().into_inner() == "definedName" => {
                if let Some((name, scope, hidden)) = pending_name.take() {
                    let scope = scope.and_then(|s| local_to_index.get(&s).copied());
                    part.names.push((name, scope, std::mem::take(&mut name_text), hidden));
                }
            }
            Ok((_, Event::Eof)) => break,
            Err(e) => return Err(corrupt(format!("xl/workbook.xml is not valid XML: {e}"))),
            _ => {}
        }
        buf.clear();
    }
    Ok(part)
}

/// SpreadsheetML's main namespace, transitional and strict (ISO 29500).
const MAIN_NAMESPACES: [&str; 2] = ["http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"];

/// Whether an element is SpreadsheetML's own (a part written without any namespace
/// declaration counts too: some generators omit it).
fn is_main(ns: &ResolveResult<'_>) -> bool {
    match ns {
        ResolveResult::Bound(n) => MAIN_NAMESPACES.contains(&n.into_inner()),
        ResolveResult::Unbound => true,
        ResolveResult::Unknown(_) => false,
    }
}
