import assert from 'node:assert/strict';
import { performanceReport } from '../../../src/domain/metrics/performance-report.js';
import { riskReport } from '../../../src/domain/metrics/risk-report.js';
import type { MetricsSeries } from '../../../src/domain/metrics/series.js';
import { summaryStrip } from '../../../src/domain/metrics/summary-strip.js';
import { fraction } from '../../../src/domain/number.js';
import { AppError } from '../../../src/errors.js';

const day = (date: string, value: number, inflow = 0, outflow = 0) => ({ date, value, inflow, outflow });

function series(points: MetricsSeries['points'], pricingDays = points.map((p) => p.date)): MetricsSeries {
  return {
    base_currency: 'USD',
    start_date: points[0]!.date,
    end_date: points[points.length - 1]!.date,
    points,
    pricing_days: pricingDays,
    benchmark: null,
  };
}

const invalid = (message: RegExp) => (e: unknown) =>
  e instanceof AppError && e.code === 'invalid_request' && message.test(e.message);

// Four daily returns: +10%, -10%, +10%, 0 (values 100, 110, 99, 108.9, 108.9).
const SWINGS = series([
  day('2025-01-06', 100, 100),
  day('2025-01-07', 110),
  day('2025-01-08', 99),
  day('2025-01-09', 108.9),
  day('2025-01-10', 108.9),
]);
const SWING_SD = Math.sqrt((0.075 ** 2 + 0.125 ** 2 + 0.075 ** 2 + 0.025 ** 2) / 3);

describe('domain/metrics performanceReport (metrics.performance)', () => {
  it('gives equal time- and money-weighted returns without flows: 10% over 2024, annualised Actual/365', () => {
    const { output, warnings } = performanceReport(series([day('2024-01-01', 100, 100), day('2025-01-01', 110)]));
    assert.deepEqual(warnings, []);
    assert.equal(output.twr.cumulative, 0.1);
    // 2024 has 366 days: annualised to 365.
    const annual = 1.1 ** (365 / 366) - 1;
    assert.ok(Math.abs(output.twr.annualized! - annual) < 1e-10, String(output.twr.annualized));
    assert.equal(output.mwr.status, 'ok');
    assert.ok(Math.abs(output.mwr.annualized - annual) < 1e-9, String(output.mwr.annualized));
    assert.deepEqual(output.period, { start_date: '2024-01-01', end_date: '2025-01-01', days: 366 });
    assert.deepEqual(
      output.twr.daily.map((d) => d.cumulative),
      [0, 0.1],
    );
  });

  it('says why the money-weighted return is missing, after the TWR warnings, for a period holding nothing', () => {
    const { output, warnings } = performanceReport(series([day('2025-01-01', 0), day('2025-01-02', 0)]));
    assert.deepEqual(output.mwr, { annualized: null, status: 'too_few_flows', method: output.mwr.method });
    assert.equal(warnings[warnings.length - 1]!.code, 'mwr_unavailable');
    assert.match(warnings[warnings.length - 1]!.message, /^money-weighted return not computed: XIRR needs at least 2/);
    assert.ok(warnings.slice(0, -1).every((w) => w.code === 'twr_zero_base'));
    assert.equal(output.twr.cumulative, 0);
  });
});

describe('domain/metrics performanceReport series', () => {
  it('returns the daily values and flows behind the returns only when asked', () => {
    const points = [day('2025-01-06', 100, 100), day('2025-01-07', 150, 60), day('2025-01-08', 120.5, 0, 30.25)];
    const plain = performanceReport(series(points));
    assert.equal('series' in plain.output, false);
    const { output } = performanceReport(series(points), true);
    assert.deepEqual(output.series?.points, [
      { date: '2025-01-06', value: 100, inflow: 100, outflow: 0, net_flow: 100 },
      { date: '2025-01-07', value: 150, inflow: 60, outflow: 0, net_flow: 60 },
      { date: '2025-01-08', value: 120.5, inflow: 0, outflow: 30.25, net_flow: -30.25 },
    ]);
    assert.deepEqual({ ...output, series: undefined }, { ...plain.output, series: undefined });
  });
});

describe('domain/metrics riskReport (metrics.risk)', () => {
  it('computes volatility and Sharpe from the returns between pricing days, with reference values', () => {
    const { output, warnings } = riskReport(SWINGS);
    assert.deepEqual(warnings, []);
    assert.deepEqual(output.period, { start_date: '2025-01-06', end_date: '2025-01-10', pricing_days: 5, returns: 4 });
    assert.equal(output.volatility.daily, fraction(SWING_SD));
    assert.equal(output.volatility.annualized, fraction(SWING_SD * Math.sqrt(252)));
    assert.equal(output.sharpe.ratio, fraction((0.025 * 252) / (SWING_SD * Math.sqrt(252))));
    assert.equal(output.max_drawdown.max_drawdown, 0.1);
    assert.equal(output.var.historical.length, 4);
    assert.deepEqual(
      output.var.parametric.map((v) => [v.confidence, v.horizon_days]),
      [
        [0.95, 1],
        [0.95, 10],
        [0.99, 1],
        [0.99, 10],
      ],
    );
    assert.equal(output.benchmark, null);
  });

  it('takes excess returns over the risk-free rate given and echoes it; 0 gives the default answer', () => {
    const rf = 0.04;
    const daily = 1.04 ** (1 / 252) - 1;
    const { output } = riskReport(SWINGS, rf);
    assert.equal(output.sharpe.risk_free_rate, rf);
    assert.equal(output.sortino.risk_free_rate, rf);
    assert.equal(output.sharpe.ratio, fraction(((0.025 - daily) * 252) / (SWING_SD * Math.sqrt(252))));
    assert.equal(output.volatility.annualized, fraction(SWING_SD * Math.sqrt(252)));
    assert.deepEqual(riskReport(SWINGS, 0), riskReport(SWINGS));
  });

  it('measures a young portfolio from the day before its first activity, as if the period started there, with a warning', () => {
    const idle = [day('2025-01-02', 0), day('2025-01-03', 0), day('2025-01-04', 0), day('2025-01-05', 0)];
    const young = series([...idle, ...SWINGS.points], ['2025-01-02', '2025-01-03', ...SWINGS.pricing_days]);
    const fromActivity = series([idle[3]!, ...SWINGS.points], ['2025-01-05', ...SWINGS.pricing_days]);
    const { output, warnings } = riskReport(young);
    assert.deepEqual(output, riskReport(fromActivity).output);
    assert.equal(output.period.start_date, '2025-01-05');
    assert.deepEqual(warnings, [
      {
        code: 'period_from_first_activity',
        message:
          "the portfolio's first activity is after the period's first day 2025-01-02; risk is measured from 2025-01-05, the day before it",
      },
    ]);
    // Its first day's return is 0 (the deposit day), so the figures are those of SWINGS and one more 0.
    assert.equal(output.volatility.observations, 5);
  });

  it('gives beta 1 and no tracking error against a benchmark that moved exactly like the portfolio', () => {
    const closes = SWINGS.points.map((p) => ({ date: p.date, close: p.value / 2 }));
    const { output } = riskReport({ ...SWINGS, benchmark: { symbol: 'SPY', currency: 'USD', closes } });
    assert.equal(output.benchmark?.beta, 1);
    assert.equal(output.benchmark?.tracking_error, 0);
    assert.equal(output.benchmark?.observations, 4);
    assert.match(output.benchmark.method, /the portfolio in USD, the benchmark's closes in USD$/);
  });

  it('refuses a period with fewer than 2 returns between pricing days, weekends not counted', () => {
    const weekend = series(
      [day('2025-01-03', 100, 100), day('2025-01-04', 100), day('2025-01-05', 100)],
      ['2025-01-03'],
    );
    assert.throws(
      () => riskReport(weekend),
      invalid(/need at least 2 daily returns; the period 2025-01-03 to 2025-01-05 has 0$/),
    );
  });

  it('refuses a benchmark with closes on fewer than 3 pricing days', () => {
    const closes = [{ date: '2025-01-06', close: 50 }];
    assert.throws(
      () => riskReport({ ...SWINGS, benchmark: { symbol: 'SPY', currency: 'USD', closes } }),
      invalid(/^benchmark SPY has closes on 1 pricing day\(s\) of the period; beta needs at least 3$/),
    );
  });
});

describe('domain/metrics summaryStrip (metrics.summary)', () => {
  it('gives every figure for a period with enough pricing days', () => {
    const { output, warnings } = summaryStrip(SWINGS, 108.9);
    assert.deepEqual(warnings, []);
    assert.equal(output.total_value.value, 108.9);
    assert.equal(output.twr?.cumulative, fraction(0.089));
    assert.equal(output.volatility?.annualized, fraction(SWING_SD * Math.sqrt(252)));
    assert.equal(output.sharpe?.ratio, fraction((0.025 * 252) / (SWING_SD * Math.sqrt(252))));
    assert.equal(output.max_drawdown?.max_drawdown, 0.1);
    assert.deepEqual(output.period, { start_date: '2025-01-06', end_date: '2025-01-10', days: 4, pricing_days: 5 });
  });

  it('has no figures, with a warning, when the portfolio holds nothing over the period', () => {
    const { output, warnings } = summaryStrip(series([day('2025-01-06', 0), day('2025-01-07', 0)]), 0);
    assert.deepEqual([output.twr, output.volatility, output.sharpe, output.max_drawdown], [null, null, null, null]);
    assert.deepEqual(warnings, [
      {
        code: 'metrics_unavailable',
        message: 'the portfolio holds nothing between 2025-01-06 and 2025-01-07; no return or risk figures',
      },
    ]);
  });

  it('starts a younger portfolio the day before its first activity, and leaves out volatility with under 2 returns', () => {
    const young = series(
      [day('2025-01-06', 0), day('2025-01-07', 0), day('2025-01-08', 1_000, 1_000), day('2025-01-09', 1_050)],
      ['2025-01-06', '2025-01-09'],
    );
    const { output, warnings } = summaryStrip(young, 1_050);
    assert.equal(output.period.start_date, '2025-01-07');
    assert.equal(output.twr?.cumulative, 0.05);
    assert.equal(output.volatility, null);
    assert.equal(output.sharpe, null);
    assert.deepEqual(warnings.map((w) => w.code).slice(-1), ['metrics_partial']);
    assert.match(warnings[warnings.length - 1]!.message, /the period from 2025-01-07 has 1$/);
    assert.equal(output.period.pricing_days, 2);
  });
});
