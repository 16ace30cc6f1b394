import { maxDrawdown } from '../analytics/drawdown.js';
import type { CashFlow } from '../analytics/xirr.js';
import type { HistoryPoint } from '../history.js';
import type { HistorySeries } from '../history-series.js';
import { fraction } from '../number.js';

/** A history.values series as the metrics read it. */
export type MetricsSeries = Omit<HistorySeries, 'method'>;

/** No risk-free series is stored, so excess returns are over zero; every ratio states it. */
export const RISK_FREE_RATE = 0;

/**
 * The investor's side of the series, as XIRR wants it. The first day's flows are already in
 * its closing value, as in the TWR, so they are not counted again.
 */
export function investorFlows(points: readonly HistoryPoint[]): CashFlow[] {
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const flows: CashFlow[] = [];
  if (first.value !== 0) flows.push({ date: first.date, amount: -first.value });
  for (const p of points.slice(1)) {
    if (p.inflow !== 0) flows.push({ date: p.date, amount: -p.inflow });
    if (p.outflow !== 0) flows.push({ date: p.date, amount: p.outflow });
  }
  flows.push({ date: last.date, amount: last.value });
  return flows;
}

/**
 * Weekends and holidays have no prices, so their zero returns would dilute every daily
 * statistic: returns are compounded from one pricing day to the next instead, on the growth
 * index 1 + cumulative TWR. Pricing days outside the daily series are left out.
 */
export function pricingDayReturns(
  daily: readonly { date: string; cumulative: number }[],
  pricingDays: readonly string[],
): { index: { date: string; value: number }[]; returns: number[] } {
  const growth = new Map(daily.map((d) => [d.date, 1 + d.cumulative]));
  const index = pricingDays.filter((d) => growth.has(d)).map((date) => ({ date, value: growth.get(date)! }));
  const returns = index.slice(1).map((p, i) => p.value / index[i]!.value - 1);
  return { index, returns };
}

/**
 * A portfolio younger than the period would start with days of nothing invested, each a
 * zero-base warning and a 0 return: the series starts the day before its first activity instead.
 */
export function fromFirstActivity<P extends HistoryPoint>(points: readonly P[]): P[] {
  const first = points.findIndex((p) => p.value !== 0 || p.inflow !== 0 || p.outflow !== 0);
  return first <= 0 ? [...points] : points.slice(first - 1);
}

/** Maximum drawdown of the growth index 1 + cumulative TWR, as the answers report it. */
export function growthDrawdown(daily: readonly { date: string; cumulative: number }[]) {
  const drawdown = maxDrawdown(daily.map((d) => ({ date: d.date, value: 1 + d.cumulative })));
  return {
    ...drawdown,
    max_drawdown: fraction(drawdown.max_drawdown),
    method: `${drawdown.method}; on the growth index 1 + cumulative TWR over calendar days`,
  };
}
