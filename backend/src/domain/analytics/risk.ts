import { AnalyticsInputError, finite, returnSeries, type AnalyticsWarning } from './input.js';
import { mean, sampleStdDev } from './stats.js';

/** Trading days in a year: daily figures are annualised with it. */
export const TRADING_DAYS = 252;

export interface VolatilityResult {
  daily: number;
  annualized: number;
  estimator: 'sample';
  observations: number;
  method: string;
}

/** Volatility of daily returns: the sample standard deviation (divisor n - 1), annualised by sqrt(252). */
export function volatility(returns: readonly number[]): VolatilityResult {
  const rs = returnSeries(returns, 'returns');
  const daily = sampleStdDev(rs);
  return {
    daily,
    annualized: daily * Math.sqrt(TRADING_DAYS),
    estimator: 'sample',
    observations: rs.length,
    method: 'sample standard deviation (divisor n - 1) of daily returns, annualised by sqrt(252)',
  };
}

export interface RatioOptions {
  /** Annual risk-free rate, compounded: 0.03 for 3% a year. Defaults to 0. */
  risk_free_rate?: number;
}

export interface RatioResult {
  /** Null when the denominator is zero; a warning says so. */
  ratio: number | null;
  annualized_excess_return: number;
  /** Annualised volatility for Sharpe, annualised downside deviation for Sortino. */
  annualized_risk: number;
  risk_free_rate: number;
  observations: number;
  warnings: AnalyticsWarning[];
  method: string;
}

/**
 * Sharpe ratio: annualised mean excess return over annualised volatility. The daily
 * risk-free rate is the annual one de-compounded, (1 + rf)^(1/252) - 1, and the mean excess
 * return is annualised arithmetically (x 252), so the ratio is the daily one times sqrt(252).
 */
export function sharpeRatio(returns: readonly number[], opts: RatioOptions = {}): RatioResult {
  const rs = returnSeries(returns, 'returns');
  const rf = riskFreeRate(opts);
  const excess = mean(rs) - dailyRate(rf);
  const risk = sampleStdDev(rs) * Math.sqrt(TRADING_DAYS);
  return ratioResult(
    'sharpe',
    excess * TRADING_DAYS,
    risk,
    rf,
    rs.length,
    'Sharpe: (mean daily return - daily rf) x 252 / (sample standard deviation x sqrt(252)); daily rf = (1 + annual rf)^(1/252) - 1',
  );
}

/**
 * Sortino ratio: annualised mean excess return over annualised downside deviation. The
 * downside deviation is the target semideviation with the daily risk-free rate as target,
 * sqrt(sum(min(0, r - rf_daily)^2) / n) over all n days, as Sortino and Price define it:
 * days above the target count as zero shortfall rather than being dropped.
 */
export function sortinoRatio(returns: readonly number[], opts: RatioOptions = {}): RatioResult {
  const rs = returnSeries(returns, 'returns');
  const rf = riskFreeRate(opts);
  const target = dailyRate(rf);
  let shortfall = 0;
  for (const r of rs) if (r < target) shortfall += (r - target) ** 2;
  const risk = Math.sqrt(shortfall / rs.length) * Math.sqrt(TRADING_DAYS);
  return ratioResult(
    'sortino',
    (mean(rs) - target) * TRADING_DAYS,
    risk,
    rf,
    rs.length,
    'Sortino: (mean daily return - daily rf) x 252 / (downside deviation x sqrt(252)); ' +
      'downside deviation = sqrt(sum(min(0, r - daily rf)^2) / n) over all n days; daily rf = (1 + annual rf)^(1/252) - 1',
  );
}

function riskFreeRate(opts: RatioOptions): number {
  const rf = finite(opts.risk_free_rate ?? 0, 'risk_free_rate');
  if (!(rf > -1)) throw new AnalyticsInputError(`risk_free_rate must be above -1, got ${rf}`);
  return rf;
}

const dailyRate = (annual: number): number => (1 + annual) ** (1 / TRADING_DAYS) - 1;

function ratioResult(
  name: 'sharpe' | 'sortino',
  excess: number,
  risk: number,
  rf: number,
  observations: number,
  method: string,
): RatioResult {
  const warnings: AnalyticsWarning[] =
    risk === 0
      ? [
          {
            code: `${name}_undefined`,
            message: `the ${name === 'sharpe' ? 'volatility' : 'downside deviation'} is zero, so the ratio is undefined`,
          },
        ]
      : [];
  return {
    ratio: risk === 0 ? null : excess / risk,
    annualized_excess_return: excess,
    annualized_risk: risk,
    risk_free_rate: rf,
    observations,
    warnings,
    method,
  };
}
