/**
 * Tests of the conformance runner (scripts/conformance*): expected-value extraction,
 * stripping, comparison, and the child-process pipeline with stand-in compilers.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { callsNondeterministic, compareValues, functionsIn, normalizeKey, formatValue } from '../scripts/conformance/compare.js';
import { backfilledCells } from '../scripts/conformance/engine.js';
import { compareFile, listWorkbooks, runConformance } from '../scripts/conformance/runner.js';
import { formatSummary, summarize, lastLine } from '../scripts/conformance/report.js';
import { extractExpected, sheetParts, shiftFormula, stripWorkbook, valueMetadataErrors, type ExpectedCell } from '../scripts/conformance/xlsx.js';
import { decodeXml, decodeXstring, textOf } from '../scripts/conformance/xml.js';

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n';

/** A minimal xlsx: the sheets are listed in workbook order, stored under the given part names. */
function buildXlsx(sheets: { name: string; part: string; data: string }[], sst: string[]): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  files['[Content_Types].xml'] = strToU8(
    HEAD +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      sheets.map((s) => `<Override PartName="/xl/${s.part}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
      '</Types>',
  );
  files['_rels/.rels'] = strToU8(
    HEAD +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
      '</Relationships>',
  );
  // rIds in reverse so that rel order, part numbering and sheet order all differ.
  const rid = (i: number) => `rId${sheets.length - i + 10}`;
  files['xl/workbook.xml'] = strToU8(
    HEAD +
      `<workbook ${NS}><sheets>` +
      sheets.map((s, i) => `<sheet name="${s.name.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" sheetId="${i + 1}" r:id="${rid(i)}"/>`).join('') +
      '</sheets><calcPr calcId="191029"/></workbook>',
  );
  files['xl/_rels/workbook.xml.rels'] = strToU8(
    HEAD +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' +
      [...sheets]
        .map((s, i) => ({ s, i }))
        .reverse()
        .map(({ s, i }) => `<Relationship Id="${rid(i)}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="${i === 0 ? '/xl/' : ''}${s.part}"/>`)
        .join('') +
      '</Relationships>',
  );
  for (const s of sheets) files[`xl/${s.part}`] = strToU8(HEAD + `<worksheet ${NS}><dimension ref="A1:F9"/><sheetData>${s.data}</sheetData><pageMargins left="0.7"/></worksheet>`);
  files['xl/sharedStrings.xml'] = strToU8(HEAD + `<sst ${NS} count="${sst.length}" uniqueCount="${sst.length}">${sst.join('')}</sst>`);
  return zipSync(files);
}

const SST = [
  '<si><t>hello</t></si>', // 0
  '<si><r><rPr><b/></rPr><t xml:space="preserve">rich </t></r><r><t>text &amp; more</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>', // 1
  '<si><t/></si>', // 2
  '<si><t>line_x000D_end</t></si>', // 3
];

// "Calc & Co" is the first sheet but lives in sheet2.xml.
const CALC = [
  '<row r="1" spans="1:6">',
  '<c r="A1"><v>2</v></c>',
  '<c r="B1"><f>A1*2</f><v>4</v></c>',
  '<c r="C1"><f t="shared" ref="C1:C3" si="0">A1+$A$1</f><v>4</v></c>',
  '<c r="D1"><f t="array" ref="D1:E2">A1:B2*10</f><v>20</v></c>',
  '<c r="E1"><v>40</v></c>',
  '<c r="F1" t="s"><v>0</v></c>',
  '</row>',
  '<row r="2" spans="1:6">',
  '<c r="A2"><v>3</v></c>',
  '<c r="B2" t="str"><f>"a&amp;b"&amp;"&lt;x&gt;"</f><v>a&amp;b&lt;x&gt;</v></c>',
  '<c r="C2"><f t="shared" si="0"/><v>5</v></c>',
  '<c r="D2"><v>30</v></c>',
  '<c r="E2" t="e"><v>#VALUE!</v></c>',
  '<c r="F2" t="inlineStr"><is><t>inline const</t></is></c>',
  '</row>',
  '<row r="3">',
  '<c r="A3" t="s"><v>1</v></c>',
  '<c r="B3" t="e"><f>NA()</f><v>#N/A</v></c>',
  '<c r="C3" s="2"><f t="shared" si="0"/><v>5.0000000000000009</v></c>',
  '<c r="D3" t="b"><f>A1&gt;1</f><v>1</v></c>',
  '<c r="E3" t="str"><f>CHAR(10)&amp;"x"</f><v xml:space="preserve">\r\nx</v></c>',
  '<c r="F3"><f>LOG10(100)+_xlfn.CONCAT("SUM(",A1)</f></c>', // no stored value: not counted
  '</row>',
  '<row r="4">',
  '<c r="A4" t="s"><f>F1</f><v>0</v></c>',
  '<c r="B4" t="str"><f>""</f><v/></c>',
  '<c r="C4" t="s"><v>3</v></c>',
  '<c r="D4" t="b"><v>0</v></c>',
  '</row>',
].join('');

const OTHER = '<row r="1"><c r="A1"><f>\'Calc &amp; Co\'!A1+1</f><v>3</v></c><c r="B1"><v>7</v></c></row>';

function sample(): Uint8Array {
  return buildXlsx(
    [
      { name: 'Calc & Co', part: 'worksheets/sheet2.xml', data: CALC },
      { name: 'Other', part: 'worksheets/sheet1.xml', data: OTHER },
    ],
    SST,
  );
}

function byKey(cells: ExpectedCell[]): Map<string, ExpectedCell> {
  return new Map(cells.map((c) => [c.key, c]));
}

test('xml decoding: entities, character references, _xHHHH_ escapes, line ends', (t) => {
  t.is(decodeXml('a&amp;b&lt;c&gt;&quot;&apos;&#10;&#x41;&unknown;'), 'a&b<c>"\'\nA&unknown;');
  t.is(decodeXstring('a_x000D_b_x005F_x000D_'), 'a\rb_x000D_');
  t.is(textOf('x\r\ny&#13;'), 'x\ny\r');
});

test('sheet names and parts come from workbook.xml and its rels, not part numbering', (t) => {
  const parts = sheetParts(unzipSync(sample()));
  t.deepEqual(
    parts.map((p) => [p.name, p.path, p.type]),
    [
      ['Calc & Co', 'xl/worksheets/sheet2.xml', 'worksheet'],
      ['Other', 'xl/worksheets/sheet1.xml', 'worksheet'],
    ],
  );
});

test('extracts the expected value of every formula and array-range cell', (t) => {
  const ex = extractExpected(sample());
  const m = byKey(ex.cells);
  const val = (k: string) => m.get(k)?.expected;
  t.deepEqual([...m.keys()].sort(), [
    'Calc & Co!A4',
    'Calc & Co!B1',
    'Calc & Co!B2',
    'Calc & Co!B3',
    'Calc & Co!B4',
    'Calc & Co!C1',
    'Calc & Co!C2',
    'Calc & Co!C3',
    'Calc & Co!D1',
    'Calc & Co!D2',
    'Calc & Co!D3',
    'Calc & Co!E1',
    'Calc & Co!E2',
    'Calc & Co!E3',
    'Other!A1',
  ]);
  t.is(ex.noValue, 1); // F3
  // normal formula
  t.is(val('Calc & Co!B1'), 4);
  t.is(m.get('Calc & Co!B1')!.formula, 'A1*2');
  t.is(m.get('Calc & Co!B1')!.kind, 'formula');
  // shared group: anchor and children, with the formula shifted for display
  t.is(val('Calc & Co!C1'), 4);
  t.is(val('Calc & Co!C2'), 5);
  t.is(val('Calc & Co!C3'), 5.0000000000000009);
  t.like(m.get('Calc & Co!C3'), { kind: 'shared', from: 'C1', formula: 'A1+$A$1', displayFormula: 'A3+$A$1' });
  // array range: anchor and children (children have no <f>), one child an error
  t.like(m.get('Calc & Co!D1'), { kind: 'array-anchor', expected: 20, formula: 'A1:B2*10' });
  t.like(m.get('Calc & Co!E1'), { kind: 'array-child', from: 'D1', expected: 40, formula: 'A1:B2*10' });
  t.is(val('Calc & Co!D2'), 30);
  t.deepEqual(val('Calc & Co!E2'), { error: '#VALUE!' });
  // strings, with entities; errors; booleans; shared-string result; empty string
  t.is(val('Calc & Co!B2'), 'a&b<x>');
  t.is(m.get('Calc & Co!B2')!.formula, '"a&b"&"<x>"');
  t.deepEqual(val('Calc & Co!B3'), { error: '#N/A' });
  t.is(val('Calc & Co!D3'), true);
  t.is(m.get('Calc & Co!D3')!.formula, 'A1>1');
  t.is(val('Calc & Co!E3'), '\nx');
  t.is(val('Calc & Co!A4'), 'hello');
  t.is(val('Calc & Co!B4'), '');
  // constants are not expected cells
  t.false(m.has('Calc & Co!A1'));
  t.false(m.has('Calc & Co!D4'));
  // the other sheet
  t.is(val('Other!A1'), 3);
  t.is(m.get('Other!A1')!.formula, "'Calc & Co'!A1+1");
});

test('shared strings: rich text runs concatenated, phonetic runs skipped, escapes decoded', (t) => {
  const data = buildXlsx(
    [{ name: 'S', part: 'worksheets/sheet1.xml', data: '<row r="1"><c r="A1" t="s"><f>X</f><v>1</v></c><c r="A2" t="s"><f>X</f><v>2</v></c><c r="A3" t="s"><f>X</f><v>3</v></c></row>' }],
    SST,
  );
  const m = byKey(extractExpected(data).cells);
  t.is(m.get('S!A1')?.expected, 'rich text & more');
  t.is(m.get('S!A2')?.expected, '');
  t.is(m.get('S!A3')?.expected, 'line\rend');
});

/**
 * Adds Excel's rich-value error parts to a package: metadata (an XLDAPR type first, so the
 * type index matters), rich values under non-conventional part names (found through the
 * workbook rels), two structures with the errorType key not first.
 */
function withRichErrors(bytes: Uint8Array): Uint8Array {
  const files = unzipSync(bytes);
  const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const RD = 'http://schemas.microsoft.com/office/spreadsheetml/2017/richdata';
  const rvb = (i: number) => `<bk><extLst><ext uri="{3e2802c4-a4d2-4d8b-9148-e3be6c30e623}"><xlrd:rvb i="${i}"/></ext></extLst></bk>`;
  files['xl/metadata.xml'] = strToU8(
    HEAD +
      `<metadata xmlns="${MAIN}" xmlns:xlrd="${RD}" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">` +
      '<metadataTypes count="2"><metadataType name="XLDAPR" minSupportedVersion="120000" cellMeta="1"/><metadataType name="XLRICHVALUE" minSupportedVersion="120000"/></metadataTypes>' +
      '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>' +
      // futureMetadata bk 0 → rich value 2, bk 1 → rich value 0, bk 2 → rich value 1
      `<futureMetadata name="XLRICHVALUE" count="3">${rvb(2)}${rvb(0)}${rvb(1)}</futureMetadata>` +
      '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>' +
      // vm 1 → bk 1 → rv 0; vm 2 → bk 0 → rv 2; vm 3 → bk 2 → rv 1 (not an error); vm 4 → the XLDAPR type
      '<valueMetadata count="4"><bk><rc t="2" v="1"/></bk><bk><rc t="2" v="0"/></bk><bk><rc t="2" v="2"/></bk><bk><rc t="1" v="0"/></bk></valueMetadata>' +
      '</metadata>',
  );
  files['xl/rich/values.xml'] = strToU8(
    HEAD +
      `<rvData xmlns="${RD}" count="3">` +
      '<rv s="1"><v>3</v><v>13</v></rv>' + // rv 0: subType 3, errorType 13 → #CALC!
      '<rv s="0"><v>hello</v></rv>' + // rv 1: not an error
      '<rv s="1"><v>0</v><v>8</v></rv>' + // rv 2: errorType 8 → #SPILL!
      '</rvData>',
  );
  files['xl/rich/structures.xml'] = strToU8(
    HEAD +
      `<rvStructures xmlns="${RD}" count="2">` +
      '<s t="_linkedEntity"><k n="_DisplayString" t="s"/></s>' +
      '<s t="_error"><k n="subType" t="i"/><k n="errorType" t="i"/></s>' +
      '</rvStructures>',
  );
  const rels = strFromU8(files['xl/_rels/workbook.xml.rels']!).replace(
    '</Relationships>',
    '<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/>' +
      '<Relationship Id="rId91" Type="http://schemas.microsoft.com/office/2017/06/relationships/rdRichValue" Target="rich/values.xml"/>' +
      '<Relationship Id="rId92" Type="http://schemas.microsoft.com/office/2017/06/relationships/rdRichValueStructure" Target="/xl/rich/structures.xml"/>' +
      '</Relationships>',
  );
  files['xl/_rels/workbook.xml.rels'] = strToU8(rels);
  return zipSync(files);
}

test('rich-value errors (#CALC!, #SPILL!) are decoded through the value metadata chain', (t) => {
  const data = [
    '<row r="1">',
    '<c r="A1" t="e" cm="1" vm="1"><f t="array" ref="A1">_xlfn.SEQUENCE(0)</f><v>#VALUE!</v></c>',
    '<c r="B1" t="e" vm="2"><f>A9</f><v>#VALUE!</v></c>',
    '<c r="C1" t="e" vm="3"><f>X</f><v>#VALUE!</v></c>', // rich value that is not an error: as stored
    '<c r="D1" t="e" vm="4"><f>X</f><v>#N/A</v></c>', // metadata of another type: as stored
    '<c r="E1" t="e"><f>1/0</f><v>#DIV/0!</v></c>', // no vm: as stored
    '<c r="F1" t="e" vm="9"><f>X</f><v>#VALUE!</v></c>', // vm out of range: as stored
    '<c r="G1" t="e" vm="1"><v>#VALUE!</v></c>', // a constant: not an expected cell
    '</row>',
  ].join('');
  const bytes = withRichErrors(buildXlsx([{ name: 'S', part: 'worksheets/sheet1.xml', data }], SST));
  const m = byKey(extractExpected(bytes).cells);
  t.deepEqual(m.get('S!A1')?.expected, { error: '#CALC!' });
  t.deepEqual(m.get('S!B1')?.expected, { error: '#SPILL!' });
  t.deepEqual(m.get('S!C1')?.expected, { error: '#VALUE!' });
  t.deepEqual(m.get('S!D1')?.expected, { error: '#N/A' });
  t.deepEqual(m.get('S!E1')?.expected, { error: '#DIV/0!' });
  t.deepEqual(m.get('S!F1')?.expected, { error: '#VALUE!' });
  t.false(m.has('S!G1'));
  t.deepEqual(valueMetadataErrors(unzipSync(bytes)), ['#CALC!', '#SPILL!', undefined, undefined]);
  // The stripped copy loses the value metadata with the value; the constant keeps both.
  const stripped = strFromU8(unzipSync(stripWorkbook(bytes).bytes)['xl/worksheets/sheet1.xml']!);
  t.true(stripped.includes('<c r="A1" cm="1"><f t="array" ref="A1">_xlfn.SEQUENCE(0)</f></c>'));
  t.true(stripped.includes('<c r="G1" t="e" vm="1"><v>#VALUE!</v></c>'));
  t.false(/<c r="[A-F]1"[^>]*vm=/.test(stripped));
  // Without the metadata parts the stored fallback is all there is.
  t.deepEqual(byKey(extractExpected(buildXlsx([{ name: 'S', part: 'worksheets/sheet1.xml', data }], SST)).cells).get('S!A1')?.expected, { error: '#VALUE!' });
});

test('the stripped copy keeps formulas and constants but no stored results', (t) => {
  const orig = sample();
  const { bytes, stripped } = stripWorkbook(orig);
  t.is(stripped, 15);
  // nothing left to read back
  t.is(extractExpected(bytes).cells.length, 0);
  const files = unzipSync(bytes);
  const origFiles = unzipSync(orig);
  t.deepEqual(Object.keys(files).sort(), Object.keys(origFiles).sort());
  const xml = strFromU8(files['xl/worksheets/sheet2.xml']!);
  const cell = (r: string) => new RegExp(`<c r="${r}"[^>]*?(?:/>|>.*?</c>)`).exec(xml)?.[0];
  // formulas kept, values and types gone
  t.is(cell('B1'), '<c r="B1"><f>A1*2</f></c>');
  t.is(cell('C1'), '<c r="C1"><f t="shared" ref="C1:C3" si="0">A1+$A$1</f></c>');
  t.is(cell('C2'), '<c r="C2"><f t="shared" si="0"/></c>');
  t.is(cell('C3'), '<c r="C3" s="2"><f t="shared" si="0"/></c>');
  t.is(cell('D1'), '<c r="D1"><f t="array" ref="D1:E2">A1:B2*10</f></c>');
  t.is(cell('E1'), '<c r="E1"/>');
  t.is(cell('E2'), '<c r="E2"/>');
  t.is(cell('B2'), '<c r="B2"><f>"a&amp;b"&amp;"&lt;x&gt;"</f></c>');
  t.is(cell('B3'), '<c r="B3"><f>NA()</f></c>');
  t.is(cell('D3'), '<c r="D3"><f>A1&gt;1</f></c>');
  t.is(cell('A4'), '<c r="A4"><f>F1</f></c>');
  t.is(cell('B4'), '<c r="B4"><f>""</f></c>');
  // constants untouched
  t.is(cell('A1'), '<c r="A1"><v>2</v></c>');
  t.is(cell('F1'), '<c r="F1" t="s"><v>0</v></c>');
  t.is(cell('F2'), '<c r="F2" t="inlineStr"><is><t>inline const</t></is></c>');
  t.is(cell('A3'), '<c r="A3" t="s"><v>1</v></c>');
  t.is(cell('D4'), '<c r="D4" t="b"><v>0</v></c>');
  t.is(cell('F3'), '<c r="F3"><f>LOG10(100)+_xlfn.CONCAT("SUM(",A1)</f></c>');
  t.true(xml.endsWith('</sheetData><pageMargins left="0.7"/></worksheet>'));
  t.is(strFromU8(files['xl/worksheets/sheet1.xml']!).includes('<c r="A1"><f>\'Calc &amp; Co\'!A1+1</f></c><c r="B1"><v>7</v></c>'), true);
  // other parts byte-identical
  for (const k of ['xl/workbook.xml', 'xl/sharedStrings.xml', '[Content_Types].xml']) t.deepEqual(files[k], origFiles[k]);
});

test('compareValues: number tolerance, types, text, booleans, errors', (t) => {
  t.true(compareValues(1, 1).ok);
  t.true(compareValues(1e6, 1e6 * (1 + 5e-10)).ok);
  t.false(compareValues(1e6, 1e6 * (1 + 2e-9)).ok);
  t.is(compareValues(1, 1.0001).reason, 'value');
  t.true(compareValues(0, 1e-13).ok); // absolute tolerance near zero
  t.false(compareValues(0, 1e-11).ok);
  t.true(compareValues(-2.5, -2.5000000000000004).ok);
  t.is(compareValues(1, '1').reason, 'type');
  t.is(compareValues(0, null).reason, 'type');
  t.is(compareValues(0, false).reason, 'type');
  t.is(compareValues(1, undefined).reason, 'missing');
  t.is(compareValues(1, { nonFinite: 'NaN' }).reason, 'value');
  t.true(compareValues('abc', 'abc').ok);
  t.is(compareValues('abc', 'ABC').reason, 'value');
  t.is(compareValues('', null).reason, 'type');
  t.true(compareValues(true, true).ok);
  t.is(compareValues(true, false).reason, 'value');
  t.is(compareValues(true, 1).reason, 'type');
  t.true(compareValues({ error: '#N/A' }, { error: '#N/A' }).ok);
  t.is(compareValues({ error: '#N/A' }, { error: '#VALUE!' }).reason, 'error-code');
  t.is(compareValues({ error: '#N/A' }, '#N/A').reason, 'type');
  t.is(compareValues('#N/A', { error: '#N/A' }).reason, 'type');
  t.is(compareValues(1, [1]).reason, 'type');
});

test('helpers: function names, key normalization, formula shifting, formatting', (t) => {
  t.deepEqual(functionsIn('_xlfn.XLOOKUP(A1,B:B,C:C)+sum(1,"MAX(")+LOG10(2)+Sheet1!A1'), ['XLOOKUP', 'SUM', 'LOG10']);
  t.deepEqual(functionsIn("'IF(x'!A1+_xlfn._xlws.SORT(A1:A3)"), ['SORT']);
  t.deepEqual(functionsIn('A1+1'), []);
  t.is(normalizeKey("'My Sheet'!$a$1"), normalizeKey('my sheet!A1'));
  t.is(normalizeKey("'It''s'!B2"), "it's!B2");
  t.is(shiftFormula('A1+$A$1+A$2+$B3+LOG10(C4)+"D5"+\'E6\'!F7', 2, 1), 'B3+$A$1+B$2+$B5+LOG10(D6)+"D5"+\'E6\'!G9');
  t.is(shiftFormula('SUM(A1:B2)', 1, 0), 'SUM(A2:B3)');
  t.is(formatValue({ error: '#N/A' }), '#N/A');
  t.is(formatValue('x'), '"x"');
  t.is(formatValue(undefined), '(absent)');
});

test('backfilled cells are read from reports of various shapes', (t) => {
  t.deepEqual(backfilledCells({ backfilled: [{ sheet: 'S', cell: '$A$1', reason: 'x' }, "'My S'!B2", { key: 'T!C3' }] }), [
    { sheet: 'S', cell: 'A1', reason: 'x' },
    { sheet: 'My S', cell: 'B2' },
    { sheet: 'T', cell: 'C3' },
  ]);
  t.deepEqual(backfilledCells({ diagnostics: { backfilled: { 'S!A1': 'unsupported' } } }), [{ sheet: 'S', cell: 'A1', reason: 'unsupported' }]);
  t.deepEqual(backfilledCells(undefined), []);
  t.deepEqual(backfilledCells({ backfilled: 3 }), []);
});

test('compareFile counts matches, mismatches and backfilled cells', (t) => {
  const cells = extractExpected(sample()).cells;
  const values: Record<string, unknown> = {};
  for (const c of cells) values[c.key] = c.expected;
  // quoted, $-anchored, differently-cased keys still match
  delete values['Calc & Co!B1'];
  values["'CALC & CO'!$B$1"] = 4 * (1 + 1e-12);
  values['Calc & Co!C2'] = 6; // wrong
  values['Calc & Co!B3'] = { error: '#VALUE!' }; // wrong code
  delete values['Other!A1']; // missing
  const r = compareFile(cells, values, [{ sheet: 'Calc & Co', cell: 'D3', reason: 'unsupported' }]);
  t.is(r.matched, cells.length - 4);
  t.is(r.backfilled, 1);
  t.is(r.mismatched, 3);
  const why = Object.fromEntries(r.mismatches.map((m) => [m.cell, m.reason]));
  t.deepEqual(why, { 'Calc & Co!C2': 'value', 'Calc & Co!B3': 'error-code', 'Calc & Co!D3': 'backfilled', 'Other!A1': 'missing' });
  const c2 = r.mismatches.find((m) => m.cell === 'Calc & Co!C2')!;
  t.like(c2, { formula: 'A2+$A$1', expected: 5, got: 6, kind: 'shared', from: 'C1' });
});

/** Writes a stand-in compiler module whose engine returns `values` (plus a behaviour). */
function fakeCompiler(dir: string, name: string, body: string): string {
  const p = join(dir, `${name}.mjs`);
  writeFileSync(
    p,
    `import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
export async function compile(path, { outDir }) {
  mkdirSync(outDir, { recursive: true });
  ${body}
}`,
  );
  return p;
}

test('end to end with stand-in compilers: match, backfill, compile error, crash, timeout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sheetc-conf-test-'));
  try {
    const corpus = join(dir, 'corpus');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(corpus, 'sub'), { recursive: true });
    writeFileSync(join(corpus, 'good.xlsx'), sample());
    writeFileSync(join(corpus, 'sub', 'crash.xlsx'), sample());
    writeFileSync(join(corpus, 'hang.xlsx'), sample());
    writeFileSync(join(corpus, 'broken.xlsx'), sample());
    writeFileSync(join(corpus, 'notazip.xlsx'), 'nope');
    writeFileSync(join(corpus, 'readme.txt'), 'x');
    const expected: Record<string, unknown> = {};
    for (const c of extractExpected(sample()).cells) expected[c.key] = c.expected;
    expected['Other!A1'] = 99;
    const compiler = fakeCompiler(
      dir,
      'compiler',
      `
  // the compiler must get the stripped copy: no stored values left in it
  if (readFileSync(path).length === 0) throw new Error('empty');
  if (path.includes('crash')) process.abort();
  if (path.includes('hang')) for (;;) {}
  if (path.includes('broken')) throw new Error('unsupported thing');
  writeFileSync(outDir + '/engine.js', 'const v = ' + JSON.stringify(${JSON.stringify(expected)}) + ';\\n' +
    'export function run() { return { toJSON() { return v; } }; }\\n');
  return { backfilled: [{ sheet: 'Calc & Co', cell: 'B2', reason: 'test' }] };`,
    );
    const list = listWorkbooks([corpus]);
    t.deepEqual(
      list.files.map((f) => f.name),
      ['broken.xlsx', 'good.xlsx', 'hang.xlsx', 'notazip.xlsx', join('sub', 'crash.xlsx')],
    );
    const run = await runConformance(list, { paths: [corpus], timeoutMs: 4000, jobs: 2, compiler });
    const by = Object.fromEntries(run.results.map((r) => [r.file, r]));
    t.is(by['good.xlsx']!.status, 'ok', by['good.xlsx']!.error);
    t.is(by['good.xlsx']!.total, 15);
    t.is(by['good.xlsx']!.matched, 13);
    t.is(by['good.xlsx']!.backfilled, 1);
    t.is(by['good.xlsx']!.mismatched, 1);
    t.is(by['broken.xlsx']!.status, 'compile-error');
    t.regex(by['broken.xlsx']!.error!, /unsupported thing/);
    t.is(by['broken.xlsx']!.mismatches.length, 15);
    t.is(by[join('sub', 'crash.xlsx')]!.status, 'crash');
    t.is(by['hang.xlsx']!.status, 'timeout');
    t.is(by['notazip.xlsx']!.status, 'unreadable');
    t.false(existsSync(run.workDir));
    const s = summarize(run.results, run.cells, [corpus], 0);
    t.is(s.cells.total, 60);
    t.is(s.cells.matched, 13);
    t.is(s.cells.inFailedFiles, 45);
    t.is(s.filesFullyMatched, 0);
    t.is(lastLine(s), 'conformance: 13/60 cells matched (21.66%), 0/5 files fully matched');
    t.is(s.worst[0]!.status === 'ok', false);
    t.truthy(s.functions.find((f) => f.name === 'NA'));

    // the CLI on the same corpus with a filter: exit 0, report written, last line
    const { spawnSync } = await import('node:child_process');
    const out = join(dir, 'report.json');
    const cli = spawnSync(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), resolve('scripts/conformance.ts'), corpus, '--filter', 'good', '--compiler', compiler, '--out', out, '--quiet'],
      { encoding: 'utf8' },
    );
    t.is(cli.status, 0, cli.stderr);
    const lines = cli.stdout.trim().split('\n');
    t.is(lines.at(-1), 'conformance: 13/15 cells matched (86.66%), 0/1 files fully matched');
    const report = JSON.parse(readFileSync(out, 'utf8'));
    t.is(report.files[0].mismatches.length, 2);
    t.regex(cli.stdout, /Other!A1 =.*expected 3, got 99 \[value\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cells calling RAND, RANDBETWEEN, RANDARRAY, NOW or TODAY are not counted: Excel stored a draw', async (t) => {
  t.true(callsNondeterministic('RANDBETWEEN(D1,E2)'));
  t.true(callsNondeterministic('_xlfn.RANDARRAY(2)*10'));
  t.true(callsNondeterministic('TEXT(now(),"yyyy")'));
  t.true(callsNondeterministic('IF(A1,TODAY(),0)'));
  t.false(callsNondeterministic('"RAND()"&A1'));
  t.false(callsNondeterministic('RANDOM_THING(1)+NOWHERE(2)'));
  t.false(callsNondeterministic("'TODAY()'!A1+1"));

  const dir = mkdtempSync(join(tmpdir(), 'sheetc-conf-test-'));
  try {
    const corpus = join(dir, 'corpus');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(corpus);
    const data = [
      '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>4</v></c><c r="C1"><f>RANDBETWEEN(1,3)</f><v>2</v></c></row>',
      '<row r="2"><c r="A2"><f>NOW()</f><v>41399.5</v></c><c r="B2"><f>RAND()*A1</f><v>0.5</v></c><c r="C2" t="str"><f>"RAND()"</f><v>RAND()</v></c></row>',
    ].join('');
    writeFileSync(join(corpus, 'draws.xlsx'), buildXlsx([{ name: 'S', part: 'worksheets/sheet1.xml', data }], SST));
    // the engine gets every deterministic cell right and every draw "wrong"
    const values = { 'S!B1': 4, 'S!C1': 3, 'S!A2': 46361.5, 'S!B2': 1.5, 'S!C2': 'RAND()' };
    const compiler = fakeCompiler(
      dir,
      'compiler',
      `writeFileSync(outDir + '/engine.js', 'const v = ' + JSON.stringify(${JSON.stringify(values)}) + ';\\n' +
    'export function run() { return { toJSON() { return v; } }; }\\n');
  return { backfilled: [] };`,
    );
    const run = await runConformance(listWorkbooks([corpus]), { paths: [corpus], timeoutMs: 4000, jobs: 1, compiler });
    const r = run.results[0]!;
    t.is(r.status, 'ok', r.error);
    t.is(r.nondeterministic, 3);
    t.is(r.total, 2);
    t.is(r.matched, 2);
    t.deepEqual(r.mismatches, []);
    const s = summarize(run.results, run.cells, [corpus], 0);
    t.is(s.cells.nondeterministic, 3);
    t.is(lastLine(s), 'conformance: 2/2 cells matched (100.00%), 1/1 files fully matched');
    t.regex(formatSummary(s), /3 cells calling RAND\/RANDBETWEEN\/RANDARRAY\/NOW\/TODAY not counted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const CORPUS = resolve('..', 'shared', 'corpus');

test('the real corpus: expected cells extracted and all stripped', (t) => {
  if (!existsSync(CORPUS)) return t.pass('no corpus');
  const list = listWorkbooks([CORPUS]);
  let total = 0;
  let left = 0;
  const kinds: Record<string, number> = {};
  for (const f of list.files) {
    const bytes = readFileSync(f.path);
    const ex = extractExpected(bytes);
    total += ex.cells.length;
    for (const c of ex.cells) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    left += extractExpected(stripWorkbook(bytes).bytes).cells.length;
  }
  t.log(`${list.files.length} files, ${total} expected cells`, kinds);
  t.is(left, 0);
  // The corpus README states the count; keep in step with it.
  const readme = existsSync(join(CORPUS, 'README.md')) ? readFileSync(join(CORPUS, 'README.md'), 'utf8') : '';
  const stated = /([\d,]+) formula cells with stored results/.exec(readme)?.[1];
  if (stated) t.is(total, Number(stated.replace(/,/g, '')));
  else t.true(total > 0);
});
