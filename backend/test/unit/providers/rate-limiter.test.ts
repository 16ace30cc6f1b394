import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/providers/rate-limiter.js';

describe('providers/rate-limiter RateLimiter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows a burst, then one call per 1/rate seconds', () => {
    const limiter = new RateLimiter(4, 2, clock);
    assert.equal(limiter.tryTake(), 0);
    assert.equal(limiter.tryTake(), 0);
    assert.equal(limiter.tryTake(), 250, 'the third call waits for a token');
    now += 100;
    assert.equal(limiter.tryTake(), 150);
    now += 150;
    assert.equal(limiter.tryTake(), 0);
    assert.equal(limiter.tryTake(), 250);
  });

  it('refills no further than the burst', () => {
    const limiter = new RateLimiter(10, 3, clock);
    now += 60_000;
    for (let i = 0; i < 3; i++) assert.equal(limiter.tryTake(), 0);
    assert.equal(limiter.tryTake(), 100);
  });

  it('holds every call during a Retry-After pause, even with the rate limit off', () => {
    for (const limiter of [new RateLimiter(100, 100, clock), new RateLimiter(0, 1, clock)]) {
      limiter.pauseFor(2_000);
      assert.equal(limiter.tryTake(), 2_000);
      now += 1_500;
      assert.equal(limiter.tryTake(), 500);
      now += 500;
      assert.equal(limiter.tryTake(), 0);
      now -= 2_000;
    }
  });

  it('take() waits in real time and stops when aborted', async () => {
    const limiter = new RateLimiter(20, 1);
    await limiter.take();
    const started = performance.now();
    await limiter.take();
    const waited = performance.now() - started;
    assert.ok(waited >= 40 && waited < 500, `waited ${waited} ms for the second token`);
    const controller = new AbortController();
    const pending = limiter.take(controller.signal);
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
  });
});
