/**
 * Hostile input and failure: every malicious, damaged or absurd input gets a typed
 * `SheetcError` (with the exact stable code) or a correct result, never a crash, a
 * hang or half-written output. Failed builds must leave neither the output directory
 * nor a `.engine.sheetc-tmp-*` sibling behind.
 *
 * Inputs are generated here (xlsx-writer, hand-made zips with fflate, hand-made OLE
 * headers); regression inputs found by the fuzzer (`fuzz/`) live in
 * `__test__/fixtures/hostile/`.
 */
import test, { type ExecutionContext } from 'ava';
import { tokenizer } from 'acorn';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { compile, SheetcError } from '../ts/index.js';
import type { CompileOptions, SheetcErrorCode } from '../ts/index.js';
import { writeXlsx, type FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { fixtureFile, tempDir } from './helpers/build.js';

const TYPED_CODES: readonly SheetcErrorCode[] = [
  'E_NOT_A_WORKBOOK',
  'E_ENCRYPTED',
  'E_LEGACY_FORMAT',
  'E_UNSUPPORTED_FORMAT',
  'E_CORRUPT',
  'E_TOO_LARGE',
  'E_IO',
  'E_CANCELLED',
  'E_STRICT',
  'E_INVALID_OPTION',
];

const here = dirname(new URL(import.meta.url).pathname);
const FIXTURES = join(here, 'fixtures', 'hostile');

// ------------------------------------------------------------------ helpers

function writeBytes(bytes: Uint8Array | string, name = 'input.xlsx'): string {
  const file = join(tempDir('sheetc-hostile-in-'), name);
  writeFileSync(file, bytes);
  return file;
}

/** Files left next to the output directory (a failed build must leave none). */
function siblings(parent: string): string[] {
  return readdirSync(parent).sort();
}

/**
 * Compiles `file` into a fresh `<tmp>/engine`, expects a SheetcError whose code is in
 * `codes`, and checks that neither the output nor a temp sibling exists afterwards.
 * Returns the code.
 */
async function expectFailure(
  t: ExecutionContext,
  file: string,
  codes: SheetcErrorCode | readonly SheetcErrorCode[],
  opts: Partial<CompileOptions> = {},
): Promise<SheetcErrorCode | undefined> {
  const parent = tempDir('sheetc-hostile-out-');
  const out = join(parent, 'engine');
  const err = await t.throwsAsync(compile(file, { outDir: out, ...opts }));
  if (!(err instanceof SheetcError)) {
    t.fail(`expected a SheetcError, got ${String(err)}`);
    return undefined;
  }
  const allowed = typeof codes === 'string' ? [codes] : codes;
  t.true(allowed.includes(err.code), `code ${err.code} (${err.message}) is not one of ${allowed.join(', ')}`);
  t.true(TYPED_CODES.includes(err.code), `code ${err.code} is not a typed error code`);
  t.false(existsSync(out), 'a failed build left the output directory');
  t.deepEqual(siblings(parent), [], 'a failed build left a temporary sibling');
  return err.code;
}

/** Compiles and imports an engine; returns the engine, its dir and report. */
async function build(file: string, opts: Partial<CompileOptions> = {}) {
  const parent = tempDir('sheetc-hostile-out-');
  const dir = join(parent, 'engine');
  const report = await compile(file, { outDir: dir, ...opts });
  const mod = (await import(pathToFileURL(join(dir, 'engine.js')).href)) as {
    run: (inputs?: Record<string, unknown>) => { get(ref: string): unknown; toJSON(): Record<string, unknown>; meta: { elapsedMs: number } };
  };
  return { parent, dir, report, run: mod.run };
}

/** Every file under `dir`, relative, with `/` separators. */
function listRecursive(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const ENGINE_FILE = /^(engine\.js|engine\.d\.ts|manifest\.json|runtime\.js|package\.json|labels\.json|explain\.json|modules\/m\d+\.js|modules\/deps\.js)$/;

function assertOnlyEngineFiles(t: ExecutionContext, dir: string) {
  for (const f of listRecursive(dir)) t.regex(f, ENGINE_FILE, `unexpected file in the engine: ${f}`);
}

/** A fixture xlsx as a map of parts, for surgery. */
function parts(wb: FixtureWorkbook): Record<string, Uint8Array> {
  return unzipSync(writeXlsx(wb));
}

function zip(files: Record<string, Uint8Array | string>, level: 0 | 1 | 6 = 6): Uint8Array {
  const z: Zippable = {};
  for (const [k, v] of Object.entries(files)) z[k] = [typeof v === 'string' ? strToU8(v) : v, { level }];
  return zipSync(z);
}

/** Local-file-header offsets of the members of a zip (fflate writes no data descriptors). */
function members(buf: Uint8Array): { name: string; header: number; dataStart: number; compressed: number }[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = [];
  let off = 0;
  while (off + 30 <= buf.length && dv.getUint32(off, true) === 0x04034b50) {
    const compressed = dv.getUint32(off + 18, true);
    const nameLen = dv.getUint16(off + 26, true);
    const extraLen = dv.getUint16(off + 28, true);
    const name = new TextDecoder().decode(buf.subarray(off + 30, off + 30 + nameLen));
    const dataStart = off + 30 + nameLen + extraLen;
    out.push({ name, header: off, dataStart, compressed });
    off = dataStart + compressed;
  }
  return out;
}

/** Rewrites the declared uncompressed size of `name` (local header and central directory). */
function lieAboutSize(buf: Uint8Array, name: string, size: number): Uint8Array {
  const b = buf.slice();
  const dv = new DataView(b.buffer);
  const m = members(b).find((x) => x.name === name)!;
  dv.setUint32(m.header + 22, size, true);
  for (let off = 0; off + 46 <= b.length; off++) {
    if (dv.getUint32(off, true) !== 0x02014b50) continue;
    const nameLen = dv.getUint16(off + 28, true);
    if (new TextDecoder().decode(b.subarray(off + 46, off + 46 + nameLen)) === name) dv.setUint32(off + 24, size, true);
  }
  return b;
}

const simple: FixtureWorkbook = { sheets: [{ name: 'S', cells: { A1: 1, A2: 2, B1: '=A1+A2', C1: '="text "&B1' } }] };

// ------------------------------------------------------------------ not a workbook / damaged zips

test('a text file is E_NOT_A_WORKBOOK', async (t) => {
  await expectFailure(t, writeBytes('this is not a spreadsheet at all\n'), 'E_NOT_A_WORKBOOK');
});

test('an empty file is E_NOT_A_WORKBOOK', async (t) => {
  await expectFailure(t, writeBytes(new Uint8Array(0)), 'E_NOT_A_WORKBOOK');
});

test('a truncated zip (first half of a real xlsx) is a typed error', async (t) => {
  const full = writeXlsx(simple);
  const code = await expectFailure(t, writeBytes(full.subarray(0, full.length >> 1)), ['E_NOT_A_WORKBOOK', 'E_CORRUPT']);
  // The central directory is gone: the zip cannot be opened at all.
  t.is(code, 'E_NOT_A_WORKBOOK');
});

test('a zip whose sheet member has corrupted deflate data is E_CORRUPT', async (t) => {
  const cells: Record<string, number | string> = {};
  for (let r = 1; r <= 200; r++) cells[`A${r}`] = r;
  cells.B1 = '=SUM(A1:A200)';
  const buf = zip(parts({ sheets: [{ name: 'S', cells }] }), 6);
  const m = members(buf).find((x) => x.name === 'xl/worksheets/sheet1.xml')!;
  const bad = buf.slice();
  for (let i = m.dataStart + (m.compressed >> 2); i < m.dataStart + (m.compressed >> 1); i++) bad[i] = 0xa5 ^ (i & 0xff);
  const code = await expectFailure(t, writeBytes(bad), ['E_CORRUPT', 'E_NOT_A_WORKBOOK']);
  t.is(code, 'E_CORRUPT');
});

test('a zip whose stored sheet member fails its CRC is E_CORRUPT', async (t) => {
  const buf = zip(parts(simple), 0);
  const m = members(buf).find((x) => x.name === 'xl/worksheets/sheet1.xml')!;
  const bad = buf.slice();
  // Change a digit inside the stored XML: still well-formed, but the CRC no longer matches.
  const text = new TextDecoder().decode(bad.subarray(m.dataStart, m.dataStart + m.compressed));
  const at = text.indexOf('<v>1</v>');
  t.true(at > 0);
  bad[m.dataStart + at + 3] = '7'.charCodeAt(0);
  const code = await expectFailure(t, writeBytes(bad), ['E_CORRUPT', 'E_NOT_A_WORKBOOK']);
  t.is(code, 'E_CORRUPT');
});

// ------------------------------------------------------------------ size limits (zip bombs)

/** A workbook whose one sheet is ~2 MB of highly compressible repeated cells. */
function twoMegabyteSheet(): Uint8Array {
  const rows: string[] = [];
  for (let r = 1; r <= 50_000; r++) rows.push(`<row r="${r}"><c r="A${r}"><v>1</v></c></row>`);
  const p = parts({ sheets: [{ name: 'S', cells: { A1: 1 } }] });
  p['xl/worksheets/sheet1.xml'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`,
  );
  t0Check(p['xl/worksheets/sheet1.xml']!.length > 2_000_000);
  return zip(p, 6);
}
function t0Check(ok: boolean) {
  if (!ok) throw new Error('fixture is smaller than intended');
}

test('a zip expanding beyond maxUncompressedMb is E_TOO_LARGE', async (t) => {
  const buf = twoMegabyteSheet();
  t.true(buf.length < 512 * 1024, `compressed ${buf.length} bytes`);
  await expectFailure(t, writeBytes(buf), 'E_TOO_LARGE', { maxUncompressedMb: 1 });
});

test('a zip member that lies about its size (declares 1 KB, expands to 2 MB) is E_TOO_LARGE or E_CORRUPT', async (t) => {
  // The central directory total is tiny, so only the capped reads can catch it.
  const buf = lieAboutSize(twoMegabyteSheet(), 'xl/worksheets/sheet1.xml', 1024);
  await expectFailure(t, writeBytes(buf), ['E_TOO_LARGE', 'E_CORRUPT'], { maxUncompressedMb: 1 });
});

test('more cells than maxCells is E_TOO_LARGE', async (t) => {
  const cells: Record<string, number> = {};
  for (let r = 1; r <= 20; r++) cells[`A${r}`] = r;
  await expectFailure(t, fixtureFile({ sheets: [{ name: 'S', cells }] }), 'E_TOO_LARGE', { maxCells: 10 });
});

test('array-formula ranges count against maxCells (their members are cells too)', async (t) => {
  // One <f t="array" ref="A1:J100000"> makes a million computed cells out of a ~1 KB file.
  const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: { formula: '1', array: 'A1:J100000', value: 1 } } }] });
  await expectFailure(t, file, 'E_TOO_LARGE', { maxCells: 10_000 });
});

// A ~1 KB workbook declaring a whole-sheet array range: the range is counted against the
// cell limit before any member is materialised.
test('a whole-sheet array formula (A1:XFD1048576) is E_TOO_LARGE under the default limits', async (t) => {
  const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: { formula: '1', array: 'A1:XFD1048576', value: 1 } } }] });
  await expectFailure(t, file, 'E_TOO_LARGE');
});

// ------------------------------------------------------------------ other formats

function ole(extra: Uint8Array): Uint8Array {
  const b = new Uint8Array(1536);
  b.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 0);
  b.set(extra, 1024);
  return b;
}
const utf16le = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));

test('an OLE container holding EncryptedPackage is E_ENCRYPTED', async (t) => {
  await expectFailure(t, writeBytes(ole(utf16le('EncryptedPackage'))), 'E_ENCRYPTED');
});

test('an OLE signature over bytes that are no compound file (a damaged .xls) is E_CORRUPT', async (t) => {
  await expectFailure(t, writeBytes(ole(utf16le('Workbook'))), 'E_CORRUPT');
});

test('a bare OLE signature (8 bytes, nothing else) is E_CORRUPT', async (t) => {
  await expectFailure(t, writeBytes(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])), 'E_CORRUPT');
});

test('an OpenDocument spreadsheet (.ods) is E_UNSUPPORTED_FORMAT', async (t) => {
  const ods = zip({
    mimetype: 'application/vnd.oasis.opendocument.spreadsheet',
    'content.xml': '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
    'META-INF/manifest.xml': '<?xml version="1.0"?><manifest/>',
  });
  await expectFailure(t, writeBytes(ods, 'book.ods'), 'E_UNSUPPORTED_FORMAT');
});

test('a binary workbook (.xlsb) whose workbook part is cut short is E_CORRUPT', async (t) => {
  const xlsb = zip({
    '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    // BrtBeginBook, then a BrtWbProp that claims 12 bytes and holds 2.
    'xl/workbook.bin': new Uint8Array([0x83, 0x01, 0x00, 0x99, 0x01, 0x0c, 0x01, 0x00]),
    'xl/worksheets/sheet1.bin': new Uint8Array([0x81, 0x01, 0x00]),
  });
  await expectFailure(t, writeBytes(xlsb, 'book.xlsb'), 'E_CORRUPT');
});

test('a zip that is no workbook at all (no xl/workbook.xml) is E_NOT_A_WORKBOOK', async (t) => {
  await expectFailure(t, writeBytes(zip({ 'readme.txt': 'hello' })), 'E_NOT_A_WORKBOOK');
});

// ------------------------------------------------------------------ absurd declared dimension

test('a sheet declaring A1:XFD1048576 with three cells compiles small and runs fast', async (t) => {
  const file = fixtureFile({ sheets: [{ name: 'Huge', dimension: 'A1:XFD1048576', cells: { A1: 2, B1: 3, XFD1048576: '=A1*B1' } }] });
  const e = await build(file);
  // Native build time (wall time would include waiting for a busy libuv pool): a build
  // that walked the declared 17 billion cells would take minutes.
  t.true(e.report.timings.totalMs < 5_000, `build took ${e.report.timings.totalMs} ms`);
  t.true(e.report.engineBytes < 50 * 1024, `engine is ${e.report.engineBytes} bytes`);
  t.is(e.report.cells, 3);
  const r0 = performance.now();
  const r = e.run();
  const runMs = performance.now() - r0;
  t.is(r.get('Huge!XFD1048576'), 6);
  t.is(e.run({ 'Huge!A1': 5 }).get('Huge!XFD1048576'), 15);
  t.true(runMs < 250, `run took ${runMs} ms`);
});

// ------------------------------------------------------------------ missing parts

test('a workbook without xl/_rels/workbook.xml.rels is E_CORRUPT', async (t) => {
  const p = parts(simple);
  delete p['xl/_rels/workbook.xml.rels'];
  await expectFailure(t, writeBytes(zip(p)), 'E_CORRUPT');
});

test('a sheet listed in the workbook whose part is missing is E_CORRUPT', async (t) => {
  const p = parts({ sheets: [{ name: 'S', cells: { A1: 1 } }, { name: 'Gone', cells: { A1: 2 } }] });
  delete p['xl/worksheets/sheet2.xml'];
  await expectFailure(t, writeBytes(zip(p)), 'E_CORRUPT');
});

test('a workbook without xl/workbook.xml but with its rels is E_NOT_A_WORKBOOK', async (t) => {
  const p = parts(simple);
  delete p['xl/workbook.xml'];
  await expectFailure(t, writeBytes(zip(p)), 'E_NOT_A_WORKBOOK');
});

test('malformed workbook.xml is E_CORRUPT', async (t) => {
  const p = parts(simple);
  p['xl/workbook.xml'] = strToU8('<?xml version="1.0"?><workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></notworkbook>');
  await expectFailure(t, writeBytes(zip(p)), 'E_CORRUPT');
});

// ------------------------------------------------------------------ sheet names

test('two sheets whose names differ only in case are E_CORRUPT (Excel forbids them)', async (t) => {
  // Excel compares sheet names case-insensitively and refuses a duplicate: a file with
  // both `Data` and `DATA` is damaged. Compiling it anyway would make `Data!A1` (formulas
  // and run()/get()) ambiguous.
  const file = fixtureFile({
    sheets: [
      { name: 'Data', cells: { A1: 1 } },
      { name: 'DATA', cells: { A1: 2 } },
      { name: 'Main', cells: { A1: '=Data!A1*10', A2: '=DATA!A1*10' } },
    ],
  });
  await expectFailure(t, file, 'E_CORRUPT');
});

const PATH_NAMES = [
  '../../evil',
  '..',
  '.',
  'a/b/c',
  'c\\d\\e',
  '/etc/passwd',
  'C:\\Windows',
  'NUL',
  'con.js',
  'modules',
  'engine.js',
  '\u202Eevil\u200B\uFEFF\u0085',
  'line\u2028break',
  'x'.repeat(300),
];

test('sheet names with path characters, control-like characters and 300 chars compile to plain files only', async (t) => {
  const quote = (n: string) => `'${n.replace(/'/g, "''")}'`;
  const sheets = PATH_NAMES.map((name, i) => ({ name, cells: { A1: i + 1 } }));
  const main: Record<string, string> = {};
  PATH_NAMES.forEach((n, i) => (main[`A${i + 1}`] = `=${quote(n)}!A1*10`));
  const file = fixtureFile({ sheets: [...sheets, { name: 'Main', cells: main }] });
  const cwdBefore = readdirSync(process.cwd()).sort();
  const e = await build(file);
  const r = e.run();
  PATH_NAMES.forEach((n, i) => {
    const v = r.get(`Main!A${i + 1}`);
    if (n.includes(':')) {
      // Excel forbids ':' in sheet names: `'C:\Windows'!A1` is the 3-D reference from
      // sheet `C` to sheet `\Windows`, neither of which exists.
      t.is((v as { code?: string }).code, '#REF!', `formula reading ${JSON.stringify(n)}`);
    } else {
      t.is(v, (i + 1) * 10, `formula reading ${JSON.stringify(n)}`);
    }
    t.is(r.get(`${n}!A1`), i + 1, `get() on ${JSON.stringify(n)}`);
    t.is(r.get(`${quote(n)}!A1`), i + 1, `get() on quoted ${JSON.stringify(n)}`);
  });
  t.deepEqual(
    e.report.sheets.map((s) => s.name),
    [...PATH_NAMES, 'Main'],
  );
  // Only the engine's own files, nothing named after a sheet, nothing outside.
  assertOnlyEngineFiles(t, e.dir);
  t.deepEqual(siblings(e.parent), ['engine']);
  t.false(existsSync(join(e.parent, '..', 'evil')));
  t.false(existsSync(join(e.parent, '..', '..', 'evil')));
  t.deepEqual(readdirSync(process.cwd()).sort(), cwdBefore);
});

// ------------------------------------------------------------------ defined names shadowing built-ins

test('defined names called SUM, TRUE or like a cell address do not shadow functions, booleans or cells', async (t) => {
  const file = fixtureFile({
    sheets: [{ name: 'S', cells: { A1: 10, A2: 20, A3: 30, AB1: 7, B1: '=SUM(1,2)', B2: '=TRUE', B3: '=AB1', B4: '=IF(TRUE,1,2)', B5: '=SUM(A1:A3)' } }],
    names: [
      { name: 'SUM', formula: 'S!$A$1' },
      { name: 'TRUE', formula: 'S!$A$2' },
      { name: 'AB1', formula: 'S!$A$3' },
      { name: 'R1C1', formula: 'S!$A$3' },
    ],
  });
  const e = await build(file);
  const r = e.run();
  t.is(r.get('S!B1'), 3, 'SUM( is the function');
  t.is(r.get('S!B2'), true, 'TRUE is the boolean');
  t.is(r.get('S!B3'), 7, 'AB1 is the cell');
  t.is(r.get('S!B4'), 1);
  t.is(r.get('S!B5'), 60);
  // get('AB1') is the cell address (single-sheet engine), not the name.
  t.is(r.get('AB1'), 7);
  t.deepEqual(e.report.definedNames, ['SUM', 'TRUE', 'AB1', 'R1C1']);
  // Names that are not addresses stay usable as names.
  t.is(r.get('SUM'), 10);
  t.is(r.get('TRUE'), 20);
});

// ------------------------------------------------------------------ deep and long formulas

async function backfillCodeOf(t: ExecutionContext, formula: string, cached: number | string = 42) {
  const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: { formula, value: cached }, B1: 1, C1: '=B1+1' } }] });
  const e = await build(file);
  t.is(e.run().get('S!C1'), 2, 'the rest of the sheet still compiles');
  t.is(e.run().get('S!A1'), cached, 'the backfilled cell keeps its cached value');
  const b = e.report.backfilled.find((x) => x.cell === 'A1');
  t.truthy(b, 'A1 is reported as backfilled');
  return b?.code;
}

test('10,000 nested parentheses are backfilled (too long/too deep)', async (t) => {
  const code = await backfillCodeOf(t, '('.repeat(10_000) + '1' + ')'.repeat(10_000));
  t.true(code === 'formula-too-deep' || code === 'formula-too-long', code);
});

test('10,000 nested -( are backfilled (too long/too deep)', async (t) => {
  const code = await backfillCodeOf(t, '-('.repeat(10_000) + '1' + ')'.repeat(10_000));
  t.true(code === 'formula-too-deep' || code === 'formula-too-long', code);
});

test('10,000 nested SUM( are backfilled (too long/too deep)', async (t) => {
  const code = await backfillCodeOf(t, 'SUM('.repeat(10_000) + '1' + ')'.repeat(10_000));
  t.true(code === 'formula-too-deep' || code === 'formula-too-long', code);
});

test('nesting deeper than the limit but within 8,192 characters is formula-too-deep', async (t) => {
  t.is(await backfillCodeOf(t, '('.repeat(3000) + '1' + ')'.repeat(3000)), 'formula-too-deep');
  t.is(await backfillCodeOf(t, '-'.repeat(8000) + '1'), 'formula-too-deep');
  t.is(await backfillCodeOf(t, 'SUM('.repeat(1500) + '1' + ')'.repeat(1500)), 'formula-too-deep');
  t.is(await backfillCodeOf(t, '1' + '%'.repeat(8000)), 'formula-too-deep');
});

test('nesting just under the limit compiles and computes', async (t) => {
  const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: '=' + '('.repeat(500) + '1+1' + ')'.repeat(500), A2: '=' + '-'.repeat(500) + '1' } }] });
  const e = await build(file);
  t.deepEqual(e.report.backfilled, []);
  t.is(e.run().get('S!A1'), 2);
  t.is(e.run().get('S!A2'), 1);
});

// Excel allows 64 nesting levels and real models nest IF 10-20 deep (at 64 levels doubling
// code would never finish): the generated code
// must grow linearly with the formula, not double per level.
for (const [label, open, close, expected] of [
  ['IF(TRUE,x,', 'IF(TRUE,', ')', 0],
  ['IF(FALSE,0,x)', 'IF(FALSE,0,', ')', 1],
  ['IF(A1>0,...)', 'IF(S!A1>0,', ',0)', 1],
  ['IFERROR(1/0,x)', 'IFERROR(1/0,', ')', 1],
  ['IFNA(NA(),x)', 'IFNA(NA(),', ')', 1],
] as const) {
  test(`18 nested ${label} compile to a small engine (no exponential code)`, async (t) => {
    const depth = 18;
    const inner = label.startsWith('IF(TRUE') ? '0' : '1';
    const formula = open.repeat(depth) + inner + close.repeat(depth);
    const file = fixtureFile({ sheets: [{ name: 'S', cells: { A1: 1, B1: { formula, value: expected } } }] });
    const e = await build(file);
    t.teardown(() => rmSync(e.parent, { recursive: true, force: true }));
    t.deepEqual(e.report.backfilled, []);
    t.true(e.report.engineBytes < 256 * 1024, `${formula.length}-character formula made a ${e.report.engineBytes}-byte engine`);
    t.is(e.run().get('S!B1'), expected);
  });
}

test('a 1 MB formula is backfilled as formula-too-long', async (t) => {
  const f = Array.from({ length: 500_000 }, () => '1').join('+');
  t.true(f.length > 999_000);
  t.is(await backfillCodeOf(t, f), 'formula-too-long');
});

// ------------------------------------------------------------------ a one-million-cell chain

// Serial: ava runs it before the concurrent tests, so its CPU and memory do not skew their timings.
test.serial('a 1,000,000-cell dependency chain builds and runs without recursion overflow', async (t) => {
  t.timeout(15 * 60_000);
  const N = 1_000_000;
  const chunks: string[] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'];
  let buf: string[] = [];
  for (let r = 2; r <= N; r++) {
    buf.push(`<row r="${r}"><c r="A${r}"><f>A${r - 1}+1</f></c></row>`);
    if (buf.length === 10_000) {
      chunks.push(buf.join(''));
      buf = [];
    }
  }
  chunks.push(buf.join(''), '</sheetData></worksheet>');
  const p = parts({ sheets: [{ name: 'S', cells: { A1: 1 } }] });
  p['xl/worksheets/sheet1.xml'] = strToU8(chunks.join(''));
  const file = writeBytes(zip(p, 1));
  const e = await build(file);
  t.teardown(() => {
    rmSync(e.parent, { recursive: true, force: true });
    rmSync(dirname(file), { recursive: true, force: true });
  });
  t.is(e.report.formulaCells, N - 1);
  t.deepEqual(e.report.backfilled, []);
  const r = e.run();
  t.is(r.get('S!A1000000'), N);
  t.is(e.run({ 'S!A1': 0 }).get('S!A1000000'), N - 1);
});

// ------------------------------------------------------------------ code injection

const HOSTILE = [
  '"); globalThis.pwned1 = 1; ("',
  "'); globalThis.pwned2 = 1; ('",
  '`; globalThis.pwned3 = 1; `',
  '${globalThis.pwned4 = 1}',
  '*/ globalThis.pwned5 = 1; /*',
  '</script><script>globalThis.pwned6=1</script>',
  '\u2028globalThis.pwned7 = 1;\u2029',
  '\\"); globalThis.pwned8 = 1; //',
  '\n globalThis.pwned9 = 1; //',
  '--> <!-- globalThis.pwned10 = 1',
];

/**
 * The code tokens of a JavaScript file, string literals and template chunks replaced
 * by `""`, comments dropped: where workbook text must never appear. (A comment may
 * mention workbook text, e.g. `// ... Sheet "<escaped name>"`: if that text could end
 * the comment, its payload would show up here as code tokens.)
 */
function codeOutsideStrings(src: string): string {
  const out: string[] = [];
  for (const tok of tokenizer(src, { ecmaVersion: 'latest', sourceType: 'module' })) {
    out.push(tok.type.label === 'string' || tok.type.label === 'template' ? '""' : src.slice(tok.start, tok.end));
  }
  return out.join(' ');
}

/** A crude string-literal-aware scan for .d.ts (acorn does not parse TypeScript). */
function dtsOutsideStrings(src: string): string {
  return src.replace(/"(?:[^"\\\n\u2028\u2029]|\\.)*"|'(?:[^'\\\n\u2028\u2029]|\\.)*'|`(?:[^`\\$]|\\.|\$(?!\{))*`/g, '""');
}

test('workbook text in formulas, sheet names and defined names reaches the engine only as string literals', async (t) => {
  const cells: Record<string, string | { formula: string; value: string }> = {};
  HOSTILE.forEach((s, i) => {
    cells[`A${i + 1}`] = s;
    cells[`B${i + 1}`] = `="${s.replace(/"/g, '""')}"`;
    // A backfilled formula keeps its cached text (and its formula text lands in the manifest).
    cells[`C${i + 1}`] = { formula: `WEBSERVICE("${s.replace(/"/g, '""')}")`, value: s };
  });
  const sheetNames = HOSTILE.slice(0, 6).map((s) => s.replace(/[\n\u2028\u2029]/g, ' '));
  const sheets = [
    { name: 'Main', cells },
    ...sheetNames.map((name, i) => ({ name, cells: { A1: i + 1, B1: '=A1*2' } })),
  ];
  const names = HOSTILE.slice(0, 6).map((s, i) => ({ name: `N${i}${s.replace(/[\n\u2028\u2029]/g, ' ')}`, formula: `'${sheetNames[i]!.replace(/'/g, "''")}'!$A$1` }));
  const file = fixtureFile({ sheets, names });
  const e = await build(file);
  const r = e.run();
  HOSTILE.forEach((s, i) => {
    t.is(r.get(`Main!A${i + 1}`), s);
    t.is(r.get(`Main!B${i + 1}`), s);
    t.is(r.get(`Main!C${i + 1}`), s);
  });
  // Quoted, as a name that starts and ends with an apostrophe needs to be.
  const q = (n: string) => `'${n.replace(/'/g, "''")}'`;
  sheetNames.forEach((n, i) => {
    t.is(r.get(`${q(n)}!B1`), (i + 1) * 2, `sheet ${JSON.stringify(n)}`);
  });
  names.forEach((n, i) => {
    t.is(r.get(n.name), i + 1, `name ${JSON.stringify(n.name)}`);
    t.is(e.run({ [n.name]: 100 }).get(`${q(sheetNames[i]!)}!B1`), 200);
  });
  for (let k = 1; k <= 10; k++) t.is((globalThis as Record<string, unknown>)[`pwned${k}`], undefined);

  // Every generated file: the payloads occur only inside string literals.
  assertOnlyEngineFiles(t, e.dir);
  for (const f of listRecursive(e.dir)) {
    if (f === 'runtime.js') continue; // the runtime bundle is copied, not generated
    const src = readFileSync(join(e.dir, f), 'utf8');
    if (f.endsWith('.json')) {
      t.notThrows(() => JSON.parse(src), f);
      continue;
    }
    const code = f.endsWith('.d.ts') ? dtsOutsideStrings(src) : codeOutsideStrings(src);
    t.false(/pwned/.test(code), `${f}: workbook text outside a string literal: …${code.slice(Math.max(0, code.indexOf('pwned') - 80), code.indexOf('pwned') + 40)}…`);
    t.false(/<\/script/i.test(src), `${f}: a raw </script> would end an inline <script> element`);
    t.false(/[\u2028\u2029]/.test(src), `${f}: raw U+2028/U+2029 in generated source`);
  }
  const manifest = JSON.parse(readFileSync(join(e.dir, 'manifest.json'), 'utf8'));
  t.deepEqual(manifest.definedNames, names.map((n) => n.name));
});

// ------------------------------------------------------------------ unwritable output

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

test('an output directory inside a regular file is E_IO and writes nothing', async (t) => {
  const parent = tempDir('sheetc-hostile-out-');
  const blocker = join(parent, 'blocker');
  writeFileSync(blocker, 'i am a file');
  const err = await t.throwsAsync(compile(fixtureFile(simple), { outDir: join(blocker, 'engine') }));
  t.is((err as SheetcError).code, 'E_IO');
  t.deepEqual(siblings(parent), ['blocker']);
  t.is(readFileSync(blocker, 'utf8'), 'i am a file');
});

test('an output path that is an existing regular file is E_IO and the file is untouched', async (t) => {
  const parent = tempDir('sheetc-hostile-out-');
  const out = join(parent, 'engine');
  writeFileSync(out, 'precious');
  const err = await t.throwsAsync(compile(fixtureFile(simple), { outDir: out }));
  t.is((err as SheetcError).code, 'E_IO');
  t.deepEqual(siblings(parent), ['engine']);
  t.is(readFileSync(out, 'utf8'), 'precious');
});

test('an output under /proc (cannot create anything) is E_IO', async (t) => {
  if (!existsSync('/proc/self')) return t.pass('no /proc on this platform');
  const err = await t.throwsAsync(compile(fixtureFile(simple), { outDir: '/proc/sheetc-engine-test' }));
  t.is((err as SheetcError).code, 'E_IO');
});

test('when the parent is unwritable the build is E_IO and the previous engine is untouched', async (t) => {
  const parent = tempDir('sheetc-hostile-out-');
  const out = join(parent, 'engine');
  await compile(fixtureFile(simple), { outDir: out });
  const before = listRecursive(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]);
  const changed = fixtureFile({ sheets: [{ name: 'S', cells: { A1: 100, B1: '=A1*2' } }] });
  let err: unknown;
  if (!isRoot) {
    const { chmodSync } = await import('node:fs');
    chmodSync(parent, 0o500);
    try {
      err = await t.throwsAsync(compile(changed, { outDir: out }));
    } finally {
      chmodSync(parent, 0o700);
    }
    t.deepEqual(siblings(parent), ['engine']);
  } else {
    // chmod does not stop root: occupy every temporary name the build could use instead,
    // so nothing new can be created next to the engine.
    const decoys: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const d = `.engine.sheetc-tmp-${process.pid}-${i}`;
      writeFileSync(join(parent, d), '');
      decoys.push(d);
    }
    err = await t.throwsAsync(compile(changed, { outDir: out }));
    t.deepEqual(siblings(parent), [...decoys, 'engine'].sort());
  }
  t.is((err as SheetcError).code, 'E_IO');
  t.deepEqual(listRecursive(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]), before, 'the previous engine is byte-for-byte untouched');
});

// ------------------------------------------------------------------ fuzzer regressions

const root = join(here, '..');
const CRASHES = join(root, 'fuzz', 'crashes');
// The fuzzer's saved findings (fuzz/crashes/) and the ones copied here, replayed through the public API.
const regressions = [
  ...(existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.xlsx')).map((f) => join(FIXTURES, f)) : []),
  ...(existsSync(CRASHES) ? readdirSync(CRASHES).filter((f) => f.endsWith('.xlsx')).map((f) => join(CRASHES, f)) : []),
].sort();

/** What `compile()` did in a child process (some inputs used to abort the whole process). */
interface ChildOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  result?: { ok: boolean; name?: string; code?: SheetcErrorCode; message?: string; location?: string };
}

function compileInChild(file: string, out: string, opts: Partial<CompileOptions> = {}): ChildOutcome {
  const script = `
      const { compile } = await import(${JSON.stringify(pathToFileURL(join(root, 'ts', 'index.ts')).href)});
      try {
        await compile(${JSON.stringify(file)}, { outDir: ${JSON.stringify(out)}, ...${JSON.stringify(opts)} });
        console.log(JSON.stringify({ ok: true }));
      } catch (e) {
        console.log(JSON.stringify({ ok: false, name: e?.name, code: e?.code, message: String(e?.message), location: e?.location }));
      }`;
  const child = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const last = child.stdout.trim().split('\n').pop();
  return { status: child.status, signal: child.signal, stderr: child.stderr, result: child.status === 0 && last ? (JSON.parse(last) as ChildOutcome['result']) : undefined };
}

for (const file of regressions) {
  const name = relative(root, file);
  // In a child process: some of these inputs aborted the whole process (out of memory
  // in calamine), which would otherwise take every test of this file down with it.
  test(`fuzz regression ${name}: a typed error or a complete engine, no crash`, async (t) => {
    const parent = tempDir('sheetc-hostile-out-');
    const out = join(parent, 'engine');
    const child = compileInChild(file, out);
    t.is(child.status, 0, `the compiler process died (${child.signal ?? child.status}): ${child.stderr.slice(0, 500)}`);
    const result = child.result;
    if (!result) return;
    if (result.ok) {
      t.true(statSync(join(out, 'engine.js')).isFile());
      assertOnlyEngineFiles(t, out);
      const mod = (await import(pathToFileURL(join(out, 'engine.js')).href)) as { run: () => { toJSON(): unknown } };
      t.notThrows(() => mod.run().toJSON());
    } else {
      t.is(result.name, 'SheetcError', result.message);
      t.true(result.code !== undefined && TYPED_CODES.includes(result.code) && result.code !== 'E_IO', `${result.code}: ${result.message}`);
      t.false(existsSync(out));
      t.deepEqual(siblings(parent), []);
    }
  });
}

// ------------------------------------------------------------------ issue #16, round two

const SST_REL = '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>';

/** `simple` plus a shared-string table (given whole) that cell D1 uses. */
function withSharedStrings(sst: string): Uint8Array {
  const p = parts(simple);
  p['xl/_rels/workbook.xml.rels'] = strToU8(new TextDecoder().decode(p['xl/_rels/workbook.xml.rels']).replace('</Relationships>', `${SST_REL}</Relationships>`));
  p['xl/worksheets/sheet1.xml'] = strToU8(new TextDecoder().decode(p['xl/worksheets/sheet1.xml']).replace('</row>', '<c r="D1" t="s"><v>0</v></c></row>'));
  p['xl/sharedStrings.xml'] = strToU8(sst);
  return zip(p);
}

const SST_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';

test('an absurd shared-string count, however quoted or placed, is E_CORRUPT and the process survives', async (t) => {
  const pad = 'p'.repeat(5000);
  const variants: [string, string][] = [
    ['single quotes', `<sst xmlns="${SST_NS}" uniqueCount='4000000000000'>`],
    ['whitespace around =', `<sst xmlns="${SST_NS}" uniqueCount = "4000000000000">`],
    ['tab and newline around =', `<sst xmlns="${SST_NS}" uniqueCount\t=\n'4000000000000'>`],
    ['after 4 KB of comment', `<!-- ${pad} --><sst xmlns="${SST_NS}" uniqueCount="4000000000000">`],
    ['after 4 KB of attributes', `<sst xmlns="${SST_NS}" a="${pad}" uniqueCount="4000000000000">`],
    // This one panicked a thread (capacity overflow) before: E_INTERNAL at best.
    ['2^64-1 in quotes', `<sst xmlns="${SST_NS}" uniqueCount='18446744073709551615'>`],
    ['a prefixed element', `<x:sst xmlns:x="${SST_NS}" uniqueCount='4000000000000'>`],
  ];
  for (const [label, open] of variants) {
    const close = open.startsWith('<x:') || open.includes('<x:sst') ? '<x:si><x:t>s</x:t></x:si></x:sst>' : '<si><t>s</t></si></sst>';
    const file = writeBytes(withSharedStrings(`<?xml version="1.0" encoding="UTF-8"?>${open}${close}`));
    const parent = tempDir('sheetc-hostile-out-');
    const child = compileInChild(file, join(parent, 'engine'));
    t.is(child.status, 0, `${label}: the process died (${child.signal ?? child.status}): ${child.stderr.slice(0, 300)}`);
    t.is(child.result?.code, 'E_CORRUPT', `${label}: ${child.result?.message}`);
    t.deepEqual(siblings(parent), [], label);
  }
  // An honest table in single quotes builds.
  const ok = await build(writeBytes(withSharedStrings(`<?xml version="1.0"?><sst xmlns='${SST_NS}' count='1' uniqueCount = '1'><si><t>shared</t></si></sst>`)));
  t.is(ok.run().get('S!D1'), 'shared');
});

test('a user folder holding a manifest.json and an engine.js is never replaced (E_IO, every file kept)', async (t) => {
  const parent = tempDir('sheetc-hostile-out-');
  const project = join(parent, 'project');
  const mine: Record<string, string> = {
    'manifest.json': '{"name":"my-app","version":"1.0.0"}',
    'engine.js': '// my own engine\n',
    'README.md': '# my project\n',
    'src/index.js': 'export {};\n',
  };
  for (const [f, text] of Object.entries(mine)) {
    mkdirSync(dirname(join(project, f)), { recursive: true });
    writeFileSync(join(project, f), text);
  }
  const err = await t.throwsAsync(compile(fixtureFile(simple), { outDir: project }));
  t.is((err as SheetcError).code, 'E_IO');
  t.regex((err as SheetcError).message, /not an engine sheetc wrote/);
  t.deepEqual(listRecursive(project), Object.keys(mine).sort());
  for (const [f, text] of Object.entries(mine)) t.is(readFileSync(join(project, f), 'utf8'), text, f);
  t.deepEqual(siblings(parent), ['project']);
});

test('an engine is recognised by its manifest (generator, format version, its files) and replaced only when it holds nothing else', async (t) => {
  const parent = tempDir('sheetc-hostile-out-');
  const out = join(parent, 'engine');
  const first = await compile(fixtureFile(simple), { outDir: out });
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { generator: string; formatVersion: number; files: string[] };
  t.is(manifest.generator, 'sheetc');
  t.is(manifest.formatVersion, 1);
  t.deepEqual(manifest.files, listRecursive(out), 'the manifest lists exactly the engine files');
  t.deepEqual(first.files, manifest.files);
  // A rebuild replaces it.
  await compile(fixtureFile({ sheets: [{ name: 'S', cells: { A1: 5, B1: '=A1*2' } }] }), { outDir: out });
  t.is((await import(pathToFileURL(join(out, 'engine.js')).href + '?v2')).run().get('S!B1'), 10);
  // A file added by hand: refused, named, and kept.
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const err = await t.throwsAsync(compile(fixtureFile(simple), { outDir: out }));
  t.is((err as SheetcError).code, 'E_IO');
  t.regex((err as SheetcError).message, /notes\.txt/);
  t.is(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
  rmSync(join(out, 'notes.txt'));
  // A manifest that lists a file outside the directory does not make it the engine's.
  const forged = { ...manifest, files: [...manifest.files, '../victim.txt'] };
  writeFileSync(join(parent, 'victim.txt'), 'keep');
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(forged));
  await compile(fixtureFile(simple), { outDir: out });
  t.is(readFileSync(join(parent, 'victim.txt'), 'utf8'), 'keep');
  t.deepEqual(siblings(parent), ['engine', 'victim.txt']);
});

test('an absurd iteration count is clamped to 32,767 (Excel`s maximum) and builds and runs at once', async (t) => {
  // A1 = A1 + 1 never converges: Excel stops after Maximum Iterations sweeps, each adding 1.
  const e = await build(fixtureFile({ iterate: { count: 4294967295, delta: 0 }, sheets: [{ name: 'S', cells: { A1: '=A1+1' } }] }));
  t.is(e.run().get('S!A1'), 32767);
  for (const [count, want] of [[0, 1], [-7, 1], [32768, 32767]] as const) {
    const x = await build(fixtureFile({ iterate: { count, delta: 0 }, sheets: [{ name: 'S', cells: { A1: '=A1+1' } }] }));
    t.is(x.run().get('S!A1'), want, `iterateCount=${count}`);
  }
});

test('an iteration delta Excel would not accept (NaN, negative, infinite) reads as the default 0.001', async (t) => {
  for (const delta of [NaN, -1, Infinity]) {
    const e = await build(fixtureFile({ iterate: { count: 100, delta }, sheets: [{ name: 'S', cells: { A1: '=A1+1' } }] }));
    const spec = ((await import(pathToFileURL(join(e.dir, 'engine.js')).href)) as { spec: { calc: { count: number; delta: number } } }).spec;
    t.deepEqual(spec.calc, { iterate: true, count: 100, delta: 0.001 }, `iterateDelta=${delta}`);
  }
});

test('an engine whose spec carries absurd iteration settings refuses to load (E_LOAD)', async (t) => {
  const e = await build(fixtureFile({ iterate: { count: 10, delta: 0 }, sheets: [{ name: 'S', cells: { A1: '=A1+1' } }] }));
  const src = readFileSync(join(e.dir, 'engine.js'), 'utf8');
  t.true(src.includes('"count":10,'));
  for (const [i, calc] of ['"count":4294967295,', '"count":0,', '"count":1.5,'].entries()) {
    writeFileSync(join(e.dir, `engine${i}.js`), src.replace('"count":10,', calc));
    const err = await t.throwsAsync(import(pathToFileURL(join(e.dir, `engine${i}.js`)).href));
    t.is((err as { code?: string }).code, 'E_LOAD', calc);
  }
  writeFileSync(join(e.dir, 'engine9.js'), src.replace('"delta":0}', '"delta":-1}'));
  t.is(((await t.throwsAsync(import(pathToFileURL(join(e.dir, 'engine9.js')).href))) as { code?: string }).code, 'E_LOAD');
});

test('sheet names equal under Excel`s case rule (Turkish, German, Greek, full-width) are E_CORRUPT', async (t) => {
  for (const [a, b] of [['ı', 'i'], ['İ', 'i'], ['I', 'ı'], ['ẞ', 'ß'], ['ς', 'Σ'], ['σ', 'ς'], ['Ａ', 'ａ']]) {
    const file = fixtureFile({ sheets: [{ name: a!, cells: { A1: 1 } }, { name: b!, cells: { A1: 2 } }] });
    const code = await expectFailure(t, file, 'E_CORRUPT');
    t.is(code, 'E_CORRUPT', `${a} / ${b}`);
  }
});

test('sheets distinct under Excel`s rule stay distinct in a compiled engine (ß/SS, Ａ/A) and case variants find their sheet', async (t) => {
  const e = await build(
    fixtureFile({
      sheets: [
        { name: 'ß', cells: { A1: 1 } },
        { name: 'SS', cells: { A1: 2 } },
        { name: 'Ａ', cells: { A1: 3 } },
        { name: 'A', cells: { A1: 4 } },
        { name: 'İstanbul', cells: { A1: 5 } },
        { name: 'ΟΔΟΣ', cells: { A1: 6 } },
        { name: 'F', cells: { B1: "='ß'!A1*10", B2: '=SS!A1*10', B3: "='ａ'!A1*10", B4: '=a!A1*10', B5: "='ıstanbul'!A1*10", B6: "='οδος'!A1*10" } },
      ],
    }),
  );
  const r = e.run();
  t.deepEqual([r.get('ß!A1'), r.get('ẞ!A1'), r.get('SS!A1'), r.get('ss!A1')], [1, 1, 2, 2]);
  t.deepEqual([r.get('Ａ!A1'), r.get('ａ!A1'), r.get('A!A1'), r.get('a!A1')], [3, 3, 4, 4]);
  t.deepEqual([r.get('istanbul!A1'), r.get('ISTANBUL!A1'), r.get('ıstanbul!A1'), r.get('İSTANBUL!A1')], [5, 5, 5, 5]);
  t.deepEqual([r.get('οδος!A1'), r.get('ΟΔΟΣ!A1'), r.get('οδοσ!A1')], [6, 6, 6]);
  t.deepEqual([r.get('F!B1'), r.get('F!B2'), r.get('F!B3'), r.get('F!B4'), r.get('F!B5'), r.get('F!B6')], [10, 20, 30, 40, 50, 60]);
  // An input to one sheet never reaches its look-alike.
  const x = e.run({ 'ß!A1': 100, 'ａ!A1': 300 });
  t.deepEqual([x.get('F!B1'), x.get('F!B2'), x.get('F!B3'), x.get('F!B4')], [1000, 20, 3000, 40]);
  t.deepEqual([x.get('SS!A1'), x.get('A!A1')], [2, 4]);
});

/** UTF-16 with or without a byte-order mark, its declaration saying so. */
function utf16(part: Uint8Array, little: boolean, bom: boolean): Uint8Array {
  const text = new TextDecoder().decode(part).replace('encoding="UTF-8"', 'encoding="UTF-16"');
  const le = Buffer.from(text, 'utf16le');
  if (!little) le.swap16();
  return new Uint8Array(Buffer.concat([bom ? Buffer.from(little ? [0xff, 0xfe] : [0xfe, 0xff]) : Buffer.alloc(0), le]));
}

test('UTF-16 workbook, relationship and sheet parts build the same engine as UTF-8 ones', async (t) => {
  for (const [little, bom] of [[true, true], [false, true], [true, false], [false, false]] as const) {
    const p = parts(simple);
    for (const name of ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', '_rels/.rels', 'xl/worksheets/sheet1.xml']) p[name] = utf16(p[name]!, little, bom);
    const e = await build(writeBytes(zip(p)));
    const r = e.run();
    t.deepEqual([r.get('S!B1'), r.get('S!C1')], [3, 'text 3'], `little-endian ${little}, BOM ${bom}`);
  }
});

test('a workbook with no worksheets is E_CORRUPT, not an empty engine', async (t) => {
  const p = parts(simple);
  p['xl/workbook.xml'] = strToU8(new TextDecoder().decode(p['xl/workbook.xml']).replace(/<sheets>.*<\/sheets>/, '<sheets/>'));
  await expectFailure(t, writeBytes(zip(p)), 'E_CORRUPT');
});

test('a cell with more than 32,767 characters is E_CORRUPT (Excel`s cell limit), at its cell', async (t) => {
  const ok = await build(fixtureFile({ sheets: [{ name: 'S', cells: { A1: 'x'.repeat(32767), B1: '=LEN(A1)' } }] }));
  t.is(ok.run().get('S!B1'), 32767);
  for (const [label, text] of [['32,768 characters', 'x'.repeat(32768)], ['16,384 emoji (32,768 UTF-16 units)', '😀'.repeat(16384)], ['8 MB', 'y'.repeat(8 << 20)]] as const) {
    const parent = tempDir('sheetc-hostile-out-');
    const err = await t.throwsAsync(compile(fixtureFile({ sheets: [{ name: 'S', cells: { A1: 1, B2: text } }] }), { outDir: join(parent, 'engine') }));
    t.is((err as SheetcError).code, 'E_CORRUPT', label);
    if (text.length < 1 << 20) t.is((err as SheetcError).location, 'S!B2', label);
    t.deepEqual(siblings(parent), [], label);
  }
});

/** A zip holding `name` twice: written under a stand-in of the same length, then renamed in the headers. */
function twiceNamed(p: Record<string, Uint8Array>, name: string, second: Uint8Array): Uint8Array {
  const stand = name.slice(0, -1) + '#';
  const buf = zip({ ...p, [stand]: second }, 0);
  const from = new TextEncoder().encode(stand);
  const to = new TextEncoder().encode(name);
  for (let i = 0; i + from.length <= buf.length; i++) {
    if (from.every((b, k) => buf[i + k] === b)) buf.set(to, i);
  }
  return buf;
}

test('duplicate zip entries, exact or differing in case, are E_CORRUPT', async (t) => {
  const p = parts(simple);
  const other = parts({ sheets: [{ name: 'S', cells: { A1: 100 } }] });
  await expectFailure(t, writeBytes(twiceNamed(p, 'xl/worksheets/sheet1.xml', other['xl/worksheets/sheet1.xml']!)), 'E_CORRUPT');
  await expectFailure(t, writeBytes(zip({ ...p, 'XL/Worksheets/Sheet1.xml': other['xl/worksheets/sheet1.xml']! })), 'E_CORRUPT');
  await expectFailure(t, writeBytes(zip({ ...p, 'XL/WORKBOOK.XML': p['xl/workbook.xml']! })), 'E_CORRUPT');
});

test('get() and run() of a range the size of the grid are E_TOO_LARGE, not an exhausted heap; ranges up to the cap work', async (t) => {
  const e = await build(fixtureFile({ sheets: [{ name: 'S', cells: { A1: 1, B1: '=SUM(A1:A3)' } }] }));
  const r = e.run();
  const code = (f: () => unknown) => (t.throws(f) as { code?: string }).code;
  // The whole grid: 17,179,869,184 cells.
  t.is(code(() => r.get('S!A1:XFD1048576')), 'E_TOO_LARGE');
  t.is(code(() => e.run({ 'S!A1:XFD1048576': 1 })), 'E_TOO_LARGE');
  t.is(code(() => e.run({ 'S!A1:XFD1048576': [[1]] })), 'E_TOO_LARGE');
  // One cell past the cap (8 full columns), and the cap itself.
  t.is(code(() => r.get('S!A1:I1048576')), 'E_TOO_LARGE');
  t.is(code(() => e.run({ 'S!A1:FAO2048': 0 })), 'E_TOO_LARGE', '2048 × 4097 cells');
  const cap = r.get('S!A1:H1048576') as unknown[][];
  t.is(cap.length, 1_048_576);
  t.is(cap[0]!.length, 8);
  t.deepEqual([cap[0]![0], cap[0]![1], cap[1]![0]], [1, 1, null]);
  // A range input within the cap still reaches the formulas.
  t.is(e.run({ 'S!A1:A3': [[2], [3], [4]] }).get('S!B1'), 9);
});
