import { AnalyticsInputError, finite, returnSeries } from './input.js';
import { normalDensity, normalQuantile } from './normal.js';
import { mean, quantileLinear, sampleStdDev } from './stats.js';

export interface VarOptions {
  /** Confidence level, e.g. 0.95 or 0.99. */
  confidence: number;
  /** Holding period in trading days, e.g. 1 or 10. */
  horizon_days: number;
}

export interface VarResult {
  /**
   * Losses as positive fractions of value (0.02 = 2%); negative when even the tail of the
   * distribution is a gain.
   */
  var: number;
  cvar: number;
  confidence: number;
  horizon_days: number;
  observations: number;
  method: string;
}

const SCALING =
  'scaled to the horizon by sqrt(horizon_days), which assumes independent, identically distributed daily returns';

/**
 * Historical VaR and CVaR from daily returns. The VaR threshold is the (1 - confidence)
 * quantile of the returns, taken with linear interpolation between order statistics (numpy's
 * default, Hyndman-Fan type 7); CVaR is the mean of the returns at or below that threshold.
 */
export function historicalVar(returns: readonly number[], opts: VarOptions): VarResult {
  const rs = returnSeries(returns, 'returns');
  const { confidence, horizon_days } = varOptions(opts);
  const sorted = [...rs].sort((a, b) => a - b);
  const threshold = quantileLinear(sorted, 1 - confidence);
  // The order statistic below the interpolated threshold is always in the tail, so the tail is never empty.
  const tail = sorted.filter((r) => r <= threshold);
  const scale = Math.sqrt(horizon_days);
  return {
    var: -threshold * scale,
    cvar: -mean(tail) * scale,
    confidence,
    horizon_days,
    observations: rs.length,
    method:
      'historical: VaR = -(1 - confidence) quantile of daily returns (linear interpolation, numpy default); ' +
      `CVaR = -mean of daily returns at or below that quantile; ${SCALING}`,
  };
}

/**
 * Parametric (normal) VaR and CVaR: with the sample mean mu and standard deviation sigma of
 * daily returns and z the standard normal quantile at the confidence level,
 * VaR = z sigma - mu and CVaR = sigma phi(z) / (1 - confidence) - mu.
 */
export function parametricVar(returns: readonly number[], opts: VarOptions): VarResult {
  const rs = returnSeries(returns, 'returns');
  const { confidence, horizon_days } = varOptions(opts);
  const mu = mean(rs);
  const sigma = sampleStdDev(rs);
  const z = normalQuantile(confidence);
  const scale = Math.sqrt(horizon_days);
  return {
    var: (z * sigma - mu) * scale,
    cvar: ((sigma * normalDensity(z)) / (1 - confidence) - mu) * scale,
    confidence,
    horizon_days,
    observations: rs.length,
    method:
      'parametric normal: VaR = z sigma - mu, CVaR = sigma phi(z) / (1 - confidence) - mu, with the sample mean and ' +
      `standard deviation (divisor n - 1) of daily returns and z the normal quantile (AS 241); ${SCALING}`,
  };
}

function varOptions(opts: VarOptions): VarOptions {
  const confidence = finite(opts.confidence, 'confidence');
  if (!(confidence > 0 && confidence < 1))
    throw new AnalyticsInputError(`confidence must be between 0 and 1, got ${confidence}`);
  const horizon = opts.horizon_days;
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new AnalyticsInputError(`horizon_days must be a positive whole number of days, got ${String(horizon)}`);
  }
  return { confidence, horizon_days: horizon };
}
