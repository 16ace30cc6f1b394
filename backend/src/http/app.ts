import type { Tracer } from '@opentelemetry/api';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { CurrentState } from '../db/current-state.js';
import type { FreshnessRule } from '../domain/pack.js';
import type { ApiKeyAuthenticator } from '../services/authentication.js';
import type { ExecutionService } from '../services/execution.js';
import { httpMetrics, noteErrorCode } from './request-metrics.js';
import { traceRequests } from './request-tracing.js';
import type { Logger } from '../observability/logger.js';
import type { FolioMetrics } from '../observability/metrics.js';
import { requireApiKey } from './auth.js';
import { errorHandler } from './error-handler.js';
import { guardJsonBody, guardPathAndQuery, verifyUtf8 } from './input-guard.js';
import { openApiDocument } from './openapi.js';
import { perKeyRateLimit } from './rate-limit.js';
import { requestContext } from './request-context.js';
import { executeHandler, executeRoutes } from './routes/execute.js';
import { healthRoutes } from './routes/health.js';
import { metricsHandler } from './routes/metrics.js';
import { packRoutes } from './routes/packs.js';
import { portfolioRoutes } from './routes/portfolios.js';
import { securityRoutes } from './routes/securities.js';

export interface AppDeps {
  db: Knex;
  logger: Logger;
  service: ExecutionService;
  current: CurrentState;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  /** Where the rate-limit counters are shared between replicas; null counts in this process. */
  redis: { client: Redis; prefix: string } | null;
  /** Who a bearer key belongs to; it remembers verified keys (FOLIO_AUTH_CACHE_TTL_MS). */
  authenticator: ApiKeyAuthenticator;
  isShuttingDown: () => boolean;
  /** When packs are due (FOLIO_PACK_FRESH_BY, FOLIO_PACK_SCHEDULE_TZ), for /health/pack. */
  freshnessRule: FreshnessRule;
  /** FOLIO_DB_PROBE_TIMEOUT_MS: the longest the health routes wait for the database. */
  dbProbeTimeoutMs: number;
  /** Null when FOLIO_METRICS=false: no recording and no /metrics. */
  metrics: FolioMetrics | null;
  /** Null without tracing: no server spans. */
  tracer: Tracer | null;
  /** Requests the sampler dropped are recorded after the fact when slower than this (FOLIO_TRACE_SLOW_MS). */
  traceSlowMs: number;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(deps.tracer ? traceRequests(deps.tracer, deps.traceSlowMs) : null));
  if (deps.metrics) app.use(httpMetrics(deps.metrics, new Set(deps.service.listPatterns().map((p) => p.id))));
  app.use(guardPathAndQuery);

  // Bodies are read only after authentication, so anonymous callers cannot make us buffer them.
  const v1Chain = [
    requireApiKey(deps.authenticator),
    ...(deps.rateLimitPerMinute > 0
      ? [
          perKeyRateLimit({
            perMinute: deps.rateLimitPerMinute,
            redis: deps.redis,
            logger: deps.logger,
            storeErrors: deps.metrics?.rateLimitStoreErrors ?? null,
          }),
        ]
      : []),
    express.json({ limit: deps.bodyLimitBytes, strict: true, verify: verifyUtf8 }),
    guardJsonBody,
  ];
  // The hot route sits directly on the app: one router fewer to walk for every execution.
  app.post('/v1/execute', ...v1Chain, executeHandler(deps.service));

  const v1 = express.Router();
  v1.use(...v1Chain);
  v1.use(executeRoutes(deps.service));
  v1.use(portfolioRoutes(deps.db, deps.current, deps.bodyLimitBytes));
  v1.use(packRoutes(deps.db));
  v1.use(securityRoutes(deps.db));
  app.use('/v1', v1);

  app.use(healthRoutes(deps.db, deps.isShuttingDown, deps.freshnessRule, deps.dbProbeTimeoutMs));
  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics.registry));
  const openapi = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  app.use((req) => {
    throw new AppError('not_found', `no route for ${req.method} ${req.path}`);
  });
  if (deps.metrics) app.use(noteErrorCode);
  app.use(errorHandler(deps.logger));
  return app;
}
