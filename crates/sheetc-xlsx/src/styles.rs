//! `xl/styles.xml`: the number format of each cell style, for the engine's `text()` (the
//! text Excel displays). A cell names its style by index (`<c s="N">`, read by the style
//! scan of the extras pass, `style_scan.rs`); the style names a format id, resolved
//! through the part's `numFmts` or Excel's built-in formats.
//!
//! calamine reads the styles too, but its streaming cell reader with formula metadata
//! does not report a cell's style id, and its style reader is a second pass over every
//! sheet.

use std::collections::HashMap;

use quick_xml::events::Event;

use crate::package::attr;

/// Format codes of Excel's built-in number formats, as Excel shows them in en-US
/// (ECMA-376 Part 1, 18.8.30; ids 5-8 and 41-44 are the en-US currency/accounting
/// formats, 14 and 22 the en-US short date). The East Asian date ids (27-36, 50-58)
/// show as the en-US short date: the runtime formats in en-US only.
fn builtin_code(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        5 => "\"$\"#,##0_);(\"$\"#,##0)",
        6 => "\"$\"#,##0_);[Red](\"$\"#,##0)",
        7 => "\"$\"#,##0.00_);(\"$\"#,##0.00)",
        8 => "\"$\"#,##0.00_);[Red](\"$\"#,##0.00)",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        12 => "# ?/?",
        13 => "# ??/??",
        14 => "m/d/yyyy",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        18 => "h:mm AM/PM",
        19 => "h:mm:ss AM/PM",
        20 => "h:mm",
        21 => "h:mm:ss",
        22 => "m/d/yyyy h:mm",
        27..=36 | 50..=58 => "m/d/yyyy",
        37 => "#,##0 ;(#,##0)",
        38 => "#,##0 ;[Red](#,##0)",
        39 => "#,##0.00;(#,##0.00)",
        40 => "#,##0.00;[Red](#,##0.00)",
        41 => "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)",
        42 => "_(\"$\"* #,##0_);_(\"$\"* (#,##0);_(\"$\"* \"-\"_);_(@_)",
        43 => "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)",
        44 => "_(\"$\"* #,##0.00_);_(\"$\"* (#,##0.00);_(\"$\"* \"-\"??_);_(@_)",
        45 => "mm:ss",
        46 => "[h]:mm:ss",
        47 => "mmss.0",
        48 => "##0.0E+0",
        49 => "@",
        _ => return None,
    })
}

fn is_general(code: &str) -> bool {
    code.trim().eq_ignore_ascii_case("general")
}

/// Distinct format codes and, per cell style (`cellXfs` index), the index of its code
/// in `codes`, or `None` for General (or an unknown format id, which Excel shows as
/// General too).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct XfFormats {
    pub codes: Vec<String>,
    pub by_xf: Vec<Option<u32>>,
}

impl XfFormats {
    /// Whether any style has a format other than General (else no sheet needs scanning).
    pub fn any(&self) -> bool {
        !self.codes.is_empty()
    }
}

/// Reads `xl/styles.xml`: the format of each cell style. A part that is not valid XML
/// gives what was read before the error (formats only change how `text()` shows values;
/// calamine reports a damaged styles part on its own read).
pub fn xf_format_codes(xml: &[u8]) -> XfFormats {
    let mut custom: HashMap<u32, String> = HashMap::new();
    let mut out = XfFormats::default();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "numFmt" => {
                    let id = attr(&e, "numFmtId").and_then(|v| v.trim().parse::<u32>().ok());
                    if let (Some(id), Some(code)) = (id, attr(&e, "formatCode")) {
                        custom.insert(id, code);
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    let id = attr(&e, "numFmtId").and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(0);
                    let code = custom.get(&id).map(String::as_str).or_else(|| builtin_code(id));
                    let slot = match code {
                        Some(c) if !is_general(c) => {
                            let next = out.codes.len() as u32;
                            Some(*index.entry(c.to_string()).or_insert_with(|| {
                                out.codes.push(c.to_string());
                                next
                            }))
                        }
                        _ => None,
                    };
                    out.by_xf.push(slot);
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().into_inner() == "cellXfs" => in_cell_xfs = false,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const STYLES: &[u8] = br#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="&quot;&#8364;&quot;#,##0.00"/><numFmt numFmtId="165" formatCode="General"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="3"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/><xf numFmtId="999"/></cellXfs></styleSheet>"#;

    #[test]
    fn styles_give_each_xf_its_format_general_as_none() {
        let f = xf_format_codes(STYLES);
        // cellStyleXfs are not cell styles; General (built-in 0 or custom) and unknown ids are None.
        assert_eq!(f.codes, vec!["m/d/yyyy".to_string(), "\"€\"#,##0.00".to_string()]);
        assert_eq!(f.by_xf, vec![None, Some(0), Some(1), None, Some(0), None]);
    }
}
