import type { PackFx } from '../domain/pack.js';

/** Significant digits of a crossed rate: removes binary noise, far below the reference rates' own precision (5 digits). */
const CROSS_DIGITS = 10;

/**
 * Pack FX rows from one day of single-base reference rates (the ECB's: one EUR costs `rates.get(c)`
 * units of c). With no pairs asked for, the source's own quotes `BASE/c`, from which valuation
 * converts any pair through the base. A pair asked for with the base on one side is the source's
 * own quote, in its direction. Any other pair A/B is crossed through the base:
 * rate(A/B) = rate(BASE/B) / rate(BASE/A), to 10 significant digits. A pair naming a currency
 * the day has no rate for is left out.
 */
export function crossRates(base: string, rates: ReadonlyMap<string, number>, pairs: readonly string[]): PackFx[] {
  const own = (c: string): PackFx | null => {
    const rate = rates.get(c);
    return rate === undefined ? null : { base, quote: c, rate };
  };
  if (pairs.length === 0) return [...rates.keys()].sort().flatMap((c) => own(c) ?? []);
  const out = new Map<string, PackFx>();
  for (const pair of pairs) {
    const [a, b] = pair.split('/') as [string, string];
    if (a === b) continue;
    let row: PackFx | null;
    if (a === base || b === base) row = own(a === base ? b : a);
    else {
      const ra = rates.get(a);
      const rb = rates.get(b);
      row =
        ra === undefined || rb === undefined
          ? null
          : { base: a, quote: b, rate: Number((rb / ra).toPrecision(CROSS_DIGITS)) };
    }
    // A pair and its inverse asked together are one row, in the direction asked first.
    const key = row && [row.base, row.quote].sort().join('/');
    if (row && key && !out.has(key)) out.set(key, row);
  }
  return [...out.values()];
}
