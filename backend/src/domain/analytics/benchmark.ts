import { isList } from '../record.js';
import { AnalyticsInputError, chronologicalDays, positive, type AnalyticsWarning, type DatedValue } from './input.js';
import { TRADING_DAYS } from './risk.js';
import { sampleCovariance, sampleStdDev, sampleVariance } from './stats.js';

export interface BenchmarkResult {
  /** cov(p, b) / var(b); null when the benchmark never moves. */
  beta: number | null;
  /** Annualised standard deviation of the daily active return p - b. */
  tracking_error: number;
  /** Pairs of daily returns the figures rest on. */
  observations: number;
  warnings: AnalyticsWarning[];
  method: string;
}

/**
 * Beta and tracking error of a portfolio against a benchmark, from their levels: the
 * portfolio's growth index (1 + cumulative TWR) and the benchmark's prices.
 *
 * Levels rather than returns so the two can be aligned honestly: returns are taken between
 * consecutive dates both series have, so a day one series lacks joins the next period in both
 * instead of pairing a one-day return with a two-day one.
 */
export function benchmarkRisk(portfolio: readonly DatedValue[], benchmark: readonly DatedValue[]): BenchmarkResult {
  const p = levels(portfolio, 'portfolio');
  const b = levels(benchmark, 'benchmark');
  const common = [...p.keys()].filter((d) => b.has(d));
  if (common.length < 3) {
    throw new AnalyticsInputError(`beta and tracking error need at least 3 dates in both series, got ${common.length}`);
  }
  const rp: number[] = [];
  const rb: number[] = [];
  const active: number[] = [];
  for (let i = 1; i < common.length; i++) {
    const x = p.get(common[i]!)! / p.get(common[i - 1]!)! - 1;
    const y = b.get(common[i]!)! / b.get(common[i - 1]!)! - 1;
    rp.push(x);
    rb.push(y);
    active.push(x - y);
  }

  const warnings: AnalyticsWarning[] = [];
  const unmatched = p.size + b.size - 2 * common.length;
  if (unmatched > 0) {
    warnings.push({
      code: 'benchmark_dates_unmatched',
      message: `${unmatched} date(s) appear in only one of the portfolio and benchmark series; returns span the dates both have`,
    });
  }
  const varB = sampleVariance(rb);
  if (varB === 0)
    warnings.push({ code: 'beta_undefined', message: 'the benchmark return never varies, so beta is undefined' });
  return {
    beta: varB === 0 ? null : sampleCovariance(rp, rb) / varB,
    tracking_error: sampleStdDev(active) * Math.sqrt(TRADING_DAYS),
    observations: rp.length,
    warnings,
    method:
      'daily simple returns between dates both series have; beta = sample cov(p, b) / sample var(b); ' +
      'tracking error = sample standard deviation (divisor n - 1) of p - b, annualised by sqrt(252)',
  };
}

function levels(series: readonly DatedValue[], what: string): Map<string, number> {
  if (!isList(series)) throw new AnalyticsInputError(`${what} must be an array of dated values`);
  chronologicalDays(
    series.map((x) => x.date),
    what,
    true,
  );
  return new Map(series.map((x, i) => [x.date, positive(x.value, `${what}[${i}].value`)]));
}
