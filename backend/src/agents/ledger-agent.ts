import { z } from 'zod';
import { AppError } from '../errors.js';
import type { ReadCache } from '../db/read-cache.js';
import { money } from '../domain/number.js';
import { replayLedger } from '../domain/ledger/replay.js';
import type { LedgerEntry } from '../domain/ledger/types.js';
import type { Capability, RequestCtx } from '../executor/capability.js';
import { symbolArg } from './args.js';
import { inPlace, isArrayOf, isNumber, isRecord, isString } from './in-place.js';
import { entriesAtPin, symbolsOf } from './pinned-ledger.js';

const portfolioArgs = z.strictObject({ portfolio_id: z.string().min(1) });

/** The ledger entries visible to a request: its pinned commit, up to its as-of date. */
async function pinnedEntries(reads: ReadCache, portfolioId: string, ctx: RequestCtx): Promise<LedgerEntry[]> {
  return (await entriesAtPin(reads, portfolioId, ctx)).filter((e) => e.date <= ctx.asof_date);
}

const perCurrency = (m: ReadonlyMap<string, number>) =>
  [...m.entries()].map(([currency, amount]) => ({ currency, amount: money(amount) }));

interface Amount {
  currency: string;
  amount: number;
}

/** The parts of a ledger.positions output that ledger.summary reads. */
interface PositionsOutput {
  holdings: unknown[];
  closed: ({ symbol: string } & Record<string, unknown>)[];
  realized_pnl: Amount[];
  income: Amount[];
  fees: Amount[];
  external_flows: Amount[];
  transaction_count: number;
}

const isAmounts = isArrayOf((v): v is Amount => isRecord(v) && isString(v.currency) && isNumber(v.amount));
const isClosed = isArrayOf((v): v is PositionsOutput['closed'][number] => isRecord(v) && isString(v.symbol));
const isPositionsOutput = (v: unknown): v is PositionsOutput =>
  isRecord(v) &&
  Array.isArray(v.holdings) &&
  isClosed(v.closed) &&
  isAmounts(v.realized_pnl) &&
  isAmounts(v.income) &&
  isAmounts(v.fees) &&
  isAmounts(v.external_flows) &&
  isNumber(v.transaction_count);

const summaryArgs = z.object({ positions: inPlace(isPositionsOutput, 'must be a ledger.positions output') });

export function ledgerCapabilities(reads: ReadCache): Capability[] {
  const portfolio: Capability<z.infer<typeof portfolioArgs>> = {
    name: 'ledger.portfolio',
    description: 'The portfolio: id, name and base currency',
    args: portfolioArgs,
    async run({ portfolio_id }, { ctx }) {
      const p = await reads.portfolioFor(portfolio_id, ctx.user.id);
      if (!p) throw new AppError('portfolio_not_found', `portfolio ${portfolio_id} does not exist`, { portfolio_id });
      return { id: p.id, name: p.name, base_currency: p.base_currency };
    },
  };

  const positionsArgs = portfolioArgs.extend({
    symbol: symbolArg.optional(),
    include_lots: z.boolean().default(true),
  });
  const positions: Capability<z.infer<typeof positionsArgs>> = {
    name: 'ledger.positions',
    description:
      'Open positions with FIFO lots, cash per currency and realised P&L at the pinned commit and as-of date',
    args: positionsArgs,
    async run({ portfolio_id, symbol, include_lots }, { ctx }) {
      const entries = await pinnedEntries(reads, portfolio_id, ctx);
      const secs = await reads.securities(symbolsOf(entries));
      const state = replayLedger(entries, { asof: ctx.asof_date, securities: secs });
      const holdings = [...state.holdings.values()]
        .filter((h) => symbol === undefined || h.symbol === symbol)
        .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
        .map((h) => {
          const s = secs.get(h.symbol)!;
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
            ...(include_lots
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
        transaction_count: entries.length,
      };
    },
  };

  const txArgs = portfolioArgs.extend({
    symbol: symbolArg.optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
  });
  const transactions: Capability<z.infer<typeof txArgs>> = {
    name: 'ledger.transactions',
    description: 'Transactions at the pinned commit up to the as-of date, newest first, optionally for one symbol',
    args: txArgs,
    async run({ portfolio_id, symbol, limit }, { ctx }) {
      const entries = (await pinnedEntries(reads, portfolio_id, ctx)).filter(
        (e) => symbol === undefined || e.symbol === symbol,
      );
      const newestFirst = entries.reverse();
      return {
        total: newestFirst.length,
        items: newestFirst
          .slice(0, limit)
          .map(({ commitSeq, rowIndex: _r, ...tx }) => ({ ...tx, commit_seq: commitSeq })),
      };
    },
  };

  const summary: Capability<z.infer<typeof summaryArgs>> = {
    name: 'ledger.summary',
    description:
      'Ledger totals per currency (realised P&L, income, fees, external flows) and closed positions, from ledger.positions',
    args: summaryArgs,
    async run({ positions: p }) {
      return {
        open_positions: p.holdings.length,
        closed_positions: p.closed,
        realized_pnl: p.realized_pnl,
        income: p.income,
        fees: p.fees,
        external_flows: p.external_flows,
        transaction_count: p.transaction_count,
      };
    },
  };

  return [portfolio, positions, transactions, summary];
}
