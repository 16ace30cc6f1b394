import { hashCanonical } from './canonical.js';

/** One close in a pricing pack, in the security's listing currency. */
export interface PackPrice {
  symbol: string;
  close: number;
  currency: string;
}

/** One unit of `base` costs `rate` units of `quote`. */
export interface PackFx {
  base: string;
  quote: string;
  rate: number;
}

export const packIdFor = (date: string): string => `PP_${date}`;

// Code-unit order, not localeCompare: the hash must not depend on the process locale.
const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The content hash of a pack: canonical JSON of its date, prices sorted by symbol and FX
 * sorted by pair, so the same content hashes the same however it was read or built.
 * Only the listed fields count, so database rows with extra columns hash like plain values.
 * A duplicate symbol or pair is an error rather than a silent order-dependent choice.
 */
export function packContentHash(date: string, prices: readonly PackPrice[], fx: readonly PackFx[]): string {
  const p = prices
    .map(({ symbol, close, currency }) => ({ symbol, close, currency }))
    .sort((a, b) => byKey(a.symbol, b.symbol));
  const f = fx
    .map(({ base, quote, rate }) => ({ base, quote, rate }))
    .sort((a, b) => byKey(a.base, b.base) || byKey(a.quote, b.quote));
  assertUnique(p.map((x) => x.symbol), 'price for symbol');
  assertUnique(f.map((x) => `${x.base}/${x.quote}`), 'FX rate for pair');
  return hashCanonical({ date, prices: p, fx: f });
}

function assertUnique(sortedKeys: readonly string[], what: string): void {
  for (let i = 1; i < sortedKeys.length; i++) {
    if (sortedKeys[i] === sortedKeys[i - 1]) throw new Error(`duplicate ${what} ${sortedKeys[i]}`);
  }
}
