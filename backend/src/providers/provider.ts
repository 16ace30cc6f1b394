import type { PackFx, PackPrice } from '../domain/pack.js';

/**
 * Something a source said about a date that the caller should know but that does not stop the
 * build: a close or rate carried forward over a gap in the source, a symbol left out.
 * docs/providers.md lists the codes.
 */
export interface ProviderWarning {
  code: 'carried_forward' | 'currency_unknown';
  message: string;
  /** The symbol (prices) or `BASE/QUOTE` pair (FX) it is about. */
  subject: string;
  /** For `carried_forward`: the date whose value was used. */
  from?: string;
}

/** What a market-data source knows about one date: closes and FX rates, all of it or nothing. */
export interface MarketSnapshot {
  date: string;
  prices: PackPrice[];
  fx: PackFx[];
  /** Absent or empty when every value is the date's own. */
  warnings?: ProviderWarning[];
}

export interface SnapshotRequest {
  date: string;
  /** Symbols wanted; a provider may return more, never invents missing ones. Empty: every symbol it has. */
  symbols: readonly string[];
  /** Currency pairs wanted as `BASE/QUOTE`, returned in the direction the source quotes them. Empty: every rate it has. */
  pairs: readonly string[];
  /**
   * The listing currency of the wanted symbols the caller knows (the securities table). Sources
   * whose data carries no currency (per-symbol history files) quote each close in it and leave
   * out symbols it does not name; sources that carry one ignore it.
   */
  currencies?: ReadonlyMap<string, string>;
  /**
   * The dates the caller is going to ask for, `date` among them (a backfill's range). Sources
   * that read whole histories load each one once for the span instead of once per date.
   */
  span?: { from: string; to: string };
  /** The half the caller needs; a provider may skip fetching the other (the parts of a combined source). */
  only?: 'prices' | 'fx';
  signal?: AbortSignal;
}

/**
 * A market-data adapter, as callers see it (docs/providers.md). Retries, backoff, rate limiting
 * and the circuit breaker wrap every request to the source (providers/guarded.ts), so every
 * provider gets the same protection and the same metrics, and every failure is an AppError
 * `dependency_unavailable`.
 */
export interface MarketDataProvider {
  /** Bounded name used in metrics, spans and pack `source`: `csv`, `http`, `demo`, `eod`, `ecb`, `eod+ecb`. */
  readonly name: string;
  snapshot(req: SnapshotRequest): Promise<MarketSnapshot>;
  /** Every symbol the source has data for, sorted; absent when the source cannot list them (a URL template). */
  listSymbols?(signal?: AbortSignal): Promise<string[]>;
}
