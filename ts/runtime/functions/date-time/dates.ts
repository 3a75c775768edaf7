/**
 * Functions: date and time family (registered at import).
 *
 * Dates are Excel serial numbers. In the 1900 system serial 60 is the fictitious
 * 1900-02-29 (kept for Lotus compatibility), so month arithmetic is done on (y, m, d)
 * triples of Excel's calendar and converted back with `excelSerial`, which treats
 * February 1900 as 29 days long. The 1904 system (`ctx.book.date1904`) has no such day.
 */
import { forEachValue } from '../../aggregate.js';
import { parseDateTime, toNumber } from '../../coerce.js';
import { MAX_CACHED_DAY, daysInMonth, isLeapYear, packedYmd, serialFromYMD, timeFromSerial, weekdayFromSerial, ymdFromSerial, ymdPartFromSerial } from '../../dates.js';
import { defineEntry, defineFn } from '../../registry.js';
import { ERR, ExcelError, type Ctx, type Scalar, type Value } from '../../values.js';
import { dateArg, excelDaysInMonth, excelSerial, isLastOfFeb, maxSerial, yearFrac } from './serial.js';

export { dateArg, excelDaysInMonth, excelSerial, maxSerial, yearFrac };


/** A computed serial checked against the valid range. */
function checkedSerial(s: number, ctx: Ctx): number | ExcelError {
  return s < 0 || s > maxSerial(ctx.book.date1904) ? ERR.NUM : s;
}

// ---------------------------------------------------------------------------------
// Construction and parts

defineFn('DATE', ['number', 'number', 'number'], 3, 3, (ctx, y: number, m: number, d: number) => {
  let yy = Math.trunc(y);
  const mm = Math.trunc(m);
  const dd = Math.trunc(d);
  if (yy < 0 || yy >= 10000) return ERR.NUM;
  if (yy < 1900) yy += 1900; // Excel: years 0–1899 are offsets from 1900
  // The year after month overflow must still be 9999 at most (DATE(9999,13,-1) is #NUM!).
  if (yy + Math.floor((mm - 1) / 12) > 9999) return ERR.NUM;
  if (ctx.book.date1904 && yy < 1904) return ERR.NUM;
  return checkedSerial(excelSerial(yy, mm, dd, ctx.book.date1904), ctx);
}, { pure: true });

/** YEAR/MONTH/DAY of a number argument (0 year, 1 month, 2 day). */
function datePart(n: number, ctx: Ctx, part: 0 | 1 | 2): Value {
  const s = dateArg(n, ctx);
  return s instanceof ExcelError ? s : ymdPartFromSerial(s, ctx.book.date1904, part);
}

defineFn('YEAR', ['number'], 1, 1, (ctx, n: number) => datePart(n, ctx, 0), { pure: true });
defineFn('MONTH', ['number'], 1, 1, (ctx, n: number) => datePart(n, ctx, 1), { pure: true });
defineFn('DAY', ['number'], 1, 1, (ctx, n: number) => datePart(n, ctx, 2), { pure: true });
// Direct entries for a number argument (see defineEntry): once per cell of a timeline.
defineEntry('YEAR', (general) =>
  function YEAR(ctx: Ctx, n?: Value): Value {
    return arguments.length === 2 && typeof n === 'number' ? datePart(n, ctx, 0) : general.apply(undefined, arguments as never);
  },
);
defineEntry('MONTH', (general) =>
  function MONTH(ctx: Ctx, n?: Value): Value {
    return arguments.length === 2 && typeof n === 'number' ? datePart(n, ctx, 1) : general.apply(undefined, arguments as never);
  },
);
defineEntry('DAY', (general) =>
  function DAY(ctx: Ctx, n?: Value): Value {
    return arguments.length === 2 && typeof n === 'number' ? datePart(n, ctx, 2) : general.apply(undefined, arguments as never);
  },
);

/** Registers HOUR/MINUTE/SECOND: parts of the time of day, rounded to the second. */
function timePart(name: string, part: (t: { h: number; mi: number; s: number }) => number): void {
  defineFn(name, ['number'], 1, 1, (ctx, n: number) => {
    if (n < 0 || n >= maxSerial(ctx.book.date1904) + 1) return ERR.NUM;
    return part(timeOfDay(n));
  });
}

/** Time of day rounded to the nearest second, as HOUR/MINUTE/SECOND read it. */
function timeOfDay(n: number): { h: number; mi: number; s: number } {
  const t = timeFromSerial(n);
  let secs = t.h * 3600 + t.mi * 60 + t.s + (t.ms >= 500 ? 1 : 0);
  if (secs >= 86400) secs = 0;
  return { h: Math.floor(secs / 3600), mi: Math.floor((secs % 3600) / 60), s: secs % 60 };
}

timePart('HOUR', (t) => t.h);
timePart('MINUTE', (t) => t.mi);
timePart('SECOND', (t) => t.s);

defineFn('TIME', ['number', 'number', 'number'], 3, 3, (_ctx, h: number, m: number, s: number) => {
  const hh = Math.trunc(h);
  const mm = Math.trunc(m);
  const ss = Math.trunc(s);
  if (hh > 32767 || mm > 32767 || ss > 32767) return ERR.NUM;
  const total = hh * 3600 + mm * 60 + ss;
  if (total < 0) return ERR.NUM;
  return (total % 86400) / 86400;
});

/** Parses date/time text to a serial of the workbook's date system. */
function parseDateText(v: Scalar, ctx: Ctx): number | ExcelError {
  if (v instanceof ExcelError) return v;
  if (typeof v !== 'string') return ERR.VALUE;
  const n = parseDateTime(v);
  if (n === undefined) return ERR.VALUE;
  if (!ctx.book.date1904) return n;
  const s = n >= 1 ? n - 1462 : n; // pure times stay times
  return s < 0 ? ERR.VALUE : s;
}

defineFn('DATEVALUE', ['scalar'], 1, 1, (ctx, v: Scalar) => {
  const n = parseDateText(v, ctx);
  return n instanceof ExcelError ? n : Math.floor(n);
});

defineFn('TIMEVALUE', ['scalar'], 1, 1, (ctx, v: Scalar) => {
  const n = parseDateText(v, ctx);
  return n instanceof ExcelError ? n : n - Math.floor(n);
});

defineFn('NOW', [], 0, 0, (ctx) => ctx.book.now(), { volatile: true });
defineFn('TODAY', [], 0, 0, (ctx) => Math.floor(ctx.book.now()), { volatile: true });

// ---------------------------------------------------------------------------------
// Weeks

/** Weekday 0 = Sunday .. 6 = Saturday of a serial in the book's system. */
function weekday0(s: number, ctx: Ctx): number {
  return weekdayFromSerial(s, ctx.book.date1904);
}

/** WEEKDAY return types: the weekday (0 = Sunday) that counts as 1, and the number it starts at. */
const WEEKDAY_TYPES: Record<number, [first: number, base: number]> = {
  1: [0, 1],
  2: [1, 1],
  3: [1, 0],
  11: [1, 1],
  12: [2, 1],
  13: [3, 1],
  14: [4, 1],
  15: [5, 1],
  16: [6, 1],
  17: [0, 1],
};

defineFn('WEEKDAY', ['number', 'number'], 1, 2, (ctx, n: number, type?: number) => {
  const s = dateArg(n, ctx);
  if (s instanceof ExcelError) return s;
  const spec = WEEKDAY_TYPES[type === undefined ? 1 : Math.trunc(type)];
  if (!spec) return ERR.NUM;
  return ((weekday0(s, ctx) - spec[0] + 7) % 7) + spec[1];
});

/** WEEKNUM return types → first day of the week (0 = Sunday). Type 21 is ISO. */
const WEEKNUM_TYPES: Record<number, number> = { 1: 0, 2: 1, 11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 16: 6, 17: 0 };

/** ISO 8601 week number: the week holding the Thursday, weeks starting Monday. */
function isoWeek(s: number, ctx: Ctx): number {
  const d1904 = ctx.book.date1904;
  const mondayIdx = (weekday0(s, ctx) + 6) % 7; // 0 = Monday
  const thursday = s - mondayIdx + 3;
  const y = ymdFromSerial(Math.max(thursday, 1), d1904).y;
  return Math.floor((thursday - excelSerial(y, 1, 1, d1904)) / 7) + 1;
}

defineFn('WEEKNUM', ['number', 'number'], 1, 2, (ctx, n: number, type?: number) => {
  const s = dateArg(n, ctx);
  if (s instanceof ExcelError) return s;
  const t = type === undefined ? 1 : Math.trunc(type);
  if (t === 21) return isoWeek(s, ctx);
  const first = WEEKNUM_TYPES[t];
  if (first === undefined) return ERR.NUM;
  const d1904 = ctx.book.date1904;
  const jan1 = excelSerial(ymdFromSerial(s, d1904).y, 1, 1, d1904);
  // Week 1 is the week holding January 1; day offsets count from its first weekday.
  const offset = (weekday0(jan1, ctx) - first + 7) % 7;
  return Math.floor((s - jan1 + offset) / 7) + 1;
});

defineFn('ISOWEEKNUM', ['number'], 1, 1, (ctx, n: number) => {
  const s = dateArg(n, ctx);
  return s instanceof ExcelError ? s : isoWeek(s, ctx);
});

// ---------------------------------------------------------------------------------
// Differences

defineFn('DAYS', ['number', 'number'], 2, 2, (ctx, end: number, start: number) => {
  const e = dateArg(end, ctx);
  if (e instanceof ExcelError) return e;
  const s = dateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  return e - s;
}, { pure: true });


/** DAYS360 reads its dates rounded to the second: 46000.999999 is the next day (corpus). */
function roundedDateArg(n: number, ctx: Ctx): number | ExcelError {
  return dateArg(Math.round(n * 86400) / 86400, ctx);
}

defineFn('DAYS360', ['number', 'number', 'bool'], 2, 3, (ctx, start: number, end: number, european?: boolean) => {
  const s = roundedDateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  const e = roundedDateArg(end, ctx);
  if (e instanceof ExcelError) return e;
  const a = ymdFromSerial(s, ctx.book.date1904);
  const b = ymdFromSerial(e, ctx.book.date1904);
  let d1 = a.d;
  let d2 = b.d;
  if (european) {
    if (d1 === 31) d1 = 30;
    if (d2 === 31) d2 = 30;
  } else {
    // US (NASD) method as Excel applies it: a start on the last day of February becomes
    // the 30th; an end on the 31st becomes the 30th only when the start is the 30th/31st.
    if (isLastOfFeb(a.y, a.m, a.d, ctx.book.date1904) || d1 === 31) d1 = 30;
    if (d2 === 31 && d1 === 30) d2 = 30;
  }
  return (b.y - a.y) * 360 + (b.m - a.m) * 30 + d2 - d1;
});


defineFn('YEARFRAC', ['number', 'number', 'number'], 2, 3, (ctx, start: number, end: number, basis?: number) => {
  const s = dateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  const e = dateArg(end, ctx);
  if (e instanceof ExcelError) return e;
  const b = basis === undefined ? 0 : Math.trunc(basis);
  if (b < 0 || b > 4) return ERR.NUM;
  return yearFrac(s, e, b, ctx.book.date1904);
});

defineFn('DATEDIF', ['number', 'number', 'text'], 3, 3, (ctx, start: number, end: number, unit: string) => {
  const s = dateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  const e = dateArg(end, ctx);
  if (e instanceof ExcelError) return e;
  if (s > e) return ERR.NUM;
  const d1904 = ctx.book.date1904;
  const a = ymdFromSerial(s, d1904);
  const b = ymdFromSerial(e, d1904);
  const months = (b.y - a.y) * 12 + b.m - a.m - (b.d < a.d ? 1 : 0);
  switch (unit.toUpperCase()) {
    case 'Y':
      return Math.floor(months / 12);
    case 'M':
      return months;
    case 'D':
      return e - s;
    case 'YM':
      return months % 12;
    case 'MD': {
      if (b.d >= a.d) return b.d - a.d;
      // Days of the month before the end month are added (Excel can give negatives here).
      const pm = b.m === 1 ? 12 : b.m - 1;
      const py = b.m === 1 ? b.y - 1 : b.y;
      return b.d + excelDaysInMonth(py, pm, d1904) - a.d;
    }
    case 'YD': {
      let t = excelSerial(b.y, a.m, a.d, d1904);
      if (t > e) t = excelSerial(b.y - 1, a.m, a.d, d1904);
      return e - t;
    }
    default:
      return ERR.NUM;
  }
});

// ---------------------------------------------------------------------------------
// Month arithmetic

/** A whole serial's calendar date packed as y * 512 + m * 32 + d (`packedYmd`'s form). */
function packedDate(n: number, date1904: boolean): number {
  // EDATE/EOMONTH run once per row of a table: the calendar date through the cache.
  if (n >= 0 && n <= MAX_CACHED_DAY) return packedYmd(n, date1904);
  const { y, m, d } = ymdFromSerial(n, date1904);
  return y * 512 + m * 32 + d;
}

/** Month index y * 12 + (m - 1) of a packed date, `months` later. */
function monthAfter(packed: number, months: number): number {
  return (packed >> 9) * 12 + ((packed >> 5) & 15) - 1 + Math.trunc(months);
}

/** Months whose first day `monthStart` gives: the years 1900 to 9999, and January 10000 (the end of December 9999). */
const FIRST_MONTH = 1900 * 12;
const LAST_MONTH = 10000 * 12;

/**
 * Serial of the first day of month index `t` (y * 12 + m - 1, a year from 1900 to
 * 9999 or January 10000) in Excel's calendar, through a small cache: a month's days
 * are the next month's first serial minus its own (29 for February 1900 in the 1900
 * system, as `excelDaysInMonth` says), so EOMONTH and EDATE need no date arithmetic
 * for the months a timeline keeps asking about.
 */
function monthStart(t: number, date1904: boolean): number {
  const key = 2 * t + (date1904 ? 1 : 0);
  const slot = t & (MONTH_CACHE_SIZE - 1);
  if (monthCacheKeys[slot] === key) return monthCacheValues[slot]!;
  const serial = excelSerial(Math.floor(t / 12), (t % 12) + 1, 1, date1904);
  monthCacheKeys[slot] = key;
  monthCacheValues[slot] = serial;
  return serial;
}
const MONTH_CACHE_SIZE = 1024;
const monthCacheKeys = new Int32Array(MONTH_CACHE_SIZE).fill(-1);
const monthCacheValues = new Int32Array(MONTH_CACHE_SIZE);

/** The months argument of EDATE/EOMONTH: a boolean is #VALUE! (corpus: EOMONTH(d, TRUE)). */
function monthsNumber(v: Scalar): number | ExcelError {
  if (typeof v === 'boolean') return ERR.VALUE;
  return toNumber(v);
}

/** EDATE of a start serial and a number of months. */
function edate(ctx: Ctx, start: number, months: number): number | ExcelError {
  const s = dateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  const date1904 = ctx.book.date1904;
  const packed = packedDate(s, date1904);
  const t = monthAfter(packed, months);
  if (!(t >= FIRST_MONTH && t < LAST_MONTH)) return ERR.NUM;
  const first = monthStart(t, date1904);
  const d = Math.min(packed & 31, monthStart(t + 1, date1904) - first);
  return checkedSerial(first + d - 1, ctx);
}

/** EOMONTH of a start serial and a number of months. */
function eomonth(ctx: Ctx, start: number, months: number): number | ExcelError {
  const s = dateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  const date1904 = ctx.book.date1904;
  const t = monthAfter(packedDate(s, date1904), months);
  if (!(t >= FIRST_MONTH && t < LAST_MONTH)) return ERR.NUM;
  return checkedSerial(monthStart(t + 1, date1904) - 1, ctx);
}

defineFn('EDATE', ['number', 'scalar'], 2, 2, (ctx, start: number, monthsArg: Scalar) => {
  const months = monthsNumber(monthsArg);
  return months instanceof ExcelError ? months : edate(ctx, start, months);
}, { pure: true });

defineFn('EOMONTH', ['number', 'scalar'], 2, 2, (ctx, start: number, monthsArg: Scalar) => {
  const months = monthsNumber(monthsArg);
  return months instanceof ExcelError ? months : eomonth(ctx, start, months);
}, { pure: true });

/**
 * EDATE and EOMONTH in the numeric variant of a generated shape (codegen
 * `numeric_expr`): the arguments as numbers (a cell's number, 0 for a blank one), the
 * serial EDATE/EOMONTH give for them, or NaN where they give an error or an argument is
 * not a number (NaN): the cell then takes the general code, with Excel's coercions.
 */
export function nedate(x: Ctx, start: number, months: number): number {
  if (start !== start || months !== months) return NaN;
  const v = edate(x, start, months);
  return typeof v === 'number' ? v : NaN;
}

/** EOMONTH's numeric form (see `nedate`). */
export function neomonth(x: Ctx, start: number, months: number): number {
  if (start !== start || months !== months) return NaN;
  const v = eomonth(x, start, months);
  return typeof v === 'number' ? v : NaN;
}

// ---------------------------------------------------------------------------------
// Working days

/** Weekend mask indexed by weekday 0 = Sunday; null when the argument is invalid. */
function weekendMask(v: Scalar | undefined): boolean[] | ExcelError {
  if (v === undefined || v === null) return [true, false, false, false, false, false, true];
  if (v instanceof ExcelError) return v;
  if (typeof v === 'string') {
    if (!/^[01]{7}$/.test(v)) return ERR.VALUE;
    // The string starts with Monday.
    const mask = new Array<boolean>(7);
    for (let i = 0; i < 7; i++) mask[(i + 1) % 7] = v[i] === '1';
    return mask;
  }
  if (typeof v === 'boolean') return ERR.VALUE;
  const n = Math.trunc(v);
  const mask = new Array<boolean>(7).fill(false);
  if (n >= 1 && n <= 7) {
    // 1: Sat+Sun, 2: Sun+Mon, ..., 7: Fri+Sat.
    mask[(n + 5) % 7] = true;
    mask[(n + 6) % 7] = true;
  } else if (n >= 11 && n <= 17) mask[(n - 11) % 7] = true; // 11: Sunday only ... 17: Saturday only
  else return ERR.NUM;
  return mask;
}

/** The holiday serials (sorted, unique): numbers from references/arrays; text → #VALUE!. */
function holidayList(v: Value | undefined, ctx: Ctx): number[] | ExcelError {
  if (v === undefined) return [];
  const out: number[] = [];
  let err: ExcelError | null = null;
  forEachValue([v], (x) => {
    if (x === null) return true;
    if (x instanceof ExcelError) {
      err = x;
      return false;
    }
    let n: number;
    if (typeof x === 'number') n = x;
    else if (typeof x === 'string') {
      // Date text is read (Excel's example passes {"2006/1/2","2006/1/16"}).
      const p = parseDateTime(x);
      if (p === undefined) {
        err = ERR.VALUE;
        return false;
      }
      n = p;
    } else {
      err = ERR.VALUE;
      return false;
    }
    const s = dateArg(n, ctx);
    if (s instanceof ExcelError) {
      err = s;
      return false;
    }
    out.push(s);
    return true;
  });
  if (err) return err;
  out.sort((p, q) => p - q);
  const uniq: number[] = [];
  for (const h of out) if (uniq[uniq.length - 1] !== h) uniq.push(h);
  return uniq;
}

/** Working days in [s, e] (s ≤ e) under the mask, minus holidays that are working days. */
function countWorkdays(s: number, e: number, mask: boolean[], holidays: number[], ctx: Ctx): number {
  let perWeek = 0;
  for (const w of mask) if (!w) perWeek++;
  const total = e - s + 1;
  const weeks = Math.floor(total / 7);
  let n = weeks * perWeek;
  const wd0 = weekday0(s, ctx);
  for (let i = weeks * 7; i < total; i++) if (!mask[(wd0 + i) % 7]) n++;
  for (const h of holidays) if (h >= s && h <= e && !mask[weekday0(h, ctx)]) n--;
  return n;
}

function networkdays(ctx: Ctx, start: number, end: number, weekend: Scalar | undefined, hol: Value | undefined): Scalar {
  const s = dateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  const e = dateArg(end, ctx);
  if (e instanceof ExcelError) return e;
  const mask = weekendMask(weekend);
  if (mask instanceof ExcelError) return mask;
  if (mask.every((w) => w)) return ERR.VALUE;
  const holidays = holidayList(hol, ctx);
  if (holidays instanceof ExcelError) return holidays;
  return s <= e ? countWorkdays(s, e, mask, holidays, ctx) : -countWorkdays(e, s, mask, holidays, ctx);
}

defineFn('NETWORKDAYS', ['number', 'number', 'any'], 2, 3, (ctx, s: number, e: number, hol?: Value) =>
  networkdays(ctx, s, e, undefined, hol),
);
defineFn(
  'NETWORKDAYS.INTL',
  ['number', 'number', 'scalar', 'any'],
  2,
  4,
  (ctx, s: number, e: number, weekend?: Scalar, hol?: Value) => networkdays(ctx, s, e, weekend, hol),
);

/** True when a sorted list holds a value in [lo, hi]. */
function anyBetween(sorted: number[], lo: number, hi: number): boolean {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (sorted[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return a < sorted.length && sorted[a]! <= hi;
}

function workday(ctx: Ctx, start: number, days: number, weekend: Scalar | undefined, hol: Value | undefined): Scalar {
  const s = dateArg(start, ctx);
  if (s instanceof ExcelError) return s;
  const mask = weekendMask(weekend);
  if (mask instanceof ExcelError) return mask;
  if (mask.every((w) => w)) return ERR.VALUE;
  const holidays = holidayList(hol, ctx);
  if (holidays instanceof ExcelError) return holidays;
  let left = Math.trunc(days);
  const step = left < 0 ? -1 : 1;
  const isHoliday = new Set(holidays);
  let perWeek = 0;
  for (const w of mask) if (!w) perWeek++;
  let d = s;
  const max = maxSerial(ctx.book.date1904);
  // Whole weeks are skipped at once when no holiday falls inside them.
  while (Math.abs(left) > perWeek) {
    const next = d + 7 * step;
    if (!anyBetween(holidays, Math.min(d, next), Math.max(d, next))) {
      d = next;
      left -= perWeek * step;
      if (d < 0 || d > max) return ERR.NUM;
      continue;
    }
    d += step;
    if (d < 0 || d > max) return ERR.NUM;
    if (!mask[weekday0(d, ctx)] && !isHoliday.has(d)) left -= step;
  }
  while (left !== 0) {
    d += step;
    if (d < 0 || d > max) return ERR.NUM;
    if (!mask[weekday0(d, ctx)] && !isHoliday.has(d)) left -= step;
  }
  return d;
}

defineFn('WORKDAY', ['number', 'number', 'any'], 2, 3, (ctx, s: number, n: number, hol?: Value) =>
  workday(ctx, s, n, undefined, hol),
);
defineFn(
  'WORKDAY.INTL',
  ['number', 'number', 'scalar', 'any'],
  2,
  4,
  (ctx, s: number, n: number, weekend?: Scalar, hol?: Value) => workday(ctx, s, n, weekend, hol),
);
