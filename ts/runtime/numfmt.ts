/**
 * Excel number formats, as TEXT() applies them: sections (positive;negative;zero;text),
 * conditions, digit placeholders (0 # ?), thousands separators and scaling commas,
 * percent, scientific notation, fractions, literal text, dates, times and elapsed time.
 *
 * Output is locale-independent en-US. Colours are ignored (they do not change text).
 * An invalid format (date codes mixed with digit placeholders, a date out of range)
 * gives #VALUE!, as TEXT does.
 */
import { ymdFromSerial, weekdayFromSerial } from './dates.js';
import { ERR, ExcelError } from './values.js';

type Tok =
  | { t: 'lit'; s: string }
  | { t: 'digit'; c: '0' | '#' | '?' }
  | { t: 'dot' }
  | { t: 'comma' }
  | { t: 'pct' }
  | { t: 'exp'; s: string; plus: boolean }
  | { t: 'slash' }
  | { t: 'general' }
  | { t: 'at' }
  | { t: 'date'; s: string }
  | { t: 'elapsed'; s: string }
  | { t: 'ampm'; s: string };

interface Condition {
  op: string;
  value: number;
}

interface Section {
  toks: Tok[];
  cond: Condition | null;
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Splits a format into sections at unquoted, unescaped `;`. */
function splitSections(fmt: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch === '"') {
      const j = fmt.indexOf('"', i + 1);
      const end = j < 0 ? fmt.length : j + 1;
      cur += fmt.slice(i, end);
      i = end - 1;
    } else if (ch === '\\' || ch === '_' || ch === '*') {
      cur += fmt.slice(i, i + 2);
      i++;
    } else if (ch === '[') {
      const j = fmt.indexOf(']', i);
      const end = j < 0 ? fmt.length : j + 1;
      cur += fmt.slice(i, end);
      i = end - 1;
    } else if (ch === ';') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const DATE_RUN = /^(y+|m+|d+|h+|s+|e+)/i;

function tokenize(src: string): Section {
  const toks: Tok[] = [];
  let cond: Condition | null = null;
  const lit = (s: string) => {
    const last = toks[toks.length - 1];
    if (last && last.t === 'lit') last.s += s;
    else toks.push({ t: 'lit', s });
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    const rest = src.slice(i);
    if (ch === '"') {
      const j = src.indexOf('"', i + 1);
      const end = j < 0 ? src.length : j;
      lit(src.slice(i + 1, end));
      i = end;
    } else if (ch === '\\') {
      if (i + 1 < src.length) lit(src[i + 1]!);
      i++;
    } else if (ch === '_') {
      lit(' ');
      i++;
    } else if (ch === '*') {
      i++; // fill character: no width to fill in TEXT
    } else if (ch === '[') {
      const j = src.indexOf(']', i);
      const body = src.slice(i + 1, j < 0 ? src.length : j);
      i = j < 0 ? src.length : j;
      if (/^(h+|m+|s+)$/i.test(body)) toks.push({ t: 'elapsed', s: body.toLowerCase() });
      else if (/^(<=|>=|<>|<|>|=)/.test(body)) {
        const m = /^(<=|>=|<>|<|>|=)\s*(-?[\d.]+(?:[eE][-+]?\d+)?)$/.exec(body);
        if (m) cond = { op: m[1]!, value: Number(m[2]) };
      } else if (body.startsWith('$')) {
        const dash = body.indexOf('-');
        const sym = body.slice(1, dash < 0 ? body.length : dash);
        if (sym) lit(sym);
      }
      // colours ([Red], [Color7]) and locale tags change nothing in text
    } else if (ch === '0' || ch === '#' || ch === '?') toks.push({ t: 'digit', c: ch });
    else if (ch === '.') toks.push({ t: 'dot' });
    else if (ch === ',') toks.push({ t: 'comma' });
    else if (ch === '%') toks.push({ t: 'pct' });
    else if ((ch === 'E' || ch === 'e') && (src[i + 1] === '+' || src[i + 1] === '-')) {
      toks.push({ t: 'exp', s: ch, plus: src[i + 1] === '+' });
      i++;
    } else if (ch === '/') toks.push({ t: 'slash' });
    else if (ch === '@') toks.push({ t: 'at' });
    else if (/^general/i.test(rest)) {
      toks.push({ t: 'general' });
      i += 6;
    } else if (/^am\/pm/i.test(rest)) {
      toks.push({ t: 'ampm', s: rest.slice(0, 5) });
      i += 4;
    } else if (/^a\/p/i.test(rest)) {
      toks.push({ t: 'ampm', s: rest.slice(0, 3) });
      i += 2;
    } else {
      const m = DATE_RUN.exec(rest);
      if (m) {
        // `e` (not followed by + or -, the exponent) is the era year: in a Gregorian
        // locale the four-digit year, however many e's (corpus formula_stress_test.xlsx:
        // TEXT(28313,"ee-mm-dd") is "1977-07-07").
        toks.push({ t: 'date', s: m[1]!.toLowerCase() });
        i += m[1]!.length - 1;
      } else lit(ch);
    }
  }
  return { toks, cond };
}

/**
 * Excel's system formats: `[$-F800]` is the system's long date and `[$-F400]` its time,
 * written so in a format and resolved by Windows' regional settings when shown. This
 * runtime follows the en-US locale (as TEXT does everywhere else): "dddd, mmmm d, yyyy"
 * and "h:mm:ss AM/PM".
 */
function systemFormats(fmt: string): string {
  return fmt.replace(/\[\$-F800\]/gi, 'dddd, mmmm d, yyyy').replace(/\[\$-F400\]/gi, 'h:mm:ss AM/PM');
}

/** The parsed sections of a format, cached (formats are few and reused). */
const cache = new Map<string, Section[]>();
function parse(fmt: string): Section[] {
  let s = cache.get(fmt);
  if (!s) {
    s = splitSections(systemFormats(fmt)).map(tokenize);
    if (cache.size > 1000) cache.clear();
    cache.set(fmt, s);
  }
  return s;
}

function satisfies(v: number, c: Condition): boolean {
  switch (c.op) {
    case '<': return v < c.value;
    case '<=': return v <= c.value;
    case '>': return v > c.value;
    case '>=': return v >= c.value;
    case '=': return v === c.value;
    default: return v !== c.value;
  }
}

/**
 * Chooses the section for a number. Returns the section and whether the minus sign must
 * be written by the formatter (only when the section is not the dedicated negative one).
 */
function pickSection(secs: Section[], v: number): { sec: Section; signed: boolean } {
  const numeric = secs.length > 3 ? secs.slice(0, 3) : secs;
  if (numeric.some((s) => s.cond)) {
    // Conditional formats: the first matching section; sections show their own sign.
    const a = numeric[0]!;
    const b = numeric[1];
    if (a.cond ? satisfies(v, a.cond) : v >= 0) return { sec: a, signed: true };
    if (b && (!b.cond || satisfies(v, b.cond))) return { sec: b, signed: true };
    return { sec: numeric[2] ?? b ?? a, signed: true };
  }
  if (numeric.length === 1) return { sec: numeric[0]!, signed: true };
  if (v < 0) return { sec: numeric[1]!, signed: false };
  if (v === 0 && numeric.length >= 3) return { sec: numeric[2]!, signed: false };
  return { sec: numeric[0]!, signed: false };
}

/** Formats a number with an Excel format code; `#VALUE!` when the format is invalid for it. */
export function formatNumber(value: number, format: string, date1904 = false): string | ExcelError {
  if (!Number.isFinite(value)) return ERR.NUM;
  const secs = parse(format);
  const { sec, signed } = pickSection(secs, value);
  const neg = value < 0;
  const v = Math.abs(value);
  const r = formatSection(sec.toks, v, date1904, signed && neg);
  if (r instanceof ExcelError) return r;
  return signed && neg && !r.zero ? '-' + r.text : r.text;
}

/**
 * Formats text with the text section of a format (`@` stands for the text). A result
 * longer than a cell holds (32,767 characters) is #VALUE!, found before it is built.
 */
export function formatText(text: string, format: string): string | ExcelError {
  const secs = parse(format);
  let sec: Section | undefined;
  if (secs.length >= 4) sec = secs[3];
  else if (secs.length === 1 && secs[0]!.toks.some((t) => t.t === 'at')) sec = secs[0];
  if (!sec) return text;
  let out = '';
  for (const t of sec.toks) {
    const piece = t.t === 'at' ? text : t.t === 'lit' ? t.s : '';
    if (out.length + piece.length > 32767) return ERR.VALUE;
    out += piece;
  }
  return out;
}

interface Out {
  text: string;
  /** The value as shown rounds to zero (so no minus sign is written). */
  zero: boolean;
}

function formatSection(toks: Tok[], v: number, date1904: boolean, neg: boolean): Out | ExcelError {
  const hasDate = toks.some((t) => t.t === 'date' || t.t === 'elapsed' || t.t === 'ampm');
  if (hasDate) {
    // A negative date is invalid; a negative elapsed time is shown with its sign.
    if (neg && !toks.some((t) => t.t === 'elapsed')) return ERR.VALUE;
    return formatDate(toks, v, date1904);
  }
  if (toks.some((t) => t.t === 'general')) {
    let out = '';
    const g = generalText(v);
    for (const t of toks) {
      if (t.t === 'general') out += g;
      else if (t.t === 'lit') out += t.s;
      else if (t.t === 'pct' || t.t === 'comma' || t.t === 'dot' || t.t === 'slash') out += litOf(t);
    }
    return { text: out, zero: v === 0 };
  }
  if (!toks.some((t) => t.t === 'digit')) {
    if (toks.some((t) => t.t === 'at')) return { text: generalText(v), zero: v === 0 };
    // Only literal text: the number itself is not shown.
    return { text: toks.map(litOf).join(''), zero: false };
  }
  const slash = findFractionSlash(toks);
  if (slash >= 0) return formatFraction(toks, slash, v);
  const exp = toks.findIndex((t) => t.t === 'exp');
  if (exp >= 0) return formatScientific(toks, exp, v);
  return formatDecimal(toks, v);
}

function litOf(t: Tok): string {
  switch (t.t) {
    case 'lit': return t.s;
    case 'dot': return '.';
    case 'comma': return ',';
    case 'pct': return '%';
    case 'slash': return '/';
    case 'exp': return t.s + (t.plus ? '+' : '-');
    default: return '';
  }
}

// ---------------------------------------------------------------------------------
// Decimal digits

/**
 * The decimal digits of a non-negative number rounded half-up to `decimals` places,
 * working on its 15-significant-digit decimal form as Excel does (1.005 → 1.01).
 * `int` has no leading zeros ("" for zero).
 */
export function fixedDigits(v: number, decimals: number): { int: string; frac: string } {
  if (v === 0) return { int: '', frac: '0'.repeat(decimals) };
  const [m, e] = v.toExponential(14).split('e') as [string, string];
  let digits = m.replace('.', '');
  let point = Number(e) + 1; // digits before the decimal point
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (digits.length < point + decimals + 1) digits = digits.padEnd(point + decimals + 1, '0');
  let kept = digits.slice(0, point + decimals);
  if (digits.charCodeAt(point + decimals) >= 53 /* '5' */) {
    kept = incrementDigits(kept);
    if (kept.length > point + decimals) point++;
  }
  const int = kept.slice(0, point).replace(/^0+/, '');
  return { int, frac: kept.slice(point) };
}

function incrementDigits(s: string): string {
  const a = s.split('');
  let i = a.length - 1;
  while (i >= 0) {
    if (a[i] === '9') {
      a[i] = '0';
      i--;
    } else {
      a[i] = String.fromCharCode(a[i]!.charCodeAt(0) + 1);
      return a.join('');
    }
  }
  return '1' + a.join('');
}

/**
 * TEXT's "General": the decimal form when it fits in 11 characters (sign apart) without
 * losing digits the scientific form would show, else scientific with up to 6 digits.
 */
export function generalText(v: number): string {
  if (v === 0) return '0';
  const neg = v < 0;
  const a = Math.abs(v);
  const e10 = Number(a.toExponential(14).split('e')[1]);
  const expLen = Math.abs(e10) >= 100 ? 3 : 2;
  let [m, ex] = a.toExponential(expLen === 3 ? 4 : 5).split('e') as [string, string];
  if (m.includes('.')) m = m.replace(/\.?0+$/, '');
  const en = Number(ex);
  let s = `${m}E${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  if (e10 >= -9 && e10 <= 10) {
    const intLen = e10 >= 0 ? e10 + 1 : 1;
    const { int, frac } = fixedDigits(a, Math.max(0, 10 - intLen));
    const f = frac.replace(/0+$/, '');
    const dec = (int || '0') + (f ? '.' + f : '');
    const sig = (x: string) => x.replace(/E.*$/, '').replace(/[.]/g, '').replace(/^0+/, '').replace(/0+$/, '').length;
    if (dec.length <= 11 && (e10 >= -4 || sig(dec) >= sig(s))) s = dec;
  }
  return neg ? '-' + s : s;
}

// ---------------------------------------------------------------------------------
// Plain decimal formats: 0, #,##0.00, 0.0%, 00-00-00, #,##0,, ...

interface DigitLayout {
  /** Kind of comma at each comma token index: grouping, scaling or literal. */
  commaKind: Map<number, 'group' | 'scale' | 'lit'>;
  grouping: boolean;
  scale: number;
}

/** Classifies commas among the tokens [from, to). */
function layoutCommas(toks: Tok[], from: number, to: number): DigitLayout {
  const commaKind = new Map<number, 'group' | 'scale' | 'lit'>();
  let grouping = false;
  let scale = 0;
  let dot = toks.findIndex((t, i) => i >= from && i < to && t.t === 'dot');
  if (dot < 0) dot = to;
  let firstInt = -1;
  let lastInt = -1;
  for (let i = from; i < dot; i++) {
    if (toks[i]!.t === 'digit') {
      if (firstInt < 0) firstInt = i;
      lastInt = i;
    }
  }
  for (let i = from; i < to; i++) {
    if (toks[i]!.t !== 'comma') continue;
    let p = i - 1;
    while (p >= from && toks[p]!.t === 'comma') p--;
    let n = i + 1;
    while (n < to && toks[n]!.t === 'comma') n++;
    const prevDigit = p >= from && toks[p]!.t === 'digit';
    const nextDigit = n < to && toks[n]!.t === 'digit';
    if (i > firstInt && i < lastInt && firstInt >= 0) {
      commaKind.set(i, 'group');
      grouping = true;
    } else if (prevDigit && !(nextDigit && n < dot)) {
      commaKind.set(i, 'scale');
      scale++;
    } else commaKind.set(i, 'lit');
  }
  return { commaKind, grouping, scale };
}

function formatDecimal(toks: Tok[], v: number): Out {
  const lay = layoutCommas(toks, 0, toks.length);
  let x = v;
  for (const t of toks) if (t.t === 'pct') x *= 100;
  if (lay.scale) x /= Math.pow(1000, lay.scale);
  const dot = toks.findIndex((t) => t.t === 'dot');
  const intIdx: number[] = [];
  const decIdx: number[] = [];
  toks.forEach((t, i) => {
    if (t.t === 'digit') (dot >= 0 && i > dot ? decIdx : intIdx).push(i);
  });
  const { int, frac } = fixedDigits(x, decIdx.length);
  const zero = !/[1-9]/.test(int + frac);
  const parts = renderInt(toks, intIdx, int, lay);
  renderDec(toks, decIdx, frac, parts);
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (parts.has(i)) out += parts.get(i);
    else if (t.t === 'comma') out += lay.commaKind.get(i) === 'lit' ? ',' : '';
    else out += litOf(t);
  }
  return { text: out, zero };
}

/** Fills integer placeholders right to left; the first takes any extra leading digits. */
function renderInt(toks: Tok[], idx: number[], int: string, lay: DigitLayout): Map<number, string> {
  const out = new Map<number, string>();
  const k = idx.length;
  const n = int.length;
  const sep = (p: number, pad: string) => (lay.grouping && p > 0 && p % 3 === 0 ? pad : '');
  for (let i = 0; i < k; i++) {
    const p = k - 1 - i; // digit position from the right
    const c = (toks[idx[i]!] as { c: string }).c;
    let s = '';
    if (i === 0 && n > k) {
      for (let q = n - 1; q >= p; q--) s += int[n - 1 - q]! + sep(q, ',');
    } else if (p < n) s = int[n - 1 - p]! + sep(p, ',');
    else if (c === '0') s = '0' + sep(p, ',');
    else if (c === '?') s = ' ' + sep(p, ' ');
    out.set(idx[i]!, s);
  }
  return out;
}

function renderDec(toks: Tok[], idx: number[], frac: string, out: Map<number, string>): void {
  let last = -1;
  for (let i = 0; i < frac.length; i++) if (frac[i] !== '0') last = i;
  idx.forEach((ti, i) => {
    const c = (toks[ti] as { c: string }).c;
    if (i <= last) out.set(ti, frac[i]!);
    else out.set(ti, c === '0' ? '0' : c === '?' ? ' ' : '');
  });
}

// ---------------------------------------------------------------------------------
// Scientific: 0.00E+00, ##0.0E+0 (engineering), #E-#

function formatScientific(toks: Tok[], expAt: number, v: number): Out {
  const head = toks.slice(0, expAt);
  const tail = toks.slice(expAt + 1);
  const expTok = toks[expAt] as { t: 'exp'; s: string; plus: boolean };
  const lay = layoutCommas(head, 0, head.length);
  const dot = head.findIndex((t) => t.t === 'dot');
  const intIdx: number[] = [];
  const decIdx: number[] = [];
  head.forEach((t, i) => {
    if (t.t === 'digit') (dot >= 0 && i > dot ? decIdx : intIdx).push(i);
  });
  const x = v; // percent signs do not scale a scientific mantissa
  const nInt = Math.max(1, intIdx.length);
  let exponent = 0;
  let digits = { int: '', frac: '0'.repeat(decIdx.length) };
  if (x !== 0) {
    let e10 = Math.floor(Math.log10(x));
    if (Number(x.toExponential(14).split('e')[1]) !== e10) e10 = Number(x.toExponential(14).split('e')[1]);
    for (let attempt = 0; attempt < 2; attempt++) {
      exponent = Math.floor(e10 / nInt) * nInt;
      digits = fixedDigits(shiftDecimal(x, -exponent), decIdx.length);
      if (digits.int.length <= nInt) break;
      e10++;
    }
  }
  // Zero shows every integer placeholder as 0.
  const intDigits = x === 0 ? '0'.repeat(intIdx.length) : digits.int;
  const parts = renderInt(head, intIdx, intDigits, lay);
  renderDec(head, decIdx, digits.frac, parts);
  let out = '';
  head.forEach((t, i) => {
    if (parts.has(i)) out += parts.get(i);
    else if (t.t === 'comma') out += lay.commaKind.get(i) === 'lit' ? ',' : '';
    else out += litOf(t);
  });
  out += expTok.s;
  // The exponent's sign goes just before its digits (literals may sit in between).
  const sign = exponent < 0 ? '-' : expTok.plus ? '+' : '';
  const eIdx: number[] = [];
  tail.forEach((t, i) => t.t === 'digit' && eIdx.push(i));
  const eParts = renderInt(tail, eIdx, String(Math.abs(exponent)).replace(/^0+/, ''), {
    commaKind: new Map(),
    grouping: false,
    scale: 0,
  });
  // An exponent of 0 with only # placeholders still shows one digit.
  if (exponent === 0 && eIdx.length && ![...eParts.values()].some((s) => /\d/.test(s))) {
    const lastI = eIdx[eIdx.length - 1]!;
    eParts.set(lastI, (eParts.get(lastI) ?? '').replace(/ $/, '') + '0');
  }
  let signed = false;
  tail.forEach((t, i) => {
    if (eParts.has(i)) {
      if (!signed) {
        out += sign;
        signed = true;
      }
      out += eParts.get(i);
    } else if (t.t !== 'comma') out += litOf(t);
  });
  return { text: out, zero: x === 0 };
}

/** x × 10^k computed on the decimal digits (avoids binary error in large shifts). */
function shiftDecimal(x: number, k: number): number {
  const [m, e] = x.toExponential(14).split('e') as [string, string];
  return Number(`${m}e${Number(e) + k}`);
}

// ---------------------------------------------------------------------------------
// Fractions: # ?/?, # ??/??, ?/8, 0/100

/** Index of a `/` with digit placeholders before it and a denominator after it. */
function findFractionSlash(toks: Tok[]): number {
  const i = toks.findIndex((t) => t.t === 'slash');
  if (i < 0) return -1;
  const before = toks.slice(0, i).some((t) => t.t === 'digit');
  const after = toks.slice(i + 1).some((t) => t.t === 'digit' || (t.t === 'lit' && /^\d/.test(t.s)));
  return before && after ? i : -1;
}

/** Best rational approximation with a denominator of at most `maxDen` (Stern–Brocot). */
function approximate(x: number, maxDen: number): [number, number] {
  let [a, b, c, d] = [0, 1, 1, 1]; // a/b <= x <= c/d
  let best: [number, number] = x < 0.5 ? [0, 1] : [1, 1];
  let bestErr = Math.abs(x - best[0] / best[1]);
  while (b + d <= maxDen) {
    const mn = a + c;
    const md = b + d;
    const err = Math.abs(x - mn / md);
    if (err < bestErr) {
      best = [mn, md];
      bestErr = err;
    }
    if (mn / md === x) break;
    if (mn / md < x) [a, b] = [mn, md];
    else [c, d] = [mn, md];
  }
  return best;
}

function formatFraction(toks: Tok[], slash: number, v: number): Out {
  // Numerator: the last run of placeholders before the slash; integer: placeholders before it.
  let numEnd = slash - 1;
  while (numEnd >= 0 && toks[numEnd]!.t !== 'digit') numEnd--;
  let numStart = numEnd;
  while (numStart > 0 && toks[numStart - 1]!.t === 'digit') numStart--;
  const intIdx: number[] = [];
  for (let i = 0; i < numStart; i++) if (toks[i]!.t === 'digit') intIdx.push(i);
  const lastInt = intIdx.length ? intIdx[intIdx.length - 1]! : -1;
  // Denominator: a run of placeholders, or fixed digits.
  let denStart = slash + 1;
  while (denStart < toks.length && toks[denStart]!.t !== 'digit' && !(toks[denStart]!.t === 'lit' && /^\d/.test((toks[denStart] as { s: string }).s))) denStart++;
  let denEnd = denStart;
  let fixedDen = 0;
  const dt = toks[denStart]!;
  if (dt.t === 'lit') {
    const m = /^\d+/.exec(dt.s)!;
    fixedDen = Number(m[0]);
  } else while (denEnd + 1 < toks.length && toks[denEnd + 1]!.t === 'digit') denEnd++;
  const denPh = fixedDen ? 0 : denEnd - denStart + 1;
  let x = v;
  for (const t of toks) if (t.t === 'pct') x *= 100;
  const hasInt = intIdx.length > 0;
  let whole = hasInt ? Math.floor(x) : 0;
  const rest = x - whole;
  let num: number;
  let den: number;
  if (fixedDen) {
    den = fixedDen;
    num = Math.round(rest * den);
  } else {
    const w = Math.floor(rest);
    [num, den] = approximate(rest - w, Math.pow(10, denPh) - 1);
    num += w * den;
  }
  if (hasInt && num === den) {
    whole++;
    num = 0;
  }
  const zero = whole === 0 && num === 0;
  const numKinds = toks.slice(numStart, numEnd + 1).map((t) => (t as { c: string }).c);
  const intStr = whole ? String(whole) : '';
  const parts = new Map<number, string>();
  if (hasInt) {
    const lay = layoutCommas(toks, 0, numStart);
    const ip = renderInt(toks, intIdx, intStr, lay);
    for (const [k, s] of ip) parts.set(k, s);
  }
  const fracEnd = fixedDen ? denStart : denEnd;
  let out = '';
  const blankFraction = hasInt && num === 0;
  if (blankFraction) {
    // A whole number: the fraction is shown as 0/1 (0 numerator), blanked (a ? anywhere)
    // or dropped.
    const showFrac = numKinds.includes('0');
    const intKind = (toks[lastInt] as { c: string }).c;
    const kindsOf = (a: number, b: number) => toks.slice(a, b + 1).map((t) => (t.t === 'digit' ? t.c : ''));
    const anyQ = [...kindsOf(0, lastInt), ...numKinds, ...(fixedDen ? [] : kindsOf(denStart, denEnd))].includes('?');
    const dropInt = showFrac && whole === 0 && intKind === '#';
    let head = '';
    for (let i = 0; i <= lastInt; i++) head += parts.has(i) ? parts.get(i) : litOf(toks[i]!);
    if (whole === 0 && !dropInt && !/\d/.test(head)) {
      const trimmed = head.replace(/ $/, '');
      head = trimmed + '0';
    }
    let mid = '';
    if (showFrac) {
      for (let i = dropInt ? numStart : lastInt + 1; i <= fracEnd; i++) mid += fracPiece(toks, i, numStart, numEnd, denStart, denEnd, 0, den, fixedDen);
      if (fixedDen) mid += (toks[denStart] as { s: string }).s.slice(String(fixedDen).length);
    } else if (anyQ) {
      let width = '';
      for (let i = lastInt + 1; i <= fracEnd; i++) width += fracPiece(toks, i, numStart, numEnd, denStart, denEnd, 0, den, fixedDen, true);
      mid = ' '.repeat(width.length);
    }
    out = head + mid;
    for (let i = fracEnd + 1; i < toks.length; i++) out += litOf(toks[i]!);
    return { text: out, zero };
  }
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (i <= lastInt) {
      out += parts.has(i) ? parts.get(i) : litOf(t);
      continue;
    }
    if (hasInt && i > lastInt && i < numStart) {
      // Separator between the whole part and the numerator.
      const s = litOf(t);
      const intKind = (toks[lastInt] as { c: string }).c;
      if (whole === 0 && intKind !== '0') out += intKind === '?' || numKinds.includes('?') ? ' '.repeat(s.length) : '';
      else out += s;
      continue;
    }
    if (i >= numStart && i <= fracEnd) {
      out += fracPiece(toks, i, numStart, numEnd, denStart, denEnd, num, den, fixedDen);
      continue;
    }
    out += litOf(t);
  }
  return { text: out, zero };
}

/** One token of the numerator/slash/denominator area. */
function fracPiece(
  toks: Tok[], i: number, numStart: number, numEnd: number, denStart: number, denEnd: number,
  num: number, den: number, fixedDen: number, widthOnly = false,
): string {
  const t = toks[i]!;
  if (i === numStart) return padDigits(String(num), toks.slice(numStart, numEnd + 1), 'left', widthOnly);
  if (i > numStart && i <= numEnd) return '';
  if (i === denStart) {
    if (fixedDen) return String(fixedDen);
    return padDigits(String(den), toks.slice(denStart, denEnd + 1), 'right', widthOnly);
  }
  if (i > denStart && i <= denEnd) return '';
  return litOf(t);
}

/** Numerator digits right-aligned (pad left), denominator left-aligned (pad right). */
function padDigits(s: string, ph: Tok[], align: 'left' | 'right', widthOnly: boolean): string {
  const kinds = ph.map((t) => (t as { c: string }).c);
  if (widthOnly) return ' '.repeat(Math.max(kinds.length, s.length));
  const missing = kinds.length - s.length;
  if (missing <= 0) return s;
  if (align === 'left') {
    let pad = '';
    for (let i = 0; i < missing; i++) pad += kinds[i] === '0' ? '0' : kinds[i] === '?' ? ' ' : '';
    return pad + s;
  }
  let pad = '';
  for (let i = kinds.length - missing; i < kinds.length; i++) pad += kinds[i] === '0' ? '0' : kinds[i] === '?' ? ' ' : '';
  return kinds.some((k) => k === '0') ? s.padStart(kinds.length, '0') : s + pad;
}

// ---------------------------------------------------------------------------------
// Dates, times, elapsed time

function formatDate(toks: Tok[], v: number, date1904: boolean): Out | ExcelError {
  if (toks.some((t) => t.t === 'digit' && t.c !== '0')) return ERR.VALUE;
  // Fractional seconds: a dot followed by zeros right after seconds.
  let fracDigits = 0;
  const fracAt = new Map<number, number>(); // dot index -> count of zeros
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.t === 'digit') {
      const prev = toks[i - 1];
      if (!prev || prev.t !== 'dot' || fracAt.has(i - 1)) {
        if (!(prev && prev.t === 'digit')) return ERR.VALUE;
      }
    }
    if (t.t === 'dot' && toks[i + 1]?.t === 'digit') {
      let n = 0;
      while (toks[i + 1 + n]?.t === 'digit') n++;
      fracAt.set(i, Math.min(n, 3));
      fracDigits = Math.max(fracDigits, Math.min(n, 3));
      i += n;
    }
  }
  const elapsed = toks.some((t) => t.t === 'elapsed');
  const max = date1904 ? 2957003 : 2958465;
  if (!elapsed && (v < 0 || v >= max + 1)) return ERR.VALUE;
  const unitsPerSec = Math.pow(10, fracDigits);
  const ticks = Math.round(v * 86400 * unitsPerSec);
  const days = Math.floor(ticks / (86400 * unitsPerSec));
  const dayTicks = ticks - days * 86400 * unitsPerSec;
  const secs = Math.floor(dayTicks / unitsPerSec);
  const sub = dayTicks - secs * unitsPerSec;
  const H = Math.floor(secs / 3600);
  const Mi = Math.floor((secs % 3600) / 60);
  const S = secs % 60;
  const totalSecs = Math.floor(ticks / unitsPerSec);
  const hasAmPm = toks.some((t) => t.t === 'ampm');
  const needsDate = toks.some((t) => t.t === 'date' && /^[ymde]/.test(t.s));
  const ymd = needsDate ? ymdFromSerial(days, date1904) : { y: 0, m: 0, d: 0 };
  // Which m/mm tokens are minutes: after an hour token or before a seconds token.
  const dateIdx = toks.map((t, i) => (t.t === 'date' || t.t === 'elapsed' ? i : -1)).filter((i) => i >= 0);
  const isMinute = (i: number): boolean => {
    const k = dateIdx.indexOf(i);
    const prev = k > 0 ? toks[dateIdx[k - 1]!]! : null;
    const next = k + 1 < dateIdx.length ? toks[dateIdx[k + 1]!]! : null;
    const tokS = (t: Tok | null) => (t && (t.t === 'date' || t.t === 'elapsed') ? t.s : '');
    return /^[hs]/.test(tokS(prev)) || /^s/.test(tokS(next));
  };
  // In an elapsed format ([h]:mm), plain codes of an elapsed unit show the total too.
  const elapsedUnits = new Set(toks.filter((t) => t.t === 'elapsed').map((t) => (t as { s: string }).s[0]));
  const total = (u: string) => (u === 'h' ? Math.floor(totalSecs / 3600) : u === 'm' ? Math.floor(totalSecs / 60) : totalSecs);
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.t === 'date') {
      const s = t.s;
      const n = s.length;
      const unit = s[0] === 'm' ? (n <= 2 && isMinute(i) ? 'm' : 'M') : s[0]!;
      if (elapsedUnits.has(unit)) {
        out += String(total(unit)).padStart(n, '0');
        continue;
      }
      switch (s[0]) {
        case 'y':
          out += n <= 2 ? String(ymd.y % 100).padStart(2, '0') : String(ymd.y);
          break;
        case 'e':
          out += String(ymd.y);
          break;
        case 'd':
          if (n === 1) out += ymd.d;
          else if (n === 2) out += String(ymd.d).padStart(2, '0');
          else {
            const name = DAYS[weekdayFromSerial(days, date1904)]!;
            out += n === 3 ? name.slice(0, 3) : name;
          }
          break;
        case 'm':
          if (n <= 2 && isMinute(i)) out += n === 1 ? Mi : String(Mi).padStart(2, '0');
          else if (n === 1) out += ymd.m;
          else if (n === 2) out += String(ymd.m).padStart(2, '0');
          else {
            const name = MONTHS[ymd.m - 1] ?? 'January';
            out += n === 3 ? name.slice(0, 3) : n === 5 ? name[0] : name;
          }
          break;
        case 'h': {
          let h = H;
          if (hasAmPm) h = h % 12 === 0 ? 12 : h % 12;
          out += n === 1 ? h : String(h).padStart(2, '0');
          break;
        }
        case 's':
          out += n === 1 ? S : String(S).padStart(2, '0');
          break;
      }
    } else if (t.t === 'elapsed') {
      out += String(total(t.s[0]!)).padStart(t.s.length, '0');
    } else if (t.t === 'ampm') {
      const pm = H >= 12;
      if (t.s.length === 5) out += pm ? 'PM' : 'AM';
      else {
        const c = pm ? t.s[2]! : t.s[0]!;
        out += c;
      }
    } else if (t.t === 'dot' && fracAt.has(i)) {
      const n = fracAt.get(i)!;
      out += '.' + String(sub).padStart(fracDigits, '0').slice(0, n);
      while (toks[i + 1]?.t === 'digit') i++;
    } else out += litOf(t);
  }
  return { text: out, zero: ticks === 0 };
}
