import type { ReadCache } from '../db/read-cache.js';
import type { LedgerEntry } from '../domain/ledger/types.js';
import { AppError } from '../errors.js';
import type { RequestCtx } from '../executor/capability.js';

/** Every entry of the portfolio's chain up to the request's pinned commit, in ledger order. */
export async function entriesAtPin(reads: ReadCache, portfolioId: string, ctx: RequestCtx): Promise<LedgerEntry[]> {
  const entries = await reads.ledgerEntries(portfolioId, ctx.ledger_commit_hash);
  if (!entries) {
    throw new AppError(
      'ledger_commit_not_found',
      `ledger commit ${ctx.ledger_commit_hash} is not part of portfolio ${portfolioId}`,
    );
  }
  return entries;
}

/** The distinct symbols the entries name, for one lookup of their security data. */
export function symbolsOf(entries: readonly LedgerEntry[]): string[] {
  const symbols = new Set<string>();
  for (const e of entries) if (e.symbol !== null) symbols.add(e.symbol);
  return [...symbols];
}
