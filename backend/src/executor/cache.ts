import { LRUCache } from 'lru-cache';
import type { Warning } from './capability.js';
import { deepFreeze } from './freeze.js';

export interface CachedResult {
  result: Record<string, unknown>;
  warnings: Warning[];
  result_hash: string;
}

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * Results keyed by cacheKey(). A key pins everything a result depends on, so entries never go
 * stale and only leave by LRU eviction. Entries are frozen copies: one request's response
 * handling cannot change what the next request is served.
 */
export class ResultCache {
  private readonly lru: LRUCache<string, CachedResult> | null;
  private hits = 0;
  private misses = 0;

  /** `maxEntries` 0 turns caching off. */
  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError(`cache size must be a whole number >= 0, got ${maxEntries}`);
    this.lru = maxEntries === 0 ? null : new LRUCache({ max: maxEntries });
  }

  get(key: string): Readonly<CachedResult> | undefined {
    const entry = this.lru?.get(key);
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  set(key: string, entry: CachedResult): void {
    this.lru?.set(key, deepFreeze(structuredClone(entry)));
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.lru?.size ?? 0 };
  }
}
