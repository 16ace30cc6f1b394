import { Counter, Gauge, Histogram, type CollectFunction, type Registry } from 'prom-client';

/**
 * Every metric the service exports, in one place: name, type, help, labels and buckets.
 * The modules that record them (metrics.ts, breaker-metrics.ts, pack-metrics.ts) create them
 * from these entries and nowhere else, and docs/metrics.md is checked against this list by
 * backend/test/unit/observability/metrics-catalogue.test.ts. The SLO rules and dashboards in
 * observability/ depend on the names; change them together.
 */
export interface MetricDefinition<L extends string = string> {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly L[];
  buckets?: readonly number[];
}

/** The label names of a catalogue entry, for typing the metric made from it. */
export type LabelOf<D> = D extends MetricDefinition<infer L> ? L : never;

/** prom-client's process and event-loop metrics carry this prefix (folio_process_*, folio_nodejs_*). */
export const DEFAULT_METRICS_PREFIX = 'folio_';

/** 0.3 s and 0.5 s are the latency SLO thresholds (observability/slo.yml), so they are bucket bounds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10] as const;

/** Provider calls take from milliseconds (demo, csv) to tens of seconds (a slow API near its timeout). */
export const PROVIDER_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/**
 * Builds take 0.1-1 s on the demo and csv sources and minutes on a slow API, so the buckets
 * start low enough for quantiles of the usual builds to mean something; 600 s is the
 * build-time SLO, so it is a bound.
 */
export const PACK_BUILD_BUCKETS = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600,
] as const;

const define = <const L extends string>(d: MetricDefinition<L>): MetricDefinition<L> => d;

// Requests and executions (metrics.ts records them; the HTTP ones in http/request-metrics.ts).
export const BUILD_INFO = define({
  name: 'folio_build_info',
  type: 'gauge',
  help: 'Always 1; the labels say which build runs, and on which database (sqlite or postgres).',
  labels: ['version', 'node_version', 'database'],
});
export const HTTP_DURATION = define({
  name: 'folio_http_request_duration_seconds',
  type: 'histogram',
  help: 'HTTP requests by route template.',
  labels: ['method', 'route', 'code'],
  buckets: LATENCY_BUCKETS,
});
export const HTTP_REQUESTS = define({
  name: 'folio_http_requests_total',
  type: 'counter',
  help: 'HTTP requests by route template.',
  labels: ['method', 'route', 'code'],
});
export const EXECUTE_DURATION = define({
  name: 'folio_execute_duration_seconds',
  type: 'histogram',
  help: 'POST /v1/execute end to end, by pattern.',
  labels: ['pattern'],
  buckets: LATENCY_BUCKETS,
});
export const EXECUTE_REQUESTS = define({
  name: 'folio_execute_requests_total',
  type: 'counter',
  help: 'POST /v1/execute by pattern and HTTP status code.',
  labels: ['pattern', 'code'],
});
export const EXECUTE_ERRORS = define({
  name: 'folio_execute_errors_total',
  type: 'counter',
  help: 'Failed POST /v1/execute by pattern and error code.',
  labels: ['pattern', 'error'],
});
export const PATTERN_EXECUTIONS = define({
  name: 'folio_pattern_executions_total',
  type: 'counter',
  help: 'Pattern runs: computed, cached (result cache hit) or failed.',
  labels: ['pattern', 'outcome'],
});
export const STEP_DURATION = define({
  name: 'folio_pattern_step_duration_seconds',
  type: 'histogram',
  help: 'One step of a pattern run.',
  labels: ['pattern', 'step', 'status'],
  buckets: LATENCY_BUCKETS,
});
export const CAPABILITY_DURATION = define({
  name: 'folio_capability_duration_seconds',
  type: 'histogram',
  help: 'One capability call.',
  labels: ['capability', 'status'],
  buckets: LATENCY_BUCKETS,
});
export const AGENT_INVOCATIONS = define({
  name: 'folio_agent_invocations_total',
  type: 'counter',
  help: 'Capability calls by the agent that serves them.',
  labels: ['agent', 'capability', 'status'],
});
export const CACHE_HITS = define({
  name: 'folio_result_cache_hits_total',
  type: 'counter',
  help: 'Result cache hits.',
  labels: ['pattern'],
});
export const CACHE_MISSES = define({
  name: 'folio_result_cache_misses_total',
  type: 'counter',
  help: 'Result cache misses.',
  labels: ['pattern'],
});
export const RATE_LIMIT_STORE_ERRORS = define({
  name: 'folio_rate_limit_store_errors_total',
  type: 'counter',
  help: 'Failed commands to the shared rate-limit store (Redis); the requests concerned passed uncounted.',
  labels: [],
});
export const CHANGE_LISTENER_UP = define({
  name: 'folio_change_listener_up',
  type: 'gauge',
  help: 'Whether this process hears of the writes of other processes at once (PostgreSQL LISTEN); 0 while it reconnects and on SQLite.',
  labels: [],
});
export const CHANGE_NOTIFICATIONS = define({
  name: 'folio_change_notifications_total',
  type: 'counter',
  help: 'Change notifications heard, by what changed (ledger, pack, key); each drops the cached answers about it.',
  labels: ['kind'],
});

// Providers and circuit breakers (breaker-metrics.ts).
export const BREAKER_STATE = define({
  name: 'folio_circuit_breaker_state',
  type: 'gauge',
  help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open.',
  labels: ['breaker'],
});
export const BREAKER_EVENTS_TOTAL = define({
  name: 'folio_circuit_breaker_events_total',
  type: 'counter',
  help: 'Circuit breaker events: calls (success, failure, timeout, reject, fallback) and transitions (open, half_open, close).',
  labels: ['breaker', 'event'],
});
export const PROVIDER_DURATION = define({
  name: 'folio_provider_request_duration_seconds',
  type: 'histogram',
  help: 'One call to a market-data provider (each attempt that reached it), by outcome.',
  labels: ['provider', 'operation', 'status'],
  buckets: PROVIDER_BUCKETS,
});
export const PROVIDER_RETRIES = define({
  name: 'folio_provider_retries_total',
  type: 'counter',
  help: 'Provider calls tried again after a transient failure (5xx, timeout, connection error, 429).',
  labels: ['provider'],
});

// Pricing packs and jobs, read from the database at scrape time (pack-metrics.ts).
export const PACK_BUILD_DURATION = define({
  name: 'folio_pack_build_duration_seconds',
  type: 'histogram',
  help: 'Finished build-pack job runs by status.',
  labels: ['status'],
  buckets: PACK_BUILD_BUCKETS,
});
export const JOB_RUNS = define({
  name: 'folio_job_runs_total',
  type: 'counter',
  help: 'Finished job runs by job and status.',
  labels: ['job', 'status'],
});
export const JOB_LAST_SUCCESS = define({
  name: 'folio_job_last_success_timestamp_seconds',
  type: 'gauge',
  help: 'Unix time the job last succeeded.',
  labels: ['job'],
});
export const JOB_RUNNING = define({
  name: 'folio_job_running',
  type: 'gauge',
  help: 'Job runs in progress (started, not finished).',
  labels: ['job'],
});
export const JOB_BREAKER_EVENTS = define({
  name: 'folio_job_breaker_events_total',
  type: 'counter',
  help: 'Circuit breaker events of job runs in processes that are not scraped (folio build-pack, folio scheduler).',
  labels: ['breaker', 'event'],
});
export const PACK_NEWEST_FRESH_DATE = define({
  name: 'folio_pack_newest_fresh_date_timestamp_seconds',
  type: 'gauge',
  help: 'Date of the newest fresh pack, as Unix time at 00:00 UTC.',
  labels: [],
});
export const PACK_EXPECTED_DATE = define({
  name: 'folio_pack_expected_date_timestamp_seconds',
  type: 'gauge',
  help: 'Date of the pack the freshness objective expects to be fresh now, as Unix time at 00:00 UTC.',
  labels: [],
});
export const PACK_FRESH = define({
  name: 'folio_pack_fresh',
  type: 'gauge',
  help: '1 when the expected pack (or a later one) is fresh, else 0.',
  labels: [],
});
export const PACK_EXPECTED_STATE = define({
  name: 'folio_pack_expected_state',
  type: 'gauge',
  help: 'State of the expected pack, 1 for the current one: fresh (or a later pack is), warming, error or missing.',
  labels: ['state'],
});
export const PACK_AGE = define({
  name: 'folio_pack_age_seconds',
  type: 'gauge',
  help: 'Seconds since the newest fresh pack became due (FOLIO_PACK_FRESH_BY on the day after its date).',
  labels: [],
});
export const PACK_BUILD_FAILED_DATES = define({
  name: 'folio_pack_build_failed_dates',
  type: 'gauge',
  help: 'Dates whose last build-pack run failed and that no fresh pack covers.',
  labels: [],
});
export const PACK_BUILD_FAILED_NEWEST = define({
  name: 'folio_pack_build_failed_newest_date_timestamp_seconds',
  type: 'gauge',
  help: 'The newest of those dates, as Unix time at 00:00 UTC (absent when there is none).',
  labels: [],
});
export const PACKS = define({
  name: 'folio_packs',
  type: 'gauge',
  help: 'Packs by status.',
  labels: ['status'],
});
export const PACKS_WARMING_STALE = define({
  name: 'folio_packs_warming_stale',
  type: 'gauge',
  help: 'Warming packs older than FOLIO_PACK_WARMING_STALE_SECONDS (a build that died).',
  labels: [],
});
export const METRICS_SOURCE_UP = define({
  name: 'folio_metrics_source_up',
  type: 'gauge',
  help: '1 when this scrape read the source, 0 when it could not (its metrics are missing from this scrape).',
  labels: ['source'],
});

/** The whole catalogue, in the order of docs/metrics.md. */
export const METRIC_CATALOGUE: readonly MetricDefinition[] = [
  HTTP_DURATION,
  HTTP_REQUESTS,
  EXECUTE_DURATION,
  EXECUTE_REQUESTS,
  EXECUTE_ERRORS,
  PATTERN_EXECUTIONS,
  STEP_DURATION,
  CAPABILITY_DURATION,
  AGENT_INVOCATIONS,
  CACHE_HITS,
  CACHE_MISSES,
  RATE_LIMIT_STORE_ERRORS,
  CHANGE_LISTENER_UP,
  CHANGE_NOTIFICATIONS,
  BREAKER_STATE,
  BREAKER_EVENTS_TOTAL,
  PROVIDER_DURATION,
  PROVIDER_RETRIES,
  PACK_BUILD_DURATION,
  JOB_RUNS,
  JOB_LAST_SUCCESS,
  JOB_RUNNING,
  PACK_NEWEST_FRESH_DATE,
  PACK_EXPECTED_DATE,
  PACK_FRESH,
  PACK_EXPECTED_STATE,
  PACK_AGE,
  PACK_BUILD_FAILED_DATES,
  PACK_BUILD_FAILED_NEWEST,
  JOB_BREAKER_EVENTS,
  PACKS,
  PACKS_WARMING_STALE,
  METRICS_SOURCE_UP,
  BUILD_INFO,
];

const common = <L extends string>(d: MetricDefinition<L>, registry: Registry) => ({
  name: d.name,
  help: d.help,
  labelNames: d.labels,
  registers: [registry],
});

function requireType(d: MetricDefinition, type: MetricDefinition['type']): void {
  if (d.type !== type) throw new Error(`${d.name} is a ${d.type} in the catalogue, not a ${type}`);
}

/** The catalogue's counter `d`, registered in `registry`. */
export function counter<L extends string>(d: MetricDefinition<L>, registry: Registry): Counter<L> {
  requireType(d, 'counter');
  return new Counter(common(d, registry));
}

/** The catalogue's histogram `d` with its buckets, registered in `registry`. */
export function histogram<L extends string>(d: MetricDefinition<L>, registry: Registry): Histogram<L> {
  requireType(d, 'histogram');
  return new Histogram({ ...common(d, registry), buckets: [...(d.buckets ?? [])] });
}

/** The catalogue's gauge `d`, registered in `registry`; `collect` sets its values at scrape time. */
export function gauge<L extends string>(
  d: MetricDefinition<L>,
  registry: Registry,
  collect?: CollectFunction<Gauge<L>>,
): Gauge<L> {
  requireType(d, 'gauge');
  return new Gauge({ ...common(d, registry), ...(collect ? { collect } : {}) });
}
