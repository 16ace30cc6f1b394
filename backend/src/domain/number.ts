/**
 * Rounds half away from zero at `digits` decimals, treating a value as the decimal it prints
 * as: 5.015 is a half at two decimals although the double below it is 5.01499999… Shifting
 * the decimal point in the shortest round-trip text instead of multiplying keeps that true
 * at every magnitude, so equal printed amounts always round, and hash, alike.
 */
export function round(value: number, digits: number): number {
  const abs = Math.abs(value);
  // Doubles this large have no fractional digits left to round.
  if (abs >= 1e15 || !Number.isFinite(abs)) return Object.is(value, -0) ? 0 : value;
  const text = String(abs);
  // Below 1e15 exponent notation only appears for tiny magnitudes, where no decimal half occurs.
  const shifted = text.includes('e') ? abs * 10 ** digits : Number(`${text}e${digits}`);
  const r = Math.sign(value) * Number(`${Math.round(shifted)}e-${digits}`);
  return Object.is(r, -0) ? 0 : r;
}

export const MONEY_DIGITS = 4;
export const WEIGHT_DIGITS = 6;
export const money = (v: number): number => round(v, MONEY_DIGITS);
export const weight = (v: number): number => round(v, WEIGHT_DIGITS);
