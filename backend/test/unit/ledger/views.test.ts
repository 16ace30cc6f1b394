import assert from 'node:assert/strict';
import { replayLedger } from '../../../src/domain/ledger/replay.js';
import { symbolsOf } from '../../../src/domain/ledger/securities.js';
import { positionsView, transactionsView } from '../../../src/domain/ledger/views.js';
import { buy, commit, deposit, SECURITIES, sell, split, tx } from './fixtures.js';

const ENTRIES = commit(1, [
  deposit('2024-01-02', 10_000),
  deposit('2024-01-02', 1_000, 'EUR'),
  buy('2024-01-03', 'MSFT', 10, 300, { fee: 1 }),
  buy('2024-01-03', 'AAPL', 3, 100.00004),
  buy('2024-01-04', 'SAP', 2, 150, { currency: 'EUR' }),
  split('2024-02-01', 'MSFT', 2),
  sell('2024-02-05', 'AAPL', 3, 110),
  tx('2024-03-01', 'DIVIDEND', { symbol: 'MSFT', amount: 12.5 }),
]);

describe('domain/ledger positionsView (ledger.positions)', () => {
  const state = replayLedger(ENTRIES, { securities: SECURITIES });

  it('lists open holdings by symbol with security data and post-split lots, cash by currency, money rounded', () => {
    const v = positionsView(state, SECURITIES, ENTRIES.length, { includeLots: true });
    assert.deepEqual(
      v.holdings.map((h) => h.symbol),
      ['MSFT', 'SAP'],
    );
    const msft = v.holdings[0]!;
    // 10 shares at 300 plus a fee of 1, split 2 for 1: 20 shares at 150.05.
    assert.equal(msft.quantity, 20);
    assert.equal(msft.cost_basis, 3_001);
    assert.deepEqual('lots' in msft && msft.lots, [{ acquired: '2024-01-03', quantity: 20, unit_cost: 150.05 }]);
    assert.equal(msft.dividends, 12.5);
    assert.deepEqual(
      [msft.name, msft.sector, msft.asset_class, msft.currency],
      ['MSFT Inc.', 'Technology', 'equity', 'USD'],
    );
    // 10,000 - 3,001 - 300.00012 + 330 + 12.50 of dividend.
    assert.deepEqual(v.cash, [
      { currency: 'EUR', balance: 700 },
      { currency: 'USD', balance: 7_041.4999 },
    ]);
    assert.deepEqual(v.closed, [{ symbol: 'AAPL', currency: 'USD', realized_pnl: 29.9999, dividends: 0 }]);
    assert.deepEqual(v.realized_pnl, [{ currency: 'USD', amount: 29.9999 }]);
    assert.equal(v.transaction_count, ENTRIES.length);
  });

  it('counts lots instead of listing them when asked, and narrows to one symbol', () => {
    const v = positionsView(state, SECURITIES, ENTRIES.length, { symbol: 'AAPL', includeLots: false });
    assert.deepEqual(v.holdings, []);
    assert.deepEqual(
      v.closed.map((c) => c.symbol),
      ['AAPL'],
    );
    const sap = positionsView(state, SECURITIES, ENTRIES.length, { symbol: 'SAP', includeLots: false }).holdings[0]!;
    assert.equal('lot_count' in sap && sap.lot_count, 1);
    assert.equal('lots' in sap, false);
  });

  it('is empty for an empty ledger', () => {
    const v = positionsView(replayLedger([], { securities: SECURITIES }), SECURITIES, 0, { includeLots: true });
    assert.deepEqual(v, {
      holdings: [],
      cash: [],
      closed: [],
      realized_pnl: [],
      income: [],
      fees: [],
      external_flows: [],
      transaction_count: 0,
    });
  });
});

describe('domain/ledger transactionsView (ledger.transactions)', () => {
  it('lists newest first, at most `limit`, with the commit sequence and without the row index', () => {
    const v = transactionsView(ENTRIES, undefined, 2);
    assert.equal(v.total, ENTRIES.length);
    assert.deepEqual(
      v.items.map((t) => [t.date, t.type]),
      [
        ['2024-03-01', 'DIVIDEND'],
        ['2024-02-05', 'SELL'],
      ],
    );
    assert.equal(v.items[0]!.commit_seq, 1);
    assert.equal('rowIndex' in v.items[0]!, false);
    assert.equal('commitSeq' in v.items[0]!, false);
  });

  it("narrows to one symbol's rows and leaves the caller's entries in their order", () => {
    const before = ENTRIES.map((e) => e.date);
    const v = transactionsView(ENTRIES, 'MSFT', 10);
    assert.deepEqual(
      v.items.map((t) => t.type),
      ['DIVIDEND', 'SPLIT', 'BUY'],
    );
    assert.deepEqual(
      ENTRIES.map((e) => e.date),
      before,
    );
    assert.deepEqual(transactionsView(ENTRIES, 'NOPE', 10), { total: 0, items: [] });
  });
});

describe('domain/ledger symbolsOf', () => {
  it('names each symbol once, skipping cash rows', () => {
    assert.deepEqual(symbolsOf(ENTRIES), ['MSFT', 'AAPL', 'SAP']);
    assert.deepEqual(symbolsOf([]), []);
  });
});
