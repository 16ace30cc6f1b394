import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { agentOf } from '../executor/capability.js';
import type { Pattern } from '../executor/pattern.js';

/** docs/metrics.md: 0.3 s and 0.5 s are the latency SLO thresholds, so they are bucket bounds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];
/** The label value of every pattern id not loaded at start-up, so clients cannot mint series. */
export const UNKNOWN_PATTERN = 'unknown';

/** The request and execution metrics of docs/metrics.md, all in one registry. */
export interface FolioMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'code'>;
  httpRequests: Counter<'method' | 'route' | 'code'>;
  executeDuration: Histogram<'pattern'>;
  executeRequests: Counter<'pattern' | 'code'>;
  executeErrors: Counter<'pattern' | 'error'>;
  patternExecutions: Counter<'pattern' | 'outcome'>;
  stepDuration: Histogram<'pattern' | 'step' | 'status'>;
  capabilityDuration: Histogram<'capability' | 'status'>;
  agentInvocations: Counter<'agent' | 'capability' | 'status'>;
  cacheHits: Counter<'pattern'>;
  cacheMisses: Counter<'pattern'>;
}

/** A registry with the process metrics and the request metrics, every known series at 0. */
export function createMetrics(patterns: readonly Pattern[]): FolioMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'folio_' });
  // Gauges named like counters fail `promtool check metrics`; the per-type gauges
  // (folio_nodejs_active_handles{type}, ...) carry the same numbers.
  for (const kind of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`folio_nodejs_active_${kind}_total`);
  new Gauge({
    name: 'folio_build_info',
    help: 'Always 1; the labels say which build runs.',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  }).set({ version: packageVersion(), node_version: process.version }, 1);

  const registers = [registry];
  const latency = (name: string, help: string) => ({ name, help, buckets: LATENCY_BUCKETS, registers });
  const m: FolioMetrics = {
    registry,
    httpDuration: new Histogram({
      ...latency('folio_http_request_duration_seconds', 'HTTP requests by route template.'),
      labelNames: ['method', 'route', 'code'],
    }),
    httpRequests: new Counter({
      name: 'folio_http_requests_total',
      help: 'HTTP requests by route template.',
      labelNames: ['method', 'route', 'code'],
      registers,
    }),
    executeDuration: new Histogram({
      ...latency('folio_execute_duration_seconds', 'POST /v1/execute end to end, by pattern.'),
      labelNames: ['pattern'],
    }),
    executeRequests: new Counter({
      name: 'folio_execute_requests_total',
      help: 'POST /v1/execute by pattern and HTTP status code.',
      labelNames: ['pattern', 'code'],
      registers,
    }),
    executeErrors: new Counter({
      name: 'folio_execute_errors_total',
      help: 'Failed POST /v1/execute by pattern and error code.',
      labelNames: ['pattern', 'error'],
      registers,
    }),
    patternExecutions: new Counter({
      name: 'folio_pattern_executions_total',
      help: 'Pattern runs: computed, cached (result cache hit) or failed.',
      labelNames: ['pattern', 'outcome'],
      registers,
    }),
    stepDuration: new Histogram({
      ...latency('folio_pattern_step_duration_seconds', 'One step of a pattern run.'),
      labelNames: ['pattern', 'step', 'status'],
    }),
    capabilityDuration: new Histogram({
      ...latency('folio_capability_duration_seconds', 'One capability call.'),
      labelNames: ['capability', 'status'],
    }),
    agentInvocations: new Counter({
      name: 'folio_agent_invocations_total',
      help: 'Capability calls by the agent that serves them.',
      labelNames: ['agent', 'capability', 'status'],
      registers,
    }),
    cacheHits: new Counter({
      name: 'folio_result_cache_hits_total',
      help: 'Result cache hits.',
      labelNames: ['pattern'],
      registers,
    }),
    cacheMisses: new Counter({
      name: 'folio_result_cache_misses_total',
      help: 'Result cache misses.',
      labelNames: ['pattern'],
      registers,
    }),
  };
  zeroKnownSeries(m, patterns);
  return m;
}

/** Every status an answer can have: 200 and each status of the error taxonomy. */
const STATUSES = ['200', ...new Set(Object.values(ERROR_STATUS).map(String))];
const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/**
 * Rates and absent() alerts work from the first scrape only if the series already exist: a
 * series born with the first 503 would lose that 503 to rate(), which needs two samples.
 */
function zeroKnownSeries(m: FolioMetrics, patterns: readonly Pattern[]): void {
  m.httpDuration.zero({ method: 'POST', route: '/v1/execute', code: '200' });
  for (const code of STATUSES) m.httpRequests.inc({ method: 'POST', route: '/v1/execute', code }, 0);
  const capabilities = new Set<string>();
  for (const pattern of [...patterns.map((p) => p.id), UNKNOWN_PATTERN]) {
    m.executeDuration.zero({ pattern });
    for (const code of STATUSES) m.executeRequests.inc({ pattern, code }, 0);
    for (const error of ERROR_CODES) m.executeErrors.inc({ pattern, error }, 0);
  }
  for (const p of patterns) {
    for (const outcome of ['computed', 'cached', 'failed']) m.patternExecutions.inc({ pattern: p.id, outcome }, 0);
    m.cacheHits.inc({ pattern: p.id }, 0);
    m.cacheMisses.inc({ pattern: p.id }, 0);
    for (const step of p.steps) {
      capabilities.add(step.capability);
      for (const status of ['ok', 'skipped', 'failed']) m.stepDuration.zero({ pattern: p.id, step: step.as, status });
    }
  }
  for (const capability of capabilities) {
    for (const status of ['ok', 'failed']) {
      m.capabilityDuration.zero({ capability, status });
      m.agentInvocations.inc({ agent: agentOf(capability), capability, status }, 0);
    }
  }
}

/** The version in the checkout's package.json, found from the source tree or from dist/. */
function packageVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'folio-executor' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir)
      throw new Error('package.json of folio-executor not found above the observability module');
  }
}
