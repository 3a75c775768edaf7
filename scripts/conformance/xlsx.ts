/**
 * Reading Excel's stored results out of an xlsx package, and writing a copy of it with
 * those results removed.
 */
import { unzipSync, zipSync, strFromU8, strToU8, type Zippable } from 'fflate';
import { attrByLocal, elements, firstElement, parseAttrs, stringItemText, textOf, type XmlElement } from './xml.js';

/** A value as Excel stored it (and as the engine's `toJSON()` reports it). */
export type CellValue = number | string | boolean | null | { error: string };

export interface ExpectedCell {
  /** `Sheet Name!A1` (sheet name unquoted). */
  key: string;
  sheet: string;
  cell: string;
  /** Formula text as stored (for shared/array children: the anchor's, see `from`). */
  formula: string;
  /** For a shared-formula child the formula shifted to this cell; else same as formula. */
  displayFormula: string;
  /** How the cell got its formula. */
  kind: 'formula' | 'shared' | 'array-anchor' | 'array-child';
  /** Anchor cell of the shared group / array range, when not the cell itself. */
  from?: string;
  expected: CellValue;
}

export interface SheetPart {
  name: string;
  /** Zip path of the sheet part, e.g. `xl/worksheets/sheet1.xml`. */
  path: string;
  /** Relationship type's last segment: worksheet, chartsheet, macrosheet... */
  type: string;
}

export type Files = Record<string, Uint8Array>;

export function unzip(bytes: Uint8Array): Files {
  return unzipSync(bytes);
}

/** A zip entry by path, tolerating a leading slash and case differences. */
export function entry(files: Files, path: string): Uint8Array | undefined {
  const p = path.replace(/^\/+/, '');
  if (files[p]) return files[p];
  const lower = p.toLowerCase();
  for (const k of Object.keys(files)) if (k.toLowerCase() === lower) return files[k];
  return undefined;
}

function entryName(files: Files, path: string): string | undefined {
  const p = path.replace(/^\/+/, '');
  if (files[p]) return p;
  const lower = p.toLowerCase();
  return Object.keys(files).find((k) => k.toLowerCase() === lower);
}

function text(files: Files, path: string): string | undefined {
  const b = entry(files, path);
  return b ? strFromU8(b) : undefined;
}

/** Resolves a relationship target against the folder of the part owning the rels. */
export function resolveTarget(baseDir: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = (baseDir ? baseDir.split('/') : []).concat(target.split('/'));
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out.join('/');
}

interface WorkbookRels {
  /** Zip path of the workbook part. */
  path: string;
  /** Relationships of the workbook part by id, targets resolved to zip paths. */
  byId: Map<string, { target: string; type: string }>;
}

/** The workbook part (named by the package rels; xl/workbook.xml by convention) and its rels. */
function workbookRels(files: Files): WorkbookRels {
  let wbPath = 'xl/workbook.xml';
  const pkgRels = text(files, '_rels/.rels');
  if (pkgRels) {
    for (const r of elements(pkgRels, 'Relationship')) {
      if (/\/officeDocument$/.test(r.attrs.Type ?? '') && r.attrs.Target) {
        wbPath = resolveTarget('', r.attrs.Target);
        break;
      }
    }
  }
  const dir = wbPath.includes('/') ? wbPath.slice(0, wbPath.lastIndexOf('/')) : '';
  const relsPath = `${dir ? dir + '/' : ''}_rels/${wbPath.slice(dir ? dir.length + 1 : 0)}.rels`;
  const rels = text(files, relsPath) ?? '';
  const byId = new Map<string, { target: string; type: string }>();
  for (const r of elements(rels, 'Relationship')) {
    if (r.attrs.Id && r.attrs.Target && r.attrs.TargetMode !== 'External') {
      byId.set(r.attrs.Id, {
        target: resolveTarget(dir, r.attrs.Target),
        type: (r.attrs.Type ?? '').split('/').pop() ?? '',
      });
    }
  }
  return { path: wbPath, byId };
}

/** The part a workbook relationship of this type (last URI segment) points to, else `fallback`. */
function relatedPart(rels: WorkbookRels, type: string, fallback: string): string {
  for (const r of rels.byId.values()) if (r.type.toLowerCase() === type.toLowerCase()) return r.target;
  return fallback;
}

/** The sheets in workbook order, with their part paths. */
export function sheetParts(files: Files): SheetPart[] {
  const rels = workbookRels(files);
  const wb = text(files, rels.path);
  if (wb === undefined) throw new Error(`no workbook part (${rels.path})`);
  const targets = rels.byId;
  const out: SheetPart[] = [];
  const sheetsEl = firstElement(wb, 'sheets');
  for (const s of elements(sheetsEl?.inner ?? '', 'sheet')) {
    const rid = attrByLocal(s.attrs, 'id', true);
    const t = rid ? targets.get(rid) : undefined;
    if (!t || s.attrs.name === undefined) continue;
    out.push({ name: s.attrs.name, path: t.target, type: t.type });
  }
  return out;
}

export function sharedStrings(files: Files): string[] {
  // Normally xl/sharedStrings.xml; find it through the workbook rels would be more exact,
  // but every writer uses this name.
  const xml = text(files, 'xl/sharedStrings.xml');
  if (!xml) return [];
  const out: string[] = [];
  for (const si of elements(xml, 'si')) out.push(stringItemText(si.inner));
  return out;
}

// ---------------------------------------------------------------- rich-value errors

/**
 * The errors by `errorType` of a rich value of structure `_error` (MS-XLSX): the error
 * whose ERROR.TYPE number is errorType + 1. Confirmed by the corpus's ERROR.TYPE.xlsx
 * (errorType 13 is #CALC!, ERROR.TYPE 14; errorType 8 is #SPILL!, ERROR.TYPE 9).
 */
const RICH_ERROR_TYPES = [
  '#NULL!',
  '#DIV/0!',
  '#VALUE!',
  '#REF!',
  '#NAME?',
  '#NUM!',
  '#N/A',
  '#GETTING_DATA',
  '#SPILL!',
  '#CONNECT!',
  '#BLOCKED!',
  '#UNKNOWN!',
  '#FIELD!',
  '#CALC!',
];

/** Error text of each rich value (0-based index in the rich value part), undefined when not an `_error`. */
function richValueErrors(files: Files, rels: WorkbookRels): (string | undefined)[] {
  const rvXml = text(files, relatedPart(rels, 'rdRichValue', 'xl/richData/rdrichvalue.xml'));
  const stXml = text(files, relatedPart(rels, 'rdRichValueStructure', 'xl/richData/rdrichvaluestructure.xml'));
  if (!rvXml || !stXml) return [];
  // Each structure: its type and the position of the errorType key among its keys.
  const structures: { type: string; errorTypeAt: number }[] = [];
  for (const s of elements(stXml, 's')) {
    const keys = [...elements(s.inner ?? '', 'k')].map((k) => k.attrs.n);
    structures.push({ type: s.attrs.t ?? '', errorTypeAt: keys.indexOf('errorType') });
  }
  const out: (string | undefined)[] = [];
  for (const rv of elements(rvXml, 'rv')) {
    const st = structures[parseInt(rv.attrs.s ?? '', 10)];
    let err: string | undefined;
    if (st && st.type === '_error' && st.errorTypeAt >= 0) {
      const vals = [...elements(rv.inner ?? '', 'v')].map((v) => (v.inner === undefined ? '' : textOf(v.inner).trim()));
      const n = Number(vals[st.errorTypeAt]);
      if (Number.isInteger(n)) err = RICH_ERROR_TYPES[n];
    }
    out.push(err);
  }
  return out;
}

/**
 * The error each value-metadata record stands for, by a cell's `vm` (1-based), following
 * the chain Excel writes for errors an older reader cannot represent (#CALC!, #SPILL!...),
 * whose cell stores `#VALUE!` as its fallback: valueMetadata's vm-th `<bk>` → its `<rc t v>`
 * names the metadata type (t, 1-based in metadataTypes) and the v-th (0-based) `<bk>` of
 * the futureMetadata of that type's name → for XLRICHVALUE, its `<xlrd:rvb i>` is the
 * 0-based index of the rich value → an `_error` structure's errorType. Records that are
 * not rich-value errors map to undefined.
 */
export function valueMetadataErrors(files: Files): (string | undefined)[] {
  const rels = workbookRels(files);
  const md = text(files, relatedPart(rels, 'sheetMetadata', 'xl/metadata.xml'));
  if (!md) return [];
  const typeNames = [...elements(firstElement(md, 'metadataTypes')?.inner ?? '', 'metadataType')].map((t) => t.attrs.name ?? '');
  const future = new Map<string, XmlElement[]>();
  for (const fm of elements(md, 'futureMetadata')) {
    future.set(fm.attrs.name ?? '', [...elements(fm.inner ?? '', 'bk')]);
  }
  let rich: (string | undefined)[] | undefined;
  const out: (string | undefined)[] = [];
  for (const bk of elements(firstElement(md, 'valueMetadata')?.inner ?? '', 'bk')) {
    let err: string | undefined;
    for (const rc of elements(bk.inner ?? '', 'rc')) {
      const name = typeNames[parseInt(rc.attrs.t ?? '', 10) - 1];
      if (name !== 'XLRICHVALUE') continue;
      const fb = future.get(name)?.[parseInt(rc.attrs.v ?? '', 10)];
      const rvb = fb?.inner === undefined ? undefined : firstElement(fb.inner, 'rvb');
      const i = parseInt(rvb?.attrs.i ?? '', 10);
      if (!Number.isInteger(i)) continue;
      rich ??= richValueErrors(files, rels);
      err = rich[i];
      if (err) break;
    }
    out.push(err);
  }
  return out;
}

// ---------------------------------------------------------------- addresses

export function colToNum(col: string): number {
  let n = 0;
  for (const ch of col.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

export function numToCol(n: number): string {
  let s = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function parseCell(ref: string): { col: number; row: number } | undefined {
  const m = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(ref.trim());
  if (!m) return undefined;
  return { col: colToNum(m[1]!), row: parseInt(m[2]!, 10) };
}

export interface Rect {
  c1: number;
  r1: number;
  c2: number;
  r2: number;
}

export function parseRange(ref: string): Rect | undefined {
  const [a, b] = ref.split(':');
  const p = parseCell(a ?? '');
  const q = b === undefined ? p : parseCell(b);
  if (!p || !q) return undefined;
  return { c1: Math.min(p.col, q.col), r1: Math.min(p.row, q.row), c2: Math.max(p.col, q.col), r2: Math.max(p.row, q.row) };
}

/**
 * Shifts the relative A1 references of a formula by (dr, dc), for showing a shared
 * formula's child as Excel would. Display only: references inside string literals and
 * function names (LOG10) are left alone; whole-row/column references are not shifted.
 */
export function shiftFormula(formula: string, dr: number, dc: number): string {
  if (!dr && !dc) return formula;
  let out = '';
  let i = 0;
  const n = formula.length;
  const re = /\$?[A-Za-z]{1,3}\$?\d+/y;
  while (i < n) {
    const ch = formula[i]!;
    if (ch === '"' || ch === "'") {
      // string literal or quoted sheet name: copy through (doubled quote escapes)
      let j = i + 1;
      while (j < n) {
        if (formula[j] === ch) {
          if (formula[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      out += formula.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '[') {
      // structured reference / external book index: copy through to the matching ]
      let depth = 0;
      let j = i;
      for (; j < n; j++) {
        if (formula[j] === '[') depth++;
        else if (formula[j] === ']' && --depth === 0) break;
      }
      out += formula.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const prev = i > 0 ? formula[i - 1]! : '';
    if (/[$A-Za-z]/.test(ch) && !/[A-Za-z0-9_.]/.test(prev)) {
      re.lastIndex = i;
      const m = re.exec(formula);
      const next = m ? formula[i + m[0].length] ?? '' : '';
      if (m && !/[A-Za-z0-9_(.]/.test(next)) {
        const mm = /^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$/.exec(m[0])!;
        let col = colToNum(mm[2]!);
        let row = parseInt(mm[4]!, 10);
        if (!mm[1]) col += dc;
        if (!mm[3]) row += dr;
        out += col >= 1 && row >= 1 ? `${mm[1]}${numToCol(col)}${mm[3]}${row}` : '#REF!';
        i += m[0].length;
        continue;
      }
      // a name or function: copy the whole word
      const w = /[$A-Za-z0-9_.\\]+/y;
      w.lastIndex = i;
      const wm = w.exec(formula);
      const len = wm ? wm[0].length : 1;
      out += formula.slice(i, i + len);
      i += len;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

// ---------------------------------------------------------------- cells

interface RawCell {
  start: number;
  end: number;
  attrText: string;
  ref: string;
  col: number;
  row: number;
  t: string | undefined;
  /** Value metadata index (`vm`, 1-based), set on rich values such as #CALC! errors. */
  vm?: number;
  f?: { attrs: Record<string, string>; text: string };
  /** Raw content of `<v>`, '' for `<v/>`, undefined when absent. */
  v?: string;
  /** Inline string text (t="inlineStr"). */
  is?: string;
  inner: string | undefined;
}

/** The `<c>` elements of a sheet's `<sheetData>`, with their formula and value. */
function scanCells(xml: string): RawCell[] {
  const sd = /<(?:[A-Za-z_][\w.-]*:)?sheetData(?=[\s/>])/.exec(xml);
  if (!sd) return [];
  const endM = /<\/(?:[A-Za-z_][\w.-]*:)?sheetData\s*>/g;
  endM.lastIndex = sd.index;
  const e = endM.exec(xml);
  const to = e ? e.index : xml.length;
  const out: RawCell[] = [];
  // Cells without r follow the previous cell / row (allowed by the spec, rare in practice).
  let lastRow = 0;
  let lastCol = 0;
  const rowRe = /<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])([^>]*?)\/?>/g;
  rowRe.lastIndex = sd.index;
  let rowM = rowRe.exec(xml);
  for (const c of elements(xml, 'c', sd.index, to)) {
    // Track the enclosing row for cells without an r attribute.
    while (rowM && rowM.index < c.start) {
      const r = parseAttrs(rowM[1]).r;
      lastRow = r ? parseInt(r, 10) : lastRow + 1;
      lastCol = 0;
      rowM = rowRe.exec(xml);
    }
    let ref = c.attrs.r;
    let pos = ref ? parseCell(ref) : undefined;
    if (!pos) {
      pos = { col: lastCol + 1, row: lastRow };
      ref = numToCol(pos.col) + pos.row;
    }
    lastCol = pos.col;
    lastRow = pos.row;
    const cell: RawCell = {
      start: c.start,
      end: c.end,
      attrText: c.attrText,
      ref: ref!.replace(/\$/g, '').toUpperCase(),
      col: pos.col,
      row: pos.row,
      t: c.attrs.t,
      inner: c.inner,
    };
    if (c.attrs.vm !== undefined) {
      const vm = parseInt(c.attrs.vm, 10);
      if (Number.isInteger(vm)) cell.vm = vm;
    }
    if (c.inner) {
      const f = firstElement(c.inner, 'f');
      if (f) cell.f = { attrs: f.attrs, text: f.inner === undefined ? '' : textOf(f.inner) };
      const v = firstElement(c.inner, 'v');
      if (v) cell.v = v.inner ?? '';
      if (cell.t === 'inlineStr') {
        const is = firstElement(c.inner, 'is');
        if (is) cell.is = stringItemText(is.inner);
      }
    }
    out.push(cell);
  }
  return out;
}

/**
 * Excel's stored value of a cell, typed by `t`; undefined when nothing is stored. An
 * error with value metadata is the rich-value error it points to (`vmErrors`, by vm - 1).
 */
function storedValue(c: RawCell, sst: string[], vmErrors: (string | undefined)[] = []): CellValue | undefined {
  const t = c.t ?? 'n';
  if (t === 'inlineStr') return c.is;
  if (c.v === undefined) return undefined;
  switch (t) {
    case 's': {
      const i = parseInt(c.v, 10);
      return Number.isInteger(i) && i >= 0 && i < sst.length ? sst[i]! : undefined;
    }
    case 'str':
      return textOf(c.v);
    case 'b': {
      const s = textOf(c.v).trim().toUpperCase();
      return s === '1' || s === 'TRUE';
    }
    case 'e': {
      const rich = c.vm === undefined ? undefined : vmErrors[c.vm - 1];
      return { error: rich ?? textOf(c.v).trim() };
    }
    case 'd':
      return textOf(c.v); // ISO date text; rare (Strict / some writers)
    default: {
      const s = textOf(c.v).trim();
      if (s === '') return undefined;
      const n = Number(s);
      return Number.isNaN(n) ? undefined : n;
    }
  }
}

interface ArrayRange {
  rect: Rect;
  anchor: string;
  formula: string;
}

/** Index of array ranges by row, for "is this cell inside an array formula" lookups. */
class ArrayIndex {
  private byRow = new Map<number, ArrayRange[]>();
  add(a: ArrayRange): void {
    const last = Math.min(a.rect.r2, a.rect.r1 + 1_048_576);
    for (let r = a.rect.r1; r <= last; r++) {
      let l = this.byRow.get(r);
      if (!l) this.byRow.set(r, (l = []));
      l.push(a);
    }
  }
  find(row: number, col: number): ArrayRange | undefined {
    const l = this.byRow.get(row);
    if (!l) return undefined;
    for (const a of l) if (col >= a.rect.c1 && col <= a.rect.c2) return a;
    return undefined;
  }
}

interface SheetScan {
  cells: RawCell[];
  arrays: ArrayIndex;
  shared: Map<string, { anchor: RawCell; text: string }>;
}

function scanSheet(xml: string): SheetScan {
  const cells = scanCells(xml);
  const arrays = new ArrayIndex();
  const shared = new Map<string, { anchor: RawCell; text: string }>();
  for (const c of cells) {
    if (!c.f) continue;
    const ft = c.f.attrs.t;
    if (ft === 'array') {
      const rect = parseRange(c.f.attrs.ref ?? c.ref) ?? parseRange(c.ref)!;
      arrays.add({ rect, anchor: c.ref, formula: c.f.text });
    } else if (ft === 'shared' && c.f.attrs.si !== undefined && c.f.text !== '' && !shared.has(c.f.attrs.si)) {
      shared.set(c.f.attrs.si, { anchor: c, text: c.f.text });
    }
  }
  return { cells, arrays, shared };
}

/** Does this cell hold a result the engine must compute (formula cell or array member)? */
function classify(c: RawCell, scan: SheetScan): Omit<ExpectedCell, 'key' | 'sheet' | 'cell' | 'expected'> | undefined {
  if (c.f) {
    const ft = c.f.attrs.t;
    if (ft === 'array') return { formula: c.f.text, displayFormula: c.f.text, kind: 'array-anchor' };
    if (ft === 'shared') {
      const si = c.f.attrs.si ?? '';
      const g = scan.shared.get(si);
      if (g && g.anchor !== c) {
        const shifted = shiftFormula(g.text, c.row - g.anchor.row, c.col - g.anchor.col);
        return { formula: g.text, displayFormula: shifted, kind: 'shared', from: g.anchor.ref };
      }
      return { formula: c.f.text, displayFormula: c.f.text, kind: c.f.text ? 'formula' : 'shared' };
    }
    // A cell in an array range with its own (non-array) <f> would be malformed; treat as formula.
    return { formula: c.f.text, displayFormula: c.f.text, kind: 'formula' };
  }
  const a = scan.arrays.find(c.row, c.col);
  if (a) return { formula: a.formula, displayFormula: a.formula, kind: 'array-child', from: a.anchor };
  return undefined;
}

export interface Extracted {
  sheets: SheetPart[];
  cells: ExpectedCell[];
  /** Formula / array cells that store no value (not counted). */
  noValue: number;
}

/** The expected values: every formula cell and array-range cell with a stored result. */
export function extractExpected(input: Uint8Array | Files): Extracted {
  const files = input instanceof Uint8Array ? unzip(input) : input;
  const sheets = sheetParts(files);
  const sst = sharedStrings(files);
  const vmErrors = valueMetadataErrors(files);
  const cells: ExpectedCell[] = [];
  let noValue = 0;
  for (const sh of sheets) {
    const xml = text(files, sh.path);
    if (xml === undefined) continue;
    const scan = scanSheet(xml);
    for (const c of scan.cells) {
      const info = classify(c, scan);
      if (!info) continue;
      const v = storedValue(c, sst, vmErrors);
      if (v === undefined) {
        noValue++;
        continue;
      }
      cells.push({ key: `${sh.name}!${c.ref}`, sheet: sh.name, cell: c.ref, ...info, expected: v });
    }
  }
  return { sheets, cells, noValue };
}

/**
 * Removes a cell's stored value: `<v>`, `<is>`, the `t` attribute and the value metadata
 * (`vm`, which describes the stored value) go; `<f>` stays.
 */
function stripCell(xml: string, c: RawCell): string {
  const attrs = c.attrText.replace(/\s+(?:t|vm)\s*=\s*(?:"[^"]*"|'[^']*')/g, '');
  let inner = c.inner ?? '';
  inner = inner
    .replace(/<(?:[A-Za-z_][\w.-]*:)?v(?=[\s/>])[^>]*?(?:\/>|>[\s\S]*?<\/(?:[A-Za-z_][\w.-]*:)?v\s*>)/g, '')
    .replace(/<(?:[A-Za-z_][\w.-]*:)?is(?=[\s/>])[^>]*?(?:\/>|>[\s\S]*?<\/(?:[A-Za-z_][\w.-]*:)?is\s*>)/g, '');
  const open = xml.slice(c.start, c.start + 1 + (/^<([^\s/>]+)/.exec(xml.slice(c.start))![1]!.length));
  const tag = open.slice(1);
  return inner.trim() === '' ? `${open}${attrs}/>` : `${open}${attrs}>${inner}</${tag}>`;
}

export interface StripResult {
  bytes: Uint8Array;
  /** Cells whose stored value was removed. */
  stripped: number;
}

/**
 * A copy of the workbook with the stored results removed: every formula cell and every
 * cell of an array-formula range loses its `<v>` (and `t`), keeping its `<f>`. The other
 * parts are copied as they are (calcChain stays: it lists formula cells, which remain).
 */
export function stripWorkbook(input: Uint8Array | Files): StripResult {
  const files = input instanceof Uint8Array ? unzip(input) : input;
  const sheets = sheetParts(files);
  const out: Zippable = {};
  const replaced = new Map<string, Uint8Array>();
  let stripped = 0;
  for (const sh of sheets) {
    const name = entryName(files, sh.path);
    if (!name) continue;
    const xml = strFromU8(files[name]!);
    const scan = scanSheet(xml);
    let res = '';
    let pos = 0;
    for (const c of scan.cells) {
      if (!classify(c, scan)) continue;
      if (c.v === undefined && c.is === undefined && c.t === undefined) continue;
      res += xml.slice(pos, c.start) + stripCell(xml, c);
      pos = c.end;
      stripped++;
    }
    if (pos > 0) replaced.set(name, strToU8(res + xml.slice(pos)));
  }
  for (const [k, v] of Object.entries(files)) {
    if (k.endsWith('/')) continue; // directory entries
    out[k] = [replaced.get(k) ?? v, { level: 6 }];
  }
  return { bytes: zipSync(out), stripped };
}
