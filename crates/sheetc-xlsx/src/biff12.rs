//! BIFF12 records, the unit every `.xlsb` part is made of ([MS-XLSB] 2.1.4): a record
//! type (1-2 bytes, 7 bits each), a length (1-4 bytes, 7 bits each), then that many
//! bytes. Read from a stream with the length checked before anything is allocated.

use std::io::Read;

use sheetc_core::error::{ErrorCode, Result, SheetcError};

use crate::package::corrupt;
use crate::ptg::{Bytes, DecodeError};

/// The longest record read. Excel's longest (a formula of 8,192 characters with its
/// array constants, a 32,767-character string) are far below it.
const MAX_RECORD: usize = 16 << 20;

pub(crate) struct Records<R: Read> {
    r: R,
    part: String,
    buf: Vec<u8>,
    /// Bytes of this part read so far, against `limit`.
    read: u64,
    limit: u64,
}

impl<R: Read> Records<R> {
    pub(crate) fn new(r: R, part: &str, limit: u64) -> Self {
        Records { r, part: part.to_string(), buf: Vec::new(), read: 0, limit }
    }

    fn byte(&mut self) -> Result<Option<u8>> {
        let mut b = [0u8; 1];
        loop {
            return match self.r.read(&mut b) {
                Ok(0) => Ok(None),
                Ok(_) => {
                    self.read += 1;
                    Ok(Some(b[0]))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => Err(corrupt(format!("cannot read {}: {e}", self.part))),
            };
        }
    }

    fn truncated(&self) -> SheetcError {
        corrupt(format!("{} is cut short (a record ends past the end of the part)", self.part))
    }

    /// The next record: its type and its bytes. None at the end of the part.
    pub(crate) fn next(&mut self) -> Result<Option<(u16, &[u8])>> {
        let Some(b0) = self.byte()? else { return Ok(None) };
        let mut typ = (b0 & 0x7F) as u16;
        if b0 & 0x80 != 0 {
            let b1 = self.byte()?.ok_or_else(|| self.truncated())?;
            if b1 & 0x80 != 0 {
                return Err(corrupt(format!("{} holds a record type longer than two bytes", self.part)));
            }
            typ |= ((b1 & 0x7F) as u16) << 7;
        }
        let mut len = 0usize;
        for i in 0..4 {
            let b = self.byte()?.ok_or_else(|| self.truncated())?;
            len |= ((b & 0x7F) as usize) << (7 * i);
            if b & 0x80 == 0 {
                break;
            }
        }
        if len > MAX_RECORD {
            return Err(corrupt(format!("{} holds a record of {len} bytes, more than any Excel writes", self.part)));
        }
        if self.read.saturating_add(len as u64) > self.limit {
            return Err(SheetcError::new(ErrorCode::TooLarge, format!("{} is larger than the limit of {} bytes", self.part, self.limit)));
        }
        // Read in steps so a lying length costs no more memory than the data that is there.
        self.buf.clear();
        let mut got = 0usize;
        while got < len {
            let step = (len - got).min(1 << 16);
            let start = self.buf.len();
            self.buf.resize(start + step, 0);
            let mut filled = 0;
            while filled < step {
                match self.r.read(&mut self.buf[start + filled..start + step]) {
                    Ok(0) => return Err(self.truncated()),
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(corrupt(format!("cannot read {}: {e}", self.part))),
                }
            }
            got += step;
        }
        self.read += len as u64;
        Ok(Some((typ, &self.buf[..len])))
    }
}

/// An `XLWideString`: a 32-bit count of UTF-16 code units, then the units.
pub(crate) fn wide_string(r: &mut Bytes<'_>) -> std::result::Result<String, DecodeError> {
    let n = r.u32()? as usize;
    if n > r.remaining() / 2 {
        return Err(DecodeError("a string is longer than its record".into()));
    }
    r.utf16(n)
}

/// An `XLNullableWideString`: as above, with 0xFFFFFFFF for "none".
pub(crate) fn nullable_wide_string(r: &mut Bytes<'_>) -> std::result::Result<Option<String>, DecodeError> {
    let n = r.u32()?;
    if n == u32::MAX {
        return Ok(None);
    }
    let n = n as usize;
    if n > r.remaining() / 2 {
        return Err(DecodeError("a string is longer than its record".into()));
    }
    r.utf16(n).map(Some)
}

/// A parsed formula's two parts (`cce` + tokens, `cb` + extra data), as cell, shared,
/// array and name formulas store them.
pub(crate) fn parsed_formula<'a>(r: &mut Bytes<'a>) -> std::result::Result<(&'a [u8], &'a [u8]), DecodeError> {
    let cce = r.u32()? as usize;
    let rgce = r.take(cce)?;
    let cb = if r.remaining() >= 4 { r.u32()? as usize } else { 0 };
    let rgcb = r.take(cb.min(r.remaining()))?;
    Ok((rgce, rgcb))
}
