import { AppError } from '../errors.js';

/** A row of a ledger.positions or pricing.value output: a symbol and whatever else the step reported. */
export type SymbolRow = { symbol: string } & Record<string, unknown>;

export interface HoldingDetailInput {
  symbol: string;
  positions: { holdings: SymbolRow[]; closed: SymbolRow[] };
  valuation: { holdings: SymbolRow[]; totals: { base_currency: string } };
  /** The ledger.transactions output for the symbol. */
  transactions: { total: number };
}

/**
 * The holdings.detail answer: an open holding's lots and P&L joined with its valuation, a
 * closed one's lifetime P&L, or a symbol with transactions but no position; a symbol the
 * portfolio never held is not found.
 */
export function holdingDetail({ symbol, positions, valuation, transactions }: HoldingDetailInput) {
  const base_currency = valuation.totals.base_currency;
  const open = positions.holdings.find((h) => h.symbol === symbol);
  if (open) {
    const valued = valuation.holdings.find((h) => h.symbol === symbol) ?? {};
    return { ...valued, ...open, status: 'open', base_currency };
  }
  const closed = positions.closed.find((h) => h.symbol === symbol);
  if (closed) return { ...closed, status: 'closed', quantity: 0, lots: [], base_currency };
  if (transactions.total > 0) return { symbol, status: 'no_position', quantity: 0, lots: [], base_currency };
  throw new AppError('security_not_found', `the portfolio has never held ${symbol}`, { symbol });
}
