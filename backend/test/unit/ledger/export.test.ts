import assert from 'node:assert/strict';
import { EXPORT_HEADER, exportLine, plainDecimal } from '../../../src/domain/ledger/export.js';
import { parseLedgerCsv } from '../../../src/domain/ledger/parse.js';
import type { Transaction } from '../../../src/domain/ledger/types.js';

const tx = (over: Partial<Transaction>): Transaction => ({
  date: '2024-01-02',
  type: 'DEPOSIT',
  symbol: null,
  quantity: null,
  price: null,
  amount: 100,
  currency: 'USD',
  fee: 0,
  note: null,
  ...over,
});

describe('ledger export', () => {
  it('writes numbers as plain decimals that parse back to the same double', () => {
    for (const x of [0, 1, 0.1, 185.5, 1e-7, 1.5e-7, 9.87654321e-10, 0.123456789012345, 123456789012345, 1e21]) {
      const text = plainDecimal(x);
      assert.doesNotMatch(text, /e/i, text);
      assert.equal(Number(text), x);
    }
    assert.equal(plainDecimal(1e-7), '0.0000001');
  });

  it('round-trips rows through the ledger CSV, one batch per run of commit values', () => {
    const a = [tx({ note: 'funding, "first"\nline two' }), tx({ type: 'FEE', amount: 1e-7 })];
    const b = [tx({ type: 'BUY', symbol: 'BRK.B', quantity: 0.5, price: 455.25, amount: null, fee: 1.25 })];
    const text =
      EXPORT_HEADER + a.map((t) => exportLine(t, 'c1')).join('') + b.map((t) => exportLine(t, 'c2')).join('');
    assert.deepEqual(parseLedgerCsv(text, { today: '2025-01-01' }), [a, b]);
  });

  it('refuses a commit that comes back after another, and a blank commit', () => {
    const line = exportLine(tx({}), 'x').replace(/,x\n$/, '');
    assert.throws(
      () => parseLedgerCsv(`${EXPORT_HEADER}${line},one\n${line},two\n${line},one\n`, { today: '2025-01-01' }),
      /row 3: commit "one" appears again after other commits' rows/,
    );
    assert.throws(
      () => parseLedgerCsv(`${EXPORT_HEADER}${line},\n`, { today: '2025-01-01' }),
      /row 1: commit is required when the file has a commit column/,
    );
  });
});
