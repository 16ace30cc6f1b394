/**
 * The one place that decides which driver errors mean "the database cannot serve right now":
 * such a failure is the service's dependency being down, not the client's fault and not a bug,
 * so errors.ts maps it to 503 `dependency_unavailable` with Retry-After wherever it surfaces.
 * Everything else a driver throws stays what it was (an unexpected error, a 500 worth fixing).
 * Pure: it only reads the error's fields, so errors.ts can use it without any I/O.
 */

/** Why the database could not serve; a bounded set, safe for clients, logs and metric labels. */
export type DatabaseOutage =
  | 'connection'
  | 'pool_timeout'
  | 'not_accepting_connections'
  | 'missing_table'
  | 'access_denied'
  | 'lock_timeout'
  | 'serialization_failure'
  | 'timeout';

/** Seconds a client is asked to wait: long enough for a failover or a restart, short enough to notice recovery. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket-level failures of the PostgreSQL connection (Node's errno codes). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** PostgreSQL SQLSTATEs (Appendix A of its manual) that say the server cannot serve now. */
const SQLSTATES: ReadonlyArray<readonly [RegExp, DatabaseOutage]> = [
  [/^08/, 'connection'], // connection exception
  [/^57P0[1-3]$/, 'not_accepting_connections'], // admin / crash shutdown, cannot connect now
  [/^53/, 'not_accepting_connections'], // insufficient resources: too many connections, disk full, out of memory
  [/^55000$/, 'not_accepting_connections'], // database is not currently accepting connections
  [/^3D000$/, 'not_accepting_connections'], // the database itself does not exist (dropped, renamed)
  [/^42P01$/, 'missing_table'], // undefined table
  [/^(42501|28000|28P01)$/, 'access_denied'], // privileges revoked, login refused
  [/^55P03$/, 'lock_timeout'], // lock not available
  [/^(40001|40P01)$/, 'serialization_failure'], // serialization failure, deadlock
  [/^57014$/, 'timeout'], // query cancelled by statement_timeout
];

/** pg's own wording for a connection that died or never came up; it sets no code for these. */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|not queryable|Client was closed|Cannot use a pool after calling end/i;

/** Why `err` means the database cannot serve, or null when it is some other failure. */
export function databaseOutage(err: unknown, depth = 0): DatabaseOutage | null {
  if (!err || typeof err !== 'object' || depth > 3) return null;
  const { code, name, message, errors, cause, status } = err as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
    status?: unknown;
  };
  // An HTTP error (body-parser's, with a status) is about the client's request, never the database.
  if (typeof status === 'number') return null;
  if (name === 'KnexTimeoutError') return 'pool_timeout';
  if (name === 'DatabaseDeadlineError') return 'timeout';
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return 'connection';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const hit = SQLSTATES.find(([pattern]) => pattern.test(code));
      if (hit) return hit[1];
    }
    if (code.startsWith('SQLITE_')) return sqlite(code, typeof message === 'string' ? message : '');
  }
  if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return 'connection';
  // Node reports a refused connection to several addresses as an AggregateError.
  if (Array.isArray(errors)) {
    for (const e of errors) {
      const reason = databaseOutage(e, depth + 1);
      if (reason) return reason;
    }
  }
  return databaseOutage(cause, depth + 1);
}

/** better-sqlite3 errors: the extended result code, and for a missing table only the message says so. */
function sqlite(code: string, message: string): DatabaseOutage | null {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'lock_timeout';
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL')
    return 'connection';
  if (code === 'SQLITE_ERROR' && /no such table/i.test(message)) return 'missing_table';
  return null;
}

/** The failure of a database read that did not finish within its deadline; see `withinDeadline`. */
class DatabaseDeadlineError extends Error {
  override readonly name = 'DatabaseDeadlineError';
}

/**
 * `work`, or a rejection classified as a database `timeout` once `ms` have passed: for reads
 * whose caller must answer anyway (readiness, /metrics), so a hung database cannot hang them.
 * The query itself runs on and releases its connection when the database answers.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseDeadlineError(`the database did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
