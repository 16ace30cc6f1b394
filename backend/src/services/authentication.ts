import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import { findByApiKey, type Authenticated } from '../db/repositories/users.js';
import { hashApiKey } from '../domain/apikey.js';
import { AppError } from '../errors.js';

/**
 * Who an API key belongs to. Known keys are remembered for `ttlMs` so the hot path does not
 * query for every request. A revocation is forgotten at once when `keyChanged` hears of it (on
 * PostgreSQL, from any process, through the invalidation listener); otherwise a revoked key
 * stops working within `ttlMs`. Unknown keys are never remembered.
 */
export class ApiKeyAuthenticator {
  private readonly known: LRUCache<string, Authenticated> | null;
  /** Counts forgettings, so a lookup that overlapped one does not remember what it read before it. */
  private epoch = 0;

  constructor(
    private readonly db: Knex,
    ttlMs: number,
  ) {
    this.known = ttlMs > 0 ? new LRUCache({ max: 10_000, ttl: ttlMs }) : null;
  }

  /** The key's user and key id; unauthorized for a key that is unknown or revoked. */
  async authenticate(apiKey: string): Promise<Authenticated> {
    // Remembered by digest, so no plaintext key stays in the heap.
    const digest = hashApiKey(apiKey);
    const remembered = this.known?.get(digest);
    if (remembered) return remembered;
    const epoch = this.epoch;
    const found = await findByApiKey(this.db, apiKey);
    if (!found) throw new AppError('unauthorized', 'unknown or revoked API key');
    if (epoch === this.epoch) this.known?.set(digest, found);
    return found;
  }

  /** Key `keyId` was revoked (or otherwise changed): it is looked up again on its next use. */
  keyChanged(keyId: string): void {
    this.epoch++;
    if (!this.known) return;
    const digests = [...this.known.entries()].filter(([, a]) => a.apiKeyId === keyId).map(([digest]) => digest);
    for (const digest of digests) this.known.delete(digest);
  }

  /** Changes may have been missed (the listener reconnected): every key is looked up again. */
  forgetAll(): void {
    this.epoch++;
    this.known?.clear();
  }
}
