//! Formula shapes: the R1C1 form of a formula, where relative references are offsets
//! from the formula's cell.
//!
//! Real models are mostly copied formulas: a million formula cells are typically a few
//! thousand shapes. The shape key is computed *lexically*, without parsing, so each
//! distinct shape is parsed and bound once. The key must never merge two formulas that
//! mean different things: string literals, quoted sheet names and bracketed parts are
//! kept verbatim, and only tokens that are cell references in A1 notation (not followed
//! by `(` or `!`) are rewritten.
//!
//! The key is bytes, not text: it runs once per formula cell (the hot loop of the parse
//! phase), so a rewritten reference is a [`MARK`] byte, a tag byte and fixed-width
//! little-endian integers (no number formatting). Why equal keys mean equal shapes: the
//! key can be read back unambiguously left to right (see [`render_key`]). Quoted and
//! bracketed spans are copied whole with their delimiters, so a reader lexing the key
//! with the same rules finds the same spans; outside them a `MARK` byte only ever starts
//! a rewritten reference (a `MARK` byte of the formula itself is escaped as
//! `MARK, TAG_LITERAL`), and the tag fixes how many payload bytes follow. So two keys
//! are equal only if the formulas have the same verbatim tokens in the same order and
//! the same references relative to their cells, and the dedupe map compares keys
//! byte for byte on every hit: a hash collision can never merge two shapes.

/// Opens a rewritten reference in a shape key (outside quoted and bracketed spans).
pub const MARK: u8 = 0x01;
/// `MARK, TAG_LITERAL`: a `MARK` byte that was in the formula text itself.
const TAG_LITERAL: u8 = 0x00;
/// `MARK, TAG_CELL | 1 (row absolute) | 2 (column absolute)`, row i32, column i32.
const TAG_CELL: u8 = 0x10;
/// `MARK, TAG_ROW | 1 (absolute)`, row i32: a whole-row range part (`3:5`).
const TAG_ROW: u8 = 0x20;
/// `MARK, TAG_COL | 1 (absolute)`, column i32: a whole-column range part (`A:C`).
const TAG_COL: u8 = 0x30;
/// `MARK, TAG_TABLE`, table index u32: the table an unqualified structured reference
/// binds to (appended by the compiler, see [`push_table_scope`]).
const TAG_TABLE: u8 = 0x40;

const MAX_ROWS: u32 = 1_048_576;
const MAX_COLS: u32 = 16_384;

/// Column letters (already known to be ASCII letters) to a zero-based column.
fn col_value(letters: &[u8]) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut v: u32 = 0;
    for &b in letters {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        v = v * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32;
    }
    if v > MAX_COLS {
        None
    } else {
        Some(v - 1)
    }
}

/// Decimal digits (already known to be ASCII digits) to a one-based row in
/// `1..=MAX_ROWS`; leading zeros are accepted (as `str::parse` does), overflow is not.
fn row_value(digits: &[u8]) -> Option<u32> {
    let mut v: u32 = 0;
    for &b in digits {
        v = v * 10 + (b - b'0') as u32;
        if v > MAX_ROWS {
            return None;
        }
    }
    if digits.is_empty() || v == 0 {
        None
    } else {
        Some(v)
    }
}

#[inline]
fn push_i32(out: &mut Vec<u8>, v: i64) {
    // Rows and columns and their differences are within ±2^21: always in range.
    out.extend_from_slice(&(v as i32).to_le_bytes());
}

/// Rewrites one identifier-like token if it is a cell reference (`$A$1`, `B3`);
/// otherwise writes nothing and returns false. One pass: `$`, up to three letters,
/// `$`, digits, end.
#[inline]
fn rewrite_cell(tok: &[u8], row0: u32, col0: u32, out: &mut Vec<u8>) -> bool {
    let n = tok.len();
    let col_abs = n > 0 && tok[0] == b'$';
    let mut i = col_abs as usize;
    let letters = i;
    let mut col: u32 = 0;
    while i < n && tok[i].is_ascii_alphabetic() {
        if i - letters == 3 {
            return false;
        }
        col = col * 26 + ((tok[i] | 0x20) - b'a' + 1) as u32;
        i += 1;
    }
    if i == letters || col > MAX_COLS {
        return false;
    }
    let row_abs = i < n && tok[i] == b'$';
    i += row_abs as usize;
    let digits = i;
    let mut row: u32 = 0;
    while i < n && tok[i].is_ascii_digit() {
        row = row * 10 + (tok[i] - b'0') as u32;
        if row > MAX_ROWS {
            return false;
        }
        i += 1;
    }
    if i != n || i == digits || row == 0 {
        return false;
    }
    let (row, col) = (row - 1, col - 1);
    out.push(MARK);
    out.push(TAG_CELL | row_abs as u8 | (col_abs as u8) << 1);
    push_i32(out, if row_abs { row as i64 } else { row as i64 - row0 as i64 });
    push_i32(out, if col_abs { col as i64 } else { col as i64 - col0 as i64 });
    true
}

/// Byte classes of the key lexer, one table lookup per byte.
const OTHER: u8 = 0;
/// Bytes that can continue a name/identifier token. Bytes of multi-byte UTF-8
/// characters count: every delimiter of the language is ASCII.
const IDENT: u8 = 1;
const QUOTE: u8 = 2;
const BRACKET: u8 = 3;
const MARK_BYTE: u8 = 4;

static CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'\\' | b'$' | b'?') || c >= 0x80 {
            IDENT
        } else if c == b'"' || c == b'\'' {
            QUOTE
        } else if c == b'[' {
            BRACKET
        } else if c == MARK {
            MARK_BYTE
        } else {
            OTHER
        };
        b += 1;
    }
    t
};

#[inline]
fn ident_byte(b: u8) -> bool {
    CLASS[b as usize] == IDENT
}

/// The shape key of `formula` written for the cell at (`row`, `col`).
pub fn shape_key(formula: &str, row: u32, col: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(formula.len() + 16);
    shape_key_into(&mut out, formula, row, col);
    out
}

/// `shape_key` into a reusable buffer (cleared first): no allocation per formula cell.
/// Runs of plain bytes and whole tokens are copied as slices.
pub fn shape_key_into(out: &mut Vec<u8>, formula: &str, row: u32, col: u32) {
    out.clear();
    let bytes = formula.as_bytes();
    let n = bytes.len();
    // A rewritten reference is 10 bytes, its text at least 2.
    out.reserve(n + n / 2 + 16);
    let mut i = 0;
    while i < n {
        let c = bytes[i];
        match CLASS[c as usize] {
            IDENT => {
                let start = i;
                i += 1;
                while i < n && CLASS[bytes[i] as usize] == IDENT {
                    i += 1;
                }
                let tok = &bytes[start..i];
                let next = bytes.get(i).copied();
                // Function names, sheet names (also the first of a 3D span), table names stay verbatim.
                let verbatim = matches!(next, Some(b'(' | b'!' | b'[')) || (next == Some(b':') && starts_3d_span(bytes, i));
                if verbatim || !rewrite_cell(tok, row, col, out) {
                    // Whole-column / whole-row parts (`A:C`, `3:5`) are relative too.
                    if !verbatim && is_range_part(bytes, start, i) && rewrite_line(tok, row, col, out) {
                        continue;
                    }
                    out.extend_from_slice(tok);
                }
            }
            OTHER => {
                let start = i;
                i += 1;
                while i < n && CLASS[bytes[i] as usize] == OTHER {
                    i += 1;
                }
                out.extend_from_slice(&bytes[start..i]);
            }
            QUOTE => {
                // Copy a string literal or quoted sheet name verbatim, with doubled quotes.
                let start = i;
                i = quoted_end(bytes, i);
                out.extend_from_slice(&bytes[start..i]);
            }
            BRACKET => {
                // Structured references and external-book indexes: verbatim, nesting aware.
                let start = i;
                i = bracket_end(bytes, i);
                // `i` may sit inside a multi-byte character only if the text ends there.
                let end = (i..=n).find(|&e| formula.is_char_boundary(e)).unwrap_or(n);
                out.extend_from_slice(&bytes[start..end]);
                i = end;
            }
            _ => {
                // A MARK byte of the formula itself: escaped, so it cannot pose as a reference.
                out.push(MARK);
                out.push(TAG_LITERAL);
                i += 1;
            }
        }
    }
}

/// The distinct shape keys of a run of formula texts, for one worker of the parse phase.
pub struct KeyedTexts {
    /// Each distinct key once, in order of first appearance, with the first text that has it.
    pub distinct: Vec<(Box<[u8]>, u32)>,
    /// Per text of the run: its index in `distinct`, or `u32::MAX` for a text no cell uses.
    pub ids: Vec<u32>,
}

/// Keys the texts `first..first + origins.len()` of one sheet. `origins[i]` is the cell
/// text `first + i` is written for (`None` if no cell uses it); `scope(text, origin)` is
/// the table an unqualified structured reference in it binds to, if any. Runs of texts
/// are independent, so the parse phase keys them on all cores and merges the (few)
/// distinct keys in order.
/// Which table (if any) holds a cell: `[@Col]` references bind to it.
pub type TableScope<'a> = dyn Fn(&str, (u32, u32)) -> Option<u32> + Sync + 'a;

pub fn key_texts(first: usize, texts: &crate::model::FormulaTexts, origins: &[Option<(u32, u32)>], scope: &TableScope<'_>) -> KeyedTexts {
    let mut local: std::collections::HashMap<Box<[u8]>, u32, foldhash::fast::RandomState> = Default::default();
    let mut out = KeyedTexts { distinct: Vec::new(), ids: Vec::with_capacity(origins.len()) };
    let mut key = Vec::new();
    for (i, origin) in origins.iter().enumerate() {
        let Some((row, col)) = *origin else {
            out.ids.push(u32::MAX);
            continue;
        };
        let text = &texts[first + i];
        shape_key_into(&mut key, text, row, col);
        // An unqualified structured reference (`[@Col]`) binds to the table around the
        // formula: formulas in different tables must not share a shape.
        if memchr::memchr(b'[', text.as_bytes()).is_some() {
            if let Some(t) = scope(text, (row, col)) {
                push_table_scope(&mut key, t);
            }
        }
        let id = match local.get(key.as_slice()) {
            Some(&id) => id,
            None => {
                let id = out.distinct.len() as u32;
                let boxed: Box<[u8]> = key.as_slice().into();
                out.distinct.push((boxed.clone(), (first + i) as u32));
                local.insert(boxed, id);
                id
            }
        };
        out.ids.push(id);
    }
    out
}

/// Appends the table an unqualified structured reference (`[@Col]`) binds to: formulas
/// in different tables must not share a shape.
pub fn push_table_scope(out: &mut Vec<u8>, table: u32) {
    out.push(MARK);
    out.push(TAG_TABLE);
    out.extend_from_slice(&table.to_le_bytes());
}

/// `Sheet1:Sheet3!`: the token at `end` is followed by `:name!`.
fn starts_3d_span(bytes: &[u8], end: usize) -> bool {
    if bytes.get(end) != Some(&b':') {
        return false;
    }
    let mut j = end + 1;
    while j < bytes.len() && ident_byte(bytes[j]) {
        j += 1;
    }
    j > end + 1 && bytes.get(j) == Some(&b'!')
}

/// A token is a whole-row/column range part when a `:` joins it to a like token.
fn is_range_part(bytes: &[u8], start: usize, end: usize) -> bool {
    (end < bytes.len() && bytes[end] == b':') || (start > 0 && bytes[start - 1] == b':')
}

/// Rewrites a column (`$C`, `AB`) or row (`$5`, `12`) token of a whole-line range.
fn rewrite_line(tok: &[u8], row0: u32, col0: u32, out: &mut Vec<u8>) -> bool {
    let abs = tok.first() == Some(&b'$');
    let body = if abs { &tok[1..] } else { tok };
    if body.is_empty() || body.contains(&b'$') {
        return false;
    }
    if body.iter().all(|b| b.is_ascii_digit()) {
        let Some(r) = row_value(body) else { return false };
        out.push(MARK);
        out.push(TAG_ROW | abs as u8);
        push_i32(out, if abs { (r - 1) as i64 } else { (r - 1) as i64 - row0 as i64 });
        return true;
    }
    if let Some(c) = col_value(body) {
        out.push(MARK);
        out.push(TAG_COL | abs as u8);
        push_i32(out, if abs { c as i64 } else { c as i64 - col0 as i64 });
        return true;
    }
    false
}

/// One past the end of the quoted span opening at `bytes[i]` (a string literal or a
/// quoted sheet name; a doubled quote stays inside), or the end of the bytes.
fn quoted_end(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut i = i + 1;
    while let Some(k) = memchr::memchr(quote, &bytes[i..]) {
        i += k + 1;
        if bytes.get(i) != Some(&quote) {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// One past the `]` closing the bracketed span opening at `bytes[i]` (structured
/// references, external-book indexes; nesting aware, `'` escapes the next byte), or the
/// end of the bytes.
fn bracket_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < bytes.len() {
        let ch = bytes[i];
        i += 1;
        if ch == b'\'' && i < bytes.len() {
            i += 1;
            continue;
        }
        if ch == b'[' {
            depth += 1;
        } else if ch == b']' {
            depth -= 1;
            if depth == 0 {
                break;
            }
        }
    }
    i
}

/// One piece of a shape key, as [`decode_key`] reads it.
enum KeyPart<'a> {
    /// Bytes copied from the formula (quoted and bracketed spans whole).
    Text(&'a [u8]),
    /// A `MARK` byte of the formula itself.
    Literal,
    /// A cell reference: offsets (or positions when absolute).
    Cell {
        row: i32,
        row_abs: bool,
        col: i32,
        col_abs: bool,
    },
    /// A whole-row / whole-column range part.
    Row {
        row: i32,
        abs: bool,
    },
    Col {
        col: i32,
        abs: bool,
    },
    /// The table an unqualified structured reference binds to.
    Table(i32),
}

/// Reads a key left to right: quoted and bracketed spans lexed as `shape_key_into` does,
/// every `MARK` outside them a tag and a fixed-size payload. False for bytes no key can
/// hold. The one reader of the encoding (`render_key`, `formula_text_at`).
fn decode_key<'a>(key: &'a [u8], f: &mut dyn FnMut(KeyPart<'a>) -> Option<()>) -> Option<()> {
    let int = |at: usize| -> Option<i32> { Some(i32::from_le_bytes(key.get(at..at + 4)?.try_into().ok()?)) };
    let mut i = 0;
    while i < key.len() {
        let start = i;
        let part = match key[i] {
            b'"' | b'\'' => {
                i = quoted_end(key, i);
                KeyPart::Text(&key[start..i])
            }
            b'[' => {
                i = bracket_end(key, i);
                KeyPart::Text(&key[start..i])
            }
            MARK => {
                let tag = *key.get(i + 1)?;
                let (part, len) = match tag {
                    TAG_LITERAL => (KeyPart::Literal, 2),
                    t if t & 0xF0 == TAG_CELL && t & 0x0C == 0 => {
                        (KeyPart::Cell { row: int(i + 2)?, row_abs: t & 1 != 0, col: int(i + 6)?, col_abs: t & 2 != 0 }, 10)
                    }
                    t if t & 0xFE == TAG_ROW => (KeyPart::Row { row: int(i + 2)?, abs: t & 1 != 0 }, 6),
                    t if t & 0xFE == TAG_COL => (KeyPart::Col { col: int(i + 2)?, abs: t & 1 != 0 }, 6),
                    TAG_TABLE => (KeyPart::Table(int(i + 2)?), 6),
                    _ => return None,
                };
                i += len;
                part
            }
            _ => {
                i += 1;
                KeyPart::Text(&key[start..i])
            }
        };
        f(part)?;
    }
    Some(())
}

/// Reads a key back as text (`R[0]C[-1]`, `R5C2`, `R[1]`, `C3`, `{table 2}`), for tests
/// and diagnostics. It is also the proof that the encoding is unambiguous (see
/// [`decode_key`]). Returns None for bytes no key can hold.
pub fn render_key(key: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(key.len() + 16);
    let rel = |v: i32, abs: bool| if abs { format!("{v}") } else { format!("[{v}]") };
    decode_key(key, &mut |part| {
        match part {
            KeyPart::Text(t) => out.extend_from_slice(t),
            KeyPart::Literal => out.push(MARK),
            KeyPart::Cell { row, row_abs, col, col_abs } => out.extend_from_slice(format!("R{}C{}", rel(row, row_abs), rel(col, col_abs)).as_bytes()),
            KeyPart::Row { row, abs } => out.extend_from_slice(format!("R{}", rel(row, abs)).as_bytes()),
            KeyPart::Col { col, abs } => out.extend_from_slice(format!("C{}", rel(col, abs)).as_bytes()),
            KeyPart::Table(t) => out.extend_from_slice(format!("{{table {t}}}").as_bytes()),
        }
        Some(())
    })?;
    String::from_utf8(out).ok()
}

/// The text of a formula written for (`row0`, `col0`) as it reads at (`row`, `col`): its
/// relative references moved by the offset, everything else verbatim (how Excel shows a
/// shared formula's other cells). None when a moved reference falls off the sheet.
pub fn formula_text_at(formula: &str, row0: u32, col0: u32, row: u32, col: u32) -> Option<String> {
    if (row, col) == (row0, col0) {
        return Some(formula.to_string());
    }
    let key = shape_key(formula, row0, col0);
    let mut out = Vec::with_capacity(key.len() + 16);
    let place = |v: i32, abs: bool, base: u32, max: u32| -> Option<u32> {
        let p = if abs { v as i64 } else { base as i64 + v as i64 };
        (0..max as i64).contains(&p).then_some(p as u32)
    };
    let dollar = |abs: bool| if abs { "$" } else { "" };
    let letters = crate::address::column_name;
    decode_key(&key, &mut |part| {
        let text = match part {
            KeyPart::Text(t) => {
                out.extend_from_slice(t);
                return Some(());
            }
            KeyPart::Literal => (MARK as char).to_string(),
            KeyPart::Cell { row: r, row_abs, col: c, col_abs } => {
                let (r, c) = (place(r, row_abs, row, MAX_ROWS)?, place(c, col_abs, col, MAX_COLS)?);
                format!("{}{}{}{}", dollar(col_abs), letters(c), dollar(row_abs), r + 1)
            }
            KeyPart::Row { row: r, abs } => format!("{}{}", dollar(abs), place(r, abs, row, MAX_ROWS)? + 1),
            KeyPart::Col { col: c, abs } => format!("{}{}", dollar(abs), letters(place(c, abs, col, MAX_COLS)?)),
            // shape_key never writes a table scope (only the compiler's keying does).
            KeyPart::Table(_) => return None,
        };
        out.extend_from_slice(text.as_bytes());
        Some(())
    })?;
    String::from_utf8(out).ok()
}

/// A piece of a formula template (see [`formula_template`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    /// Text as Excel shows it (the file format's function prefixes removed).
    Text(String),
    /// A reference token: `kind` bit 1 it has a row, 2 a column, 4 the row is absolute,
    /// 8 the column is absolute; `row`/`col` are zero-based positions when absolute,
    /// offsets from the formula's cell when relative (`A:C` is two column-only tokens).
    Ref { kind: u8, row: i32, col: i32 },
}

/// The formula written for (`row0`, `col0`) as a template every cell of its shape renders
/// itself from: the text Excel shows (with `=`), its A1 reference tokens cut out as
/// positions or offsets. What the engine's explain index stores per shape, so a
/// million copies of a formula cost one template (`formula_text_at` gives one cell's
/// text; this is the same reading of the key, kept for all cells at once).
pub fn formula_template(formula: &str, row0: u32, col0: u32) -> Option<Vec<TemplatePart>> {
    let key = shape_key(formula, row0, col0);
    let mut parts = Vec::new();
    let mut text: Vec<u8> = vec![b'='];
    let flush = |text: &mut Vec<u8>, parts: &mut Vec<TemplatePart>| {
        if !text.is_empty() {
            let plain = String::from_utf8_lossy(text).into_owned();
            // display_formula adds its own `=`: drop it.
            parts.push(TemplatePart::Text(display_formula(&plain)[1..].to_string()));
            text.clear();
        }
    };
    decode_key(&key, &mut |part| {
        let (kind, row, col) = match part {
            KeyPart::Text(t) => {
                text.extend_from_slice(t);
                return Some(());
            }
            KeyPart::Literal => {
                text.push(MARK);
                return Some(());
            }
            KeyPart::Cell { row, row_abs, col, col_abs } => (3 | (row_abs as u8) << 2 | (col_abs as u8) << 3, row, col),
            KeyPart::Row { row, abs } => (1 | (abs as u8) << 2, row, 0),
            KeyPart::Col { col, abs } => (2 | (abs as u8) << 3, 0, col),
            KeyPart::Table(_) => return None,
        };
        flush(&mut text, &mut parts);
        parts.push(TemplatePart::Ref { kind, row, col });
        Some(())
    })?;
    flush(&mut text, &mut parts);
    Some(parts)
}

/// A formula as Excel shows it in the formula bar (what FORMULATEXT returns): `=` and the
/// stored text without the file format's prefixes of newer functions and their
/// parameters (`_xlfn.`, `_xlws.`, `_xlpm.`), which Excel writes but never displays.
pub fn display_formula(text: &str) -> String {
    const PREFIXES: [&[u8]; 3] = [b"_xlfn.", b"_xlws.", b"_xlpm."];
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.push(b'=');
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let start = i;
                i = quoted_end(bytes, i);
                out.extend_from_slice(&bytes[start..i]);
            }
            b'[' => {
                let start = i;
                i = bracket_end(bytes, i).min(bytes.len());
                out.extend_from_slice(&bytes[start..i]);
            }
            b'_' if PREFIXES.iter().any(|p| bytes[i..].len() >= p.len() && bytes[i..i + p.len()].eq_ignore_ascii_case(p)) => i += 6,
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Only ASCII was removed, at ASCII boundaries.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The first, plain version of the key lexer (byte at a time): the optimised one above
/// must produce the very same keys.
#[cfg(test)]
mod reference {
    use super::{col_value, push_i32, row_value, MARK, TAG_CELL, TAG_LITERAL};
    use super::{is_range_part, rewrite_line, starts_3d_span};

    /// Rewrites one identifier-like token if it is a cell reference (`$A$1`, `B3`);
    /// otherwise writes nothing and returns false.
    fn rewrite_cell(tok: &[u8], row0: u32, col0: u32, out: &mut Vec<u8>) -> bool {
        let b = tok;
        let mut i = 0;
        let col_abs = b.first() == Some(&b'$');
        if col_abs {
            i += 1;
        }
        let ls = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let letters = &b[ls..i];
        let row_abs = b.get(i) == Some(&b'$');
        if row_abs {
            i += 1;
        }
        let ds = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i != b.len() || letters.is_empty() || ds == i {
            return false;
        }
        let (Some(col), Some(row)) = (col_value(letters), row_value(&b[ds..])) else {
            return false;
        };
        let row = row - 1;
        out.push(MARK);
        out.push(TAG_CELL | row_abs as u8 | (col_abs as u8) << 1);
        push_i32(out, if row_abs { row as i64 } else { row as i64 - row0 as i64 });
        push_i32(out, if col_abs { col as i64 } else { col as i64 - col0 as i64 });
        true
    }

    /// Is `b` a byte that can continue a name/identifier token? Bytes of multi-byte UTF-8
    /// characters count as identifier bytes: every delimiter of the language is ASCII.
    fn ident_byte(b: u8) -> bool {
        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'\\' | b'$' | b'?') || b >= 0x80
    }

    /// `shape_key` into a reusable buffer (cleared first): no allocation per formula cell.
    pub fn shape_key_into(out: &mut Vec<u8>, formula: &str, row: u32, col: u32) {
        out.clear();
        let bytes = formula.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'"' | b'\'' => {
                    // Copy a string literal or quoted sheet name verbatim, with doubled quotes.
                    let start = i;
                    i += 1;
                    while i < bytes.len() {
                        if bytes[i] == c {
                            if i + 1 < bytes.len() && bytes[i + 1] == c {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            break;
                        }
                        i += 1;
                    }
                    out.extend_from_slice(&bytes[start..i]);
                }
                b'[' => {
                    // Structured references and external-book indexes: verbatim, nesting aware.
                    let start = i;
                    let mut depth = 0;
                    while i < bytes.len() {
                        let ch = bytes[i];
                        i += 1;
                        if ch == b'\'' && i < bytes.len() {
                            i += 1;
                            continue;
                        }
                        if ch == b'[' {
                            depth += 1;
                        } else if ch == b']' {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                    }
                    // `i` may sit inside a multi-byte character only if the text ends there.
                    let end = (i..=bytes.len()).find(|&e| formula.is_char_boundary(e)).unwrap_or(bytes.len());
                    out.extend_from_slice(&bytes[start..end]);
                    i = end;
                }
                c if ident_byte(c) => {
                    let start = i;
                    while i < bytes.len() && ident_byte(bytes[i]) {
                        i += 1;
                    }
                    let tok = &bytes[start..i];
                    let next = bytes.get(i).copied();
                    // Function names, sheet names (also the first of a 3D span), table names stay verbatim.
                    let verbatim = matches!(next, Some(b'(') | Some(b'!') | Some(b'[')) || starts_3d_span(bytes, i);
                    if verbatim || !rewrite_cell(tok, row, col, out) {
                        // Whole-column / whole-row parts (`A:C`, `3:5`) are relative too.
                        if !verbatim && is_range_part(bytes, start, i) && rewrite_line(tok, row, col, out) {
                            continue;
                        }
                        out.extend_from_slice(tok);
                    }
                }
                MARK => {
                    out.push(MARK);
                    out.push(TAG_LITERAL);
                    i += 1;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{push_table_scope, render_key, shape_key};

    fn rendered(formula: &str, row: u32, col: u32) -> String {
        render_key(&shape_key(formula, row, col)).expect("a key renders")
    }

    #[test]
    fn copied_formulas_share_a_shape() {
        assert_eq!(shape_key("A1+B1*2", 0, 2), shape_key("A2+B2*2", 1, 2));
        assert_eq!(shape_key("SUM($A$1:A1)", 0, 1), shape_key("SUM($A$1:A5)", 4, 1));
        assert_ne!(shape_key("SUM($A$1:A1)", 0, 1), shape_key("SUM($A$2:A2)", 1, 1));
    }

    #[test]
    fn strings_and_sheet_names_are_verbatim() {
        assert_ne!(shape_key("\"A1\"&A1", 0, 1), shape_key("\"A2\"&A2", 1, 1));
        assert_eq!(shape_key("'A1'!B1", 0, 2), shape_key("'A1'!B2", 1, 2));
        assert_ne!(shape_key("Sheet1!A1", 0, 1), shape_key("Sheet2!A2", 1, 1));
    }

    #[test]
    fn functions_and_names_are_not_references() {
        assert_eq!(shape_key("LOG10(A1)", 0, 1), shape_key("LOG10(A2)", 1, 1));
        assert_ne!(shape_key("LOG10(A1)", 0, 1), shape_key("LOG(A2)", 1, 1));
        assert_ne!(shape_key("Rate*2", 0, 0), shape_key("Rate*3", 0, 0));
        assert_eq!(shape_key("Table1[Col1]", 0, 0), shape_key("Table1[Col1]", 5, 0));
    }

    #[test]
    fn non_ascii_text_is_kept_whole() {
        assert_eq!(rendered("'Données'!A1&\"é\"", 0, 1), "'Données'!R[0]C[-1]&\"é\"");
        assert_eq!(shape_key("Prix_HT*B1", 0, 0), shape_key("Prix_HT*B2", 1, 0));
        assert_eq!(rendered("日本!A1", 0, 0), "日本!R[0]C[0]");
        assert_eq!(rendered("Table1[[#This Row],[Größe]]", 3, 3), "Table1[[#This Row],[Größe]]");
    }

    #[test]
    fn whole_columns_and_rows_are_relative() {
        assert_eq!(shape_key("SUM(B:B)", 0, 0), shape_key("SUM(C:C)", 0, 1));
        assert_eq!(shape_key("SUM(2:2)", 0, 0), shape_key("SUM(3:3)", 1, 0));
        assert_ne!(shape_key("SUM($B:$B)", 0, 0), shape_key("SUM($C:$C)", 0, 1));
        assert_eq!(rendered("SUM($B:C,3:$5)", 1, 1), "SUM(C1:C[1],R[1]:R4)");
    }

    #[test]
    fn references_read_back_with_their_offsets() {
        assert_eq!(rendered("A1+$A1+A$1+$A$1", 4, 2), "R[-4]C[-2]+R[-4]C0+R0C[-2]+R0C0");
        // The extremes of the sheet, both ways.
        assert_eq!(rendered("XFD1048576", 0, 0), "R[1048575]C[16383]");
        assert_eq!(rendered("A1", 1_048_575, 16_383), "R[-1048575]C[-16383]");
        assert_eq!(rendered("$XFD$1048576", 7, 7), "R1048575C16383");
        // Leading zeros name the same row (as the parser reads them).
        assert_eq!(shape_key("A01", 0, 0), shape_key("A1", 0, 0));
    }

    #[test]
    fn tokens_that_are_not_references_stay_verbatim() {
        for t in ["A0", "A1048577", "XFE1", "A99999999999999999999", "ABCD1", "A1B", "$A$", "R1C1x"] {
            assert_eq!(rendered(t, 3, 3), t, "{t}");
        }
        // Differently invalid tokens keep different keys.
        assert_ne!(shape_key("A0", 0, 0), shape_key("A00", 0, 0));
    }

    #[test]
    fn a_mark_byte_in_the_formula_cannot_forge_a_reference() {
        // The bytes a rewritten `A1` at (0, 0) becomes, written literally into a formula.
        let real = shape_key("A1", 0, 0);
        let forged = String::from_utf8(real.clone()).expect("control bytes are UTF-8");
        assert_ne!(shape_key(&forged, 0, 0), real);
        assert_eq!(render_key(&shape_key(&forged, 0, 0)).as_deref(), Some(forged.as_str()));
        // Inside a string literal the byte is verbatim and the literal still delimits it.
        assert_ne!(shape_key(&format!("\"{forged}\""), 0, 0), shape_key("\"\"", 0, 0));
    }

    #[test]
    fn table_scopes_tell_formulas_apart() {
        let mut a = shape_key("[@Col]*2", 3, 1);
        let mut b = a.clone();
        push_table_scope(&mut a, 0);
        push_table_scope(&mut b, 1);
        assert_ne!(a, b);
        assert_eq!(render_key(&a).as_deref(), Some("[@Col]*2{table 0}"));
    }

    #[test]
    fn keys_are_equal_exactly_when_the_readable_forms_are() {
        // Pairs of (formula, row, col): every pair's keys compared with their renderings.
        let cases: &[(&str, u32, u32)] = &[
            ("A1+1", 0, 0),
            ("B2+1", 1, 1),
            ("A1+1", 1, 1),
            ("$A1+1", 1, 1),
            ("\"x\"&A1", 0, 0),
            ("\"x\"\"\"&A1", 0, 0),
            ("'S 1'!A1", 0, 0),
            ("'S 1'!B2", 1, 1),
            ("S1:S3!A1", 0, 0),
            ("SUM(A:A)", 0, 0),
            ("SUM(B:B)", 0, 1),
            ("[1]Sheet1!A1", 0, 0),
            ("Table1[[#Headers],[a']b]]", 0, 0),
            ("LOG10(A1)", 0, 0),
            ("A1:B2", 0, 0),
            ("B2:C3", 1, 1),
        ];
        for &(f1, r1, c1) in cases {
            for &(f2, r2, c2) in cases {
                let (k1, k2) = (shape_key(f1, r1, c1), shape_key(f2, r2, c2));
                assert_eq!(k1 == k2, render_key(&k1) == render_key(&k2), "{f1} at ({r1},{c1}) vs {f2} at ({r2},{c2})");
            }
        }
    }

    /// The optimised lexer against the plain reference, on formulas built at random
    /// from tokens that exercise every branch (references at the limits, quotes, brackets,
    /// 3D spans, whole lines, mark bytes, non-ASCII, unterminated spans).
    #[test]
    fn the_fast_lexer_writes_the_reference_keys() {
        const PIECES: &[&str] = &[
            "A1",
            "$A$1",
            "a1",
            "$b2",
            "C$3",
            "XFD1048576",
            "XFE1",
            "A1048577",
            "A0",
            "A01",
            "ABCD1",
            "R1C1",
            "SUM(",
            "LOG10(",
            ")",
            ",",
            ":",
            "+",
            "-",
            "*",
            "/",
            "^",
            "&",
            "=",
            "<>",
            " ",
            "(",
            "%",
            "{1,2;3,4}",
            "\"A1\"",
            "\"x\"\"y\"",
            "\"",
            "'Sheet 1'!",
            "'it''s'!",
            "'",
            "Sheet1!",
            "Sheet1:Sheet3!",
            "S1:",
            "[1]",
            "Table1[Col]",
            "[@Col]",
            "[[#This Row],[a']b]]",
            "[",
            "]",
            "B:B",
            "$C:$D",
            "3:5",
            "$7:8",
            "1.5E+3",
            "0.01",
            "TRUE",
            "_xlfn.X",
            "Name",
            "é",
            "日本",
            "\u{1}",
            "\u{1}\u{10}",
            "?",
            "\\",
            "!",
            "#REF!",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut fast, mut plain) = (Vec::new(), Vec::new());
        for _ in 0..50_000 {
            let len = 1 + (next() % 12) as usize;
            let text: String = (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
            let (row, col) = match next() % 4 {
                0 => (0, 0),
                1 => (1_048_575, 16_383),
                _ => ((next() % 1_048_576) as u32, (next() % 16_384) as u32),
            };
            super::shape_key_into(&mut fast, &text, row, col);
            super::reference::shape_key_into(&mut plain, &text, row, col);
            assert_eq!(fast, plain, "{text:?} at ({row}, {col})");
        }
    }

    #[test]
    fn keyed_runs_dedupe_in_order_and_skip_unused_texts() {
        let texts: crate::model::FormulaTexts = ["A1*2", "B7", "A2*2", "[@C]", "[@C]", "A9*2"].into_iter().collect();
        let origins = [Some((0, 1)), None, Some((1, 1)), Some((0, 0)), Some((5, 0)), Some((8, 1))];
        // Texts 3 and 4 are in different tables.
        let scope = |_: &str, (row, _): (u32, u32)| Some(if row < 3 { 0 } else { 1 });
        let k = super::key_texts(0, &texts, &origins, &scope);
        assert_eq!(k.ids, vec![0, u32::MAX, 0, 1, 2, 0]);
        assert_eq!(k.distinct.iter().map(|(_, t)| *t).collect::<Vec<_>>(), vec![0, 3, 4]);
        assert_eq!(&*k.distinct[0].0, shape_key("A1*2", 0, 1).as_slice());
        // A later run: text indices are absolute.
        let k = super::key_texts(2, &texts, &origins[2..3], &scope);
        assert_eq!((k.ids, k.distinct[0].1), (vec![0], 2));
    }

    #[test]
    fn a_formula_reads_moved_at_another_cell() {
        use super::formula_text_at;
        // Written for B3 (row 2, col 1): relative parts move, absolute parts stay.
        let f = "SUM(A1:A2)+$C$1*Sheet2!B$5-'My sheet'!$D4&\"A1\"+COUNT(C:C, 3:3, $E:$E)";
        assert_eq!(formula_text_at(f, 2, 1, 2, 1).as_deref(), Some(f));
        assert_eq!(formula_text_at(f, 2, 1, 4, 2).as_deref(), Some("SUM(B3:B4)+$C$1*Sheet2!C$5-'My sheet'!$D6&\"A1\"+COUNT(D:D, 5:5, $E:$E)"));
        // Function names and sheet names that look like cells stay as they are.
        assert_eq!(formula_text_at("LOG10(A1)+AB1!C1", 0, 0, 1, 0).as_deref(), Some("LOG10(A2)+AB1!C2"));
        // Moved off the sheet: no text.
        assert_eq!(formula_text_at("A1+1", 5, 5, 0, 5), None);
    }

    #[test]
    fn a_template_renders_every_cell_of_its_shape() {
        use super::{display_formula, formula_template, formula_text_at, TemplatePart};
        // How the explain index's reader renders a template at a cell.
        fn render(parts: &[TemplatePart], row: u32, col: u32) -> String {
            let place = |v: i32, abs: bool, base: u32| if abs { v as i64 } else { base as i64 + v as i64 };
            let mut out = String::new();
            for p in parts {
                match p {
                    TemplatePart::Text(t) => out.push_str(t),
                    TemplatePart::Ref { kind, row: r, col: c } => {
                        if kind & 2 != 0 {
                            out.push_str(if kind & 8 != 0 { "$" } else { "" });
                            out.push_str(&crate::address::column_name(place(*c, kind & 8 != 0, col) as u32));
                        }
                        if kind & 1 != 0 {
                            out.push_str(if kind & 4 != 0 { "$" } else { "" });
                            out.push_str(&(place(*r, kind & 4 != 0, row) + 1).to_string());
                        }
                    }
                }
            }
            out
        }
        let f = "_xlfn.XLOOKUP(A1,Sheet2!B$5:B9,'My sheet'!$D4)&\"A1\"+COUNT(C:C, 3:3, $E:$E)";
        let t = formula_template(f, 2, 1).expect("a template");
        for (row, col) in [(2, 1), (4, 2), (10, 7)] {
            let expected = display_formula(&formula_text_at(f, 2, 1, row, col).expect("on the sheet"));
            assert_eq!(render(&t, row, col), expected);
        }
        assert_eq!(render(&t, 4, 2), "=XLOOKUP(B3,Sheet2!C$5:C11,'My sheet'!$D6)&\"A1\"+COUNT(D:D, 5:5, $E:$E)");
    }

    #[test]
    fn formulas_display_without_the_file_prefixes() {
        use super::display_formula;
        assert_eq!(display_formula("_xlfn.BETA.INV(G10,B10)"), "=BETA.INV(G10,B10)");
        assert_eq!(display_formula("_xlfn._xlws.SORT(A1:A3)"), "=SORT(A1:A3)");
        assert_eq!(display_formula("_xlfn.LET(_xlpm.x,2,_xlpm.x*3)"), "=LET(x,2,x*3)");
        // Inside a string or a quoted sheet name, nothing is removed.
        assert_eq!(display_formula("\"_xlfn.\"&'_xlfn.x'!A1"), "=\"_xlfn.\"&'_xlfn.x'!A1");
        assert_eq!(display_formula("SIN(1/16)"), "=SIN(1/16)");
    }
}
