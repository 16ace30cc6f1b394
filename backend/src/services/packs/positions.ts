import type { Knex } from 'knex';
import * as ledger from '../../db/repositories/ledger.js';
import * as portfolios from '../../db/repositories/portfolios.js';
import type { PositionSnapshot } from '../../db/repositories/packs.js';
import { replayLedger } from '../../domain/ledger/replay.js';
import type { SecurityInfo } from '../../domain/ledger/types.js';
import type { HoldingsNeed } from '../../domain/pack.js';
import type { PositionsAt } from '../../domain/reconcile.js';

export interface PortfolioPositions {
  portfolioId: string;
  baseCurrency: string;
  ledgerCommitHash: string;
  at: PositionsAt;
}

/** Cash this close to zero is rounding residue of a spent balance, not money to value. */
const CASH_EPSILON = 1e-9;

/** Replays one portfolio's ledger, up to `commitHash`, as of `date`. */
export async function positionsAt(
  db: Knex,
  p: { id: string; base_currency: string },
  date: string,
  commit: ledger.LedgerHead,
  securities: ReadonlyMap<string, SecurityInfo>,
): Promise<PortfolioPositions> {
  const state = replayLedger(await ledger.entriesUpTo(db, p.id, commit.seq), { asof: date, securities });
  return {
    portfolioId: p.id,
    baseCurrency: p.base_currency,
    ledgerCommitHash: commit.hash,
    at: {
      securities: new Map([...state.holdings].map(([s, h]) => [s, { currency: h.currency, quantity: h.quantity }])),
      cash: new Map([...state.cash].filter(([, b]) => Math.abs(b) > CASH_EPSILON)),
    },
  };
}

/** Every portfolio's positions on `date`, replayed from its current ledger head. */
export async function positionsOnDate(
  db: Knex,
  date: string,
  securities: ReadonlyMap<string, SecurityInfo>,
): Promise<PortfolioPositions[]> {
  const out: PortfolioPositions[] = [];
  for (const p of await portfolios.all(db))
    out.push(await positionsAt(db, p, date, await ledger.head(db, p.id), securities));
  return out;
}

/** What coverage asks of a pack for one portfolio. */
export const needOf = (p: PortfolioPositions): HoldingsNeed => ({
  portfolioId: p.portfolioId,
  baseCurrency: p.baseCurrency,
  symbols: [...p.at.securities.keys()],
  currencies: [...[...p.at.securities.values()].map((s) => s.currency), ...p.at.cash.keys()],
});

/** The rows stored with a pack so reconciliation can value the same positions again. */
export const snapshotOf = (p: PortfolioPositions, nav: number): PositionSnapshot => ({
  portfolioId: p.portfolioId,
  ledgerCommitHash: p.ledgerCommitHash,
  baseCurrency: p.baseCurrency,
  nav,
  positions: [
    ...[...p.at.securities].map(([code, s]) => ({
      kind: 'security' as const,
      code,
      currency: s.currency,
      quantity: s.quantity,
    })),
    ...[...p.at.cash].map(([code, balance]) => ({ kind: 'cash' as const, code, currency: code, quantity: balance })),
  ],
});

/** Stored snapshot rows back into positions. */
export const positionsOfSnapshot = (s: PositionSnapshot): PositionsAt => ({
  securities: new Map(
    s.positions
      .filter((p) => p.kind === 'security')
      .map((p) => [p.code, { currency: p.currency, quantity: p.quantity }]),
  ),
  cash: new Map(s.positions.filter((p) => p.kind === 'cash').map((p) => [p.code, p.quantity])),
});
