//! Size bounds on the XML events of the parts calamine reads (the shared strings and the
//! sheets), checked while the part streams through the decompressor in blocks (never
//! held whole) and before calamine reads it.
//!
//! Why: quick-xml (calamine's parser) buffers every event whole (a tag, a comment, a run
//! of text), and calamine keeps a cell's text whole, so a 600 MB text node costs well over
//! a gigabyte before any value can be looked at, and then builds into an engine that can
//! never load. Excel's own limits make the bounds generous for any file Excel (or any
//! honest writer) can produce: a cell holds at most 32,767 characters (8 bytes each at
//! worst, written as a character reference such as `&#65535;`), a formula 8,192. The
//! exact limit on a value (32,767 UTF-16 units) is checked on the value calamine returns
//! ([`check_text`]); these bounds keep the memory that reading it costs small.
//!
//! The scanner splits the bytes into events the way quick-xml does: start and end tags
//! (a `>` inside a quoted attribute value does not end the tag), comments, CDATA
//! sections, processing instructions and the document type declaration, and the text
//! between them. It also reads the `<sst>` start tag (whose `uniqueCount` calamine
//! reserves memory for) as quick-xml would, wherever it is.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

use sheetc_core::error::{ErrorCode, Result, SheetcError};

use crate::package::{corrupt, entry_name};

/// The largest single XML event (a tag, comment, CDATA section, processing instruction or
/// run of text) a shared-string or sheet part may hold.
pub(crate) const MAX_EVENT_BYTES: u64 = 1 << 20;
/// The most character data one cell (`<c>`) or one shared string (`<si>`) may hold, its
/// formula and rich-text runs included.
pub(crate) const MAX_ITEM_TEXT_BYTES: u64 = 1 << 20;
/// Excel's limit on the length of a cell's text, in UTF-16 code units (what Excel's LEN
/// counts): "Total number of characters that a cell can contain: 32,767".
pub(crate) const MAX_CELL_CHARS: usize = 32_767;

/// Refuses a text value longer than Excel allows in a cell. A value needs at least one
/// UTF-8 byte per UTF-16 unit, so only long ones are counted.
pub(crate) fn check_text(s: &str, sheet: &str, row: u32, col: u32) -> Result<()> {
    if s.len() > MAX_CELL_CHARS && s.encode_utf16().count() > MAX_CELL_CHARS {
        return Err(corrupt(format!("sheet {sheet} has a cell with {} characters of text; Excel's limit is {MAX_CELL_CHARS}", s.encode_utf16().count()))
            .at(format!("{sheet}!{}", sheetc_core::address::cell_name(row, col))));
    }
    Ok(())
}

/// What a scan saw besides the bounds.
#[derive(Debug, Default)]
pub(crate) struct PartScan {
    /// The part's real (decompressed) size.
    pub(crate) bytes: u64,
    /// The first `<sst>` start tag, whole (shared-string parts only).
    pub(crate) sst_tag: Option<Vec<u8>>,
    /// The part mentions `array` (array formulas: `t="array"`) or `vm` (an error cell's
    /// value metadata), in any quoting: worth the second, XML-level pass of `extras`.
    pub(crate) has_arrays: bool,
    pub(crate) has_vm: bool,
    /// The part mentions `hidden` (a hidden row, for SUBTOTAL and AGGREGATE) or
    /// `dataTable` (a What-If data table): also for the extras pass.
    pub(crate) has_hidden: bool,
    pub(crate) has_data_tables: bool,
    /// A run of whitespace between elements is longer than [`MAX_EVENT_BYTES`]: calamine
    /// would buffer it whole, so the part is read from a compacted copy instead.
    pub(crate) long_whitespace: bool,
}

impl PartScan {
    /// Whether the part holds anything the extras pass reads.
    pub(crate) fn needs_extras(&self) -> bool {
        self.has_arrays || self.has_vm || self.has_hidden || self.has_data_tables
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Text,
    /// Just after `<`.
    Open,
    /// In a start tag; `quote` is the open attribute quote, if any.
    Tag,
    EndTag,
    /// After `<!`: a comment, a CDATA section or a declaration, told apart by what follows.
    Bang,
    Comment,
    CData,
    /// `<!DOCTYPE ...>` or another declaration: ends at the `>` that balances its `<`s.
    Decl,
    Pi,
}

/// One part's event scanner (fed block by block).
struct Scanner<'a> {
    name: &'a str,
    want_sst: bool,
    state: State,
    quote: u8,
    /// Bytes in the current event so far.
    event: u64,
    /// Character data of the current cell or shared string so far (None outside one).
    item_text: Option<u64>,
    /// The current tag's first bytes (its name), and the whole tag when it is `<sst>`.
    tag: Vec<u8>,
    /// What follows `<!` (to tell a comment from CDATA from a declaration).
    bang: Vec<u8>,
    /// The last two bytes seen, for `-->`, `]]>` and `?>` across blocks.
    last: [u8; 2],
    decl_depth: u32,
    /// The current run of text outside any cell or shared string is whitespace so far.
    blank_run: bool,
    /// Where set (compaction), the ranges of the current block to leave out: whitespace
    /// between elements past the first [`KEPT_BLANKS`] bytes of its run.
    drops: Option<Vec<(usize, usize)>>,
    out: PartScan,
}

/// Bytes of a whitespace run between elements a compacted part keeps.
const KEPT_BLANKS: u64 = 64;

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// How much of a tag is kept to read its name.
const NAME_BYTES: usize = 64;

impl<'a> Scanner<'a> {
    fn new(name: &'a str, want_sst: bool) -> Self {
        Scanner {
            name,
            want_sst,
            state: State::Text,
            quote: 0,
            event: 0,
            item_text: None,
            tag: Vec::with_capacity(NAME_BYTES),
            bang: Vec::with_capacity(8),
            last: [0, 0],
            decl_depth: 0,
            blank_run: true,
            drops: None,
            out: PartScan::default(),
        }
    }

    fn too_big(&self, what: &str, limit: u64) -> SheetcError {
        corrupt(format!("{} holds {what} larger than {} KB, which no workbook Excel writes can hold; the workbook is damaged", self.name, limit >> 10))
    }

    /// Adds `n` bytes to the current event and checks its size.
    fn grow(&mut self, n: usize) -> Result<()> {
        self.event += n as u64;
        if self.event > MAX_EVENT_BYTES {
            let what = match self.state {
                State::Text => "a run of text",
                State::Comment => "a comment",
                State::CData => "a CDATA section",
                State::Pi => "a processing instruction",
                State::Decl => "a declaration",
                _ => "a tag",
            };
            return Err(self.too_big(what, MAX_EVENT_BYTES));
        }
        Ok(())
    }

    fn text(&mut self, n: usize) -> Result<()> {
        if let Some(t) = self.item_text.as_mut() {
            *t += n as u64;
            if *t > MAX_ITEM_TEXT_BYTES {
                return Err(self.too_big("a cell or shared string with text", MAX_ITEM_TEXT_BYTES));
            }
        }
        Ok(())
    }

    /// Keeps the current tag's first bytes (its name); a shared-string part's first
    /// `<sst>` tag is kept whole (it is bounded like every event).
    fn keep_tag(&mut self, bytes: &[u8]) {
        let maybe_sst = self.want_sst && self.out.sst_tag.is_none() && (!name_complete(&self.tag) || local_name(&self.tag) == b"sst");
        let room = if maybe_sst { bytes.len() } else { NAME_BYTES.saturating_sub(self.tag.len()) };
        self.tag.extend_from_slice(&bytes[..bytes.len().min(room)]);
        if maybe_sst && name_complete(&self.tag) && local_name(&self.tag) != b"sst" {
            self.tag.truncate(NAME_BYTES);
        }
    }

    /// A start tag ended (`tag` holds its first bytes, `<` excluded).
    fn end_start_tag(&mut self) {
        let empty = self.last[1] == b'/';
        let name = local_name(&self.tag);
        if name == b"c" || name == b"si" {
            self.item_text = if empty { None } else { Some(0) };
        } else if name == b"sst" && self.want_sst && self.out.sst_tag.is_none() {
            let mut tag = Vec::with_capacity(self.tag.len() + 2);
            tag.push(b'<');
            tag.extend_from_slice(&self.tag);
            tag.push(b'>');
            self.out.sst_tag = Some(tag);
        }
    }

    fn end_end_tag(&mut self) {
        let name = local_name(self.tag.strip_prefix(b"/").unwrap_or(&self.tag));
        if name == b"c" || name == b"si" {
            self.item_text = None;
        }
    }

    /// Reads the part's next block into `buf` (None at its end), counting its bytes
    /// against `limit`; `stop` (a cancel, or another sheet's failure) ends it.
    fn read_block<R: Read>(&mut self, reader: &mut R, buf: &mut [u8], limit: u64, stop: &AtomicBool) -> Result<Option<usize>> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return Err(SheetcError::new(ErrorCode::Cancelled, "the build was cancelled"));
            }
            let n = match reader.read(buf) {
                Ok(0) => return Ok(None),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(corrupt(format!("cannot read {}: {e}", self.name))),
            };
            self.out.bytes += n as u64;
            if self.out.bytes > limit {
                return Err(SheetcError::new(ErrorCode::TooLarge, format!("{} is larger than the limit of {limit} bytes", self.name)));
            }
            return Ok(Some(n));
        }
    }

    fn set_last(&mut self, block: &[u8]) {
        match block.len() {
            0 => {}
            1 => self.last = [self.last[1], block[0]],
            n => self.last = [block[n - 2], block[n - 1]],
        }
    }

    fn feed(&mut self, block: &[u8]) -> Result<()> {
        let mut i = 0;
        while i < block.len() {
            let rest = &block[i..];
            match self.state {
                State::Text => {
                    let n = memchr::memchr(b'<', rest).unwrap_or(rest.len());
                    if self.event == 0 {
                        self.blank_run = true;
                    }
                    if self.item_text.is_none() && self.blank_run && is_blank(&rest[..n]) {
                        // Whitespace between elements: any length is valid XML and means
                        // nothing. Past the bound it is reported (and, compacting, cut).
                        let before = self.event;
                        self.event += n as u64;
                        if self.event > MAX_EVENT_BYTES {
                            self.out.long_whitespace = true;
                        }
                        if let Some(drops) = self.drops.as_mut() {
                            let keep = KEPT_BLANKS.saturating_sub(before).min(n as u64) as usize;
                            if keep < n {
                                drops.push((i + keep, i + n));
                            }
                        }
                    } else {
                        self.blank_run = false;
                        self.grow(n)?;
                    }
                    self.text(n)?;
                    self.set_last(&rest[..n]);
                    i += n;
                    if n < rest.len() {
                        self.state = State::Open;
                        self.event = 1;
                        self.tag.clear();
                        self.set_last(b"<");
                        i += 1;
                    }
                }
                State::Open => {
                    match rest[0] {
                        b'!' => {
                            self.state = State::Bang;
                            self.bang.clear();
                        }
                        b'?' => self.state = State::Pi,
                        b'/' => {
                            self.state = State::EndTag;
                            self.tag.push(b'/');
                        }
                        _ => {
                            self.state = State::Tag;
                            self.quote = 0;
                            // The byte is part of the name: handled by the Tag state.
                            continue;
                        }
                    }
                    self.grow(1)?;
                    self.set_last(&rest[..1]);
                    i += 1;
                }
                State::Tag => {
                    let n = if self.quote != 0 { memchr::memchr(self.quote, rest) } else { memchr::memchr3(b'>', b'"', b'\'', rest) }.unwrap_or(rest.len());
                    let take = (n + 1).min(rest.len());
                    self.grow(take)?;
                    if n == rest.len() {
                        self.keep_tag(rest);
                        self.set_last(rest);
                        i += n;
                        continue;
                    }
                    let b = rest[n];
                    if self.quote != 0 {
                        self.quote = 0;
                        self.keep_tag(&rest[..=n]);
                    } else if b == b'>' {
                        self.keep_tag(&rest[..n]);
                        // `last` must say whether the tag ended with `/`.
                        self.set_last(&rest[..n]);
                        self.end_start_tag();
                        self.state = State::Text;
                        self.event = 0;
                    } else {
                        self.quote = b;
                        self.keep_tag(&rest[..=n]);
                    }
                    self.set_last(&rest[..=n]);
                    i += n + 1;
                }
                State::EndTag => {
                    let n = memchr::memchr(b'>', rest).unwrap_or(rest.len());
                    let take = (n + 1).min(rest.len());
                    self.grow(take)?;
                    self.keep_tag(&rest[..n]);
                    self.set_last(&rest[..take]);
                    i += take;
                    if n < rest.len() {
                        self.end_end_tag();
                        self.state = State::Text;
                        self.event = 0;
                    }
                }
                State::Bang => {
                    let b = rest[0];
                    self.bang.push(b);
                    self.grow(1)?;
                    self.set_last(&rest[..1]);
                    i += 1;
                    const CDATA: &[u8] = b"[CDATA[";
                    if self.bang == b"--" {
                        // `<!--` then `-->`: the opening dashes do not close it.
                        self.state = State::Comment;
                        self.last = [0, 0];
                    } else if self.bang.as_slice() == CDATA {
                        self.state = State::CData;
                        self.last = [0, 0];
                    } else if !(b"--".starts_with(&self.bang) || CDATA.starts_with(&self.bang)) {
                        self.state = State::Decl;
                        self.decl_depth = 1;
                        if b == b'>' {
                            self.decl_depth = 0;
                            self.state = State::Text;
                            self.event = 0;
                        } else if b == b'<' {
                            self.decl_depth += 1;
                        }
                    }
                }
                State::Comment | State::CData | State::Pi => {
                    let n = memchr::memchr(b'>', rest).unwrap_or(rest.len());
                    let take = (n + 1).min(rest.len());
                    self.grow(take)?;
                    if self.state == State::CData {
                        self.text(take)?;
                    }
                    if n == rest.len() {
                        self.set_last(rest);
                        i += n;
                        continue;
                    }
                    // The two bytes before this `>`.
                    let before = match n {
                        0 => self.last,
                        1 => [self.last[1], rest[0]],
                        _ => [rest[n - 2], rest[n - 1]],
                    };
                    let closed = match self.state {
                        State::Comment => before == *b"--",
                        State::CData => before == *b"]]",
                        _ => before[1] == b'?',
                    };
                    self.set_last(&rest[..take]);
                    i += take;
                    if closed {
                        self.state = State::Text;
                        self.event = 0;
                    }
                }
                State::Decl => {
                    let n = memchr::memchr2(b'<', b'>', rest).unwrap_or(rest.len());
                    let take = (n + 1).min(rest.len());
                    self.grow(take)?;
                    self.set_last(&rest[..take]);
                    i += take;
                    if n < rest.len() {
                        if rest[n] == b'<' {
                            self.decl_depth += 1;
                        } else {
                            self.decl_depth -= 1;
                            if self.decl_depth == 0 {
                                self.state = State::Text;
                                self.event = 0;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether the tag's name has ended within its first bytes.
fn name_complete(tag: &[u8]) -> bool {
    tag.iter().any(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
}

/// The local part of a tag's name (after any `prefix:`), from the tag's first bytes.
fn local_name(tag: &[u8]) -> &[u8] {
    let end = tag.iter().position(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>')).unwrap_or(tag.len());
    let name = &tag[..end];
    match memchr::memrchr(b':', name) {
        Some(p) => &name[p + 1..],
        None => name,
    }
}

/// Streams `reader` (one part, decompressed) through the scanner in 1 MB blocks. `limit`
/// caps the part's size (the uncompressed-size limit); `stop` (a cancel, or another
/// sheet's failure) ends it between blocks.
pub(crate) fn scan_part<R: Read>(reader: R, name: &str, limit: u64, want_sst: bool, stop: &AtomicBool) -> Result<PartScan> {
    scan_part_observed(reader, name, limit, want_sst, stop, &mut |_, _| {})
}

/// [`scan_part`], handing each decompressed block to `observe` as well (the cells' style
/// scan rides on the same pass, so a sheet is not decompressed once more for it).
pub(crate) fn scan_part_observed<R: Read>(
    mut reader: R,
    name: &str,
    limit: u64,
    want_sst: bool,
    stop: &AtomicBool,
    observe: &mut dyn FnMut(&[u8], &PartScan),
) -> Result<PartScan> {
    let mut scanner = Scanner::new(name, want_sst);
    let arrays = memchr::memmem::Finder::new(b"array");
    let vm = memchr::memmem::Finder::new(b"vm");
    let hidden = memchr::memmem::Finder::new(b"hidden");
    let data_table = memchr::memmem::Finder::new(b"dataTable");
    // A needle split across two blocks is found in the carried-over tail.
    const CARRY: usize = 16;
    let mut buf = vec![0u8; 1 << 20];
    let mut kept = 0usize;
    while let Some(n) = scanner.read_block(&mut reader, &mut buf[kept..], limit, stop)? {
        scanner.feed(&buf[kept..kept + n])?;
        observe(&buf[kept..kept + n], &scanner.out);
        let block = &buf[..kept + n];
        scanner.out.has_arrays = scanner.out.has_arrays || arrays.find(block).is_some();
        scanner.out.has_vm = scanner.out.has_vm || vm.find(block).is_some();
        scanner.out.has_hidden = scanner.out.has_hidden || hidden.find(block).is_some();
        scanner.out.has_data_tables = scanner.out.has_data_tables || data_table.find(block).is_some();
        let tail = block.len().min(CARRY);
        let end = block.len();
        buf.copy_within(end - tail..end, 0);
        kept = tail;
    }
    Ok(scanner.out)
}

/// A copy of the package (in memory) in which the XML parts `parts` have their whitespace
/// runs between elements cut to [`KEPT_BLANKS`] bytes; every other entry is copied as it
/// is (still compressed). What calamine reads from the copy is what it would read from the
/// file: whitespace between elements carries nothing. The parts stream through the
/// scanner in blocks, so the copy costs the package's size plus the parts' content, never
/// their padding.
pub(crate) fn compact_package<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, parts: &[String], limit: u64, stop: &AtomicBool) -> Result<Vec<u8>> {
    use std::io::Write;
    let write_err = |e: &dyn std::fmt::Display| SheetcError::new(ErrorCode::Io, format!("compacting the workbook's whitespace: {e}"));
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let name = entry_name(zip, i)?;
        if !parts.iter().any(|p| p.eq_ignore_ascii_case(&name)) {
            let f = zip.by_index_raw(i).map_err(|e| corrupt(format!("cannot read the workbook's zip: {e}")))?;
            out.raw_copy_file(f).map_err(|e| write_err(&e))?;
            continue;
        }
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(false);
        out.start_file(name.as_str(), options).map_err(|e| write_err(&e))?;
        let mut reader = zip.by_index(i).map_err(|e| corrupt(format!("cannot read {name}: {e}")))?;
        let mut scanner = Scanner::new(&name, false);
        scanner.drops = Some(Vec::new());
        let mut buf = vec![0u8; 1 << 20];
        while let Some(n) = scanner.read_block(&mut reader, &mut buf, limit, stop)? {
            if let Some(d) = scanner.drops.as_mut() {
                d.clear();
            }
            scanner.feed(&buf[..n])?;
            let mut from = 0;
            for &(a, b) in scanner.drops.as_deref().unwrap_or(&[]) {
                out.write_all(&buf[from..a]).map_err(|e| write_err(&e))?;
                from = b;
            }
            out.write_all(&buf[from..n]).map_err(|e| write_err(&e))?;
        }
    }
    Ok(out.finish().map_err(|e| write_err(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &[u8], block: usize) -> Result<PartScan> {
        /// Hands out at most `block` bytes per read, to cut events across blocks.
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        scan_part(Chunks(xml, block), "part.xml", u64::MAX, true, &AtomicBool::new(false))
    }

    #[test]
    fn finds_the_sst_tag_past_comments_and_quoted_gt() {
        let xml = b"<?xml version='1.0'?><!-- <sst uniqueCount='1'> --><x:sst a='>' b=\"x'>\" uniqueCount = '7'><si><t>a</t></si></x:sst>";
        for block in [1, 2, 3, 7, 1000] {
            let s = scan(xml, block).expect("scan");
            assert_eq!(s.sst_tag.as_deref(), Some(&b"<x:sst a='>' b=\"x'>\" uniqueCount = '7'>"[..]), "block {block}");
            assert_eq!(s.bytes, xml.len() as u64);
        }
    }

    #[test]
    fn a_huge_text_node_is_refused_whatever_the_blocks() {
        let mut xml = b"<sst><si><t>".to_vec();
        xml.extend(std::iter::repeat_n(b'x', (MAX_EVENT_BYTES + 1) as usize));
        xml.extend_from_slice(b"</t></si></sst>");
        for block in [4096, 1 << 20] {
            let e = scan(&xml, block).expect_err("too big");
            assert_eq!(e.code, ErrorCode::Corrupt);
        }
    }

    #[test]
    fn many_small_runs_add_up_per_cell() {
        // 2,000 rich-text runs of 600 bytes: each run is small, the string is not.
        let run = format!("<r><t>{}</t></r>", "y".repeat(600));
        let xml = format!("<sst><si>{}</si></sst>", run.repeat(2000));
        assert_eq!(scan(xml.as_bytes(), 1 << 16).expect_err("too much text").code, ErrorCode::Corrupt);
        // The same runs spread over 2,000 strings are fine.
        let xml = format!("<sst>{}</sst>", format!("<si>{run}</si>").repeat(2000));
        assert!(scan(xml.as_bytes(), 1 << 16).is_ok());
    }

    #[test]
    fn huge_comments_cdata_and_tags_are_refused() {
        let big = "z".repeat((MAX_EVENT_BYTES + 10) as usize);
        for xml in [
            format!("<a><!-- {big} --></a>"),
            format!("<a><c><v><![CDATA[{big}]]></v></c></a>"),
            format!("<a><b x=\"{big}\"/></a>"),
            format!("<a><?pi {big}?></a>"),
            format!("<a><!-- {} --></a>", ">".repeat(big.len())),
        ] {
            assert_eq!(scan(xml.as_bytes(), 1 << 16).expect_err("too big").code, ErrorCode::Corrupt);
        }
    }

    #[test]
    fn comments_and_cdata_end_where_quick_xml_ends_them() {
        // `-->` and `]]>` split across blocks; `>` inside them does not end them.
        let xml = b"<a><!-- x > y --><c><v><![CDATA[ a > b ]]></v></c><?p ? > ?></a>";
        for block in 1..8 {
            let s = scan(xml, block).expect("scan");
            assert_eq!(s.bytes, xml.len() as u64);
        }
    }

    #[test]
    fn the_needles_are_found_in_any_quoting() {
        let s = scan(b"<c r='A1'><f t='array' ref='A1:B2'>1</f></c><c vm = '1' t='e'/>", 5).expect("scan");
        assert!(s.has_arrays && s.has_vm);
        let s = scan(b"<c r='A1'><v>1</v></c>", 5).expect("scan");
        assert!(!s.has_arrays && !s.has_vm);
    }
}
