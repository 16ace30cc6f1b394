import type { AnalyticsWarning } from '../analytics/input.js';
import { sharpeRatio, volatility } from '../analytics/risk.js';
import { timeWeightedReturn } from '../analytics/twr.js';
import { fraction, fractionOrNull, RETURN_DIGITS } from '../number.js';
import type { Reported } from '../report.js';
import {
  DEFAULT_RISK_FREE_RATE,
  fromFirstActivity,
  growthDrawdown,
  pricingDayReturns,
  type MetricsSeries,
} from './series.js';

/**
 * The metrics.summary answer, the overview's metrics strip: total value, time-weighted return,
 * volatility, Sharpe and maximum drawdown. A figure the period cannot support is null with a
 * warning saying why, so the overview is still answered for a portfolio with little history.
 * Sharpe uses the annual risk-free rate given (0 by default), as metrics.risk does.
 */
export function summaryStrip(series: MetricsSeries, totalValue: number, riskFreeRate = DEFAULT_RISK_FREE_RATE) {
  const warnings: AnalyticsWarning[] = [];
  const active = fromFirstActivity(series);
  const { points } = active;
  const start = active.start_date;
  const period = { start_date: start, end_date: series.end_date, days: 0, pricing_days: 0 };
  const strip = {
    period,
    currency: series.base_currency,
    total_value: {
      value: totalValue,
      method: `value of cash and positions at the pinned pack, in ${series.base_currency}`,
    },
    twr: null as null | { cumulative: number; annualized: number | null; method: string },
    volatility: null as null | { annualized: number; observations: number; method: string },
    sharpe: null as null | { ratio: number | null; risk_free_rate: number; method: string },
    max_drawdown: null as null | ReturnType<typeof growthDrawdown>,
    method:
      `from daily values in ${series.base_currency} over the period (starting the day before the portfolio's first activity when it is younger); ` +
      `returns are fractions rounded to ${RETURN_DIGITS} decimals`,
  };
  const reported: Reported<typeof strip> = { output: strip, warnings };
  if (points.every((p) => p.value === 0 && p.inflow === 0 && p.outflow === 0)) {
    warnings.push({
      code: 'metrics_unavailable',
      message: `the portfolio holds nothing between ${series.start_date} and ${series.end_date}; no return or risk figures`,
    });
    return reported;
  }
  const twr = timeWeightedReturn(points);
  warnings.push(...twr.warnings);
  period.days = twr.days;
  strip.twr = { cumulative: fraction(twr.cumulative), annualized: fractionOrNull(twr.annualized), method: twr.method };
  strip.max_drawdown = growthDrawdown(twr.daily);
  const { index, returns } = pricingDayReturns(twr.daily, active.pricing_days);
  period.pricing_days = index.length;
  if (returns.length < 2) {
    warnings.push({
      code: 'metrics_partial',
      message: `volatility and Sharpe need at least 2 daily returns; the period from ${start} has ${returns.length}`,
    });
    return reported;
  }
  const vol = volatility(returns);
  const sharpe = sharpeRatio(returns, { risk_free_rate: riskFreeRate });
  warnings.push(...sharpe.warnings);
  strip.volatility = { annualized: fraction(vol.annualized), observations: vol.observations, method: vol.method };
  strip.sharpe = { ratio: fractionOrNull(sharpe.ratio), risk_free_rate: sharpe.risk_free_rate, method: sharpe.method };
  return reported;
}
