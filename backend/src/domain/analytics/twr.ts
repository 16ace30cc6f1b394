import { isList } from '../record.js';
import { AnalyticsInputError, chronologicalDays, finite, nonNegative, type AnalyticsWarning } from './input.js';

/**
 * One day of a portfolio: `value` is the end-of-day value in the base currency, cash
 * included; `inflow` and `outflow` are that day's external flows (deposits, withdrawals,
 * transfers) as positive amounts.
 */
export interface TwrPoint {
  date: string;
  value: number;
  inflow: number;
  outflow: number;
}

export interface TwrDay {
  date: string;
  return: number;
  cumulative: number;
}

export interface TwrResult {
  daily: TwrDay[];
  cumulative: number;
  /** Null for periods under 365 days, which are reported as they are rather than annualised. */
  annualized: number | null;
  /** Calendar days from the first date to the last. */
  days: number;
  warnings: AnalyticsWarning[];
  method: string;
}

const METHOD =
  'daily time-weighted return, Portfolio Performance convention: inflows at the start of the day, outflows at the end, ' +
  'r_t = (V_t + Out_t) / (V_{t-1} + In_t) - 1, linked geometrically; first day 0; ' +
  'annualised as (1 + cumulative)^(365 / calendar days) - 1 only for periods of 365 days or more';

/**
 * Time-weighted return of a daily value series with external flows.
 *
 * An inflow is taken to arrive at the start of its day, so it earns that day's return and
 * joins the base; an outflow leaves at the end of its day, after earning it, so it is added
 * back to the day's closing value. Either way the day's return is that of the money invested
 * through the day, and flows change no return: that is what makes the result time-weighted.
 * The first day only sets the starting value (its flows are already in it), so its return is 0.
 */
export function timeWeightedReturn(series: readonly TwrPoint[]): TwrResult {
  if (!isList(series) || series.length === 0) throw new AnalyticsInputError('TWR needs at least one day');
  const days = chronologicalDays(
    series.map((p) => p.date),
    'series',
    true,
  );
  const points = series.map((p, i) => ({
    date: p.date,
    value: finite(p.value, `series[${i}].value`),
    inflow: nonNegative(p.inflow, `series[${i}].inflow`),
    outflow: nonNegative(p.outflow, `series[${i}].outflow`),
  }));

  const warnings: AnalyticsWarning[] = [];
  const daily: TwrDay[] = [];
  let growth = 1;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const prev = points[i - 1];
    let r = 0;
    if (prev !== undefined) {
      const base = prev.value + p.inflow;
      if (base > 0) {
        r = (p.value + p.outflow) / base - 1;
      } else {
        // Nothing was invested through the day, so it has no return; 0 keeps the chain linked
        // and the warning says the day was skipped rather than measured.
        warnings.push({
          code: base === 0 ? 'twr_zero_base' : 'twr_negative_base',
          message: `${p.date}: the value invested through the day (previous value plus inflow) is ${base}; the day's return is taken as 0`,
        });
      }
    }
    growth *= 1 + r;
    daily.push({ date: p.date, return: r, cumulative: growth - 1 });
  }

  const span = days[days.length - 1]! - days[0]!;
  let annualized: number | null = null;
  if (span >= 365) {
    if (growth >= 0) {
      annualized = growth ** (365 / span) - 1;
    } else {
      // A day that lost more than everything leaves a negative growth factor, which has no real root.
      warnings.push({
        code: 'twr_not_annualizable',
        message: `cumulative return ${growth - 1} is below -100%, so it has no annualised equivalent`,
      });
    }
  }
  return { daily, cumulative: growth - 1, annualized, days: span, warnings, method: METHOD };
}
