import type { Knex } from 'knex';
import * as ledger from '../db/repositories/ledger.js';
import * as portfolios from '../db/repositories/portfolios.js';
import { genesisParent } from '../domain/ledger/commit.js';
import { verifyChain, type ChainMismatch } from '../domain/ledger/verify.js';
import { requirePortfolio, type Actor } from './portfolios.js';

export type { ChainMismatch };

/** What a verification of one portfolio's chain found. */
export interface LedgerVerification {
  portfolio_id: string;
  /** True when every commit's hash recomputes from its stored rows and chains to its parent. */
  ok: boolean;
  commits: number;
  transactions: number;
  /** The head as stored (the genesis while the ledger is empty). */
  ledger_commit_hash: string;
  /** The first commit, in chain order, that does not verify; null when ok. */
  first_mismatch: ChainMismatch | null;
}

/**
 * Recomputes every commit hash of the portfolio's chain from the stored rows, exactly as the
 * import computed it, and reports the first commit that does not match.
 */
export async function verifyLedger(db: Knex, actor: Actor, portfolioId: string): Promise<LedgerVerification> {
  const portfolio = await requirePortfolio(db, actor, portfolioId);
  return verifyStored(db, portfolio.id);
}

/** Every portfolio's chain, by portfolio id: the operator's integrity check. */
export async function verifyAllLedgers(db: Knex): Promise<LedgerVerification[]> {
  const out: LedgerVerification[] = [];
  // One portfolio at a time, so memory stays at one chain's rows however many there are.
  for (const p of await portfolios.all(db)) out.push(await verifyStored(db, p.id));
  return out;
}

async function verifyStored(db: Knex, portfolioId: string): Promise<LedgerVerification> {
  const { commits, rows } = await ledger.storedChain(db, portfolioId);
  const mismatch = verifyChain(portfolioId, commits, rows);
  return {
    portfolio_id: portfolioId,
    ok: mismatch === null,
    commits: commits.length,
    transactions: rows.length,
    ledger_commit_hash: commits.at(-1)?.hash ?? genesisParent(portfolioId),
    first_mismatch: mismatch,
  };
}
