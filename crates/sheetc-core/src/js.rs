//! JavaScript literal encoding. Workbook text reaches generated code only through
//! these functions, as escaped string literals: quotes, backslashes, control
//! characters, `</script>`, `${`, backticks and U+2028/U+2029 can never end a literal
//! or start code.

use std::fmt::Write;

/// A JS double-quoted string literal for `s`.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // `<` escaped so `</script>` cannot close an inline script; `$` and '`' are
            // harmless in double quotes but escaped anyway for defence in depth.
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '`' => out.push_str("\\u0060"),
            '$' => out.push_str("\\u0024"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JS number literal (finite numbers only; others become NaN which the runtime maps to #NUM!).
pub fn number(n: f64) -> String {
    if n.is_finite() {
        // Both forms are the shortest digits that read back as `n`. The exponent form
        // where JavaScript itself writes one (1E300 is 301 digits written out).
        let magnitude = n.abs();
        if n != 0.0 && !(1e-6..1e21).contains(&magnitude) {
            format!("{n:e}")
        } else {
            format!("{n}")
        }
    } else {
        "NaN".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_a_literal() {
        let s = string("\"); process.exit(1); //</script>`${x}`\u{2028}\\");
        assert!(s.starts_with('"') && s.ends_with('"'));
        let inner = &s[1..s.len() - 1];
        // No unescaped quote inside.
        let bytes = inner.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'"' {
                assert_eq!(bytes[i - 1], b'\\');
            }
        }
        assert!(!inner.contains("</script>"));
        assert!(!inner.contains('\u{2028}'));
        assert!(!inner.contains('`'));
    }

    #[test]
    fn numbers_round_trip() {
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(1e300).parse::<f64>().ok(), Some(1e300));
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-1.5e-300), "-1.5e-300");
        assert_eq!(number(1234.5), "1234.5");
        assert_eq!(number(-0.0), "-0");
        for n in [f64::MAX, f64::MIN_POSITIVE, 5e-324, 1e21, 123456789012345680000.0, 0.000001, 1e-7] {
            assert_eq!(number(n).parse::<f64>().ok(), Some(n), "{n}");
        }
    }
}
