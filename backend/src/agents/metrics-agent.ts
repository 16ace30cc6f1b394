import { z } from 'zod';
import { benchmarkRisk } from '../domain/analytics/benchmark.js';
import { maxDrawdown } from '../domain/analytics/drawdown.js';
import { sharpeRatio, sortinoRatio, volatility } from '../domain/analytics/risk.js';
import { timeWeightedReturn } from '../domain/analytics/twr.js';
import { historicalVar, parametricVar } from '../domain/analytics/var.js';
import { xirr, type CashFlow } from '../domain/analytics/xirr.js';
import type { HistoryPoint } from '../domain/history.js';
import { round } from '../domain/number.js';
import { invalid } from '../errors.js';
import { recall, remember, type Capability, type Remembered, type Warning } from '../executor/capability.js';
import { inPlace, isNumber, isRecord, isString } from './in-place.js';

const RETURN_DIGITS = 10;
const ret = (v: number): number => round(v, RETURN_DIGITS);
const retOrNull = (v: number | null): number | null => (v === null ? null : ret(v));

/** A history.values output, as the metrics read it. */
interface Series {
  base_currency: string;
  start_date: string;
  end_date: string;
  points: HistoryPoint[];
  pricing_days: string[];
  benchmark: { symbol: string; currency: string; closes: { date: string; close: number }[] } | null;
}

const isPoint = (q: unknown): boolean =>
  isRecord(q) && isString(q.date) && isNumber(q.value) && isNumber(q.inflow) && isNumber(q.outflow);
const isClose = (q: unknown): boolean => isRecord(q) && isString(q.date) && isNumber(q.close);

/**
 * Checked in place (in-place.ts): besides the cost, keeping the series' identity lets the
 * metrics strip be remembered per (cached) history.
 */
function isSeries(s: unknown): s is Series {
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
const performanceArgs = z.object({ series: seriesArg });
const riskArgs = z.object({
  series: seriesArg.refine(
    (s) => Array.isArray(s.pricing_days) && s.benchmark !== undefined,
    'must list its pricing_days and benchmark',
  ),
});
const summaryArgs = z.object({ series: riskArgs.shape.series, total_value: z.number() });

/** No risk-free series is stored, so excess returns are over zero; every ratio states it. */
const RISK_FREE_RATE = 0;

const CONFIDENCES = [0.95, 0.99] as const;
const HORIZONS = [1, 10] as const;

const MWR_METHOD =
  "money-weighted return: XIRR, Actual/365, of the investor's flows: the first day's closing value invested at the start, " +
  "inflows invested and outflows returned on their days, the last day's closing value returned at the end; annual rate";

/**
 * The investor's side of the series, as XIRR wants it. The first day's flows are already in
 * its closing value, as in the TWR, so they are not counted again.
 */
function investorFlows(points: readonly HistoryPoint[]): CashFlow[] {
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
 * index 1 + cumulative TWR.
 */
function pricingDayReturns(daily: readonly { date: string; cumulative: number }[], pricingDays: readonly string[]) {
  const growth = new Map(daily.map((d) => [d.date, 1 + d.cumulative]));
  const index = pricingDays.filter((d) => growth.has(d)).map((date) => ({ date, value: growth.get(date)! }));
  const returns = index.slice(1).map((p, i) => p.value / index[i]!.value - 1);
  return { index, returns };
}

/**
 * A portfolio younger than the period would start with days of nothing invested, each a
 * zero-base warning and a 0 return: the series starts the day before its first activity instead.
 */
function fromFirstActivity<P extends HistoryPoint>(points: readonly P[]): P[] {
  const first = points.findIndex((p) => p.value !== 0 || p.inflow !== 0 || p.outflow !== 0);
  return first <= 0 ? [...points] : points.slice(first - 1);
}

/** Maximum drawdown of the growth index 1 + cumulative TWR, as the responses report it. */
function drawdownOf(daily: readonly { date: string; cumulative: number }[]) {
  const drawdown = maxDrawdown(daily.map((d) => ({ date: d.date, value: 1 + d.cumulative })));
  return {
    ...drawdown,
    max_drawdown: ret(drawdown.max_drawdown),
    method: `${drawdown.method}; on the growth index 1 + cumulative TWR over calendar days`,
  };
}

/** The daily TWR both metrics start from, its warnings passed on to the response. */
function twrOf(points: Parameters<typeof timeWeightedReturn>[0], warn: (w: { code: string; message: string }) => void) {
  const twr = timeWeightedReturn(points);
  for (const w of twr.warnings) warn(w);
  return twr;
}

export function metricsCapabilities(): Capability[] {
  const performance: Capability<z.infer<typeof performanceArgs>> = {
    name: 'metrics.performance',
    description: 'Time-weighted (daily, cumulative, annualised) and money-weighted returns of a history.values series',
    args: performanceArgs,
    async run({ series }, { warn }) {
      const twr = twrOf(series.points, warn);
      const mwr = xirr(investorFlows(series.points));
      if (!mwr.ok) warn({ code: 'mwr_unavailable', message: `money-weighted return not computed: ${mwr.message}` });
      return {
        twr: {
          cumulative: ret(twr.cumulative),
          annualized: retOrNull(twr.annualized),
          daily: twr.daily.map((d) => ({ date: d.date, return: ret(d.return), cumulative: ret(d.cumulative) })),
          method: twr.method,
        },
        mwr: mwr.ok
          ? { annualized: ret(mwr.rate), status: 'ok', method: MWR_METHOD }
          : { annualized: null, status: mwr.reason, method: MWR_METHOD },
        period: { start_date: series.start_date, end_date: series.end_date, days: twr.days },
        currency: series.base_currency,
        method: `returns in ${series.base_currency} from daily values including cash; returns are fractions (0.01 = 1%) rounded to ${RETURN_DIGITS} decimals`,
      };
    },
  };
  const risk: Capability<z.infer<typeof riskArgs>> = {
    name: 'metrics.risk',
    description:
      'Volatility, Sharpe, Sortino, maximum drawdown, VaR and CVaR, and beta and tracking error against a benchmark, from a history.values series',
    args: riskArgs,
    async run({ series }, { warn }) {
      const twr = twrOf(series.points, warn);
      const { index, returns } = pricingDayReturns(twr.daily, series.pricing_days);
      if (returns.length < 2) {
        throw invalid(
          `risk figures need at least 2 daily returns; the period ${series.start_date} to ${series.end_date} has ${returns.length}`,
          {
            start_date: series.start_date,
            end_date: series.end_date,
          },
        );
      }

      const vol = volatility(returns);
      const sharpe = sharpeRatio(returns, { risk_free_rate: RISK_FREE_RATE });
      const sortino = sortinoRatio(returns, { risk_free_rate: RISK_FREE_RATE });
      for (const w of [...sharpe.warnings, ...sortino.warnings]) warn(w);
      const ratio = (r: typeof sharpe) => ({
        ratio: retOrNull(r.ratio),
        annualized_excess_return: ret(r.annualized_excess_return),
        annualized_risk: ret(r.annualized_risk),
        risk_free_rate: r.risk_free_rate,
        method: r.method,
      });
      const vars = (fn: typeof historicalVar) =>
        CONFIDENCES.flatMap((confidence) =>
          HORIZONS.map((horizon_days) => {
            const v = fn(returns, { confidence, horizon_days });
            return { confidence, horizon_days, var: ret(v.var), cvar: ret(v.cvar), method: v.method };
          }),
        );

      let benchmark = null;
      if (series.benchmark !== null) {
        const { symbol, closes } = series.benchmark;
        if (closes.length < 3) {
          throw invalid(
            `benchmark ${symbol} has closes on ${closes.length} pricing day(s) of the period; beta needs at least 3`,
            { benchmark: symbol },
          );
        }
        const b = benchmarkRisk(
          index,
          series.benchmark.closes.map((c) => ({ date: c.date, value: c.close })),
        );
        for (const w of b.warnings) warn(w);
        benchmark = {
          symbol: series.benchmark.symbol,
          currency: series.benchmark.currency,
          beta: retOrNull(b.beta),
          tracking_error: ret(b.tracking_error),
          observations: b.observations,
          method: `${b.method}; the portfolio in ${series.base_currency}, the benchmark's closes in ${series.benchmark.currency}`,
        };
      }

      return {
        period: {
          start_date: series.start_date,
          end_date: series.end_date,
          pricing_days: index.length,
          returns: returns.length,
        },
        currency: series.base_currency,
        volatility: {
          daily: ret(vol.daily),
          annualized: ret(vol.annualized),
          observations: vol.observations,
          method: vol.method,
        },
        sharpe: ratio(sharpe),
        sortino: ratio(sortino),
        max_drawdown: drawdownOf(twr.daily),
        var: { historical: vars(historicalVar), parametric: vars(parametricVar) },
        benchmark,
        method:
          `daily time-weighted returns in ${series.base_currency} between consecutive pricing days (${twr.method}); ` +
          `losses as positive fractions of value; figures rounded to ${RETURN_DIGITS} decimals`,
      };
    },
  };
  const summary: Capability<z.infer<typeof summaryArgs>> = {
    name: 'metrics.summary',
    description:
      'The metrics strip: total value, time-weighted return, volatility, Sharpe and maximum drawdown over a history.values series',
    args: summaryArgs,
    /**
     * The strip is a pure function of its history and total value; histories are cached per pin
     * (history.values), so keying by the history object reuses the strip for as long as its
     * history lives, and lets both go together.
     */
    async run({ series, total_value }, { warn }) {
      let byTotal = strips.get(series);
      if (!byTotal) strips.set(series, (byTotal = new Map<number, Remembered<Strip>>()));
      const known = byTotal.get(total_value);
      if (known) return recall(known, warn);
      const fresh = await remember(warn, (w) => stripOf(series, total_value, w));
      byTotal.set(total_value, fresh);
      return fresh.output;
    },
  };
  return [performance, risk, summary];
}

type Strip = ReturnType<typeof stripOf>;
const strips = new WeakMap<Series, Map<number, Remembered<Strip>>>();

function stripOf(series: Series, total_value: number, warn: (w: Warning) => void) {
  const points = fromFirstActivity(series.points);
  const start = points[0]!.date;
  const period = { start_date: start, end_date: series.end_date, days: 0, pricing_days: 0 };
  const strip = {
    period,
    currency: series.base_currency,
    total_value: {
      value: total_value,
      method: `value of cash and positions at the pinned pack, in ${series.base_currency}`,
    },
    twr: null as null | { cumulative: number; annualized: number | null; method: string },
    volatility: null as null | { annualized: number; observations: number; method: string },
    sharpe: null as null | { ratio: number | null; risk_free_rate: number; method: string },
    max_drawdown: null as null | ReturnType<typeof drawdownOf>,
    method:
      `from daily values in ${series.base_currency} over the period (starting the day before the portfolio's first activity when it is younger); ` +
      `returns are fractions rounded to ${RETURN_DIGITS} decimals`,
  };
  if (points.every((p) => p.value === 0 && p.inflow === 0 && p.outflow === 0)) {
    warn({
      code: 'metrics_unavailable',
      message: `the portfolio holds nothing between ${series.start_date} and ${series.end_date}; no return or risk figures`,
    });
    return strip;
  }
  const twr = twrOf(points, warn);
  period.days = twr.days;
  strip.twr = { cumulative: ret(twr.cumulative), annualized: retOrNull(twr.annualized), method: twr.method };
  strip.max_drawdown = drawdownOf(twr.daily);
  const { index, returns } = pricingDayReturns(twr.daily, series.pricing_days);
  period.pricing_days = index.length;
  if (returns.length < 2) {
    warn({
      code: 'metrics_partial',
      message: `volatility and Sharpe need at least 2 daily returns; the period from ${start} has ${returns.length}`,
    });
    return strip;
  }
  const vol = volatility(returns);
  const sharpe = sharpeRatio(returns, { risk_free_rate: RISK_FREE_RATE });
  for (const w of sharpe.warnings) warn(w);
  strip.volatility = { annualized: ret(vol.annualized), observations: vol.observations, method: vol.method };
  strip.sharpe = { ratio: retOrNull(sharpe.ratio), risk_free_rate: sharpe.risk_free_rate, method: sharpe.method };
  return strip;
}
