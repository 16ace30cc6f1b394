import assert from 'node:assert/strict';
import { AnalyticsInputError } from '../../../src/domain/analytics/input.js';
import { sharpeRatio, sortinoRatio, volatility } from '../../../src/domain/analytics/risk.js';
import { RETURNS } from './fixtures.js';

const close = (actual: number | null, expected: number, tol = 1e-12) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < tol, `${actual} vs ${expected}`);

describe('domain/analytics volatility', () => {
  it('is the sample standard deviation, annualised by sqrt(252)', () => {
    const v = volatility(RETURNS);
    close(v.daily, 0.016740171245639434); // np.std(r, ddof=1)
    close(v.annualized, 0.26574198012357775);
    assert.equal(v.estimator, 'sample');
    assert.equal(v.observations, 10);
    assert.match(v.method, /n - 1/);
  });

  it('matches the textbook two-value case: sd of [0.01, -0.01] is sqrt(2) x 0.01', () => {
    close(volatility([0.01, -0.01]).daily, Math.SQRT2 * 0.01, 1e-17);
  });

  it('needs at least two finite returns', () => {
    for (const bad of [[], [0.01], [0.01, Number.NaN], [0.01, Number.POSITIVE_INFINITY]]) {
      assert.throws(() => volatility(bad), AnalyticsInputError);
    }
  });
});

describe('domain/analytics sharpeRatio', () => {
  it('divides the annualised mean excess return by the annualised volatility', () => {
    close(sharpeRatio(RETURNS).ratio, 1.2327747382918437);
    const s = sharpeRatio(RETURNS, { risk_free_rate: 0.03 });
    close(s.ratio, 1.121537003581902);
    // Daily rf = 1.03^(1/252) - 1 = 0.00011730371383444904.
    close(s.annualized_excess_return, (0.0013 - 0.00011730371383444904) * 252);
    close(s.annualized_risk, 0.26574198012357775);
    assert.equal(s.risk_free_rate, 0.03);
    assert.deepEqual(s.warnings, []);
  });

  it('is lowered by a risk-free rate rf by exactly ((1 + rf)^(1/252) - 1) x 252 / annualised volatility', () => {
    const base = sharpeRatio(RETURNS);
    for (const rf of [0.01, 0.03, 0.05, -0.005]) {
      const s = sharpeRatio(RETURNS, { risk_free_rate: rf });
      const shift = (((1 + rf) ** (1 / 252) - 1) * 252) / base.annualized_risk;
      close(s.ratio! - base.ratio!, -shift, 1e-14);
      assert.equal(s.annualized_risk, base.annualized_risk, 'the rate leaves volatility alone');
    }
  });

  it('is null with a warning when returns never vary', () => {
    const s = sharpeRatio([0.001, 0.001, 0.001, 0.001]);
    assert.equal(s.ratio, null);
    assert.equal(s.annualized_risk, 0);
    assert.equal(s.warnings[0]!.code, 'sharpe_undefined');
  });

  it('rejects a risk-free rate of -100% or below', () => {
    assert.throws(() => sharpeRatio(RETURNS, { risk_free_rate: -1 }), AnalyticsInputError);
    assert.throws(() => sharpeRatio(RETURNS, { risk_free_rate: Number.NaN }), AnalyticsInputError);
  });
});

describe('domain/analytics sortinoRatio', () => {
  it('uses the downside deviation below the daily risk-free rate over all days', () => {
    const zero = sortinoRatio(RETURNS);
    close(zero.ratio, 1.924397138801158);
    // sqrt((0.02^2 + 0.005^2 + 0.01^2 + 0.025^2) / 10) x sqrt(252)
    close(zero.annualized_risk, Math.sqrt((0.0004 + 0.000025 + 0.0001 + 0.000625) / 10) * Math.sqrt(252));
    close(sortinoRatio(RETURNS, { risk_free_rate: 0.03 }).ratio, 1.740093102646165);
    assert.match(zero.method, /over all n days/);
  });

  it('is null with a warning when no day falls below the target', () => {
    const s = sortinoRatio([0.01, 0.02, 0.03]);
    assert.equal(s.ratio, null);
    assert.equal(s.warnings[0]!.code, 'sortino_undefined');
  });
});
