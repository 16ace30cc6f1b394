import type { AnalyticsWarning } from '../analytics/input.js';
import { timeWeightedReturn } from '../analytics/twr.js';
import { xirr } from '../analytics/xirr.js';
import { fraction, fractionOrNull, RETURN_DIGITS } from '../number.js';
import type { Reported } from '../report.js';
import { investorFlows, type MetricsSeries } from './series.js';

const MWR_METHOD =
  "money-weighted return: XIRR, Actual/365, of the investor's flows: the first day's closing value invested at the start, " +
  "inflows invested and outflows returned on their days, the last day's closing value returned at the end; annual rate";

/** The metrics.performance answer: time-weighted returns day by day and money-weighted return of a series. */
export function performanceReport(series: Omit<MetricsSeries, 'pricing_days' | 'benchmark'>) {
  const warnings: AnalyticsWarning[] = [];
  const twr = timeWeightedReturn(series.points);
  warnings.push(...twr.warnings);
  const mwr = xirr(investorFlows(series.points));
  if (!mwr.ok)
    warnings.push({ code: 'mwr_unavailable', message: `money-weighted return not computed: ${mwr.message}` });
  const output = {
    twr: {
      cumulative: fraction(twr.cumulative),
      annualized: fractionOrNull(twr.annualized),
      daily: twr.daily.map((d) => ({ date: d.date, return: fraction(d.return), cumulative: fraction(d.cumulative) })),
      method: twr.method,
    },
    mwr: mwr.ok
      ? { annualized: fraction(mwr.rate), status: 'ok', method: MWR_METHOD }
      : { annualized: null, status: mwr.reason, method: MWR_METHOD },
    period: { start_date: series.start_date, end_date: series.end_date, days: twr.days },
    currency: series.base_currency,
    method: `returns in ${series.base_currency} from daily values including cash; returns are fractions (0.01 = 1%) rounded to ${RETURN_DIGITS} decimals`,
  };
  return { output, warnings } satisfies Reported<typeof output>;
}
