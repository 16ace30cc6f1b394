import { FxTable, type FxRate } from './fx.js';
import { money, weight } from './number.js';

export interface HoldingInput {
  symbol: string;
  name: string;
  sector: string;
  asset_class: string;
  currency: string;
  quantity: number;
  cost_basis: number; // in the holding's currency
}

export interface CashInput {
  currency: string;
  balance: number;
}

export interface ValuedHolding extends HoldingInput {
  price: number | null;
  market_value: number | null; // holding currency
  unrealized_pnl: number | null; // holding currency
  fx_rate: number | null; // base units per unit of holding currency
  market_value_base: number | null;
  cost_basis_base: number | null;
  unrealized_pnl_base: number | null;
  weight: number | null;
}

export interface ValuedCash {
  currency: string;
  balance: number;
  fx_rate: number | null;
  value_base: number | null;
  weight: number | null;
}

export interface ValuationTotals {
  base_currency: string;
  positions_value: number;
  cash_value: number;
  total_value: number;
  cost_basis: number;
  unrealized_pnl: number;
  /** False when a price or FX rate was missing and that item is left out of the totals. */
  complete: boolean;
}

export interface ValuationIssue {
  code: 'missing_price' | 'missing_fx_rate' | 'negative_cash';
  message: string;
}

export interface Valuation {
  holdings: ValuedHolding[];
  cash: ValuedCash[];
  totals: ValuationTotals;
  issues: ValuationIssue[];
}

/**
 * Values holdings and cash with one pack's closes and FX. Cost basis is converted at the
 * pack's FX as well, so base-currency unrealised P&L here is the price effect seen today;
 * the split into local and currency effects belongs to currency attribution.
 */
export function valuePortfolio(
  holdings: readonly HoldingInput[],
  cash: readonly CashInput[],
  closes: ReadonlyMap<string, number>,
  rates: readonly FxRate[],
  baseCurrency: string,
): Valuation {
  const fx = new FxTable(rates);
  const issues: ValuationIssue[] = [];
  const missingFx = new Set<string>();
  const rateFor = (ccy: string): number | null => {
    const r = fx.rate(ccy, baseCurrency);
    if (r === null && !missingFx.has(ccy)) {
      missingFx.add(ccy);
      issues.push({ code: 'missing_fx_rate', message: `no FX rate ${ccy}/${baseCurrency} in the pricing pack` });
    }
    return r;
  };

  const rawHoldings = [...holdings]
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
    .map((h) => {
      const price = closes.get(h.symbol) ?? null;
      if (price === null)
        issues.push({ code: 'missing_price', message: `no price for ${h.symbol} in the pricing pack` });
      const r = rateFor(h.currency);
      const mv = price === null ? null : h.quantity * price;
      return {
        h,
        price,
        r,
        mv,
        mvBase: mv === null || r === null ? null : mv * r,
        costBase: r === null ? null : h.cost_basis * r,
      };
    });
  const rawCash = [...cash]
    .sort((a, b) => (a.currency < b.currency ? -1 : 1))
    .map((c) => {
      if (c.balance < 0)
        issues.push({ code: 'negative_cash', message: `cash in ${c.currency} is negative (${money(c.balance)})` });
      const r = rateFor(c.currency);
      return { c, r, vBase: r === null ? null : c.balance * r };
    });

  let positionsValue = 0;
  let costBasis = 0;
  for (const x of rawHoldings) {
    if (x.mvBase !== null && x.costBase !== null) {
      positionsValue += x.mvBase;
      costBasis += x.costBase;
    }
  }
  const cashValue = rawCash.reduce((s, x) => s + (x.vBase ?? 0), 0);
  const total = positionsValue + cashValue;
  const share = (v: number | null) => (v === null || total === 0 ? null : weight(v / total));
  const orNull = (v: number | null, f: (n: number) => number) => (v === null ? null : f(v));

  return {
    holdings: rawHoldings.map(({ h, price, r, mv, mvBase, costBase }) => ({
      symbol: h.symbol,
      name: h.name,
      sector: h.sector,
      asset_class: h.asset_class,
      currency: h.currency,
      quantity: h.quantity,
      price,
      cost_basis: money(h.cost_basis),
      market_value: orNull(mv, money),
      unrealized_pnl: orNull(mv === null ? null : mv - h.cost_basis, money),
      fx_rate: r,
      market_value_base: orNull(mvBase, money),
      cost_basis_base: orNull(costBase, money),
      unrealized_pnl_base: orNull(mvBase === null || costBase === null ? null : mvBase - costBase, money),
      weight: share(mvBase),
    })),
    cash: rawCash.map(({ c, r, vBase }) => ({
      currency: c.currency,
      balance: money(c.balance),
      fx_rate: r,
      value_base: orNull(vBase, money),
      weight: share(vBase),
    })),
    totals: {
      base_currency: baseCurrency,
      positions_value: money(positionsValue),
      cash_value: money(cashValue),
      total_value: money(total),
      cost_basis: money(costBasis),
      unrealized_pnl: money(positionsValue - costBasis),
      complete: !issues.some((i) => i.code !== 'negative_cash'),
    },
    issues,
  };
}
