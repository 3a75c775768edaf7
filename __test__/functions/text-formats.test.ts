/**
 * TEXT() with literal text, scaling commas, separators in unusual places, locale and
 * system prefixes; CHAR/CODE on the Windows and the Mac character sets. Expected values:
 * Excel's TEXT and "Number format codes" pages, Excel's CHAR page, and the corpus.
 */
import test from 'ava';
import { ERR } from '../../ts/runtime/index.js';
import { call, callIn, ctx, makeBook } from '../helpers/runtime.js';

test('TEXT: the examples of Excel\'s TEXT page', (t) => {
  t.is(call('TEXT', 1234.567, '$#,##0.00'), '$1,234.57');
  t.is(call('TEXT', 0.285, '0.0%'), '28.5%');
  t.is(call('TEXT', 4.34, '# ?/?'), '4 1/3');
  t.is(call('TEXT', 12200000, '0.00E+00'), '1.22E+07');
  t.is(call('TEXT', 1234567898, '[<=9999999]###-####;(###) ###-####'), '(123) 456-7898');
  t.is(call('TEXT', 1234, '0000000'), '0001234');
  t.is(call('TEXT', 123456, "##0° 00' 00''"), "12° 34' 56''");
});

test('TEXT: commas scale by a thousand after the last digit placeholder, separate thousands between them', (t) => {
  // "Number format codes": #,### shows 12,000; #, shows 12; 0.0,, shows 12.2 (of 12,200,000).
  t.is(call('TEXT', 12000, '#,###'), '12,000');
  t.is(call('TEXT', 12000, '#,'), '12');
  t.is(call('TEXT', 12200000, '0.0,,'), '12.2');
  t.is(call('TEXT', 1234567, '#,##0,,'), '1');
  t.is(call('TEXT', 1234567, '0.0,,"M"'), '1.2M');
  t.is(call('TEXT', 1234567, '#,###,'), '1,235');
  // One comma anywhere between digit placeholders turns the separator on.
  t.is(call('TEXT', 1234567, '0,0'), '1,234,567');
  t.is(call('TEXT', 1234, '0,000.00'), '1,234.00');
  // An escaped comma or dot is literal text, placed among the digits.
  t.is(call('TEXT', 1234, '#\\,##0'), '1,234');
  t.is(call('TEXT', 1234, '0\\.0'), '123.4');
  t.is(call('TEXT', 12, '000-00'), '000-12');
});

test('TEXT: literal text in quotes, after a backslash, or as display characters', (t) => {
  t.is(call('TEXT', 1234, '"Total: "0'), 'Total: 1234');
  t.is(call('TEXT', 1234, '0 "units"'), '1234 units');
  t.is(call('TEXT', -5, '0;-0;"zero"'), '-5');
  t.is(call('TEXT', 0, '0;-0;"zero"'), 'zero');
  t.is(call('TEXT', 'abc', '"x"@"y"'), 'xabcy');
  t.is(call('TEXT', 1234, '[>=1000]#,##0,"K";0'), '1K');
  t.is(call('TEXT', 1234, '_(#,##0_)'), ' 1,234 ');
});

test('TEXT: locale prefixes and Excel\'s system date/time formats', (t) => {
  t.is(call('TEXT', 45000, '[$-409]mmmm d, yyyy'), 'March 15, 2023');
  t.is(call('TEXT', 1234.5, '[$€-2] #,##0.00'), '€ 1,234.50');
  t.is(call('TEXT', 1234.5, '#,##0.00 [$€-1]'), '1,234.50 €');
  // [$-F800] / [$-F400]: the system long date and time (en-US: "dddd, mmmm d, yyyy", "h:mm:ss AM/PM").
  t.is(call('TEXT', 45000, '[$-F800]'), 'Wednesday, March 15, 2023');
  t.is(call('TEXT', 45000.5, '[$-F400]'), '12:00:00 PM');
  // e is the (Gregorian) era year: corpus formula_stress_test.xlsx Text!B15.
  t.is(call('TEXT', 28313, 'ee-mm-dd'), '1977-07-07');
});

test('CHAR/CODE: Windows-1252 by default, Mac Roman when the book says the file came from Excel for Mac', (t) => {
  const win = ctx();
  const mac = ctx({}, { ...makeBook(), macCharset: true } as ReturnType<typeof makeBook>);
  // Excel's CHAR page: CHAR(65) is "A", CHAR(33) is "!" on both.
  t.is(callIn(win, 'CHAR', 65), 'A');
  t.is(callIn(mac, 'CHAR', 33), '!');
  // Windows-1252: 128 is the euro sign, 233 é.
  t.is(callIn(win, 'CHAR', 128), '€');
  t.is(callIn(win, 'CHAR', 233), 'é');
  t.is(callIn(win, 'CODE', '€'), 128);
  // Mac Roman: corpus formula_stress_test.xlsx (saved by "Microsoft Macintosh Excel"):
  // CHAR(240) is U+F8FF and CODE of U+F8FF is 240; 128 is Ä, 219 the euro sign.
  t.is(callIn(mac, 'CHAR', 240), '\uf8ff');
  t.is(callIn(mac, 'CODE', '\uf8ff'), 240);
  t.is(callIn(mac, 'CHAR', 128), 'Ä');
  t.is(callIn(mac, 'CODE', 'é'), 142);
  t.is(callIn(win, 'CODE', 'é'), 233);
  // A character outside the set reads as "?" (63); CHAR outside 1..255 is #VALUE!.
  t.is(callIn(mac, 'CODE', '\u4e00'), 63);
  t.is(callIn(mac, 'CHAR', 256), ERR.VALUE);
  // Every byte round-trips through CHAR and CODE in both sets.
  for (const c of [win, mac]) for (let k = 1; k < 256; k++) t.is(callIn(c, 'CODE', callIn(c, 'CHAR', k) as string), k);
});
