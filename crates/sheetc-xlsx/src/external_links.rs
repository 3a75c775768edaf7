//! External links: the cached values of other workbooks, as read-only sheets `[n]Sheet`.

use quick_xml::events::Event;
use sheetc_core::address::parse_a1;
use sheetc_core::ast::ErrorKind;
use sheetc_core::model::{Cell, CellKind, Sheet, Value};

use crate::package::{attr, push_entity};

/// The cached sheets of one external link (`xl/externalLinks/externalLinkN.xml`).
pub(crate) fn read_external_link(xml: &[u8], index: usize) -> Vec<Sheet> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut sheets: Vec<Sheet> = Vec::new();
    let mut current: Option<usize> = None;
    let mut cell: Option<(u32, u32, Option<String>)> = None;
    let mut text = String::new();
    let mut in_v = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "sheetName" => names.push(attr(&e, "val").unwrap_or_default()),
                "sheetData" => {
                    let id: usize = attr(&e, "sheetId").and_then(|v| v.parse().ok()).unwrap_or(usize::MAX);
                    current = names.get(id).map(|n| {
                        sheets.push(Sheet { name: format!("[{index}]{n}"), ..Sheet::default() });
                        sheets.len() - 1
                    });
                }
                "cell" => {
                    cell = attr(&e, "r").and_then(|r| parse_a1(&r)).map(|(r, c)| (r, c, attr(&e, "t")));
                    text.clear();
                }
                "v" => {
                    in_v = true;
                    text.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_v => text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_v => {
                push_entity(&mut text, r.as_ref());
            }
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "v" => in_v = false,
                "cell" => {
                    if let (Some(s), Some((r, c, t))) = (current, cell.take()) {
                        let value = match t.as_deref() {
                            Some("str") | Some("s") | Some("inlineStr") => Value::Text(text.clone()),
                            Some("b") => Value::Bool(text == "1"),
                            Some("e") => ErrorKind::parse(&text).map_or(Value::Empty, Value::Error),
                            _ => text.trim().parse::<f64>().map_or(Value::Empty, Value::Number),
                        };
                        if value != Value::Empty {
                            sheets[s].cells.push(Cell { row: r, col: c, kind: CellKind::Constant, value });
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
    for s in &mut sheets {
        s.cells.sort_by_key(|c| (c.row, c.col));
    }
    sheets
}
