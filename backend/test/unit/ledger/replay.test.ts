import assert from 'node:assert/strict';
import { LedgerReplayError, replayLedger, type LedgerState } from '../../../src/domain/ledger/replay.js';
import type { LedgerEntry, Transaction } from '../../../src/domain/ledger/types.js';
import { buy, commit, deposit, SECURITIES, sell, split, tx } from './fixtures.js';

const replay = (txs: readonly Transaction[], asof?: string): LedgerState =>
  replayLedger(commit(1, txs), { securities: SECURITIES, ...(asof ? { asof } : {}) });

const replayError = (txs: readonly Transaction[]): LedgerReplayError => {
  try {
    replay(txs);
  } catch (e) {
    assert.ok(e instanceof LedgerReplayError, `expected a LedgerReplayError, got ${String(e)}`);
    return e;
  }
  assert.fail('replay succeeded');
};

const holding = (state: LedgerState, symbol: string) => {
  const h = state.holdings.get(symbol);
  assert.ok(h, `no holding of ${symbol}`);
  return h;
};

describe('ledger replay', () => {
  describe('FIFO lots', () => {
    // Three lots, then a sale that eats the first lot and half of the second:
    //   cost of the 15 sold = 10 x 100 + 5 x 120 = 1600, proceeds 15 x 160 = 2400, P&L 800
    //   left: 5 @ 120 + 10 @ 150 = 600 + 1500 = 2100
    //   cash: 10000 - 1000 - 1200 - 1500 + 2400 = 8700
    const ledger = [
      deposit('2024-01-02', 10000),
      buy('2024-01-10', 'AAPL', 10, 100),
      buy('2024-02-10', 'AAPL', 10, 120),
      buy('2024-03-10', 'AAPL', 10, 150),
      sell('2024-04-10', 'AAPL', 15, 160),
    ];

    it('sells the oldest lots first, splitting a partly sold lot', () => {
      const state = replay(ledger);
      assert.deepEqual(holding(state, 'AAPL'), {
        symbol: 'AAPL',
        currency: 'USD',
        quantity: 15,
        costBasis: 2100,
        lots: [
          { acquired: '2024-02-10', quantity: 5, unitCost: 120 },
          { acquired: '2024-03-10', quantity: 10, unitCost: 150 },
        ],
        realizedPnl: 800,
        dividends: 0,
      });
      assert.deepEqual([...state.realizedPnl], [['USD', 800]]);
      assert.deepEqual([...state.cash], [['USD', 8700]]);
      assert.deepEqual([...state.externalFlows], [['USD', 10000]]);
      assert.equal(state.closed.size, 0);
    });

    it('folds the buy fee into the lot cost and takes the sell fee off the P&L', () => {
      // unit cost (3 x 100 + 6) / 3 = 102; selling 1 @ 110 with fee 2: 110 - 2 - 102 = 6
      const state = replay([
        deposit('2024-01-02', 1000),
        buy('2024-01-10', 'MSFT', 3, 100, { fee: 6 }),
        sell('2024-02-10', 'MSFT', 1, 110, { fee: 2 }),
      ]);
      const msft = holding(state, 'MSFT');
      assert.deepEqual(msft.lots, [{ acquired: '2024-01-10', quantity: 2, unitCost: 102 }]);
      assert.equal(msft.costBasis, 204);
      assert.equal(msft.realizedPnl, 6);
      assert.equal(state.cash.get('USD'), 1000 - 306 + 108);
      assert.equal(state.fees.get('USD'), 8);
    });

    it('closes a position sold to zero but still reports its realised P&L', () => {
      const state = replay([buy('2024-01-10', 'AAPL', 10, 100), sell('2024-02-10', 'AAPL', 10, 90, { fee: 1 })]);
      assert.equal(state.holdings.has('AAPL'), false);
      assert.deepEqual(state.closed.get('AAPL'), { symbol: 'AAPL', currency: 'USD', realizedPnl: -101, dividends: 0 });
      assert.equal(state.realizedPnl.get('USD'), -101);
    });

    it('carries realised P&L into a reopened position', () => {
      const state = replay([
        buy('2024-01-10', 'AAPL', 10, 100),
        sell('2024-02-10', 'AAPL', 10, 110), // +100
        buy('2024-03-10', 'AAPL', 5, 120),
        sell('2024-04-10', 'AAPL', 1, 130), // +10
      ]);
      assert.equal(state.closed.size, 0);
      assert.equal(holding(state, 'AAPL').realizedPnl, 110);
      assert.deepEqual(holding(state, 'AAPL').lots, [{ acquired: '2024-03-10', quantity: 4, unitCost: 120 }]);
    });

    it('treats a sale within 1e-9 of the holding as selling all of it', () => {
      // 0.3 - 0.1 leaves 0.19999999999999998 in binary floating point
      const state = replay([
        buy('2024-01-10', 'AAPL', 0.3, 100),
        sell('2024-02-10', 'AAPL', 0.1, 100),
        sell('2024-03-10', 'AAPL', 0.2, 100),
      ]);
      assert.equal(state.holdings.has('AAPL'), false);
      assert.equal(state.closed.get('AAPL')?.symbol, 'AAPL');
      assert.ok(Math.abs(state.realizedPnl.get('USD') ?? NaN) < 1e-9);
    });
  });

  describe('splits', () => {
    it('applies a 4-for-1 split to every lot, then sells FIFO in post-split shares', () => {
      // 10 @ 400 and 10 @ 420 become 40 @ 100 and 40 @ 105 (cost basis 8200 unchanged).
      // Selling 50 @ 110: cost 40 x 100 + 10 x 105 = 5050, proceeds 5500, P&L 450.
      // Left: 30 @ 105 = 3150.
      const before = replay([
        buy('2024-01-10', 'AAPL', 10, 400),
        buy('2024-02-10', 'AAPL', 10, 420),
        split('2024-06-01', 'AAPL', 4),
      ]);
      assert.deepEqual(holding(before, 'AAPL').lots, [
        { acquired: '2024-01-10', quantity: 40, unitCost: 100 },
        { acquired: '2024-02-10', quantity: 40, unitCost: 105 },
      ]);
      assert.equal(holding(before, 'AAPL').quantity, 80);
      assert.equal(holding(before, 'AAPL').costBasis, 8200);

      const after = replay([
        buy('2024-01-10', 'AAPL', 10, 400),
        buy('2024-02-10', 'AAPL', 10, 420),
        split('2024-06-01', 'AAPL', 4),
        sell('2024-07-01', 'AAPL', 50, 110),
      ]);
      assert.deepEqual(holding(after, 'AAPL').lots, [{ acquired: '2024-02-10', quantity: 30, unitCost: 105 }]);
      assert.equal(holding(after, 'AAPL').costBasis, 3150);
      assert.equal(after.realizedPnl.get('USD'), 450);
      assert.equal(after.cash.get('USD'), -4000 - 4200 + 5500);
    });

    it('applies a 1-for-2 reverse split (ratio 0.5)', () => {
      // 100 @ 2 become 50 @ 4; selling all 50 @ 5 realises 250 - 200 = 50.
      const ledger = [buy('2024-01-10', 'AAPL', 100, 2), split('2024-06-01', 'AAPL', 0.5)];
      assert.deepEqual(holding(replay(ledger), 'AAPL').lots, [{ acquired: '2024-01-10', quantity: 50, unitCost: 4 }]);
      assert.equal(holding(replay(ledger), 'AAPL').costBasis, 200);

      const sold = replay([...ledger, sell('2024-07-01', 'AAPL', 50, 5)]);
      assert.equal(sold.holdings.size, 0);
      assert.equal(sold.closed.get('AAPL')?.realizedPnl, 50);
    });

    it('rejects a split of a symbol that is not held', () => {
      const never = replayError([deposit('2024-01-02', 100), split('2024-06-01', 'AAPL', 2)]);
      assert.equal(never.entry.type, 'SPLIT');
      assert.equal(never.field, 'symbol');
      assert.match(never.message, /^2024-06-01 SPLIT AAPL: split of AAPL, which is not held$/);

      const soldOut = replayError([
        buy('2024-01-10', 'AAPL', 1, 1),
        sell('2024-02-10', 'AAPL', 1, 1),
        split('2024-06-01', 'AAPL', 2),
      ]);
      assert.equal(soldOut.entry.date, '2024-06-01');
    });
  });

  describe('cash, income and fees', () => {
    it('books dividends and interest as income and every fee as a fee', () => {
      const state = replay([
        deposit('2024-01-02', 1000), // cash 1000
        buy('2024-01-10', 'AAPL', 10, 50), // 500
        tx('2024-02-01', 'DIVIDEND', { symbol: 'AAPL', amount: 12, fee: 1.5 }), // 510.5
        tx('2024-02-02', 'INTEREST', { amount: 3.25 }), // 513.75
        tx('2024-02-03', 'FEE', { amount: 10 }), // 503.75
        tx('2024-02-04', 'WITHDRAWAL', { amount: 100 }), // 403.75
      ]);
      assert.equal(state.cash.get('USD'), 403.75);
      assert.equal(state.income.get('USD'), 15.25);
      assert.equal(state.fees.get('USD'), 11.5);
      assert.equal(state.externalFlows.get('USD'), 900);
      assert.equal(holding(state, 'AAPL').dividends, 12);
      assert.equal(state.realizedPnl.size, 0);
    });

    it('keeps the dividends of a symbol sold before the payment', () => {
      const state = replay([
        buy('2024-01-10', 'AAPL', 10, 50),
        sell('2024-02-10', 'AAPL', 10, 50),
        tx('2024-02-20', 'DIVIDEND', { symbol: 'AAPL', amount: 7 }),
      ]);
      assert.deepEqual(state.closed.get('AAPL'), { symbol: 'AAPL', currency: 'USD', realizedPnl: 0, dividends: 7 });
    });

    it('keeps cash per currency, in sorted order, and allows it to go negative', () => {
      const state = replay([
        deposit('2024-01-02', 5000, 'USD'),
        deposit('2024-01-02', 3000, 'EUR'),
        buy('2024-01-10', 'SAP', 10, 180, { currency: 'EUR', fee: 2 }), // EUR 3000 - 1802
        buy('2024-01-10', 'AAPL', 5, 200), // USD 5000 - 1000
        tx('2024-01-11', 'FEE', { amount: 20, currency: 'GBP' }), // GBP -20: overdrawn, not an error
      ]);
      assert.deepEqual(
        [...state.cash],
        [
          ['EUR', 1198],
          ['GBP', -20],
          ['USD', 4000],
        ],
      );
      assert.deepEqual(
        [...state.externalFlows],
        [
          ['EUR', 3000],
          ['USD', 5000],
        ],
      );
      assert.deepEqual(holding(state, 'SAP').lots, [{ acquired: '2024-01-10', quantity: 10, unitCost: 180.2 }]);
      assert.equal(holding(state, 'SAP').currency, 'EUR');
      assert.deepEqual([...state.holdings.keys()], ['AAPL', 'SAP']);
    });

    it("rejects a trade in a currency other than the security's", () => {
      const e = replayError([buy('2024-01-10', 'SAP', 1, 100, { currency: 'USD' })]);
      assert.equal(e.field, 'currency');
      assert.match(e.reason, /currency USD does not match SAP, which is priced in EUR/);
    });

    it('rejects an unknown symbol', () => {
      const e = replayError([buy('2024-01-10', 'ZZZZ', 1, 100)]);
      assert.equal(e.field, 'symbol');
      assert.equal(e.reason, 'unknown symbol ZZZZ');
    });
  });

  describe('transfers', () => {
    it('moves lots in and out at cost without realising P&L; only the fee touches cash', () => {
      // In: 20 @ 150 (fee 5 is an expense, not cost). Buy 10 @ 160. Out: 25 @ 170 takes all of
      // the first lot and 5 of the second, at cost, leaving 5 @ 160.
      // Flows: +2000 cash in, +3000 securities in, -4250 securities out, -200 cash out = 550.
      const state = replay([
        tx('2024-01-02', 'TRANSFER_IN', { amount: 2000 }),
        tx('2024-01-03', 'TRANSFER_IN', { symbol: 'AAPL', quantity: 20, price: 150, fee: 5 }),
        buy('2024-01-10', 'AAPL', 10, 160),
        tx('2024-02-01', 'TRANSFER_OUT', { symbol: 'AAPL', quantity: 25, price: 170 }),
        tx('2024-02-02', 'TRANSFER_OUT', { amount: 200 }),
      ]);
      assert.deepEqual(holding(state, 'AAPL').lots, [{ acquired: '2024-01-10', quantity: 5, unitCost: 160 }]);
      assert.equal(holding(state, 'AAPL').realizedPnl, 0);
      assert.equal(state.realizedPnl.size, 0);
      assert.equal(state.cash.get('USD'), 2000 - 5 - 1600 - 200);
      assert.equal(state.externalFlows.get('USD'), 550);
      assert.equal(state.fees.get('USD'), 5);
    });

    it('rejects transferring out more than is held', () => {
      const e = replayError([
        tx('2024-01-03', 'TRANSFER_IN', { symbol: 'AAPL', quantity: 2, price: 150 }),
        tx('2024-02-01', 'TRANSFER_OUT', { symbol: 'AAPL', quantity: 3, price: 150 }),
      ]);
      assert.equal(e.reason, 'transfers out 3 AAPL but only 2 held');
    });
  });

  it('rejects selling more than is held, naming the entry', () => {
    const e = replayError([buy('2024-01-10', 'AAPL', 10, 100), sell('2024-02-10', 'AAPL', 10.5, 100)]);
    assert.equal(e.message, '2024-02-10 SELL AAPL: sells 10.5 AAPL but only 10 held');
    assert.equal(e.field, 'quantity');
    assert.deepEqual(e.entry, { ...sell('2024-02-10', 'AAPL', 10.5, 100), commitSeq: 1, rowIndex: 1 });

    // 0.3 - 0.1 is 0.19999999999999998 underneath; the message shows what a person wrote.
    const residue = replayError([
      buy('2024-01-10', 'AAPL', 0.3, 1),
      sell('2024-02-10', 'AAPL', 0.1, 1),
      sell('2024-03-10', 'AAPL', 0.25, 1),
    ]);
    assert.equal(residue.reason, 'sells 0.25 AAPL but only 0.2 held');
  });

  describe('ordering and as-of', () => {
    const ledger = [
      deposit('2024-01-02', 10000),
      buy('2024-01-10', 'AAPL', 10, 100),
      buy('2024-03-31', 'AAPL', 10, 120),
      sell('2024-04-01', 'AAPL', 15, 160),
    ];

    it('ignores entries dated after asof and keeps those on it', () => {
      const state = replay(ledger, '2024-03-31');
      assert.equal(holding(state, 'AAPL').quantity, 20);
      assert.equal(state.realizedPnl.size, 0);
      assert.equal(state.cash.get('USD'), 10000 - 1000 - 1200);
      assert.equal(replay(ledger, '2024-01-09').holdings.size, 0);
    });

    it('orders by date, then commit, then row, whatever order the entries come in', () => {
      const day = '2024-05-01';
      const entries: LedgerEntry[] = [
        // A later date wins over an earlier commit.
        { ...sell('2024-05-02', 'AAPL', 12, 10), commitSeq: 1, rowIndex: 0 },
        // Same day: commit 2 comes after commit 1, whatever the row index.
        { ...sell(day, 'AAPL', 5, 10), commitSeq: 2, rowIndex: 0 },
        // Same commit: row 1 after row 0, so the 10 @ 1 lot is the oldest.
        { ...buy(day, 'AAPL', 10, 2), commitSeq: 1, rowIndex: 1 },
        { ...buy(day, 'AAPL', 10, 1), commitSeq: 1, rowIndex: 0 },
      ];
      const expected = {
        lots: [{ acquired: day, quantity: 3, unitCost: 2 }],
        realizedPnl: 5 * 10 - 5 * 1 + (12 * 10 - 5 * 1 - 7 * 2),
      };
      const permutations = [entries, [...entries].reverse(), [entries[2]!, entries[0]!, entries[3]!, entries[1]!]];
      const states = permutations.map((p) => replayLedger(p, { securities: SECURITIES }));
      for (const state of states) {
        const aapl = holding(state, 'AAPL');
        assert.deepEqual({ lots: aapl.lots, realizedPnl: aapl.realizedPnl }, expected);
        assert.deepEqual(state, states[0]);
      }
    });

    it("does not reorder the caller's array", () => {
      const entries = commit(1, [...ledger].reverse());
      const copy = structuredClone(entries);
      replayLedger(entries, { securities: SECURITIES });
      assert.deepEqual(entries, copy);
    });

    it('gives identical numbers on every replay', () => {
      const messy = commit(1, [
        buy('2024-01-10', 'AAPL', 3, 33.33, { fee: 0.07 }),
        buy('2024-01-11', 'AAPL', 7.1, 29.99, { fee: 0.13 }),
        sell('2024-01-12', 'AAPL', 4.3, 31.17, { fee: 0.11 }),
        split('2024-01-13', 'AAPL', 3),
        sell('2024-01-14', 'AAPL', 2.2, 11.01),
      ]);
      const a = replayLedger(messy, { securities: SECURITIES });
      const b = replayLedger([...messy].reverse(), { securities: SECURITIES });
      assert.deepEqual(a, b);
      // deepEqual ignores Map order; the serialised form does not.
      const serialise = (s: LedgerState) => JSON.stringify(Object.entries(s).map(([k, m]) => [k, [...m]]));
      assert.equal(serialise(a), serialise(b));
      assert.deepEqual([...a.holdings.keys()], ['AAPL']);
    });
  });
});
