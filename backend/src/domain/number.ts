/**
 * Rounds half away from zero at `digits` decimals for presentation. Results are rounded
 * once, at the edge, so hashes do not depend on floating-point noise in the last bits.
 */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.sign(value) * Math.round(Math.abs(value) * f + Number.EPSILON * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

export const MONEY_DIGITS = 4;
export const WEIGHT_DIGITS = 6;
export const money = (v: number): number => round(v, MONEY_DIGITS);
export const weight = (v: number): number => round(v, WEIGHT_DIGITS);
