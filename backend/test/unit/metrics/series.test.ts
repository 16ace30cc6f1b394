import assert from 'node:assert/strict';
import {
  fromFirstActivity,
  growthDrawdown,
  investorFlows,
  pricingDayReturns,
} from '../../../src/domain/metrics/series.js';

const day = (date: string, value: number, inflow = 0, outflow = 0) => ({ date, value, inflow, outflow });

describe('domain/metrics investorFlows', () => {
  it("invests the first day's closing value, then each day's inflows, and returns outflows and the last value", () => {
    const flows = investorFlows([
      day('2025-01-01', 1_000, 1_000),
      day('2025-01-02', 1_100),
      day('2025-01-03', 1_600, 500),
      day('2025-01-04', 1_400, 0, 300),
    ]);
    // The first day's inflow is already in its value: it is not invested twice.
    assert.deepEqual(flows, [
      { date: '2025-01-01', amount: -1_000 },
      { date: '2025-01-03', amount: -500 },
      { date: '2025-01-04', amount: 300 },
      { date: '2025-01-04', amount: 1_400 },
    ]);
  });

  it('starts with nothing invested when the first day is worth zero', () => {
    assert.deepEqual(investorFlows([day('2025-01-01', 0), day('2025-01-02', 1_000, 1_000), day('2025-01-03', 990)]), [
      { date: '2025-01-02', amount: -1_000 },
      { date: '2025-01-03', amount: 990 },
    ]);
  });

  it('has only the closing value for a one-day series', () => {
    assert.deepEqual(investorFlows([day('2025-01-01', 500, 500)]), [
      { date: '2025-01-01', amount: -500 },
      { date: '2025-01-01', amount: 500 },
    ]);
  });
});

describe('domain/metrics pricingDayReturns', () => {
  const daily = [
    { date: '2025-01-03', cumulative: 0 },
    { date: '2025-01-04', cumulative: 0 },
    { date: '2025-01-05', cumulative: 0 },
    { date: '2025-01-06', cumulative: 0.1 },
    { date: '2025-01-07', cumulative: 0.21 },
  ];

  it('compounds from one pricing day to the next, so weekends add no zero returns', () => {
    const { index, returns } = pricingDayReturns(daily, ['2025-01-03', '2025-01-06', '2025-01-07']);
    assert.deepEqual(index, [
      { date: '2025-01-03', value: 1 },
      { date: '2025-01-06', value: 1.1 },
      { date: '2025-01-07', value: 1.21 },
    ]);
    assert.equal(returns.length, 2);
    for (const r of returns) assert.ok(Math.abs(r - 0.1) < 1e-15, String(r));
  });

  it('leaves out pricing days outside the series, and has no returns for an empty period', () => {
    assert.equal(pricingDayReturns(daily, ['2025-01-02', '2025-01-06', '2025-01-08']).index.length, 1);
    assert.deepEqual(pricingDayReturns(daily, []), { index: [], returns: [] });
  });
});

describe('domain/metrics fromFirstActivity', () => {
  const periodOf = (points: ReturnType<typeof day>[], pricing_days = points.map((p) => p.date)) => ({
    base_currency: 'USD',
    start_date: points[0]!.date,
    end_date: points[points.length - 1]!.date,
    points,
    pricing_days,
    benchmark: null,
  });

  it('starts a younger portfolio the day before its first activity, that day opening the pricing days', () => {
    const young = periodOf(
      [
        day('2025-01-03', 0),
        day('2025-01-04', 0),
        day('2025-01-05', 0),
        day('2025-01-06', 1_000, 1_000),
        day('2025-01-07', 1_010),
      ],
      ['2025-01-03', '2025-01-06', '2025-01-07'],
    );
    const closes = [
      { date: '2025-01-03', close: 50 },
      { date: '2025-01-06', close: 51 },
      { date: '2025-01-07', close: 52 },
    ];
    const active = fromFirstActivity({ ...young, benchmark: { symbol: 'SPY', currency: 'USD', closes } });
    assert.equal(active.start_date, '2025-01-05');
    assert.deepEqual(
      active.points.map((p) => p.date),
      ['2025-01-05', '2025-01-06', '2025-01-07'],
    );
    assert.deepEqual(active.pricing_days, ['2025-01-05', '2025-01-06', '2025-01-07']);
    assert.deepEqual(
      active.benchmark?.closes,
      [{ date: '2025-01-05', close: 50 }, ...closes.slice(1)],
      'the close in force',
    );
  });

  it('keeps the whole series when the first day is active, or when nothing ever happens', () => {
    const active = periodOf([day('2025-01-01', 5), day('2025-01-02', 6)]);
    assert.deepEqual(fromFirstActivity(active), active);
    const idle = periodOf([day('2025-01-01', 0), day('2025-01-02', 0)]);
    assert.deepEqual(fromFirstActivity(idle), idle);
  });

  it('counts an outflow alone as activity', () => {
    const points = [day('2025-01-01', 0), day('2025-01-02', 0), day('2025-01-03', 0, 0, 10)];
    assert.equal(fromFirstActivity(periodOf(points)).points.length, 2);
  });
});

describe('domain/metrics growthDrawdown', () => {
  it('measures the fall of 1 + cumulative TWR from its peak: 1.2 to 0.96 is 20%', () => {
    const d = growthDrawdown([
      { date: '2025-01-01', cumulative: 0 },
      { date: '2025-01-02', cumulative: 0.2 },
      { date: '2025-01-03', cumulative: -0.04 },
      { date: '2025-01-04', cumulative: 0.3 },
    ]);
    assert.equal(d.max_drawdown, 0.2);
    assert.deepEqual([d.peak_date, d.trough_date, d.recovery_date], ['2025-01-02', '2025-01-03', '2025-01-04']);
    assert.match(d.method, /; on the growth index 1 \+ cumulative TWR over calendar days$/);
  });

  it('is 0 for a series that never falls', () => {
    const d = growthDrawdown([
      { date: '2025-01-01', cumulative: 0 },
      { date: '2025-01-02', cumulative: 0.01 },
    ]);
    assert.equal(d.max_drawdown, 0);
    assert.equal(d.peak_date, null);
  });
});
