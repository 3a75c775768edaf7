//! `xl/sharedStrings.xml`: checked before calamine reads it.

use std::io::{Read, Seek};

use sheetc_core::error::Result;

use crate::package::corrupt;

/// The shared-string table announces its size (`uniqueCount`), and the reader reserves
/// memory for it up front: a hostile count would abort the process. Each string takes at
/// least a few bytes of XML, so a count beyond the part's size is a damaged file.
pub(crate) fn check_shared_strings<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<()> {
    let Ok(part) = zip.by_name("xl/sharedStrings.xml") else { return Ok(()) };
    let size = part.size();
    let mut head = Vec::with_capacity(4096);
    part.take(4096).read_to_end(&mut head).map_err(|e| corrupt(format!("cannot read xl/sharedStrings.xml: {e}")))?;
    let text = String::from_utf8_lossy(&head);
    for key in ["uniqueCount=\"", "count=\""] {
        if let Some(pos) = text.find(key) {
            let digits: String = text[pos + key.len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
            let n: u64 = digits.parse().unwrap_or(u64::MAX);
            if key.starts_with("unique") && n > size / 4 + 16 {
                return Err(corrupt(format!("xl/sharedStrings.xml declares {n} strings but holds only {size} bytes; the workbook is damaged")));
            }
        }
    }
    Ok(())
}
