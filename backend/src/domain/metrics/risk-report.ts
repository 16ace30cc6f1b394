import { invalid } from '../../errors.js';
import { benchmarkRisk } from '../analytics/benchmark.js';
import type { AnalyticsWarning } from '../analytics/input.js';
import { sharpeRatio, sortinoRatio, volatility, type RatioResult } from '../analytics/risk.js';
import { timeWeightedReturn } from '../analytics/twr.js';
import { historicalVar, parametricVar } from '../analytics/var.js';
import { fraction, fractionOrNull, RETURN_DIGITS } from '../number.js';
import type { Reported } from '../report.js';
import {
  DEFAULT_RISK_FREE_RATE,
  fromFirstActivity,
  growthDrawdown,
  pricingDayReturns,
  type MetricsSeries,
} from './series.js';

const CONFIDENCES = [0.95, 0.99] as const;
const HORIZONS = [1, 10] as const;

const ratio = (r: RatioResult) => ({
  ratio: fractionOrNull(r.ratio),
  annualized_excess_return: fraction(r.annualized_excess_return),
  annualized_risk: fraction(r.annualized_risk),
  risk_free_rate: r.risk_free_rate,
  method: r.method,
});

/** VaR and CVaR at every confidence and horizon reported, by one method. */
const varTable = (returns: readonly number[], fn: typeof historicalVar) =>
  CONFIDENCES.flatMap((confidence) =>
    HORIZONS.map((horizon_days) => {
      const v = fn(returns, { confidence, horizon_days });
      return { confidence, horizon_days, var: fraction(v.var), cvar: fraction(v.cvar), method: v.method };
    }),
  );

/**
 * The metrics.risk answer: volatility, Sharpe, Sortino, drawdown, VaR and CVaR of the returns
 * between pricing days, and beta and tracking error against the series' benchmark if it has one.
 * Sharpe and Sortino take excess returns over the annual risk-free rate given (0 by default).
 * A portfolio younger than the period is measured from the day before its first activity
 * (fromFirstActivity), with a warning, as the overview's metrics strip is.
 */
export function riskReport(period: MetricsSeries, riskFreeRate = DEFAULT_RISK_FREE_RATE) {
  const warnings: AnalyticsWarning[] = [];
  const series = fromFirstActivity(period);
  if (series.start_date !== period.start_date) {
    warnings.push({
      code: 'period_from_first_activity',
      message:
        `the portfolio's first activity is after the period's first day ${period.start_date}; ` +
        `risk is measured from ${series.start_date}, the day before it`,
    });
  }
  const twr = timeWeightedReturn(series.points);
  warnings.push(...twr.warnings);
  const { index, returns } = pricingDayReturns(twr.daily, series.pricing_days);
  if (returns.length < 2) {
    throw invalid(
      `risk figures need at least 2 daily returns; the period ${series.start_date} to ${series.end_date} has ${returns.length}`,
      { start_date: series.start_date, end_date: series.end_date },
    );
  }

  const vol = volatility(returns);
  const sharpe = sharpeRatio(returns, { risk_free_rate: riskFreeRate });
  const sortino = sortinoRatio(returns, { risk_free_rate: riskFreeRate });
  warnings.push(...sharpe.warnings, ...sortino.warnings);

  let benchmark = null;
  if (series.benchmark !== null) {
    const { symbol, currency, closes } = series.benchmark;
    if (closes.length < 3) {
      throw invalid(
        `benchmark ${symbol} has closes on ${closes.length} pricing day(s) of the period; beta needs at least 3`,
        {
          benchmark: symbol,
        },
      );
    }
    const b = benchmarkRisk(
      index,
      closes.map((c) => ({ date: c.date, value: c.close })),
    );
    warnings.push(...b.warnings);
    benchmark = {
      symbol,
      currency,
      beta: fractionOrNull(b.beta),
      tracking_error: fraction(b.tracking_error),
      observations: b.observations,
      method: `${b.method}; the portfolio in ${series.base_currency}, the benchmark's closes in ${currency}`,
    };
  }

  const output = {
    period: {
      start_date: series.start_date,
      end_date: series.end_date,
      pricing_days: index.length,
      returns: returns.length,
    },
    currency: series.base_currency,
    volatility: {
      daily: fraction(vol.daily),
      annualized: fraction(vol.annualized),
      observations: vol.observations,
      method: vol.method,
    },
    sharpe: ratio(sharpe),
    sortino: ratio(sortino),
    max_drawdown: growthDrawdown(twr.daily),
    var: { historical: varTable(returns, historicalVar), parametric: varTable(returns, parametricVar) },
    benchmark,
    method:
      `daily time-weighted returns in ${series.base_currency} between consecutive pricing days (${twr.method}); ` +
      `losses as positive fractions of value; figures rounded to ${RETURN_DIGITS} decimals`,
  };
  return { output, warnings } satisfies Reported<typeof output>;
}
