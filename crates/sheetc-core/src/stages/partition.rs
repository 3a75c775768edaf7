//! Partition stage: split the workbook into units of code generation.
//!
//! A partition *borrows* its cells from the one `Workbook` (`Vec<&'a Cell>`), so peak
//! memory stays at one copy of the workbook however the work is split. Today a
//! partition is one sheet; big sheets are split into row chunks at emission time.

use crate::model::{Cell, FormulaTexts, Workbook};

pub struct SheetPartition<'a> {
    /// Index of the sheet in the workbook.
    pub sheet: u32,
    pub name: &'a str,
    /// The sheet's cells, in the file's row-major order.
    pub cells: Vec<&'a Cell>,
    /// The sheet's formula texts (indexed by `FormulaRef::text`).
    pub formulas: &'a FormulaTexts,
}

impl<'a> SheetPartition<'a> {
    pub fn formula_cells(&self) -> impl Iterator<Item = &&'a Cell> {
        self.cells.iter().filter(|c| c.is_computed())
    }
}

/// One partition per sheet.
pub fn partition(workbook: &Workbook) -> Vec<SheetPartition<'_>> {
    workbook
        .sheets
        .iter()
        .enumerate()
        .map(|(i, s)| SheetPartition { sheet: i as u32, name: &s.name, cells: s.cells.iter().collect(), formulas: &s.formulas })
        .collect()
}
