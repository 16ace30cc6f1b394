import assert from 'node:assert/strict';
import { FxTable } from '../../../src/domain/fx.js';

/** Floating-point products of decimal rates are compared to 12 significant digits. */
function close(actual: number | null, expected: number): void {
  assert.ok(actual !== null, `expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.abs(expected), `expected ${expected}, got ${actual}`);
}

describe('domain/fx FxTable', () => {
  // 1 EUR = 1.25 USD, 1 USD = 1.36 CAD.
  const table = new FxTable([
    { base: 'EUR', quote: 'USD', rate: 1.25 },
    { base: 'USD', quote: 'CAD', rate: 1.36 },
  ]);

  it('uses a quoted pair as it is', () => {
    assert.equal(table.rate('EUR', 'USD'), 1.25);
    assert.equal(table.rate('USD', 'CAD'), 1.36);
  });

  it('inverts a quoted pair', () => {
    assert.equal(table.rate('USD', 'EUR'), 0.8); // 1 / 1.25
    close(table.rate('CAD', 'USD'), 0.7352941176470588); // 1 / 1.36
  });

  it('crosses through a third currency in both directions', () => {
    close(table.rate('EUR', 'CAD'), 1.7); // 1.25 * 1.36
    close(table.rate('CAD', 'EUR'), 0.5882352941176471); // 1 / 1.7
  });

  it('gives 1 for a currency into itself, even one the pack does not quote', () => {
    assert.equal(table.rate('USD', 'USD'), 1);
    assert.equal(table.rate('JPY', 'JPY'), 1);
  });

  it('returns null when the pack cannot price the pair instead of inventing a rate', () => {
    assert.equal(table.rate('USD', 'JPY'), null);
    assert.equal(table.rate('JPY', 'USD'), null);
    assert.equal(new FxTable([]).rate('EUR', 'USD'), null);
  });

  it('crosses through at most one intermediate currency', () => {
    // EUR -> USD -> CAD -> JPY needs two intermediates.
    const chain = new FxTable([
      { base: 'EUR', quote: 'USD', rate: 1.25 },
      { base: 'USD', quote: 'CAD', rate: 1.36 },
      { base: 'CAD', quote: 'JPY', rate: 110 },
    ]);
    assert.equal(chain.rate('EUR', 'JPY'), null);
    close(chain.rate('USD', 'JPY'), 149.6); // 1.36 * 110
  });

  it('prefers a quoted pair over a cross rate', () => {
    const t = new FxTable([
      { base: 'EUR', quote: 'USD', rate: 1.25 },
      { base: 'USD', quote: 'CAD', rate: 1.36 },
      { base: 'EUR', quote: 'CAD', rate: 1.5 },
    ]);
    assert.equal(t.rate('EUR', 'CAD'), 1.5);
    close(t.rate('CAD', 'EUR'), 1 / 1.5);
  });

  it('prefers a quoted pair over the inverse of the opposite quote, whichever comes first', () => {
    const quotes = [
      { base: 'EUR', quote: 'USD', rate: 1.25 },
      { base: 'USD', quote: 'EUR', rate: 0.81 },
    ];
    for (const rates of [quotes, [...quotes].reverse()]) {
      const t = new FxTable(rates);
      assert.equal(t.rate('EUR', 'USD'), 1.25);
      assert.equal(t.rate('USD', 'EUR'), 0.81);
    }
  });

  it('ignores zero, negative and non-numeric rates', () => {
    const t = new FxTable([
      { base: 'EUR', quote: 'USD', rate: 0 },
      { base: 'GBP', quote: 'USD', rate: -1.3 },
      { base: 'CHF', quote: 'USD', rate: Number.NaN },
    ]);
    for (const ccy of ['EUR', 'GBP', 'CHF']) {
      assert.equal(t.rate(ccy, 'USD'), null, `${ccy}/USD`);
      assert.equal(t.rate('USD', ccy), null, `USD/${ccy} must not be 1/0 or a negative inverse`);
    }
    // A bad quote does not hide a good one for the same pair.
    const mixed = new FxTable([
      { base: 'EUR', quote: 'USD', rate: 0 },
      { base: 'EUR', quote: 'USD', rate: 1.25 },
    ]);
    assert.equal(mixed.rate('EUR', 'USD'), 1.25);
    assert.equal(mixed.rate('USD', 'EUR'), 0.8);
  });
});
