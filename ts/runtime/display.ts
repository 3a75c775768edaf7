/**
 * Values as Excel shows them: a cell's text under its number format (`result.text()`,
 * `toJSON({ formatted: true })`, `sheetc eval --formatted`), and numbers to Excel's 15
 * significant digits (`sheetc eval`'s plain output).
 */
import { formatNumber, formatText, generalText } from './numfmt.js';
import { isExcelError, type Scalar } from './values.js';

/**
 * A number to 15 significant digits, as Excel keeps and shows it when the column is
 * wide enough: `0.1 + 0.2` → `0.3`, `1/3` → `0.333333333333333`, `1e20` → `1E+20`
 * (scientific from 1E+15 up, and below 1E-06 as JavaScript does).
 */
export function numberText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  // Beyond 15 digits before the point the digits are not significant: scientific.
  const s = Math.abs(v) >= 1e15 ? Number(v.toPrecision(15)).toExponential() : String(Number(v.toPrecision(15)));
  const e = s.indexOf('e');
  if (e < 0) return s;
  // JavaScript writes 1e+21 and 1e-7; Excel writes 1E+21 and 1E-07.
  const exp = Number(s.slice(e + 1));
  return `${s.slice(0, e)}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/**
 * The text Excel displays for a value under a number format (`General` when the cell
 * has none): numbers through the format (en-US), text through the format's text section,
 * `TRUE`/`FALSE`, error codes, "" for a blank. A number the format cannot show (a
 * negative number under a date format) is shown as Excel fills such a cell: `#`s.
 */
export function displayText(v: Scalar, format: string | undefined, date1904: boolean): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (isExcelError(v)) return v.code;
  if (typeof v === 'string') {
    if (!format) return v;
    // A text section that would exceed Excel's 32,767 characters: the cell shows its text.
    const t = formatText(v, format);
    return typeof t === 'string' ? t : v;
  }
  if (!format) return generalText(v);
  const t = formatNumber(v, format, date1904);
  return typeof t === 'string' ? t : '########';
}
