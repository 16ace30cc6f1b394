import { z } from 'zod';
import type { ReadCache } from '../db/read-cache.js';
import { replayLedger } from '../domain/ledger/replay.js';
import { symbolsOf } from '../domain/ledger/securities.js';
import { positionsView, transactionsView } from '../domain/ledger/views.js';
import { AppError } from '../errors.js';
import type { Capability } from '../executor/capability.js';
import { deepFreeze } from '../executor/freeze.js';
import { symbolArg } from './args.js';
import { inPlace, isArrayOf, isNumber, isRecord, isString } from './in-place.js';
import { entriesAsOf } from './pinned-reads.js';

const portfolioArgs = z.strictObject({ portfolio_id: z.string().min(1) });

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

export const portfolio = (reads: ReadCache): Capability<z.infer<typeof portfolioArgs>> => ({
  name: 'ledger.portfolio',
  // Not its name: a rename is no ledger event, and an answer must replay byte for byte under its pins.
  description: 'The portfolio: id and base currency',
  args: portfolioArgs,
  async run({ portfolio_id }, { ctx }) {
    const p = await reads.portfolioFor(portfolio_id, ctx.user.id);
    if (!p) throw new AppError('portfolio_not_found', `portfolio ${portfolio_id} does not exist`, { portfolio_id });
    return { id: p.id, base_currency: p.base_currency };
  },
});

const positionsArgs = portfolioArgs.extend({
  symbol: symbolArg.optional(),
  include_lots: z.boolean().default(true),
});

export const positions = (reads: ReadCache): Capability<z.infer<typeof positionsArgs>> => ({
  name: 'ledger.positions',
  description: 'Open positions with FIFO lots, cash per currency and realised P&L at the pinned commit and as-of date',
  args: positionsArgs,
  /**
   * Positions are a pure function of the pinned commit and the as-of date, and replaying the
   * whole ledger was most of a cold portfolio_overview's CPU, so they are kept for the next
   * request with the same pins (frozen: later steps read them, none may change them).
   */
  async run({ portfolio_id, symbol, include_lots }, { ctx }) {
    const key = `positions:${JSON.stringify([ctx.user.id, portfolio_id, symbol ?? null, include_lots, ctx.ledger_commit_hash, ctx.asof_date])}`;
    const hit = reads.derived<ReturnType<typeof positionsView>>(key);
    if (hit) return hit;
    const entries = await entriesAsOf(reads, portfolio_id, ctx);
    const securities = await reads.securities(symbolsOf(entries));
    const state = replayLedger(entries, { asof: ctx.asof_date, securities });
    const view = deepFreeze(positionsView(state, securities, entries.length, { symbol, includeLots: include_lots }));
    reads.setDerived(key, view, view.holdings.length + view.cash.length + 1);
    return view;
  },
});

const transactionsArgs = portfolioArgs.extend({
  symbol: symbolArg.optional(),
  limit: z.number().int().min(1).max(10_000).default(1000),
});

export const transactions = (reads: ReadCache): Capability<z.infer<typeof transactionsArgs>> => ({
  name: 'ledger.transactions',
  description: 'Transactions at the pinned commit up to the as-of date, newest first, optionally for one symbol',
  args: transactionsArgs,
  async run({ portfolio_id, symbol, limit }, { ctx }) {
    return transactionsView(await entriesAsOf(reads, portfolio_id, ctx), symbol, limit);
  },
});

const summaryArgs = z.object({ positions: inPlace(isPositionsOutput, 'must be a ledger.positions output') });

export const summary: Capability<z.infer<typeof summaryArgs>> = {
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
