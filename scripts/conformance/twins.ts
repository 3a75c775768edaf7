/**
 * Twins: the same workbook saved by Excel in other formats (`.xlsb`, `.xls`, `.ods`)
 * beside its `.xlsx`/`.xlsm`, which is the oracle for all of them (its stored results).
 * Here: which file is a twin and of which oracle, and a copy of a twin whose stored
 * formula results cannot be read back.
 *
 * Where the format allows removing a result (`.ods`: a formula cell's `office:value`),
 * it is removed. `.xlsb` and `.xls` formula records must hold a value: it is replaced by
 * the error `#GETTING_DATA` (which no oracle cell holds), so an engine that handed back
 * the stored value instead of computing it would fail the comparison all the same.
 */
import { unzipSync, zipSync, strFromU8, strToU8, type Zippable } from 'fflate';
import { existsSync } from 'node:fs';

export type Format = 'xlsx' | 'xlsm' | 'xlsb' | 'xls' | 'ods';

export function formatOfPath(path: string): Format | undefined {
  const m = /\.(xlsx|xlsm|xlsb|xls|ods)$/i.exec(path);
  return m ? (m[1]!.toLowerCase() as Format) : undefined;
}

/** The `.xlsx`/`.xlsm` beside a twin, its oracle (undefined when there is none). */
export function oracleFor(path: string): string | undefined {
  const base = path.replace(/\.(xlsb|xls|ods)$/i, '');
  if (base === path) return undefined;
  for (const ext of ['.xlsx', '.xlsm']) if (existsSync(base + ext)) return base + ext;
  return undefined;
}

export interface TwinStrip {
  bytes: Uint8Array;
  /** Formula cells whose stored result was removed or replaced. */
  stripped: number;
  /** How: removed, or replaced by #GETTING_DATA where the format needs a value. */
  how: 'removed' | 'replaced';
}

// ------------------------------------------------------------------ .xlsb (BIFF12)

const FMLA_STRING = 0x08;
const FMLA_NUM = 0x09;
const FMLA_BOOL = 0x0a;
const FMLA_ERROR = 0x0b;
const GETTING_DATA = 0x2b;

function pushVarint(out: number[], v: number, maxBytes: number): void {
  for (let i = 0; i < maxBytes; i++) {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v > 0) out.push(b | 0x80);
    else {
      out.push(b);
      return;
    }
  }
}

/** Rewrites a sheet part's formula records as `BrtFmlaError` holding #GETTING_DATA. */
function stripSheetBin(data: Uint8Array): { bytes: Uint8Array; stripped: number } {
  const out: number[] = [];
  let pos = 0;
  let stripped = 0;
  while (pos < data.length) {
    const start = pos;
    let typ = data[pos++]!;
    if (typ & 0x80) typ = (typ & 0x7f) | ((data[pos++]! & 0x7f) << 7);
    let len = 0;
    for (let i = 0; i < 4; i++) {
      const b = data[pos++]!;
      len += (b & 0x7f) * 2 ** (7 * i);
      if (!(b & 0x80)) break;
    }
    const body = data.subarray(pos, pos + len);
    pos += len;
    if (typ >= FMLA_STRING && typ <= FMLA_ERROR && body.length >= 9) {
      let valueLen = 1;
      if (typ === FMLA_NUM) valueLen = 8;
      else if (typ === FMLA_STRING) valueLen = 4 + 2 * new DataView(body.buffer, body.byteOffset + 8, 4).getUint32(0, true);
      const rec = [...body.subarray(0, 8), GETTING_DATA, ...body.subarray(8 + valueLen)];
      out.push(FMLA_ERROR);
      pushVarint(out, rec.length, 4);
      for (const b of rec) out.push(b);
      stripped++;
    } else {
      for (let i = start; i < pos; i++) out.push(data[i]!);
    }
  }
  return { bytes: Uint8Array.from(out), stripped };
}

function stripXlsb(bytes: Uint8Array): TwinStrip {
  const files = unzipSync(bytes);
  const out: Zippable = {};
  let stripped = 0;
  for (const [k, v] of Object.entries(files)) {
    if (k.endsWith('/')) continue;
    if (/^xl\/worksheets\/[^/]+\.bin$/i.test(k)) {
      const r = stripSheetBin(v);
      stripped += r.stripped;
      out[k] = [r.bytes, { level: 6 }];
    } else out[k] = [v, { level: 6 }];
  }
  return { bytes: zipSync(out), stripped, how: 'replaced' };
}

// ------------------------------------------------------------------ .xls (BIFF8 in a compound file)

/** The file offset of every byte of the `Workbook` stream (it lives in sectors scattered over the file). */
function workbookStreamOffsets(file: Uint8Array): number[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const sector = 1 << dv.getUint16(30, true);
  const fatSectors: number[] = [];
  const nFat = dv.getUint32(44, true);
  for (let i = 0; i < 109 && fatSectors.length < nFat; i++) fatSectors.push(dv.getUint32(76 + 4 * i, true));
  let difat = dv.getUint32(68, true);
  while (fatSectors.length < nFat && difat < 0xfffffffa) {
    const base = (difat + 1) * sector;
    for (let i = 0; i < sector / 4 - 1 && fatSectors.length < nFat; i++) fatSectors.push(dv.getUint32(base + 4 * i, true));
    difat = dv.getUint32(base + sector - 4, true);
  }
  const fat: number[] = [];
  for (const s of fatSectors) for (let i = 0; i < sector / 4; i++) fat.push(dv.getUint32((s + 1) * sector + 4 * i, true));
  const chain = (start: number): number[] => {
    const out: number[] = [];
    for (let s = start; s < 0xfffffffa && out.length <= fat.length; s = fat[s]!) out.push(s);
    return out;
  };
  const dir = chain(dv.getUint32(48, true));
  for (const ds of dir) {
    for (let e = 0; e < sector / 128; e++) {
      const at = (ds + 1) * sector + e * 128;
      const nameLen = dv.getUint16(at + 64, true);
      let name = '';
      for (let i = 0; i + 2 < nameLen; i += 2) name += String.fromCharCode(dv.getUint16(at + i, true));
      if (file[at + 66] !== 2 || name.toLowerCase() !== 'workbook') continue;
      const size = dv.getUint32(at + 120, true);
      if (size < dv.getUint32(56, true)) throw new Error('the Workbook stream is in the mini stream (not rewritten)');
      const offsets: number[] = [];
      for (const s of chain(dv.getUint32(at + 116, true))) {
        for (let i = 0; i < sector && offsets.length < size; i++) offsets.push((s + 1) * sector + i);
      }
      return offsets;
    }
  }
  throw new Error('no Workbook stream');
}

function stripXls(bytes: Uint8Array): TwinStrip {
  const file = Uint8Array.from(bytes);
  const at = workbookStreamOffsets(file);
  const byte = (i: number) => file[at[i]!]!;
  let pos = 0;
  let stripped = 0;
  while (pos + 4 <= at.length) {
    const typ = byte(pos) | (byte(pos + 1) << 8);
    const len = byte(pos + 2) | (byte(pos + 3) << 8);
    const body = pos + 4;
    if (typ === 0x0006 && len >= 20) {
      // FORMULA: row, col, format (6 bytes), then the 8-byte FormulaValue: an error.
      const value = [0x02, 0, GETTING_DATA, 0, 0, 0, 0xff, 0xff];
      for (let i = 0; i < 8; i++) file[at[body + 6 + i]!] = value[i]!;
      stripped++;
    }
    pos = body + len;
  }
  return { bytes: file, stripped, how: 'replaced' };
}

// ------------------------------------------------------------------ .ods

function stripOds(bytes: Uint8Array): TwinStrip {
  const files = unzipSync(bytes);
  let stripped = 0;
  const xml = strFromU8(files['content.xml']!);
  // A formula cell keeps its formula; its value attributes and its displayed text go.
  const res = xml.replace(/<table:table-cell\b([^>]*\btable:formula="[^"]*"[^>]*?)(\/>|>([\s\S]*?)<\/table:table-cell>)/g, (_m, attrs: string) => {
    stripped++;
    const kept = attrs.replace(/\s+(?:office:value-type|office:value|office:boolean-value|office:date-value|office:time-value|office:string-value|calcext:value-type|office:currency)="[^"]*"/g, '');
    return `<table:table-cell${kept}/>`;
  });
  const out: Zippable = {};
  // mimetype first and stored, as OpenDocument requires.
  out['mimetype'] = [files['mimetype'] ?? strToU8('application/vnd.oasis.opendocument.spreadsheet'), { level: 0 }];
  for (const [k, v] of Object.entries(files)) {
    if (k === 'mimetype' || k.endsWith('/')) continue;
    out[k] = [k === 'content.xml' ? strToU8(res) : v, { level: 6 }];
  }
  return { bytes: zipSync(out), stripped, how: 'removed' };
}

/** A copy of a twin without its stored formula results (see the module comment). */
export function stripTwin(bytes: Uint8Array, format: Format): TwinStrip {
  switch (format) {
    case 'xlsb':
      return stripXlsb(bytes);
    case 'xls':
      return stripXls(bytes);
    case 'ods':
      return stripOds(bytes);
    default:
      throw new Error(`not a twin format: ${format}`);
  }
}
