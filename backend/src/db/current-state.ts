import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import * as ledger from './repositories/ledger.js';
import * as packs from './repositories/packs.js';

/**
 * The mutable "what is newest" questions a request asks before it pins: the newest pack
 * and a portfolio's ledger head. Answers are reused for `ttlMs`, so a pack built or a commit
 * made by another process becomes visible within that time; commits made through this
 * process are visible at once because the importer calls `ledgerChanged`. A TTL of 0
 * asks the database every time.
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
}
