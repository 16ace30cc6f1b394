import { LRUCache } from 'lru-cache';
import { deepFreeze } from './freeze.js';
import type { SealedResult } from './result.js';

export type CachedResult = SealedResult;

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * Results keyed by cacheKey(). A key pins everything a result depends on, so entries never go
 * stale and only leave by LRU eviction, bounded both by count and by the size of their text.
 * A result is kept as its serialised bytes, copied on the way in so the caller's buffer
 * cannot reach it; the warnings are a frozen copy. One request's handling cannot change what
 * the next request is served.
 */
export class ResultCache {
  private readonly lru: LRUCache<string, CachedResult> | null;
  private hits = 0;
  private misses = 0;

  /** `maxEntries` 0 turns caching off. */
  constructor(maxEntries: number, maxBytes = 64 * 1024 * 1024) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0)
      throw new RangeError(`cache size must be a whole number >= 0, got ${maxEntries}`);
    this.lru =
      maxEntries === 0
        ? null
        : new LRUCache({
            max: maxEntries,
            maxSize: maxBytes,
            sizeCalculation: (e) => Math.max(1, e.result_json.length),
          });
  }

  get(key: string): Readonly<CachedResult> | undefined {
    const entry = this.lru?.get(key);
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  set(key: string, entry: CachedResult): void {
    this.lru?.set(
      key,
      Object.freeze({
        ...entry,
        result_json: Buffer.from(entry.result_json),
        warnings: deepFreeze(structuredClone([...entry.warnings])),
      }),
    );
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.lru?.size ?? 0 };
  }
}
