import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PROVIDER_NAMES } from '../providers/index.js';
import { BREAKER_EVENTS, breakers as processBreakers, type BreakerRegistry } from '../providers/breakers.js';

const STATE_VALUE = { closed: 0, open: 1, half_open: 2 } as const;

/** Provider calls take from milliseconds (demo, csv) to tens of seconds (a slow API near its timeout). */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The circuit-breaker and provider metrics of docs/metrics.md. State is read at scrape time;
 * events are counted through the breaker registry, which also reports breakers created after
 * this call, so a provider first used later is still counted. Returns the function that stops
 * the counting (a server calls it when it shuts down).
 */
export function registerProviderMetrics(registry: Registry, breakers: BreakerRegistry = processBreakers): () => void {
  new Gauge({
    name: 'folio_circuit_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open.',
    labelNames: ['breaker'],
    registers: [registry],
    collect() {
      const states = new Map<string, number>(PROVIDER_NAMES.map((n) => [n, STATE_VALUE.closed]));
      for (const { name, state } of breakers.states()) states.set(name, STATE_VALUE[state]);
      for (const [breaker, value] of states) this.set({ breaker }, value);
    },
  });

  const events = new Counter({
    name: 'folio_circuit_breaker_events_total',
    help: 'Circuit breaker events: calls (success, failure, timeout, reject, fallback) and transitions (open, half_open, close).',
    labelNames: ['breaker', 'event'],
    registers: [registry],
  });
  // Every breaker's events start at 0 (the failure-ratio alerts divide by them), providers not yet used included.
  const zeroEvents = (breaker: string) => {
    for (const event of Object.values(BREAKER_EVENTS)) events.inc({ breaker, event }, 0);
  };
  PROVIDER_NAMES.forEach(zeroEvents);

  const duration = new Histogram({
    name: 'folio_provider_request_duration_seconds',
    help: 'One call to a market-data provider (each attempt that reached it), by outcome.',
    labelNames: ['provider', 'operation', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  for (const provider of PROVIDER_NAMES)
    for (const status of ['ok', 'error']) duration.zero({ provider, operation: 'snapshot', status });

  const retries = new Counter({
    name: 'folio_provider_retries_total',
    help: 'Provider calls tried again after a transient failure (5xx, timeout, connection error, 429).',
    labelNames: ['provider'],
    registers: [registry],
  });
  for (const provider of PROVIDER_NAMES) retries.inc({ provider }, 0);

  return breakers.observe({
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
  });
}
