//! The package's document properties: which application saved the file
//! (docProps/app.xml, `<Application>`) and when (docProps/core.xml, `dcterms:modified`).
//!
//! Why the compiler cares: Excel for Mac's CHAR and CODE use the Mac character set, and
//! NOW/TODAY in Excel's stored results are the time of the last calculation, which
//! `verify` takes as its clock. Properties are metadata: a part that is missing or does
//! not parse gives no property, never a failed build.

use std::io::{Read, Seek};

use quick_xml::events::Event;
use sheetc_core::error::Result;
use sheetc_core::model::DocumentProperties;

use crate::package::{attr, push_entity, read_part};

/// Reads the properties the package's relationships (`_rels/.rels`) point at, or the
/// parts at their usual paths when the relationships do not name them.
pub(crate) fn read_document_properties<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<DocumentProperties> {
    let (mut app, mut core) = ("docProps/app.xml".to_string(), "docProps/core.xml".to_string());
    if let Some(rels) = read_part(zip, "_rels/.rels", limit)? {
        let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                    if let (Some(kind), Some(target)) = (attr(&e, "Type"), attr(&e, "Target")) {
                        let target = target.trim_start_matches('/').to_string();
                        if kind.ends_with("/extended-properties") {
                            app = target;
                        } else if kind.ends_with("/core-properties") {
                            core = target;
                        }
                    }
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
            buf.clear();
        }
    }
    let application = read_part(zip, &app, limit)?.and_then(|xml| element_text(&xml, "Application"));
    let modified = read_part(zip, &core, limit)?.and_then(|xml| element_text(&xml, "modified"));
    Ok(DocumentProperties { application, modified })
}

/// The trimmed text of the first element with this local name (None when absent, empty
/// or the XML is broken before it).
pub(crate) fn element_text(xml: &[u8], local: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut inside = false;
    let mut text = String::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().into_inner() == local => inside = true,
            Ok(Event::Text(t)) if inside => text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if inside => push_entity(&mut text, r.as_ref()),
            Ok(Event::End(e)) if inside && e.local_name().into_inner() == local => break,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}
