import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashApiKey } from '../../../src/domain/apikey.js';
import { packContentHash, packIdFor } from '../../../src/domain/pack.js';

describe('pricing pack identity', () => {
  const prices = [
    { symbol: 'MSFT', close: 410.5, currency: 'USD' },
    { symbol: '7203.T', close: 2850, currency: 'JPY' },
    { symbol: 'AAPL', close: 230.1, currency: 'USD' },
  ];
  const fx = [
    { base: 'JPY', quote: 'USD', rate: 0.00664 },
    { base: 'EUR', quote: 'USD', rate: 1.0812 },
    { base: 'EUR', quote: 'CHF', rate: 0.9412 },
  ];

  it('names packs by date', () => {
    assert.equal(packIdFor('2025-10-24'), 'PP_2025-10-24');
  });

  it('hashes content independently of input order and of extra fields', () => {
    const h = packContentHash('2025-10-24', prices, fx);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(packContentHash('2025-10-24', [...prices].reverse(), [...fx].reverse()), h);
    const rows = prices.map((p) => ({ ...p, pack_id: 'PP_2025-10-24' }));
    assert.equal(packContentHash('2025-10-24', rows, fx), h);
  });

  it('keeps the hash packs were stored with, so stored packs still reconcile', () => {
    assert.equal(
      packContentHash('2025-10-24', prices, fx),
      'e3f0e1b066c61593e560fa1fb814ad37d377d82c9ae43f26833ab6dc69070f11',
    );
    const odd = [...prices, { symbol: 'Q"\\\u00e9', close: -0, currency: 'USD' }];
    assert.equal(
      packContentHash('2025-10-24', odd, [...fx.slice(0, 2), { base: 'EUR', quote: 'CHF', rate: 1e-7 }]),
      'cd0e67ddd01d72eebc3f2ade9545ff3e863677593d4f48d9b4fa5ea9075b31d0',
    );
  });

  it('changes with the date, a close or a rate', () => {
    const h = packContentHash('2025-10-24', prices, fx);
    assert.notEqual(packContentHash('2025-10-23', prices, fx), h);
    assert.notEqual(packContentHash('2025-10-24', [{ ...prices[0]!, close: 410.51 }, ...prices.slice(1)], fx), h);
    assert.notEqual(packContentHash('2025-10-24', prices, [{ ...fx[0]!, rate: 0.00665 }, ...fx.slice(1)]), h);
  });

  it('rejects duplicate symbols and pairs', () => {
    assert.throws(() => packContentHash('2025-10-24', [...prices, prices[0]!], fx), /duplicate price for symbol MSFT/);
    assert.throws(() => packContentHash('2025-10-24', prices, [...fx, fx[1]!]), /duplicate FX rate for pair EUR\/USD/);
  });
});

describe('API key hashing', () => {
  it('is the SHA-256 hex digest of the key', () => {
    assert.equal(hashApiKey('folio-demo-key'), createHash('sha256').update('folio-demo-key').digest('hex'));
    assert.notEqual(hashApiKey('folio-demo-key'), hashApiKey('folio-demo-key2'));
  });
});
