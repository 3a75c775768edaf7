/**
 * One case rule for sheet names in the compiler and the runtime: `sheetKey` (ts/runtime/
 * address.ts) must fold exactly as Rust's `sheet_key` (crates/sheetc-core/src/model.rs),
 * whose test asserts the same table. The rule: Excel compares sheet names ignoring case,
 * unique "in any locale" ([MS-OI29500] 2.1.578), one character to one.
 */
import test from 'ava';
import { sheetKey } from '../ts/runtime/address.js';

const same: [string, string][] = [
  ['Sheet1', 'SHEET1'],
  // Turkish: I/ı and İ/i are case pairs there, I/i elsewhere.
  ['ı', 'i'],
  ['ı', 'I'],
  ['İ', 'i'],
  ['İ', 'I'],
  ['İ', 'ı'],
  ['Kırılım', 'KIRILIM'],
  ['İstanbul', 'istanbul'],
  // German: ẞ is ß's capital.
  ['ẞ', 'ß'],
  ['Straße', 'STRAẞE'],
  // Greek: final sigma, sigma, capital sigma.
  ['ς', 'σ'],
  ['ς', 'Σ'],
  ['ΟΔΟΣ', 'οδος'],
  ['οδος', 'οδοσ'],
  // Full width: case folds.
  ['Ａ', 'ａ'],
  ['ＳＨＥＥＴ', 'ｓｈｅｅｔ'],
];

const differ: [string, string][] = [
  // ß upper-cases to two letters only: no one-to-one mapping joins it to SS.
  ['ß', 'SS'],
  ['ß', 'ss'],
  ['Straße', 'STRASSE'],
  // Width is not case.
  ['Ａ', 'A'],
  ['ａ', 'a'],
];

test('sheet names fold as Excel compares them (the Rust table)', (t) => {
  for (const [a, b] of same) t.is(sheetKey(a), sheetKey(b), `${a} and ${b} are one name`);
  for (const [a, b] of differ) t.not(sheetKey(a), sheetKey(b), `${a} and ${b} are two names`);
});

test('the fold is stable and maps one character to one', (t) => {
  for (const name of ['İstanbul', 'Straße', 'ΟΔΟΣ', 'ＳＨＥＥＴ', 'ǅemal', 'ﬀ', 'ŉ', '😀 Sheet']) {
    t.is(sheetKey(sheetKey(name)), sheetKey(name), name);
    t.is([...sheetKey(name)].length, [...name].length, name);
  }
});
