//! `xl/workbook.xml` and its relationships: sheets, defined names, calculation settings,
//! the date system and external links.

use std::collections::HashMap;
use std::io::{Read, Seek};

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use sheetc_core::error::Result;
use sheetc_core::model::CalcSettings;

use crate::package::{attr, corrupt, push_entity, read_part, resolve_target, strict_attrs, unescape};

/// Workbook-level facts read from `xl/workbook.xml` and its relationships.
pub(crate) struct WorkbookPart {
    /// (sheet name, part path) in workbook order; only worksheets.
    pub(crate) sheets: Vec<(String, String)>,
    /// Every sheet's name, worksheets, chart sheets and dialog sheets alike (Excel's
    /// uniqueness rule covers them all, and calamine finds a sheet by name among them all).
    pub(crate) all_names: Vec<String>,
    pub(crate) names: Vec<(String, Option<u32>, String, bool)>,
    pub(crate) calc: CalcSettings,
    pub(crate) date1904: bool,
    /// Parts of the external links, in `[n]` order.
    pub(crate) external_links: Vec<String>,
    /// The workbook's relationships name a VBA project (an .xlsm's `xl/vbaProject.bin`).
    pub(crate) vba_project: bool,
}

/// Excel's range for Maximum Iterations (File > Options > Formulas): 1 to 32,767.
pub(crate) const MAX_ITERATE_COUNT: u32 = 32_767;

/// `calcPr`'s `iterateCount` as Excel can hold it: an integer clamped to 1..=32,767 (a
/// count from the file drives the runtime's iteration loop: 2^32-1 sweeps of one cluster
/// ran for 26 minutes). Not an integer: the schema default, 100.
pub(crate) fn iterate_count(raw: &str) -> u32 {
    match raw.trim().parse::<i64>() {
        Ok(n) => n.clamp(1, MAX_ITERATE_COUNT as i64) as u32,
        // Digits beyond i64 (or a sign before them) are still a count out of range.
        Err(_) if !raw.trim().is_empty() && raw.trim().trim_start_matches(['+', '-']).bytes().all(|b| b.is_ascii_digit()) => {
            if raw.trim().starts_with('-') {
                1
            } else {
                MAX_ITERATE_COUNT
            }
        }
        Err(_) => CalcSettings::default().iterate_count,
    }
}

/// `calcPr`'s `iterateDelta` (Maximum Change): Excel accepts a number of 0 or more; a
/// value it would not accept (negative, infinite, not a number) reads as the schema
/// default, 0.001, as if the attribute were absent.
pub(crate) fn iterate_delta(raw: &str) -> f64 {
    match raw.trim().parse::<f64>() {
        Ok(d) if d.is_finite() && d >= 0.0 => d,
        _ => CalcSettings::default().iterate_delta,
    }
}

/// Reads `xl/workbook.xml` and its relationships. The sheet list is read with calamine's
/// rules (calamine 0.38 `Xlsx::read_relationships` and `read_workbook`): `Id`, `Type`,
/// `Target` and `name` by exact name, the relationship id by local name (`r:id`), the
/// target raw, relative to `xl/` unless it starts with `/`, and the sheet's kind from the
/// last segment of the relationship type. Calamine finds a sheet's cells by its name, so
/// the part path read here must be the one calamine streams: it is the part whose size
/// bounds are checked before calamine reads it.
pub(crate) fn read_workbook_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<WorkbookPart> {
    const RELS: &str = "xl/_rels/workbook.xml.rels";
    let rels = read_part(zip, RELS, limit)?.ok_or_else(|| corrupt("the workbook has no xl/_rels/workbook.xml.rels part"))?;
    // Relationship id → (raw target, type).
    let mut targets: HashMap<String, (String, String)> = HashMap::new();
    let mut vba_project = false;
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                let attrs = strict_attrs(&e, RELS)?;
                let get = |k: &str| attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
                if let Some(id) = get("Id") {
                    let kind = get("Type").unwrap_or_default();
                    vba_project |= kind.ends_with("/vbaProject");
                    targets.insert(id, (get("Target").unwrap_or_default(), kind));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(corrupt(format!("xl/_rels/workbook.xml.rels is not valid XML: {e}"))),
            _ => {}
        }
        buf.clear();
    }

    let wb = read_part(zip, "xl/workbook.xml", limit)?.ok_or_else(|| corrupt("the workbook has no xl/workbook.xml part"))?;
    let mut part = WorkbookPart {
        sheets: Vec::new(),
        all_names: Vec::new(),
        names: Vec::new(),
        calc: CalcSettings::default(),
        date1904: false,
        external_links: Vec::new(),
        vba_project,
    };
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
                    let attrs = strict_attrs(&e, "xl/workbook.xml")?;
                    let name = attrs.iter().rfind(|(k, _)| k == "name").map(|(_, v)| unescape(v)).unwrap_or_default();
                    let rid = attrs.iter().rfind(|(k, _)| k == "id" || k.ends_with(":id")).map(|(_, v)| v.as_str()).unwrap_or_default();
                    let Some((target, kind)) = targets.get(rid) else {
                        return Err(corrupt(format!("sheet \"{name}\" names no relationship of xl/workbook.xml; the workbook is damaged")));
                    };
                    let path = match target.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{target}"),
                    };
                    match kind.rsplit('/').next() {
                        Some("worksheet") => {
                            local_to_index.insert(all_sheets, part.sheets.len() as u32);
                            part.sheets.push((name.clone(), path));
                        }
                        Some("chartsheet" | "dialogsheet") => {}
                        _ => return Err(corrupt(format!("sheet \"{name}\" is of an unknown kind ({kind}); the workbook is damaged"))),
                    }
                    part.all_names.push(name);
                    all_sheets += 1;
                }
                "externalReference" => {
                    if let Some((target, _)) = attr(&e, "id").and_then(|rid| targets.get(&rid)) {
                        part.external_links.push(resolve_target(&unescape(target)));
                    }
                }
                "workbookPr" => {
                    part.date1904 = attr(&e, "date1904").is_some_and(|v| v == "1" || v == "true");
                }
                "calcPr" => {
                    part.calc.iterate = attr(&e, "iterate").is_some_and(|v| v == "1" || v == "true");
                    part.calc.tables_on_request = attr(&e, "calcMode").is_some_and(|v| v == "autoNoTable");
                    if let Some(n) = attr(&e, "iterateCount") {
                        part.calc.iterate_count = iterate_count(&n);
                    }
                    if let Some(d) = attr(&e, "iterateDelta") {
                        part.calc.iterate_delta = iterate_delta(&d);
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

/// Calamine finds the workbook part through the package relationships (`_rels/.rels`, the
/// last `officeDocument` relationship) and reads the shared strings, styles and sheets
/// relative to it; sheetc reads `xl/workbook.xml`. In a package whose workbook part is
/// elsewhere the two would read different parts (and the parts sheetc bounds would not be
/// the parts calamine reads): refused. Excel always writes `xl/workbook.xml`.
pub(crate) fn check_main_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<()> {
    const RELS: &str = "_rels/.rels";
    let rels = read_part(zip, RELS, limit)?.ok_or_else(|| corrupt("the workbook has no _rels/.rels part"))?;
    let mut main: Option<String> = None;
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                let attrs = strict_attrs(&e, RELS)?;
                let get = |k: &str| attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
                if get("Type").is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                    if let Some(target) = get("Target") {
                        main = Some(unescape(target));
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(corrupt(format!("_rels/.rels is not valid XML: {e}"))),
            _ => {}
        }
        buf.clear();
    }
    let main = main.ok_or_else(|| corrupt("_rels/.rels names no workbook part"))?;
    if !main.strip_prefix('/').unwrap_or(&main).eq_ignore_ascii_case("xl/workbook.xml") {
        return Err(corrupt(format!(
            "the package's workbook part is {main}; sheetc reads workbooks whose workbook part is xl/workbook.xml, as Excel writes them"
        )));
    }
    Ok(())
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
