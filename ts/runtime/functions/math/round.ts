/** Rounding as Excel does it (shared by the math and text families; no registrations). */

/** Excel rounds half away from zero, on the decimal value it shows (15 significant digits). */
export function roundHalfAway(x: number, digits: number): number {
  const d = Math.trunc(digits);
  if (d > 15) return x;
  const scaled = Number((Math.abs(x) * Math.pow(10, d)).toPrecision(15));
  const r = Math.round(scaled) / Math.pow(10, d);
  return x < 0 ? -r : r;
}
