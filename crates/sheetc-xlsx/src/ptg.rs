//! The formula decompiler of the binary formats: a parsed formula (`rgce`, Excel's token
//! stream in reverse Polish order, and `rgcb`, the extra data of its array constants)
//! back to the formula text the compiler parses, as `.xlsx` stores it (`SUM(A1:B2)*2`).
//! One decoder for both binary formats: BIFF8 (`.xls`, [MS-XLS] 2.5.198) and BIFF12
//! (`.xlsb`, [MS-XLSB] 2.5.97) share the tokens and differ in field widths.
//!
//! Why not calamine's decompiler: it has none that covers what a model holds. Its `.xlsb`
//! one panics on a token cut short (it slices without checking), swaps the `$` of rows
//! and columns, writes every 3D reference absolute, reads a `tAttrChoose` (CHOOSE's jump
//! table) as 10 bytes whatever its length, drops array constants (`{1,2}` becomes
//! nothing), cannot read the relative tokens of shared formulas (`PtgRefN`/`PtgAreaN`)
//! nor `PtgMemArea`/`PtgList`, and reads function number 485 past its table. Its cell
//! readers return formulas and values in two separate passes with no shared or array
//! formulas. So the binary readers here walk the records themselves and call this.
//!
//! Bounds: every read is checked (a token cut short is an error, never a panic), the
//! token stream is walked once without recursion, and the text is capped.

use std::fmt::Write as _;

use crate::ftab::FTAB;

/// Which binary format the tokens come from (their field widths differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Biff {
    /// `.xls`: rows 16-bit (65,536), columns 8-bit (256).
    V8,
    /// `.xlsb`: rows 32-bit (1,048,576), columns 14-bit (16,384).
    V12,
}

impl Biff {
    fn rows(self) -> u32 {
        match self {
            Biff::V8 => 65_536,
            Biff::V12 => 1_048_576,
        }
    }
    fn cols(self) -> u32 {
        match self {
            Biff::V8 => 256,
            Biff::V12 => 16_384,
        }
    }
}

/// What an external-sheet index (`ixti`, the `XTI` array of `EXTERNSHEET`/`BrtExternSheet`)
/// points at, as the prefix of a reference.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Xti {
    /// Sheets of this workbook, first..=last (one sheet when equal).
    Sheets(String, String),
    /// The workbook itself (a name's scope, no sheet).
    Workbook,
    /// A sheet of external workbook `n` (1-based, as `.xlsx` writes `[n]Sheet`).
    External(u32, String, String),
    /// A deleted sheet or an unknown target: references through it are `#REF!`.
    Invalid,
}

/// The workbook facts a formula's tokens refer to.
pub(crate) struct Context<'a> {
    pub(crate) biff: Biff,
    pub(crate) xti: &'a [Xti],
    /// Defined names in file order (`PtgName` is 1-based into it).
    pub(crate) names: &'a [String],
    /// `PtgNameX`: (ixti, 1-based index) → the name (an add-in function such as
    /// `_xlfn.IFS`, or an external workbook's name).
    pub(crate) extern_name: &'a dyn Fn(u16, u32) -> Option<String>,
    /// `PtgList` (`.xlsb` tables): table id → (table name, column names).
    pub(crate) table: &'a dyn Fn(u32) -> Option<(String, Vec<String>)>,
}

/// The decoder's refusal: the formula uses a token this reader does not decode, or the
/// bytes are damaged. The cell keeps Excel's stored value (see [`undecodable`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(pub(crate) String);

/// The most formula text one cell may produce. Excel's own limit is 8,192 characters;
/// a token stream of a few kilobytes cannot honestly need a megabyte.
const MAX_TEXT: usize = 1 << 20;
/// The longest token stream read (Excel writes far less; a hostile length is refused).
pub(crate) const MAX_RGCE: usize = 1 << 20;

/// The formula text stored for a cell whose tokens could not be decoded: a call of a
/// function no runtime has, so the compiler reports the cell (unsupported function,
/// with its name saying why) and keeps the value Excel stored, never a guess.
pub(crate) fn undecodable(why: &DecodeError) -> String {
    if std::env::var_os("SHEETC_DEBUG_PTG").is_some() {
        eprintln!("undecodable formula: {}", why.0);
    }
    "SHEETC.UNDECODABLE.FORMULA()".to_string()
}

/// Operator precedences, loosest first, for the parentheses the text needs.
mod prec {
    pub const CMP: u8 = 1;
    pub const CONCAT: u8 = 2;
    pub const ADD: u8 = 3;
    pub const MUL: u8 = 4;
    pub const POW: u8 = 5;
    pub const PERCENT: u8 = 6;
    pub const UNARY: u8 = 7;
    pub const UNION: u8 = 8;
    pub const ISECT: u8 = 9;
    pub const RANGE: u8 = 10;
    pub const ATOM: u8 = 11;
}

struct Item {
    text: String,
    prec: u8,
}

impl Item {
    fn atom(text: String) -> Item {
        Item { text, prec: prec::ATOM }
    }
    /// As a function's argument: only a union (`A1,B1`) needs parentheses there.
    fn argument(self) -> String {
        if self.prec == prec::UNION {
            format!("({})", self.text)
        } else {
            self.text
        }
    }
    fn wrapped(self, min: u8) -> String {
        if self.prec < min {
            format!("({})", self.text)
        } else {
            self.text
        }
    }
}

/// A bounds-checked little-endian reader over a byte slice.
pub(crate) struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len()).ok_or_else(|| DecodeError("a token is cut short".into()))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn f64(&mut self) -> Result<f64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }
    /// A row: 16-bit in BIFF8, 32-bit in BIFF12.
    fn row(&mut self, biff: Biff) -> Result<u32, DecodeError> {
        match biff {
            Biff::V8 => Ok(self.u16()? as u32),
            Biff::V12 => self.u32(),
        }
    }
    /// UTF-16LE text of `n` code units.
    pub(crate) fn utf16(&mut self, n: usize) -> Result<String, DecodeError> {
        let b = self.take(n.checked_mul(2).ok_or_else(|| DecodeError("a string is too long".into()))?)?;
        Ok(char::decode_utf16(b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))).map(|r| r.unwrap_or('\u{FFFD}')).collect())
    }
    /// BIFF8 string body: `n` characters, one byte each (Latin-1, "compressed") or two.
    pub(crate) fn biff8_chars(&mut self, n: usize, wide: bool) -> Result<String, DecodeError> {
        if wide {
            self.utf16(n)
        } else {
            Ok(self.take(n)?.iter().map(|&b| b as char).collect())
        }
    }
}

/// An error code byte ([MS-XLS] 2.5.10 BErr) as Excel writes the literal.
pub(crate) fn error_literal(code: u8) -> Option<&'static str> {
    Some(match code {
        0x00 => "#NULL!",
        0x07 => "#DIV/0!",
        0x0F => "#VALUE!",
        0x17 => "#REF!",
        0x1D => "#NAME?",
        0x24 => "#NUM!",
        0x2A => "#N/A",
        0x2B => "#GETTING_DATA",
        _ => return None,
    })
}

/// A number as Excel writes it in a formula: the shortest text that reads back the same.
pub(crate) fn number_text(v: f64) -> String {
    if !v.is_finite() {
        return "#NUM!".to_string();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-5..1e15).contains(&a) {
        // `1.5e300` → `1.5E+300`, `1e-7` → `1E-7`.
        let s = format!("{v:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}E+{e}"),
            Some((m, e)) => format!("{m}E{e}"),
            None => s,
        }
    } else {
        format!("{v}")
    }
}

/// A string literal with its quotes doubled.
fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// A sheet name as a reference prefix needs it: quoted unless it is a plain word that
/// cannot be read as anything else (a cell, a number, a boolean, R1C1).
pub(crate) fn quote_sheet(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && !looks_like_reference(name);
    if plain {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// Whether a word reads as an A1 cell (`AB12`), an R1C1 reference, or a boolean.
fn looks_like_reference(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper == "TRUE" || upper == "FALSE" {
        return true;
    }
    let letters = upper.bytes().take_while(|b| b.is_ascii_uppercase()).count();
    let rest = &upper[letters..];
    if (1..=3).contains(&letters) && !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    // R, C, R1, C1, R1C1, RC...
    let b = upper.as_bytes();
    let mut i = 0;
    let mut saw = false;
    for letter in [b'R', b'C'] {
        if i < b.len() && b[i] == letter {
            saw = true;
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    saw && i == b.len()
}

fn column_letters(mut c: u32, out: &mut String) {
    let mut buf = [0u8; 4];
    let mut n = 0;
    loop {
        buf[n] = b'A' + (c % 26) as u8;
        n += 1;
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    for &b in buf[..n].iter().rev() {
        out.push(b as char);
    }
}

/// One end of a reference: the position and whether each part is relative.
#[derive(Clone, Copy)]
struct Loc {
    row: u32,
    col: u32,
    row_rel: bool,
    col_rel: bool,
}

fn push_loc(out: &mut String, l: Loc) {
    if !l.col_rel {
        out.push('$');
    }
    column_letters(l.col, out);
    if !l.row_rel {
        out.push('$');
    }
    let _ = write!(out, "{}", l.row + 1);
}

fn area_text(biff: Biff, a: Loc, b: Loc) -> String {
    let mut out = String::new();
    let whole_cols = a.row == 0 && b.row == biff.rows() - 1;
    let whole_rows = a.col == 0 && b.col == biff.cols() - 1;
    if whole_cols && !whole_rows {
        // `A:C`: every row of the columns (in .xls, rows 1-65,536, which Excel reads as whole columns).
        for (i, l) in [a, b].into_iter().enumerate() {
            if i == 1 {
                out.push(':');
            }
            if !l.col_rel {
                out.push('$');
            }
            column_letters(l.col, &mut out);
        }
    } else if whole_rows && !whole_cols {
        for (i, l) in [a, b].into_iter().enumerate() {
            if i == 1 {
                out.push(':');
            }
            if !l.row_rel {
                out.push('$');
            }
            let _ = write!(out, "{}", l.row + 1);
        }
    } else {
        push_loc(&mut out, a);
        out.push(':');
        push_loc(&mut out, b);
    }
    out
}

/// Reads a column field (`ColRelU`): 14 bits of column, then colRelative, rowRelative.
fn col_field(v: u16) -> (u32, bool, bool) {
    ((v & 0x3FFF) as u32, v & 0x4000 != 0, v & 0x8000 != 0)
}

struct Decoder<'c, 'a> {
    ctx: &'c Context<'a>,
    base: (u32, u32),
}

impl Decoder<'_, '_> {
    /// A location read from a row and a column field; in relative tokens the relative
    /// parts are offsets from `base`, wrapped around the grid as Excel does.
    fn loc(&self, row: u32, colf: u16, relative_token: bool) -> Loc {
        let biff = self.ctx.biff;
        let (c, col_rel, row_rel) = col_field(colf);
        let (mut row, mut col) = (row, c);
        if relative_token {
            if row_rel {
                let off = match biff {
                    Biff::V8 => row as u16 as i16 as i64,
                    Biff::V12 => row as i32 as i64,
                };
                row = (self.base.0 as i64 + off).rem_euclid(biff.rows() as i64) as u32;
            }
            if col_rel {
                let off = match biff {
                    Biff::V8 => c as u8 as i8 as i64,
                    Biff::V12 => (((c << 18) as i32) >> 18) as i64,
                };
                col = (self.base.1 as i64 + off).rem_euclid(biff.cols() as i64) as u32;
            }
        }
        Loc { row: row.min(biff.rows() - 1), col: col.min(biff.cols() - 1), row_rel, col_rel }
    }

    fn sheet_prefix(&self, ixti: u16) -> Option<String> {
        match self.ctx.xti.get(ixti as usize) {
            Some(Xti::Sheets(a, b)) if a == b => Some(format!("{}!", quote_sheet(a))),
            Some(Xti::Sheets(a, b)) => {
                let both = format!("{a}:{b}");
                if quote_sheet(a).starts_with('\'') || quote_sheet(b).starts_with('\'') {
                    Some(format!("'{}'!", both.replace('\'', "''")))
                } else {
                    Some(format!("{both}!"))
                }
            }
            Some(Xti::External(n, a, b)) => {
                let sheets = if a == b { a.clone() } else { format!("{a}:{b}") };
                let inner = format!("[{n}]{sheets}");
                if quote_sheet(&sheets).starts_with('\'') {
                    Some(format!("'{}'!", inner.replace('\'', "''")))
                } else {
                    Some(format!("{inner}!"))
                }
            }
            Some(Xti::Workbook) => Some(String::new()),
            Some(Xti::Invalid) | None => None,
        }
    }
}

/// Decodes one formula. `base` is the cell the formula is written for: the relative
/// tokens (`PtgRefN`/`PtgAreaN`, in shared formulas and names) are offsets from it;
/// the others hold positions.
pub(crate) fn decode(rgce: &[u8], rgcb: &[u8], ctx: &Context<'_>, base: (u32, u32)) -> Result<String, DecodeError> {
    if rgce.len() > MAX_RGCE {
        return Err(DecodeError(format!("the formula's tokens take {} bytes", rgce.len())));
    }
    let d = Decoder { ctx, base };
    let biff = ctx.biff;
    let mut r = Bytes::new(rgce);
    let mut extra = Bytes::new(rgcb);
    let mut stack: Vec<Item> = Vec::new();
    let mut text_len = 0usize;
    let pop = |stack: &mut Vec<Item>| stack.pop().ok_or_else(|| DecodeError("an operator has no operand".into()));
    while r.remaining() > 0 {
        let ptg = r.u8()?;
        match ptg {
            0x01 => {
                // PtgExp: the cell belongs to a shared or array formula (read by the caller).
                return Err(DecodeError("PtgExp inside a formula".into()));
            }
            0x02 => return Err(DecodeError("a data table (TABLE) formula".into())),
            0x03..=0x11 => {
                let right = pop(&mut stack)?;
                let left = pop(&mut stack)?;
                let (op, p, right_min) = match ptg {
                    0x03 => ("+", prec::ADD, prec::ADD + 1),
                    0x04 => ("-", prec::ADD, prec::ADD + 1),
                    0x05 => ("*", prec::MUL, prec::MUL + 1),
                    0x06 => ("/", prec::MUL, prec::MUL + 1),
                    0x07 => ("^", prec::POW, prec::POW + 1),
                    0x08 => ("&", prec::CONCAT, prec::CONCAT + 1),
                    0x09 => ("<", prec::CMP, prec::CMP + 1),
                    0x0A => ("<=", prec::CMP, prec::CMP + 1),
                    0x0B => ("=", prec::CMP, prec::CMP + 1),
                    0x0C => (">=", prec::CMP, prec::CMP + 1),
                    0x0D => (">", prec::CMP, prec::CMP + 1),
                    0x0E => ("<>", prec::CMP, prec::CMP + 1),
                    0x0F => (" ", prec::ISECT, prec::ISECT + 1),
                    0x10 => (",", prec::UNION, prec::UNION + 1),
                    _ => (":", prec::RANGE, prec::RANGE + 1),
                };
                let mut text = left.wrapped(p);
                text.push_str(op);
                text.push_str(&right.wrapped(right_min));
                stack.push(Item { text, prec: p });
            }
            0x12 | 0x13 => {
                let v = pop(&mut stack)?;
                let sign = if ptg == 0x12 { "+" } else { "-" };
                stack.push(Item { text: format!("{sign}{}", v.wrapped(prec::UNARY)), prec: prec::UNARY });
            }
            0x14 => {
                let v = pop(&mut stack)?;
                stack.push(Item { text: format!("{}%", v.wrapped(prec::PERCENT)), prec: prec::PERCENT });
            }
            0x15 => {
                let v = pop(&mut stack)?;
                stack.push(Item::atom(format!("({})", v.text)));
            }
            0x16 => stack.push(Item::atom(String::new())),
            0x17 => {
                let s = match biff {
                    Biff::V8 => {
                        let n = r.u8()? as usize;
                        let wide = r.u8()? & 1 != 0;
                        r.biff8_chars(n, wide)?
                    }
                    Biff::V12 => {
                        let n = r.u16()? as usize;
                        r.utf16(n)?
                    }
                };
                stack.push(Item::atom(string_literal(&s)));
            }
            0x18 => {
                // Extended tokens (BIFF12): PtgList (tables) and PtgSxName.
                let eptg = r.u8()?;
                match (biff, eptg) {
                    (Biff::V12, 0x19) => stack.push(Item::atom(d.list(&mut r)?)),
                    _ => return Err(DecodeError(format!("extended token 0x{eptg:02X}"))),
                }
            }
            0x19 => {
                let kind = r.u8()?;
                match kind {
                    0x04 => {
                        // tAttrChoose: a jump table of (count + 1) offsets.
                        let n = r.u16()? as usize;
                        r.take((n + 1) * 2)?;
                    }
                    0x10 => {
                        // tAttrSum: SUM with one argument.
                        r.u16()?;
                        let v = pop(&mut stack)?;
                        stack.push(Item::atom(format!("SUM({})", v.argument())));
                    }
                    _ => {
                        // Spaces, jumps of IF/CHOOSE, volatility: no text.
                        r.u16()?;
                    }
                }
            }
            0x1C => {
                let code = r.u8()?;
                let lit = error_literal(code).ok_or_else(|| DecodeError(format!("error code 0x{code:02X}")))?;
                stack.push(Item::atom(lit.to_string()));
            }
            0x1D => {
                let b = r.u8()?;
                stack.push(Item::atom(if b != 0 { "TRUE" } else { "FALSE" }.to_string()));
            }
            0x1E => {
                let v = r.u16()?;
                stack.push(Item::atom(v.to_string()));
            }
            0x1F => {
                let v = r.f64()?;
                let text = number_text(v);
                stack.push(Item::atom(text));
            }
            _ if (0x20..0x80).contains(&ptg) => {
                let base = (ptg & 0x1F) | 0x20;
                let item = d.operand(base, &mut r, &mut extra, &mut stack)?;
                if let Some(item) = item {
                    stack.push(item);
                }
            }
            _ => return Err(DecodeError(format!("token 0x{ptg:02X}"))),
        }
        if let Some(top) = stack.last() {
            text_len = text_len.max(top.text.len());
            if text_len > MAX_TEXT {
                return Err(DecodeError("the formula's text is too long".into()));
            }
        }
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(item), true) => Ok(item.text),
        _ => Err(DecodeError("the tokens do not make one expression".into())),
    }
}

impl Decoder<'_, '_> {
    /// An operand or function token (0x20-0x3F, in any of its three value classes).
    /// Returns the item to push (None when the token only consumed the stack, never).
    fn operand(&self, base: u8, r: &mut Bytes<'_>, extra: &mut Bytes<'_>, stack: &mut Vec<Item>) -> Result<Option<Item>, DecodeError> {
        let biff = self.ctx.biff;
        Ok(Some(match base {
            0x20 => {
                // PtgArray: the values follow the tokens (rgcb).
                r.take(match biff {
                    Biff::V8 => 7,
                    Biff::V12 => 14,
                })?;
                Item::atom(array_constant(biff, extra)?)
            }
            0x21 | 0x22 => {
                let (argc, index) = if base == 0x21 {
                    let index = r.u16()? as usize;
                    let argc = FTAB.get(index).map(|f| f.1).ok_or_else(|| DecodeError(format!("function number {index}")))?;
                    if argc >= 128 {
                        return Err(DecodeError(format!("function number {index} called with a fixed argument count")));
                    }
                    (argc as usize, index)
                } else {
                    let argc = r.u8()? as usize;
                    let tab = r.u16()?;
                    if tab & 0x8000 != 0 {
                        return Err(DecodeError("a macro-sheet command".into()));
                    }
                    (argc & 0x7F, (tab & 0x7FFF) as usize)
                };
                if stack.len() < argc {
                    return Err(DecodeError("a function has fewer arguments than it says".into()));
                }
                let mut args: Vec<Item> = stack.split_off(stack.len() - argc);
                let name = if index == 255 {
                    // A user-defined or newer function: the first argument is its name.
                    if args.is_empty() {
                        return Err(DecodeError("a user-defined call without a name".into()));
                    }
                    args.remove(0).text
                } else {
                    let name = FTAB.get(index).map(|f| f.0).unwrap_or("");
                    if name.is_empty() {
                        return Err(DecodeError(format!("function number {index}")));
                    }
                    name.to_string()
                };
                let mut text = name;
                text.push('(');
                for (i, a) in args.into_iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(&a.argument());
                }
                text.push(')');
                Item::atom(text)
            }
            0x23 => {
                // BIFF8 has a 16-bit index and 2 unused bytes: the same 4 bytes read as one u32.
                let index = r.u32()? & if biff == Biff::V8 { 0xFFFF } else { u32::MAX };
                let name = index.checked_sub(1).and_then(|i| self.ctx.names.get(i as usize)).ok_or_else(|| DecodeError(format!("name number {index}")))?;
                Item::atom(name.clone())
            }
            0x24 | 0x2C => {
                let row = r.row(biff)?;
                let colf = r.u16()?;
                // PtgRefN holds offsets from the cell; PtgRef the position itself.
                let rel = base == 0x2C;
                let mut out = String::new();
                push_loc(&mut out, self.loc(row, colf, rel));
                Item::atom(out)
            }
            0x25 | 0x2D => {
                let (r0, r1) = (r.row(biff)?, r.row(biff)?);
                let (c0, c1) = (r.u16()?, r.u16()?);
                let rel = base == 0x2D;
                Item::atom(area_text(biff, self.loc(r0, c0, rel), self.loc(r1, c1, rel)))
            }
            0x26 => {
                // PtgMemArea: the precomputed area of the expression that follows (its
                // rectangles are in rgcb); the expression itself is what we write.
                r.take(4)?;
                r.u16()?;
                skip_mem_extra(biff, extra)?;
                return Ok(None);
            }
            0x27 | 0x28 => {
                // PtgMemErr / PtgMemNoMem: same shape, no extra data.
                r.take(4)?;
                r.u16()?;
                return Ok(None);
            }
            0x29 => {
                // PtgMemFunc: the size of the expression that follows.
                r.u16()?;
                return Ok(None);
            }
            0x2A => {
                r.take(match biff {
                    Biff::V8 => 4,
                    Biff::V12 => 6,
                })?;
                Item::atom("#REF!".to_string())
            }
            0x2B => {
                r.take(match biff {
                    Biff::V8 => 8,
                    Biff::V12 => 12,
                })?;
                Item::atom("#REF!".to_string())
            }
            0x39 => {
                let ixti = r.u16()?;
                let index = r.u32()?;
                let name = (self.ctx.extern_name)(ixti, index).ok_or_else(|| DecodeError(format!("external name {ixti}/{index}")))?;
                Item::atom(name)
            }
            0x3A | 0x3B => {
                let ixti = r.u16()?;
                let text = if base == 0x3A {
                    let row = r.row(biff)?;
                    let colf = r.u16()?;
                    let mut out = String::new();
                    // 3D tokens always hold positions (their flags only say where `$` goes).
                    push_loc(&mut out, self.loc(row, colf, false));
                    out
                } else {
                    let (r0, r1) = (r.row(biff)?, r.row(biff)?);
                    let (c0, c1) = (r.u16()?, r.u16()?);
                    area_text(biff, self.loc(r0, c0, false), self.loc(r1, c1, false))
                };
                match self.sheet_prefix(ixti) {
                    Some(prefix) => Item::atom(format!("{prefix}{text}")),
                    None => Item::atom("#REF!".to_string()),
                }
            }
            0x3C | 0x3D => {
                let ixti = r.u16()?;
                r.take(match (base, biff) {
                    (0x3C, Biff::V8) => 4,
                    (0x3C, Biff::V12) => 6,
                    (_, Biff::V8) => 8,
                    (_, Biff::V12) => 12,
                })?;
                match self.sheet_prefix(ixti) {
                    Some(prefix) if !prefix.is_empty() => Item::atom(format!("{prefix}#REF!")),
                    _ => Item::atom("#REF!".to_string()),
                }
            }
            _ => return Err(DecodeError(format!("token 0x{base:02X}"))),
        }))
    }

    /// PtgList ([MS-XLSB] 2.5.97.52): a structured reference to a table.
    fn list(&self, r: &mut Bytes<'_>) -> Result<String, DecodeError> {
        let _ixti = r.u16()?;
        let flags = r.u16()?;
        let list = r.u32()?;
        let col_first = r.u16()? as usize;
        let col_last = r.u16()? as usize;
        let (name, columns) = (self.ctx.table)(list).ok_or_else(|| DecodeError(format!("table number {list}")))?;
        let row_type = flags & 0x1F;
        // columns: 0 = whole table, 1 = one column, 2 = a range of columns
        let col_kind = (flags >> 8) & 0x3;
        let special = match row_type {
            0x00 => None,
            0x01 => Some("#All"),
            0x02 => Some("#Headers"),
            0x04 => Some("#Data"),
            0x06 => Some("#Headers],[#Data"),
            0x08 => Some("#Totals"),
            0x0C => Some("#Data],[#Totals"),
            0x10 => Some("#This Row"),
            other => return Err(DecodeError(format!("table row kind 0x{other:02X}"))),
        };
        let col = |i: usize| -> Result<String, DecodeError> {
            let n = columns.get(i).ok_or_else(|| DecodeError(format!("table column {i}")))?;
            Ok(escape_column(n))
        };
        let cols = match col_kind {
            0 => None,
            1 => Some(format!("[{}]", col(col_first)?)),
            _ => Some(format!("[{}]:[{}]", col(col_first)?, col(col_last)?)),
        };
        Ok(match (special, cols) {
            (None, None) => format!("{name}[]"),
            (None, Some(c)) if col_kind == 1 => format!("{name}{c}"),
            (None, Some(c)) => format!("{name}[{c}]"),
            (Some(s), None) => format!("{name}[[{s}]]"),
            (Some(s), Some(c)) => format!("{name}[[{s}],{c}]"),
        })
    }
}

/// A table column name inside `[...]`: `'`, `#`, `[` and `]` are escaped with `'`.
fn escape_column(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        if matches!(ch, '\'' | '#' | '[' | ']') {
            out.push('\'');
        }
        out.push(ch);
    }
    out
}

/// Skips a PtgExtraMem (the rectangles of a PtgMemArea) in the extra data.
fn skip_mem_extra(biff: Biff, extra: &mut Bytes<'_>) -> Result<(), DecodeError> {
    match biff {
        Biff::V8 => {
            let n = extra.u16()? as usize;
            extra.take(n * 8)?;
        }
        Biff::V12 => {
            let n = extra.u32()? as usize;
            extra.take(n.checked_mul(16).ok_or_else(|| DecodeError("a token is cut short".into()))?)?;
        }
    }
    Ok(())
}

/// An array constant's values from the extra data (PtgExtraArray): `{1,2;"a",TRUE}`.
fn array_constant(biff: Biff, extra: &mut Bytes<'_>) -> Result<String, DecodeError> {
    let (rows, cols) = match biff {
        Biff::V8 => {
            let cols = extra.u8()? as usize + 1;
            let rows = extra.u16()? as usize + 1;
            (rows, cols)
        }
        Biff::V12 => (extra.u32()? as usize, extra.u32()? as usize),
    };
    // Each value takes at least 2 bytes: a count beyond what is left is a lie.
    let cells =
        rows.checked_mul(cols).filter(|&n| n <= extra.remaining() / 2 + 1).ok_or_else(|| DecodeError("an array constant is larger than its data".into()))?;
    let mut out = String::from("{");
    for i in 0..cells {
        if i > 0 {
            out.push(if i % cols == 0 { ';' } else { ',' });
        }
        let t = extra.u8()?;
        match (biff, t) {
            (Biff::V8, 0x00) => {
                extra.take(8)?;
            }
            (Biff::V8, 0x01) | (Biff::V12, 0x00) => out.push_str(&number_text(extra.f64()?)),
            (Biff::V8, 0x02) => {
                let n = extra.u16()? as usize;
                let wide = extra.u8()? & 1 != 0;
                out.push_str(&string_literal(&extra.biff8_chars(n, wide)?));
            }
            (Biff::V12, 0x01) => {
                let n = extra.u16()? as usize;
                out.push_str(&string_literal(&extra.utf16(n)?));
            }
            (Biff::V8, 0x04) => {
                let b = extra.u8()?;
                extra.take(7)?;
                out.push_str(if b != 0 { "TRUE" } else { "FALSE" });
            }
            (Biff::V12, 0x02) => {
                let b = extra.u8()?;
                out.push_str(if b != 0 { "TRUE" } else { "FALSE" });
            }
            (Biff::V8, 0x10) => {
                let e = extra.u8()?;
                extra.take(7)?;
                out.push_str(error_literal(e).ok_or_else(|| DecodeError(format!("error code 0x{e:02X}")))?);
            }
            (Biff::V12, 0x04) => {
                let e = extra.u8()?;
                extra.take(3)?;
                out.push_str(error_literal(e).ok_or_else(|| DecodeError(format!("error code 0x{e:02X}")))?);
            }
            _ => return Err(DecodeError(format!("array value type 0x{t:02X}"))),
        }
    }
    out.push('}');
    Ok(out)
}
