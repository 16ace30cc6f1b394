import assert from 'node:assert/strict';
import { ResultCache, type CachedResult } from '../../../src/executor/cache.js';

const entry = (n: number): CachedResult => ({
  result_json: Buffer.from(JSON.stringify({ positions: { items: [{ symbol: 'AAPL', quantity: n }] } })),
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
    const warnings = original.warnings as { code: string; message: string }[];
    cache.set('k1', original);
    warnings.push({ code: 'x', message: 'y' });
    warnings[0]!.message = 'changed';
    original.result_json.write('XX', 0);
    const hit = cache.get('k1')!;
    assert.deepEqual(hit, entry(1));
    assert.ok(Object.isFrozen(hit) && Object.isFrozen(hit.warnings) && Object.isFrozen(hit.warnings[0]));
    assert.throws(() => {
      (hit as { result_json: Buffer }).result_json = Buffer.from('{}');
    }, TypeError);
    assert.throws(() => (hit.warnings as unknown[]).push({}), TypeError);
    assert.deepEqual(cache.get('k1'), entry(1));
  });

  it('evicts by the size of the stored text as well as by count', () => {
    const big = (n: number): CachedResult => ({
      ...entry(n),
      result_json: Buffer.from(JSON.stringify({ pad: 'x'.repeat(1000), n })),
    });
    const cache = new ResultCache(100, 2500);
    cache.set('k1', big(1));
    cache.set('k2', big(2));
    cache.set('k3', big(3));
    assert.equal(cache.get('k1'), undefined, 'the oldest entry made room');
    assert.deepEqual(cache.get('k3'), big(3));
  });

  it('rejects a size that is not a whole number', () => {
    assert.throws(() => new ResultCache(-1), RangeError);
    assert.throws(() => new ResultCache(1.5), RangeError);
  });
});
