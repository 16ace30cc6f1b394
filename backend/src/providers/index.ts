import { ConfigError, type Config } from '../config.js';
import { breakers, type BreakerRegistry } from './breakers.js';
import { csvProvider } from './csv.js';
import { demoProvider } from './demo.js';
import { guarded, type GuardOptions } from './guarded.js';
import { httpProvider } from './http.js';
import type { MarketDataProvider } from './provider.js';

export const PROVIDER_NAMES = ['demo', 'csv', 'http'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type { MarketDataProvider, MarketSnapshot, SnapshotRequest } from './provider.js';
export { breakerStates, breakers } from './breakers.js';

export function guardOptions(name: ProviderName, config: Config, registry: BreakerRegistry = breakers): GuardOptions {
  return {
    timeoutMs: config.FOLIO_PROVIDER_TIMEOUT_MS,
    retries: config.FOLIO_PROVIDER_RETRIES,
    backoffMs: config.FOLIO_PROVIDER_BACKOFF_MS,
    maxWaitMs: config.FOLIO_PROVIDER_MAX_WAIT_MS,
    // Only a remote API has a quota to respect; local files and the demo model answer as fast as asked.
    ratePerSecond: name === 'http' ? config.FOLIO_PROVIDER_RATE_LIMIT_PER_SECOND : 0,
    errorThresholdPercentage: config.FOLIO_BREAKER_ERROR_THRESHOLD_PERCENT,
    resetTimeoutMs: config.FOLIO_BREAKER_RESET_TIMEOUT_MS,
    volumeThreshold: config.FOLIO_BREAKER_VOLUME_THRESHOLD,
    registry,
  };
}

function unguarded(name: ProviderName, config: Config): MarketDataProvider {
  switch (name) {
    case 'demo':
      return demoProvider(config.FOLIO_DEMO_SEED);
    case 'csv':
      if (config.FOLIO_PROVIDER_CSV_DIR === undefined)
        throw new ConfigError(['FOLIO_PROVIDER_CSV_DIR (unset): required to use the csv provider']);
      return csvProvider(config.FOLIO_PROVIDER_CSV_DIR);
    case 'http':
      if (config.FOLIO_PROVIDER_HTTP_URL === undefined)
        throw new ConfigError(['FOLIO_PROVIDER_HTTP_URL (unset): required to use the http provider']);
      return httpProvider({
        baseUrl: config.FOLIO_PROVIDER_HTTP_URL,
        ...(config.FOLIO_PROVIDER_HTTP_API_KEY === undefined ? {} : { apiKey: config.FOLIO_PROVIDER_HTTP_API_KEY }),
        apiKeyHeader: config.FOLIO_PROVIDER_HTTP_API_KEY_HEADER,
        timeoutMs: config.FOLIO_PROVIDER_TIMEOUT_MS,
      });
  }
}

/**
 * The named provider behind retries, rate limit and its process-wide circuit breaker.
 * `name` is usually config.FOLIO_PROVIDER; a job may ask for another one (`--provider`).
 * Every failure it reports is an AppError `dependency_unavailable`.
 */
export function createProvider(
  name: ProviderName,
  config: Config,
  registry: BreakerRegistry = breakers,
): MarketDataProvider {
  return guarded(unguarded(name, config), guardOptions(name, config, registry));
}

export const isProviderName = (s: string): s is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(s);
