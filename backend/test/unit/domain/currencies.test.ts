import assert from 'node:assert/strict';
import { ISO_4217_CODES, isIsoCurrency } from '../../../src/domain/currencies.js';
import { CURRENCY_CODE } from '../../../src/domain/fx.js';

describe('domain/currencies: the active ISO 4217 codes', () => {
  it('lists each code once, in order, each three upper-case letters', () => {
    assert.deepEqual([...ISO_4217_CODES].sort(), [...new Set(ISO_4217_CODES)]);
    for (const code of ISO_4217_CODES) assert.match(code, CURRENCY_CODE);
  });

  it('knows the currencies Folio prices, the funds, metals and the codes beside their successors', () => {
    for (const code of [
      'USD',
      'EUR',
      'GBP',
      'JPY',
      'CAD',
      'CHF',
      'CNY',
      'INR',
      'CLF',
      'XAU',
      'XDR',
      'ZWG',
      'XCG',
      'VED',
    ])
      assert.ok(isIsoCurrency(code), code);
  });

  it('refuses made-up, withdrawn and non-money codes, and anything not written as stored', () => {
    for (const code of ['XXY', 'ABC', 'AAA', 'DEM', 'FRF', 'HRK', 'XXX', 'XTS', 'usd', 'US', 'USDX', '', ' USD'])
      assert.equal(isIsoCurrency(code), false, JSON.stringify(code));
  });
});
