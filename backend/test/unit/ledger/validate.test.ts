import assert from 'node:assert/strict';
import { AppError } from '../../../src/errors.js';
import type { RowError } from '../../../src/domain/ledger/row-errors.js';
import type { LedgerEntry, Transaction } from '../../../src/domain/ledger/types.js';
import { validateImport } from '../../../src/domain/ledger/validate.js';
import { buy, commit, deposit, SECURITIES, sell, split, tx } from './fixtures.js';

function rejection(
  existing: readonly LedgerEntry[],
  batch: readonly Transaction[],
  nextSeq: number,
  securities = SECURITIES,
) {
  try {
    validateImport(existing, batch, securities, nextSeq);
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, 'invalid_request');
    return { message: e.message, errors: e.details.errors as RowError[], details: e.details };
  }
  assert.fail('validateImport accepted the batch');
}

describe('ledger import validation', () => {
  const existing = [
    ...commit(1, [deposit('2024-01-02', 10000), buy('2024-01-10', 'AAPL', 10, 100)]),
    ...commit(2, [sell('2024-03-01', 'AAPL', 10, 120)]),
  ];

  it('accepts a batch the ledger can absorb, back-dated or not', () => {
    validateImport(existing, [buy('2024-02-01', 'AAPL', 5, 110), sell('2024-04-01', 'AAPL', 5, 130)], SECURITIES, 3);
    validateImport([], [deposit('2024-01-02', 1)], SECURITIES, 1);
  });

  it('lists every row naming an unknown symbol or the wrong currency', () => {
    const { message, errors } = rejection(
      existing,
      [
        deposit('2024-04-01', 100),
        buy('2024-04-02', 'ZZZZ', 1, 1),
        buy('2024-04-03', 'SAP', 1, 1), // SAP is priced in EUR
        tx('2024-04-04', 'DIVIDEND', { symbol: 'QQQQ', amount: 1 }),
      ],
      3,
    );
    assert.equal(message, 'row 2: unknown symbol ZZZZ (and 2 more)');
    assert.deepEqual(errors, [
      { row: 2, field: 'symbol', message: 'unknown symbol ZZZZ' },
      { row: 3, field: 'currency', message: 'currency USD does not match SAP, which is priced in EUR' },
      { row: 4, field: 'symbol', message: 'unknown symbol QQQQ' },
    ]);
  });

  it('names the batch row that sells more than is held', () => {
    const { message, errors } = rejection(
      existing,
      [buy('2024-04-01', 'MSFT', 5, 100), sell('2024-04-02', 'MSFT', 3, 100), sell('2024-04-03', 'MSFT', 3, 100)],
      3,
    );
    assert.equal(message, 'row 3: sells 3 MSFT but only 2 held');
    assert.deepEqual(errors, [{ row: 3, field: 'quantity', message: 'sells 3 MSFT but only 2 held' }]);
  });

  it('names the back-dated batch row that leaves a later existing sale short', () => {
    // The existing SELL of 10 on 2024-03-01 relied on all 10 bought on 2024-01-10.
    const { message, errors } = rejection(existing, [deposit('2024-02-01', 50), sell('2024-02-01', 'AAPL', 4, 110)], 3);
    const reason = 'makes the existing 2024-03-01 SELL AAPL (commit 2) impossible: sells 10 AAPL but only 6 held';
    assert.equal(message, `row 2: ${reason}`);
    assert.deepEqual(errors, [{ row: 2, message: reason }]);
  });

  it('orders a batch row after existing entries of the same day', () => {
    // Commit 2 comes after commit 1 on 2024-01-10, so the batch can sell what was bought that day.
    const ledger = commit(1, [buy('2024-01-10', 'AAPL', 10, 100)]);
    validateImport(ledger, [sell('2024-01-10', 'AAPL', 10, 100)], SECURITIES, 2);
    assert.throws(
      () => validateImport(ledger, [sell('2024-01-09', 'AAPL', 1, 100)], SECURITIES, 2),
      /^AppError: row 1: sells 1 AAPL but only 0 held$/,
    );
  });

  it('names a back-dated sale that leaves a later existing split with nothing to split', () => {
    const ledger = commit(1, [buy('2024-01-10', 'AAPL', 10, 100), split('2024-06-01', 'AAPL', 2)]);
    const { errors } = rejection(ledger, [sell('2024-02-01', 'AAPL', 10, 100)], 2);
    assert.deepEqual(errors, [
      {
        row: 1,
        message: 'makes the existing 2024-06-01 SPLIT AAPL (commit 1) impossible: split of AAPL, which is not held',
      },
    ]);
  });

  it('describes the existing entry when no batch row can be blamed', () => {
    const withoutMsft = new Map([...SECURITIES].filter(([symbol]) => symbol !== 'MSFT'));
    const ledger = commit(1, [buy('2024-01-10', 'MSFT', 1, 100)]);
    const { message, details } = rejection(ledger, [deposit('2024-02-01', 100)], 2, withoutMsft);
    assert.equal(
      message,
      'with this import, the existing 2024-01-10 BUY MSFT (commit 1) can no longer be applied: unknown symbol MSFT',
    );
    assert.deepEqual(details, {
      errors: [],
      existing_entry: { date: '2024-01-10', type: 'BUY', symbol: 'MSFT', commit_seq: 1 },
    });
  });
});
