import { money, weight } from './number.js';
import type { Valuation } from './valuation.js';

export interface Bucket {
  key: string;
  value_base: number;
  weight: number;
}

export interface Allocation {
  by_sector: Bucket[];
  by_currency: Bucket[];
  by_asset_class: Bucket[];
  top_holdings: { symbol: string; name: string; value_base: number; weight: number }[];
  /** Share of the portfolio held in the top N positions. */
  top_n_concentration: number;
  top_n: number;
}

/** Cash is an asset class and a sector of its own, so every breakdown sums to the total. */
export const CASH_BUCKET = 'Cash';

export function allocate(v: Valuation, topN: number): Allocation {
  const total = v.totals.total_value;
  const items = [
    ...v.holdings.flatMap((h) =>
      h.market_value_base === null
        ? []
        : [{ sector: h.sector, currency: h.currency, asset_class: h.asset_class, value: h.market_value_base }],
    ),
    ...v.cash.flatMap((c) =>
      c.value_base === null
        ? []
        : [{ sector: CASH_BUCKET, currency: c.currency, asset_class: 'cash', value: c.value_base }],
    ),
  ];
  const group = (key: 'sector' | 'currency' | 'asset_class'): Bucket[] => {
    const sums = new Map<string, number>();
    for (const it of items) sums.set(it[key], (sums.get(it[key]) ?? 0) + it.value);
    return [...sums]
      .map(([k, value]) => ({ key: k, value_base: money(value), weight: total === 0 ? 0 : weight(value / total) }))
      .sort((a, b) => b.value_base - a.value_base || (a.key < b.key ? -1 : 1));
  };
  const ranked = v.holdings
    .filter((h) => h.market_value_base !== null)
    .map((h) => ({ symbol: h.symbol, name: h.name, value_base: h.market_value_base as number }))
    .sort((a, b) => b.value_base - a.value_base || (a.symbol < b.symbol ? -1 : 1))
    .slice(0, topN)
    .map((h) => ({ ...h, weight: total === 0 ? 0 : weight(h.value_base / total) }));
  const topSum = ranked.reduce((s, h) => s + h.value_base, 0);
  return {
    by_sector: group('sector'),
    by_currency: group('currency'),
    by_asset_class: group('asset_class'),
    top_holdings: ranked,
    top_n_concentration: total === 0 ? 0 : weight(topSum / total),
    top_n: topN,
  };
}
