/**
 * Sample statistics shared by the risk measures. Callers validate their inputs; these assume
 * finite numbers and enough of them.
 */

/**
 * Mean with one correction pass for the rounding of the first. Besides the accuracy, it
 * makes the mean of a constant series that constant exactly, so its deviation is exactly 0
 * and a ratio over it is reported undefined rather than astronomically large.
 */
export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  const m = s / xs.length;
  let c = 0;
  for (const x of xs) c += x - m;
  return m + c / xs.length;
}

/** Sample covariance, divisor n - 1; two passes so a large common mean does not cancel digits away. */
export function sampleCovariance(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - mx) * (ys[i]! - my);
  return s / (xs.length - 1);
}

export const sampleVariance = (xs: readonly number[]): number => sampleCovariance(xs, xs);

export const sampleStdDev = (xs: readonly number[]): number => Math.sqrt(sampleVariance(xs));

/**
 * The p-quantile of ascending `sorted` with linear interpolation between order statistics at
 * position h = (n - 1) p, counted from 0: Hyndman and Fan type 7, numpy's default and Excel's
 * PERCENTILE.INC.
 */
export function quantileLinear(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}
