//! What a file is, by its content (never its extension): a zip holding `xl/workbook.xml`
//! (`.xlsx`/`.xlsm`), `xl/workbook.bin` (`.xlsb`) or an OpenDocument `content.xml`
//! (`.ods`); a compound file holding a `Workbook` stream (`.xls`), an `EncryptedPackage`
//! (a password-protected OOXML file) or a `Book` stream (Excel 5/95, not read).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sheetc_core::error::{ErrorCode, Result, SheetcError};
use sheetc_core::model::FileFormat;

use crate::cfb::{Cfb, SIGNATURE};
use crate::package::open_zip;

pub(crate) fn detect(path: &Path, limit: u64) -> Result<FileFormat> {
    let mut f = File::open(path).map_err(|e| SheetcError::io(&format!("cannot open {}", path.display()), e))?;
    let mut head = [0u8; 8];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(SheetcError::io("cannot read the file", e)),
        }
    }
    if n >= 4 && head[..4] == *b"PK\x03\x04" {
        let zip = open_zip(path)?;
        let has = |name: &str| zip.index_for_name(name).is_some();
        if has("xl/workbook.xml") {
            return Ok(if has("xl/vbaProject.bin") { FileFormat::Xlsm } else { FileFormat::Xlsx });
        }
        if has("xl/workbook.bin") {
            return Ok(FileFormat::Xlsb);
        }
        if has("content.xml") {
            return Ok(FileFormat::Ods);
        }
        // Not a workbook package: the .xlsx reader says so with its own message.
        return Ok(FileFormat::Xlsx);
    }
    if n == 8 && head == SIGNATURE {
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        if size > limit {
            return Err(SheetcError::new(
                ErrorCode::TooLarge,
                format!("the file is {size} bytes, over the limit of {limit} (raise it with --max-uncompressed-mb)"),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| SheetcError::io("cannot read the file", e))?;
        let cfb = match Cfb::parse(&bytes) {
            Ok(cfb) => cfb,
            Err(e) => {
                // A damaged container that still names an EncryptedPackage is a protected
                // workbook: say that rather than "damaged", whose fix would be different.
                let needle: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
                if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    return Err(SheetcError::new(
                        ErrorCode::Encrypted,
                        "the workbook is password-protected; save an unprotected copy from Excel and compile that",
                    ));
                }
                return Err(e);
            }
        };
        if cfb.has("EncryptedPackage") {
            return Err(SheetcError::new(ErrorCode::Encrypted, "the workbook is password-protected; save an unprotected copy from Excel and compile that"));
        }
        if cfb.has("Workbook") {
            return Ok(FileFormat::Xls);
        }
        if cfb.has("Book") {
            return Err(SheetcError::new(
                ErrorCode::LegacyFormat,
                "this is an Excel 5.0/95 workbook (BIFF5), older than the .xls sheetc reads (Excel 97-2003); open it in Excel and save it as .xlsx",
            ));
        }
        return Err(SheetcError::new(ErrorCode::NotAWorkbook, "the compound file holds no Workbook stream: it is not an Excel workbook"));
    }
    Err(SheetcError::new(
        ErrorCode::NotAWorkbook,
        format!("{} is not an Excel workbook (.xlsx/.xlsm/.xlsb/.xls) or an OpenDocument spreadsheet (.ods)", path.display()),
    ))
}
