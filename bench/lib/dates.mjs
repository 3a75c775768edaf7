/**
 * Calendar arithmetic the bench scripts share (the generators write date serials, the
 * hand-written models compute month ends): proleptic Gregorian day counts (Howard
 * Hinnant's civil-from-days algorithms) and Excel's 1900-system serials. Kept apart from
 * sheetc's runtime on purpose: a hand-written baseline must not borrow the engine's code.
 */

/** Excel 1900-system serial of 1970-01-01 (valid for serials after 1900-02-28). */
export const SERIAL_1970 = 25569;

/** Days from 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year and month (1-12) of a day count from 1970-01-01. */
export function yearMonthFromDays(z) {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m];
}
