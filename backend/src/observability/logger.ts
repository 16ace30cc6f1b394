import pino, { type DestinationStream, type Logger } from 'pino';
import { logCorrelation } from './correlation.js';

/** Credentials, in whatever object they turn up (headers, configs, error details). */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api_key',
  'apiKey',
  'password',
  'passwd',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'dsn',
  'DATABASE_URL',
  'FOLIO_REDIS_URL',
  'PII_HASH_KEY',
  'SENTRY_DSN',
];
/**
 * A user's money: request logs must not carry it at all. Request inputs and bodies are covered
 * whole; the rest are the field names results and ledger rows use.
 */
const FINANCIAL_FIELDS = [
  'amount',
  'amounts',
  'quantity',
  'price',
  'prices',
  'value',
  'values',
  'market_value',
  'total_value',
  'balance',
  'balances',
  'cash',
  'cost_basis',
  'fee',
  'fees',
  'inputs',
  'body',
  'result',
];

const path = (prefix: string, field: string) =>
  /^[A-Za-z_$][\w$]*$/.test(field) ? `${prefix}${prefix ? '.' : ''}${field}` : `${prefix}["${field}"]`;

/** Paths whose values never reach a log line: at the top level and two levels down. */
export const REDACTED_LOG_PATHS = [...SECRET_FIELDS, ...FINANCIAL_FIELDS].flatMap((f) => [
  path('', f),
  path('*', f),
  path('*.*', f),
]);

export function createLogger(opts: { level: string; pretty: boolean; destination?: DestinationStream }): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { service: 'folio-executor' },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Lines written inside a request or job carry its trace_id, span_id and request_id.
    mixin: logCorrelation,
    ...(opts.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  if (opts.destination) return pino(options, opts.destination);
  // Synchronous writes to stdout: nothing is logged per request, and pino's asynchronous default
  // flushes on exit in a loop that retries a broken pipe for ever (sonic-boom's flushSync), so a
  // process whose log reader had gone never ended on SIGTERM. A synchronous write that meets a
  // broken pipe makes pino stop logging instead.
  return opts.pretty ? pino(options) : pino(options, pino.destination({ dest: 1, sync: true }));
}

export type { Logger };
