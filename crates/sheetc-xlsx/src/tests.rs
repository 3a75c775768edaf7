//! Reader tests on workbooks written by rust_xlsxwriter and on hand-made parts.
use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use rust_xlsxwriter::{Formula, Workbook as XlsxWriter};
use sheetc_core::error::ErrorCode;
use sheetc_core::model::{FormulaTexts, Limits, Value};

use crate::extras::{array_formula_ranges, ArrayExtent};
use crate::metadata::Metadata;
use crate::read_workbook;
#[cfg(feature = "scan")]
use crate::{scan_cells, scan_cells_with};

#[cfg(feature = "scan")]
#[test]
fn scan_counts_every_cell_and_formula() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scan.xlsx");
    let mut book = XlsxWriter::new();
    let a = book.add_worksheet().set_name("A").expect("name");
    a.write_number(0, 0, 1.5).expect("write");
    a.write_string(0, 1, "hello").expect("write");
    a.write_formula(1, 0, Formula::new("=A1*2")).expect("write");
    a.write_formula(1, 1, Formula::new("=B1&\"!\"")).expect("write");
    let b = book.add_worksheet().set_name("B").expect("name");
    b.write_formula(2, 3, Formula::new("=SUM(A!A1:A2)")).expect("write");
    b.write_boolean(4, 0, true).expect("write");
    book.save(&path).expect("save");

    let s = scan_cells(&path).expect("scan");
    assert_eq!(s.sheets, 2);
    assert_eq!(s.cells, 6);
    assert_eq!(s.formula_cells, 3);
    assert_eq!(s.formula_bytes, ("A1*2".len() + "B1&\"!\"".len() + "SUM(A!A1:A2)".len()) as u64);
    assert_eq!(s.text_bytes, "hello".len() as u64);
    assert_eq!(s.position_sum, 1 + 1 + 2 + 5 + 4);
    assert!(s.elapsed_ms >= 0.0);
    // It sees what the build's reader sees.
    let wb = read_workbook(&path, &Limits::default(), &|| false).expect("read");
    let formulas = wb.sheets.iter().flat_map(|s| s.cells.iter()).filter(|c| c.formula().is_some()).count();
    assert_eq!(formulas as u64, s.formula_cells);
}

/// Six sheets of very different sizes (so the parallel reader takes them out of order).
fn several_sheets(path: &Path) {
    let mut book = XlsxWriter::new();
    for (k, rows) in [3u32, 900, 0, 2500, 40, 1].into_iter().enumerate() {
        let sheet = book.add_worksheet().set_name(format!("S{k}")).expect("name");
        for r in 0..rows {
            sheet.write_number(r, 0, (k as u32 * 10_000 + r) as f64).expect("write");
            sheet.write_formula(r, 1, Formula::new(format!("=A{}*{k}", r + 1))).expect("write");
        }
    }
    book.save(path).expect("save");
}

#[test]
fn sheets_read_in_parallel_come_back_in_workbook_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("several.xlsx");
    several_sheets(&path);
    let wb = read_workbook(&path, &Limits::default(), &|| false).expect("read");
    let names: Vec<&str> = wb.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["S0", "S1", "S2", "S3", "S4", "S5"]);
    for (k, (sheet, rows)) in wb.sheets.iter().zip([3u32, 900, 0, 2500, 40, 1]).enumerate() {
        assert_eq!(sheet.cells.len() as u32, rows * 2, "{}", sheet.name);
        assert_eq!(sheet.formulas.len() as u32, rows, "{}", sheet.name);
        for r in 0..rows {
            let (value, formula) = (&sheet.cells[2 * r as usize], &sheet.cells[2 * r as usize + 1]);
            assert_eq!((value.row, value.col, &value.value), (r, 0, &Value::Number((k as u32 * 10_000 + r) as f64)));
            let f = formula.formula().expect("a formula");
            assert_eq!(&sheet.formulas[f.text as usize], format!("A{}*{k}", r + 1));
            assert_eq!((f.origin_row, f.origin_col), (r, 1));
        }
    }
}

#[test]
fn the_cell_limit_counts_all_sheets_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("several.xlsx");
    several_sheets(&path);
    // 6,888 cells in all; the largest sheet alone has 5,000.
    let limits = Limits { max_cells: 6_000, ..Limits::default() };
    let e = read_workbook(&path, &limits, &|| false).expect_err("over the limit");
    assert_eq!(e.code, ErrorCode::TooLarge);
    let limits = Limits { max_cells: 6_888, ..Limits::default() };
    assert!(read_workbook(&path, &limits, &|| false).is_ok());
}

/// `several_sheets` with one sheet part replaced by `xml`.
fn with_sheet_part(src: &Path, dst: &Path, part: &str, xml: &[u8]) {
    let mut zin = zip::ZipArchive::new(File::open(src).expect("open")).expect("zip");
    let mut zout = zip::ZipWriter::new(File::create(dst).expect("create"));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).expect("entry");
        let name = f.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).expect("read");
        zout.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
        std::io::Write::write_all(&mut zout, if name == part { xml } else { &bytes }).expect("write");
    }
    zout.finish().expect("finish");
}

#[test]
fn a_broken_sheet_is_reported_whichever_thread_reads_it() {
    // The big sheet S3 (sheet4.xml) read by one thread breaks; the others are read on
    // the other threads and stopped: the error is the broken sheet's, never
    // `Cancelled`, and the read does not hang.
    let dir = tempfile::tempdir().expect("temp dir");
    let (good, bad) = (dir.path().join("good.xlsx"), dir.path().join("bad.xlsx"));
    several_sheets(&good);
    let broken = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\" t=\"n\"><v>2</v></sheetData></worksheet>";
    with_sheet_part(&good, &bad, "xl/worksheets/sheet4.xml", broken);
    for _ in 0..20 {
        let e = read_workbook(&bad, &Limits::default(), &|| false).expect_err("broken");
        assert_eq!(e.code, ErrorCode::Corrupt, "{e:?}");
    }
    // The untouched copy still reads.
    assert_eq!(read_workbook(&good, &Limits::default(), &|| false).expect("read").sheets.len(), 6);
}

#[test]
fn a_cell_beyond_excels_grid_is_a_corrupt_file() {
    // calamine reads any address; the reader refuses what Excel's grid cannot hold.
    let dir = tempfile::tempdir().expect("temp dir");
    let (good, bad) = (dir.path().join("good.xlsx"), dir.path().join("bad.xlsx"));
    several_sheets(&good);
    for address in ["ZZZZZZ1", "A99999999", "XFE1", "A1048577"] {
        let xml = format!("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"{address}\"><v>2</v></c></row></sheetData></worksheet>");
        with_sheet_part(&good, &bad, "xl/worksheets/sheet2.xml", xml.as_bytes());
        let e = read_workbook(&bad, &Limits::default(), &|| false).expect_err(address);
        assert_eq!(e.code, ErrorCode::Corrupt, "{address}: {e:?}");
        assert!(e.message.contains("beyond Excel's last row or column"), "{address}: {}", e.message);
    }
    // The last cell of the grid is fine.
    let xml = "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row></sheetData></worksheet>";
    with_sheet_part(&good, &bad, "xl/worksheets/sheet2.xml", xml.as_bytes());
    let wb = read_workbook(&bad, &Limits::default(), &|| false).expect("the last cell");
    assert_eq!((wb.sheets[1].cells[0].row, wb.sheets[1].cells[0].col), (1_048_575, 16_383));
}

#[test]
fn a_cancelled_read_reports_cancelled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("several.xlsx");
    several_sheets(&path);
    let e = read_workbook(&path, &Limits::default(), &|| true).expect_err("cancelled");
    assert_eq!(e.code, ErrorCode::Cancelled);
}

#[test]
fn formula_texts_are_kept_end_to_end() {
    let texts: FormulaTexts = ["A1", "", "SUM(B:B)", "é&\"ü\""].into_iter().collect();
    assert_eq!(texts.len(), 4);
    assert_eq!((&texts[0], &texts[1], &texts[2], &texts[3]), ("A1", "", "SUM(B:B)", "é&\"ü\""));
    assert_eq!(texts.get(4), None);
    assert!(FormulaTexts::default().is_empty());
}

#[cfg(feature = "scan")]
#[test]
fn a_parallel_scan_counts_what_a_sequential_one_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("several.xlsx");
    several_sheets(&path);
    let (one, two) = (scan_cells(&path).expect("scan"), scan_cells_with(&path, 2).expect("scan"));
    assert_eq!(one.cells, 6_888);
    assert_eq!(
        (one.sheets, one.cells, one.formula_cells, one.formula_bytes, one.position_sum),
        (two.sheets, two.cells, two.formula_cells, two.formula_bytes, two.position_sum)
    );
}

#[cfg(feature = "scan")]
#[test]
fn scan_reports_a_file_that_is_not_a_workbook() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nope.xlsx");
    std::fs::write(&path, b"plain text").expect("write");
    let e = scan_cells(&path).expect_err("not a workbook");
    assert_eq!(e.code, ErrorCode::NotAWorkbook);
}

#[test]
fn dynamic_array_cell_metadata_as_excel_writes_it() {
    // xl/metadata.xml from a workbook saved by Excel 365 (corpus spill_operator.xlsx).
    let meta = br#"<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"><metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>"#;
    assert_eq!(Metadata::parse(meta).dynamic_cells(), HashSet::from([1]));
}

#[test]
fn dynamic_array_cell_metadata_follows_the_type_and_block_indexes() {
    // Rich values first (type 1), XLDAPR second (type 2); cell block 1 points at a
    // non-dynamic XLDAPR block, block 2 at a dynamic one, block 3 at the rich-value type.
    let meta = br#"<metadata xmlns:xda="x"><metadataTypes count="2"><metadataType name="XLRICHVALUE"/><metadataType name="XLDAPR"/></metadataTypes><futureMetadata name="XLRICHVALUE" count="1"><bk><extLst><ext><xlrd:rvb i="0"/></ext></extLst></bk></futureMetadata><futureMetadata name="XLDAPR" count="2"><bk><extLst><ext><xda:dynamicArrayProperties fDynamic="0"/></ext></extLst></bk><bk><extLst><ext><xda:dynamicArrayProperties fDynamic="1"/></ext></extLst></bk></futureMetadata><cellMetadata count="3"><bk><rc t="2" v="0"/></bk><bk><rc t="2" v="1"/></bk><bk><rc t="1" v="1"/></bk></cellMetadata><valueMetadata count="1"><bk><rc t="1" v="0"/></bk></valueMetadata></metadata>"#;
    assert_eq!(Metadata::parse(meta).dynamic_cells(), HashSet::from([2]));
    assert!(Metadata::parse(b"<metadata/>").dynamic_cells().is_empty());
    assert!(Metadata::parse(b"not xml <<<").dynamic_cells().is_empty());
}

#[test]
fn array_ranges_carry_the_anchor_cells_cm() {
    let xml = br#"<worksheet><sheetData><row r="2"><c r="B2" cm="1"><f t="array" ref="B2:B5">A2:A5</f><v>12</v></c><c r="C2"><f t="array" ref="C2:C5">123</f><v>123</v></c><c r="D2" cm="1"><f>1</f></c></row></sheetData></worksheet>"#;
    let arrays = array_formula_ranges(xml);
    assert_eq!(arrays.get(&(1, 1)), Some(&ArrayExtent { last: (4, 1), cm: Some(1) }));
    assert_eq!(arrays.get(&(1, 2)), Some(&ArrayExtent { last: (4, 2), cm: None }));
    assert_eq!(arrays.len(), 2);
}

/// Every formula Excel wrote into the workbooks of `shared/corpus` (cells and defined
/// names) reads and parses.
#[test]
fn corpus_formulas_read_and_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !dir.is_dir() {
        eprintln!("note: {} not found; skipping the corpus parse test", dir.display());
        return;
    }
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for entry in rd.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut parser = sheetc_core::parse::FormulaParser::new();
    let (mut count, mut names) = (0usize, 0usize);
    let mut failures = Vec::new();
    for path in &files {
        let wb = read_workbook(path, &Limits::default(), &|| false).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for n in &wb.names {
            names += 1;
            if let Err(e) = parser.parse(&n.formula) {
                failures.push(format!("{} name {}: {:?}: {e}", path.display(), n.name, n.formula));
            }
        }
        for sheet in &wb.sheets {
            for i in 0..sheet.formulas.len() {
                let formula = &sheet.formulas[i];
                count += 1;
                if let Err(e) = parser.parse(formula) {
                    failures.push(format!("{} {}: {formula:?}: {e}", path.display(), sheet.name));
                }
            }
        }
    }
    eprintln!("parsed {count} formula texts and {names} defined names from {} workbooks; {} failed", files.len(), failures.len());
    for f in failures.iter().take(50) {
        eprintln!("  {f}");
    }
    assert!(count > 10_000, "the corpus holds more formulas than {count}");
    assert!(failures.is_empty(), "{} corpus formulas failed to parse", failures.len());
}
