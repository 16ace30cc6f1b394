import assert from 'node:assert/strict';
import { maxDrawdown } from '../../../src/domain/analytics/drawdown.js';
import { AnalyticsInputError, type DatedValue } from '../../../src/domain/analytics/input.js';

const series = (...values: number[]): DatedValue[] =>
  values.map((value, i) => ({ date: `2024-01-${String(i + 1).padStart(2, '0')}`, value }));

describe('domain/analytics maxDrawdown', () => {
  it('finds the deepest fall from a running peak, with peak, trough and recovery dates', () => {
    // 120 -> 90 is 25%; the earlier 100 -> 95 is only 5%. 130 on day 5 is back above 120.
    const d = maxDrawdown(series(100, 95, 120, 90, 130, 125));
    assert.equal(d.max_drawdown, 0.25);
    assert.equal(d.peak_date, '2024-01-03');
    assert.equal(d.trough_date, '2024-01-04');
    assert.equal(d.recovery_date, '2024-01-05');
  });

  it('counts a return to exactly the peak as a recovery', () => {
    assert.equal(maxDrawdown(series(100, 80, 100)).recovery_date, '2024-01-03');
  });

  it('leaves the recovery date null while below the peak', () => {
    const d = maxDrawdown(series(100, 80, 90, 99.99));
    assert.ok(Math.abs(d.max_drawdown - 0.2) < 1e-15);
    assert.equal(d.recovery_date, null);
  });

  it('starts a fall from the latest top when the value gets back to an equal high after a dip', () => {
    const d = maxDrawdown(series(100, 90, 100, 70));
    assert.equal(d.peak_date, '2024-01-03');
    assert.equal(d.trough_date, '2024-01-04');
  });

  it('dates a peak on a flat top at the first day of the top', () => {
    const d = maxDrawdown(series(90, 100, 100, 100, 80));
    assert.equal(d.peak_date, '2024-01-02');
    assert.equal(d.trough_date, '2024-01-05');
    assert.equal(maxDrawdown(series(100, 90, 100, 100, 70)).peak_date, '2024-01-03', 'the top after the dip');
  });

  it('reports the first of equally deep falls', () => {
    const d = maxDrawdown(series(100, 50, 100, 50));
    assert.equal(d.max_drawdown, 0.5);
    assert.equal(d.trough_date, '2024-01-02');
    assert.equal(d.recovery_date, '2024-01-03');
  });

  it('is zero with no dates when the series never falls', () => {
    assert.deepEqual(
      { ...maxDrawdown(series(1, 1, 1.1, 1.2)), method: '' },
      { max_drawdown: 0, peak_date: null, trough_date: null, recovery_date: null, method: '' },
    );
  });

  it('measures a total loss as 100%', () => {
    assert.equal(maxDrawdown(series(1, 1.2, 0)).max_drawdown, 1);
  });

  it('rejects empty, unordered or non-positive series', () => {
    const bad: DatedValue[][] = [
      [],
      series(0, 1),
      series(1, -1),
      series(1, Number.NaN),
      [
        { date: '2024-01-02', value: 1 },
        { date: '2024-01-01', value: 1 },
      ],
    ];
    for (const s of bad) assert.throws(() => maxDrawdown(s), AnalyticsInputError, JSON.stringify(s));
  });
});
