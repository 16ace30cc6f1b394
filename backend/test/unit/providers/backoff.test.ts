import assert from 'node:assert/strict';
import { fullJitterDelay } from '../../../src/providers/backoff.js';

describe('providers/backoff fullJitterDelay', () => {
  it('spans 0 up to (not including) base * 2^retry', () => {
    assert.equal(
      fullJitterDelay(0, 100, 10_000, () => 0),
      0,
    );
    assert.equal(
      fullJitterDelay(0, 100, 10_000, () => 0.999999),
      99,
    );
    assert.equal(
      fullJitterDelay(3, 100, 10_000, () => 0.999999),
      799,
    );
    assert.equal(
      fullJitterDelay(3, 100, 10_000, () => 0.5),
      400,
    );
  });

  it('never exceeds the cap however many retries', () => {
    assert.equal(
      fullJitterDelay(10, 100, 5_000, () => 0.999999),
      4_999,
    );
    assert.equal(
      fullJitterDelay(60, 100, 5_000, () => 0.5),
      2_500,
    );
  });

  it('draws over the whole interval with real randomness', () => {
    const samples = Array.from({ length: 2_000 }, () => fullJitterDelay(2, 100, 10_000));
    assert.ok(
      samples.every((s) => Number.isInteger(s) && s >= 0 && s < 400),
      'every wait within [0, 400)',
    );
    // Full jitter, not "base plus a little": both halves of the interval are used.
    assert.ok(
      samples.some((s) => s < 100),
      'some short waits',
    );
    assert.ok(
      samples.some((s) => s >= 300),
      'some long waits',
    );
  });
});
