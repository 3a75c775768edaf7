//! Tables (ListObjects) of each sheet, for structured references.

use std::io::{Read, Seek};

use quick_xml::events::Event;
use sheetc_core::address::parse_a1;
use sheetc_core::error::Result;
use sheetc_core::model::Table;

use crate::extras::parse_range;
use crate::package::{attr, read_part, resolve_relative};

/// The tables of one sheet, and the ranges of their AutoFilters that filter (have
/// criteria): hidden rows there are hidden by the filter, which every SUBTOTAL skips.
pub(crate) struct SheetTables {
    pub(crate) tables: Vec<Table>,
    pub(crate) active_filters: Vec<(u32, u32, u32, u32)>,
}

/// Reads the tables of one sheet: the sheet part's relationships name its table parts.
pub(crate) fn read_tables<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, sheet_part: &str, sheet: u32, limit: u64) -> Result<SheetTables> {
    let (dir, file) = sheet_part.rsplit_once('/').unwrap_or(("", sheet_part));
    let rels_path = format!("{dir}/_rels/{file}.rels");
    let mut found = SheetTables { tables: Vec::new(), active_filters: Vec::new() };
    let Some(rels) = read_part(zip, &rels_path, limit)? else { return Ok(found) };
    let mut targets = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if e.local_name().into_inner() == "Relationship" && attr(&e, "Type").is_some_and(|t| t.ends_with("/table")) =>
            {
                if let Some(t) = attr(&e, "Target") {
                    targets.push(resolve_relative(dir, &t));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    for target in targets {
        let Some(xml) = read_part(zip, &target, limit)? else { continue };
        let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
        let mut table: Option<Table> = None;
        // The table's AutoFilter, and whether one of its columns has a criterion.
        let (mut filter, mut in_column, mut active) = (None, false, false);
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::End(e)) if e.local_name().into_inner() == "filterColumn" => in_column = false,
                // Any criterion (filters, customFilters, top10, dynamicFilter, ...).
                Ok(Event::Start(_)) | Ok(Event::Empty(_)) if in_column => active = true,
                Ok(Event::Start(e)) if e.local_name().into_inner() == "filterColumn" => in_column = true,
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "autoFilter" => {
                    filter = attr(&e, "ref").and_then(|r| parse_range(&r));
                }
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                    "table" => {
                        let name = attr(&e, "displayName").or_else(|| attr(&e, "name")).unwrap_or_default();
                        let area = attr(&e, "ref").and_then(|r| {
                            let (a, b) = r.split_once(':').unwrap_or((&r, &r));
                            Some((parse_a1(a)?, parse_a1(b)?))
                        });
                        if let Some(((r0, c0), (r1, c1))) = area {
                            table = Some(Table {
                                name,
                                sheet,
                                r0,
                                c0,
                                r1,
                                c1,
                                header_rows: attr(&e, "headerRowCount").and_then(|v| v.parse().ok()).unwrap_or(1),
                                totals_rows: attr(&e, "totalsRowCount").and_then(|v| v.parse().ok()).unwrap_or(0),
                                columns: Vec::new(),
                            });
                        }
                    }
                    "tableColumn" => {
                        if let Some(t) = table.as_mut() {
                            t.columns.push(attr(&e, "name").unwrap_or_default());
                        }
                    }
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
            buf.clear();
        }
        found.tables.extend(table);
        found.active_filters.extend(filter.filter(|_| active));
    }
    Ok(found)
}
