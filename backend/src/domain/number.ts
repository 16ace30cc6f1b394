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
  const f = 10 ** digits;
  const scaled = abs * f;
  // Far from a half the binary error cannot change the outcome, and an integer divided by a
  // power of ten is the double nearest that decimal, so the arithmetic answer is exact.
  // The product is within about 2.3e-16 * scaled of the decimal's, so a margin of 1e-15 * scaled is safe.
  if (scaled < 2 ** 52 && Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-9 + scaled * 1e-15) {
    const r = (Math.sign(value) * Math.round(scaled)) / f;
    return Object.is(r, -0) ? 0 : r;
  }
  const text = String(abs);
  // Below 1e15 exponent notation only appears for tiny magnitudes, where no decimal half occurs.
  const shifted = text.includes('e') ? scaled : Number(`${text}e${digits}`);
  const r = Math.sign(value) * Number(`${Math.round(shifted)}e-${digits}`);
  return Object.is(r, -0) ? 0 : r;
}

export const MONEY_DIGITS = 4;
export const WEIGHT_DIGITS = 6;
export const money = (v: number): number => round(v, MONEY_DIGITS);
export const weight = (v: number): number => round(v, WEIGHT_DIGITS);

/** Returns, weights and risk figures are fractions (0.01 = 1%), printed to this many decimals. */
export const RETURN_DIGITS = 10;
export const fraction = (v: number): number => round(v, RETURN_DIGITS);
export const fractionOrNull = (v: number | null): number | null => (v === null ? null : fraction(v));
