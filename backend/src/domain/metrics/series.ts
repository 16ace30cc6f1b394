import { maxDrawdown } from '../analytics/drawdown.js';
import type { CashFlow } from '../analytics/xirr.js';
import type { HistoryPoint } from '../history.js';
import type { HistorySeries } from '../history-series.js';
import { fraction } from '../number.js';

/** A history.values series as the metrics read it. */
export type MetricsSeries = Omit<HistorySeries, 'method'>;

/**
 * No risk-free series is stored: the rate is a constant the request gives, 0 unless it does;
 * every ratio states the rate it used.
 */
export const DEFAULT_RISK_FREE_RATE = 0;

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
 * zero-base warning and a 0 return diluting every daily statistic: the series starts the day
 * before its first activity instead. That day's growth index is 1 whether or not it has a
 * pack, so it opens the pricing days: the first return runs from it to the first pricing day
 * after, as it would from the last pricing day before. A benchmark keeps its closes from that
 * day on, the close in force that day (its newest earlier one) opening them. A series active
 * from its first day, or never active, is returned as it is.
 */
export function fromFirstActivity(series: MetricsSeries): MetricsSeries {
  const { points } = series;
  const first = points.findIndex((p) => p.value !== 0 || p.inflow !== 0 || p.outflow !== 0);
  if (first <= 0) return series;
  const start = points[first - 1]!.date;
  const later = series.pricing_days.filter((d) => d > start);
  let benchmark = series.benchmark;
  if (benchmark !== null) {
    const inForce = benchmark.closes.filter((c) => c.date <= start).pop();
    const closes = benchmark.closes.filter((c) => c.date > start);
    if (inForce !== undefined) closes.unshift({ date: start, close: inForce.close });
    benchmark = { ...benchmark, closes };
  }
  return { ...series, start_date: start, points: points.slice(first - 1), pricing_days: [start, ...later], benchmark };
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
