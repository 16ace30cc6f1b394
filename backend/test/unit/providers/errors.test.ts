import assert from 'node:assert/strict';
import {
  countsAsBreakerFailure,
  failureKind,
  isRetryable,
  parseRetryAfter,
  ProviderError,
} from '../../../src/providers/errors.js';

describe('providers/errors retry classification', () => {
  it('takes the kind a provider gave its error', () => {
    assert.equal(failureKind(new ProviderError('http', 'transient', 'HTTP 503')), 'transient');
    assert.equal(failureKind(new ProviderError('http', 'rate_limited', 'HTTP 429')), 'rate_limited');
    assert.equal(failureKind(new ProviderError('csv', 'permanent', 'bad row')), 'permanent');
  });

  it('treats timeouts and dropped connections as transient', () => {
    const breakerTimeout = Object.assign(new Error('Timed out after 100ms'), { code: 'ETIMEDOUT' });
    assert.equal(failureKind(breakerTimeout), 'transient');
    assert.equal(
      failureKind(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      'transient',
    );
    assert.equal(failureKind(new TypeError('fetch failed')), 'transient');
  });

  it('treats cancellation, bugs and unknown values as permanent', () => {
    assert.equal(failureKind(new DOMException('This operation was aborted', 'AbortError')), 'permanent');
    assert.equal(failureKind(new TypeError("Cannot read properties of undefined (reading 'x')")), 'permanent');
    assert.equal(failureKind(new Error('boom')), 'permanent');
    assert.equal(failureKind('a string'), 'permanent');
  });

  it('retries 429s without counting them against the breaker', () => {
    const limited = new ProviderError('http', 'rate_limited', 'HTTP 429');
    assert.equal(isRetryable(limited), true);
    assert.equal(countsAsBreakerFailure(limited), false);
    const down = new ProviderError('http', 'transient', 'HTTP 502');
    assert.equal(isRetryable(down), true);
    assert.equal(countsAsBreakerFailure(down), true);
    const refused = new ProviderError('http', 'permanent', 'HTTP 401');
    assert.equal(isRetryable(refused), false);
    assert.equal(countsAsBreakerFailure(refused), false);
  });
});

describe('providers/errors parseRetryAfter', () => {
  const now = Date.parse('2025-10-24T12:00:00Z');
  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    assert.equal(parseRetryAfter('Fri, 24 Oct 2025 12:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Fri, 24 Oct 2025 11:00:00 GMT', now), 0);
  });
  it('gives null for absent or unreadable values', () => {
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter('-5', now), null);
  });
});
