#!/usr/bin/env node
/**
 * A parse-phase workload (issue #3): 1,000,000 formulas written cell by cell (no shared
 * formulas) on a 1000 × 1000 grid, with 300 distinct shapes (three formula families ×
 * a constant that varies by column), plus a small Inputs sheet. The PE model of
 * generate.mjs has only 33 shapes.
 *
 *   node bench/shapes.mjs bench/.cache/shapes300-1M.xlsx
 *   node -e "import('./dist/index.js').then(m => m.compile('bench/.cache/shapes300-1M.xlsx', { outDir: '/tmp/e' })).then(r => console.log(r.timings, r.shapes))"
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Zip, ZipDeflate } from 'fflate';
const out = process.argv[2] ?? 'bench/.cache/shapes300-1M.xlsx';
const ROWS = 1000, COLS = 1000, SHAPES = 300;
const colName = (c) => { let s = ''; for (let n = c; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s; return s; };
const enc = new TextEncoder();
const fd = openSync(out, 'w');
const zip = new Zip((err, chunk) => { if (err) throw err; writeSync(fd, chunk); });
const add = (name, text) => { const f = new ZipDeflate(name, { level: 6 }); zip.add(f); f.push(enc.encode(text), true); };
const H = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RNS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
add('[Content_Types].xml', `${H}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`);
add('_rels/.rels', `${H}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`);
add('xl/_rels/workbook.xml.rels', `${H}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>`);
add('xl/workbook.xml', `${H}<workbook xmlns="${NS}" xmlns:r="${RNS}"><sheets><sheet name="Inputs" sheetId="1" r:id="rId1"/><sheet name="Data" sheetId="2" r:id="rId2"/></sheets></workbook>`);
let s = `${H}<worksheet xmlns="${NS}"><sheetData>`;
for (let r = 1; r <= 20; r++) s += `<row r="${r}"><c r="A${r}"><v>${r / 100}</v></c></row>`;
add('xl/worksheets/sheet1.xml', s + '</sheetData></worksheet>');
const f = new ZipDeflate('xl/worksheets/sheet2.xml', { level: 6 }); zip.add(f);
let buf = `${H}<worksheet xmlns="${NS}"><sheetData>`; let n = 0;
const shape = (k, P, C, r) => {
  switch (k % 3) {
    case 0: return `IF(${P}${r}&gt;${k},${P}${r}*(1+Inputs!$A$${(k % 20) + 1}),ROUND(${C}${r - 1}/${k + 1},2))`;
    case 1: return `MAX(0,MIN(${P}${r},${C}${r - 1}-${k}))+SUM(${P}${r},$A${r})/${k + 1}`;
    default: return `${P}${r}*(1+Inputs!$A$${(k % 20) + 1})^(${k}/12)-${C}${r - 1}`;
  }
};
for (let r = 1; r <= ROWS + 1; r++) {
  buf += `<row r="${r}">`;
  for (let c = 1; c <= COLS + 1; c++) {
    const ref = `${colName(c)}${r}`;
    if (r === 1 || c === 1) buf += `<c r="${ref}"><v>${(r + c) % 7}</v></c>`;
    else { buf += `<c r="${ref}"><f>${shape((c - 2) % SHAPES, colName(c - 1), colName(c), r)}</f></c>`; n++; }
  }
  buf += '</row>';
  if (buf.length > 1 << 20) { f.push(enc.encode(buf), false); buf = ''; }
}
f.push(enc.encode(buf + '</sheetData></worksheet>'), true);
zip.end(); closeSync(fd);
console.log(JSON.stringify({ out, formulas: n }));
