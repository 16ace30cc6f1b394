import assert from 'node:assert/strict';
import { holdingDetail, type HoldingDetailInput } from '../../../src/domain/holding-detail.js';
import { AppError } from '../../../src/errors.js';

const INPUT: HoldingDetailInput = {
  symbol: 'MSFT',
  positions: {
    holdings: [{ symbol: 'MSFT', quantity: 20, lots: [{ acquired: '2024-01-03', quantity: 20, unit_cost: 150 }] }],
    closed: [{ symbol: 'AAPL', realized_pnl: 30, dividends: 0 }],
  },
  valuation: {
    holdings: [{ symbol: 'MSFT', quantity: 20, price: 160, market_value: 3_200 }],
    totals: { base_currency: 'EUR' },
  },
  transactions: { total: 3 },
};

describe('domain holdingDetail (holdings.detail)', () => {
  it('joins an open holding with its valuation; the ledger wins where both say something', () => {
    assert.deepEqual(holdingDetail(INPUT), {
      symbol: 'MSFT',
      quantity: 20,
      price: 160,
      market_value: 3_200,
      lots: [{ acquired: '2024-01-03', quantity: 20, unit_cost: 150 }],
      status: 'open',
      base_currency: 'EUR',
    });
  });

  it('gives a closed position its lifetime P&L and no lots', () => {
    assert.deepEqual(holdingDetail({ ...INPUT, symbol: 'AAPL' }), {
      symbol: 'AAPL',
      realized_pnl: 30,
      dividends: 0,
      status: 'closed',
      quantity: 0,
      lots: [],
      base_currency: 'EUR',
    });
  });

  it('reports a symbol with transactions but no position (a transfer in and out) as no_position', () => {
    assert.deepEqual(holdingDetail({ ...INPUT, symbol: 'SAP' }), {
      symbol: 'SAP',
      status: 'no_position',
      quantity: 0,
      lots: [],
      base_currency: 'EUR',
    });
  });

  it('is security_not_found for a symbol the portfolio never held', () => {
    assert.throws(
      () => holdingDetail({ ...INPUT, symbol: 'NOPE', transactions: { total: 0 } }),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === 'security_not_found' &&
        e.message === 'the portfolio has never held NOPE' &&
        e.details.symbol === 'NOPE',
    );
  });
});
