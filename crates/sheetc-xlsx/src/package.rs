//! The package: the zip container and the helpers every part reader shares (a bounded
//! part read, attributes, entities, relationship targets).

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;

use calamine::XlsxError;
use sheetc_core::error::{ErrorCode, Result, SheetcError};

/// What the first bytes of the file say it is.
pub(crate) fn sniff(path: &Path) -> Result<()> {
    let mut f = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
    let mut head = [0u8; 8];
    let n = f.read(&mut head).map_err(|e| SheetcError::io("cannot read the file", e))?;
    if n >= 4 && head[..4] == *b"PK\x03\x04" {
        return Ok(());
    }
    if n >= 8 && head == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
        // An OLE compound file: either an encrypted OOXML package or a legacy .xls.
        let mut rest = Vec::new();
        f.take(64 << 20).read_to_end(&mut rest).map_err(|e| SheetcError::io("cannot read the file", e))?;
        let needle: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        if rest.windows(needle.len()).any(|w| w == needle.as_slice()) {
            return Err(SheetcError::new(ErrorCode::Encrypted, "the workbook is password-protected; save an unprotected copy from Excel and compile that"));
        }
        return Err(SheetcError::new(ErrorCode::LegacyFormat, "this is a legacy binary workbook (.xls); open it in Excel and save it as .xlsx"));
    }
    Err(SheetcError::new(ErrorCode::NotAWorkbook, format!("{} is not an Excel workbook (.xlsx/.xlsm): it is not a zip file", path.display())))
}

pub(crate) fn corrupt(msg: impl Into<String>) -> SheetcError {
    SheetcError::new(ErrorCode::Corrupt, msg)
}

pub(crate) fn map_xlsx_err(e: XlsxError) -> SheetcError {
    match e {
        XlsxError::Io(io) => SheetcError::io("reading the workbook", io),
        XlsxError::Zip(z) => corrupt(format!("the workbook's zip is damaged: {z}")),
        other => corrupt(format!("the workbook is damaged or not a spreadsheet: {other}")),
    }
}

/// Opens the file as a zip archive.
pub(crate) fn open_zip(path: &Path) -> Result<zip::ZipArchive<SourceReader<'_>>> {
    Source::File(path).zip()
}

/// Where the package's bytes come from: the file, or an in-memory copy of it whose UTF-16
/// parts were re-encoded as UTF-8 ([`utf8_package`]): calamine's parser (quick-xml without
/// a decoding reader) reads only ASCII-compatible encodings.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

/// A reader over a [`Source`].
pub(crate) enum SourceReader<'a> {
    File(BufReader<File>),
    Bytes(Cursor<&'a [u8]>),
}

impl Read for SourceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            SourceReader::File(f) => f.read(buf),
            SourceReader::Bytes(b) => b.read(buf),
        }
    }
}

impl Seek for SourceReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            SourceReader::File(f) => f.seek(pos),
            SourceReader::Bytes(b) => b.seek(pos),
        }
    }
}

/// A sheet part checked on one thread (the bounds) while calamine reads it on another:
/// calamine's reads of the part's compressed bytes wait until the check has passed them.
/// Both decompress the same bytes, so what calamine decompresses from a prefix the check
/// has passed is what the check has seen, and calamine never buffers an event the bounds
/// refuse (the guarantee of checking first, without the wait: a sheet that is most of the
/// workbook is read in about the time of the slower pass, not of the two).
pub(crate) struct Gate {
    state: std::sync::Mutex<GateState>,
    moved: std::sync::Condvar,
}

struct GateState {
    /// The part's compressed bytes in the file: `[start, end)`.
    start: u64,
    end: u64,
    /// Reads below this position may go ahead.
    open_to: u64,
    /// The check failed (or stopped): reads in the part fail.
    failed: bool,
}

impl Gate {
    pub(crate) fn new(start: u64, end: u64) -> Self {
        Gate { state: std::sync::Mutex::new(GateState { start, end, open_to: start, failed: false }), moved: std::sync::Condvar::new() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The check has passed every compressed byte below `pos`.
    pub(crate) fn open_to(&self, pos: u64) {
        let mut s = self.state();
        if pos > s.open_to {
            s.open_to = pos;
            self.moved.notify_all();
        }
    }

    /// The check passed the whole part.
    pub(crate) fn open(&self) {
        self.open_to(u64::MAX);
    }

    /// The check failed or stopped: reads in the part fail from now on.
    pub(crate) fn fail(&self) {
        self.state().failed = true;
        self.moved.notify_all();
    }

    /// How many of `want` bytes at `pos` may be read, once any may.
    fn allowance(&self, pos: u64, want: usize) -> std::io::Result<usize> {
        let mut s = self.state();
        loop {
            if pos >= s.end {
                return Ok(want);
            }
            if pos < s.start {
                return Ok(want.min(usize::try_from(s.start - pos).unwrap_or(usize::MAX)));
            }
            if s.failed {
                return Err(std::io::Error::other("the part's bounds check failed"));
            }
            if s.open_to > pos {
                return Ok(want.min(usize::try_from(s.open_to - pos).unwrap_or(usize::MAX)));
            }
            s = self.moved.wait(s).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// Fails the gate when dropped without `disarm` (the checking thread returned early,
/// failed or panicked): calamine is never left waiting.
pub(crate) struct FailOnDrop<'g>(pub(crate) Option<&'g Gate>);

impl FailOnDrop<'_> {
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for FailOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(g) = self.0 {
            g.fail();
        }
    }
}

/// Where a gate goes: set around the read of one sheet, shared with the reader inside
/// calamine's archive.
pub(crate) type GateSlot = std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<Gate>>>>;

/// A reader over a [`Source`] whose reads wait on the gate in its slot, if any.
pub(crate) struct GatedReader<'a> {
    inner: SourceReader<'a>,
    pos: u64,
    slot: GateSlot,
}

impl<'a> GatedReader<'a> {
    pub(crate) fn new(inner: SourceReader<'a>, slot: GateSlot) -> Self {
        GatedReader { inner, pos: 0, slot }
    }
}

impl Read for GatedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let gate = self.slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let len = match gate {
            Some(g) if !buf.is_empty() => g.allowance(self.pos, buf.len())?,
            _ => buf.len(),
        };
        let n = self.inner.read(&mut buf[..len])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for GatedReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(pos)?;
        Ok(self.pos)
    }
}

/// A reader over a [`Source`] that tells where its latest read began: everything below
/// that, a decompressor reading through it has consumed (it reads again only when it has
/// used what it read).
pub(crate) struct ProgressReader<'a> {
    inner: SourceReader<'a>,
    pos: u64,
    consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<'a> ProgressReader<'a> {
    pub(crate) fn new(inner: SourceReader<'a>, consumed: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Self {
        ProgressReader { inner, pos: 0, consumed }
    }
}

impl Read for ProgressReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.consumed.store(self.pos, std::sync::atomic::Ordering::Release);
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ProgressReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(pos)?;
        Ok(self.pos)
    }
}

impl<'a> Source<'a> {
    pub(crate) fn open(self) -> Result<SourceReader<'a>> {
        Ok(match self {
            Source::File(path) => {
                let file = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
                SourceReader::File(BufReader::new(file))
            }
            Source::Bytes(bytes) => SourceReader::Bytes(Cursor::new(bytes)),
        })
    }

    pub(crate) fn zip(self) -> Result<zip::ZipArchive<SourceReader<'a>>> {
        zip::ZipArchive::new(self.open()?).map_err(|e| SheetcError::new(ErrorCode::NotAWorkbook, format!("not a valid workbook zip: {e}")))
    }
}

/// A part name as the package compares them: part names are equivalent as ASCII
/// case-insensitive strings (ECMA-376 Part 2, 6.2.2.3), and calamine finds parts that way
/// (reading `\` in an entry name as `/`).
fn part_key(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

/// Two zip entries naming the same part (the same name twice, or names that differ only
/// in case, e.g. `xl/workbook.xml` and `XL/Workbook.xml`) make the package ambiguous: which
/// one a reader gets depends on the reader (calamine takes the last case-insensitive
/// match, a plain lookup the exact one), so the part sheetc checks could differ from the
/// part calamine reads. The package specification forbids them (ECMA-376 Part 2, 6.2.2.3);
/// checked once, on the central directory.
pub(crate) fn check_entries<R: Read + Seek>(zip: &zip::ZipArchive<R>) -> Result<()> {
    if zip.has_duplicate_names() {
        return Err(corrupt("the workbook's zip lists the same part twice; the file is damaged"));
    }
    let mut seen = std::collections::HashMap::with_capacity(zip.len());
    for name in zip.file_names() {
        let name = name.map_err(|e| corrupt(format!("the workbook's zip has a damaged entry name: {e}")))?;
        if let Some(other) = seen.insert(part_key(&name), name.clone()) {
            return Err(corrupt(format!("the workbook's zip holds both {other} and {name}, which name the same part; the file is damaged")));
        }
    }
    Ok(())
}

/// The zip entry holding the part `name`, found as calamine finds it (ASCII
/// case-insensitive); entries are unique under that rule ([`check_entries`]).
pub(crate) fn find_part<R: Read + Seek>(zip: &zip::ZipArchive<R>, name: &str) -> Option<String> {
    if zip.index_for_name(name).is_some() {
        return Some(name.to_string());
    }
    let key = part_key(name);
    zip.file_names().flatten().find(|n| part_key(n) == key).map(|n| n.into_owned())
}

/// The byte order of a UTF-16 XML part (true: little-endian), from a byte-order mark or,
/// without one, from the first `<` (`3C 00` or `00 3C`: no UTF-8 XML holds a NUL byte).
fn utf16_order(head: &[u8]) -> Option<bool> {
    match head {
        [0xFF, 0xFE, ..] | [0x3C, 0x00, ..] => Some(true),
        [0xFE, 0xFF, ..] | [0x00, 0x3C, ..] => Some(false),
        _ => None,
    }
}

/// A UTF-16 XML part (little- or big-endian, with or without a byte-order mark) as
/// UTF-8, its XML declaration rewritten to say so (the package allows UTF-8 and UTF-16
/// parts, ECMA-376 Part 2, 8.1.4). None when the part is not UTF-16.
pub(crate) fn utf16_to_utf8(bytes: &[u8], name: &str) -> Result<Option<Vec<u8>>> {
    let Some(little) = utf16_order(bytes) else { return Ok(None) };
    if !bytes.len().is_multiple_of(2) {
        return Err(corrupt(format!("{name} is UTF-16 with an odd number of bytes; the file is damaged")));
    }
    let units = bytes.chunks_exact(2).map(|b| if little { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) });
    let mut text = String::new();
    text.try_reserve(bytes.len()).map_err(|_| SheetcError::new(ErrorCode::TooLarge, format!("{name} is too large to decode")))?;
    for c in char::decode_utf16(units) {
        text.push(c.map_err(|_| corrupt(format!("{name} is not valid UTF-16; the file is damaged")))?);
    }
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    // The declaration names UTF-16; the bytes are now UTF-8.
    let body = text.strip_prefix("<?xml").and_then(|rest| rest.find("?>").map(|end| &rest[end + 2..])).unwrap_or(text);
    let mut out = Vec::with_capacity(body.len() + 40);
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.extend_from_slice(body.as_bytes());
    Ok(Some(out))
}

/// Whether a zip entry is an XML part, by name (`.xml` and `.rels`).
fn is_xml_part(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".xml") || n.ends_with(".rels")
}

/// An in-memory copy of the package with every UTF-16 XML part re-encoded as UTF-8, or
/// None when it has none (almost always: Excel writes UTF-8). Every reader of the build,
/// calamine's included, then reads the copy.
pub(crate) fn utf8_package<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, limit: u64) -> Result<Option<Vec<u8>>> {
    let mut utf16 = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| corrupt(format!("cannot read the workbook's zip: {e}")))?;
        let name = f.name().map_err(|e| corrupt(format!("the workbook's zip has a damaged entry name: {e}")))?.to_string();
        if f.is_dir() || !is_xml_part(&name) {
            continue;
        }
        let mut head = [0u8; 2];
        let mut got = 0;
        while got < 2 {
            match f.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(corrupt(format!("cannot read {name}: {e}"))),
            }
        }
        if got == 2 && utf16_order(&head).is_some() {
            utf16.push(i);
        }
    }
    if utf16.is_empty() {
        return Ok(None);
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let write_err = |e: &dyn std::fmt::Display| SheetcError::new(ErrorCode::Io, format!("re-encoding the workbook's UTF-16 parts: {e}"));
    for i in 0..zip.len() {
        if utf16.contains(&i) {
            let name = entry_name(zip, i)?;
            let bytes = read_index(zip, i, &name, limit)?;
            let utf8 = utf16_to_utf8(&bytes, &name)?.unwrap_or(bytes);
            out.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).map_err(|e| write_err(&e))?;
            out.write_all(&utf8).map_err(|e| write_err(&e))?;
        } else {
            let f = zip.by_index_raw(i).map_err(|e| corrupt(format!("cannot read the workbook's zip: {e}")))?;
            out.raw_copy_file(f).map_err(|e| write_err(&e))?;
        }
    }
    Ok(Some(out.finish().map_err(|e| write_err(&e))?.into_inner()))
}

/// The name of zip entry `i` (read from the central directory, nothing decompressed).
pub(crate) fn entry_name<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, i: usize) -> Result<String> {
    Ok(zip
        .by_index_raw(i)
        .map_err(|e| corrupt(format!("cannot read the workbook's zip: {e}")))?
        .name()
        .map_err(|e| corrupt(format!("the workbook's zip has a damaged entry name: {e}")))?
        .to_string())
}

/// Reads zip entry `i` whole, up to `limit` bytes.
fn read_index<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, i: usize, name: &str, limit: u64) -> Result<Vec<u8>> {
    let file = zip.by_index(i).map_err(|e| corrupt(format!("cannot read {name}: {e}")))?;
    let mut buf = Vec::new();
    // read_to_end reserves fallibly: a failed allocation is an error, not an abort.
    file.take(limit.saturating_add(1)).read_to_end(&mut buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::OutOfMemory => SheetcError::new(ErrorCode::TooLarge, format!("{name} is too large to read into memory")),
        _ => corrupt(format!("cannot read {name}: {e}")),
    })?;
    if buf.len() as u64 > limit {
        return Err(SheetcError::new(ErrorCode::TooLarge, format!("{name} is larger than the limit of {limit} bytes")));
    }
    Ok(buf)
}

/// Reads the part `name` (found as calamine finds it), up to `limit` bytes, as UTF-8 XML
/// (a UTF-16 part is decoded). None when the package has no such part.
pub(crate) fn read_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64) -> Result<Option<Vec<u8>>> {
    let Some(i) = find_part(zip, name).and_then(|entry| zip.index_for_name(&entry)) else { return Ok(None) };
    let bytes = read_index(zip, i, name, limit)?;
    Ok(Some(match utf16_to_utf8(&bytes, name)? {
        Some(utf8) => utf8,
        None => bytes,
    }))
}

/// The attributes of a start tag as (qualified name, raw value), refusing what XML does
/// not allow: one attribute named twice in a tag, an unquoted value. Readers that disagree
/// on which of two same-named attributes counts would read different parts.
pub(crate) fn strict_attrs(e: &quick_xml::events::BytesStart<'_>, part: &str) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| corrupt(format!("{part} has a malformed attribute: {err}")))?;
        let key = a.key.as_ref().to_string();
        if out.iter().any(|(k, _)| *k == key) {
            return Err(corrupt(format!("{part} names the attribute {key} twice in one tag; the file is damaged")));
        }
        out.push((key, a.value.into_owned()));
    }
    Ok(out)
}

/// XML-unescapes an attribute value (`&amp;`, character references); the raw text when it
/// does not unescape.
pub(crate) fn unescape(raw: &str) -> String {
    quick_xml::escape::unescape(raw).map(|v| v.into_owned()).unwrap_or_else(|_| raw.to_string())
}

pub(crate) fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().into_inner() == key).map(|a| {
        let raw: &str = &a.value;
        quick_xml::escape::unescape(raw).map(|v| v.into_owned()).unwrap_or_else(|_| raw.to_string())
    })
}

pub(crate) fn resolve_target(target: &str) -> String {
    let t = target.trim_start_matches('/');
    if t.starts_with("xl/") {
        t.to_string()
    } else {
        format!("xl/{t}")
    }
}

/// Appends the text of an XML entity reference (`amp`, `#10`, `#x41`, ...) to `out`.
pub(crate) fn push_entity(out: &mut String, name: &str) {
    let ch = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n => n
            .strip_prefix("#x")
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
            .and_then(char::from_u32),
    };
    out.extend(ch);
}

/// Resolves a relationship target relative to the directory of the part that names it.
pub(crate) fn resolve_relative(dir: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use std::sync::Arc;

    fn gated(bytes: &[u8], gate: Option<Arc<Gate>>) -> GatedReader<'_> {
        GatedReader::new(Source::Bytes(bytes).open().expect("open"), Arc::new(std::sync::Mutex::new(gate)))
    }

    #[test]
    fn reads_wait_for_the_check_inside_the_part_only() {
        let bytes: Vec<u8> = (0..100u8).collect();
        let gate = Arc::new(Gate::new(10, 60));
        let mut r = gated(&bytes, Some(gate.clone()));
        // Before the part: up to its start at once.
        let mut buf = [0u8; 32];
        assert_eq!(r.read(&mut buf).expect("read"), 10);
        // Inside: what the check has passed.
        gate.open_to(25);
        assert_eq!(r.read(&mut buf).expect("read"), 15);
        assert_eq!(&buf[..15], &bytes[10..25]);
        // A read that must wait is released by the check moving on.
        let waiter = {
            let gate = gate.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(30));
                gate.open_to(40);
            })
        };
        assert_eq!(r.read(&mut buf).expect("read"), 15);
        assert_eq!(&buf[..15], &bytes[25..40]);
        waiter.join().expect("thread");
        // Past the part: not gated.
        r.seek(SeekFrom::Start(70)).expect("seek");
        assert_eq!(r.read(&mut buf).expect("read"), 30);
        // A failed check fails reads inside the part, even a waiting one.
        r.seek(SeekFrom::Start(45)).expect("seek");
        let failer = {
            let gate = gate.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(30));
                gate.fail();
            })
        };
        assert!(r.read(&mut buf).is_err());
        failer.join().expect("thread");
    }

    #[test]
    fn a_check_that_ends_without_opening_fails_the_gate() {
        let gate = Gate::new(0, 10);
        {
            let _guard = FailOnDrop(Some(&gate));
        }
        let bytes = [0u8; 10];
        let mut r = gated(&bytes, None);
        *r.slot.lock().expect("slot") = Some(Arc::new(gate));
        assert!(r.read(&mut [0u8; 4]).is_err());
        // Disarmed, the guard leaves an opened gate alone.
        let gate = Arc::new(Gate::new(0, 10));
        let guard = FailOnDrop(Some(&gate));
        gate.open();
        guard.disarm();
        let mut r = gated(&bytes, Some(gate.clone()));
        assert_eq!(r.read(&mut [0u8; 4]).expect("read"), 4);
    }
}
