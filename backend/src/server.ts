import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { todayUtc } from './clock.js';
import { loadConfig, type Config } from './config.js';
import { createDb, dialectOf } from './db/knex.js';
import { ChangeListener } from './db/change-listener.js';
import type { ReadCache } from './db/read-cache.js';
import { startWalCheckpointer } from './db/wal-checkpointer.js';
import type { Change } from './db/changes.js';
import { warmUpAnalytics } from './agents/warm-up.js';
import { createApp } from './http/app.js';
import { clientErrorHandler } from './http/error-handler.js';
import { logBreakerEvents } from './observability/breaker-log.js';
import { registerBreakerMetrics } from './observability/breaker-metrics.js';
import { ExecutionTelemetry, executionTracing } from './observability/execution-telemetry.js';
import { registerPackMetrics } from './observability/pack-metrics.js';
import { stopTracing } from './observability/instrument.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type FolioMetrics } from './observability/metrics.js';
import { flushSentry } from './observability/sentry.js';
import { breakers as providerBreakers } from './providers/breakers.js';
import { connectRedis } from './redis.js';
import { ApiKeyAuthenticator } from './services/authentication.js';
import { purgeExpiredIdempotencyKeys } from './services/idempotency.js';
import { createRuntime, freshnessRule, prepareDatabase, type Runtime } from './runtime.js';

export interface RunningServer {
  server: Server;
  runtime: Runtime;
  port: number;
  /** Fails readiness, keeps serving for FOLIO_SHUTDOWN_DRAIN_MS, stops accepting, lets in-flight requests finish (up to the timeout), then closes the database. */
  shutdown(): Promise<void>;
}

/** A warm-up that fails only costs the first request its speed: the service starts anyway, and says why. */
async function warmUp(reads: ReadCache, logger: Logger): Promise<void> {
  try {
    logger.info({ ms: Math.round(warmUpAnalytics().ms) }, 'analytics code warmed up');
  } catch (err) {
    logger.warn({ err }, 'analytics warm-up failed; the first request compiles the code instead');
  }
  const started = performance.now();
  try {
    const packs = await reads.warmUpMarkets(todayUtc());
    logger.info({ ms: Math.round(performance.now() - started), packs }, 'market data of the newest packs cached');
  } catch (err) {
    logger.warn({ err }, 'market data warm-up failed; the first history reads it from the database');
  }
}

/** Work the process runs beside the HTTP service (the pack schedule), stopped before the database closes. */
export interface BackgroundWork {
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Started once the service listens; jobs/ supplies it, so the service itself does not depend on jobs/. */
  background?: (runtime: Runtime) => BackgroundWork | null;
}

export async function startServer(config: Config, logger: Logger, opts: ServerOptions = {}): Promise<RunningServer> {
  const runtime = createRuntime(config, createDb(config, logger));
  await prepareDatabase(runtime, logger);
  const checkpointer =
    dialectOf(runtime.db) === 'sqlite' ? startWalCheckpointer(runtime.db, config.sqliteFile, logger) : null;
  const unlog = logBreakerEvents(runtime.agentBreakers, logger);
  const measured = config.FOLIO_METRICS ? serviceMetrics(runtime, config, logger) : null;
  const tracing = executionTracing(config, logger);
  if (measured || tracing) runtime.service.observeWith(new ExecutionTelemetry(measured?.metrics ?? null, tracing));
  const redis = config.FOLIO_REDIS_URL
    ? await connectRedis(config.FOLIO_REDIS_URL, config.FOLIO_REDIS_TIMEOUT_MS, logger)
    : null;
  const authenticator = new ApiKeyAuthenticator(runtime.db, config.FOLIO_AUTH_CACHE_TTL_MS);
  const listener = await listenForChanges(runtime, authenticator, config, logger, measured?.metrics ?? null);
  let shuttingDown = false;
  const app = createApp({
    db: runtime.db,
    logger,
    service: runtime.service,
    current: runtime.current,
    bodyLimitBytes: config.FOLIO_BODY_LIMIT_BYTES,
    rateLimitPerMinute: config.FOLIO_RATE_LIMIT_PER_MINUTE,
    redis: redis ? { client: redis, prefix: config.FOLIO_REDIS_PREFIX } : null,
    authenticator,
    isShuttingDown: () => shuttingDown,
    freshnessRule: freshnessRule(config),
    dbProbeTimeoutMs: config.FOLIO_DB_PROBE_TIMEOUT_MS,
    metrics: measured?.metrics ?? null,
    tracer: tracing?.tracer ?? null,
    traceSlowMs: config.FOLIO_TRACE_SLOW_MS,
  });
  if (config.FOLIO_WARM_UP) await warmUp(runtime.reads, logger);
  // Not app.listen: express passes listen errors to its callback, where EADDRINUSE would be lost.
  const server = createServer(app);
  server.on('clientError', clientErrorHandler(logger));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Nothing else may keep the process alive once it cannot serve.
    await listener?.stop();
    redis?.disconnect();
    unlog();
    await checkpointer?.stop();
    await runtime.db.destroy();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const background = opts.background?.(runtime) ?? null;
  const purge = purgeIdempotencyKeys(runtime, logger);

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      shuttingDown = true;
      // Readiness fails first; requests keep being served until the balancer has seen it.
      if (config.FOLIO_SHUTDOWN_DRAIN_MS > 0) await sleep(config.FOLIO_SHUTDOWN_DRAIN_MS);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), config.FOLIO_SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      // A build in progress finishes (or fails) before the database closes under it.
      await background?.stop();
      await purge.stop();
      await listener?.stop();
      measured?.detach();
      // Only requests count in Redis, and none is left in flight.
      redis?.disconnect();
      unlog();
      await runtime.provenance.drain();
      await checkpointer?.stop();
      await runtime.db.destroy();
      // Reports of the last requests must not die with the process.
      await flushSentry(config.FOLIO_SHUTDOWN_TIMEOUT_MS);
      logger.info('shut down');
    })());
  return { server, runtime, port, shutdown };
}

const PURGE_INTERVAL_MS = 3600_000;

/**
 * Forgets expired Idempotency-Keys at start and then hourly. Every replica does it; the
 * deletes are idempotent, and an expired key is ignored by lookups before it is deleted.
 */
function purgeIdempotencyKeys(runtime: Runtime, logger: Logger): BackgroundWork {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = purgeExpiredIdempotencyKeys(runtime.db).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted }, 'deleted expired idempotency keys');
      },
      (err: unknown) => logger.warn({ err }, 'could not delete expired idempotency keys'),
    );
  };
  run();
  const timer = setInterval(run, PURGE_INTERVAL_MS).unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * On PostgreSQL, hears of the writes of every process (replicas and CLI commands) and drops
 * the cached answers they change: ledger heads, which pack is newest, verified API keys. When
 * the listener (re)connects every cached answer is dropped, since changes made while it was
 * away were not heard. SQLite has no listener: one process serves it, and writes by CLI
 * commands show within the caches' TTLs.
 */
async function listenForChanges(
  runtime: Runtime,
  authenticator: ApiKeyAuthenticator,
  config: Config,
  logger: Logger,
  metrics: FolioMetrics | null,
): Promise<ChangeListener | null> {
  metrics?.changeListenerUp.set(0);
  if (!config.DATABASE_URL) return null;
  const forget: Record<Change['kind'], (id: string) => void> = {
    ledger: (id) => runtime.current.ledgerChanged(id),
    pack: () => runtime.current.packChanged(),
    key: (id) => authenticator.keyChanged(id),
  };
  const listener = new ChangeListener(config.DATABASE_URL, {
    listening(reconnected) {
      runtime.current.forgetAll();
      authenticator.forgetAll();
      metrics?.changeListenerUp.set(1);
      if (reconnected) logger.info('change listener reconnected; cached ledger heads, packs and keys dropped');
      else logger.debug('change listener listening');
    },
    changed(change) {
      forget[change.kind](change.id);
      metrics?.changeNotifications.inc({ kind: change.kind });
    },
    lost(err, retryInMs, failures) {
      metrics?.changeListenerUp.set(0);
      // The first failure in a row is worth a warning; the retries after it are not news.
      const level = failures === 1 ? 'warn' : 'debug';
      logger[level](
        { err, retry_in_ms: retryInMs, failures },
        'change listener lost its connection: writes by other processes show within the cache TTLs until it is back',
      );
    },
  });
  await listener.start();
  return listener;
}

/**
 * The process's one metrics registry, served on /metrics; `detach` stops the counting of the
 * breakers' events (the process's provider breakers and the runtime's agent breakers). With
 * FOLIO_METRICS=false there is none, and nothing is recorded for a registry no one reads.
 */
function serviceMetrics(
  runtime: Runtime,
  config: Config,
  logger: Logger,
): { metrics: FolioMetrics; detach: () => void } {
  const metrics = createMetrics(runtime.service.listPatterns(), dialectOf(runtime.db));
  const detach = registerBreakerMetrics(metrics.registry, [providerBreakers, runtime.agentBreakers]);
  registerPackMetrics(metrics.registry, runtime.db, {
    ...freshnessRule(config),
    staleSeconds: config.FOLIO_PACK_WARMING_STALE_SECONDS,
    timeoutMs: config.FOLIO_DB_PROBE_TIMEOUT_MS,
    logger,
  });
  return { metrics, detach };
}

/** Entry point for `folio serve` / `npm start`. */
export async function main(
  background?: (config: Config, logger: Logger) => ServerOptions['background'],
): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.FOLIO_PRETTY_LOGS });
  const running = await startServer(config, logger, { background: background?.(config, logger) });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      // Tracing stops last, so the spans of the requests that drained are flushed too.
      running
        .shutdown()
        .then(stopTracing)
        .then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
    });
  }
  // Only now that a signal shuts the service down gracefully: a supervisor (or a test) that sends
  // SIGTERM as soon as it reads this line must not find the default action still in place.
  const database = config.DATABASE_URL ? 'postgres' : config.sqliteFile;
  logger.info({ port: running.port, database }, `listening on port ${running.port}`);
}
