import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import { findByApiKey, type Authenticated } from '../db/repositories/users.js';
import { hashApiKey } from '../domain/apikey.js';
import { AppError } from '../errors.js';

/**
 * Who an API key belongs to. Known keys are remembered for `ttlMs` so the hot path does not
 * query for every request; a revoked key therefore stops working within that time. Unknown
 * keys are never remembered.
 */
export class ApiKeyAuthenticator {
  private readonly known: LRUCache<string, Authenticated> | null;

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
    const found = await findByApiKey(this.db, apiKey);
    if (!found) throw new AppError('unauthorized', 'unknown or revoked API key');
    this.known?.set(digest, found);
    return found;
  }
}
