import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { guardAgents } from './agents/breakers.js';
import { buildRegistry, registrations } from './agents/index.js';
import type { Config } from './config.js';
import { createDb, dialectOf, migrateLatest } from './db/knex.js';
import * as jobs from './db/repositories/jobs.js';
import type { FreshnessRule } from './domain/pack.js';
import { BreakerRegistry } from './providers/breakers.js';
import { createMarketData } from './providers/index.js';
import { CurrentState } from './db/current-state.js';
import { ProvenanceWriter } from './db/provenance-writer.js';
import { ReadCache } from './db/read-cache.js';
import { isDatabaseEmpty, seedDemo } from './services/demo-seed.js';
import { advisoryKey } from './services/packs/job-lock.js';
import { ResultCache } from './executor/cache.js';
import { loadPatterns } from './executor/loader.js';
import { ExecutionService } from './services/execution.js';
import type { Logger } from './observability/logger.js';

export const PATTERNS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'patterns');

export interface Runtime {
  config: Config;
  db: Knex;
  service: ExecutionService;
  /** The caches of immutable data (ledger entries, pack market data) the agents read through. */
  reads: ReadCache;
  cache: ResultCache;
  provenance: ProvenanceWriter;
  current: CurrentState;
  /** The agents' circuit breakers (`agent:<name>`); providers' breakers are process-wide (providers/breakers.ts). */
  agentBreakers: BreakerRegistry;
}

/**
 * The composition root shared by the server and the CLI: one place that decides which
 * database, which patterns and which agents a process runs with.
 */
export function createRuntime(config: Config, db: Knex = createDb(config)): Runtime {
  const reads = new ReadCache(db, {
    maxLedgerEntries: config.FOLIO_CACHE_LEDGER_ENTRIES,
    maxPackRows: config.FOLIO_CACHE_PACK_ROWS,
    securityTtlMs: 300_000,
    maxDerivedSize: config.FOLIO_CACHE_HISTORY_POINTS,
    // A portfolio deleted through any process (or the CLI) is unknown here once this has passed.
    portfolioTtlMs: config.FOLIO_CURRENT_STATE_TTL_MS,
  });
  // Per runtime, not per process: an agent's health is that of this runtime's database and caches.
  const agentBreakers = new BreakerRegistry();
  const registry = buildRegistry(guardAgents(registrations(reads, createMarketData(config)), config, agentBreakers));
  const provenance = new ProvenanceWriter(db);
  const current = new CurrentState(db, config.FOLIO_CURRENT_STATE_TTL_MS);
  const patterns = loadPatterns(PATTERNS_DIR, registry);
  const cache = new ResultCache(config.FOLIO_RESULT_CACHE_SIZE);
  const service = new ExecutionService({
    db,
    reads,
    provenance,
    current,
    patterns,
    registry,
    cache,
    timeoutMs: config.FOLIO_PATTERN_TIMEOUT_MS,
    packGate: {
      estimateSeconds: config.FOLIO_PACK_BUILD_ESTIMATE_SECONDS,
      freshness: freshnessRule(config),
    },
  });
  return { config, db, service, reads, cache, provenance, current, agentBreakers };
}

/** When packs are due (FOLIO_PACK_FRESH_BY in FOLIO_PACK_SCHEDULE_TZ): for the freshness gate, /health/pack and the metrics. */
export const freshnessRule = (config: Config): FreshnessRule => ({
  freshBy: config.FOLIO_PACK_FRESH_BY,
  timeZone: config.FOLIO_PACK_SCHEDULE_TZ,
});

/**
 * Migrates, then seeds the demo data on an empty database unless that is switched off (or
 * production). On PostgreSQL, processes starting together (replicas of `docker-compose up
 * --scale folio=N`) do this one at a time under an advisory lock: the others wait, then find
 * the migrations applied and the database no longer empty.
 */
export async function prepareDatabase(rt: Runtime, logger: Logger): Promise<void> {
  const lock =
    dialectOf(rt.db) === 'postgres' ? await jobs.advisoryLockWait(rt.db, advisoryKey('folio-prepare-database')) : null;
  try {
    const applied = await migrateLatest(rt.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    const mode = rt.config.FOLIO_SEED_DEMO;
    const wanted = mode === 'true' || (mode === 'auto' && !rt.config.isProduction);
    if (!wanted || !(await isDatabaseEmpty(rt.db))) return;
    const summary = await seedDemo(rt.db, { apiKey: rt.config.FOLIO_DEMO_API_KEY, seed: rt.config.FOLIO_DEMO_SEED });
    logger.info(
      { demo: summary, api_key: rt.config.FOLIO_DEMO_API_KEY },
      `seeded demo data: user demo, API key ${rt.config.FOLIO_DEMO_API_KEY}`,
    );
  } finally {
    await lock?.commit();
  }
}
