//! Formula shapes: the R1C1 form of a formula, where relative references are offsets
//! from the formula's cell.
//!
//! Real models are mostly copied formulas: a million formula cells are typically a few
//! thousand shapes. The shape key is computed *lexically*, without parsing, so each
//! distinct shape is parsed and bound once. The key must never merge two formulas that
//! mean different things: string literals, quoted sheet names and bracketed parts are
//! kept verbatim, and only tokens that are cell references in A1 notation (not followed
//! by `(` or `!`) are rewritten, with a marker byte that cannot occur outside strings.

use std::fmt::Write;

/// Marker that opens a rewritten reference in a shape key.
const MARK: char = '\u{1}';

fn col_value(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut v: u32 = 0;
    for b in letters.bytes() {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        v = v * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32;
    }
    if v > 16_384 {
        None
    } else {
        Some(v - 1)
    }
}

/// Rewrites one identifier-like token if it is a cell reference (`$A$1`, `B3`), a
/// column (`A`, `$C`) or row (`3`, `$5`) part of a range; otherwise returns None.
fn rewrite_cell(tok: &str, row0: u32, col0: u32, out: &mut String) -> bool {
    let b = tok.as_bytes();
    let mut i = 0;
    let col_abs = b.first() == Some(&b'$');
    if col_abs {
        i += 1;
    }
    let ls = i;
    while i < b.len() && b[i].is_ascii_alphabetic() {
        i += 1;
    }
    let letters = &tok[ls..i];
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
    let (Some(col), Ok(row)) = (col_value(letters), tok[ds..].parse::<u32>()) else {
        return false;
    };
    if row == 0 || row > 1_048_576 {
        return false;
    }
    let row = row - 1;
    out.push(MARK);
    if row_abs {
        let _ = write!(out, "R{row}");
    } else {
        let _ = write!(out, "R[{}]", row as i64 - row0 as i64);
    }
    if col_abs {
        let _ = write!(out, "C{col}");
    } else {
        let _ = write!(out, "C[{}]", col as i64 - col0 as i64);
    }
    true
}

/// Is `b` a byte that can continue a name/identifier token? Bytes of multi-byte UTF-8
/// characters count as identifier bytes: every delimiter of the language is ASCII.
fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'\\' | b'$' | b'?') || b >= 0x80
}

/// The shape key of `formula` written for the cell at (`row`, `col`).
///
/// Works on bytes (the hot loop of the parse phase: it runs once per formula cell).
pub fn shape_key(formula: &str, row: u32, col: u32) -> String {
    let mut out = String::with_capacity(formula.len() + 8);
    shape_key_into(&mut out, formula, row, col);
    out
}

/// `shape_key` into a reusable buffer (cleared first): no allocation per formula cell.
pub fn shape_key_into(out: &mut String, formula: &str, row: u32, col: u32) {
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
                out.push_str(&formula[start..i]);
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
                out.push_str(&formula[start..end]);
                i = end;
            }
            c if ident_byte(c) => {
                let start = i;
                while i < bytes.len() && ident_byte(bytes[i]) {
                    i += 1;
                }
                let tok = &formula[start..i];
                let next = bytes.get(i).copied();
                // Function names, sheet names (also the first of a 3D span), table names stay verbatim.
                let verbatim = matches!(next, Some(b'(') | Some(b'!') | Some(b'[')) || starts_3d_span(bytes, i);
                if verbatim || !rewrite_cell(tok, row, col, out) {
                    // Whole-column / whole-row parts (`A:C`, `3:5`) are relative too.
                    if !verbatim && is_range_part(bytes, start, i) && rewrite_line(tok, row, col, out) {
                        continue;
                    }
                    out.push_str(tok);
                }
            }
            _ => {
                out.push(c as char);
                i += 1;
            }
        }
    }
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
fn rewrite_line(tok: &str, row0: u32, col0: u32, out: &mut String) -> bool {
    let abs = tok.starts_with('$');
    let body = tok.trim_start_matches('$');
    if body.is_empty() || body.contains('$') {
        return false;
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        let Ok(r) = body.parse::<u32>() else { return false };
        if r == 0 || r > 1_048_576 {
            return false;
        }
        out.push(MARK);
        if abs {
            let _ = write!(out, "R{}", r - 1);
        } else {
            let _ = write!(out, "R[{}]", (r - 1) as i64 - row0 as i64);
        }
        return true;
    }
    if let Some(c) = col_value(body) {
        out.push(MARK);
        if abs {
            let _ = write!(out, "C{c}");
        } else {
            let _ = write!(out, "C[{}]", c as i64 - col0 as i64);
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::shape_key;

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
        assert_eq!(shape_key("'Données'!A1&\"é\"", 0, 1), "'Données'!\u{1}R[0]C[-1]&\"é\"");
        assert_eq!(shape_key("Prix_HT*B1", 0, 0), shape_key("Prix_HT*B2", 1, 0));
        assert_eq!(shape_key("日本!A1", 0, 0), "日本!\u{1}R[0]C[0]");
        assert_eq!(shape_key("Table1[[#This Row],[Größe]]", 3, 3), "Table1[[#This Row],[Größe]]");
    }

    #[test]
    fn whole_columns_and_rows_are_relative() {
        assert_eq!(shape_key("SUM(B:B)", 0, 0), shape_key("SUM(C:C)", 0, 1));
        assert_eq!(shape_key("SUM(2:2)", 0, 0), shape_key("SUM(3:3)", 1, 0));
        assert_ne!(shape_key("SUM($B:$B)", 0, 0), shape_key("SUM($C:$C)", 0, 1));
    }
}
