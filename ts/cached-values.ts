/**
 * Reading the build's stored values (Excel's cached results of every formula cell),
 * written by crates/sheetc/src/cached.rs in a binary layout whose arrays are viewed in
 * place: a million cells cost milliseconds to read, not the 200 ms a JSON parse took.
 */
import { readFileSync } from 'node:fs';
import type { EncodedScalar } from './runtime/engine.js';

/** One sheet's formula cells with a stored value, as parallel arrays. */
export interface CachedSheet {
  name: string;
  /** Formula cells without a stored value (counted, not listed). */
  blank: number;
  rows: Uint32Array;
  cols: Uint32Array;
  /** The sheet's formula text index of each cell (see `cachedTextsPath`), -1 inside an array formula. */
  texts: Int32Array;
  /** 0 number, 1 text, 2 boolean, 3 error. */
  kinds: Uint8Array;
  /** The number, the boolean as 0/1, or the index into `strings` (text, error). */
  values: Float64Array;
  strings: string[];
}

/** Per sheet, each formula text as [originRow, originCol, text] (null: no stored value uses it). */
export type CachedTexts = ([number, number, string] | null)[][];

/** Where the build writes the formula texts of the stored values at `cached` (cached.rs `texts_path`). */
export const cachedTextsPath = (cached: string): string => `${cached}.texts`;

/** The stored value of cell `i` of `sheet`, errors as `{ e: code }`. */
export function storedValue(sheet: CachedSheet, i: number): EncodedScalar {
  const v = sheet.values[i]!;
  switch (sheet.kinds[i]) {
    case 0:
      return v;
    case 1:
      return sheet.strings[v]!;
    case 2:
      return v !== 0;
    default:
      return { e: sheet.strings[v]! };
  }
}

export function readCachedValues(path: string): CachedSheet[] {
  const file = readFileSync(path);
  const bad = (why: string) => new Error(`${path}: not a stored-values file (${why})`);
  if (file.length < 8 || file.toString('latin1', 0, 4) !== 'SCV1') throw bad('no SCV1 header');
  let at = 4;
  const u32 = () => {
    if (at + 4 > file.length) throw bad('truncated');
    const v = file.readUInt32LE(at);
    at += 4;
    return v;
  };
  const pad = () => {
    at = Math.ceil(at / 8) * 8;
  };
  // A typed array over `n` items at the current offset (copied when the buffer's own offset breaks alignment).
  const view = <T>(make: (b: ArrayBuffer, offset: number, n: number) => T, n: number, size: number): T => {
    if (at + n * size > file.length) throw bad('truncated');
    const offset = file.byteOffset + at;
    const out = offset % size === 0 ? make(file.buffer as ArrayBuffer, offset, n) : make(file.buffer.slice(offset, offset + n * size) as ArrayBuffer, 0, n);
    at += n * size;
    return out;
  };
  const count = u32();
  const sheets: Omit<CachedSheet, 'strings'>[] = [];
  for (let s = 0; s < count; s++) {
    const nameBytes = u32();
    const name = file.toString('utf8', at, at + nameBytes);
    at += nameBytes;
    pad();
    const blank = u32();
    const n = u32();
    pad();
    const rows = view((b, o, k) => new Uint32Array(b, o, k), n, 4);
    pad();
    const cols = view((b, o, k) => new Uint32Array(b, o, k), n, 4);
    pad();
    const texts = view((b, o, k) => new Int32Array(b, o, k), n, 4);
    pad();
    const kinds = view((b, o, k) => new Uint8Array(b, o, k), n, 1);
    pad();
    const values = view((b, o, k) => new Float64Array(b, o, k), n, 8);
    sheets.push({ name, blank, rows, cols, texts, kinds, values });
  }
  const strings: string[] = [];
  for (let k = u32(); k > 0; k--) {
    const len = u32();
    if (at + len > file.length) throw bad('truncated');
    strings.push(file.toString('utf8', at, at + len));
    at += len;
  }
  return sheets.map((s) => ({ ...s, strings }));
}

/** The formula texts (read only when a difference shows its formula; see cached.rs for the layout). */
export function readCachedTexts(cached: string): CachedTexts {
  const path = cachedTextsPath(cached);
  const file = readFileSync(path);
  let at = 0;
  const u32 = () => {
    if (at + 4 > file.length) throw new Error(`${path}: truncated`);
    const v = file.readUInt32LE(at);
    at += 4;
    return v;
  };
  const sheets: CachedTexts = [];
  while (at < file.length) {
    const texts: ([number, number, string] | null)[] = [];
    for (let k = u32(); k > 0; k--) {
      const row = u32();
      const col = u32();
      const len = u32();
      if (at + len > file.length) throw new Error(`${path}: truncated`);
      texts.push(row === 0xffffffff ? null : [row, col, file.toString('utf8', at, at + len)]);
      at += len;
    }
    sheets.push(texts);
  }
  return sheets;
}
