import type { SecurityInfo, Transaction } from '../domain/ledger/types.js';
import type { PackFx, PackPrice } from '../domain/pack.js';
import { tradingDays } from '../domain/calendar.js';
import { spanStart } from '../domain/dates.js';
import { simulateFx, simulatePrices } from './market.js';
import { batchByQuarter, PORTFOLIO_PLANS, simulatePortfolio, type Market } from './portfolios.js';
import { demoSecurities } from './universe.js';

export const DEMO_END_DATE = '2025-10-24';

export interface DemoOptions {
  seed: number;
  endDate?: string;
  years?: number;
}

/** One trading day's pricing pack content: every security's close and every FX rate. */
export interface DemoDay {
  date: string;
  prices: PackPrice[];
  fx: PackFx[];
}

export interface DemoPortfolio {
  id: string;
  name: string;
  base_currency: string;
  /** The ledger, one batch per commit, oldest first. */
  batches: Transaction[][];
}

export interface DemoData {
  seed: number;
  securities: SecurityInfo[];
  days: DemoDay[];
  portfolios: DemoPortfolio[];
}

/**
 * The whole demo data set as plain values, a pure function of the options: the same seed
 * gives the same bytes, which is what lets two databases seeded apart hash identically.
 */
export function generateDemo({ seed, endDate = DEMO_END_DATE, years = 3 }: DemoOptions): DemoData {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`demo seed must be an integer, got ${seed}`);
  if (!Number.isInteger(years) || years < 1)
    throw new RangeError(`demo years must be a positive integer, got ${years}`);
  const securities = demoSecurities();
  const dates = tradingDays(spanStart(endDate, years), endDate);
  const prices = simulatePrices(seed, securities, dates);
  const fx = simulateFx(seed, dates);
  const days = dates.map((date, i) => ({ date, prices: prices[i] ?? [], fx: fx[i] ?? [] }));

  const closes = days.map((d) => new Map(d.prices.map((p) => [p.symbol, p.close])));
  const market: Market = {
    days: dates,
    securities: new Map(securities.map((s) => [s.symbol, s])),
    close: (dayIndex, symbol) => {
      const close = closes[dayIndex]?.get(symbol);
      if (close === undefined) throw new Error(`no demo close for ${symbol} on day ${dayIndex}`);
      return close;
    },
  };
  const portfolios = PORTFOLIO_PLANS.map((plan) => ({
    id: plan.id,
    name: plan.name,
    base_currency: plan.base_currency,
    batches: batchByQuarter(simulatePortfolio(plan, market, seed)),
  }));

  return {
    seed,
    securities: securities.map(({ symbol, name, sector, currency, asset_class }) => ({
      symbol,
      name,
      sector,
      currency,
      asset_class,
    })),
    days,
    portfolios,
  };
}
