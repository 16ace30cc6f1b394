import type { Knex } from 'knex';
import * as securitiesRepo from '../../db/repositories/securities.js';
import type { SecurityInfo } from '../../domain/ledger/types.js';
import type { MarketDataProvider } from '../../providers/provider.js';

/** What registration did, as the backfill's run records it. */
export interface Registration {
  /** `source`: the symbols the provider lists; `mapping`: a source that cannot list them (a URL template), so every mapped one. */
  found_by: 'source' | 'mapping';
  found: number;
  registered: number;
  /** The first few registered, to check by eye. */
  registered_symbols: string[];
  /** Found in the data but absent from the mapping: not registered, since nothing says their currency. */
  unmapped: number;
  unmapped_symbols: string[];
  /** Already registered; their recorded currency stays (shared reference data). */
  known: number;
}

const LISTED = 50;

/**
 * Registers the symbols the provider has data for that are not yet securities, each with the
 * currency (and description) the mapping gives it, in one transaction.
 */
export async function registerSecurities(
  db: Knex,
  provider: MarketDataProvider,
  mapping: readonly SecurityInfo[],
  signal?: AbortSignal,
): Promise<Registration> {
  const bySymbol = new Map(mapping.map((s) => [s.symbol, s]));
  const found = provider.listSymbols ? await provider.listSymbols(signal) : null;
  const candidates = found ?? [...bySymbol.keys()];
  const known = await securitiesRepo.bySymbols(db, candidates);
  const fresh = candidates.filter((s) => !known.has(s) && bySymbol.has(s)).map((s) => bySymbol.get(s)!);
  await db.transaction((trx) => securitiesRepo.insertMissing(trx, fresh));
  const unmapped = candidates.filter((s) => !bySymbol.has(s));
  return {
    found_by: found ? 'source' : 'mapping',
    found: candidates.length,
    registered: fresh.length,
    registered_symbols: fresh.slice(0, LISTED).map((s) => s.symbol),
    unmapped: unmapped.length,
    unmapped_symbols: unmapped.slice(0, LISTED),
    known: known.size,
  };
}
