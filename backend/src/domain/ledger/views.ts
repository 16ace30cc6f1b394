import { money } from '../number.js';
import type { LedgerState } from './replay.js';
import type { LedgerEntry, SecurityInfo } from './types.js';

const perCurrency = (m: ReadonlyMap<string, number>) =>
  [...m.entries()].map(([currency, amount]) => ({ currency, amount: money(amount) }));

export interface PositionsOptions {
  /** Only this security's holding and closed position. */
  symbol?: string | undefined;
  /** Each holding's FIFO lots, or only their count. */
  includeLots: boolean;
}

/**
 * The ledger.positions answer: open holdings by symbol with their security data, cash by
 * currency, closed positions and the ledger's totals per currency, money rounded.
 * `securities` must know every symbol held.
 */
export function positionsView(
  state: LedgerState,
  securities: ReadonlyMap<string, SecurityInfo>,
  transactionCount: number,
  { symbol, includeLots }: PositionsOptions,
) {
  const holdings = [...state.holdings.values()]
    .filter((h) => symbol === undefined || h.symbol === symbol)
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
    .map((h) => {
      const s = securities.get(h.symbol)!;
      return {
        symbol: h.symbol,
        name: s.name,
        sector: s.sector,
        asset_class: s.asset_class,
        currency: h.currency,
        quantity: h.quantity,
        cost_basis: money(h.costBasis),
        realized_pnl: money(h.realizedPnl),
        dividends: money(h.dividends),
        ...(includeLots
          ? {
              lots: h.lots.map((l) => ({
                acquired: l.acquired,
                quantity: l.quantity,
                unit_cost: money(l.unitCost),
              })),
            }
          : { lot_count: h.lots.length }),
      };
    });
  return {
    holdings,
    cash: [...state.cash.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, balance]) => ({ currency, balance: money(balance) })),
    closed: [...state.closed.values()]
      .filter((c) => symbol === undefined || c.symbol === symbol)
      .map((c) => ({
        symbol: c.symbol,
        currency: c.currency,
        realized_pnl: money(c.realizedPnl),
        dividends: money(c.dividends),
      })),
    realized_pnl: perCurrency(state.realizedPnl),
    income: perCurrency(state.income),
    fees: perCurrency(state.fees),
    external_flows: perCurrency(state.externalFlows),
    transaction_count: transactionCount,
  };
}

/** The ledger.transactions answer: the entries (optionally one symbol's), newest first, the first `limit` of them. */
export function transactionsView(entries: readonly LedgerEntry[], symbol: string | undefined, limit: number) {
  const newestFirst = entries.filter((e) => symbol === undefined || e.symbol === symbol).reverse();
  return {
    total: newestFirst.length,
    items: newestFirst.slice(0, limit).map(({ commitSeq, rowIndex: _r, ...tx }) => ({ ...tx, commit_seq: commitSeq })),
  };
}
