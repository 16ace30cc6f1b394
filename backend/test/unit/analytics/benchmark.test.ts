import assert from 'node:assert/strict';
import { benchmarkRisk } from '../../../src/domain/analytics/benchmark.js';
import { AnalyticsInputError, type DatedValue } from '../../../src/domain/analytics/input.js';
import { RETURNS } from './fixtures.js';
import { addDays } from '../../../src/domain/dates.js';

/** A level series starting at 100 on 2024-01-01 that moves by the given daily returns. */
function levels(returns: readonly number[]): DatedValue[] {
  const out: DatedValue[] = [{ date: '2024-01-01', value: 100 }];
  for (const r of returns)
    out.push({ date: addDays(out[out.length - 1]!.date, 1), value: out[out.length - 1]!.value * (1 + r) });
  return out;
}

const BENCHMARK = [0.008, -0.015, 0.01, -0.002, 0.02, -0.012, 0.001, -0.018, 0.01, 0.003];

describe('domain/analytics benchmarkRisk', () => {
  it('computes beta and annualised tracking error from aligned daily returns (numpy reference)', () => {
    const r = benchmarkRisk(levels(RETURNS), levels(BENCHMARK));
    assert.ok(Math.abs(r.beta! - 1.3427109974424554) < 1e-9, String(r.beta));
    assert.ok(Math.abs(r.tracking_error - 0.07769684678286502) < 1e-9, String(r.tracking_error));
    assert.equal(r.observations, 10);
    assert.deepEqual(r.warnings, []);
  });

  it('gives beta 1 and no tracking error against itself, and beta 2 against a doubled copy', () => {
    const same = benchmarkRisk(levels(RETURNS), levels(RETURNS));
    assert.ok(Math.abs(same.beta! - 1) < 1e-12);
    assert.ok(same.tracking_error < 1e-15);
    assert.ok(Math.abs(benchmarkRisk(levels(RETURNS.map((x) => 2 * x)), levels(RETURNS)).beta! - 2) < 1e-12);
  });

  it('takes returns between the dates both series have, warning about the others', () => {
    const portfolio = [
      { date: '2024-01-02', value: 100 },
      { date: '2024-01-03', value: 101 },
      { date: '2024-01-04', value: 99 },
      { date: '2024-01-05', value: 102 },
      { date: '2024-01-08', value: 103 },
    ];
    // No benchmark close on 2024-01-04, so both series' returns run from the 3rd to the 5th.
    const benchmark = [
      { date: '2024-01-01', value: 199 },
      { date: '2024-01-02', value: 200 },
      { date: '2024-01-03', value: 201 },
      { date: '2024-01-05', value: 203 },
      { date: '2024-01-08', value: 202 },
    ];
    const r = benchmarkRisk(portfolio, benchmark);
    assert.equal(r.observations, 3);
    // numpy on p = [100, 101, 102, 103], b = [200, 201, 203, 202].
    assert.ok(Math.abs(r.beta! - 0.008422518749260224) < 1e-12, String(r.beta));
    assert.ok(Math.abs(r.tracking_error - 0.11925194515282472) < 1e-12, String(r.tracking_error));
    assert.equal(r.warnings[0]!.code, 'benchmark_dates_unmatched');
    assert.match(r.warnings[0]!.message, /^2 date/);
  });

  it('leaves beta null with a warning when the benchmark does not move', () => {
    const r = benchmarkRisk(levels(RETURNS), levels(RETURNS.map(() => 0)));
    assert.equal(r.beta, null);
    assert.ok(r.warnings.some((w) => w.code === 'beta_undefined'));
  });

  it('needs three common dates and valid levels', () => {
    assert.throws(() => benchmarkRisk(levels([0.01, 0.02]), levels([0.01])), AnalyticsInputError);
    assert.throws(() => benchmarkRisk(levels([0.01, -1]), levels([0.01, 0.01])), AnalyticsInputError);
    assert.throws(() => benchmarkRisk([...levels([0.01, 0.02])].reverse(), levels([0.01, 0.02])), AnalyticsInputError);
  });
});
