//! Hostile packages, made by hand part by part: every one is a typed error (or a correct
//! read), never an abort, a panic or a silent wrong answer.
use std::io::Write;
use std::path::{Path, PathBuf};

use sheetc_core::error::ErrorCode;
use sheetc_core::model::{Limits, Value, Workbook};

use crate::read_workbook;

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RNS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The parts of a one-sheet workbook, as name → bytes, in zip order.
pub(crate) struct Package(pub(crate) Vec<(String, Vec<u8>)>);

impl Package {
    /// A minimal valid workbook with the given sheets (name, sheetData inner XML).
    pub(crate) fn with_sheets(sheets: &[(&str, &str)]) -> Package {
        let mut parts = Vec::new();
        let mut overrides = String::new();
        let mut wb_sheets = String::new();
        let mut rels = String::new();
        for (i, (name, data)) in sheets.iter().enumerate() {
            let n = i + 1;
            overrides.push_str(&format!("<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"));
            wb_sheets.push_str(&format!("<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>", xml_escape(name)));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
            ));
            parts.push((
                format!("xl/worksheets/sheet{n}.xml"),
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{NS}\"><sheetData>{data}</sheetData></worksheet>").into_bytes(),
            ));
        }
        let mut all = vec![
            (
                "[Content_Types].xml".to_string(),
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>{overrides}</Types>").into_bytes(),
            ),
            (
                "_rels/.rels".to_string(),
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_vec(),
            ),
            ("xl/workbook.xml".to_string(), format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{NS}\" xmlns:r=\"{RNS}\"><sheets>{wb_sheets}</sheets></workbook>").into_bytes()),
            (
                "xl/_rels/workbook.xml.rels".to_string(),
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>").into_bytes(),
            ),
        ];
        all.extend(parts);
        Package(all)
    }

    pub(crate) fn set(&mut self, name: &str, bytes: impl Into<Vec<u8>>) -> &mut Self {
        let bytes = bytes.into();
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(p) => p.1 = bytes,
            None => self.0.push((name.to_string(), bytes)),
        }
        self
    }

    pub(crate) fn get(&self, name: &str) -> &[u8] {
        self.0.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice()).unwrap_or_default()
    }

    /// Adds a shared-string table and registers it in the workbook's relationships.
    pub(crate) fn shared_strings(&mut self, xml: impl Into<Vec<u8>>) -> &mut Self {
        let rels = String::from_utf8_lossy(self.get("xl/_rels/workbook.xml.rels")).replace(
            "</Relationships>",
            "<Relationship Id=\"rIdSst\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>",
        );
        self.set("xl/_rels/workbook.xml.rels", rels);
        self.set("xl/sharedStrings.xml", xml)
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut out);
            for (name, bytes) in &self.0 {
                z.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
                z.write_all(bytes).expect("write");
            }
            z.finish().expect("finish");
        }
        out.into_inner()
    }

    pub(crate) fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.bytes()).expect("write the package");
        path
    }
}

pub(crate) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;")
}

fn read(path: &Path) -> sheetc_core::error::Result<Workbook> {
    read_workbook(path, &Limits::default(), &|| false)
}

fn sst(count_attr: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"{NS}\" count=\"1\" {count_attr}><si><t>hello</t></si></sst>")
}

const ONE_SHARED: &str = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>";

#[test]
fn a_huge_unique_count_in_any_quoting_is_corrupt_never_an_abort() {
    let dir = tempfile::tempdir().expect("temp dir");
    for attr in [
        "uniqueCount='4000000000000'",
        "uniqueCount = \"4000000000000\"",
        "uniqueCount\t=\n'4000000000000'",
        "uniqueCount=\"18446744073709551615\"",
        "uniqueCount='18446744073709551615'",
        "uniqueCount=\"99999999999999999999999\"",
    ] {
        let mut p = Package::with_sheets(&[("S", ONE_SHARED)]);
        p.shared_strings(sst(attr));
        let path = p.write(dir.path(), "sst.xlsx");
        let e = read(&path).expect_err(attr);
        assert_eq!(e.code, ErrorCode::Corrupt, "{attr}: {e:?}");
    }
}

#[test]
fn the_unique_count_is_found_wherever_the_tag_is_and_checked_against_the_real_size() {
    let dir = tempfile::tempdir().expect("temp dir");
    let padding = "p".repeat(5000);
    for xml in [
        // The tag after 4 KB of comment.
        format!("<?xml version=\"1.0\"?><!-- {padding} --><sst xmlns=\"{NS}\" uniqueCount=\"4000000000000\"><si><t>hello</t></si></sst>"),
        // The attribute after 4 KB of other attributes.
        format!("<?xml version=\"1.0\"?><sst xmlns=\"{NS}\" x=\"{padding}\" uniqueCount=\"4000000000000\"><si><t>hello</t></si></sst>"),
        // A prefixed element.
        format!("<?xml version=\"1.0\"?><x:sst xmlns:x=\"{NS}\" uniqueCount='4000000000000'><x:si><x:t>hello</x:t></x:si></x:sst>"),
        // A count of about the part's declared size but far beyond what it holds.
        format!("<?xml version=\"1.0\"?><sst xmlns=\"{NS}\" uniqueCount=\"1000\"><si><t>hello</t></si></sst>"),
    ] {
        let mut p = Package::with_sheets(&[("S", ONE_SHARED)]);
        p.shared_strings(xml.clone());
        let path = p.write(dir.path(), "sst.xlsx");
        let e = read(&path).expect_err(&xml[..80]);
        assert_eq!(e.code, ErrorCode::Corrupt, "{e:?}");
        assert!(e.message.contains("declares"), "{}", e.message);
    }
    // An honest table reads, in any quoting.
    for attr in ["uniqueCount='1'", "uniqueCount = \"1\"", ""] {
        let mut p = Package::with_sheets(&[("S", ONE_SHARED)]);
        p.shared_strings(sst(attr));
        let wb = read(&p.write(dir.path(), "ok.xlsx")).expect(attr);
        assert_eq!(wb.sheets[0].cells[0].value, Value::Text("hello".into()));
    }
}

/// The zip's bytes with every occurrence of `from` replaced by `to` (same length): a way
/// to write two entries with one name, which the zip writer refuses.
fn rename_in_zip(mut bytes: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    bytes
}

#[test]
fn duplicate_entries_are_corrupt_whatever_their_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ok = Package::with_sheets(&[("S", "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>")]);
    for (name, twin) in [
        ("xl/workbook.xml", "XL/Workbook.xml"),
        ("xl/worksheets/sheet1.xml", "xl/worksheets/SHEET1.xml"),
        ("xl/worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"),
    ] {
        let mut p = Package(ok.0.clone());
        p.0.push((twin.to_string(), ok.get(name).to_vec()));
        let path = p.write(dir.path(), "twin.xlsx");
        let e = read(&path).expect_err(twin);
        assert_eq!(e.code, ErrorCode::Corrupt, "{twin}: {e:?}");
    }
    // The very same name twice (written under a stand-in name, then renamed).
    let mut p = Package(ok.0.clone());
    p.0.push(("xl/worksheets/sheet1.xmX".to_string(), b"<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>2</v></c></row></sheetData></worksheet>".to_vec()));
    let path = dir.path().join("same.xlsx");
    std::fs::write(&path, rename_in_zip(p.bytes(), "xl/worksheets/sheet1.xmX", "xl/worksheets/sheet1.xml")).expect("write");
    assert_eq!(read(&path).expect_err("same name twice").code, ErrorCode::Corrupt);
    // Parts found in another case than the workbook names them (as calamine finds them).
    let mut p = Package(ok.0.clone());
    let sheet = p.get("xl/worksheets/sheet1.xml").to_vec();
    p.0.retain(|(n, _)| n != "xl/worksheets/sheet1.xml");
    p.0.push(("XL/Worksheets/Sheet1.XML".into(), sheet));
    let wb = read(&p.write(dir.path(), "case.xlsx")).expect("a part in another case");
    assert_eq!(wb.sheets[0].cells[0].value, Value::Number(1.0));
}

fn utf16(xml: &[u8], little: bool, bom: bool) -> Vec<u8> {
    let text = String::from_utf8(xml.to_vec()).expect("utf-8").replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if little { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
    }
    for u in text.encode_utf16() {
        out.extend_from_slice(&if little { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

#[test]
fn utf16_parts_read_like_utf8_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = "<row r=\"1\"><c r=\"A1\"><v>1.5</v></c><c r=\"B1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"inlineStr\"><is><t>ünï</t></is></c></row>";
    let base = {
        let mut p = Package::with_sheets(&[("Sheet ä", data)]);
        p.shared_strings(sst("uniqueCount=\"1\""));
        p
    };
    let want = read(&base.write(dir.path(), "utf8.xlsx")).expect("utf-8");
    assert_eq!(want.sheets[0].name, "Sheet ä");
    for (little, bom) in [(true, true), (false, true), (true, false), (false, false)] {
        for part in ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "ALL"] {
            let mut p = Package(base.0.clone());
            for (name, bytes) in p.0.iter_mut() {
                if (part == "ALL" && (name.ends_with(".xml") || name.ends_with(".rels"))) || name == part {
                    *bytes = utf16(bytes, little, bom);
                }
            }
            let wb = read(&p.write(dir.path(), "utf16.xlsx")).unwrap_or_else(|e| panic!("{part} little={little} bom={bom}: {e:?}"));
            assert_eq!(wb.sheets.len(), 1, "{part}");
            assert_eq!(wb.sheets[0].name, want.sheets[0].name, "{part}");
            let values: Vec<&Value> = wb.sheets[0].cells.iter().map(|c| &c.value).collect();
            let expected: Vec<&Value> = want.sheets[0].cells.iter().map(|c| &c.value).collect();
            assert_eq!(values, expected, "{part} little={little} bom={bom}");
        }
    }
    // Damaged UTF-16 (an unpaired surrogate; an odd length) is a typed error.
    let mut p = Package(base.0.clone());
    let mut bad = utf16(p.get("xl/workbook.xml"), true, true);
    bad.extend_from_slice(&[0x00, 0xD8]);
    p.set("xl/workbook.xml", bad);
    assert_eq!(read(&p.write(dir.path(), "bad.xlsx")).expect_err("unpaired surrogate").code, ErrorCode::Corrupt);
}

#[test]
fn a_workbook_without_worksheets_is_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut p = Package::with_sheets(&[("S", "")]);
    p.set("xl/workbook.xml", format!("<?xml version=\"1.0\"?><workbook xmlns=\"{NS}\" xmlns:r=\"{RNS}\"><sheets/></workbook>"));
    let e = read(&p.write(dir.path(), "none.xlsx")).expect_err("no sheets");
    assert_eq!(e.code, ErrorCode::Corrupt);
    assert!(e.message.contains("no worksheets"), "{}", e.message);
}

fn inline(text: &str) -> String {
    format!("<row r=\"1\"><c r=\"B1\" t=\"inlineStr\"><is><t>{text}</t></is></c></row>")
}

#[test]
fn a_cell_holds_at_most_32767_characters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let read_text = |data: String| read(&Package::with_sheets(&[("S", &data)]).write(dir.path(), "text.xlsx"));
    // Exactly Excel's limit, counted in UTF-16 units as Excel's LEN counts them.
    let wb = read_text(inline(&"x".repeat(32_767))).expect("32,767 characters");
    assert_eq!(wb.sheets[0].cells[0].value, Value::Text("x".repeat(32_767)));
    assert!(read_text(inline(&"😀".repeat(16_383))).is_ok());
    for (label, text) in
        [("32,768 characters", "x".repeat(32_768)), ("16,384 emoji (32,768 UTF-16 units)", "😀".repeat(16_384)), ("40,000 escaped", "&amp;".repeat(40_000))]
    {
        let e = read_text(inline(&text)).expect_err(label);
        assert_eq!(e.code, ErrorCode::Corrupt, "{label}");
        assert_eq!(e.location.as_deref(), Some("S!B1"), "{label}");
        assert!(e.message.contains("32767"), "{label}: {}", e.message);
    }
    // A formula's cached text and a shared string are cell text too.
    let e = read_text(format!("<row r=\"1\"><c r=\"C1\" t=\"str\"><f>REPT(\"x\",40000)</f><v>{}</v></c></row>", "x".repeat(40_000))).expect_err("formula text");
    assert_eq!((e.code, e.location.as_deref()), (ErrorCode::Corrupt, Some("S!C1")));
    let mut p = Package::with_sheets(&[("S", ONE_SHARED)]);
    let runs = format!("<r><t>{}</t></r>", "y".repeat(20_000)).repeat(2);
    p.shared_strings(format!("<?xml version=\"1.0\"?><sst xmlns=\"{NS}\" uniqueCount=\"1\"><si>{runs}</si></sst>"));
    let e = read(&p.write(dir.path(), "sst.xlsx")).expect_err("shared string of 40,000");
    assert_eq!((e.code, e.location.as_deref()), (ErrorCode::Corrupt, Some("S!A1")));
}

#[test]
fn huge_text_is_refused_before_calamine_holds_it() {
    // Beyond the bounds (1 MiB of text in one cell), whichever part holds it: the part is
    // refused while it streams, before calamine buffers the text.
    let dir = tempfile::tempdir().expect("temp dir");
    let big = "z".repeat(3 << 20);
    let e = read(&Package::with_sheets(&[("S", &inline(&big))]).write(dir.path(), "big.xlsx")).expect_err("inline");
    assert_eq!(e.code, ErrorCode::Corrupt);
    assert!(e.message.contains("xl/worksheets/sheet1.xml"), "{}", e.message);
    let mut p = Package::with_sheets(&[("S", ONE_SHARED)]);
    p.shared_strings(format!("<?xml version=\"1.0\"?><sst xmlns=\"{NS}\" uniqueCount=\"1\"><si><t>{big}</t></si></sst>"));
    let e = read(&p.write(dir.path(), "bigsst.xlsx")).expect_err("shared");
    assert_eq!(e.code, ErrorCode::Corrupt);
    assert!(e.message.contains("xl/sharedStrings.xml"), "{}", e.message);
    // In a part calamine reads on opening (styles), or in a comment.
    let mut p = Package::with_sheets(&[("S", "")]);
    p.set("xl/styles.xml", format!("<?xml version=\"1.0\"?><styleSheet xmlns=\"{NS}\"><!-- {big} --></styleSheet>"));
    assert_eq!(read(&p.write(dir.path(), "bigstyles.xlsx")).expect_err("styles").code, ErrorCode::Corrupt);
}

#[test]
fn whitespace_between_elements_of_any_length_reads_like_none() {
    // XML allows any whitespace between elements; past the event bound (1 MiB) the part is
    // read from a compacted copy, so the cells come out as if there were none. Runs split
    // across the scanner's 1 MiB blocks, in a sheet, in the shared strings and in a part
    // calamine reads on opening (styles).
    let dir = tempfile::tempdir().expect("temp dir");
    let pad = " \n\t\r".repeat(3 << 19);
    let data = format!("{pad}<row r=\"1\">{pad}<c r=\"A1\" t=\"s\"><v>0</v></c>{pad}<c r=\"B1\"><f>A1&amp;\"!\"</f><v>x</v></c></row>{pad}<row r=\"2\"><c r=\"A2\"><v>42</v></c></row>");
    let mut p = Package::with_sheets(&[("S", &data), ("T", ONE_SHARED)]);
    p.shared_strings(format!("<?xml version=\"1.0\"?><sst xmlns=\"{NS}\" uniqueCount=\"1\">{pad}<si><t>hello</t></si>{pad}</sst>"));
    p.set("xl/styles.xml", format!("<?xml version=\"1.0\"?><styleSheet xmlns=\"{NS}\">{pad}</styleSheet>"));
    let wb = read(&p.write(dir.path(), "padded.xlsx")).expect("a padded workbook reads");
    let s = &wb.sheets[0];
    let at = |r: u32, c: u32| s.cells.iter().find(|x| x.row == r && x.col == c).map(|x| x.value.clone());
    assert_eq!(at(0, 0), Some(Value::Text("hello".into())));
    assert_eq!(at(1, 0), Some(Value::Number(42.0)));
    assert!(s.cells.iter().any(|x| x.row == 0 && x.col == 1 && x.formula().is_some()), "the formula cell is read");
    assert_eq!(wb.sheets[1].cells[0].value, Value::Text("hello".into()));
    // Text between elements that is not only whitespace is still bounded.
    let junk = format!("{}x", " ".repeat(2 << 20));
    let e = read(&Package::with_sheets(&[("S", &format!("{junk}<row r=\"1\"/>"))]).write(dir.path(), "junk.xlsx")).expect_err("text");
    assert_eq!(e.code, ErrorCode::Corrupt);
    // Whitespace inside a cell or a shared string is its text (or lies among its text
    // elements): bounded as before.
    let e = read(&Package::with_sheets(&[("S", &inline(&" ".repeat(3 << 20)))]).write(dir.path(), "blankcell.xlsx")).expect_err("cell");
    assert_eq!(e.code, ErrorCode::Corrupt);
}

#[test]
fn a_padded_shared_string_table_is_counted_without_its_padding() {
    // The padding is not room for strings: a uniqueCount the compacted part cannot hold is
    // refused before calamine reserves memory for it.
    let dir = tempfile::tempdir().expect("temp dir");
    let pad = " ".repeat(8 << 20);
    let mut p = Package::with_sheets(&[("S", ONE_SHARED)]);
    p.shared_strings(format!("<?xml version=\"1.0\"?><sst xmlns=\"{NS}\" uniqueCount=\"1000000\">{pad}<si><t>hello</t></si></sst>"));
    let e = read(&p.write(dir.path(), "padded-sst.xlsx")).expect_err("a count the compacted part cannot hold");
    assert_eq!(e.code, ErrorCode::Corrupt, "{e:?}");
}

#[test]
fn sheet_names_equal_under_excels_case_rule_are_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>";
    for (a, b) in [("ı", "i"), ("İ", "i"), ("ς", "Σ"), ("ẞ", "ß"), ("ＡＢ", "ａｂ"), ("Sheet", "SHEET")] {
        let e = read(&Package::with_sheets(&[(a, one), (b, one)]).write(dir.path(), "dup.xlsx")).expect_err(a);
        assert_eq!(e.code, ErrorCode::Corrupt, "{a} / {b}");
    }
    for (a, b) in [("ß", "SS"), ("Ａ", "A"), ("σ", "s")] {
        let wb = read(&Package::with_sheets(&[(a, one), (b, one)]).write(dir.path(), "two.xlsx")).expect(a);
        assert_eq!(wb.sheets.len(), 2, "{a} / {b}");
        assert_eq!(wb.sheet_index(a), Some(0));
        assert_eq!(wb.sheet_index(b), Some(1));
    }
    // A chart sheet takes its name too.
    let mut p = Package::with_sheets(&[("Data", one)]);
    let wb = String::from_utf8_lossy(p.get("xl/workbook.xml")).replace("</sheets>", "<sheet name=\"DATA\" sheetId=\"9\" r:id=\"rIdC\"/></sheets>");
    p.set("xl/workbook.xml", wb);
    let rels = String::from_utf8_lossy(p.get("xl/_rels/workbook.xml.rels")).replace(
        "</Relationships>",
        "<Relationship Id=\"rIdC\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet\" Target=\"chartsheets/sheet1.xml\"/></Relationships>",
    );
    p.set("xl/_rels/workbook.xml.rels", rels);
    assert_eq!(read(&p.write(dir.path(), "chart.xlsx")).expect_err("chart sheet").code, ErrorCode::Corrupt);
}

#[test]
fn iteration_settings_are_clamped_to_excels_ranges() {
    use crate::workbook_part::{iterate_count, iterate_delta};
    for (raw, want) in [
        ("100", 100),
        ("32767", 32_767),
        ("32768", 32_767),
        ("4294967295", 32_767),
        ("99999999999999999999", 32_767),
        ("0", 1),
        ("-5", 1),
        (" 7 ", 7),
        ("abc", 100),
        ("1e9", 100),
    ] {
        assert_eq!(iterate_count(raw), want, "{raw}");
    }
    for (raw, want) in
        [("0.001", 0.001), ("0", 0.0), ("1e-9", 1e-9), ("1e308", 1e308), ("NaN", 0.001), ("-1", 0.001), ("inf", 0.001), ("-INF", 0.001), ("x", 0.001)]
    {
        assert_eq!(iterate_delta(raw), want, "{raw}");
    }
    // Read from the file.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut p = Package::with_sheets(&[("S", "")]);
    let wb = String::from_utf8_lossy(p.get("xl/workbook.xml"))
        .replace("</workbook>", "<calcPr iterate='1' iterateCount='4294967295' iterateDelta='NaN'/></workbook>");
    p.set("xl/workbook.xml", wb);
    let wb = read(&p.write(dir.path(), "calc.xlsx")).expect("read");
    assert!(wb.calc.iterate);
    assert_eq!((wb.calc.iterate_count, wb.calc.iterate_delta), (32_767, 0.001));
}

#[test]
fn the_part_bounded_is_the_part_calamine_reads() {
    // `id` and `r:id` on one sheet: calamine takes the last; so does the reader, and the
    // bounds scan sees that part (its huge text is refused).
    let dir = tempfile::tempdir().expect("temp dir");
    let mut p = Package::with_sheets(&[("A", "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"), ("B", &inline(&"w".repeat(2 << 20)))]);
    let wb = String::from_utf8_lossy(p.get("xl/workbook.xml"))
        .replace("<sheet name=\"B\" sheetId=\"2\" r:id=\"rId2\"/>", "")
        .replace("r:id=\"rId1\"", "id=\"rId1\" r:id=\"rId2\"");
    p.set("xl/workbook.xml", wb);
    let e = read(&p.write(dir.path(), "ids.xlsx")).expect_err("the second part is calamine's");
    assert_eq!(e.code, ErrorCode::Corrupt);
    assert!(e.message.contains("sheet2.xml"), "{}", e.message);
    // A package whose workbook part is not xl/workbook.xml.
    let mut p = Package::with_sheets(&[("A", "")]);
    let rels = String::from_utf8_lossy(p.get("_rels/.rels")).replace("Target=\"xl/workbook.xml\"", "Target=\"other/workbook.xml\"");
    p.set("_rels/.rels", rels);
    let e = read(&p.write(dir.path(), "main.xlsx")).expect_err("elsewhere");
    assert_eq!(e.code, ErrorCode::Corrupt);
    // A tag naming an attribute twice.
    let mut p = Package::with_sheets(&[("A", "")]);
    let wb = String::from_utf8_lossy(p.get("xl/workbook.xml")).replace("r:id=\"rId1\"", "r:id=\"rId1\" r:id=\"rId9\"");
    p.set("xl/workbook.xml", wb);
    assert_eq!(read(&p.write(dir.path(), "twice.xlsx")).expect_err("twice").code, ErrorCode::Corrupt);
}

#[test]
fn array_formulas_are_found_in_any_quoting() {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in ["<f t='array' ref='B1:B2'>A1:A2*2</f>", "<f t = \"array\" ref = \"B1:B2\">A1:A2*2</f>"] {
        let data = format!(
            "<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\">{f}<v>2</v></c></row><row r=\"2\"><c r=\"A2\"><v>2</v></c><c r=\"B2\"><v>4</v></c></row>"
        );
        let wb = read(&Package::with_sheets(&[("S", &data)]).write(dir.path(), "array.xlsx")).expect(f);
        let anchor = wb.sheets[0].cells.iter().find(|c| (c.row, c.col) == (0, 1)).expect("B1");
        assert!(matches!(anchor.kind, sheetc_core::model::CellKind::ArrayFormula { last_row: 1, last_col: 1, .. }), "{f}: {:?}", anchor.kind);
    }
}
