/**
 * The backend's public surface: what the entry points in jobs/ (the `folio` commands and the
 * scheduler) import, so they never reach into its folders. An entry point imports preload.ts
 * first (Sentry and tracing before express, knex and pg load) and this module after it.
 */
export { ConfigError, loadConfig, type Config } from './config.js';
export { AppError } from './errors.js';
export { todayUtc } from './clock.js';
export { utf8Text } from './validation.js';
export { createDb, dialectOf, migrateLatest } from './db/knex.js';
export { isCalendarDate } from './domain/dates.js';
export { localDateTime, packDateProblem, previousTradingDay } from './domain/calendar.js';
export { parsePackId } from './domain/pack.js';
export { parseExecuteRequest, type ExecuteRequest } from './executor/request.js';
export type { Pattern } from './executor/pattern.js';
export { activeTraceId } from './observability/correlation.js';
export { ExecutionTelemetry, executionTracing, folioTracer, markFailure } from './observability/execution-telemetry.js';
export { BreakerTally } from './observability/breaker-tally.js';
export { createLogger, type Logger } from './observability/logger.js';
export { createMetrics } from './observability/metrics.js';
export { createMarketData, isProviderName, PROVIDER_NAMES, type MarketDataProvider } from './providers/index.js';
export { createRuntime, type Runtime } from './runtime.js';
/**
 * `folio serve`. Loaded when called, so that every other command starts without express, the
 * HTTP layer and Redis's client (about a fifth of a command's start-up from dist/).
 */
export const serve: typeof import('./server.js').main = async (...args) => (await import('./server.js')).main(...args);
export * from './services/index.js';
