import type { PackFx, PackPrice } from '../domain/pack.js';

/** What a market-data source knows about one date: closes and FX rates, all of it or nothing. */
export interface MarketSnapshot {
  date: string;
  prices: PackPrice[];
  fx: PackFx[];
}

export interface SnapshotRequest {
  date: string;
  /** Symbols wanted; a provider may return more, never invents missing ones. Empty: every symbol it has. */
  symbols: readonly string[];
  /** Currency pairs wanted as `BASE/QUOTE`, returned in the direction the source quotes them. Empty: every rate it has. */
  pairs: readonly string[];
  signal?: AbortSignal;
}

/**
 * A market-data adapter. Implementations only fetch and parse; retries, backoff, rate
 * limiting and the circuit breaker wrap them (providers/guarded.ts), so every provider gets
 * the same protection and the same metrics.
 */
export interface MarketDataProvider {
  /** Bounded name used in metrics, spans and pack `source`: `csv`, `http`, `demo`. */
  readonly name: string;
  snapshot(req: SnapshotRequest): Promise<MarketSnapshot>;
}
