import type { PackFx, PackPrice } from '../domain/pack.js';

/**
 * The part of a date's data a request asks for: the wanted symbols that exist (never more
 * invented), and each wanted pair in whichever direction the source quotes it. An empty
 * list asks for everything the source has.
 */
export function selectWanted(
  prices: readonly PackPrice[],
  fx: readonly PackFx[],
  symbols: readonly string[],
  pairs: readonly string[],
): { prices: PackPrice[]; fx: PackFx[] } {
  const wantedSymbols = new Set(symbols);
  const wantedPairs = new Set(pairs.flatMap((p) => [p, p.split('/').reverse().join('/')]));
  return {
    prices: symbols.length === 0 ? [...prices] : prices.filter((p) => wantedSymbols.has(p.symbol)),
    fx: pairs.length === 0 ? [...fx] : fx.filter((r) => wantedPairs.has(`${r.base}/${r.quote}`)),
  };
}
