import assert from 'node:assert/strict';
import { warmUpAnalytics } from '../../../src/agents/warm-up.js';

describe('start-up warm-up of the analytics code', () => {
  it('runs the whole history and metrics chain on its synthetic book, the same way every time', () => {
    const first = warmUpAnalytics();
    const second = warmUpAnalytics();
    assert.match(first.resultHash, /^[0-9a-f]{64}$/);
    assert.equal(second.resultHash, first.resultHash);
    assert.ok(first.ms > 0);
  });
});
