import { isList } from '../record.js';
import { AnalyticsInputError, chronologicalDays, nonNegative, positive, type DatedValue } from './input.js';

export interface DrawdownResult {
  /** The largest fall from a running peak, as a positive fraction of the peak (0.25 = 25%). */
  max_drawdown: number;
  /** Null, like the trough, when the series never falls. */
  peak_date: string | null;
  trough_date: string | null;
  /** First date after the trough at or above the peak; null while not recovered. */
  recovery_date: string | null;
  method: string;
}

/**
 * Maximum drawdown of a value series. Pass a growth index (1 + cumulative TWR) rather than raw
 * portfolio values, or withdrawals would show up as losses. When several falls are equally
 * deep, the first is reported.
 *
 * A peak on a flat top (the same high on consecutive dates, as a growth index is over a
 * weekend) is the first day of the top: that is when the value was last worth that much
 * before it fell. A return to an earlier high after a dip starts a new top, so a later fall is
 * measured from the day the value got back there.
 */
export function maxDrawdown(series: readonly DatedValue[]): DrawdownResult {
  if (!isList(series) || series.length === 0) throw new AnalyticsInputError('drawdown needs at least one value');
  chronologicalDays(
    series.map((p) => p.date),
    'series',
    true,
  );
  // A total loss may reach 0; the first value must not, so the running peak is never 0.
  const values = series.map((p, i) => (i === 0 ? positive : nonNegative)(p.value, `series[${i}].value`));

  let peak = 0;
  let worst = 0;
  let worstPeak = -1;
  let worstTrough = -1;
  for (let i = 1; i < values.length; i++) {
    if (values[i]! > values[peak]!) {
      peak = i;
      continue;
    }
    if (values[i] === values[peak]) {
      // Still on the top: it began earlier. Back at the top after a dip: a new top begins.
      if (values[i - 1]! < values[peak]!) peak = i;
      continue;
    }
    const dd = 1 - values[i]! / values[peak]!;
    if (dd > worst) {
      worst = dd;
      worstPeak = peak;
      worstTrough = i;
    }
  }

  let recovery: string | null = null;
  if (worstTrough >= 0) {
    const level = values[worstPeak]!;
    for (let i = worstTrough + 1; i < values.length; i++) {
      if (values[i]! >= level) {
        recovery = series[i]!.date;
        break;
      }
    }
  }
  return {
    max_drawdown: worst,
    peak_date: worstTrough >= 0 ? series[worstPeak]!.date : null,
    trough_date: worstTrough >= 0 ? series[worstTrough]!.date : null,
    recovery_date: recovery,
    method:
      'largest fall from a running peak, 1 - trough / peak; a peak on a flat top is the first day of the top; ' +
      'recovery is the first later date back at or above the peak',
  };
}
