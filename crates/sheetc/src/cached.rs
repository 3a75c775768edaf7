//! Excel's stored results: the value the file caches for every formula cell, for the
//! verification that follows every build (and `sheetc verify`): the engine is run once
//! and compared with what Excel computed when it saved the file.

use std::io::Write;
use std::path::Path;

use sheetc_core::error::{Result, SheetcError};
use sheetc_core::model::{CellKind, Value, Workbook};

/// Writes the stored value of every formula cell (array members included) of a workbook
/// already read, so the file is read once. Two files:
///
/// - `path`, binary (little-endian; every array starts at a multiple of 8 bytes, so a
///   reader views it as a typed array without parsing: a million values are read in
///   milliseconds, where JSON took 200 ms to parse):
///
///   ```text
///   "SCV1"  u32 sheets
///   per sheet:  u32 name bytes, name (UTF-8), pad · u32 blank · u32 n, pad
///               u32 rows[n], pad · u32 cols[n], pad · i32 texts[n], pad · u8 kinds[n], pad
///               f64 values[n]
///   u32 strings, then per string: u32 bytes, UTF-8
///   ```
///
///   The cells with a stored value only: `blank` counts the formula cells without one (a
///   workbook saved without values costs the verification a count, not a comparison per
///   cell). `kinds`: 0 number (`values` holds it), 1 text, 3 error (`values` holds an
///   index into the strings: the text, or the error as Excel writes it), 2 boolean (0 or
///   1). `texts` indexes the sheet's formula texts, -1 for a cell inside an array
///   formula's range.
/// - [`texts_path`]`(path)`, binary: per sheet, `u32 texts`, then per text `u32 originRow,
///   u32 originCol, u32 bytes, UTF-8`, each text written for its origin cell (a shared
///   formula's anchor: see [`display_formula_at`]); originRow is `u32::MAX` (and the text
///   empty) where no cell with a stored value uses it. Only a difference shows a formula,
///   so the comparison reads this file only when one is found. The texts are most of the
///   bytes when every cell's formula is written out (120 MB at a million cells): written
///   as they are, not escaped.
pub fn write_cached_values<'w>(workbook: &'w Workbook, path: &Path) -> Result<()> {
    let io = |e: std::io::Error| SheetcError::io("writing the cached values", e);
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = Aligned { out: std::io::BufWriter::with_capacity(1 << 20, file), at: 0 };
    let texts_file = std::fs::File::create(texts_path(path)).map_err(io)?;
    let mut tw = Aligned { out: std::io::BufWriter::with_capacity(1 << 20, texts_file), at: 0 };
    let mut strings: Vec<&'w str> = Vec::new();
    let mut string_index: std::collections::HashMap<&'w str, u32> = std::collections::HashMap::new();
    w.bytes(b"SCV1").map_err(io)?;
    w.u32(u32::try_from(workbook.sheets.len()).unwrap_or(u32::MAX)).map_err(io)?;
    for sheet in &workbook.sheets {
        // The origin of each text a written cell uses (None: no cell with a value uses it).
        let mut origins: Vec<Option<(u32, u32)>> = vec![None; sheet.formulas.len()];
        let (mut rows, mut cols, mut texts, mut kinds, mut values) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut blank: u32 = 0;
        for c in &sheet.cells {
            let formula = match c.kind {
                CellKind::Constant => continue,
                CellKind::ArrayMember => None,
                CellKind::Formula(f) | CellKind::ArrayFormula { formula: f, .. } => Some(f),
            };
            let (kind, value) = match &c.value {
                Value::Number(n) if n.is_finite() => (0u8, *n),
                Value::Empty | Value::Number(_) => {
                    blank = blank.saturating_add(1);
                    continue;
                }
                Value::Text(s) => (1, intern(s.as_str(), &mut strings, &mut string_index)),
                Value::Bool(b) => (2, if *b { 1.0 } else { 0.0 }),
                Value::Error(k) => (3, intern(k.as_str(), &mut strings, &mut string_index)),
            };
            let text: i32 = match formula {
                None => -1,
                Some(f) => {
                    if let Some(o) = origins.get_mut(f.text as usize) {
                        *o = Some((f.origin_row, f.origin_col));
                    }
                    i32::try_from(f.text).unwrap_or(-1)
                }
            };
            rows.push(c.row);
            cols.push(c.col);
            texts.push(text);
            kinds.push(kind);
            values.push(value);
        }
        w.u32(u32::try_from(sheet.name.len()).unwrap_or(u32::MAX)).map_err(io)?;
        w.bytes(sheet.name.as_bytes()).map_err(io)?;
        w.pad().map_err(io)?;
        w.u32(blank).map_err(io)?;
        w.u32(u32::try_from(rows.len()).unwrap_or(u32::MAX)).map_err(io)?;
        w.pad().map_err(io)?;
        for r in &rows {
            w.u32(*r).map_err(io)?;
        }
        w.pad().map_err(io)?;
        for c in &cols {
            w.u32(*c).map_err(io)?;
        }
        w.pad().map_err(io)?;
        for t in &texts {
            w.bytes(&t.to_le_bytes()).map_err(io)?;
        }
        w.pad().map_err(io)?;
        w.bytes(&kinds).map_err(io)?;
        w.pad().map_err(io)?;
        for v in &values {
            w.bytes(&v.to_le_bytes()).map_err(io)?;
        }

        tw.u32(u32::try_from(origins.len()).unwrap_or(u32::MAX)).map_err(io)?;
        for (t, origin) in origins.iter().enumerate() {
            match origin {
                None => {
                    tw.u32(u32::MAX).map_err(io)?;
                    tw.u32(0).map_err(io)?;
                    tw.u32(0).map_err(io)?;
                }
                Some((row, col)) => {
                    let text = sheet.formulas[t].as_bytes();
                    tw.u32(*row).map_err(io)?;
                    tw.u32(*col).map_err(io)?;
                    tw.u32(u32::try_from(text.len()).unwrap_or(u32::MAX)).map_err(io)?;
                    tw.bytes(text).map_err(io)?;
                }
            }
        }
    }
    w.u32(u32::try_from(strings.len()).unwrap_or(u32::MAX)).map_err(io)?;
    for s in &strings {
        w.u32(u32::try_from(s.len()).unwrap_or(u32::MAX)).map_err(io)?;
        w.bytes(s.as_bytes()).map_err(io)?;
    }
    tw.out.flush().map_err(io)?;
    w.out.flush().map_err(io)
}

/// The index of `s` in the file's strings (added at first use).
fn intern<'w>(s: &'w str, strings: &mut Vec<&'w str>, index: &mut std::collections::HashMap<&'w str, u32>) -> f64 {
    let next = u32::try_from(strings.len()).unwrap_or(u32::MAX);
    let k = *index.entry(s).or_insert_with(|| {
        strings.push(s);
        next
    });
    f64::from(k)
}

/// A writer that knows its offset, to start each array at a multiple of 8 bytes.
struct Aligned<W: Write> {
    out: W,
    at: u64,
}

impl<W: Write> Aligned<W> {
    fn bytes(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.at += b.len() as u64;
        self.out.write_all(b)
    }
    fn u32(&mut self, v: u32) -> std::io::Result<()> {
        self.bytes(&v.to_le_bytes())
    }
    fn pad(&mut self) -> std::io::Result<()> {
        let n = ((8 - self.at % 8) % 8) as usize;
        self.bytes(&[0u8; 8][..n])
    }
}

/// Where [`write_cached_values`] writes the formula texts for the values at `path`:
/// `path` with `.texts` appended (`cached.json.texts`).
pub fn texts_path(path: &Path) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".texts");
    std::path::PathBuf::from(p)
}

/// The formula Excel shows in the cell (`row`, `col`) for `text`, written for the cell
/// (`origin_row`, `origin_col`) (a shared formula's anchor): relative references moved,
/// `_xlfn.` prefixes dropped, with its `=`. None when a reference would fall off the sheet.
pub fn display_formula_at(text: &str, origin_row: u32, origin_col: u32, row: u32, col: u32) -> Option<String> {
    sheetc_core::shape::formula_text_at(text, origin_row, origin_col, row, col).map(|t| sheetc_core::shape::display_formula(&t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sheetc_core::model::{Cell, FormulaRef, Sheet};

    type Decoded = (String, u32, Vec<(u32, u32, i32, u8, f64, Option<String>)>);

    /// The binary format as the TypeScript reader (ts/cached-values.ts) reads it: every
    /// array at a multiple of 8 bytes.
    fn decode(b: &[u8]) -> Vec<Decoded> {
        let mut at = 0usize;
        let u32_at = |at: &mut usize| {
            let v = u32::from_le_bytes(b[*at..*at + 4].try_into().expect("4 bytes"));
            *at += 4;
            v
        };
        let pad = |at: &mut usize| *at = at.div_ceil(8) * 8;
        assert_eq!(&b[..4], b"SCV1");
        at += 4;
        let count = u32_at(&mut at);
        let mut sheets = Vec::new();
        for _ in 0..count {
            let len = u32_at(&mut at) as usize;
            let name = String::from_utf8(b[at..at + len].to_vec()).expect("utf-8");
            at += len;
            pad(&mut at);
            let blank = u32_at(&mut at);
            let n = u32_at(&mut at) as usize;
            pad(&mut at);
            let rows: Vec<u32> = (0..n).map(|_| u32_at(&mut at)).collect();
            pad(&mut at);
            let cols: Vec<u32> = (0..n).map(|_| u32_at(&mut at)).collect();
            pad(&mut at);
            let texts: Vec<i32> = (0..n).map(|_| u32_at(&mut at) as i32).collect();
            pad(&mut at);
            let kinds = b[at..at + n].to_vec();
            at += n;
            pad(&mut at);
            assert_eq!(at % 8, 0);
            let values: Vec<f64> = (0..n).map(|i| f64::from_le_bytes(b[at + 8 * i..at + 8 * i + 8].try_into().expect("8 bytes"))).collect();
            at += 8 * n;
            sheets.push((name, blank, (0..n).map(|i| (rows[i], cols[i], texts[i], kinds[i], values[i], None)).collect::<Vec<_>>()));
        }
        let strings: Vec<String> = (0..u32_at(&mut at))
            .map(|_| {
                let len = u32_at(&mut at) as usize;
                at += len;
                String::from_utf8(b[at - len..at].to_vec()).expect("utf-8")
            })
            .collect();
        assert_eq!(at, b.len());
        for (_, _, cells) in &mut sheets {
            for c in cells.iter_mut() {
                if c.3 == 1 || c.3 == 3 {
                    c.5 = Some(strings[c.4 as usize].clone());
                }
            }
        }
        sheets
    }

    #[test]
    fn cached_values_list_stored_values_with_their_texts_and_count_blanks() {
        let mut sheet = Sheet { name: "S \"1\"".into(), ..Sheet::default() };
        let t = sheet.formulas.push("A1*2");
        let f = FormulaRef { text: t, origin_row: 0, origin_col: 1 };
        // Used only by a cell without a stored value: its text is not written.
        let unused = FormulaRef { text: sheet.formulas.push("B1+1"), origin_row: 3, origin_col: 1 };
        sheet.cells = vec![
            Cell { row: 0, col: 0, kind: CellKind::Constant, value: Value::Number(1.5) },
            Cell { row: 0, col: 1, kind: CellKind::Formula(f), value: Value::Number(3.0) },
            Cell { row: 1, col: 1, kind: CellKind::Formula(f), value: Value::Error(sheetc_core::ast::ErrorKind::NA) },
            Cell { row: 2, col: 1, kind: CellKind::ArrayMember, value: Value::Text("x".into()) },
            Cell { row: 2, col: 2, kind: CellKind::Formula(f), value: Value::Number(f64::NAN) },
            Cell { row: 3, col: 1, kind: CellKind::Formula(unused), value: Value::Empty },
        ];
        let wb = Workbook { sheets: vec![sheet], ..Workbook::default() };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cached.json");
        write_cached_values(&wb, &path).expect("write");
        let sheets = decode(&std::fs::read(&path).expect("read"));
        assert_eq!(
            sheets,
            vec![(
                "S \"1\"".to_string(),
                2,
                vec![(0, 1, 0, 0, 3.0, None), (1, 1, 0, 3, 0.0, Some("#N/A".to_string())), (2, 1, -1, 1, 1.0, Some("x".to_string()))]
            )]
        );
        let texts = std::fs::read(texts_path(&path)).expect("read");
        let words = |b: &[u8]| b.chunks(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect::<Vec<_>>();
        // One sheet: two texts, the second used by no cell with a stored value.
        assert_eq!(words(&texts[..16]), vec![2, 0, 1, 4]);
        assert_eq!(&texts[16..20], b"A1*2");
        assert_eq!(words(&texts[20..]), vec![u32::MAX, 0, 0]);
        assert_eq!(display_formula_at("A1*2", 0, 1, 1, 1).as_deref(), Some("=A2*2"));
        assert_eq!(display_formula_at("_xlfn.CONCAT(A1)", 0, 0, 0, 0).as_deref(), Some("=CONCAT(A1)"));
    }
}
