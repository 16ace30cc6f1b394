import assert from 'node:assert/strict';
import { canonicalJson, sha256Hex } from '../../../src/domain/canonical.js';
import { cacheKey, resultHash, sealResult } from '../../../src/executor/result.js';

const key = {
  pattern_id: 'portfolio_overview',
  pattern_version: '1.0.0',
  inputs: { portfolio_id: 'p1', top_n: 10 },
  pricing_pack_id: 'PP_2025-10-24',
  ledger_commit_hash: 'b'.repeat(64),
  asof_date: '2025-10-24',
};

describe('executor/result', () => {
  it('hashes the canonical JSON of result and warnings', () => {
    const result = { positions: { total: 1 } };
    const warnings = [{ code: 'empty_ledger' as const, message: 'm' }];
    const hash = resultHash(result, warnings);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hash, sha256Hex(canonicalJson({ result, warnings })));
  });

  it('seals a result as its canonical text with the same hash', () => {
    const result = { z: [1, { b: -0, a: 'é' }], a: { y: null, x: 2.5 } };
    const warnings = [{ message: 'm', code: 'empty_ledger' as const }];
    const sealed = sealResult(result, warnings);
    assert.equal(sealed.result_json.toString('utf8'), '{"a":{"x":2.5,"y":null},"z":[1,{"a":"é","b":0}]}');
    assert.deepEqual(JSON.parse(sealed.result_json.toString('utf8')), {
      a: { x: 2.5, y: null },
      z: [1, { a: 'é', b: 0 }],
    });
    assert.equal(sealed.result_hash, resultHash(result, warnings));
  });

  it('gives the same hash whatever the key order, and a different one for different content', () => {
    const a = resultHash({ x: { b: 2, a: [1, { d: 4, c: 3 }] }, y: null }, [{ code: 'negative_cash', message: 'm' }]);
    const b = resultHash({ y: null, x: { a: [1, { c: 3, d: 4 }], b: 2 } }, [{ message: 'm', code: 'negative_cash' }]);
    assert.equal(a, b);
    assert.notEqual(a, resultHash({ x: { b: 2, a: [1, { d: 4, c: 3 }] }, y: null }, []));
    assert.notEqual(
      a,
      resultHash({ x: { b: 2, a: [{ d: 4, c: 3 }, 1] }, y: null }, [{ code: 'negative_cash', message: 'm' }]),
    );
  });

  it('keys results by pattern, version, inputs and pins, not by key order or stray fields', () => {
    const base = cacheKey(key);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(cacheKey({ ...key, inputs: { top_n: 10, portfolio_id: 'p1' } }), base);
    assert.equal(cacheKey({ ...key, request_id: 'r1' } as typeof key), base);
    for (const change of [
      { pattern_version: '1.0.1' },
      { pattern_id: 'holdings_detail' },
      { inputs: { portfolio_id: 'p1', top_n: 11 } },
      { pricing_pack_id: 'PP_2025-10-23' },
      { ledger_commit_hash: 'c'.repeat(64) },
      { asof_date: '2025-10-25' },
    ]) {
      assert.notEqual(cacheKey({ ...key, ...change }), base, JSON.stringify(change));
    }
  });
});
