//! The cells' styles, scanned from a worksheet part's bytes as the extras pass streams
//! them (the sheet is not decompressed again): runs along rows of the cells whose style
//! (`<c s="N">`) has a number format other than General (`styles.rs`). It looks only at
//! tag starts (memchr), never parses the XML.

use sheetc_core::model::FormatRun;

use crate::styles::XfFormats;

/// A partial tag longer than this is not a cell or row start tag: dropped, not buffered.
const MAX_TAG: usize = 64 << 10;

/// The general scan: every tag start, rows tracked (cells without an `r` attribute take
/// the position after the previous cell), any namespace prefix, any block size.
struct TagWalker<'a> {
    formats: &'a XfFormats,
    /// The start of a tag cut by the end of the previous block.
    pending: Vec<u8>,
    row: u32,
    next_col: u32,
    runs: Vec<FormatRun>,
    /// At most this many runs are kept (the build's cell limit); the rest are dropped.
    max_runs: usize,
}

impl<'a> TagWalker<'a> {
    fn new(formats: &'a XfFormats, max_runs: usize) -> Self {
        TagWalker { formats, pending: Vec::new(), row: 0, next_col: 0, runs: Vec::new(), max_runs }
    }

    /// Scans the next block of the part.
    fn feed(&mut self, block: &[u8]) {
        let mut i = 0;
        if !self.pending.is_empty() {
            match memchr::memchr(b'>', block) {
                Some(end) => {
                    let mut tag = std::mem::take(&mut self.pending);
                    tag.extend_from_slice(&block[..=end]);
                    if let Some(kind) = tag_kind(&tag[1..]).filter(|k| *k != TagKind::Other) {
                        self.tag(kind, &tag);
                    }
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
            // Only start tags named c or row (with an optional prefix) are read to their end.
            let kind = match tag_kind(&block[lt + 1..]) {
                None => {
                    self.pending = block[lt..].to_vec();
                    return;
                }
                Some(TagKind::Other) => {
                    i = lt + 1;
                    continue;
                }
                Some(kind) => kind,
            };
            match memchr::memchr(b'>', &block[lt + 1..]) {
                Some(q) => {
                    let end = lt + 1 + q;
                    self.tag(kind, &block[lt..=end]);
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

    /// One start tag of a row or a cell, `<` to `>` inclusive.
    fn tag(&mut self, kind: TagKind, tag: &[u8]) {
        let body = &tag[1..tag.len() - 1];
        let name_end = body.iter().position(|b| b.is_ascii_whitespace() || *b == b'/').unwrap_or(body.len());
        let attrs = &body[name_end..];
        if kind == TagKind::Row {
            let mut r = None;
            for_each_attribute(attrs, |name, value| {
                if name == b"r" {
                    r = parse_u32(value);
                }
            });
            self.row = match r {
                Some(r) if r >= 1 => r - 1,
                _ => self.row.saturating_add(1),
            };
            self.next_col = 0;
            return;
        }
        let (mut r, mut s) = (None, None);
        for_each_attribute(attrs, |name, value| match name {
            b"r" => r = Some(value),
            b"s" => s = Some(value),
            _ => {}
        });
        let (row, col) = match r.and_then(parse_cell) {
            Some(pos) => pos,
            None => (self.row, self.next_col),
        };
        self.row = row;
        self.next_col = col.saturating_add(1);
        let Some(code) = s.and_then(parse_u32).and_then(|s| self.formats.by_xf.get(s as usize).copied().flatten()) else {
            return;
        };
        push_run(&mut self.runs, self.max_runs, row, col, code);
    }

    fn finish(self) -> Vec<FormatRun> {
        self.runs
    }
}

/// Adds a formatted cell to the runs (extending the last one when it continues it).
fn push_run(runs: &mut Vec<FormatRun>, max_runs: usize, row: u32, col: u32, code: u32) {
    if let Some(last) = runs.last_mut() {
        if last.row == row && last.code == code && last.col.checked_add(last.count) == Some(col) {
            last.count += 1;
            return;
        }
    }
    if runs.len() < max_runs {
        runs.push(FormatRun { row, col, count: 1, code });
    }
}

/// The formatted cells of a whole worksheet part, by the general scan (the fallback of
/// [`StyleScan`] for a part whose styled cells do not all name their position).
pub fn scan_part(xml: &[u8], formats: &XfFormats, max_runs: usize) -> Vec<FormatRun> {
    let mut walker = TagWalker::new(formats, max_runs);
    walker.feed(xml);
    walker.finish()
}

/// Collects a worksheet's formatted cells from its XML, fed in blocks of any size.
///
/// The blocks are searched for `<c` (memchr's SIMD `memmem`): the values, formulas and
/// texts between cells are never looked at, only the cells' start tags, whose `r` and `s`
/// attributes give the position and the style. Excel and the common writers give every
/// cell its `r`; a cell without one makes [`StyleScan::finish`] return None, and the
/// caller scans the whole part with [`scan_part`] (which tracks rows). A part whose
/// elements carry a namespace prefix (`<x:c>`) is scanned by the general walker.
pub struct StyleScan<'a> {
    formats: &'a XfFormats,
    /// The unscanned end of the previous block (from its last `<`: a tag may be cut there).
    carry: Vec<u8>,
    runs: Vec<FormatRun>,
    max_runs: usize,
    needle: memchr::memmem::Finder<'static>,
    /// A cell had no `r` attribute.
    positionless: bool,
    /// Prefixed elements: the general walker, streaming.
    walker: Option<TagWalker<'a>>,
    /// Whether the root element was seen (and the mode chosen).
    decided: bool,
}

impl<'a> StyleScan<'a> {
    pub fn new(formats: &'a XfFormats, max_runs: usize) -> Self {
        StyleScan {
            formats,
            carry: Vec::new(),
            runs: Vec::new(),
            max_runs,
            needle: memchr::memmem::Finder::new(b"<c"),
            positionless: false,
            walker: None,
            decided: false,
        }
    }

    /// Scans the next block of the part.
    pub fn feed(&mut self, block: &[u8]) {
        if let Some(w) = self.walker.as_mut() {
            w.feed(block);
            return;
        }
        if self.positionless {
            return;
        }
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(block);
        if !self.decided {
            match root_is_prefixed(&data) {
                None if data.len() <= MAX_TAG => {
                    self.carry = data;
                    return;
                }
                Some(true) => {
                    let mut w = TagWalker::new(self.formats, self.max_runs);
                    w.feed(&data);
                    self.walker = Some(w);
                    return;
                }
                _ => self.decided = true,
            }
        }
        // Complete tags only: up to the block's last `<`; the rest waits for the next block.
        let cut = memchr::memrchr(b'<', &data).unwrap_or(0);
        self.scan(&data[..cut]);
        let rest = &data[cut..];
        if rest.len() <= MAX_TAG {
            self.carry = rest.to_vec();
        }
    }

    fn scan(&mut self, data: &[u8]) {
        for lt in self.needle.find_iter(data) {
            // `<c` followed by a space, `>` or `/`: a cell (not <col>, <cfRule>, ...).
            match data.get(lt + 2) {
                Some(b) if b.is_ascii_whitespace() || *b == b'/' || *b == b'>' => {}
                _ => continue,
            }
            let Some(gt) = memchr::memchr(b'>', &data[lt..]) else {
                continue;
            };
            let (mut r, mut style) = (None, None);
            for_each_attribute(&data[lt + 2..lt + gt], |name, value| match name {
                b"r" => r = Some(value),
                b"s" => style = Some(value),
                _ => {}
            });
            let Some((row, col)) = r.and_then(parse_cell) else {
                self.positionless = true;
                return;
            };
            let code = style.and_then(parse_u32).and_then(|s| self.formats.by_xf.get(s as usize).copied().flatten());
            if let Some(code) = code {
                push_run(&mut self.runs, self.max_runs, row, col, code);
            }
        }
    }

    /// The runs in the part's order (rows ascending, as Excel writes them), or None when
    /// a cell had no position: then scan the whole part with [`scan_part`].
    pub fn finish(mut self) -> Option<Vec<FormatRun>> {
        if let Some(w) = self.walker.take() {
            return Some(w.finish());
        }
        let rest = std::mem::take(&mut self.carry);
        if !self.positionless {
            self.scan(&rest);
        }
        (!self.positionless).then_some(self.runs)
    }
}

/// Whether the part's root element has a namespace prefix (`<x:worksheet>`); None until
/// its name is complete in `data`.
fn root_is_prefixed(data: &[u8]) -> Option<bool> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'<', &data[i..]) {
        let lt = i + p;
        match data.get(lt + 1) {
            None => return None,
            Some(b'?' | b'!') => i = lt + 1,
            Some(_) => {
                let name = &data[lt + 1..];
                let end = name.iter().position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')?;
                return Some(name[..end].contains(&b':'));
            }
        }
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TagKind {
    Row,
    Cell,
    Other,
}

/// What the tag whose name starts `after_lt` (the bytes after `<`) is, by its local name
/// (`x:c` is a cell too); None when the bytes end inside the name. Names are compared
/// before anything else so that the values, formulas and texts between cells cost a
/// byte or two each.
fn tag_kind(after_lt: &[u8]) -> Option<TagKind> {
    // End tags, declarations and the one-letter value/formula/text tags: a byte or two.
    match after_lt.first() {
        None => return None,
        Some(b'/' | b'?' | b'!') => return Some(TagKind::Other),
        Some(&b) if b != b'c' && after_lt.get(1) == Some(&b'>') => return Some(TagKind::Other),
        _ => {}
    }
    let mut end = 0;
    while end < after_lt.len() {
        let b = after_lt[end];
        if b.is_ascii_whitespace() || b == b'>' || b == b'/' {
            break;
        }
        end += 1;
        if end > 64 {
            return Some(TagKind::Other);
        }
    }
    if end == after_lt.len() {
        return None;
    }
    let name = &after_lt[..end];
    let local = memchr::memrchr(b':', name).map_or(name, |p| &name[p + 1..]);
    Some(match local {
        b"c" => TagKind::Cell,
        b"row" => TagKind::Row,
        _ => TagKind::Other,
    })
}

/// Calls `visit(local name, value)` for each attribute of a tag's attribute text (either
/// quote, spaces around `=`); stops at the first malformed one.
fn for_each_attribute<'t>(attrs: &'t [u8], mut visit: impl FnMut(&'t [u8], &'t [u8])) {
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
            return;
        }
        i += 1;
        while i < n && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let Some(&quote) = attrs.get(i) else { return };
        if quote != b'"' && quote != b'\'' {
            return;
        }
        let value_start = i + 1;
        let Some(len) = memchr::memchr(quote, &attrs[value_start..]) else {
            return;
        };
        let value_end = value_start + len;
        let local = memchr::memrchr(b':', name).map_or(name, |p| &name[p + 1..]);
        visit(local, &attrs[value_start..value_end]);
        i = value_end + 1;
    }
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
    if v.is_empty() || v.len() > 9 {
        return std::str::from_utf8(v).ok()?.trim().parse().ok();
    }
    let mut n: u32 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return std::str::from_utf8(v).ok()?.trim().parse().ok();
        }
        n = n * 10 + (b - b'0') as u32;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::styles::tests::STYLES;
    use crate::styles::xf_format_codes;

    /// The fast scan, falling back to the general one as the read stage does.
    fn scan(xml: &[u8], block: usize) -> Vec<FormatRun> {
        let f = xf_format_codes(STYLES);
        let mut s = StyleScan::new(&f, usize::MAX);
        for chunk in xml.chunks(block) {
            s.feed(chunk);
        }
        s.finish().unwrap_or_else(|| scan_part(xml, &f, usize::MAX))
    }

    const SHEET: &[u8] = br#"<?xml version="1.0"?><worksheet><cols><col min="1" max="3" style="1"/></cols><sheetData>
<row r="2"><c r="A2" s="1"><v>46388</v></c><c r="B2" s = '1'><f>A2&amp;"s=1"</f><v>46389</v></c><c r="C2" s="2"/><c r="D2"><v>1</v></c></row>
<row r="3" s="1" customFormat="1"><c r="A3" s="4"/><c r="B3" s="1"/><c
 r="E3"
 s="2"></c></row></sheetData><conditionalFormatting><cfRule s="1"/></conditionalFormatting></worksheet>"#;

    fn run(row: u32, col: u32, count: u32, code: u32) -> FormatRun {
        FormatRun { row, col, count, code }
    }

    #[test]
    fn a_sheet_gives_runs_of_formatted_cells_whatever_the_block_size() {
        // Styles 1 and 4 share a format; a row's style and text that reads s= are no cell's.
        let want = vec![run(1, 0, 2, 0), run(1, 2, 1, 1), run(2, 0, 2, 0), run(2, 4, 1, 1)];
        let f = xf_format_codes(STYLES);
        for block in [1, 2, 3, 7, 64, 1 << 20] {
            let mut s = StyleScan::new(&f, usize::MAX);
            for chunk in SHEET.chunks(block) {
                s.feed(chunk);
            }
            assert_eq!(s.finish(), Some(want.clone()), "block size {block}");
        }
    }

    #[test]
    fn cells_without_positions_and_prefixed_elements_take_the_general_scan() {
        // A cell without r follows the previous one (A4 then B4); rows without r follow too.
        let positionless = br#"<worksheet><sheetData><row r="4"><c r="A4" s="1"/><c s="1"/></row><row><c s="2"/></row></sheetData></worksheet>"#;
        let f = xf_format_codes(STYLES);
        let mut s = StyleScan::new(&f, usize::MAX);
        s.feed(positionless);
        assert_eq!(s.finish(), None);
        assert_eq!(scan(positionless, 5), vec![run(3, 0, 2, 0), run(4, 0, 1, 1)]);
        let prefixed = br#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r="B2" s="2"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>"#;
        for block in [1, 4, 1 << 20] {
            assert_eq!(scan(prefixed, block), vec![run(1, 1, 1, 1)], "block size {block}");
        }
    }

    #[test]
    fn the_run_limit_bounds_memory() {
        let f = xf_format_codes(STYLES);
        let mut s = StyleScan::new(&f, 1);
        s.feed(br#"<worksheet><sheetData><row r="1"><c r="A1" s="1"/><c r="C1" s="2"/></row></sheetData></worksheet>"#);
        assert_eq!(s.finish().map(|r| r.len()), Some(1));
    }
}
