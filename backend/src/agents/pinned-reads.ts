import type { ReadCache } from '../db/read-cache.js';
import type { Pack } from '../db/repositories/packs.js';
import type { LedgerEntry } from '../domain/ledger/types.js';
import { lookbackPackCount, lookbackWindow } from '../domain/lookback.js';
import { AppError } from '../errors.js';
import type { CapabilityCall, RequestCtx } from '../executor/capability.js';

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

/** The ledger entries visible to a request: its pinned commit, up to its as-of date. */
export async function entriesAsOf(reads: ReadCache, portfolioId: string, ctx: RequestCtx): Promise<LedgerEntry[]> {
  return (await entriesAtPin(reads, portfolioId, ctx)).filter((e) => e.date <= ctx.asof_date);
}

/**
 * The fresh packs of the last `days` pricing days up to the pinned pack, newest first, the
 * oldest being the period's first day; a shortened period is warned about.
 */
export async function lookbackAtPin(reads: ReadCache, days: number, { ctx, warn }: CapabilityCall): Promise<Pack[]> {
  const recent = await reads.recentFreshPacks(ctx.pricing_pack_date, lookbackPackCount(days));
  const window = lookbackWindow(recent, days, ctx.pricing_pack_id);
  window.warnings.forEach(warn);
  return window.packs;
}
