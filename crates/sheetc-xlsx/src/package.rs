//! The package: the zip container and the helpers every part reader shares (a bounded
//! part read, attributes, entities, relationship targets).

use std::fs::File;
use std::io::{BufReader, Read, Seek};
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
pub(crate) fn open_zip(path: &Path) -> Result<zip::ZipArchive<BufReader<File>>> {
    let file = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
    zip::ZipArchive::new(BufReader::new(file)).map_err(|e| SheetcError::new(ErrorCode::NotAWorkbook, format!("not a valid workbook zip: {e}")))
}

pub(crate) fn read_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64) -> Result<Option<Vec<u8>>> {
    let mut file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(corrupt(format!("cannot read {name}: {e}"))),
    };
    let mut buf = Vec::new();
    (&mut file).take(limit.saturating_add(1)).read_to_end(&mut buf).map_err(|e| corrupt(format!("cannot read {name}: {e}")))?;
    if buf.len() as u64 > limit {
        return Err(SheetcError::new(ErrorCode::TooLarge, format!("{name} is larger than the limit of {limit} bytes")));
    }
    Ok(Some(buf))
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
