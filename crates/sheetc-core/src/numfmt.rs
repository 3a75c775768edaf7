//! Cells' number formats, for the engine's `text()` (the text Excel displays).
//!
//! Two pieces, both self-contained:
//! - [`xf_format_codes`] reads `xl/styles.xml`: the format code of each cell style
//!   (`cellXfs/xf/@numFmtId`, resolved through `numFmts` or Excel's built-in formats).
//! - [`StyleScan`] streams a worksheet part's bytes and collects, as runs along rows,
//!   the cells whose style (`<c s="N">`) has a format other than General. It is fed the
//!   blocks the read stage already decompresses for its extras pass, so the sheet is not
//!   decompressed again, and it looks only at tag starts (`memchr`), never parses XML.
//!
//! calamine reads the styles too, but its streaming cell reader with formula metadata
//! does not report a cell's style id, and its style reader is a second pass over every
//! sheet.

use std::collections::HashMap;

use quick_xml::events::Event;

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
                    let (mut id, mut code) = (None, None);
                    for a in e.attributes().flatten() {
                        let raw: &str = &a.value;
                        match a.key.local_name().into_inner() {
                            "numFmtId" => id = raw.trim().parse::<u32>().ok(),
                            "formatCode" => {
                                code = Some(
                                    quick_xml::escape::unescape(raw)
                                        .map(|v| v.into_owned())
                                        .unwrap_or_else(|_| raw.to_string()),
                                )
                            }
                            _ => {}
                        }
                    }
                    if let (Some(id), Some(code)) = (id, code) {
                        custom.insert(id, code);
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    let id = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().into_inner() == "numFmtId")
                        .and_then(|a| {
                            let raw: &str = &a.value;
                            raw.trim().parse::<u32>().ok()
                        })
                        .unwrap_or(0);
                    let code = custom
                        .get(&id)
                        .map(String::as_str)
                        .or_else(|| builtin_code(id));
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

/// The workbook's cell formats: distinct codes, and per worksheet (in workbook order) the
/// runs of cells with a format other than General.
#[derive(Clone, Debug, Default)]
pub struct CellFormats {
    pub codes: Vec<String>,
    pub sheets: Vec<Vec<FormatRun>>,
}

/// Cells `(row, col..col + count)` whose format is `code` (an index into `XfFormats::codes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatRun {
    pub row: u32,
    pub col: u32,
    pub count: u32,
    pub code: u32,
}

/// A partial tag longer than this is not a cell or row start tag: dropped, not buffered.
const MAX_TAG: usize = 64 << 10;

/// Collects a worksheet's formatted cells from its XML, fed in blocks of any size.
pub struct StyleScan<'a> {
    formats: &'a XfFormats,
    /// The start of a tag cut by the end of the previous block.
    pending: Vec<u8>,
    row: u32,
    next_col: u32,
    runs: Vec<FormatRun>,
    /// At most this many runs are kept (the build's cell limit); the rest are dropped.
    max_runs: usize,
}

impl<'a> StyleScan<'a> {
    pub fn new(formats: &'a XfFormats, max_runs: usize) -> Self {
        StyleScan {
            formats,
            pending: Vec::new(),
            row: 0,
            next_col: 0,
            runs: Vec::new(),
            max_runs,
        }
    }

    /// Scans the next block of the part.
    pub fn feed(&mut self, block: &[u8]) {
        let mut i = 0;
        if !self.pending.is_empty() {
            match memchr::memchr(b'>', block) {
                Some(end) => {
                    let mut tag = std::mem::take(&mut self.pending);
                    tag.extend_from_slice(&block[..=end]);
                    self.tag(&tag);
                    i = end + 1;
                }
                None => {
                    if self.pending.len() + block.len() <= MAX_TAG {
                        self.pending.extend_from_slice(block);
                    } else {
                        self.pending.clear();
                    }
                    return;
                }
            }
        }
        while let Some(p) = memchr::memchr(b'<', &block[i..]) {
            let lt = i + p;
            // Only start tags named c or row (with an optional prefix) matter.
            let interesting = match block.get(lt + 1) {
                None => {
                    self.pending = block[lt..].to_vec();
                    return;
                }
                Some(&b) => b != b'/' && b != b'?' && b != b'!',
            };
            if !interesting {
                i = lt + 1;
                continue;
            }
            match memchr::memchr(b'>', &block[lt + 1..]) {
                Some(q) => {
                    let end = lt + 1 + q;
                    self.tag(&block[lt..=end]);
                    i = end + 1;
                }
                None => {
                    let rest = &block[lt..];
                    if rest.len() <= MAX_TAG {
                        self.pending = rest.to_vec();
                    }
                    return;
                }
            }
        }
    }

    /// One start tag, `<` to `>` inclusive.
    fn tag(&mut self, tag: &[u8]) {
        let body = &tag[1..tag.len() - 1];
        let name_end = body
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(body.len());
        let name = &body[..name_end];
        let local = name
            .iter()
            .rposition(|b| *b == b':')
            .map_or(name, |p| &name[p + 1..]);
        match local {
            b"row" => {
                self.row = match attribute(&body[name_end..], b"r").and_then(parse_u32) {
                    Some(r) if r >= 1 => r - 1,
                    _ => self.row.saturating_add(1),
                };
                self.next_col = 0;
            }
            b"c" => {
                let attrs = &body[name_end..];
                let (row, col) = match attribute(attrs, b"r").and_then(parse_cell) {
                    Some(pos) => pos,
                    None => (self.row, self.next_col),
                };
                self.row = row;
                self.next_col = col.saturating_add(1);
                let Some(code) = attribute(attrs, b"s")
                    .and_then(parse_u32)
                    .and_then(|s| self.formats.by_xf.get(s as usize).copied().flatten())
                else {
                    return;
                };
                if let Some(last) = self.runs.last_mut() {
                    if last.row == row
                        && last.code == code
                        && last.col.checked_add(last.count) == Some(col)
                    {
                        last.count += 1;
                        return;
                    }
                }
                if self.runs.len() < self.max_runs {
                    self.runs.push(FormatRun {
                        row,
                        col,
                        count: 1,
                        code,
                    });
                }
            }
            _ => {}
        }
    }

    /// The runs, in the part's order (rows ascending as Excel writes them).
    pub fn finish(self) -> Vec<FormatRun> {
        self.runs
    }
}

/// The value of attribute `key` in a tag's attribute text (either quote, spaces around `=`).
fn attribute<'t>(attrs: &'t [u8], key: &[u8]) -> Option<&'t [u8]> {
    let mut i = 0;
    let n = attrs.len();
    while i < n {
        while i < n && (attrs[i].is_ascii_whitespace() || attrs[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < n && attrs[i] != b'=' && !attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = &attrs[start..i];
        while i < n && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n || attrs[i] != b'=' {
            return None;
        }
        i += 1;
        while i < n && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = *attrs.get(i)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value_start = i + 1;
        let value_end = value_start + memchr::memchr(quote, &attrs[value_start..])?;
        let local = name
            .iter()
            .rposition(|b| *b == b':')
            .map_or(name, |p| &name[p + 1..]);
        if local == key {
            return Some(&attrs[value_start..value_end]);
        }
        i = value_end + 1;
    }
    None
}

/// `B3` into zero-based (row, col), within Excel's grid (no allocation: it runs per cell).
fn parse_cell(v: &[u8]) -> Option<(u32, u32)> {
    let letters = v.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 || letters == v.len() {
        return None;
    }
    let mut col: u32 = 0;
    for b in &v[..letters] {
        col = col * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32;
    }
    let mut row: u32 = 0;
    for b in &v[letters..] {
        if !b.is_ascii_digit() || row > 1_048_576 {
            return None;
        }
        row = row * 10 + (b - b'0') as u32;
    }
    if row == 0 || row > 1_048_576 || col > 16_384 {
        return None;
    }
    Some((row - 1, col - 1))
}

fn parse_u32(v: &[u8]) -> Option<u32> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

/// Merges runs into rectangles `[r0, c0, r1, c1, code]`: a run continues the rectangle
/// above it when it covers the same columns with the same format on the next row (a
/// column formatted down a table is one rectangle, not one run per row).
pub fn rectangles(runs: &[FormatRun]) -> Vec<[u32; 5]> {
    let mut out: Vec<[u32; 5]> = Vec::new();
    // Rectangles that ended on the previous row, by (c0, c1, code) → index in `out`.
    let mut open: HashMap<(u32, u32, u32), usize> = HashMap::new();
    let mut next_open: HashMap<(u32, u32, u32), usize> = HashMap::new();
    let mut current_row = None;
    for run in runs {
        if current_row != Some(run.row) {
            // Only rectangles ending on the row just before can grow.
            if current_row.is_some_and(|r: u32| r.checked_add(1) == Some(run.row)) {
                open = std::mem::take(&mut next_open);
            } else {
                open.clear();
                next_open.clear();
            }
            current_row = Some(run.row);
        }
        let key = (run.col, run.col + run.count - 1, run.code);
        match open.remove(&key) {
            Some(i) => {
                out[i][2] = run.row;
                next_open.insert(key, i);
            }
            None => {
                out.push([run.row, key.0, run.row, key.1, run.code]);
                next_open.insert(key, out.len() - 1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLES: &[u8] = br#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="&quot;&#8364;&quot;#,##0.00"/><numFmt numFmtId="165" formatCode="General"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="3"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/><xf numFmtId="999"/></cellXfs></styleSheet>"#;

    #[test]
    fn styles_give_each_xf_its_format_general_as_none() {
        let f = xf_format_codes(STYLES);
        // cellStyleXfs are not cell styles; General (built-in 0 or custom) and unknown ids are None.
        assert_eq!(
            f.codes,
            vec!["m/d/yyyy".to_string(), "\"€\"#,##0.00".to_string()]
        );
        assert_eq!(f.by_xf, vec![None, Some(0), Some(1), None, Some(0), None]);
    }

    fn scan(xml: &[u8], block: usize) -> Vec<FormatRun> {
        let f = xf_format_codes(STYLES);
        let mut s = StyleScan::new(&f, usize::MAX);
        for chunk in xml.chunks(block) {
            s.feed(chunk);
        }
        s.finish()
    }

    const SHEET: &[u8] = br#"<worksheet><cols><col min="1" max="3" style="1"/></cols><sheetData>
<row r="2"><c r="A2" s="1"><v>46388</v></c><c r="B2" s = '1'><f>A2+1</f><v>46389</v></c><c r="C2" s="2"/><c r="D2"><v>1</v></c></row>
<row r="3" s="1" customFormat="1"><c r="A3" s="4"/><c s="1"/><x:c r="E3" s="2"></x:c></row></sheetData></worksheet>"#;

    #[test]
    fn a_sheet_gives_runs_of_formatted_cells_whatever_the_block_size() {
        // Styles 1 and 4 share a format; a cell without r follows the previous one.
        let want = vec![
            FormatRun {
                row: 1,
                col: 0,
                count: 2,
                code: 0,
            },
            FormatRun {
                row: 1,
                col: 2,
                count: 1,
                code: 1,
            },
            FormatRun {
                row: 2,
                col: 0,
                count: 2,
                code: 0,
            },
            FormatRun {
                row: 2,
                col: 4,
                count: 1,
                code: 1,
            },
        ];
        for block in [1, 2, 3, 7, 64, 1 << 20] {
            assert_eq!(scan(SHEET, block), want, "block size {block}");
        }
    }

    #[test]
    fn runs_on_consecutive_rows_merge_into_rectangles() {
        let runs = [
            FormatRun {
                row: 0,
                col: 1,
                count: 3,
                code: 0,
            },
            FormatRun {
                row: 1,
                col: 1,
                count: 3,
                code: 0,
            },
            FormatRun {
                row: 1,
                col: 5,
                count: 1,
                code: 1,
            },
            FormatRun {
                row: 2,
                col: 1,
                count: 3,
                code: 0,
            },
            FormatRun {
                row: 4,
                col: 1,
                count: 3,
                code: 0,
            },
        ];
        assert_eq!(
            rectangles(&runs),
            vec![[0, 1, 2, 3, 0], [1, 5, 1, 5, 1], [4, 1, 4, 3, 0]]
        );
    }

    #[test]
    fn the_run_limit_bounds_memory() {
        let f = xf_format_codes(STYLES);
        let mut s = StyleScan::new(&f, 1);
        s.feed(br#"<sheetData><row r="1"><c r="A1" s="1"/><c r="C1" s="2"/></row></sheetData>"#);
        assert_eq!(s.finish().len(), 1);
    }
}
