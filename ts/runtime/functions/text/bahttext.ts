/**
 * BAHTTEXT: a number as Thai text with the currency words, "Baht" (บาท) for the whole part
 * and "Satang" (สตางค์) for hundredths, or "exactly" (ถ้วน) when there are none (Excel's
 * BAHTTEXT page: BAHTTEXT(1234) is หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน).
 *
 * The reading, block by block of six digits joined by ล้าน (million): digits 1-9 ศูนย์ หนึ่ง
 * สอง ... เก้า with the place words แสน หมื่น พัน ร้อย สิบ; 10-19 read สิบ...; 20-29 ยี่สิบ...;
 * a final 1 after a tens digit is เอ็ด (21 ยี่สิบเอ็ด). Amounts are rounded to the satang
 * (half up); negative amounts are prefixed ลบ (minus); zero is ศูนย์บาทถ้วน and an amount below
 * one baht reads only its satang.
 */
import { defineFn } from '../../registry.js';
import { ERR } from '../../values.js';

const DIGITS = ['ศูนย์', 'หนึ่ง', 'สอง', 'สาม', 'สี่', 'ห้า', 'หก', 'เจ็ด', 'แปด', 'เก้า'];
const PLACES = ['', 'สิบ', 'ร้อย', 'พัน', 'หมื่น', 'แสน'];
const TEN = 'สิบ';
const TWENTY = 'ยี่';
const ONE_AFTER_TENS = 'เอ็ด';
const MILLION = 'ล้าน';
const BAHT = 'บาท';
const SATANG = 'สตางค์';
const EXACT = 'ถ้วน';
const MINUS = 'ลบ';

/** A value from 1 to 999,999 in words. */
function block(n: number): string {
  let out = '';
  for (let place = 5; place >= 2; place--) {
    const d = Math.floor(n / 10 ** place) % 10;
    if (d) out += DIGITS[d]! + PLACES[place]!;
  }
  const tens = Math.floor(n / 10) % 10;
  const ones = n % 10;
  if (tens === 1) out += TEN;
  else if (tens === 2) out += TWENTY + TEN;
  else if (tens > 2) out += DIGITS[tens]! + TEN;
  if (ones === 1 && tens > 0) out += ONE_AFTER_TENS;
  else if (ones > 0) out += DIGITS[ones]!;
  return out;
}

/** A whole number of baht (≥ 1) in words, six digits at a time. */
function whole(n: bigint): string {
  let out = '';
  let first = true;
  while (n > 0n) {
    const b = Number(n % 1000000n);
    n /= 1000000n;
    out = (b ? block(b) : '') + (first ? '' : MILLION) + out;
    first = false;
  }
  return out;
}

defineFn('BAHTTEXT', ['number'], 1, 1, (_ctx, x: number) => {
  if (!Number.isFinite(x)) return ERR.NUM;
  const neg = x < 0;
  // Satang: hundredths, rounded half up (through the decimal text, so 0.125 is 13 satang);
  // from 10^15 on a double holds no hundredths.
  const a = Math.abs(x);
  const text = String(a);
  const cents =
    a >= 1e15 ? BigInt(Math.round(a)) * 100n : BigInt(Math.round(text.includes('e') ? a * 100 : Number(`${text}e2`)));
  const baht = cents / 100n;
  const satang = Number(cents % 100n);
  let out = baht > 0n ? whole(baht) + BAHT : satang === 0 ? DIGITS[0]! + BAHT : '';
  out += satang === 0 ? EXACT : block(satang) + SATANG;
  return neg ? MINUS + out : out;
});
