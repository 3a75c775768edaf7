/** A1-style addresses: parsing the references users pass to `run()` and `get()`, and printing keys. */

export interface Area {
  sheet: string | null;
  r0: number;
  c0: number;
  r1: number;
  c1: number;
}

/** Zero-based column index to letters (0 → A, 26 → AA). */
export function columnName(c: number): string {
  let s = '';
  let n = c + 1;
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** `Sheet!A1` with the sheet name unquoted, as used in JSON keys. */
export function cellKey(sheet: string, r: number, c: number): string {
  return `${sheet}!${columnName(c)}${r + 1}`;
}

const CELL = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/;

function parseCell(s: string): [number, number] | null {
  const m = CELL.exec(s);
  if (!m) return null;
  let col = 0;
  for (const ch of m[1]!.toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  const row = Number(m[2]);
  if (row < 1 || row > 1048576 || col > 16384) return null;
  return [row - 1, col - 1];
}

/**
 * Parses `Sheet!A1`, `'My Sheet'!A1:B3`, `My Sheet!A1` (unquoted names with spaces are
 * accepted: the text before the last `!` is the sheet) or a bare `A1`. Returns null
 * when the text is not a reference (it may then be a defined name).
 */
export function parseArea(text: string): Area | null {
  const bang = text.lastIndexOf('!');
  let sheet: string | null = null;
  let rest = text;
  if (bang >= 0) {
    sheet = text.slice(0, bang);
    if (sheet.length >= 2 && sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replace(/''/g, "'");
    rest = text.slice(bang + 1);
  }
  const parts = rest.split(':');
  if (parts.length > 2) return null;
  const a = parseCell(parts[0]!.trim());
  if (!a) return null;
  const b = parts.length === 2 ? parseCell(parts[1]!.trim()) : a;
  if (!b) return null;
  return {
    sheet,
    r0: Math.min(a[0], b[0]),
    c0: Math.min(a[1], b[1]),
    r1: Math.max(a[0], b[0]),
    c1: Math.max(a[1], b[1]),
  };
}

/**
 * A sheet name folded for comparison: the one rule the compiler (Rust `sheet_key` in
 * crates/sheetc-core/src/model.rs, which must stay identical) and the runtime share.
 *
 * Excel compares sheet names ignoring case and requires them to be "case-insensitive
 * unique in any locale" ([MS-OI29500] 2.1.578); its comparison maps characters one to
 * one. Each character maps to the lower case of its upper case, a mapping taken only when
 * it is a single character (Unicode's simple, locale-independent mappings): `ς`, `σ` and
 * `Σ` are one letter, full-width `Ａ` and `ａ` are one letter (but not `A`), `ß` stays
 * itself (its upper case is the two letters `SS`) while `ẞ` folds to it, and `İ` folds to
 * `i` like `I` and `ı`, because Turkish pairs I/ı and İ/i.
 */
export function sheetKey(name: string): string {
  if (/^[\x00-\x7f]*$/.test(name)) return name.toLowerCase();
  let out = '';
  for (const ch of name) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    let upper = ch.toUpperCase();
    if (codePoints(upper) !== 1) upper = ch;
    const lower = upper.toLowerCase();
    out += codePoints(lower) === 1 ? lower : upper;
  }
  return out;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
  }
  return n;
}
