/**
 * Functions: text family (registered at import).
 *
 * Strings are JavaScript (UTF-16) strings, like Excel's. The *B variants (LENB, FINDB...)
 * count bytes only in DBCS locales; in the en-US locale this runtime follows they behave
 * exactly like their plain counterparts, as Excel documents.
 */
import { forEachValue } from '../../aggregate.js';
import { arraySizeError, limitText, MAX_TEXT, parseNumber, refMatrix, scalar, toText } from '../../coerce.js';
import { roundHalfAway } from '../math/round.js';
import { formatNumber, formatText } from '../../numfmt.js';
import { defineFn } from '../../registry.js';
import { ERR, ExcelError, Matrix, Ref, RefList, type Ctx, type Scalar, type Value } from '../../values.js';

const limit = limitText;

// ---------------------------------------------------------------------------------
// Characters and codes

/** Windows-1252 code points 128-159 (the ANSI code page Excel's CHAR/CODE use). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

/**
 * Mac OS Roman code points 128-255 (the WHATWG "macintosh" index), the character set
 * Excel for Mac's CHAR and CODE use ("Macintosh: Macintosh character set", Excel's CHAR
 * page): CHAR(240) is U+F8FF, the Apple logo (corpus formula_stress_test.xlsx, saved by
 * "Microsoft Macintosh Excel": CHAR(240) and CODE of that character are U+F8FF and 240).
 */
const MAC_ROMAN_HIGH = [
  0xc4, 0xc5, 0xc7, 0xc9, 0xd1, 0xd6, 0xdc, 0xe1, 0xe0, 0xe2, 0xe4, 0xe3, 0xe5, 0xe7, 0xe9, 0xe8,
  0xea, 0xeb, 0xed, 0xec, 0xee, 0xef, 0xf1, 0xf3, 0xf2, 0xf4, 0xf6, 0xf5, 0xfa, 0xf9, 0xfb, 0xfc,
  0x2020, 0xb0, 0xa2, 0xa3, 0xa7, 0x2022, 0xb6, 0xdf, 0xae, 0xa9, 0x2122, 0xb4, 0xa8, 0x2260, 0xc6, 0xd8,
  0x221e, 0xb1, 0x2264, 0x2265, 0xa5, 0xb5, 0x2202, 0x2211, 0x220f, 0x3c0, 0x222b, 0xaa, 0xba, 0x3a9, 0xe6, 0xf8,
  0xbf, 0xa1, 0xac, 0x221a, 0x192, 0x2248, 0x2206, 0xab, 0xbb, 0x2026, 0xa0, 0xc0, 0xc3, 0xd5, 0x152, 0x153,
  0x2013, 0x2014, 0x201c, 0x201d, 0x2018, 0x2019, 0xf7, 0x25ca, 0xff, 0x178, 0x2044, 0x20ac, 0x2039, 0x203a, 0xfb01, 0xfb02,
  0x2021, 0xb7, 0x201a, 0x201e, 0x2030, 0xc2, 0xca, 0xc1, 0xcb, 0xc8, 0xcd, 0xce, 0xcf, 0xcc, 0xd3, 0xd4,
  0xf8ff, 0xd2, 0xda, 0xdb, 0xd9, 0x131, 0x2c6, 0x2dc, 0xaf, 0x2d8, 0x2d9, 0x2da, 0xb8, 0x2dd, 0x2db, 0x2c7,
];

/**
 * Whether the workbook's CHAR/CODE use the Mac character set: the book context's
 * `macCharset` flag (set by the engine when the file was saved by Excel for Mac, from the
 * spec's `application`, docProps/app.xml's <Application>). Absent, Windows-1252.
 */
function macCharset(ctx: Ctx): boolean {
  return (ctx.book as { readonly macCharset?: boolean }).macCharset === true;
}

defineFn('CHAR', ['number'], 1, 1, (ctx, n: number) => {
  const c = Math.trunc(n);
  if (c < 1 || c > 255) return ERR.VALUE;
  if (c < 128) return String.fromCharCode(c);
  if (macCharset(ctx)) return String.fromCharCode(MAC_ROMAN_HIGH[c - 128]!);
  return String.fromCharCode(c < 160 ? CP1252_HIGH[c - 128]! : c);
});

defineFn('CODE', ['text'], 1, 1, (ctx, s: string) => {
  if (s === '') return ERR.VALUE;
  const u = s.charCodeAt(0);
  if (u < 128) return u;
  if (macCharset(ctx)) {
    const i = MAC_ROMAN_HIGH.indexOf(u);
    return i >= 0 ? 128 + i : 63; // characters outside the character set read as "?"
  }
  if (u >= 160 && u < 256) return u;
  const i = CP1252_HIGH.indexOf(u);
  return i >= 0 ? 128 + i : 63;
});

defineFn('UNICHAR', ['number'], 1, 1, (_ctx, n: number) => {
  const c = Math.trunc(n);
  if (c < 1 || c > 0x10ffff) return ERR.VALUE;
  if (c >= 0xd800 && c <= 0xdfff) return ERR.NA; // lone surrogate halves
  return String.fromCodePoint(c);
});

defineFn('UNICODE', ['text'], 1, 1, (_ctx, s: string) => (s === '' ? ERR.VALUE : s.codePointAt(0)!));

/** CLEAN removes the 7-bit control characters 0-31. */
defineFn('CLEAN', ['text'], 1, 1, (_ctx, s: string) => s.replace(/[\x00-\x1f]/g, ''));

/** TRIM removes leading/trailing spaces and collapses inner runs of spaces (ASCII 32 only). */
defineFn('TRIM', ['text'], 1, 1, (_ctx, s: string) => s.replace(/ +/g, ' ').replace(/^ | $/g, ''));

defineFn('LOWER', ['text'], 1, 1, (_ctx, s: string) => s.toLowerCase());
defineFn('UPPER', ['text'], 1, 1, (_ctx, s: string) => s.toUpperCase());

/** PROPER: a letter is capitalised when it does not follow another letter ("76budget" → "76Budget"). */
defineFn('PROPER', ['text'], 1, 1, (_ctx, s: string) => {
  let out = '';
  let prevLetter = false;
  for (const ch of s) {
    const isLetter = ch.toLowerCase() !== ch.toUpperCase();
    out += isLetter ? (prevLetter ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevLetter = isLetter;
  }
  return out;
});

/** Full-width ASCII forms (U+FF01-FF5E) and the ideographic space, to and from ASCII. */
defineFn('ASC', ['text'], 1, 1, (_ctx, s: string) =>
  s.replace(/[\uff01-\uff5e\u3000]/g, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0))),
);
defineFn('DBCS', ['text'], 1, 1, (_ctx, s: string) =>
  s.replace(/[\x20-\x7e]/g, (c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0))),
);

// ---------------------------------------------------------------------------------
// Pieces of text

function left(s: string, n: number | undefined): string | ExcelError {
  const k = n === undefined ? 1 : Math.trunc(n);
  return k < 0 ? ERR.VALUE : s.slice(0, k);
}
function right(s: string, n: number | undefined): string | ExcelError {
  const k = n === undefined ? 1 : Math.trunc(n);
  if (k < 0) return ERR.VALUE;
  return k === 0 ? '' : s.slice(Math.max(0, s.length - k));
}
function mid(s: string, start: number, n: number): string | ExcelError {
  const st = Math.trunc(start);
  const k = Math.trunc(n);
  if (st < 1 || k < 0) return ERR.VALUE;
  return s.slice(st - 1, st - 1 + k);
}
function replace(s: string, start: number, n: number, repl: string): string | ExcelError {
  const st = Math.trunc(start);
  const k = Math.trunc(n);
  if (st < 1 || k < 0) return ERR.VALUE;
  const head = s.slice(0, st - 1);
  const tail = s.slice(st - 1 + k);
  if (head.length + repl.length + tail.length > MAX_TEXT) return ERR.VALUE;
  return head + repl + tail;
}

for (const suffix of ['', 'B']) {
  defineFn('LEFT' + suffix, ['text', 'number'], 1, 2, (_ctx, s: string, n?: number) => left(s, n));
  defineFn('RIGHT' + suffix, ['text', 'number'], 1, 2, (_ctx, s: string, n?: number) => right(s, n));
  defineFn('MID' + suffix, ['text', 'number', 'number'], 3, 3, (_ctx, s: string, st: number, n: number) => mid(s, st, n));
  defineFn('LEN' + suffix, ['text'], 1, 1, (_ctx, s: string) => s.length);
  defineFn('REPLACE' + suffix, ['text', 'number', 'number', 'text'], 4, 4, (_ctx, s: string, st: number, n: number, r: string) =>
    replace(s, st, n, r),
  );
  defineFn('FIND' + suffix, ['text', 'text', 'number'], 2, 3, (_ctx, f: string, s: string, st?: number) => find(f, s, st, false));
  defineFn('SEARCH' + suffix, ['text', 'text', 'number'], 2, 3, (_ctx, f: string, s: string, st?: number) => find(f, s, st, true));
}

/** FIND (case-sensitive, literal) and SEARCH (case-insensitive, wildcards ? * ~). */
function find(what: string, s: string, start: number | undefined, search: boolean): number | ExcelError {
  const st = start === undefined ? 1 : Math.trunc(start);
  if (st < 1 || st > s.length + 1) return ERR.VALUE;
  if (!search) {
    const i = s.indexOf(what, st - 1);
    return i < 0 ? ERR.VALUE : i + 1;
  }
  const re = new RegExp(wildcardSource(what), 'i');
  const m = re.exec(s.slice(st - 1));
  return m ? m.index + st : ERR.VALUE;
}

/** Regular-expression source of an Excel wildcard pattern (unanchored). */
function wildcardSource(p: string): string {
  let src = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    // "~" makes the next character literal; a trailing "~" matches nothing.
    if (ch === '~') {
      if (i + 1 < p.length) src += p[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    else if (ch === '*') src += '[\\s\\S]*?';
    else if (ch === '?') src += '[\\s\\S]';
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return src;
}

defineFn('EXACT', ['text', 'text'], 2, 2, (_ctx, a: string, b: string) => a === b);

defineFn('REPT', ['text', 'number'], 2, 2, (_ctx, s: string, n: number) => {
  const k = Math.trunc(n);
  if (k < 0 || s.length * k > MAX_TEXT) return ERR.VALUE;
  return s.repeat(k);
});

defineFn('SUBSTITUTE', ['text', 'text', 'text', 'number'], 3, 4, (_ctx, s: string, old: string, repl: string, inst?: number) => {
  if (old === '') return s;
  if (inst === undefined) {
    // The result's length is known before it is built (a 32,767-character text with every
    // character replaced by 32,767 characters would be a billion).
    const parts = s.split(old);
    if (s.length + (parts.length - 1) * (repl.length - old.length) > MAX_TEXT) return ERR.VALUE;
    return parts.join(repl);
  }
  const k = Math.trunc(inst);
  if (k < 1) return ERR.VALUE;
  let at = -1;
  for (let i = 0; i < k; i++) {
    at = s.indexOf(old, at + (i === 0 ? 1 : old.length));
    if (at < 0) return s;
  }
  if (s.length - old.length + repl.length > MAX_TEXT) return ERR.VALUE;
  return s.slice(0, at) + repl + s.slice(at + old.length);
});

/** T: text stays, anything else (numbers, booleans, blank) becomes "". Errors propagate. */
defineFn('T', ['scalar'], 1, 1, (_ctx, v: Scalar) => (v instanceof ExcelError ? v : typeof v === 'string' ? v : ''));

// ---------------------------------------------------------------------------------
// Joining

defineFn('CONCATENATE', ['text'], 1, 255, (_ctx, ...parts: string[]) => {
  let n = 0;
  for (const p of parts) n += p.length;
  return n > MAX_TEXT ? ERR.VALUE : parts.join('');
});

/** Text of a value found in a range or array (blank → ""). */
function cellText(v: Scalar): string | ExcelError {
  return toText(v);
}

defineFn('CONCAT', ['any'], 1, 254, (ctx, ...args: Value[]) => {
  let out = '';
  let err: ExcelError | null = null;
  forEachValue(args.map((a) => derefArg(a, ctx)), (v) => {
    const t = cellText(v);
    if (t instanceof ExcelError) {
      err = t;
      return false;
    }
    out += t;
    if (out.length > MAX_TEXT) {
      err = ERR.VALUE;
      return false;
    }
    return true;
  });
  return err ?? out;
});

/** Leaves references and arrays alone; a Lambda or other value reads as a scalar. */
function derefArg(a: Value, ctx: Ctx): Value {
  if (a instanceof Ref || a instanceof RefList || a instanceof Matrix) return a;
  return scalar(a, ctx);
}

/** The list of strings in a delimiter argument (a scalar, an array or a range). */
function textList(v: Value, ctx: Ctx): string[] | ExcelError {
  const out: string[] = [];
  let err: ExcelError | null = null;
  forEachValue([derefArg(v, ctx)], (x) => {
    const t = toText(x);
    if (t instanceof ExcelError) {
      err = t;
      return false;
    }
    out.push(t);
    return true;
  });
  return err ?? out;
}

defineFn('TEXTJOIN', ['any', 'bool', 'any'], 3, 254, (ctx, delim: Value, ignoreEmpty: boolean | ExcelError, ...args: Value[]) => {
  if (ignoreEmpty instanceof ExcelError) return ignoreEmpty;
  const delims = textList(delim, ctx);
  if (delims instanceof ExcelError) return delims;
  const parts: string[] = [];
  let err: ExcelError | null = null;
  let len = 0;
  forEachValue(args.map((a) => derefArg(a, ctx)), (v) => {
    const t = cellText(v);
    if (t instanceof ExcelError) {
      err = t;
      return false;
    }
    if (ignoreEmpty && t === '') return true;
    parts.push(t);
    len += t.length + 1;
    if (len > 2 * MAX_TEXT + 2) {
      err = ERR.VALUE;
      return false;
    }
    return true;
  });
  if (err) return err;
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i++) out += (delims.length ? delims[(i - 1) % delims.length]! : '') + parts[i]!;
  return limit(out);
});

/** Text of a value for ARRAYTOTEXT/VALUETOTEXT: strict format quotes strings. */
function valueText(v: Scalar, strict: boolean): string {
  if (v instanceof ExcelError) return v.code;
  if (typeof v === 'string') return strict ? `"${v.replace(/"/g, '""')}"` : v;
  const t = toText(v);
  return typeof t === 'string' ? t : '';
}

function formatFlag(f: number | undefined): boolean | ExcelError {
  const k = f === undefined ? 0 : Math.trunc(f);
  if (k !== 0 && k !== 1) return ERR.VALUE;
  return k === 1;
}

defineFn('VALUETOTEXT', ['scalar', 'number'], 1, 2, (_ctx, v: Scalar, f?: number) => {
  const strict = formatFlag(f);
  if (strict instanceof ExcelError) return strict;
  // Strict format quotes text: a cell's longest text plus quotes is past the limit (#VALUE!).
  const out = valueText(v, strict);
  return typeof out === 'string' ? limitText(out) : out;
});

defineFn('ARRAYTOTEXT', ['any', 'number'], 1, 2, (ctx, v: Value, f?: number) => {
  const strict = formatFlag(f);
  if (strict instanceof ExcelError) return strict;
  const m: Matrix | ExcelError =
    v instanceof Ref ? refMatrix(v) : v instanceof Matrix ? v : v instanceof RefList ? ERR.VALUE : new Matrix(1, 1, [scalar(v, ctx)]);
  if (m instanceof ExcelError) return m;
  // Built piece by piece, stopping as soon as the text passes what a cell holds.
  let out = strict ? '{' : '';
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      if (i > 0 || j > 0) out += strict ? (j === 0 ? ';' : ',') : ', ';
      out += valueText(m.get(i, j), strict);
      if (out.length > MAX_TEXT) return ERR.VALUE;
    }
  }
  return limit(strict ? out + '}' : out);
});

// ---------------------------------------------------------------------------------
// Numbers and text

/** TEXT: numeric text is converted first; other text goes through the format's text section. */
defineFn('TEXT', ['scalar', 'text'], 2, 2, (ctx, v: Scalar, fmt: string) => {
  if (v instanceof ExcelError) return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  let n: number;
  if (typeof v === 'string') {
    const p = parseNumber(v);
    if (p === undefined) return formatText(v, fmt);
    n = p;
  } else n = v ?? 0;
  // A format's literal text can make the result longer than a cell holds: #VALUE!.
  const out = formatNumber(n, fmt, ctx.book.date1904);
  return typeof out === 'string' ? limitText(out) : out;
});

/** VALUE: text as Excel reads a typed entry; booleans are not numbers here. */
defineFn('VALUE', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  if (v instanceof ExcelError || typeof v === 'number') return v;
  if (v === null) return 0;
  if (typeof v === 'boolean') return ERR.VALUE;
  const n = parseNumber(v);
  if (n === undefined) return ERR.VALUE;
  // "23.123%": divide by shifting the decimal exponent, so the result is the double
  // nearest 0.23123 (as Excel stores it) rather than 23.123 / 100.
  if (/%\s*\)?\s*$/.test(v)) {
    const exact = Number(`${Number((n * 100).toPrecision(15))}e-2`);
    if (Number.isFinite(exact) && Math.abs(exact - n) <= Math.abs(n) * 1e-12) return exact;
  }
  return n;
});

/** Number rounded to `decimals` (negative rounds to the left of the point), for FIXED/DOLLAR. */
function roundedForText(x: number, decimals: number): { value: number; places: number } {
  const d = Math.trunc(decimals);
  return { value: d < 0 ? roundHalfAway(x, d) : x, places: Math.max(0, d) };
}

defineFn('FIXED', ['number', 'number', 'bool'], 1, 3, (ctx, x: number, dec?: number, noCommas?: boolean) => {
  const d = dec === undefined ? 2 : dec;
  if (d > 127) return ERR.VALUE;
  const { value, places } = roundedForText(x, d);
  const fmt = (noCommas ? '0' : '#,##0') + (places ? '.' + '0'.repeat(places) : '');
  return formatNumber(value, fmt, ctx.book.date1904);
});

defineFn('DOLLAR', ['number', 'number'], 1, 2, (ctx, x: number, dec?: number) => {
  const d = dec === undefined ? 2 : dec;
  if (d > 127) return ERR.VALUE;
  const { value, places } = roundedForText(x, d);
  const body = '$#,##0' + (places ? '.' + '0'.repeat(places) : '');
  return formatNumber(value, `${body};(${body})`, ctx.book.date1904);
});

/**
 * NUMBERVALUE: locale-independent parse with explicit separators. Spaces are ignored,
 * group separators may appear only before the decimal separator, trailing % divide by 100.
 */
defineFn('NUMBERVALUE', ['text', 'text', 'text'], 1, 3, (_ctx, s: string, decSep?: string, groupSep?: string) => {
  const dec = decSep === undefined ? '.' : decSep[0];
  const grp = groupSep === undefined ? ',' : groupSep[0];
  if (dec === undefined || grp === undefined || dec === grp) return ERR.VALUE;
  let t = s.replace(/\s+/g, '');
  if (t === '') return 0;
  let pct = 0;
  while (t.endsWith('%')) {
    pct++;
    t = t.slice(0, -1);
  }
  const di = t.indexOf(dec);
  if (di >= 0 && t.indexOf(dec, di + 1) >= 0) return ERR.VALUE;
  const intPart = di >= 0 ? t.slice(0, di) : t;
  const fracPart = di >= 0 ? t.slice(di + 1) : '';
  if (fracPart.includes(grp)) return ERR.VALUE;
  const norm = intPart.split(grp).join('') + (di >= 0 ? '.' + fracPart : '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(norm)) return ERR.VALUE;
  const n = Number(norm) / Math.pow(100, pct);
  return Number.isFinite(n) ? n : ERR.NUM;
});

// ---------------------------------------------------------------------------------
// TEXTBEFORE / TEXTAFTER / TEXTSPLIT

interface Hit {
  at: number;
  len: number;
}

/** Non-overlapping occurrences of any delimiter, leftmost first (longest on ties). */
function occurrences(s: string, delims: string[], ci: boolean): Hit[] {
  const hay = ci ? s.toLowerCase() : s;
  const ds = delims.filter((d) => d !== '').map((d) => (ci ? d.toLowerCase() : d));
  const out: Hit[] = [];
  let pos = 0;
  while (pos <= hay.length) {
    let best: Hit | null = null;
    for (const d of ds) {
      const i = hay.indexOf(d, pos);
      if (i >= 0 && (!best || i < best.at || (i === best.at && d.length > best.len))) best = { at: i, len: d.length };
    }
    if (!best) break;
    out.push(best);
    pos = best.at + best.len;
  }
  return out;
}

function beforeAfter(
  ctx: Ctx, which: 'before' | 'after', s: string, delim: Value, inst?: number, mode?: number, end?: number, notFound?: Scalar,
): Scalar {
  const delims = textList(delim, ctx);
  if (delims instanceof ExcelError) return delims;
  // instance_num is floored (corpus: -1.2 acts as -2)
  const n = inst === undefined ? 1 : Math.floor(inst);
  const m = mode === undefined ? 0 : Math.trunc(mode);
  const e = end === undefined ? 0 : Math.trunc(end);
  if (n === 0 || Math.abs(n) > Math.max(1, s.length) || (m !== 0 && m !== 1) || (e !== 0 && e !== 1)) return ERR.VALUE;
  // An explicit instance_num beyond the positions a delimiter could occupy is #VALUE!
  // (corpus TEXTBEFORE_TEXTAFTER.xlsx: TEXTAFTER("del","deli",1) is #VALUE!, while
  // TEXTAFTER("del","deli") is #N/A).
  const real = delims.filter((d) => d !== '');
  if (inst !== undefined && real.length) {
    const shortest = Math.min(...real.map((d) => d.length));
    if (Math.abs(n) > s.length - shortest + 1) return ERR.VALUE;
  }
  const miss = (): Scalar => (notFound === undefined ? ERR.NA : notFound === null ? '' : notFound);
  let hit: Hit | undefined;
  if (delims.length === 0 || delims.every((d) => d === '')) {
    // An empty delimiter matches at the start (or, searching backwards, at the end).
    hit = n > 0 ? { at: 0, len: 0 } : { at: s.length, len: 0 };
  } else {
    const hits = occurrences(s, delims, m === 1);
    if (n > 0) {
      hit = hits[n - 1];
      if (!hit && e === 1 && hits.length === n - 1) hit = { at: s.length, len: 0 };
    } else {
      hit = hits[hits.length + n];
      if (!hit && e === 1 && hits.length === -n - 1) hit = { at: 0, len: 0 };
    }
  }
  if (!hit) return miss();
  return which === 'before' ? s.slice(0, hit.at) : s.slice(hit.at + hit.len);
}

defineFn('TEXTBEFORE', ['text', 'any', 'number', 'number', 'number', 'scalar'], 2, 6,
  (ctx, s: string, d: Value, n?: number, m?: number, e?: number, nf?: Scalar) => beforeAfter(ctx, 'before', s, d, n, m, e, nf),
);
defineFn('TEXTAFTER', ['text', 'any', 'number', 'number', 'number', 'scalar'], 2, 6,
  (ctx, s: string, d: Value, n?: number, m?: number, e?: number, nf?: Scalar) => beforeAfter(ctx, 'after', s, d, n, m, e, nf),
);

function splitBy(s: string, delims: string[], ci: boolean): string[] {
  const hits = occurrences(s, delims, ci);
  const out: string[] = [];
  let pos = 0;
  for (const h of hits) {
    out.push(s.slice(pos, h.at));
    pos = h.at + h.len;
  }
  out.push(s.slice(pos));
  return out;
}

defineFn('TEXTSPLIT', ['text', 'any', 'any', 'bool', 'number', 'scalar'], 2, 6,
  (ctx, s: string, colD: Value, rowD?: Value, ignoreEmpty?: boolean, mode?: number, pad?: Scalar) => {
    const cols = colD === undefined ? [] : textList(colD, ctx);
    if (cols instanceof ExcelError) return cols;
    const rowsD = rowD === undefined ? [] : textList(rowD, ctx);
    if (rowsD instanceof ExcelError) return rowsD;
    const m = mode === undefined ? 0 : Math.trunc(mode);
    if (m !== 0 && m !== 1) return ERR.VALUE;
    const cd = cols.filter((d) => d !== '');
    const rd = rowsD.filter((d) => d !== '');
    if (!cd.length && !rd.length) return ERR.VALUE;
    const ci = m === 1;
    let lines = rd.length ? splitBy(s, rd, ci) : [s];
    if (ignoreEmpty) lines = lines.filter((l) => l !== '');
    const grid = lines.map((l) => {
      let cells = cd.length ? splitBy(l, cd, ci) : [l];
      if (ignoreEmpty) cells = cells.filter((c) => c !== '');
      return cells;
    });
    let width = 1;
    for (const r of grid) width = Math.max(width, r.length);
    if (!grid.length) return ERR.CALC;
    // Ragged lines are padded to the widest: check the padded size before allocating.
    const tooLarge = arraySizeError(grid.length, width);
    if (tooLarge) return tooLarge;
    const fill: Scalar = pad === undefined ? ERR.NA : pad;
    const data: Scalar[] = [];
    for (const r of grid) for (let j = 0; j < width; j++) data.push(j < r.length ? r[j]! : fill);
    return new Matrix(grid.length, width, data);
  },
);
