import { ConfigError, type Config } from '../config.js';
import { breakers, type BreakerRegistry } from './breakers.js';
import { combined } from './combined.js';
import { csvProvider } from './csv.js';
import { ecbSource } from './ecb.js';
import { eodSource } from './eod.js';
import { isUrl } from './fetch-text.js';
import { createGuard, guarded, type GuardOptions } from './guarded.js';
import { historyProvider, type HistorySource } from './history.js';
import { httpProvider } from './http.js';
import { lazyProvider } from './lazy.js';
import type { MarketDataProvider } from './provider.js';

export const PROVIDER_NAMES = ['demo', 'csv', 'http', 'eod', 'ecb'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type { MarketDataProvider, MarketSnapshot, ProviderWarning, SnapshotRequest } from './provider.js';
export { breakerStates, breakers } from './breakers.js';

/** Whether the named provider reads from a remote server, whose quota the rate limit protects. */
function isRemote(name: ProviderName, config: Config): boolean {
  if (name === 'http') return true;
  if (name === 'eod') return isUrl(config.FOLIO_PROVIDER_EOD_SOURCE ?? '');
  if (name === 'ecb') return isUrl(config.FOLIO_PROVIDER_ECB_SOURCE ?? '');
  return false;
}

export function guardOptions(name: ProviderName, config: Config, registry: BreakerRegistry = breakers): GuardOptions {
  return {
    timeoutMs: config.FOLIO_PROVIDER_TIMEOUT_MS,
    retries: config.FOLIO_PROVIDER_RETRIES,
    backoffMs: config.FOLIO_PROVIDER_BACKOFF_MS,
    maxWaitMs: config.FOLIO_PROVIDER_MAX_WAIT_MS,
    // Only a remote API has a quota to respect; local files and the demo model answer as fast as asked.
    ratePerSecond: isRemote(name, config) ? config.FOLIO_PROVIDER_RATE_LIMIT_PER_SECOND : 0,
    errorThresholdPercentage: config.FOLIO_BREAKER_ERROR_THRESHOLD_PERCENT,
    resetTimeoutMs: config.FOLIO_BREAKER_RESET_TIMEOUT_MS,
    volumeThreshold: config.FOLIO_BREAKER_VOLUME_THRESHOLD,
    registry,
  };
}

const required = (value: string | undefined, variable: string, name: ProviderName): string => {
  if (value === undefined) throw new ConfigError([`${variable} (unset): required to use the ${name} provider`]);
  return value;
};

/** Providers that answer a date in one request: wrapped whole by the guard. */
function dateProvider(name: 'demo' | 'csv' | 'http', config: Config): MarketDataProvider {
  switch (name) {
    case 'demo':
      return lazyProvider('demo', async () => (await import('./demo.js')).demoProvider(config.FOLIO_DEMO_SEED));
    case 'csv':
      return csvProvider(required(config.FOLIO_PROVIDER_CSV_DIR, 'FOLIO_PROVIDER_CSV_DIR', name));
    case 'http':
      return httpProvider({
        baseUrl: required(config.FOLIO_PROVIDER_HTTP_URL, 'FOLIO_PROVIDER_HTTP_URL', name),
        ...(config.FOLIO_PROVIDER_HTTP_API_KEY === undefined ? {} : { apiKey: config.FOLIO_PROVIDER_HTTP_API_KEY }),
        apiKeyHeader: config.FOLIO_PROVIDER_HTTP_API_KEY_HEADER,
        timeoutMs: config.FOLIO_PROVIDER_TIMEOUT_MS,
      });
  }
}

/** Sources read as whole histories: the guard wraps each file they fetch. */
function historySource(name: 'eod' | 'ecb', config: Config): HistorySource {
  const timeoutMs = config.FOLIO_PROVIDER_TIMEOUT_MS;
  if (name === 'eod')
    return eodSource({
      location: required(config.FOLIO_PROVIDER_EOD_SOURCE, 'FOLIO_PROVIDER_EOD_SOURCE', name),
      timeoutMs,
    });
  return ecbSource({
    location: required(config.FOLIO_PROVIDER_ECB_SOURCE, 'FOLIO_PROVIDER_ECB_SOURCE', name),
    timeoutMs,
  });
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
  const opts = guardOptions(name, config, registry);
  if (name === 'eod' || name === 'ecb') {
    return historyProvider(historySource(name, config), {
      guard: createGuard(name, opts),
      carryDays: config.FOLIO_PROVIDER_CARRY_DAYS,
      concurrency: config.FOLIO_PROVIDER_HISTORY_CONCURRENCY,
    });
  }
  return guarded(dateProvider(name, config), opts);
}

/**
 * Closes from `prices` and, when `fx` names another provider, FX rates from that one
 * (FOLIO_PROVIDER and FOLIO_FX_PROVIDER, or a job's --provider and --fx-provider).
 */
export function createMarketData(
  config: Config,
  names: { prices?: ProviderName | undefined; fx?: ProviderName | undefined } = {},
  registry: BreakerRegistry = breakers,
): MarketDataProvider {
  const prices = names.prices ?? config.FOLIO_PROVIDER;
  const fx = names.fx ?? config.FOLIO_FX_PROVIDER;
  const main = createProvider(prices, config, registry);
  return fx === undefined || fx === prices ? main : combined(main, createProvider(fx, config, registry));
}

export const isProviderName = (s: string): s is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(s);
