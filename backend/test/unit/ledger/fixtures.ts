import type { LedgerEntry, SecurityInfo, Transaction, TxType } from '../../../src/domain/ledger/types.js';

const security = (symbol: string, currency: string): SecurityInfo => ({
  symbol,
  name: `${symbol} Inc.`,
  sector: 'Technology',
  currency,
  asset_class: 'equity',
});

export const SECURITIES: ReadonlyMap<string, SecurityInfo> = new Map([
  ['AAPL', security('AAPL', 'USD')],
  ['MSFT', security('MSFT', 'USD')],
  ['SAP', security('SAP', 'EUR')],
]);

export const TODAY = '2024-12-31';

export function tx(date: string, type: TxType, fields: Partial<Transaction> = {}): Transaction {
  return {
    date,
    type,
    symbol: null,
    quantity: null,
    price: null,
    amount: null,
    currency: 'USD',
    fee: 0,
    note: null,
    ...fields,
  };
}

export const deposit = (date: string, amount: number, currency = 'USD') => tx(date, 'DEPOSIT', { amount, currency });

export const buy = (date: string, symbol: string, quantity: number, price: number, fields: Partial<Transaction> = {}) =>
  tx(date, 'BUY', { symbol, quantity, price, ...fields });

export const sell = (
  date: string,
  symbol: string,
  quantity: number,
  price: number,
  fields: Partial<Transaction> = {},
) => tx(date, 'SELL', { symbol, quantity, price, ...fields });

export const split = (date: string, symbol: string, ratio: number) => tx(date, 'SPLIT', { symbol, quantity: ratio });

/** The transactions as one commit, in the order given. */
export const commit = (seq: number, txs: readonly Transaction[]): LedgerEntry[] =>
  txs.map((t, rowIndex) => ({ ...t, commitSeq: seq, rowIndex }));
