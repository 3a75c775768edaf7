#!/usr/bin/env node
/**
 * Synthetic private-equity style workload for the benchmarks.
 *
 * The model, sized by a target number of formula cells (10k .. 5M and beyond):
 *
 *   Inputs    assumptions: start date (B2), growth, cost inflation, interest, discount and
 *             tax rates, capex ratio, opening debt, equity, monthly seasonality (B11:M11),
 *             a region table (A15:C34: region, price, growth) and a cost category table
 *             (A38:B57: category, ratio; several rows per category).
 *   Timeline  month ends (EOMONTH from Inputs!B2) across columns G.., period index, days in
 *             the month, year.
 *   Revenue   one row per line item: region, category, base volume, price and growth
 *             (INDEX/MATCH into the region table), then monthly revenue compounding from
 *             the previous column with seasonality (INDEX by MONTH of the timeline date;
 *             written INDEX(row,1,k): HyperFormula reads INDEX(row,k) as a row index).
 *   Costs     one row per line item: revenue x SUMIFS over the category table x inflation.
 *   Debt      opening, CFADS, interest on AVERAGE(opening, closing), cash-sweep repayment,
 *             closing: a circular cluster per month (iterative calculation is enabled).
 *   CashFlow  totals (SUM over the line items), EBITDA, capex, tax, unlevered FCF, debt
 *             service, equity cash flow.
 *   Summary   NPV (unlevered, non-circular), equity IRR, totals.
 *
 * Months are fixed (120 by default); line items grow to reach the target. Formulas are
 * written cell by cell (no shared formulas unless `--shared`), with no cached values.
 * The sheet XML is produced row by row and deflated through fflate's streaming Zip, so
 * memory stays bounded at any size.
 *
 * The same cell stream (`sheetRows`) feeds the xlsx writer and the peer engines
 * (HyperFormula, IronCalc), so every engine sees exactly the same cells.
 *
 * CLI: node bench/generate.mjs --cells 100k [--months 120] [--shared] [-o FILE]
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Zip, ZipDeflate } from 'fflate';

/** Bump when the model changes: it is part of the cache key. */
export const GENERATOR_VERSION = 2;

export const SHEETS = ['Inputs', 'Timeline', 'Revenue', 'Costs', 'Debt', 'CashFlow', 'Summary'];
export const START_DATE = 45658; // 2025-01-01
export const FIRST_MONTH_COL = 7; // G
export const FIRST_LINE_ROW = 5;
const REGIONS = 20;
const CATEGORIES = 8;
const CATEGORY_ROWS = 20;

/** Outputs worth reading back; `circular` ones depend on the debt cluster. */
export const OUTPUTS = {
  npvUnlevered: { ref: 'Summary!B2', circular: false },
  equityIrr: { ref: 'Summary!B3', circular: true },
  totalRevenue: { ref: 'Summary!B4', circular: false },
  peakDebt: { ref: 'Summary!B5', circular: true },
  totalInterest: { ref: 'Summary!B6', circular: true },
  finalDebt: { ref: 'Summary!B7', circular: true },
  npvEquity: { ref: 'Summary!B8', circular: true },
};
export const START_DATE_REF = 'Inputs!B2';

const colCache = [];
export function colName(c) {
  let s = colCache[c];
  if (s !== undefined) return s;
  s = '';
  for (let n = c; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  colCache[c] = s;
  return s;
}

/** Parses 10k / 1.5M / 100000. */
export function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s).trim());
  if (!m) throw new Error(`bad size "${s}" (use e.g. 10k, 100k, 1M, 5M)`);
  const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]];
  return Math.round(Number(m[1]) * mult);
}

export function sizeLabel(n) {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** The model's dimensions for a target number of formula cells. */
export function plan(targetFormulaCells, months = 120) {
  const fixed = (4 * months - 1) + 5 * months + 9 * months + 7;
  const perLine = 2 * months + 2;
  const lines = Math.max(1, Math.round((targetFormulaCells - fixed) / perLine));
  return { target: targetFormulaCells, months, lines, formulaCells: fixed + perLine * lines };
}

const region = (i) => (i * 7) % REGIONS + 1;
const category = (i) => (i * 3) % CATEGORIES + 1;
const volume = (i) => 100 + ((i * 37) % 900);
const price = (k) => 10 + ((k * 13) % 40);
const regionGrowth = (k) => 0.01 + ((k * 7) % 10) / 200;
const categoryRatio = (k) => 0.15 + (k % 7) / 100;
const SEASON = [0.9, 0.92, 0.97, 1.0, 1.03, 1.05, 1.08, 1.06, 1.02, 0.99, 0.97, 1.01];

/**
 * The cells of one sheet, row by row: yields `[row, cells]` with cells `{ c, v }` (a
 * constant: number or string) or `{ c, f }` (formula text without `=`), columns 1-based
 * and ascending. With `shared`, month formulas after the first carry `shared: {si, ref?}`
 * (the anchor has the formula and `ref`; followers have `f` too, for the peers).
 */
export function* sheetRows(p, sheet, { shared = false } = {}) {
  const M = p.months;
  const F = FIRST_MONTH_COL;
  const L = colName(F + M - 1); // last month column
  const lastLine = FIRST_LINE_ROW + p.lines - 1;
  const months = (fn) => {
    const out = [];
    for (let t = 0; t < M; t++) out.push({ c: F + t, f: fn(colName(F + t), t === 0 ? null : colName(F + t - 1), t) });
    return out;
  };
  let si = 0;
  // Marks month formulas 2..M of a row as one shared group (anchor = second month).
  const share = (cells, row) => {
    if (!shared || M < 3) return cells;
    const id = si++;
    const first = cells.findIndex((x) => x.c === F + 1);
    cells[first].shared = { si: id, ref: `${colName(F + 1)}${row}:${L}${row}` };
    for (let k = first + 1; k < first + M - 1; k++) cells[k].shared = { si: id };
    return cells;
  };
  const withLabel = (label, cells) => [{ c: 1, v: label }, ...cells];

  switch (sheet) {
    case 'Inputs': {
      let baseRevenue = 0;
      for (let i = 0; i < p.lines; i++) baseRevenue += volume(i) * price(region(i));
      yield [1, [{ c: 1, v: 'Assumptions' }]];
      yield [2, [{ c: 1, v: 'Start date' }, { c: 2, v: START_DATE }]];
      yield [3, [{ c: 1, v: 'Revenue growth (annual)' }, { c: 2, v: 0.03 }]];
      yield [4, [{ c: 1, v: 'Cost inflation (annual)' }, { c: 2, v: 0.025 }]];
      yield [5, [{ c: 1, v: 'Interest rate' }, { c: 2, v: 0.075 }]];
      yield [6, [{ c: 1, v: 'Discount rate' }, { c: 2, v: 0.1 }]];
      yield [7, [{ c: 1, v: 'Tax rate' }, { c: 2, v: 0.25 }]];
      yield [8, [{ c: 1, v: 'Capex % of revenue' }, { c: 2, v: 0.04 }]];
      yield [9, [{ c: 1, v: 'Opening debt' }, { c: 2, v: Math.round(baseRevenue * 12) }]];
      yield [10, [{ c: 1, v: 'Equity invested' }, { c: 2, v: Math.round(baseRevenue * 20) }]];
      yield [11, [{ c: 1, v: 'Seasonality' }, ...SEASON.map((v, k) => ({ c: 2 + k, v }))]];
      yield [14, [{ c: 1, v: 'Region' }, { c: 2, v: 'Price' }, { c: 3, v: 'Growth' }]];
      for (let k = 1; k <= REGIONS; k++) {
        yield [14 + k, [{ c: 1, v: `Region ${k}` }, { c: 2, v: price(k) }, { c: 3, v: regionGrowth(k) }]];
      }
      yield [37, [{ c: 1, v: 'Category' }, { c: 2, v: 'Cost ratio' }]];
      for (let k = 1; k <= CATEGORY_ROWS; k++) {
        yield [37 + k, [{ c: 1, v: `Cat ${(k % CATEGORIES) + 1}` }, { c: 2, v: categoryRatio(k) }]];
      }
      return;
    }
    case 'Timeline': {
      yield [1, [{ c: 1, v: 'Timeline' }]];
      yield [2, withLabel('Month end', months((c, p) => (p ? `EOMONTH(${p}2,1)` : 'EOMONTH(Inputs!$B$2,0)')))];
      yield [3, withLabel('Period', [{ c: F, v: 1 }, ...months((c, p) => `${p}3+1`).slice(1)])];
      yield [4, withLabel('Days', months((c) => `DAY(${c}2)`))];
      yield [5, withLabel('Year', months((c) => `YEAR(${c}2)`))];
      return;
    }
    case 'Revenue':
    case 'Costs': {
      const rev = sheet === 'Revenue';
      yield [1, [{ c: 1, v: rev ? 'Revenue by line item' : 'Costs by line item' }]];
      yield [4, [{ c: 1, v: 'Line' }, { c: 2, v: 'Region' }, { c: 3, v: 'Category' }, ...(rev ? [{ c: 4, v: 'Base volume' }, { c: 5, v: 'Price' }, { c: 6, v: 'Growth' }] : [])]];
      for (let i = 0; i < p.lines; i++) {
        const r = FIRST_LINE_ROW + i;
        const head = [{ c: 1, v: `${rev ? 'Line' : 'Cost line'} ${i + 1}` }, { c: 2, v: `Region ${region(i)}` }, { c: 3, v: `Cat ${category(i)}` }];
        if (rev) {
          head.push(
            { c: 4, v: volume(i) },
            { c: 5, f: `INDEX(Inputs!$B$15:$B$34,MATCH($B${r},Inputs!$A$15:$A$34,0))` },
            { c: 6, f: `INDEX(Inputs!$C$15:$C$34,MATCH($B${r},Inputs!$A$15:$A$34,0))+Inputs!$B$3` },
          );
          const m = months((c, p) =>
            p
              ? `${p}${r}*(1+$F${r}/12)*INDEX(Inputs!$B$11:$M$11,1,MONTH(Timeline!${c}$2))/INDEX(Inputs!$B$11:$M$11,1,MONTH(Timeline!${p}$2))*Timeline!${c}$4/Timeline!${p}$4`
              : `$D${r}*$E${r}*INDEX(Inputs!$B$11:$M$11,1,MONTH(Timeline!${c}$2))*Timeline!${c}$4/30`,
          );
          yield [r, [...head, ...share(m, r)]];
        } else {
          const m = months((c) => `Revenue!${c}${r}*SUMIFS(Inputs!$B$38:$B$57,Inputs!$A$38:$A$57,$C${r})*(1+Inputs!$B$4)^(Timeline!${c}$3/12)`);
          yield [r, [...head, ...share(m, r)]];
        }
      }
      return;
    }
    case 'Debt': {
      yield [1, [{ c: 1, v: 'Debt (interest on average balance: circular)' }]];
      yield [4, withLabel('Opening balance', months((c, p) => (p ? `${p}8` : 'Inputs!$B$9')))];
      yield [5, withLabel('CFADS', months((c) => `CashFlow!${c}9`))];
      yield [6, withLabel('Interest', months((c) => `AVERAGE(${c}4,${c}8)*Inputs!$B$5/12`))];
      yield [7, withLabel('Repayment', months((c) => `MAX(0,MIN(${c}4,${c}5-${c}6))`))];
      yield [8, withLabel('Closing balance', months((c) => `${c}4-${c}7`))];
      return;
    }
    case 'CashFlow': {
      yield [1, [{ c: 1, v: 'Cash flow' }]];
      yield [4, withLabel('Revenue', months((c) => `SUM(Revenue!${c}${FIRST_LINE_ROW}:${c}${lastLine})`))];
      yield [5, withLabel('Costs', months((c) => `SUM(Costs!${c}${FIRST_LINE_ROW}:${c}${lastLine})`))];
      yield [6, withLabel('EBITDA', months((c) => `${c}4-${c}5`))];
      yield [7, withLabel('Capex', months((c) => `${c}4*Inputs!$B$8`))];
      yield [8, withLabel('Tax', months((c) => `MAX(0,${c}6-${c}7)*Inputs!$B$7`))];
      yield [9, withLabel('Unlevered FCF', months((c) => `${c}6-${c}7-${c}8`))];
      yield [10, withLabel('Interest', months((c) => `Debt!${c}6`))];
      yield [11, withLabel('Debt service', months((c) => `Debt!${c}7+${c}10`))];
      yield [12, withLabel('Equity cash flow', months((c, p) => (p ? `${c}9-${c}11` : `${c}9-${c}11-Inputs!$B$10`)))];
      return;
    }
    case 'Summary': {
      const G = colName(F);
      const row = (r, label, f) => [r, [{ c: 1, v: label }, { c: 2, f }]];
      yield row(2, 'NPV (unlevered FCF)', `NPV(Inputs!$B$6/12,CashFlow!${G}9:${L}9)`);
      yield row(3, 'Equity IRR (annualised)', `(1+IRR(CashFlow!${G}12:${L}12,0.01))^12-1`);
      yield row(4, 'Total revenue', `SUM(CashFlow!${G}4:${L}4)`);
      yield row(5, 'Peak debt', `MAX(Debt!${G}4:${L}4)`);
      yield row(6, 'Total interest', `SUM(Debt!${G}6:${L}6)`);
      yield row(7, 'Final debt', `Debt!${L}8`);
      yield row(8, 'NPV (equity cash flow)', `NPV(Inputs!$B$6/12,CashFlow!${G}12:${L}12)`);
      return;
    }
    default:
      throw new Error(`unknown sheet ${sheet}`);
  }
}

const esc = (s) => (/[&<>"]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;') : s);

/**
 * A formula cell's stored value as SpreadsheetML writes it: [type attribute, <v> element]
 * (`value` in sheetc's encoding: a number, text, boolean or {e: '#N/A'}; undefined: none).
 */
function storedXml(value) {
  if (value === undefined || value === null) return ['', ''];
  if (typeof value === 'number') return ['', `<v>${value}</v>`];
  if (typeof value === 'boolean') return [' t="b"', `<v>${value ? 1 : 0}</v>`];
  if (typeof value === 'string') return [' t="str"', `<v>${esc(value)}</v>`];
  return [' t="e"', `<v>${esc(value.e)}</v>`];
}

function cellXml(row, cell, stored) {
  const r = colName(cell.c) + row;
  if (cell.f !== undefined) {
    const [t, v] = storedXml(stored?.(row, cell.c));
    if (cell.shared) {
      return cell.shared.ref
        ? `<c r="${r}"${t}><f t="shared" ref="${cell.shared.ref}" si="${cell.shared.si}">${esc(cell.f)}</f>${v}</c>`
        : `<c r="${r}"${t}><f t="shared" si="${cell.shared.si}"/>${v}</c>`;
    }
    return `<c r="${r}"${t}><f>${esc(cell.f)}</f>${v}</c>`;
  }
  if (typeof cell.v === 'number') return `<c r="${r}"><v>${cell.v}</v></c>`;
  return `<c r="${r}" t="inlineStr"><is><t>${esc(cell.v)}</t></is></c>`;
}

const enc = new TextEncoder();
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RNS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/**
 * Streams the workbook to `file` (written to `file.tmp`, then renamed). Returns stats.
 * Memory stays bounded: each sheet is produced row by row, flushed in ~1 MB chunks.
 * `storedValue(sheetIndex, row, col)` (1-based row and column), when given, is the value
 * each formula cell stores, as Excel writes them on save (see bench/stored.mjs).
 */
export function writeWorkbook(file, p, { shared = false, level = 6, storedValue = null } = {}) {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  let zipBytes = 0;
  let xmlBytes = 0;
  let formulaCells = 0;
  let cells = 0;
  let failed = null;
  const zip = new Zip((err, chunk) => {
    if (err) failed = err;
    else {
      writeSync(fd, chunk);
      zipBytes += chunk.length;
    }
  });
  const addFile = (name, text) => {
    const f = new ZipDeflate(name, { level });
    zip.add(f);
    const u = enc.encode(text);
    xmlBytes += u.length;
    f.push(u, true);
  };
  try {
    addFile(
      '[Content_Types].xml',
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${SHEETS.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('')}</Types>`,
    );
    addFile(
      '_rels/.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    );
    addFile(
      'xl/_rels/workbook.xml.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${SHEETS.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}</Relationships>`,
    );
    addFile(
      'xl/workbook.xml',
      `${XML_HEAD}<workbook xmlns="${NS}" xmlns:r="${RNS}"><workbookPr/><sheets>${SHEETS.map((s, i) => `<sheet name="${s}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets><calcPr calcId="191029" fullCalcOnLoad="1" iterate="1" iterateCount="100" iterateDelta="0.001"/></workbook>`,
    );
    SHEETS.forEach((sheet, i) => {
      const f = new ZipDeflate(`xl/worksheets/sheet${i + 1}.xml`, { level });
      zip.add(f);
      let buf = '';
      const flush = (final) => {
        const u = enc.encode(buf);
        xmlBytes += u.length;
        buf = '';
        f.push(u, final);
        if (failed) throw failed;
      };
      const lastRow = sheet === 'Revenue' || sheet === 'Costs' ? FIRST_LINE_ROW + p.lines - 1 : 60;
      buf += `${XML_HEAD}<worksheet xmlns="${NS}" xmlns:r="${RNS}"><dimension ref="A1:${colName(FIRST_MONTH_COL + p.months - 1)}${lastRow}"/><sheetData>`;
      const stored = storedValue ? (row, col) => storedValue(i, row, col) : null;
      for (const [r, rowCells] of sheetRows(p, sheet, { shared })) {
        buf += `<row r="${r}">`;
        for (const c of rowCells) {
          buf += cellXml(r, c, stored);
          cells++;
          if (c.f !== undefined) formulaCells++;
        }
        buf += '</row>';
        if (buf.length > 1 << 20) flush(false);
      }
      buf += '</sheetData></worksheet>';
      flush(true);
    });
    zip.end();
    if (failed) throw failed;
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return { file, zipBytes, xmlBytes, cells, formulaCells, lines: p.lines, months: p.months };
}

/** The cache path of a workload. */
export function cachePath(cacheDir, target, { months = 120, shared = false } = {}) {
  return resolve(cacheDir, `pe-${sizeLabel(target)}-m${months}${shared ? '-shared' : ''}-v${GENERATOR_VERSION}.xlsx`);
}

function main(argv) {
  const args = { cells: '10k', months: 120, shared: false, out: null, level: 6 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cells') args.cells = argv[++i];
    else if (a === '--months') args.months = Number(argv[++i]);
    else if (a === '--shared') args.shared = true;
    else if (a === '--level') args.level = Number(argv[++i]);
    else if (a === '-o' || a === '--out') args.out = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/generate.mjs --cells 100k [--months 120] [--shared] [--level 0-9] [-o FILE]');
      return;
    } else throw new Error(`unknown argument ${a}`);
  }
  const target = parseSize(args.cells);
  const here = dirname(fileURLToPath(import.meta.url));
  const out = args.out ?? cachePath(resolve(here, '.cache'), target, args);
  const t0 = performance.now();
  const stats = writeWorkbook(out, plan(target, args.months), args);
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ...stats, ms: Math.round(ms), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
