import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import type { LedgerEntry, SecurityInfo } from '../domain/ledger/types.js';
import * as ledger from './repositories/ledger.js';
import * as packs from './repositories/packs.js';
import * as portfolios from './repositories/portfolios.js';
import type { Portfolio } from './repositories/portfolios.js';
import * as securities from './repositories/securities.js';
import { addDays } from '../domain/dates.js';

export interface PackData {
  closes: ReadonlyMap<string, number>;
  fx: readonly packs.PackFxRow[];
}

/** Loads that fail are not cached; a missing commit resolves to null and is not cached either. */
type Loader<V> = () => Promise<V>;

/**
 * Read-through caches for data that never changes once written: the entries up to a
 * ledger commit (commits are append-only and content-addressed) and the prices and FX of a
 * pack (a pack's content is fixed once it is fresh). Keys are those immutable identities,
 * so an entry can never go stale. Portfolios are immutable once created (no endpoint
 * changes owner or base currency). Security reference data is keyed by symbol and expires,
 * because names and sectors may be corrected.
 */
export class ReadCache {
  private readonly entries: LRUCache<string, LedgerEntry[]>;
  private readonly packData: LRUCache<string, PackData>;
  private readonly securityInfo: LRUCache<string, SecurityInfo>;
  private readonly portfolioRows = new LRUCache<string, Portfolio>({ max: 100_000 });
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Knex,
    opts: { maxLedgerEntries: number; maxPackRows: number; securityTtlMs: number },
  ) {
    this.entries = new LRUCache({ maxSize: Math.max(1, opts.maxLedgerEntries), sizeCalculation: (v) => Math.max(1, v.length) });
    this.packData = new LRUCache({
      maxSize: Math.max(1, opts.maxPackRows),
      sizeCalculation: (v) => Math.max(1, v.closes.size + v.fx.length),
    });
    this.securityInfo = new LRUCache({ max: 100_000, ttl: Math.max(1, opts.securityTtlMs) });
  }

  /** Concurrent misses for one key share a single load. */
  private async through<V extends {}>(cache: LRUCache<string, V>, key: string, load: Loader<V>): Promise<V> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const pending = this.loading.get(key) as Promise<V> | undefined;
    if (pending) return pending;
    const p = load().then((v) => {
      cache.set(key, v);
      return v;
    });
    this.loading.set(key, p);
    try {
      return await p;
    } finally {
      this.loading.delete(key);
    }
  }

  /** Every entry of the chain up to `commitHash`, in ledger order; null when the hash is not in this portfolio's chain. */
  async ledgerEntries(portfolioId: string, commitHash: string): Promise<LedgerEntry[] | null> {
    const key = `ledger:${portfolioId}:${commitHash}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const at = await ledger.resolve(this.db, portfolioId, commitHash);
    if (!at) return null;
    return this.through(this.entries, key, () => ledger.entriesUpTo(this.db, portfolioId, at.seq));
  }

  /** Closes and FX of a pack; callers only ask for packs that are fresh or superseded, whose content is final. */
  packContent(packId: string): Promise<PackData> {
    return this.through(this.packData, `pack:${packId}`, async () => {
      const [prices, fx] = await Promise.all([packs.prices(this.db, packId), packs.fx(this.db, packId)]);
      return { closes: new Map([...prices].map(([s, p]) => [s, p.close])), fx };
    });
  }

  /**
   * The fresh packs in force from `from` to `to`. Not cached: a pack can still turn fresh
   * after it was first listed.
   */
  freshPacksCovering(from: string, to: string): Promise<packs.Pack[]> {
    return packs.freshCovering(this.db, from, to);
  }

  /** The newest `count` fresh packs dated on or before `onOrBefore`, newest first. Not cached, like the above. */
  recentFreshPacks(onOrBefore: string, count: number): Promise<packs.Pack[]> {
    return packs.list(this.db, { limit: count, before: addDays(onOrBefore, 1), status: 'fresh' });
  }

  /** A portfolio only when `userId` owns it: someone else's portfolio looks exactly like a missing one. */
  async portfolioFor(id: string, userId: string): Promise<Portfolio | null> {
    let p = this.portfolioRows.get(id);
    if (!p) {
      const row = await portfolios.get(this.db, id);
      if (!row) return null;
      this.portfolioRows.set(id, row);
      p = row;
    }
    return p.user_id === userId ? p : null;
  }

  async securities(symbols: readonly string[]): Promise<Map<string, SecurityInfo>> {
    const found = new Map<string, SecurityInfo>();
    const missing: string[] = [];
    for (const s of symbols) {
      const hit = this.securityInfo.get(s);
      if (hit) found.set(s, hit);
      else missing.push(s);
    }
    if (missing.length > 0) {
      for (const [s, info] of await securities.bySymbols(this.db, missing)) {
        this.securityInfo.set(s, info);
        found.set(s, info);
      }
    }
    return found;
  }
}
