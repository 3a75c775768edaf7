/**
 * Excel serial dates. The 1900 system counts 1900-01-01 as 1 and includes the
 * fictitious 1900-02-29 (serial 60), kept for Lotus 1-2-3 compatibility; the 1904
 * system counts 1904-01-01 as 0.
 */

export interface YMD {
  y: number;
  m: number; // 1-12
  d: number; // 1-31
}

const MS_PER_DAY = 86400000;
const EPOCH_1900 = Date.UTC(1899, 11, 31); // serial 0 = 1900-01-00
const EPOCH_1904 = Date.UTC(1904, 0, 1); // serial 0 in the 1904 system

/** Serial of a date (DATE's normalisation of month/day overflow applies). */
export function serialFromYMD(y: number, m: number, d: number, date1904 = false): number {
  if (plainYearMonth(y, m) && Number.isInteger(d)) {
    // Integer arithmetic (Date.UTC costs ~100 ns; EOMONTH and DATE run per timeline cell).
    const days = daysFromCivil(y, m) + d - 1;
    if (date1904) return days - DAYS_TO_1904;
    const s = days - DAYS_TO_1900;
    return s >= 60 ? s + 1 : s;
  }
  const ms = Date.UTC(y, m - 1, 1) + (d - 1) * MS_PER_DAY;
  if (date1904) return Math.round((ms - EPOCH_1904) / MS_PER_DAY);
  let s = Math.round((ms - EPOCH_1900) / MS_PER_DAY);
  // Dates from 1900-03-01 on are one more than the real day count (the phantom Feb 29).
  if (s >= 60) s += 1;
  return s;
}

/** Calendar date of a serial (the integer part). Serial 60 in the 1900 system is 1900-02-29. */
export function ymdFromSerial(serial: number, date1904 = false): YMD {
  let n = Math.floor(serial);
  if (!date1904) {
    if (n === 60) return { y: 1900, m: 2, d: 29 };
    if (n === 0) return { y: 1900, m: 1, d: 0 };
    if (n > 60) n -= 1;
  }
  return civilFromDays(n + (date1904 ? DAYS_TO_1904 : DAYS_TO_1900));
}

/**
 * A year and month `Date.UTC` takes as written: a whole year from 100 (it maps 0-99 to
 * 1900-1999) and a whole month 1-12, for which the integer calendar below is exact.
 */
function plainYearMonth(y: number, m: number): boolean {
  return Number.isInteger(y) && y >= 100 && y <= 200000 && Number.isInteger(m) && m >= 1 && m <= 12;
}

/** Days from 1970-01-01 to the first of month `m` (1-12) of year `y` (H. Hinnant's days_from_civil). */
function daysFromCivil(y0: number, m: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days from 1970-01-01 to each system's serial 0. */
const DAYS_TO_1900 = Math.round(EPOCH_1900 / MS_PER_DAY);
const DAYS_TO_1904 = Math.round(EPOCH_1904 / MS_PER_DAY);

/**
 * Calendar date of a day count from 1970-01-01 (proleptic Gregorian), by integer
 * arithmetic (H. Hinnant's civil_from_days): no Date object per call, since MONTH/YEAR
 * run once per cell of a timeline.
 */
function civilFromDays(z0: number): YMD {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/**
 * One part of a serial's calendar date (0 year, 1 month, 2 day), as `ymdFromSerial`
 * gives it, without the result object: YEAR/MONTH/DAY run once per cell of a timeline.
 * The calendar arithmetic is a chain of divisions (~40 ns); models ask about a few
 * thousand distinct days, so results are kept in a small direct-mapped cache (exact:
 * the function is pure, and each slot stores the key it holds).
 */
export function ymdPartFromSerial(serial: number, date1904: boolean, part: 0 | 1 | 2): number {
  const n = Math.floor(serial);
  if (n >= 0 && n <= MAX_CACHED_DAY) {
    const packed = packedYmd(n, date1904);
    return part === 0 ? packed >> 9 : part === 1 ? (packed >> 5) & 15 : packed & 31;
  }
  const d = ymdFromSerial(n, date1904);
  return part === 0 ? d.y : part === 1 ? d.m : d.d;
}

/**
 * `ymdFromSerial(n)` packed as y * 512 + m * 32 + d, through the cache: for a whole `n`
 * from 0 to MAX_CACHED_DAY (the caller checks).
 */
export function packedYmd(n: number, date1904: boolean): number {
  const key = 2 * n + (date1904 ? 1 : 0);
  const slot = n & (YMD_CACHE_SIZE - 1);
  if (ymdCacheKeys[slot] === key) return ymdCacheValues[slot]!;
  const d = ymdFromSerial(n, date1904);
  const packed = d.y * 512 + d.m * 32 + d.d;
  ymdCacheKeys[slot] = key;
  ymdCacheValues[slot] = packed;
  return packed;
}

/** Days covered by the cache: every valid serial (9999-12-31 is 2958465), packed in 31 bits. */
export const MAX_CACHED_DAY = 2958465;
const YMD_CACHE_SIZE = 4096;
const ymdCacheKeys = new Int32Array(YMD_CACHE_SIZE).fill(-1);
/** y * 512 + m * 32 + d. */
const ymdCacheValues = new Int32Array(YMD_CACHE_SIZE);

/** Day of week 0 = Sunday ... 6 = Saturday, as Excel computes it (1900-01-01 was a Sunday in Excel). */
export function weekdayFromSerial(serial: number, date1904 = false): number {
  const n = Math.floor(serial) + (date1904 ? 1462 : 0);
  // Serial 1 (1900-01-01) is a Sunday in Excel's (buggy) calendar.
  return (((n - 1) % 7) + 7) % 7;
}

/** Hours, minutes, seconds of the fractional part, rounded to the nearest second like Excel. */
export function timeFromSerial(serial: number): { h: number; mi: number; s: number; ms: number } {
  const frac = serial - Math.floor(serial);
  let totalMs = Math.round(frac * MS_PER_DAY);
  if (totalMs >= MS_PER_DAY) totalMs = MS_PER_DAY - 1;
  const h = Math.floor(totalMs / 3600000);
  const mi = Math.floor((totalMs % 3600000) / 60000);
  const s = Math.floor((totalMs % 60000) / 1000);
  return { h, mi, s, ms: totalMs % 1000 };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  if (plainYearMonth(y, m)) return m === 2 ? (isLeapYear(y) ? 29 : 28) : MONTH_DAYS[m - 1]!;
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Largest valid serial (9999-12-31). */
export const MAX_SERIAL_1900 = 2958465;
