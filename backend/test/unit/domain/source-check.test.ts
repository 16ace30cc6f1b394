import assert from 'node:assert/strict';
import { replayLedger } from '../../../src/domain/ledger/replay.js';
import { compareWithSource, heldSymbols, type SourceCheckInput } from '../../../src/domain/source-check.js';
import { buy, commit, deposit, SECURITIES, sell } from '../ledger/fixtures.js';

const check = (overrides: Partial<SourceCheckInput>) =>
  compareWithSource({
    source: 'http',
    packId: 'PP_2025-10-24',
    date: '2025-10-24',
    held: ['AAPL', 'MSFT', 'SAP'],
    securities: SECURITIES,
    packCloses: new Map([
      ['AAPL', 200],
      ['MSFT', 400],
      ['SAP', 100],
    ]),
    sourcePrices: [
      { symbol: 'AAPL', close: 201, currency: 'USD' },
      { symbol: 'MSFT', close: 398, currency: 'USD' },
      { symbol: 'SAP', close: 100, currency: 'EUR' },
    ],
    ...overrides,
  });

describe('domain compareWithSource (pricing.source_check)', () => {
  it('gives the difference of each source close from the pack close in basis points, rounded to 2 decimals', () => {
    const { output, warnings } = check({});
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      output.compared.map((c) => [c.symbol, c.difference_bp]),
      [
        ['AAPL', 50],
        ['MSFT', -50],
        ['SAP', 0],
      ],
    );
    assert.equal(output.max_abs_difference_bp, 50);
    assert.deepEqual(
      [output.source, output.pricing_pack_id, output.date, output.holdings],
      ['http', 'PP_2025-10-24', '2025-10-24', 3],
    );
  });

  it('rounds a third of a basis point to 0.33', () => {
    const { output } = check({
      held: ['AAPL'],
      packCloses: new Map([['AAPL', 300]]),
      sourcePrices: [{ symbol: 'AAPL', close: 300.01, currency: 'USD' }],
    });
    assert.equal(output.compared[0]!.difference_bp, 0.33);
  });

  it('shows a close quoted in another currency without comparing it, and warns', () => {
    const { output, warnings } = check({
      held: ['SAP'],
      sourcePrices: [{ symbol: 'SAP', close: 108, currency: 'USD' }],
    });
    assert.equal(output.compared[0]!.difference_bp, null);
    assert.equal(output.compared[0]!.source_currency, 'USD');
    assert.equal(output.max_abs_difference_bp, null);
    assert.deepEqual(warnings, [
      { code: 'source_currency_mismatch', message: 'http quotes SAP in USD, the security is listed in EUR' },
    ]);
  });

  it('lists symbols missing from the source or from the pack instead of filling them in', () => {
    const { output, warnings } = check({
      packCloses: new Map([['AAPL', 200]]),
      sourcePrices: [
        { symbol: 'AAPL', close: 200, currency: 'USD' },
        { symbol: 'SAP', close: 100, currency: 'EUR' },
      ],
    });
    assert.deepEqual(output.missing_from_source, ['MSFT']);
    assert.deepEqual(output.missing_from_pack, ['MSFT', 'SAP']);
    assert.deepEqual(
      output.compared.map((c) => c.symbol),
      ['AAPL'],
    );
    assert.deepEqual(warnings, [
      { code: 'source_missing_symbols', message: 'http has no close on 2025-10-24 for MSFT' },
      { code: 'pack_missing_symbols', message: 'PP_2025-10-24 has no close for MSFT, SAP' },
    ]);
  });

  it('has nothing to compare for a portfolio holding nothing', () => {
    const { output, warnings } = check({ held: [] });
    assert.deepEqual([output.holdings, output.compared, output.max_abs_difference_bp], [0, [], null]);
    assert.deepEqual(warnings, []);
  });
});

describe('domain heldSymbols', () => {
  it('lists the open positions in code-unit order, not the ones sold out', () => {
    const state = replayLedger(
      commit(1, [
        deposit('2025-01-01', 10_000),
        buy('2025-01-02', 'MSFT', 1, 400),
        buy('2025-01-02', 'AAPL', 1, 200),
        sell('2025-01-03', 'MSFT', 1, 410),
      ]),
      { securities: SECURITIES },
    );
    assert.deepEqual(heldSymbols(state), ['AAPL']);
  });
});
