import type { DayMarket, History, HistoryPoint } from './history.js';
import { money } from './number.js';

/** A pack's market data under its date. */
export interface DatedMarket {
  date: string;
  data: DayMarket;
}

/** A security's closes on the pricing days of a period, in its own currency. */
export interface BenchmarkCloses {
  symbol: string;
  currency: string;
  closes: { date: string; close: number }[];
}

/** The history.values answer: daily values and flows, and the pricing days the metrics compound over. */
export interface HistorySeries {
  base_currency: string;
  start_date: string;
  end_date: string;
  points: HistoryPoint[];
  pricing_days: string[];
  benchmark: BenchmarkCloses | null;
  method: string;
}

export const HISTORY_METHOD =
  'end-of-day value of cash and positions in the base currency, with closes and FX of the newest fresh pricing pack on or before each calendar day; ' +
  "external flows (deposits, withdrawals, transfers; securities transfers at their recorded price) converted at their day's FX";

/**
 * The market in force on a day: the newest of `markets` (oldest first) dated on or before it,
 * null before the first. Days must be asked for oldest first, as valuationHistory does, so
 * each pack is passed over once.
 */
export function marketsInForce(markets: readonly DatedMarket[]): (day: string) => DayMarket | null {
  let inForce = -1;
  return (day) => {
    while (inForce + 1 < markets.length && markets[inForce + 1]!.date <= day) inForce++;
    return inForce < 0 ? null : markets[inForce]!.data;
  };
}

export interface HistorySeriesInput {
  baseCurrency: string;
  start: string;
  end: string;
  history: History;
  /** The packs the history was valued with, oldest first; the one in force before `start` may lead. */
  markets: readonly DatedMarket[];
  benchmark: { symbol: string; currency: string } | null;
}

/** The answer, money rounded; the pricing days are the packs dated within the period. */
export function historySeries({
  baseCurrency,
  start,
  end,
  history,
  markets,
  benchmark,
}: HistorySeriesInput): HistorySeries {
  const pricing = markets.filter((m) => m.date >= start);
  return {
    base_currency: baseCurrency,
    start_date: start,
    end_date: end,
    points: history.points.map((p) => ({
      date: p.date,
      value: money(p.value),
      inflow: money(p.inflow),
      outflow: money(p.outflow),
    })),
    pricing_days: pricing.map((m) => m.date),
    benchmark:
      benchmark === null
        ? null
        : {
            symbol: benchmark.symbol,
            currency: benchmark.currency,
            closes: pricing.flatMap((m) => {
              const close = m.data.closes.get(benchmark.symbol);
              return close === undefined ? [] : [{ date: m.date, close }];
            }),
          },
    method: HISTORY_METHOD,
  };
}
