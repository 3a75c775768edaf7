/**
 * Functions: info family (registered at import).
 *
 * The IS* functions never propagate errors: they take `scalar` parameters (errors are
 * handed over as values) and still lift element-wise over arrays. ISREF, SHEET, SHEETS
 * and CELL take the raw argument so they can see references.
 */
import { columnName } from '../../address.js';
import { scalar, toNumber } from '../../coerce.js';
import { defineFn, restrict } from '../../registry.js';
import { ERR, ExcelError, Lambda, Matrix, Ref, RefList, type ErrorCode, type Scalar, type Value, ERROR_TYPE_NUMBER } from '../../values.js';

defineFn('ISBLANK', ['scalar'], 1, 1, (_ctx, v: Scalar) => v === null);
defineFn('ISERR', ['scalar'], 1, 1, (_ctx, v: Scalar) => v instanceof ExcelError && v !== ERR.NA);
defineFn('ISERROR', ['scalar'], 1, 1, (_ctx, v: Scalar) => v instanceof ExcelError);
defineFn('ISNA', ['scalar'], 1, 1, (_ctx, v: Scalar) => v === ERR.NA);
defineFn('ISLOGICAL', ['scalar'], 1, 1, (_ctx, v: Scalar) => typeof v === 'boolean');
defineFn('ISNUMBER', ['scalar'], 1, 1, (_ctx, v: Scalar) => typeof v === 'number');
defineFn('ISTEXT', ['scalar'], 1, 1, (_ctx, v: Scalar) => typeof v === 'string');
defineFn('ISNONTEXT', ['scalar'], 1, 1, (_ctx, v: Scalar) => typeof v !== 'string');

/** ISEVEN/ISODD truncate; numeric text counts, booleans are #VALUE!, errors propagate. */
function parity(v: Scalar): number | ExcelError {
  if (typeof v === 'boolean') return ERR.VALUE;
  const n = toNumber(v);
  if (n instanceof ExcelError) return n;
  return Math.abs(Math.trunc(n)) % 2;
}
defineFn('ISEVEN', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  const p = parity(v);
  return p instanceof ExcelError ? p : p === 0;
});
defineFn('ISODD', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  const p = parity(v);
  return p instanceof ExcelError ? p : p === 1;
});

defineFn('ISREF', ['any'], 1, 1, (_ctx, v: Value) => v instanceof Ref || v instanceof RefList, { refOnly: 'o' });

/** N: numbers (dates are numbers) as is, TRUE → 1, anything else → 0; errors propagate. */
defineFn('N', ['scalar'], 1, 1, (_ctx, v: Scalar) => {
  if (v instanceof ExcelError || typeof v === 'number') return v;
  return v === true ? 1 : 0;
});

defineFn('NA', [], 0, 0, () => ERR.NA);

/** TYPE: 1 number (and blank), 2 text, 4 logical, 16 error, 64 array, 128 compound (LAMBDA). */
defineFn('TYPE', ['any'], 1, 1, (ctx, v: Value) => {
  if (v instanceof Matrix) return 64;
  if (v instanceof Lambda) return 128;
  if (v instanceof RefList) return v.areas.length === 1 && v.areas[0]!.isCell ? typeOf(scalar(v, ctx)) : 16;
  if (v instanceof Ref && !v.isCell) return 64;
  return typeOf(scalar(v, ctx));
});

function typeOf(s: Scalar): number {
  if (s instanceof ExcelError) return 16;
  if (typeof s === 'string') return 2;
  if (typeof s === 'boolean') return 4;
  return 1;
}

/** ERROR.TYPE's numbering of the error values. */
const ERROR_NUMBERS = ERROR_TYPE_NUMBER;

defineFn('ERROR.TYPE', ['scalar'], 1, 1, (_ctx, v: Scalar) =>
  v instanceof ExcelError ? ERROR_NUMBERS[v.code] ?? ERR.NA : ERR.NA,
);

/** SHEET: index (1-based) of the current sheet, of a reference's sheet, or of a sheet named by text. */
defineFn('SHEET', ['any'], 0, 1, (ctx, v?: Value) => {
  if (v === undefined) return ctx.sheet + 1;
  if (v instanceof Ref) return v.sheet.index + 1;
  if (v instanceof RefList) return v.areas.length ? v.areas[0]!.sheet.index + 1 : ERR.REF;
  const s = scalar(v, ctx);
  if (s instanceof ExcelError) return s;
  if (typeof s !== 'string') return ERR.NA;
  const sh = ctx.book.sheetByName(s);
  return sh ? sh.index + 1 : ERR.NA;
}, { refOnly: 'o' });

/** SHEETS: sheets in the workbook, or sheets spanned by a reference. */
defineFn('SHEETS', ['any'], 0, 1, (ctx, v?: Value) => {
  // Sheets named `[n]...` hold external workbooks' cached values: not the workbook's own.
  if (v === undefined) return ctx.book.sheets.filter((s) => !s.name.startsWith('[')).length;
  if (v instanceof Ref) return 1;
  if (v instanceof RefList) return new Set(v.areas.map((a) => a.sheet.index)).size;
  const s = scalar(v, ctx);
  return s instanceof ExcelError ? s : ERR.REF;
}, { refOnly: 'o' });

/** Every info_type CELL knows (Excel's CELL page); any other text is #VALUE!. */
export const CELL_INFO_TYPES = [
  'address', 'col', 'color', 'contents', 'filename', 'format', 'parentheses', 'prefix', 'protect', 'row', 'type', 'width',
] as const;

/**
 * Why a CELL info_type cannot be computed from what an engine holds, or undefined when it
 * can. The compiler reports a CELL call with such a literal info_type (backfilling Excel's
 * stored value) instead of computing it; at run time (an info_type computed by a formula)
 * these are #CALC!, never a guess. What an engine spec would need to compute each:
 * - color, format, parentheses: the referenced cell's number format code;
 * - prefix: its horizontal alignment and quotePrefix; protect: its `locked` protection;
 * - width: the column's width and whether it is the sheet's default width;
 * - filename: the full path Excel saved the workbook under (not known to a build);
 * - address of a cell on another sheet: the workbook's file name, "[Book.xlsx]Sheet!$A$1".
 */
export function cellInfoUnsupported(info: string): string | undefined {
  switch (info.toLowerCase()) {
    case 'color':
    case 'format':
    case 'parentheses':
      return `CELL("${info}") needs the cell's number format, which the engine does not hold`;
    case 'prefix':
      return 'CELL("prefix") needs the cell\'s alignment, which the engine does not hold';
    case 'protect':
      return 'CELL("protect") needs the cell\'s protection, which the engine does not hold';
    case 'width':
      return 'CELL("width") needs the column widths, which the engine does not hold';
    case 'filename':
      return 'CELL("filename") needs the path Excel saved the workbook under';
    default:
      return undefined;
  }
}

/**
 * CELL for the info types computable from values and positions: address (of a cell on
 * the formula's own sheet), col, row, contents, type. The others need formatting, layout
 * or the file's path (see cellInfoUnsupported) and are #CALC!, as is CELL without a
 * reference: Excel then describes the cell selected when it calculated.
 */
defineFn('CELL', ['scalar', 'any'], 1, 2, (ctx, info: Scalar, ref?: Value) => {
  if (info instanceof ExcelError) return info;
  if (typeof info !== 'string') return ERR.VALUE;
  const kind = info.toLowerCase();
  if (!(CELL_INFO_TYPES as readonly string[]).includes(kind)) return ERR.VALUE;
  if (ref === undefined || cellInfoUnsupported(kind)) return ERR.CALC;
  const area = ref instanceof Ref ? ref : ref instanceof RefList && ref.areas.length ? ref.areas[0]! : null;
  if (!area) {
    const s = scalar(ref, ctx);
    return s instanceof ExcelError ? s : ERR.VALUE;
  }
  const value = (): Scalar => area.sheet.get(area.r0, area.c0);
  switch (kind) {
    case 'address':
      // Another sheet's address carries the workbook's file name, which the engine lacks.
      return area.sheet.index === ctx.sheet ? `$${columnName(area.c0)}$${area.r0 + 1}` : ERR.CALC;
    case 'col':
      return area.c0 + 1;
    case 'row':
      return area.r0 + 1;
    case 'contents': {
      const v = value();
      return v === null ? 0 : v;
    }
    default: {
      const v = value();
      return v === null ? 'b' : typeof v === 'string' ? 'l' : 'v';
    }
  }
}, { volatile: true }); // Excel recalculates CELL on every recalculation

/**
 * Build-time restrictions (a literal info_type): the info types the engine cannot compute
 * (cellInfoUnsupported); a computable one without a reference (Excel describes the
 * selected cell); "address" of a cell on another sheet (it names the workbook's file).
 * An info_type computed by a formula is #CALC! at run time for these, never a guess.
 */
const computable = CELL_INFO_TYPES.filter((k) => cellInfoUnsupported(k) === undefined);
restrict('CELL', [
  ...CELL_INFO_TYPES.flatMap((k) => {
    const reason = cellInfoUnsupported(k);
    return reason ? [{ when: [{ arg: 0, test: 'literal' as const, texts: [k] }], reason }] : [];
  }),
  {
    when: [{ arg: 0, test: 'literal', texts: [...computable] }, { arg: 1, test: 'omitted' }],
    reason: 'CELL without a reference describes the cell selected when Excel calculated',
  },
  {
    when: [{ arg: 0, test: 'literal', texts: ['address'] }, { arg: 1, test: 'otherSheet' }],
    reason: 'CELL("address") of a cell on another sheet includes the workbook\'s file name',
  },
]);
