import type { Registry } from 'prom-client';
import { PROVIDER_NAMES } from '../providers/index.js';
import { BREAKER_EVENTS, breakers as processBreakers, type BreakerRegistry } from '../providers/breakers.js';
import {
  BREAKER_EVENTS_TOTAL,
  BREAKER_STATE,
  counter,
  gauge,
  histogram,
  PROVIDER_DURATION,
  PROVIDER_RETRIES,
} from './metrics-catalogue.js';

const STATE_VALUE = { closed: 0, open: 1, half_open: 2 } as const;

/**
 * The circuit-breaker and provider metrics of docs/metrics.md, for the breakers of every
 * registry in `sources` (the process's provider breakers, a runtime's agent breakers). State is
 * read at scrape time; events are counted through each breaker registry, which also reports
 * breakers created after this call, so a provider first used later is still counted. Returns the function that stops
 * the counting (a server calls it when it shuts down).
 */
export function registerBreakerMetrics(
  registry: Registry,
  sources: readonly BreakerRegistry[] = [processBreakers],
): () => void {
  gauge(BREAKER_STATE, registry, function () {
    const states = new Map<string, number>(PROVIDER_NAMES.map((n) => [n, STATE_VALUE.closed]));
    for (const breakers of sources)
      for (const { name, state } of breakers.states()) states.set(name, STATE_VALUE[state]);
    for (const [breaker, value] of states) this.set({ breaker }, value);
  });

  const events = counter(BREAKER_EVENTS_TOTAL, registry);
  // Every breaker's events start at 0 (the failure-ratio alerts divide by them), providers not yet used included.
  const zeroEvents = (breaker: string) => {
    for (const event of Object.values(BREAKER_EVENTS)) events.inc({ breaker, event }, 0);
  };
  PROVIDER_NAMES.forEach(zeroEvents);

  const duration = histogram(PROVIDER_DURATION, registry);
  for (const provider of PROVIDER_NAMES)
    for (const status of ['ok', 'error']) duration.zero({ provider, operation: 'snapshot', status });

  const retries = counter(PROVIDER_RETRIES, registry);
  for (const provider of PROVIDER_NAMES) retries.inc({ provider }, 0);

  const stops = sources.map((breakers) =>
    breakers.observe({
      breakerAdded: zeroEvents,
      breakerEvent(name, event) {
        events.inc({ breaker: name, event });
      },
      providerCall({ provider, operation, status, seconds }) {
        duration.observe({ provider, operation, status }, seconds);
      },
      providerRetry(provider) {
        retries.inc({ provider });
      },
    }),
  );
  return () => stops.forEach((stop) => stop());
}
