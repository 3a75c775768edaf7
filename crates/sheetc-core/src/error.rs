//! Typed build errors with stable codes.
//!
//! A `SheetcError` is fatal for the build. Problems confined to one cell (a formula
//! that does not parse, an unknown function) are *not* errors: the cell is backfilled
//! and listed in the build report (see `backfill`).

use std::fmt;

/// The stable error codes users and tests match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The file is not a zip-based workbook (or not a workbook at all).
    NotAWorkbook,
    /// The workbook is password-encrypted (an OLE container holding `EncryptedPackage`).
    Encrypted,
    /// A format older than the ones sheetc reads (Excel 5.0/95 `.xls`, BIFF5 and before).
    LegacyFormat,
    /// A spreadsheet format sheetc recognises but does not compile (`.ods`).
    UnsupportedFormat,
    /// The zip or its XML is damaged or a required part is missing.
    Corrupt,
    /// A configured size limit was exceeded (uncompressed bytes, cells).
    TooLarge,
    /// Reading or writing files failed.
    Io,
    /// The build was cancelled.
    Cancelled,
    /// `--strict` is on and some cells would be backfilled.
    Strict,
    /// An option has an invalid value.
    InvalidOption,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotAWorkbook => "E_NOT_A_WORKBOOK",
            ErrorCode::Encrypted => "E_ENCRYPTED",
            ErrorCode::LegacyFormat => "E_LEGACY_FORMAT",
            ErrorCode::UnsupportedFormat => "E_UNSUPPORTED_FORMAT",
            ErrorCode::Corrupt => "E_CORRUPT",
            ErrorCode::TooLarge => "E_TOO_LARGE",
            ErrorCode::Io => "E_IO",
            ErrorCode::Cancelled => "E_CANCELLED",
            ErrorCode::Strict => "E_STRICT",
            ErrorCode::InvalidOption => "E_INVALID_OPTION",
        }
    }
}

/// A fatal build error: a code, a message that says what to do, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetcError {
    pub code: ErrorCode,
    pub message: String,
    /// `Sheet!A1` when the error belongs to a cell.
    pub location: Option<String>,
}

impl SheetcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SheetcError { code, message: message.into(), location: None }
    }
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
    pub fn io(context: &str, err: std::io::Error) -> Self {
        SheetcError::new(ErrorCode::Io, format!("{context}: {err}"))
    }
}

impl fmt::Display for SheetcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(loc) = &self.location {
            write!(f, " (at {loc})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SheetcError {}

pub type Result<T> = std::result::Result<T, SheetcError>;
