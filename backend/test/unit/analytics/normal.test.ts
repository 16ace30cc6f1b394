import assert from 'node:assert/strict';
import { AnalyticsInputError } from '../../../src/domain/analytics/input.js';
import { normalDensity, normalQuantile } from '../../../src/domain/analytics/normal.js';

describe('domain/analytics normalQuantile', () => {
  it('gives the VaR z-scores', () => {
    assert.ok(Math.abs(normalQuantile(0.95) - 1.6448536) < 1e-7);
    assert.ok(Math.abs(normalQuantile(0.99) - 2.3263479) < 1e-7);
  });

  it('agrees with scipy.stats.norm.ppf across the range, tails included', () => {
    const reference: [number, number][] = [
      [1e-10, -6.361340902404056],
      [0.001, -3.090232306167813],
      [0.025, -1.9599639845400545],
      [0.975, 1.959963984540054],
      [0.95, 1.6448536269514722],
      [0.99, 2.3263478740408408],
    ];
    for (const [p, z] of reference)
      assert.ok(Math.abs(normalQuantile(p) - z) < 1e-14, `${p}: ${normalQuantile(p)} vs ${z}`);
    assert.equal(normalQuantile(0.5), 0);
  });

  it('is antisymmetric about one half', () => {
    for (const p of [0.001, 0.05, 0.2, 0.4]) assert.ok(Math.abs(normalQuantile(p) + normalQuantile(1 - p)) < 1e-13);
  });

  it('refuses probabilities outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.1, Number.NaN]) assert.throws(() => normalQuantile(p), AnalyticsInputError);
  });

  it('has the standard normal density', () => {
    assert.ok(Math.abs(normalDensity(0) - 0.3989422804014327) < 1e-16);
    assert.ok(Math.abs(normalDensity(1.6448536269514722) - 0.10313564037537139) < 1e-15);
  });
});
