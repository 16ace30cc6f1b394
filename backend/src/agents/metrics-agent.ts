import { z } from 'zod';
import { performanceReport } from '../domain/metrics/performance-report.js';
import { riskReport } from '../domain/metrics/risk-report.js';
import type { MetricsSeries } from '../domain/metrics/series.js';
import { summaryStrip } from '../domain/metrics/summary-strip.js';
import { recall, type Capability } from '../executor/capability.js';
import { inPlace, isNumber, isRecord, isString } from './in-place.js';

const isPoint = (q: unknown): boolean =>
  isRecord(q) && isString(q.date) && isNumber(q.value) && isNumber(q.inflow) && isNumber(q.outflow);
const isClose = (q: unknown): boolean => isRecord(q) && isString(q.date) && isNumber(q.close);

/**
 * Checked in place (in-place.ts): besides the cost, keeping the series' identity lets the
 * metrics strip be remembered per (cached) history.
 */
function isSeries(s: unknown): s is MetricsSeries {
  if (!isRecord(s)) return false;
  if (!isString(s.base_currency) || !isString(s.start_date) || !isString(s.end_date)) return false;
  if (!Array.isArray(s.points) || s.points.length === 0 || !s.points.every(isPoint)) return false;
  if (s.pricing_days !== undefined && !(Array.isArray(s.pricing_days) && s.pricing_days.every(isString))) return false;
  const b = s.benchmark;
  return (
    b == null ||
    (isRecord(b) && isString(b.symbol) && isString(b.currency) && Array.isArray(b.closes) && b.closes.every(isClose))
  );
}

const seriesArg = inPlace(isSeries, 'must be a history.values series');
/** Annual, compounded: 0.03 for 3% a year; absent means 0. */
const riskFreeRateArg = z.number().gt(-1).lt(10).nullish();
const performanceArgs = z.object({ series: seriesArg, include_series: z.boolean().nullish() });
const riskArgs = z.object({
  series: seriesArg.refine(
    (s) => Array.isArray(s.pricing_days) && s.benchmark !== undefined,
    'must list its pricing_days and benchmark',
  ),
  risk_free_rate: riskFreeRateArg,
});
const summaryArgs = z.object({
  series: riskArgs.shape.series,
  total_value: z.number(),
  risk_free_rate: riskFreeRateArg,
});

export const performance: Capability<z.infer<typeof performanceArgs>> = {
  name: 'metrics.performance',
  description: 'Time-weighted (daily, cumulative, annualised) and money-weighted returns of a history.values series',
  args: performanceArgs,
  async run({ series, include_series }, { warn }) {
    return recall(performanceReport(series, include_series ?? false), warn);
  },
};

export const risk: Capability<z.infer<typeof riskArgs>> = {
  name: 'metrics.risk',
  description:
    'Volatility, Sharpe, Sortino, maximum drawdown, VaR and CVaR, and beta and tracking error against a benchmark, from a history.values series',
  args: riskArgs,
  async run({ series, risk_free_rate }, { warn }) {
    return recall(riskReport(series, risk_free_rate ?? undefined), warn);
  },
};

type Strip = ReturnType<typeof summaryStrip>;
const strips = new WeakMap<MetricsSeries, Map<string, Strip>>();

export const summary: Capability<z.infer<typeof summaryArgs>> = {
  name: 'metrics.summary',
  description:
    'The metrics strip: total value, time-weighted return, volatility, Sharpe and maximum drawdown over a history.values series',
  args: summaryArgs,
  /**
   * The strip is a pure function of its history, total value and rate; histories are cached per pin
   * (history.values), so keying by the history object reuses the strip for as long as its
   * history lives, and lets both go together.
   */
  async run({ series, total_value, risk_free_rate }, { warn }) {
    let byArgs = strips.get(series);
    if (!byArgs) strips.set(series, (byArgs = new Map<string, Strip>()));
    const key = `${total_value} ${risk_free_rate ?? ''}`;
    let strip = byArgs.get(key);
    if (!strip) byArgs.set(key, (strip = summaryStrip(series, total_value, risk_free_rate ?? undefined)));
    return recall(strip, warn);
  },
};
