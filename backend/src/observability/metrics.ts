import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, type Counter, type Gauge, type Histogram, Registry } from 'prom-client';
import { CHANGE_KINDS } from '../db/changes.js';
import type { Dialect } from '../db/knex.js';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { agentOf } from '../executor/capability.js';
import type { Pattern } from '../executor/pattern.js';
import {
  AGENT_INVOCATIONS,
  BUILD_INFO,
  CACHE_HITS,
  CACHE_MISSES,
  CAPABILITY_DURATION,
  CHANGE_LISTENER_UP,
  CHANGE_NOTIFICATIONS,
  counter,
  DEFAULT_METRICS_PREFIX,
  EXECUTE_DURATION,
  EXECUTE_ERRORS,
  EXECUTE_REQUESTS,
  gauge,
  histogram,
  HTTP_DURATION,
  HTTP_REQUESTS,
  type LabelOf,
  PATTERN_EXECUTIONS,
  RATE_LIMIT_STORE_ERRORS,
  STEP_DURATION,
} from './metrics-catalogue.js';

/** The label value of every pattern id not loaded at start-up, so clients cannot mint series. */
export const UNKNOWN_PATTERN = 'unknown';

/** The request and execution metrics (metrics-catalogue.ts), all in one registry. */
export interface FolioMetrics {
  registry: Registry;
  httpDuration: Histogram<LabelOf<typeof HTTP_DURATION>>;
  httpRequests: Counter<LabelOf<typeof HTTP_REQUESTS>>;
  executeDuration: Histogram<LabelOf<typeof EXECUTE_DURATION>>;
  executeRequests: Counter<LabelOf<typeof EXECUTE_REQUESTS>>;
  executeErrors: Counter<LabelOf<typeof EXECUTE_ERRORS>>;
  patternExecutions: Counter<LabelOf<typeof PATTERN_EXECUTIONS>>;
  stepDuration: Histogram<LabelOf<typeof STEP_DURATION>>;
  capabilityDuration: Histogram<LabelOf<typeof CAPABILITY_DURATION>>;
  agentInvocations: Counter<LabelOf<typeof AGENT_INVOCATIONS>>;
  cacheHits: Counter<LabelOf<typeof CACHE_HITS>>;
  cacheMisses: Counter<LabelOf<typeof CACHE_MISSES>>;
  rateLimitStoreErrors: Counter;
  changeListenerUp: Gauge;
  changeNotifications: Counter<LabelOf<typeof CHANGE_NOTIFICATIONS>>;
}

/** A registry with the process metrics and the request metrics, every known series at 0. */
export function createMetrics(patterns: readonly Pattern[], database: Dialect): FolioMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });
  // Gauges named like counters fail `promtool check metrics`; the per-type gauges
  // (folio_nodejs_active_handles{type}, ...) carry the same numbers.
  for (const kind of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`${DEFAULT_METRICS_PREFIX}nodejs_active_${kind}_total`);
  gauge(BUILD_INFO, registry).set({ version: packageVersion(), node_version: process.version, database }, 1);

  const m: FolioMetrics = {
    registry,
    httpDuration: histogram(HTTP_DURATION, registry),
    httpRequests: counter(HTTP_REQUESTS, registry),
    executeDuration: histogram(EXECUTE_DURATION, registry),
    executeRequests: counter(EXECUTE_REQUESTS, registry),
    executeErrors: counter(EXECUTE_ERRORS, registry),
    patternExecutions: counter(PATTERN_EXECUTIONS, registry),
    stepDuration: histogram(STEP_DURATION, registry),
    capabilityDuration: histogram(CAPABILITY_DURATION, registry),
    agentInvocations: counter(AGENT_INVOCATIONS, registry),
    cacheHits: counter(CACHE_HITS, registry),
    cacheMisses: counter(CACHE_MISSES, registry),
    rateLimitStoreErrors: counter(RATE_LIMIT_STORE_ERRORS, registry),
    changeListenerUp: gauge(CHANGE_LISTENER_UP, registry),
    changeNotifications: counter(CHANGE_NOTIFICATIONS, registry),
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
  for (const kind of CHANGE_KINDS) m.changeNotifications.inc({ kind }, 0);
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
      for (const status of ['ok', 'skipped', 'failed', ...(step.optional ? ['left_out'] : [])])
        m.stepDuration.zero({ pattern: p.id, step: step.as, status });
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
