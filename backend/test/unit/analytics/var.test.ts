import assert from 'node:assert/strict';
import { AnalyticsInputError } from '../../../src/domain/analytics/input.js';
import { historicalVar, parametricVar } from '../../../src/domain/analytics/var.js';
import { RETURNS } from './fixtures.js';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) < tol, `${actual} vs ${expected}`);

describe('domain/analytics historicalVar', () => {
  // Sorted: -0.025 -0.02 -0.01 -0.005 0.002 0.004 0.01 0.012 0.015 0.03
  it('takes the (1 - c) quantile with linear interpolation and averages the tail at or below it', () => {
    // 95%: position 9 x 0.05 = 0.45, so -0.025 + 0.45 x 0.005 = -0.02275; the tail is {-0.025}.
    const v95 = historicalVar(RETURNS, { confidence: 0.95, horizon_days: 1 });
    close(v95.var, 0.02275);
    close(v95.cvar, 0.025);
    // 99%: position 0.09, so -0.025 + 0.09 x 0.005 = -0.02455.
    close(historicalVar(RETURNS, { confidence: 0.99, horizon_days: 1 }).var, 0.02455);
    // 75%: position 2.25, so -0.01 + 0.25 x 0.005 = -0.00875; the tail is {-0.025, -0.02, -0.01}.
    const v75 = historicalVar(RETURNS, { confidence: 0.75, horizon_days: 1 });
    close(v75.var, 0.00875);
    close(v75.cvar, 0.055 / 3);
  });

  it('scales to 10 days by sqrt(10)', () => {
    const v = historicalVar(RETURNS, { confidence: 0.95, horizon_days: 10 });
    close(v.var, 0.07194181676883063);
    close(v.cvar, 0.0790569415042095);
    close(historicalVar(RETURNS, { confidence: 0.99, horizon_days: 10 }).var, 0.07763391655713373);
    assert.match(v.method, /sqrt\(horizon_days\)/);
    assert.match(v.method, /linear interpolation/);
  });

  it('reports a gain in the tail as a negative loss rather than clamping it', () => {
    close(historicalVar([0.01, 0.02, 0.03], { confidence: 0.95, horizon_days: 1 }).var, -0.011);
  });
});

describe('domain/analytics parametricVar', () => {
  it('uses the normal quantile with the sample mean and standard deviation (scipy reference)', () => {
    const v95 = parametricVar(RETURNS, { confidence: 0.95, horizon_days: 1 });
    close(v95.var, 0.026235131389178767);
    close(v95.cvar, 0.033230165628247994);
    const v99 = parametricVar(RETURNS, { confidence: 0.99, horizon_days: 1 });
    close(v99.var, 0.037643461788372905);
    close(v99.cvar, 0.04331614245490217);
  });

  it('scales to 10 days by sqrt(10)', () => {
    close(parametricVar(RETURNS, { confidence: 0.95, horizon_days: 10 }).var, 0.08296276990358224);
    close(parametricVar(RETURNS, { confidence: 0.95, horizon_days: 10 }).cvar, 0.10508301040990378);
    close(parametricVar(RETURNS, { confidence: 0.99, horizon_days: 10 }).var, 0.11903907826477367);
    close(parametricVar(RETURNS, { confidence: 0.99, horizon_days: 10 }).cvar, 0.13697766960980826);
  });

  it('has CVaR beyond VaR', () => {
    for (const confidence of [0.9, 0.95, 0.99]) {
      const v = parametricVar(RETURNS, { confidence, horizon_days: 1 });
      assert.ok(v.cvar > v.var);
    }
  });
});

describe('domain/analytics VaR options', () => {
  it('rejects confidence outside (0, 1) and horizons that are not whole days', () => {
    for (const fn of [historicalVar, parametricVar]) {
      for (const opts of [
        { confidence: 1, horizon_days: 1 },
        { confidence: 0, horizon_days: 1 },
        { confidence: Number.NaN, horizon_days: 1 },
        { confidence: 0.95, horizon_days: 0 },
        { confidence: 0.95, horizon_days: 2.5 },
      ]) {
        assert.throws(() => fn(RETURNS, opts), AnalyticsInputError, JSON.stringify(opts));
      }
      assert.throws(() => fn([0.01], { confidence: 0.95, horizon_days: 1 }), AnalyticsInputError);
    }
  });
});
