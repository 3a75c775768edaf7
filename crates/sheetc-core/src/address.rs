//! A1 addresses and Excel's grid: the one place cell names are written and read.

/// The last row and column of Excel's grid (zero-based): XFD1048576.
pub const MAX_ROW: u32 = 1_048_575;
pub const MAX_COL: u32 = 16_383;

/// A concrete rectangle of cells on one sheet: sheet, r0, c0, r1, c1 (zero-based, inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rect {
    pub sheet: u32,
    pub r0: u32,
    pub c0: u32,
    pub r1: u32,
    pub c1: u32,
}

impl Rect {
    pub fn cell(sheet: u32, row: u32, col: u32) -> Rect {
        Rect { sheet, r0: row, c0: col, r1: row, c1: col }
    }

    /// Whether the two rectangles share a cell.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.sheet == other.sheet && self.r0 <= other.r1 && other.r0 <= self.r1 && self.c0 <= other.c1 && other.c0 <= self.c1
    }

    /// The smallest rectangle holding both (same sheet assumed).
    pub fn union(&self, other: &Rect) -> Rect {
        Rect { sheet: self.sheet, r0: self.r0.min(other.r0), c0: self.c0.min(other.c0), r1: self.r1.max(other.r1), c1: self.c1.max(other.c1) }
    }

    /// `A1` or `A1:B9`.
    pub fn a1(&self) -> String {
        area_name(self.r0, self.c0, self.r1, self.c1)
    }
}

/// Column letters of a zero-based column: 0 → `A`, 26 → `AA`.
pub fn column_name(mut c: u32) -> String {
    let mut s = Vec::new();
    c += 1;
    while c > 0 {
        let m = (c - 1) % 26;
        s.push(b'A' + m as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// `B3` for zero-based (2, 1).
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), row + 1)
}

/// `A1` or `A1:B9` for a zero-based rectangle.
pub fn area_name(r0: u32, c0: u32, r1: u32, c1: u32) -> String {
    if (r0, c0) == (r1, c1) {
        cell_name(r0, c0)
    } else {
        format!("{}:{}", cell_name(r0, c0), cell_name(r1, c1))
    }
}

/// Parses `B3` / `$B$3` into zero-based (row, col); None outside Excel's grid.
pub fn parse_a1(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut col: u32 = 0;
    for b in letters.bytes() {
        col = col * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32;
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 || row > MAX_ROW + 1 || col > MAX_COL + 1 {
        return None;
    }
    Some((row - 1, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_parsing_agree_at_the_grid_edges() {
        for (row, col) in [(0, 0), (0, 25), (0, 26), (0, 701), (0, 702), (MAX_ROW, MAX_COL), (41, 3)] {
            assert_eq!(parse_a1(&cell_name(row, col)), Some((row, col)));
        }
        assert_eq!(cell_name(0, MAX_COL), "XFD1");
        assert_eq!(parse_a1("$B$3"), Some((2, 1)));
        assert_eq!(parse_a1("XFE1"), None);
        assert_eq!(parse_a1("A1048577"), None);
        assert_eq!(parse_a1("A0"), None);
        assert_eq!(area_name(0, 0, 2, 1), "A1:B3");
    }
}
