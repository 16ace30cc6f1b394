import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import * as ledger from './repositories/ledger.js';
import * as packs from './repositories/packs.js';

/**
 * The mutable "what is newest" questions a request asks before it pins: the newest pack
 * and a portfolio's ledger head. Answers are reused for `ttlMs`. Commits made through this
 * process are visible at once because the importer calls `ledgerChanged`; on PostgreSQL the
 * invalidation listener calls `ledgerChanged` and `packChanged` for the writes of every other
 * process, so the TTL bounds staleness only while notifications are lost. A TTL of 0 asks
 * the database every time.
 */
export class CurrentState {
  private readonly answers: LRUCache<string, Promise<unknown>> | null;

  constructor(
    private readonly db: Knex,
    ttlMs: number,
  ) {
    this.answers = ttlMs > 0 ? new LRUCache({ max: 100_000, ttl: ttlMs }) : null;
  }

  private remembered<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.answers) return load();
    const hit = this.answers.get(key) as Promise<T> | undefined;
    if (hit) return hit;
    const value = load();
    this.answers.set(key, value);
    // A failed lookup is not remembered.
    value.catch(() => {
      if (this.answers?.get(key) === value) this.answers.delete(key);
    });
    return value;
  }

  newestPack(): Promise<packs.Pack | null> {
    return this.remembered('pack:newest', () => packs.newest(this.db));
  }

  newestFreshPack(): Promise<packs.Pack | null> {
    return this.remembered('pack:newest-fresh', () => packs.newestFresh(this.db));
  }

  ledgerHead(portfolioId: string): Promise<ledger.LedgerHead> {
    return this.remembered(`head:${portfolioId}`, () => ledger.head(this.db, portfolioId));
  }

  ledgerChanged(portfolioId: string): void {
    this.answers?.delete(`head:${portfolioId}`);
  }

  /** Any pack's status changed: which pack is newest (fresh or not) is asked again. */
  packChanged(): void {
    this.answers?.delete('pack:newest');
    this.answers?.delete('pack:newest-fresh');
  }

  /** Changes may have been missed (the listener reconnected): every answer is asked again. */
  forgetAll(): void {
    this.answers?.clear();
  }
}
