export const TX_TYPES = [
  'DEPOSIT',
  'WITHDRAWAL',
  'BUY',
  'SELL',
  'DIVIDEND',
  'INTEREST',
  'FEE',
  'SPLIT',
  'TRANSFER_IN',
  'TRANSFER_OUT',
] as const;
export type TxType = (typeof TX_TYPES)[number];

/**
 * A validated ledger transaction in its canonical form: this exact shape (nulls included) is
 * what the commit hash covers. Quantities, prices, amounts and fees are positive; the type
 * gives the direction.
 */
export interface Transaction {
  date: string; // YYYY-MM-DD
  type: TxType;
  symbol: string | null;
  quantity: number | null;
  price: number | null;
  amount: number | null;
  currency: string; // ISO 4217
  fee: number; // 0 when none
  note: string | null;
}

/** A transaction as stored: where it sits in the chain, for stable ordering. */
export interface LedgerEntry extends Transaction {
  commitSeq: number;
  rowIndex: number;
}

/** What the ledger needs to know about a security to validate and value it. */
export interface SecurityInfo {
  symbol: string;
  name: string;
  sector: string;
  currency: string;
  asset_class: string;
}
