import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { MAX_CACHED_DAY, daysInMonth, packedYmd, serialFromYMD, ymdFromSerial } from '../../ts/runtime/dates.js';
import { numberToText } from '../../ts/runtime/coerce.js';
import { rng } from '../helpers/random.js';
import { call, callIn, col, ctx, makeBook } from '../helpers/runtime.js';

const close = (a: unknown, b: number) => typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

test('DATE normalises month/day overflow, years 0-1899 and the 1900 bug (corpus DATE.xlsx)', (t) => {
  t.is(call('DATE', 2025, 1, 10), 45667); // corpus DAYS_DAYS360.xlsx A2
  t.is(call('DATE', 1900, 2, 29), 60); // Excel's fictitious 1900-02-29
  t.is(call('DATE', 1900, 3, 1), 61);
  t.is(call('DATE', 1900, 3, 0), 60);
  t.is(call('DATE', 100, 1, 1), call('DATE', 2000, 1, 1)); // 0-1899 adds 1900
  t.is(call('DATE', 2024, 13, 1), call('DATE', 2025, 1, 1));
  t.is(call('DATE', 2024, 1, 0), call('DATE', 2023, 12, 31));
  t.is(call('DATE', 9999, 13, -1), ERR.NUM); // corpus DATE.xlsx D5
  t.is(call('DATE', -1, 1, 1), ERR.NUM);
  t.is(call('DATE', 'x', 1, 1), ERR.VALUE);
  t.is(callIn(ctx({}, makeBook([], { date1904: true })), 'DATE', 1904, 1, 2), 1);
});

test('YEAR/MONTH/DAY agree with the calendar date of the serial, in both date systems', (t) => {
  // Every day around the 1900 quirks, then a stride over the whole valid range.
  const serials: number[] = [];
  for (let s = 0; s <= 800; s++) serials.push(s);
  for (let s = 800; s <= 2958465; s += 997) serials.push(s, s + 0.75);
  serials.push(2958465);
  for (const date1904 of [false, true]) {
    const c = ctx({}, makeBook([], { date1904 }));
    for (const s of serials) {
      if (s > (date1904 ? 2957003 : 2958465)) continue; // past 9999-12-31: #NUM!
      const d = ymdFromSerial(s, date1904);
      if (callIn(c, 'YEAR', s) !== d.y || callIn(c, 'MONTH', s) !== d.m || callIn(c, 'DAY', s) !== d.d) {
        t.fail(`serial ${s} (1904: ${date1904}): ${String(callIn(c, 'YEAR', s))}-${String(callIn(c, 'MONTH', s))}-${String(callIn(c, 'DAY', s))}, want ${d.y}-${d.m}-${d.d}`);
        return;
      }
    }
  }
  t.pass();
});

test('YEAR/MONTH/DAY/WEEKDAY of serials, incl. 0 and 60', (t) => {
  t.is(call('YEAR', 45667), 2025);
  t.is(call('MONTH', 60), 2);
  t.is(call('DAY', 60), 29);
  t.is(call('DAY', 0), 0);
  t.is(call('DAY', -1), ERR.NUM);
  t.is(call('YEAR', 2958466), ERR.NUM);
  t.is(call('WEEKDAY', 45667), 6); // 2025-01-10 is a Friday
  t.is(call('WEEKDAY', 45667, 2), 5);
  t.is(call('WEEKDAY', 45667, 3), 4);
  t.is(call('WEEKDAY', 45667, 9), ERR.NUM);
});

test('TIME and HOUR/MINUTE/SECOND', (t) => {
  t.true(close(call('TIME', 16, 30, 0), 0.6875));
  t.true(close(call('TIME', 25, 0, 0), 1 / 24)); // wraps past a day
  t.is(call('TIME', -1, 0, 0), ERR.NUM);
  t.is(call('HOUR', 0.6875), 16);
  t.is(call('MINUTE', 0.6875), 30);
  t.is(call('SECOND', call('TIME', 1, 2, 3)), 3);
});

test('DATEVALUE and TIMEVALUE parse text only', (t) => {
  t.is(call('DATEVALUE', '2025-01-10'), 45667);
  t.is(call('DATEVALUE', 45667), ERR.VALUE);
  t.is(call('DATEVALUE', 'nonsense'), ERR.VALUE);
  t.true(close(call('TIMEVALUE', '16:30'), 0.6875));
});

test('DAYS and DAYS360 (corpus DAYS_DAYS360.xlsx)', (t) => {
  t.is(call('DAYS', 45667, 45658), 9);
  t.is(call('DAYS360', 45350, 45352), 3); // 2024-02-28 -> 2024-03-01
  t.is(call('DAYS360', 45351, 45716), 358); // 2024-02-29 -> 2025-02-28
  t.is(call('DAYS360', 45838, 45869), 30); // 06-30 -> 07-31
  t.is(call('DAYS360', 45992.000001, 46000.999999), 9); // dates rounded to the second
  t.is(call('DAYS', -5, -10), ERR.NUM);
  t.is(call('DAYS360', call('DATE', 2025, 1, 1), call('DATE', 2025, 1, 31), true), 29);
});

test('EDATE/EOMONTH clamp to month ends; booleans months are #VALUE!', (t) => {
  t.is(call('EDATE', call('DATE', 2024, 1, 31), 1), call('DATE', 2024, 2, 29));
  t.is(call('EOMONTH', call('DATE', 2023, 3, 5), -1), call('DATE', 2023, 2, 28));
  t.is(call('EOMONTH', 44987, true), ERR.VALUE); // corpus EOMONTH.xlsx C11
  t.is(call('EDATE', 10, -1), ERR.NUM);
});

test('YEARFRAC bases (Excel documentation: 2012-01-01 to 2012-07-30)', (t) => {
  const s = call('DATE', 2012, 1, 1);
  const e = call('DATE', 2012, 7, 30);
  t.true(close(call('YEARFRAC', s, e), 0.58055555555556));
  t.true(close(call('YEARFRAC', s, e, 1), 0.57650273224044));
  t.true(close(call('YEARFRAC', s, e, 3), 0.57808219178082));
  t.is(call('YEARFRAC', s, e, 5), ERR.NUM);
});

test('DATEDIF units (Excel documentation examples)', (t) => {
  const a = call('DATE', 2001, 1, 1);
  t.is(call('DATEDIF', a, call('DATE', 2003, 1, 1), 'Y'), 2);
  t.is(call('DATEDIF', call('DATE', 2001, 6, 1), call('DATE', 2002, 8, 15), 'D'), 440);
  t.is(call('DATEDIF', call('DATE', 2001, 6, 1), call('DATE', 2002, 8, 15), 'YD'), 75);
  t.is(call('DATEDIF', call('DATE', 2015, 1, 31), call('DATE', 2015, 3, 1), 'MD'), -2); // Excel's known MD quirk
  t.is(call('DATEDIF', call('DATE', 2003, 1, 1), a, 'Y'), ERR.NUM);
  t.is(call('DATEDIF', a, a, 'Q'), ERR.NUM);
});

test('WEEKNUM and ISOWEEKNUM', (t) => {
  t.is(call('WEEKNUM', call('DATE', 2012, 3, 9)), 10); // Excel documentation
  t.is(call('WEEKNUM', call('DATE', 2012, 3, 9), 2), 11);
  t.is(call('ISOWEEKNUM', call('DATE', 2012, 3, 9)), 10);
  t.is(call('ISOWEEKNUM', call('DATE', 2021, 1, 1)), 53);
  t.is(call('WEEKNUM', call('DATE', 2021, 1, 1), 21), 53);
});

test('NETWORKDAYS / WORKDAY with holidays and weekend masks (Excel documentation)', (t) => {
  const start = call('DATE', 2012, 10, 1);
  const end = call('DATE', 2013, 3, 1);
  const hol = col([call('DATE', 2012, 11, 22) as number, call('DATE', 2012, 12, 4) as number, call('DATE', 2013, 1, 21) as number]);
  t.is(call('NETWORKDAYS', start, end), 110);
  t.is(call('NETWORKDAYS', start, end, hol), 107);
  t.is(call('NETWORKDAYS', end, start), -110);
  t.is(call('NETWORKDAYS.INTL', call('DATE', 2006, 1, 1), call('DATE', 2006, 1, 31)), 22);
  t.is(call('NETWORKDAYS.INTL', call('DATE', 2006, 1, 1), call('DATE', 2006, 2, 1), 7, new Matrix(1, 2, ['2006/1/2', '2006/1/16'])), 22);
  t.is(call('NETWORKDAYS.INTL', call('DATE', 2006, 1, 1), call('DATE', 2006, 2, 1), '0010001', new Matrix(1, 2, ['2006/1/2', '2006/1/16'])), 20);
  t.is(call('NETWORKDAYS.INTL', start, end, '1111111'), ERR.VALUE);
  t.is(call('NETWORKDAYS.INTL', start, end, 8), ERR.NUM);
  const d = call('DATE', 2008, 10, 1);
  const h2 = col([call('DATE', 2008, 11, 26) as number, call('DATE', 2008, 12, 4) as number, call('DATE', 2009, 1, 21) as number]);
  t.is(call('WORKDAY', d, 151), call('DATE', 2009, 4, 30));
  t.is(call('WORKDAY', d, 151, h2), call('DATE', 2009, 5, 5));
  t.is(call('WORKDAY.INTL', call('DATE', 2012, 1, 1), 30, 0), ERR.NUM);
  t.is(call('WORKDAY.INTL', call('DATE', 2012, 1, 1), 90, 11), 41013);
  t.is(call('WORKDAY.INTL', call('DATE', 2012, 1, 1), 30, 17), 40944);
  t.is(call('WORKDAY', d, -5), call('DATE', 2008, 9, 24));
});

test('NOW and TODAY read the book clock', (t) => {
  t.is(callIn(ctx({}, makeBook([], { now: 45000.75 })), 'NOW'), 45000.75);
  t.is(callIn(ctx({}, makeBook([], { now: 45000.75 })), 'TODAY'), 45000);
});

test('the integer calendar of serialFromYMD and daysInMonth is the Date one, wherever it applies', (t) => {
  // The definitions the fast paths replace (Date.UTC), as they were.
  const MS = 86400000;
  const e1900 = Date.UTC(1899, 11, 31);
  const e1904 = Date.UTC(1904, 0, 1);
  const bySerialDate = (y: number, m: number, d: number, d1904: boolean) => {
    const ms = Date.UTC(y, m - 1, 1) + (d - 1) * MS;
    if (d1904) return Math.round((ms - e1904) / MS);
    const s = Math.round((ms - e1900) / MS);
    return s >= 60 ? s + 1 : s;
  };
  const rand = rng(1904);
  const years = [100, 399, 400, 1600, 1899, 1900, 1904, 2000, 2024, 2100, 9999, 10000, 199999];
  for (let i = 0; i < 20000; i++) years.push(100 + Math.floor(rand() * 10000));
  let checked = 0;
  for (const y of years) {
    const m = 1 + Math.floor(rand() * 12);
    const d = Math.floor(rand() * 800) - 400;
    for (const d1904 of [false, true]) {
      t.is(serialFromYMD(y, m, d, d1904), bySerialDate(y, m, d, d1904), `${y}-${m}-${d} ${d1904}`);
      checked++;
    }
    for (let mm = 1; mm <= 12; mm++) t.is(daysInMonth(y, mm), new Date(Date.UTC(y, mm, 0)).getUTCDate(), `${y}-${mm}`);
  }
  // Outside it (years 0-99, months out of 1-12, fractions) the Date path still answers.
  t.is(serialFromYMD(99, 1, 1), bySerialDate(99, 1, 1, false));
  t.is(serialFromYMD(2024, 14, 1), bySerialDate(2024, 14, 1, false));
  t.is(serialFromYMD(2024, 0, 1.5), bySerialDate(2024, 0, 1.5, false));
  t.is(daysInMonth(2023, 13), 31);
  t.true(checked > 40000);
});

test('the cached calendar date (EDATE, EOMONTH, YEAR, MONTH, DAY) is the computed one for every day it covers', (t) => {
  let wrong = 0;
  // Every day twice (the cache is direct-mapped: the second pass reads what the first kept, or what replaced it).
  for (const d1904 of [false, true]) {
    for (let pass = 0; pass < 2; pass++) {
      for (let n = 0; n <= MAX_CACHED_DAY; n += pass === 0 ? 1 : 7) {
        const p = packedYmd(n, d1904);
        const d = ymdFromSerial(n, d1904);
        if (p >> 9 !== d.y || ((p >> 5) & 15) !== d.m || (p & 31) !== d.d) wrong++;
      }
    }
  }
  t.is(wrong, 0);
  // Through the functions: before the first day, in range, at the last one, past it.
  t.is(call('EOMONTH', 45658, 1), 45716);
  t.is(call('EDATE', 45688, 1), 45716);
  t.is(call('EOMONTH', MAX_CACHED_DAY, 0), MAX_CACHED_DAY);
  t.is(call('EOMONTH', MAX_CACHED_DAY + 1, 0), ERR.NUM);
  t.is(call('EDATE', -1, 0), ERR.NUM);
});

test('EOMONTH and EDATE agree with DATE over both date systems, the 1900 leap day and the range ends', (t) => {
  // By definition EOMONTH(s, k) is DATE(y, m + k + 1, 0) and EDATE(s, k) is DATE(y, m + k,
  // MIN(d, DAY(EOMONTH(s, k)))), with y, m, d the date of s (YEAR, MONTH, DAY); outside
  // 1900-01-01 .. 9999-12-31 both are #NUM!. DATE computes through serialFromYMD, not
  // through the month starts EOMONTH and EDATE keep.
  const draw = rng(21);
  let checked = 0;
  for (const date1904 of [false, true]) {
    const x = ctx({}, makeBook([], { date1904 }));
    const starts = [0, 1, 31, 59, 60, 61, 365, 1462, 2958465 - 400, 2958100];
    for (let i = 0; i < 4000; i++) {
      const s = i < starts.length ? starts[i]! : Math.floor(draw() * 2958465);
      const k = i % 3 === 0 ? Math.floor(draw() * 240) - 120 : Math.floor(draw() * 7) - 3;
      const y = callIn(x, 'YEAR', s) as number;
      const m = callIn(x, 'MONTH', s) as number;
      const d = callIn(x, 'DAY', s) as number;
      const target = y * 12 + m - 1 + k;
      const inRange = target >= 1900 * 12 && target < 10000 * 12;
      const end = inRange ? callIn(x, 'DATE', y, m + k + 1, 0) : ERR.NUM;
      const eom = callIn(x, 'EOMONTH', s, k);
      if (typeof end === 'number' && end < 0) t.is(eom, ERR.NUM, `EOMONTH(${s}, ${k})`);
      else t.is(eom, end, `EOMONTH(${s}, ${k}) in the ${date1904 ? 1904 : 1900} system`);
      const edate = callIn(x, 'EDATE', s, k);
      if (typeof eom === 'number') {
        const expected = callIn(x, 'DATE', y, m + k, Math.min(d, callIn(x, 'DAY', eom) as number));
        t.is(edate, expected, `EDATE(${s}, ${k})`);
      } else t.is(edate, ERR.NUM);
      checked++;
    }
  }
  t.is(checked, 8000);
  t.is(call('EOMONTH', 45, 0), 60); // February 1900 ends on the phantom 29th
  t.is(call('EDATE', 31, 1), 60); // 1900-01-31 plus a month
});

test('a whole number joined into text is written as Excel writes it, as the general path does', (t) => {
  // The general path (15 significant digits, shortest form) the integer one skips.
  const general = (n: number) => Number(n.toPrecision(15)).toString();
  const rand = rng(15);
  for (let i = 0; i < 20000; i++) {
    const digits = 1 + Math.floor(rand() * 15);
    const n = Math.floor(rand() * 10 ** digits) * (rand() < 0.3 ? -1 : 1);
    if (n === 0) continue;
    t.is(numberToText(n), general(n), String(n));
  }
  t.is(numberToText(999999999999999), '999999999999999');
  t.is(numberToText(1e15), '1E+15');
  t.is(numberToText(-45658), '-45658');
  t.is(numberToText(0.5), '0.5');
});
