import type { AnalyticsWarning } from '../analytics/input.js';
import { timeWeightedReturn } from '../analytics/twr.js';
import { xirr } from '../analytics/xirr.js';
import { fraction, fractionOrNull, money, RETURN_DIGITS } from '../number.js';
import type { Reported } from '../report.js';
import { investorFlows, type MetricsSeries } from './series.js';

const MWR_METHOD =
  "money-weighted return: XIRR, Actual/365, of the investor's flows: the first day's closing value invested at the start, " +
  "inflows invested and outflows returned on their days, the last day's closing value returned at the end; annual rate";

const SERIES_METHOD =
  'end-of-day value of cash and positions and the external flows of each calendar day, in the base currency, ' +
  'as the returns use them: inflows join the day at its start, outflows leave at its end; net_flow = inflow - outflow';

/**
 * The days behind the returns, for a client that charts them or checks the figures. Only
 * when asked for, so answers without it stay as they were.
 */
const valueSeries = (points: MetricsSeries['points']) => ({
  points: points.map((p) => ({
    date: p.date,
    value: p.value,
    inflow: p.inflow,
    outflow: p.outflow,
    net_flow: money(p.inflow - p.outflow),
  })),
  method: SERIES_METHOD,
});

/**
 * The metrics.performance answer: time-weighted returns day by day and money-weighted return
 * of a series, and with `includeSeries` the daily values and flows they come from.
 */
export function performanceReport(series: Omit<MetricsSeries, 'pricing_days' | 'benchmark'>, includeSeries = false) {
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
    ...(includeSeries ? { series: valueSeries(series.points) } : {}),
  };
  return { output, warnings } satisfies Reported<typeof output>;
}
