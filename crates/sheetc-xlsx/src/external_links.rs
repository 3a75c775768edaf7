//! External links: the cached values of other workbooks, as read-only sheets `[n]Sheet`,
//! and their defined names as names `[n]Name` of the workbook (`[1]!Rate` binds to them).

use quick_xml::events::Event;
use sheetc_core::address::parse_a1;
use sheetc_core::ast::ErrorKind;
use sheetc_core::error::Result;
use sheetc_core::model::{sheet_key, Cell, CellKind, Sheet, Value};

use crate::bounds::check_text;
use crate::package::{attr, corrupt, push_entity};

/// What one external link holds: its cached sheets and its defined names.
#[derive(Default)]
pub(crate) struct ExternalBook {
    pub sheets: Vec<Sheet>,
    /// `[n]Name`, the sheet of the linked book it is scoped to (if any), and its formula
    /// with sheet references pointing at the cached sheets (`[n]Sheet1!$A$1`).
    pub names: Vec<(String, Option<String>, String)>,
}

/// The cached sheets and names of one external link (`xl/externalLinks/externalLinkN.xml`).
/// The sheets' names follow Excel's rules like the workbook's own (no two equal ignoring
/// case), and their texts Excel's cell limit.
pub(crate) fn read_external_link(xml: &[u8], index: usize) -> Result<ExternalBook> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut book = ExternalBook::default();
    let mut names: Vec<String> = Vec::new();
    let mut sheets: Vec<Sheet> = Vec::new();
    let mut current: Option<usize> = None;
    let mut cell: Option<(u32, u32, Option<String>)> = None;
    let mut text = String::new();
    let mut in_v = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "sheetName" => {
                    let name = attr(&e, "val").unwrap_or_default();
                    if names.iter().any(|n| sheet_key(n) == sheet_key(&name)) {
                        return Err(corrupt(format!("external link {index} names two sheets \"{name}\" (ignoring case, as Excel compares sheet names)")));
                    }
                    names.push(name);
                }
                "definedName" => {
                    let scope = attr(&e, "sheetId").and_then(|v| v.parse::<usize>().ok()).and_then(|i| names.get(i).cloned());
                    if let (Some(name), Some(formula)) = (attr(&e, "name"), attr(&e, "refersTo").and_then(|f| linked_formula(&f, index))) {
                        book.names.push((format!("[{index}]{name}"), scope, formula));
                    }
                }
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
                        if let Value::Text(t) = &value {
                            check_text(t, &sheets[s].name, r, c)?;
                        }
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
    book.sheets = sheets;
    Ok(book)
}

/// A linked book's name formula (`=Sheet1!$A$1`, `='My Sheet'!$B$2:$B$9`, `=0.05`,
/// `=#REF!`) as a formula of this workbook: its sheet reference pointing at the cached
/// sheet `[n]Sheet1`. Only a constant or one sheet-qualified reference is taken (what
/// Excel caches for external names); anything else (a name in the linked book, a
/// calculation) is left out, and a formula using it stays unsupported.
fn linked_formula(refers_to: &str, book: usize) -> Option<String> {
    let f = refers_to.trim().trim_start_matches('=').trim();
    let constant = f.parse::<f64>().is_ok()
        || ErrorKind::parse(f).is_some()
        || f.eq_ignore_ascii_case("TRUE")
        || f.eq_ignore_ascii_case("FALSE")
        || (f.len() >= 2 && f.starts_with('"') && f.ends_with('"') && !f[1..f.len() - 1].replace("\"\"", "").contains('"'));
    if constant {
        return Some(f.to_string());
    }
    let (sheet, target) = f.rsplit_once('!')?;
    let is_ref = !target.is_empty() && target.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'$' || b == b':');
    if !is_ref {
        return None;
    }
    let sheet = match sheet.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(quoted) => quoted.replace("''", "'"),
        None if !sheet.is_empty() && !sheet.contains(['\'', '[', ']', ' ', '(', ')', ',', '"']) => sheet.to_string(),
        None => return None,
    };
    Some(format!("'[{book}]{}'!{target}", sheet.replace('\'', "''")))
}
