#!/usr/bin/env node
/**
 * The second benchmark workload, "ledger": a transaction table with per-row lookups,
 * running balances and trailing windows, summarised by long SUMIFS/COUNTIFS blocks,
 * with a small circular cash block. Issue #18 item 1 asks for run() "within 5x of
 * hand-written JavaScript on any model shape"; bench/generate.mjs is a month-across-
 * columns projection model, this one is shaped like an operational workbook instead:
 * tall columns of row formulas over a data table, and aggregates that scan all of it.
 *
 * The model, sized by a target number of formula cells (10k, 100k, 1M; rows grow):
 *
 *   Inputs    B2 interest rate on cash (annual), B3 fee rate (the input the bench changes
 *             on every run), B4 opening cash, B5 first month (a date serial), B6 large-
 *             transaction threshold, B7 cost per transaction, B8 fixed monthly costs.
 *   Prices    a lookup table, product code -> unit price (200 rows, codes not sorted).
 *   Accounts  account code -> region, category (50 rows).
 *   Data      one row per transaction (row 2 on): A number (1, 2, ...), B date serial
 *             (ascending over the months), C account code (now and then in lower case,
 *             or a code that is not in Accounts), D product code, E quantity (returns are
 *             negative): constants. Then one formula per column and row:
 *               F unit price   INDEX(Prices!$B$2:$B$201,MATCH(D2,Prices!$A$2:$A$201,0))
 *               G category     XLOOKUP(C2,Accounts!$A$2:$A$51,Accounts!$C$2:$C$51,"Unknown")
 *               H amount       E2*F2*(1+IF(G2="Internal",0,Inputs!$B$3))
 *               I month end    EOMONTH(B2,0)
 *               J balance      H2 in row 2, then J2+H3: a running sum down the table
 *               K trailing 12  SUM(OFFSET(H13,-11,0,12,1)) from row 13; SUM(H$2:Hr) in
 *                              rows 2..12 (the guard is written by the generator, not
 *                              by MIN/MAX inside OFFSET: HyperFormula accepts only
 *                              constant OFFSET arguments, "Second argument to OFFSET is
 *                              not a static number", and the peers must compute it)
 *               L large flag   IF(H2>=Inputs!$B$6,1,0)
 *   Summary   month ends across columns C.. (C2 EOMONTH(Inputs!$B$5,0), then
 *             EOMONTH(C2,1)), the previous month end in row 3 (EOMONTH(C2,-1)); then, per
 *             account (rows 6..) and month, sales
 *               SUMIFS(Data!$H$2:$H$n,Data!$C$2:$C$n,$A6,Data!$I$2:$I$n,C$2)
 *             with the account's region (XLOOKUP) in column B and a total row; per account
 *             and month, transactions by date range
 *               COUNTIFS(Data!$C$2:$C$n,$A59,Data!$B$2:$B$n,">"&C$3,Data!$B$2:$B$n,"<="&C$2)
 *             and a total row; per category (the four of Accounts and "Unknown") and
 *             month, sales by the XLOOKUP column: SUMIFS(Data!$H..,Data!$G..,$A112,
 *             Data!$I..,C$2). Every one of these cells scans the whole table: 2 x 50 x 12
 *             + 5 x 12 = 1,260 of them with the default 12 months.
 *   Cash      per month: opening (the previous closing), receipts (the sales total row),
 *             costs (transactions x cost per transaction + fixed costs), interest
 *             AVERAGE(opening, closing) x rate / 12, closing = opening + receipts - costs +
 *             interest: interest and closing are a circular pair in each month (iterative
 *             calculation is on in workbook.xml's calcPr: 100 iterations, 0.001).
 *   Report    the outputs (OUTPUTS below): total sales, final running balance, largest
 *             trailing window, large transactions counted two ways (the flags, and
 *             COUNTIFS with ">="&threshold), the Summary totals, unknown-account sales,
 *             and three circular ones (closing cash, total interest, lowest cash).
 *
 * Formulas are written cell by cell with no cached values, and the sheet XML is streamed
 * through fflate's Zip as bench/generate.mjs does (memory stays bounded at any size). The
 * same cell stream (`sheetRows`) feeds the xlsx writer, the hand-written model's data
 * and the peer engines (HyperFormula, IronCalc), so every engine sees the same cells.
 *
 * CLI: node bench/generate-ledger.mjs --cells 100k [--months 12] [--level 0-9] [-o FILE]
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Zip, ZipDeflate } from 'fflate';
import { colName, parseSize, sizeLabel } from './generate.mjs';
import { SERIAL_1970, daysFromCivil } from './lib/dates.mjs';

export { colName, parseSize, sizeLabel };

/** Bump when the model changes: it is part of the cache key. */
export const GENERATOR_VERSION = 1;

export const SHEETS = ['Inputs', 'Prices', 'Accounts', 'Data', 'Summary', 'Cash', 'Report'];
export const START_DATE = 45658; // 2025-01-01
export const PRODUCTS = 200;
export const ACCOUNTS = 50;
export const CATEGORIES = ['Retail', 'Wholesale', 'Online', 'Internal'];
export const UNKNOWN = 'Unknown';
export const REGIONS = ['North', 'South', 'East', 'West', 'Central'];
/** Trailing window of Data!K (rows). */
export const WINDOW = 12;
export const FIRST_DATA_ROW = 2;
export const FIRST_MONTH_COL = 3; // C

/** The input the bench changes on every run. */
export const FEE_RATE_REF = 'Inputs!B3';
export const FEE_RATE = 0.02;

/** Summary's layout for `accounts` accounts (rows). */
export function summaryLayout(accounts = ACCOUNTS) {
  const salesRow = 6; // first account row of the SUMIFS block
  const salesTotalRow = salesRow + accounts;
  const countRow = salesTotalRow + 3;
  const countTotalRow = countRow + accounts;
  const categoryRow = countTotalRow + 3;
  const categories = [...CATEGORIES, UNKNOWN];
  return { salesRow, salesTotalRow, countRow, countTotalRow, categoryRow, categories, unknownRow: categoryRow + categories.length - 1 };
}

/** Cash sheet rows. */
export const CASH = { monthEnd: 2, opening: 3, receipts: 4, costs: 5, interest: 6, closing: 7 };

/** Outputs worth reading back (Report!B2..); `circular` ones depend on the cash block. */
export const OUTPUTS = {
  totalSales: { ref: 'Report!B2', circular: false },
  finalBalance: { ref: 'Report!B3', circular: false },
  maxTrailing: { ref: 'Report!B4', circular: false },
  largeFlags: { ref: 'Report!B5', circular: false },
  largeCounted: { ref: 'Report!B6', circular: false },
  accountSales: { ref: 'Report!B7', circular: false },
  transactions: { ref: 'Report!B8', circular: false },
  unknownSales: { ref: 'Report!B9', circular: false },
  closingCash: { ref: 'Report!B10', circular: true },
  totalInterest: { ref: 'Report!B11', circular: true },
  lowestCash: { ref: 'Report!B12', circular: true },
};

/** The model's dimensions for a target number of formula cells. */
export function plan(targetFormulaCells, months = 12) {
  const M = months;
  const A = ACCOUNTS;
  const categories = CATEGORIES.length + 1;
  // Summary: month ends, previous month ends, regions, sales, totals, counts, totals,
  // categories; Cash: six rows; Report: eleven outputs.
  const fixed = 2 * M + A + A * M + M + A * M + M + categories * M + 6 * M + Object.keys(OUTPUTS).length;
  const perRow = 7;
  const rows = Math.max(WINDOW + 1, Math.round((targetFormulaCells - fixed) / perRow));
  return { target: targetFormulaCells, months: M, rows, accounts: A, products: PRODUCTS, formulaCells: fixed + perRow * rows };
}

/** Serial of the first day after `months` months from START_DATE (a first of the month). */
function endSerial(months) {
  const y = 2025 + Math.floor(months / 12);
  const m = (months % 12) + 1;
  return daysFromCivil(y, m, 1) + SERIAL_1970;
}

const pad = (n, w) => String(n).padStart(w, '0');
export const accountCode = (k) => `A${pad(k + 1, 2)}`; // k = 0..ACCOUNTS-1
export const productCode = (k) => `P${pad(k + 1, 3)}`; // k = 0..PRODUCTS-1
const priceOf = (k) => 2.5 + ((k * 37) % 400) / 4;
/** Prices row of product k: the table is not in code order. */
const priceRowOf = (k) => 2 + ((k * 73) % PRODUCTS); // 73 is prime to 200
const accountRegion = (k) => REGIONS[k % REGIONS.length];
const accountCategory = (k) => CATEGORIES[(k * 3) % CATEGORIES.length];

/** Transaction i (0-based): date serial, account code, product code, quantity. */
export function transaction(i, p) {
  const days = endSerial(p.months) - START_DATE;
  const date = START_DATE + Math.floor((i * days) / p.rows);
  let account = accountCode((i * 7 + (i >> 4)) % ACCOUNTS);
  if (i % 97 === 50) account = 'A99'; // not in Accounts: XLOOKUP's "Unknown", no SUMIFS row
  else if (i % 89 === 30) account = account.toLowerCase(); // lookups and criteria ignore case
  const product = productCode((i * 31 + (i >> 2)) % PRODUCTS);
  const qty = i % 23 === 7 ? -(1 + (i % 5)) : 1 + ((i * 17 + (i >> 3)) % 60);
  return { date, account, product, qty };
}

/** Fixed monthly costs: about 97% of the average monthly sales, so cash moves both ways. */
function fixedMonthlyCosts(p) {
  let sales = 0;
  for (let i = 0; i < p.rows; i++) {
    const t = transaction(i, p);
    sales += t.qty * priceOf(Number(t.product.slice(1)) - 1);
  }
  return Math.round((sales / p.months) * 0.97);
}

/**
 * The cells of one sheet, row by row: yields `[row, cells]` with cells `{ c, v }` (a
 * constant: number or string) or `{ c, f }` (formula text without `=`), columns 1-based
 * and ascending (the convention of bench/generate.mjs).
 */
export function* sheetRows(p, sheet) {
  const M = p.months;
  const F = FIRST_MONTH_COL;
  const L = colName(F + M - 1);
  const n = FIRST_DATA_ROW + p.rows - 1; // last data row
  const S = summaryLayout(p.accounts);
  const months = (fn) => {
    const out = [];
    for (let t = 0; t < M; t++) out.push({ c: F + t, f: fn(colName(F + t), t === 0 ? null : colName(F + t - 1), t) });
    return out;
  };
  const withLabel = (label, cells) => [{ c: 1, v: label }, ...cells];
  const col = (c) => `Data!$${c}$${FIRST_DATA_ROW}:$${c}$${n}`;

  switch (sheet) {
    case 'Inputs': {
      yield [1, [{ c: 1, v: 'Assumptions' }]];
      yield [2, [{ c: 1, v: 'Interest rate on cash (annual)' }, { c: 2, v: 0.045 }]];
      yield [3, [{ c: 1, v: 'Fee rate' }, { c: 2, v: FEE_RATE }]];
      yield [4, [{ c: 1, v: 'Opening cash' }, { c: 2, v: 250000 }]];
      yield [5, [{ c: 1, v: 'First month' }, { c: 2, v: START_DATE }]];
      yield [6, [{ c: 1, v: 'Large transaction threshold' }, { c: 2, v: 2500 }]];
      yield [7, [{ c: 1, v: 'Cost per transaction' }, { c: 2, v: 1.5 }]];
      yield [8, [{ c: 1, v: 'Fixed monthly costs' }, { c: 2, v: fixedMonthlyCosts(p) }]];
      return;
    }
    case 'Prices': {
      yield [1, [{ c: 1, v: 'Product' }, { c: 2, v: 'Unit price' }]];
      const rows = new Array(PRODUCTS);
      for (let k = 0; k < PRODUCTS; k++) rows[priceRowOf(k) - 2] = k;
      for (let j = 0; j < PRODUCTS; j++) yield [2 + j, [{ c: 1, v: productCode(rows[j]) }, { c: 2, v: priceOf(rows[j]) }]];
      return;
    }
    case 'Accounts': {
      yield [1, [{ c: 1, v: 'Account' }, { c: 2, v: 'Region' }, { c: 3, v: 'Category' }]];
      for (let k = 0; k < p.accounts; k++) yield [2 + k, [{ c: 1, v: accountCode(k) }, { c: 2, v: accountRegion(k) }, { c: 3, v: accountCategory(k) }]];
      return;
    }
    case 'Data': {
      const heads = ['#', 'Date', 'Account', 'Product', 'Quantity', 'Unit price', 'Category', 'Amount', 'Month', 'Balance', `Trailing ${WINDOW}`, 'Large'];
      yield [1, heads.map((v, j) => ({ c: j + 1, v }))];
      const lastPrice = 1 + PRODUCTS;
      const lastAccount = 1 + p.accounts;
      for (let i = 0; i < p.rows; i++) {
        const r = FIRST_DATA_ROW + i;
        const t = transaction(i, p);
        yield [
          r,
          [
            { c: 1, v: i + 1 },
            { c: 2, v: t.date },
            { c: 3, v: t.account },
            { c: 4, v: t.product },
            { c: 5, v: t.qty },
            { c: 6, f: `INDEX(Prices!$B$2:$B$${lastPrice},MATCH(D${r},Prices!$A$2:$A$${lastPrice},0))` },
            { c: 7, f: `XLOOKUP(C${r},Accounts!$A$2:$A$${lastAccount},Accounts!$C$2:$C$${lastAccount},"${UNKNOWN}")` },
            { c: 8, f: `E${r}*F${r}*(1+IF(G${r}="Internal",0,Inputs!$B$3))` },
            { c: 9, f: `EOMONTH(B${r},0)` },
            { c: 10, f: i === 0 ? `H${r}` : `J${r - 1}+H${r}` },
            { c: 11, f: i + 1 < WINDOW ? `SUM(H$${FIRST_DATA_ROW}:H${r})` : `SUM(OFFSET(H${r},${1 - WINDOW},0,${WINDOW},1))` },
            { c: 12, f: `IF(H${r}>=Inputs!$B$6,1,0)` },
          ],
        ];
      }
      return;
    }
    case 'Summary': {
      yield [1, [{ c: 1, v: 'Summary by account and month' }]];
      yield [2, withLabel('Month end', months((c, pc) => (pc ? `EOMONTH(${pc}2,1)` : 'EOMONTH(Inputs!$B$5,0)')))];
      yield [3, withLabel('Previous month end', months((c) => `EOMONTH(${c}2,-1)`))];
      yield [S.salesRow - 1, [{ c: 1, v: 'Sales by account' }, { c: 2, v: 'Region' }]];
      const lastAccount = 1 + p.accounts;
      for (let k = 0; k < p.accounts; k++) {
        const r = S.salesRow + k;
        yield [
          r,
          [
            { c: 1, v: accountCode(k) },
            { c: 2, f: `XLOOKUP($A${r},Accounts!$A$2:$A$${lastAccount},Accounts!$B$2:$B$${lastAccount},"${UNKNOWN}")` },
            ...months((c) => `SUMIFS(${col('H')},${col('C')},$A${r},${col('I')},${c}$2)`),
          ],
        ];
      }
      yield [S.salesTotalRow, withLabel('Total', months((c) => `SUM(${c}${S.salesRow}:${c}${S.salesTotalRow - 1})`))];
      yield [S.countRow - 1, [{ c: 1, v: 'Transactions by account' }]];
      for (let k = 0; k < p.accounts; k++) {
        const r = S.countRow + k;
        yield [r, [{ c: 1, v: accountCode(k) }, ...months((c) => `COUNTIFS(${col('C')},$A${r},${col('B')},">"&${c}$3,${col('B')},"<="&${c}$2)`)]];
      }
      yield [S.countTotalRow, withLabel('Total', months((c) => `SUM(${c}${S.countRow}:${c}${S.countTotalRow - 1})`))];
      yield [S.categoryRow - 1, [{ c: 1, v: 'Sales by category' }]];
      for (let k = 0; k < S.categories.length; k++) {
        const r = S.categoryRow + k;
        yield [r, [{ c: 1, v: S.categories[k] }, ...months((c) => `SUMIFS(${col('H')},${col('G')},$A${r},${col('I')},${c}$2)`)]];
      }
      return;
    }
    case 'Cash': {
      const R = CASH;
      yield [1, [{ c: 1, v: 'Cash (interest on the average balance: circular)' }]];
      yield [R.monthEnd, withLabel('Month end', months((c) => `Summary!${c}$2`))];
      yield [R.opening, withLabel('Opening', months((c, pc) => (pc ? `${pc}${R.closing}` : 'Inputs!$B$4')))];
      yield [R.receipts, withLabel('Receipts', months((c) => `Summary!${c}${S.salesTotalRow}`))];
      yield [R.costs, withLabel('Costs', months((c) => `Summary!${c}${S.countTotalRow}*Inputs!$B$7+Inputs!$B$8`))];
      yield [R.interest, withLabel('Interest', months((c) => `AVERAGE(${c}${R.opening},${c}${R.closing})*Inputs!$B$2/12`))];
      yield [R.closing, withLabel('Closing', months((c) => `${c}${R.opening}+${c}${R.receipts}-${c}${R.costs}+${c}${R.interest}`))];
      return;
    }
    case 'Report': {
      const G = colName(F);
      const row = (ref, label, f) => [Number(ref.slice(8)), [{ c: 1, v: label }, { c: 2, f }]];
      const O = OUTPUTS;
      yield [1, [{ c: 1, v: 'Report' }]];
      yield row(O.totalSales.ref, 'Total sales', `SUM(Data!H${FIRST_DATA_ROW}:H${n})`);
      yield row(O.finalBalance.ref, 'Final running balance', `Data!J${n}`);
      yield row(O.maxTrailing.ref, `Largest trailing ${WINDOW}`, `MAX(Data!K${FIRST_DATA_ROW}:K${n})`);
      yield row(O.largeFlags.ref, 'Large transactions (flags)', `SUM(Data!L${FIRST_DATA_ROW}:L${n})`);
      yield row(O.largeCounted.ref, 'Large transactions (COUNTIFS)', `COUNTIFS(Data!H${FIRST_DATA_ROW}:H${n},">="&Inputs!$B$6)`);
      yield row(O.accountSales.ref, 'Sales by account, total', `SUM(Summary!${G}${S.salesTotalRow}:${L}${S.salesTotalRow})`);
      yield row(O.transactions.ref, 'Transactions counted', `SUM(Summary!${G}${S.countTotalRow}:${L}${S.countTotalRow})`);
      yield row(O.unknownSales.ref, 'Sales to unknown accounts', `SUM(Summary!${G}${S.unknownRow}:${L}${S.unknownRow})`);
      yield row(O.closingCash.ref, 'Closing cash', `Cash!${L}${CASH.closing}`);
      yield row(O.totalInterest.ref, 'Total interest', `SUM(Cash!${G}${CASH.interest}:${L}${CASH.interest})`);
      yield row(O.lowestCash.ref, 'Lowest cash', `MIN(Cash!${G}${CASH.closing}:${L}${CASH.closing})`);
      return;
    }
    default:
      throw new Error(`unknown sheet ${sheet}`);
  }
}

const esc = (s) => (/[&<>"]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;') : s);

function cellXml(row, cell) {
  const r = colName(cell.c) + row;
  if (cell.f !== undefined) return `<c r="${r}"><f>${esc(cell.f)}</f></c>`;
  if (typeof cell.v === 'number') return `<c r="${r}"><v>${cell.v}</v></c>`;
  return `<c r="${r}" t="inlineStr"><is><t>${esc(cell.v)}</t></is></c>`;
}

const enc = new TextEncoder();
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RNS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** Last row and column of a sheet (for the dimension element). */
function dimension(p, sheet) {
  const last = colName(FIRST_MONTH_COL + p.months - 1);
  switch (sheet) {
    case 'Inputs':
      return 'A1:B8';
    case 'Prices':
      return `A1:B${1 + PRODUCTS}`;
    case 'Accounts':
      return `A1:C${1 + p.accounts}`;
    case 'Data':
      return `A1:L${FIRST_DATA_ROW + p.rows - 1}`;
    case 'Summary':
      return `A1:${last}${summaryLayout(p.accounts).unknownRow}`;
    case 'Cash':
      return `A1:${last}${CASH.closing}`;
    default:
      return 'A1:B12';
  }
}

/**
 * Streams the workbook to `file` (written to `file.tmp`, then renamed). Returns stats.
 * Memory stays bounded: each sheet is produced row by row, flushed in ~1 MB chunks.
 */
export function writeWorkbook(file, p, { level = 6 } = {}) {
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
      buf += `${XML_HEAD}<worksheet xmlns="${NS}" xmlns:r="${RNS}"><dimension ref="${dimension(p, sheet)}"/><sheetData>`;
      for (const [r, rowCells] of sheetRows(p, sheet)) {
        buf += `<row r="${r}">`;
        for (const c of rowCells) {
          buf += cellXml(r, c);
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
  return { file, zipBytes, xmlBytes, cells, formulaCells, rows: p.rows, months: p.months };
}

/** The cache path of a workload. */
export function cachePath(cacheDir, target, { months = 12 } = {}) {
  return resolve(cacheDir, `ledger-${sizeLabel(target)}-m${months}-v${GENERATOR_VERSION}.xlsx`);
}

function main(argv) {
  const args = { cells: '10k', months: 12, out: null, level: 6 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cells') args.cells = argv[++i];
    else if (a === '--months') args.months = Number(argv[++i]);
    else if (a === '--level') args.level = Number(argv[++i]);
    else if (a === '-o' || a === '--out') args.out = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/generate-ledger.mjs --cells 100k [--months 12] [--level 0-9] [-o FILE]');
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
