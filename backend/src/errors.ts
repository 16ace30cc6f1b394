import { DATABASE_RETRY_AFTER_SECONDS, databaseOutage } from './db/unavailable.js';

/**
 * The one error taxonomy. Every failure a client can see is an AppError with a code from
 * this table; http/error-handler.ts maps it to a response and nothing else chooses statuses.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  pattern_not_found: 404,
  portfolio_not_found: 404,
  pricing_pack_not_found: 404,
  ledger_commit_not_found: 404,
  execution_not_found: 404,
  security_not_found: 404,
  user_not_found: 404,
  api_key_not_found: 404,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  payload_too_large: 413,
  request_timeout: 408,
  headers_too_large: 431,
  conflict: 409,
  portfolio_archived: 409,
  idempotency_key_reused: 422,
  rate_limited: 429,
  pricing_pack_warming: 503,
  dependency_unavailable: 503,
  not_ready: 503,
  timeout: 504,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Seconds a client should wait before retrying (503/429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new AppError('invalid_request', message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/**
 * The client-facing error for a database that cannot serve (db/unavailable.ts decides which
 * driver errors mean that), or null for any other error. The details name the dependency and
 * the reason only: the driver's message carries SQL, table names or addresses, which stay in
 * the logs and the error report.
 */
export function databaseUnavailable(e: unknown): AppError | null {
  const reason = databaseOutage(e);
  if (reason === null) return null;
  return new AppError(
    'dependency_unavailable',
    'the database is unavailable; retry later',
    { dependency: 'database', reason },
    DATABASE_RETRY_AFTER_SECONDS,
  );
}

/**
 * The code a failure is reported under: its own for a taxonomy error, dependency_unavailable
 * for a database that cannot serve, internal_error for anything else.
 */
export const errorCodeOf = (e: unknown): ErrorCode =>
  isAppError(e) ? e.code : databaseOutage(e) === null ? 'internal_error' : 'dependency_unavailable';
