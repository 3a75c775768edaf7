/**
 * Serial-number helpers of Excel's calendar shared by the date and financial families
 * (no registrations here: importing this module defines no function).
 */
import { daysInMonth, isLeapYear, serialFromYMD, ymdFromSerial } from '../../dates.js';
import { ERR, ExcelError, type Ctx } from '../../values.js';
/** Largest serial (9999-12-31) of each date system. */
export function maxSerial(date1904: boolean): number {
  return date1904 ? 2957003 : 2958465;
}

/**
 * Serial of (y, m, d) in Excel's calendar: month overflow normalised like DATE; the day is
 * added to the first of the month, so DATE(1900,3,0) is 60 (the phantom 1900-02-29).
 */
export function excelSerial(y: number, m: number, d: number, date1904: boolean): number {
  return serialFromYMD(y, m, 1, date1904) + d - 1;
}

/** Days in a month of Excel's calendar (February 1900 has 29 days in the 1900 system). */
export function excelDaysInMonth(y: number, m: number, date1904: boolean): number {
  if (!date1904 && y === 1900 && m === 2) return 29;
  return daysInMonth(y, m);
}

/** A date argument as a whole serial: truncated; negative or past 9999-12-31 → #NUM!. */
export function dateArg(n: number, ctx: Ctx): number | ExcelError {
  if (n < 0 || n >= maxSerial(ctx.book.date1904) + 1) return ERR.NUM;
  return Math.floor(n);
}

/** Is (y, m, d) the last day of February in Excel's calendar? */
export function isLastOfFeb(y: number, m: number, d: number, date1904: boolean): boolean {
  return m === 2 && d === excelDaysInMonth(y, m, date1904);
}

/** YEARFRAC for whole serials start ≤ end. */
export function yearFrac(s: number, e: number, basis: number, date1904: boolean): number {
  if (s > e) [s, e] = [e, s];
  const a = ymdFromSerial(s, date1904);
  const b = ymdFromSerial(e, date1904);
  switch (basis) {
    case 0: {
      let d1 = a.d;
      let d2 = b.d;
      const feb1 = isLastOfFeb(a.y, a.m, a.d, date1904);
      const feb2 = isLastOfFeb(b.y, b.m, b.d, date1904);
      if (d1 === 31 && d2 === 31) {
        d1 = 30;
        d2 = 30;
      } else if (d1 === 31) d1 = 30;
      else if (d1 === 30 && d2 === 31) d2 = 30;
      else if (feb1 && feb2) {
        d1 = 30;
        d2 = 30;
      } else if (feb1) d1 = 30;
      return ((b.y - a.y) * 360 + (b.m - a.m) * 30 + d2 - d1) / 360;
    }
    case 1:
      return actualActual(s, e, a, b, date1904);
    case 2:
      return (e - s) / 360;
    case 3:
      return (e - s) / 365;
    default: {
      const d1 = Math.min(a.d, 30);
      const d2 = Math.min(b.d, 30);
      return ((b.y - a.y) * 360 + (b.m - a.m) * 30 + d2 - d1) / 360;
    }
  }
}

/**
 * Actual/actual as YEARFRAC computes it: within a year (or less than a year apart) the
 * year length is 366 when a February 29 falls in the span, else 365; over several years
 * it is the average length of the calendar years touched.
 */
function actualActual(
  s: number,
  e: number,
  a: { y: number; m: number; d: number },
  b: { y: number; m: number; d: number },
  date1904: boolean,
): number {
  const days = e - s;
  const withinYear = a.y === b.y || (a.y + 1 === b.y && (a.m > b.m || (a.m === b.m && a.d >= b.d)));
  if (withinYear) {
    let len = 365;
    if (a.y === b.y) {
      if (isLeapYear(a.y)) len = 366;
    } else {
      const mar1a = excelSerial(a.y, 3, 1, date1904);
      const mar1b = excelSerial(b.y, 3, 1, date1904);
      if (isLeapYear(a.y) && s < mar1a) len = 366;
      else if (isLeapYear(b.y) && e >= mar1b) len = 366;
    }
    return days / len;
  }
  const years = b.y - a.y + 1;
  const span = excelSerial(b.y + 1, 1, 1, date1904) - excelSerial(a.y, 1, 1, date1904);
  return days / (span / years);
}
