import assert from 'node:assert/strict';
import { ResultCache, type CachedResult } from '../../../src/executor/cache.js';

const entry = (n: number): CachedResult => ({
  result: { positions: { items: [{ symbol: 'AAPL', quantity: n }] } },
  warnings: [{ code: 'missing_price', message: `no close ${n}` }],
  result_hash: String(n).repeat(64).slice(0, 64),
});

describe('executor/cache', () => {
  it('returns what was stored and counts hits and misses', () => {
    const cache = new ResultCache(10);
    assert.equal(cache.get('k1'), undefined);
    cache.set('k1', entry(1));
    assert.deepEqual(cache.get('k1'), entry(1));
    assert.deepEqual(cache.stats(), { hits: 1, misses: 1, size: 1 });
  });

  it('stores nothing when the size is 0', () => {
    const cache = new ResultCache(0);
    cache.set('k1', entry(1));
    assert.equal(cache.get('k1'), undefined);
    assert.deepEqual(cache.stats(), { hits: 0, misses: 1, size: 0 });
  });

  it('evicts the least recently used entry', () => {
    const cache = new ResultCache(2);
    cache.set('k1', entry(1));
    cache.set('k2', entry(2));
    assert.ok(cache.get('k1'));
    cache.set('k3', entry(3));
    assert.equal(cache.get('k2'), undefined);
    assert.deepEqual(cache.get('k1'), entry(1));
    assert.deepEqual(cache.get('k3'), entry(3));
    assert.equal(cache.stats().size, 2);
  });

  it('cannot be changed through the stored or the returned object', () => {
    const cache = new ResultCache(2);
    const original = entry(1);
    cache.set('k1', original);
    (original.result.positions as { items: Array<{ quantity: number }> }).items[0]!.quantity = 99;
    original.warnings.push({ code: 'x', message: 'y' });
    const hit = cache.get('k1')!;
    assert.deepEqual(hit, entry(1));
    assert.ok(Object.isFrozen(hit) && Object.isFrozen(hit.warnings) && Object.isFrozen(hit.result.positions));
    assert.throws(() => {
      (hit.result.positions as { items: Array<{ quantity: number }> }).items[0]!.quantity = 5;
    }, TypeError);
    assert.throws(() => (hit.warnings as unknown[]).push({}), TypeError);
    assert.deepEqual(cache.get('k1'), entry(1));
  });

  it('rejects a size that is not a whole number', () => {
    assert.throws(() => new ResultCache(-1), RangeError);
    assert.throws(() => new ResultCache(1.5), RangeError);
  });
});
