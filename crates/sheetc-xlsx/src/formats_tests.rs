//! Tests of the binary formats: the formula decompiler on token streams written by hand
//! (from [MS-XLS]/[MS-XLSB]), hand-made `.xls` and `.xlsb` files (good and hostile), and
//! the Excel-saved twins of `shared/corpus-formats`.
use std::io::Write;
use std::path::{Path, PathBuf};

use sheetc_core::error::ErrorCode;
use sheetc_core::model::{CellKind, FileFormat, Limits, Value, Workbook};

use crate::ptg::{decode, Biff, Context, Xti};
use crate::read_workbook;

// ------------------------------------------------------------------ the decompiler

fn ctx_with<'a>(biff: Biff, xti: &'a [Xti], names: &'a [String]) -> Context<'a> {
    Context { biff, xti, names, extern_name: &|_, _| None, table: &|_| None }
}

fn dec(biff: Biff, rgce: &[u8], rgcb: &[u8]) -> Result<String, String> {
    let xti = [Xti::Sheets("Sheet 2".into(), "Sheet 2".into()), Xti::Sheets("Jan".into(), "Mar".into()), Xti::Invalid];
    let names = ["Rate".to_string()];
    decode(rgce, rgcb, &ctx_with(biff, &xti, &names), (4, 2)).map_err(|e| e.0)
}

/// PtgRef in BIFF12: row u32, column u16 with colRelative (bit 14) and rowRelative (bit 15).
fn ref12(row: u32, col: u16, row_rel: bool, col_rel: bool) -> Vec<u8> {
    let mut v = vec![0x24];
    v.extend(row.to_le_bytes());
    v.extend((col | if col_rel { 0x4000 } else { 0 } | if row_rel { 0x8000 } else { 0 }).to_le_bytes());
    v
}

#[test]
fn references_carry_their_dollars_where_excel_puts_them() {
    // A1, $B$2, C$3 (column relative, row absolute), $D4.
    let cases = [((0, 0, true, true), "A1"), ((1, 1, false, false), "$B$2"), ((2, 2, false, true), "C$3"), ((3, 3, true, false), "$D4")];
    for ((r, c, rr, cr), want) in cases {
        assert_eq!(dec(Biff::V12, &ref12(r, c, rr, cr), &[]).unwrap(), want);
    }
}

#[test]
fn operators_keep_excels_precedence_and_stored_parentheses() {
    // (1+2)*3: 1 2 + () 3 *
    let t = [0x1E, 1, 0, 0x1E, 2, 0, 0x03, 0x15, 0x1E, 3, 0, 0x05];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "(1+2)*3");
    // 1+2*3 without any parenthesis token
    let t = [0x1E, 1, 0, 0x1E, 2, 0, 0x1E, 3, 0, 0x05, 0x03];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "1+2*3");
    // (1+2)*3 written without PtgParen still means it: the text needs the parentheses.
    let t = [0x1E, 1, 0, 0x1E, 2, 0, 0x03, 0x1E, 3, 0, 0x05];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "(1+2)*3");
    // -A1%, 2^-1, "a"&"b"
    let t = [0x1E, 2, 0, 0x1E, 1, 0, 0x13, 0x07];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "2^-1");
    let t = [0x17, 1, 0, b'a', 0x17, 1, 0, b'b', 0x08];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "\"a\"&\"b\"");
}

#[test]
fn functions_by_number_fixed_and_variable_arity() {
    // MMULT(A1,A1): PtgFunc 165 takes two arguments (calamine's table says one).
    let mut t = ref12(0, 0, true, true);
    t.extend(ref12(0, 0, true, true));
    t.extend([0x21, 165, 0]);
    assert_eq!(dec(Biff::V12, &t, &[]).unwrap(), "MMULT(A1,A1)");
    // LENB("ab"): one argument (calamine: three). CONVERT(1,"m","ft"): three (calamine: eight).
    let t = [0x17, 2, 0, b'a', 0, b'b', 0, 0x21, 211, 0];
    assert_eq!(dec(Biff::V12, &t, &[]).unwrap(), "LENB(\"ab\")");
    let t = [0x1E, 1, 0, 0x17, 1, 0, b'm', 0x17, 2, 0, b'f', b't', 0x21, 0xD4, 0x01];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "CONVERT(1,\"m\",\"ft\")");
    // SUM(1,2,3) through PtgFuncVar; SUM(A1*2) keeps no needless parentheses.
    let t = [0x1E, 1, 0, 0x1E, 2, 0, 0x1E, 3, 0, 0x22, 3, 4, 0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "SUM(1,2,3)");
    let mut t = ref12(0, 0, true, true);
    t.extend([0x1E, 2, 0, 0x05, 0x22, 1, 4, 0]);
    assert_eq!(dec(Biff::V12, &t, &[]).unwrap(), "SUM(A1*2)");
    // A user-defined call (function 255) takes its name from its first argument.
    let t = [0x23, 1, 0, 0, 0, 0x1E, 7, 0, 0x22, 2, 0xFF, 0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "Rate(7)");
    // Function number 485 is past the table: refused, not a panic (calamine reads past its table).
    assert!(dec(Biff::V12, &[0x21, 0xE5, 0x01], &[]).is_err());
}

#[test]
fn choose_jump_tables_of_any_length_are_skipped() {
    // CHOOSE(1,10,20,30): tAttrChoose carries 4 offsets (2 + 4*2 bytes, not calamine's 10).
    let mut t = vec![0x1E, 1, 0, 0x19, 0x04, 3, 0];
    t.extend([8, 0, 12, 0, 16, 0, 20, 0]);
    t.extend([0x1E, 10, 0, 0x19, 0x08, 9, 0, 0x1E, 20, 0, 0x19, 0x08, 5, 0, 0x1E, 30, 0, 0x19, 0x08, 1, 0]);
    t.extend([0x22, 4, 100, 0]);
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "CHOOSE(1,10,20,30)");
}

#[test]
fn three_d_references_names_and_errors() {
    // 'Sheet 2'!B3 (BIFF8 PtgRef3d), Jan:Mar!A1:B2, a deleted sheet.
    let t = [0x3A, 0, 0, 2, 0, 1, 0xC0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "'Sheet 2'!B3");
    let t = [0x3B, 1, 0, 0, 0, 1, 0, 0, 0xC0, 1, 0xC0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "Jan:Mar!A1:B2");
    // A sheet named like an R1C1 reference (`C`: the current column) is quoted, as Excel
    // quotes it; so is a range of sheets one of whose names needs quotes.
    assert_eq!(crate::ptg::quote_sheet("C"), "'C'");
    assert_eq!(crate::ptg::quote_sheet("R2C3"), "'R2C3'");
    assert_eq!(crate::ptg::quote_sheet("AB12"), "'AB12'");
    assert_eq!(crate::ptg::quote_sheet("Data"), "Data");
    let t = [0x3A, 2, 0, 0, 0, 0, 0xC0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "#REF!");
    // Rate*#DIV/0!
    let t = [0x23, 1, 0, 0, 0, 0x1C, 0x07, 0x05];
    assert_eq!(dec(Biff::V12, &t, &[]).unwrap(), "Rate*#DIV/0!");
}

#[test]
fn whole_columns_and_rows() {
    // BIFF8 A1:A65536 is the column A:A (Excel reads it as the whole column).
    let t = [0x25, 0, 0, 0xFF, 0xFF, 0, 0xC0, 0, 0xC0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "A:A");
    // BIFF12 $2:$3 (rows 2-3, every column).
    let mut t = vec![0x25];
    t.extend(1u32.to_le_bytes());
    t.extend(2u32.to_le_bytes());
    t.extend(0x4000u16.to_le_bytes());
    t.extend((0x4000u16 | 16383).to_le_bytes());
    assert_eq!(dec(Biff::V12, &t, &[]).unwrap(), "$2:$3");
}

#[test]
fn relative_tokens_are_offsets_from_the_cell() {
    // PtgRefN (BIFF8) row -1, column +1 from the base (4, 2) = D4; PtgAreaN rows 0..+1, col -2 = A5:A6.
    let t = [0x2C, 0xFF, 0xFF, 0x01, 0xC0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "D4");
    let t = [0x2D, 0, 0, 1, 0, 0xFE, 0xC0, 0xFE, 0xC0];
    assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), "A5:A6");
    // BIFF12: row offset i32, column offset 14-bit signed.
    let mut t = vec![0x2C];
    t.extend((-4i32).to_le_bytes());
    t.extend((0xC000u16 | (0x3FFE & 0x3FFF)).to_le_bytes());
    assert_eq!(dec(Biff::V12, &t, &[]).unwrap(), "A1");
}

#[test]
fn array_constants_in_both_formats() {
    // BIFF8: {1,"a";TRUE,#N/A}: cols-1, rows-1, then typed values.
    let mut extra = vec![1u8, 1, 0];
    extra.push(0x01);
    extra.extend(1f64.to_le_bytes());
    extra.extend([0x02, 1, 0, 0, b'a']);
    extra.extend([0x04, 1, 0, 0, 0, 0, 0, 0, 0]);
    extra.extend([0x10, 0x2A, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(dec(Biff::V8, &[0x60, 0, 0, 0, 0, 0, 0, 0], &extra).unwrap(), "{1,\"a\";TRUE,#N/A}");
    // BIFF12: rows, cols as u32; number, string, bool, error.
    let mut extra = Vec::new();
    extra.extend(1u32.to_le_bytes());
    extra.extend(4u32.to_le_bytes());
    extra.push(0x00);
    extra.extend(2.5f64.to_le_bytes());
    extra.extend([0x01, 1, 0, b'x', 0]);
    extra.extend([0x02, 0]);
    extra.extend([0x04, 0x07, 0, 0, 0]);
    let mut t = vec![0x60];
    t.extend([0u8; 14]);
    assert_eq!(dec(Biff::V12, &t, &extra).unwrap(), "{2.5,\"x\",FALSE,#DIV/0!}");
    // An array that claims more values than its data holds is refused, not allocated.
    let mut extra = Vec::new();
    extra.extend(u32::MAX.to_le_bytes());
    extra.extend(u32::MAX.to_le_bytes());
    assert!(dec(Biff::V12, &[0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &extra).is_err());
}

#[test]
fn numbers_read_back_exactly() {
    for (v, want) in [(0.1, "0.1"), (1e21, "1E+21"), (1.5e-7, "1.5E-7"), (123456.0, "123456"), (-2.25, "-2.25")] {
        let mut t = vec![0x1F];
        t.extend(f64::to_le_bytes(v));
        assert_eq!(dec(Biff::V8, &t, &[]).unwrap(), want);
    }
}

#[test]
fn damaged_token_streams_are_refused_without_panicking() {
    // Every prefix of a valid stream, and a few bytes of noise: an error or a formula, never a panic.
    let mut t = ref12(0, 0, true, true);
    t.extend([0x1F, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x03, 0x19, 0x04, 2, 0, 1, 0, 2, 0, 3, 0, 0x22, 2, 4, 0]);
    for n in 0..t.len() {
        let _ = dec(Biff::V12, &t[..n], &[]);
        let _ = dec(Biff::V8, &t[..n], &[]);
    }
    let mut x: u32 = 0x9E37_79B9;
    for _ in 0..20_000 {
        let len = (x % 24) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let _ = dec(Biff::V12, &bytes, &bytes);
        let _ = dec(Biff::V8, &bytes, &bytes);
    }
    assert!(dec(Biff::V8, &[0x03], &[]).is_err(), "an operator without operands");
    assert!(dec(Biff::V8, &[0x1E, 1, 0, 0x1E, 2, 0], &[]).is_err(), "two values and no operator");
}

// ------------------------------------------------------------------ .xls files made by hand

/// A compound file ([MS-CFB] version 3, 512-byte sectors) holding the given streams,
/// each at least 4,096 bytes (so in ordinary sectors). `patch_fat` may damage the FAT.
fn compound_file(streams: &[(&str, Vec<u8>)], patch_fat: &dyn Fn(&mut Vec<u32>)) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    let mut fat: Vec<u32> = vec![0xFFFF_FFFD, END]; // sector 0: the FAT, 1: the directory
    let mut data: Vec<u8> = Vec::new();
    let mut starts = Vec::new();
    for (_, s) in streams {
        let mut s = s.clone();
        s.resize(s.len().max(4096).div_ceil(512) * 512, 0);
        let first = fat.len() as u32;
        starts.push((first, s.len()));
        let n = s.len() / 512;
        for i in 0..n {
            fat.push(if i + 1 == n { END } else { first + i as u32 + 1 });
        }
        data.extend(s);
    }
    patch_fat(&mut fat);
    fat.resize(128, 0xFFFF_FFFF);
    let mut out = vec![0u8; 512];
    out[..8].copy_from_slice(&crate::cfb::SIGNATURE);
    out[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    out[26..28].copy_from_slice(&3u16.to_le_bytes());
    out[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    out[30..32].copy_from_slice(&9u16.to_le_bytes());
    out[32..34].copy_from_slice(&6u16.to_le_bytes());
    out[44..48].copy_from_slice(&1u32.to_le_bytes());
    out[48..52].copy_from_slice(&1u32.to_le_bytes());
    out[56..60].copy_from_slice(&4096u32.to_le_bytes());
    out[60..64].copy_from_slice(&END.to_le_bytes());
    out[68..72].copy_from_slice(&END.to_le_bytes());
    for i in 0..109 {
        out[76 + 4 * i..80 + 4 * i].copy_from_slice(&if i == 0 { 0u32 } else { 0xFFFF_FFFF }.to_le_bytes());
    }
    for v in &fat {
        out.extend(v.to_le_bytes());
    }
    let mut dir = vec![0u8; 512];
    let entry = |dir: &mut Vec<u8>, i: usize, name: &str, kind: u8, start: u32, size: u64, child: u32| {
        let e = &mut dir[i * 128..(i + 1) * 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (k, u) in units.iter().enumerate() {
            e[2 * k..2 * k + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
        e[66] = kind;
        e[68..72].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        e[72..76].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..128].copy_from_slice(&size.to_le_bytes());
    };
    entry(&mut dir, 0, "Root Entry", 5, END, 0, 1);
    for (i, ((name, s), (start, _))) in streams.iter().zip(&starts).enumerate().take(3) {
        entry(&mut dir, i + 1, name, 2, *start, s.len().max(4096) as u64, 0xFFFF_FFFF);
    }
    out.extend(dir);
    out.extend(data);
    out
}

fn rec(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut v = typ.to_le_bytes().to_vec();
    v.extend((body.len() as u16).to_le_bytes());
    v.extend(body);
    v
}

fn bof(dt: u16) -> Vec<u8> {
    let mut b = 0x0600u16.to_le_bytes().to_vec();
    b.extend(dt.to_le_bytes());
    b.extend([0u8; 12]);
    rec(0x0809, &b)
}

fn cell(row: u16, col: u16) -> Vec<u8> {
    let mut v = row.to_le_bytes().to_vec();
    v.extend(col.to_le_bytes());
    v.extend(0u16.to_le_bytes());
    v
}

/// FORMULA with a number result.
fn formula(row: u16, col: u16, value: f64, rgce: &[u8]) -> Vec<u8> {
    let mut b = cell(row, col);
    b.extend(value.to_le_bytes());
    b.extend(0u16.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    b.extend((rgce.len() as u16).to_le_bytes());
    b.extend(rgce);
    rec(0x0006, &b)
}

/// A Workbook stream: globals (with `globals_extra`), one worksheet "Data" holding `sheet`.
fn workbook_stream(globals_extra: &[u8], sheet: &[u8]) -> Vec<u8> {
    let mut globals = bof(0x0005);
    globals.extend(globals_extra);
    let name = b"Data";
    let mut bs = 0u32.to_le_bytes().to_vec(); // patched below
    bs.extend([0, 0, name.len() as u8, 0]);
    bs.extend(name);
    let boundsheet_at = globals.len() + 4;
    globals.extend(rec(0x0085, &bs));
    globals.extend(rec(0x000A, &[]));
    let sheet_pos = globals.len() as u32;
    globals[boundsheet_at..boundsheet_at + 4].copy_from_slice(&sheet_pos.to_le_bytes());
    globals.extend(bof(0x0010));
    globals.extend(sheet);
    globals.extend(rec(0x000A, &[]));
    globals
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).and_then(|mut f| f.write_all(bytes)).expect("write");
    p
}

/// A sheet: A1 = 2, A2 = 3, B1:B2 = A1*10 as a shared formula (SHRFMLA with PtgRefN),
/// C1 = {=A1:A2*2} as an array formula over C1:C2.
fn sheet_with_shared_and_array() -> Vec<u8> {
    let mut s = Vec::new();
    let mut num = cell(0, 0);
    num.extend(2f64.to_le_bytes());
    s.extend(rec(0x0203, &num));
    let mut num = cell(1, 0);
    num.extend(3f64.to_le_bytes());
    s.extend(rec(0x0203, &num));
    // B1: PtgExp(0, 1), then SHRFMLA B1:B2 = RefN(row +0, col -1) * 10
    s.extend(formula(0, 1, 20.0, &[0x01, 0, 0, 1, 0]));
    let mut sh = vec![0, 0, 1, 0, 1, 1, 0, 2];
    let rgce = [0x2C, 0, 0, 0xFF, 0xC0, 0x1E, 10, 0, 0x05];
    sh.extend((rgce.len() as u16).to_le_bytes());
    sh.extend(rgce);
    s.extend(rec(0x04BC, &sh));
    // C1: PtgExp(0, 2), then ARRAY C1:C2 = A1:A2*2
    s.extend(formula(0, 2, 4.0, &[0x01, 0, 0, 2, 0]));
    let mut ar = vec![0, 0, 1, 0, 2, 2, 0, 0, 0, 0, 0, 0];
    let rgce = [0x25, 0, 0, 1, 0, 0, 0xC0, 0, 0xC0, 0x1E, 2, 0, 0x05];
    ar.extend((rgce.len() as u16).to_le_bytes());
    ar.extend(rgce);
    s.extend(rec(0x0221, &ar));
    s.extend(formula(1, 1, 30.0, &[0x01, 0, 0, 1, 0]));
    s.extend(formula(1, 2, 6.0, &[0x01, 0, 0, 2, 0]));
    s
}

fn read(path: &Path) -> Result<Workbook, sheetc_core::error::SheetcError> {
    read_workbook(path, &Limits::default(), &|| false)
}

#[test]
fn an_xls_file_gives_cells_shared_and_array_formulas() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut globals = rec(0x0022, &1u16.to_le_bytes()); // DATEMODE: 1904
                                                        // A global name Two = Data!$A$1*1 (PtgRef3d needs an EXTERNSHEET; use a plain constant).
    let mut lbl = vec![0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    lbl.extend([0]); // flags of the name's characters: one byte each
    lbl.extend(b"Two");
    lbl.extend([0x1E, 2, 0]);
    globals.extend(rec(0x0018, &lbl));
    let path = write(dir.path(), "book.xls", &compound_file(&[("Workbook", workbook_stream(&globals, &sheet_with_shared_and_array()))], &|_| {}));
    let wb = read(&path).expect("read");
    assert_eq!(wb.format, FileFormat::Xls);
    assert!(wb.date1904);
    assert_eq!(wb.names.len(), 1);
    assert_eq!((wb.names[0].name.as_str(), wb.names[0].formula.as_str(), wb.names[0].scope), ("Two", "2", None));
    let s = &wb.sheets[0];
    assert_eq!(s.name, "Data");
    let at = |r: u32, c: u32| s.cells.iter().find(|x| (x.row, x.col) == (r, c)).expect("cell");
    assert_eq!(at(0, 0).value, Value::Number(2.0));
    let text = |k: CellKind| match k {
        CellKind::Formula(f) | CellKind::ArrayFormula { formula: f, .. } => (s.formulas[f.text as usize].to_string(), f.origin_row, f.origin_col),
        other => panic!("not a formula: {other:?}"),
    };
    // The shared formula's text is written for its anchor B1; B2 points at it.
    assert_eq!(text(at(0, 1).kind), ("A1*10".to_string(), 0, 1));
    assert_eq!(text(at(1, 1).kind), ("A1*10".to_string(), 0, 1));
    assert_eq!(at(1, 1).value, Value::Number(30.0));
    // The array formula covers C1:C2: the anchor holds it, C2 is a member.
    match at(0, 2).kind {
        CellKind::ArrayFormula { last_row, last_col, dynamic, .. } => assert_eq!((last_row, last_col, dynamic), (1, 2, false)),
        other => panic!("C1 is {other:?}"),
    }
    assert_eq!(text(at(0, 2).kind).0, "A1:A2*2");
    assert_eq!(at(1, 2).kind, CellKind::ArrayMember);
}

#[test]
fn an_encrypted_xls_is_e_encrypted() {
    let dir = tempfile::tempdir().expect("temp dir");
    // FILEPASS (RC4 CryptoAPI header, contents irrelevant: the record alone says encrypted).
    let globals = rec(0x002F, &[1, 0, 2, 0, 2, 0]);
    let path = write(dir.path(), "secret.xls", &compound_file(&[("Workbook", workbook_stream(&globals, &[]))], &|_| {}));
    assert_eq!(read(&path).expect_err("encrypted").code, ErrorCode::Encrypted);
    // An encrypted .xlsx/.xlsb: a compound file with an EncryptedPackage stream.
    let path = write(dir.path(), "secret.xlsx", &compound_file(&[("EncryptionInfo", vec![4; 100]), ("EncryptedPackage", vec![0; 100])], &|_| {}));
    assert_eq!(read(&path).expect_err("encrypted").code, ErrorCode::Encrypted);
}

#[test]
fn a_biff_record_with_a_lying_length_is_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sheet = sheet_with_shared_and_array();
    // A NUMBER record that claims 60,000 bytes (the stream holds a few hundred).
    let mut bad = 0x0203u16.to_le_bytes().to_vec();
    bad.extend(60_000u16.to_le_bytes());
    bad.extend(cell(5, 0));
    sheet.extend(bad);
    let stream = workbook_stream(&[], &sheet);
    // The stream padded to 4 KiB would read zeros as records: cut it where it ends.
    let path = write(dir.path(), "lying.xls", &compound_file(&[("Workbook", stream)], &|_| {}));
    let e = read(&path).expect_err("lying length");
    assert_eq!(e.code, ErrorCode::Corrupt, "{e}");
    // A record inside a cell record that is shorter than its fields: corrupt, no panic.
    let mut short = sheet_with_shared_and_array();
    short.extend(rec(0x0203, &[1, 0]));
    let path = write(dir.path(), "short.xls", &compound_file(&[("Workbook", workbook_stream(&[], &short))], &|_| {}));
    assert_eq!(read(&path).expect_err("short record").code, ErrorCode::Corrupt);
}

#[test]
fn a_compound_file_with_a_cycle_in_its_fat_is_corrupt_not_a_hang() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stream = workbook_stream(&[], &sheet_with_shared_and_array());
    // The stream's second sector (3) points back at its first (2): 2, 3, 2, 3... The
    // stream's size is within what the file holds, so only the cycle itself says so.
    let path = write(dir.path(), "cycle.xls", &compound_file(&[("Workbook", stream)], &|fat| fat[3] = 2));
    let e = read(&path).expect_err("cycle");
    assert_eq!(e.code, ErrorCode::Corrupt, "{e}");
    // The directory chain looping on itself.
    let path = write(dir.path(), "dircycle.xls", &compound_file(&[("Workbook", vec![0; 10])], &|fat| fat[1] = 1));
    assert_eq!(read(&path).expect_err("directory cycle").code, ErrorCode::Corrupt);
    // A bare signature: not a complete compound file.
    let path = write(dir.path(), "bare.xls", &crate::cfb::SIGNATURE);
    assert_eq!(read(&path).expect_err("bare").code, ErrorCode::Corrupt);
}

#[test]
fn an_excel_5_workbook_is_a_legacy_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "old.xls", &compound_file(&[("Book", vec![0; 100])], &|_| {}));
    assert_eq!(read(&path).expect_err("BIFF5").code, ErrorCode::LegacyFormat);
}

#[test]
fn the_cell_limit_holds_for_xls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "book.xls", &compound_file(&[("Workbook", workbook_stream(&[], &sheet_with_shared_and_array()))], &|_| {}));
    let limits = Limits { max_cells: 5, ..Limits::default() };
    assert_eq!(read_workbook(&path, &limits, &|| false).expect_err("limit").code, ErrorCode::TooLarge);
    // Six cell records, and the array formula's range C1:C2 counted again when it is
    // applied: the same count as the .xlsx reader makes (cells.rs, apply_array_ranges).
    let limits = Limits { max_cells: 7, ..Limits::default() };
    assert_eq!(read_workbook(&path, &limits, &|| false).expect_err("limit").code, ErrorCode::TooLarge);
    let limits = Limits { max_cells: 8, ..Limits::default() };
    assert!(read_workbook(&path, &limits, &|| false).is_ok());
}

// ------------------------------------------------------------------ .xlsb files made by hand

fn brec(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    if typ < 0x80 {
        v.push(typ as u8);
    } else {
        v.push((typ & 0x7F) as u8 | 0x80);
        v.push((typ >> 7) as u8);
    }
    let mut len = body.len();
    loop {
        let b = (len & 0x7F) as u8;
        len >>= 7;
        if len > 0 {
            v.push(b | 0x80);
        } else {
            v.push(b);
            break;
        }
    }
    v.extend(body);
    v
}

fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut v = (units.len() as u32).to_le_bytes().to_vec();
    for u in units {
        v.extend(u.to_le_bytes());
    }
    v
}

fn bcell(col: u32) -> Vec<u8> {
    let mut v = col.to_le_bytes().to_vec();
    v.extend([0, 0, 0, 0]);
    v
}

fn bformula(col: u32, value: f64, rgce: &[u8]) -> Vec<u8> {
    let mut b = bcell(col);
    b.extend(value.to_le_bytes());
    b.extend(0u16.to_le_bytes());
    b.extend((rgce.len() as u32).to_le_bytes());
    b.extend(rgce);
    b.extend(0u32.to_le_bytes());
    brec(0x0009, &b)
}

/// Row 1: A1 = 2, B1 = A1*3 (shared over B1:B2 through PtgExp + BrtShrFmla); row 2: A2 = 5, B2.
fn xlsb_sheet() -> Vec<u8> {
    let mut s = brec(0x0081, &[]);
    s.extend(brec(0x0091, &[])); // BrtBeginSheetData
    s.extend(brec(0x0000, &0u32.to_le_bytes()));
    let mut a1 = bcell(0);
    a1.extend(2f64.to_le_bytes());
    s.extend(brec(0x0005, &a1));
    s.extend(bformula(1, 6.0, &[0x01, 0, 0, 0, 0]));
    let mut shr = Vec::new();
    for v in [0u32, 1, 1, 1] {
        shr.extend(v.to_le_bytes());
    }
    let mut rgce = vec![0x2C];
    rgce.extend(0i32.to_le_bytes());
    rgce.extend((0xC000u16 | 0x3FFF).to_le_bytes()); // column -1
    rgce.extend([0x1E, 3, 0, 0x05]);
    shr.extend((rgce.len() as u32).to_le_bytes());
    shr.extend(rgce);
    shr.extend(0u32.to_le_bytes());
    s.extend(brec(0x01AB, &shr));
    s.extend(brec(0x0000, &1u32.to_le_bytes()));
    let mut a2 = bcell(0);
    a2.extend(5f64.to_le_bytes());
    s.extend(brec(0x0005, &a2));
    s.extend(bformula(1, 15.0, &[0x01, 0, 0, 0, 0]));
    s.extend(brec(0x0092, &[]));
    s
}

fn xlsb_package(path: &Path, sheet: &[u8], date1904: bool) {
    let mut wb = brec(0x0083, &[]);
    wb.extend(brec(0x0099, &(date1904 as u32).to_le_bytes()));
    let mut sh = 0u32.to_le_bytes().to_vec();
    sh.extend(1u32.to_le_bytes());
    sh.extend(wide("rId1"));
    sh.extend(wide("Calc"));
    wb.extend(brec(0x009C, &sh));
    wb.extend(brec(0x0090, &[]));
    let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>"#;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, bytes) in [("xl/workbook.bin", wb.as_slice()), ("xl/_rels/workbook.bin.rels", rels.as_bytes()), ("xl/worksheets/sheet1.bin", sheet)] {
        z.start_file(name, zip::write::SimpleFileOptions::default()).expect("start");
        z.write_all(bytes).expect("write");
    }
    z.finish().expect("finish");
}

#[test]
fn an_xlsb_file_gives_cells_and_shared_formulas() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("book.xlsb");
    xlsb_package(&path, &xlsb_sheet(), true);
    let wb = read(&path).expect("read");
    assert_eq!(wb.format, FileFormat::Xlsb);
    assert!(wb.date1904);
    let s = &wb.sheets[0];
    assert_eq!(s.name, "Calc");
    assert_eq!(s.cells.len(), 4);
    for (i, (row, col, value)) in [(0, 0, 2.0), (0, 1, 6.0), (1, 0, 5.0), (1, 1, 15.0)].into_iter().enumerate() {
        assert_eq!((s.cells[i].row, s.cells[i].col, &s.cells[i].value), (row, col, &Value::Number(value)));
    }
    for c in [&s.cells[1], &s.cells[3]] {
        let f = c.formula().expect("a formula");
        assert_eq!((&s.formulas[f.text as usize], f.origin_row, f.origin_col), ("A1*3", 0, 1));
    }
}

#[test]
fn a_truncated_xlsb_is_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sheet = xlsb_sheet();
    for cut in [sheet.len() - 1, sheet.len() / 2, 20, 3] {
        let path = dir.path().join(format!("cut{cut}.xlsb"));
        xlsb_package(&path, &sheet[..cut], false);
        let e = read(&path).expect_err("truncated");
        assert_eq!(e.code, ErrorCode::Corrupt, "cut at {cut}: {e}");
    }
    // A record claiming 256 MB: refused before anything is allocated for it.
    let mut huge = xlsb_sheet();
    huge.truncate(huge.len() - 2);
    huge.extend([0x05, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);
    let path = dir.path().join("huge.xlsb");
    xlsb_package(&path, &huge, false);
    assert_eq!(read(&path).expect_err("huge record").code, ErrorCode::Corrupt);
    // A cell record shorter than its fields, and a shared string index past the table.
    let mut short = xlsb_sheet();
    short.truncate(short.len() - 2);
    short.extend(brec(0x0005, &[1, 0]));
    let path = dir.path().join("short.xlsb");
    xlsb_package(&path, &short, false);
    assert_eq!(read(&path).expect_err("short").code, ErrorCode::Corrupt);
    let mut sst = xlsb_sheet();
    sst.truncate(sst.len() - 2);
    let mut c = bcell(3);
    c.extend(99u32.to_le_bytes());
    sst.extend(brec(0x0007, &c));
    let path = dir.path().join("sst.xlsb");
    xlsb_package(&path, &sst, false);
    assert_eq!(read(&path).expect_err("string index").code, ErrorCode::Corrupt);
}

#[test]
fn an_ods_file_is_refused_with_advice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("book.ods");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    z.start_file("mimetype", zip::write::SimpleFileOptions::default()).expect("start");
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").expect("write");
    z.start_file("content.xml", zip::write::SimpleFileOptions::default()).expect("start");
    z.write_all(b"<office:document-content/>").expect("write");
    z.finish().expect("finish");
    let e = read(&path).expect_err("ods");
    assert_eq!(e.code, ErrorCode::UnsupportedFormat);
    assert!(e.message.contains(".xlsx"), "{}", e.message);
}

// ------------------------------------------------------------------ Excel's own twins

/// Every `.xlsb`/`.xls` of `shared/corpus-formats` reads like its `.xlsx`/`.xlsm` twin:
/// the same cells are formulas (array anchors and members alike), every formula text
/// parses and decodes (no `SHEETC.UNDECODABLE`), a formula written for its own cell in
/// both files has the same text (up to the `_xlfn.` prefix Excel adds in binary files),
/// and the date system agrees.
#[test]
fn corpus_twins_read_like_their_oracles() {
    // `shared/` sits beside the repository (or beside the worktrees' folder): look upwards.
    let Some(dir) = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(|a| a.join("shared/corpus-formats")).find(|d| d.is_dir()) else {
        eprintln!("note: shared/corpus-formats not found above {}; the twins test has nothing to read", env!("CARGO_MANIFEST_DIR"));
        return;
    };
    let mut parser = sheetc_core::parse::FormulaParser::new();
    let mut checked = 0usize;
    let mut failures = Vec::new();
    let mut oracles: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("dir").flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "xlsx" || e == "xlsm")).collect();
    oracles.sort();
    for oracle in &oracles {
        let want = read(oracle).unwrap_or_else(|e| panic!("{}: {e}", oracle.display()));
        for ext in ["xlsb", "xls"] {
            let twin = oracle.with_extension(ext);
            if !twin.exists() {
                continue;
            }
            let got = read(&twin).unwrap_or_else(|e| panic!("{}: {e}", twin.display()));
            let name = twin.file_name().unwrap_or_default().to_string_lossy().to_string();
            assert_eq!(got.sheets.len(), want.sheets.len(), "{name}: sheets");
            for (ws, gs) in want.sheets.iter().zip(&got.sheets) {
                let computed = |s: &sheetc_core::model::Sheet| {
                    s.cells.iter().filter(|c| c.is_computed()).map(|c| (c.row, c.col)).collect::<std::collections::BTreeSet<_>>()
                };
                if computed(ws) != computed(gs) {
                    failures.push(format!("{name} {}: formula cells differ", gs.name));
                }
                for i in 0..gs.formulas.len() {
                    let f = &gs.formulas[i];
                    if f.contains("SHEETC.UNDECODABLE") || parser.parse(f).is_err() {
                        failures.push(format!("{name} {}: {f:?}", gs.name));
                    }
                }
                for gc in &gs.cells {
                    let (Some(gf), Some(wc)) = (gc.formula(), ws.cells.iter().find(|c| (c.row, c.col) == (gc.row, gc.col))) else { continue };
                    let Some(wf) = wc.formula() else { continue };
                    if (gf.origin_row, gf.origin_col) != (gc.row, gc.col) || (wf.origin_row, wf.origin_col) != (wc.row, wc.col) {
                        continue;
                    }
                    // Spaces are formatting (tAttrSpace, not kept); a sheet's own name is
                    // written with its sheet (`Sheet1!SHEETjs`), as it resolves on that sheet;
                    // Excel 2011's `.xlsx` writes a workbook-level name as `[0]!col1_` (book 0:
                    // this one), its binary files name it alone.
                    let norm = |s: &str| s.replace("_xlfn.", "").replace(' ', "").replace("Sheet1!SHEETjs", "SHEETjs").replace("[0]!", "").to_ascii_uppercase();
                    checked += 1;
                    if norm(&gs.formulas[gf.text as usize]) != norm(&ws.formulas[wf.text as usize]) {
                        failures.push(format!(
                            "{name} {}!r{}c{}: {:?} vs {:?}",
                            gs.name, gc.row, gc.col, &gs.formulas[gf.text as usize], &ws.formulas[wf.text as usize]
                        ));
                    }
                }
            }
        }
    }
    for f in failures.iter().take(40) {
        eprintln!("  {f}");
    }
    assert!(checked > 500, "only {checked} formulas compared");
    assert!(failures.is_empty(), "{} differences", failures.len());
}
