/**
 * How a provider failure should be treated: `transient` failures (5xx, timeouts, dropped
 * connections) are retried and count against the circuit breaker; `rate_limited` (429) is
 * retried after the server's delay but says the source is up, so it does not trip the breaker;
 * `permanent` failures (other 4xx, malformed or invalid data, dates the source does not
 * cover) are neither retried nor counted, since asking again cannot change the answer.
 */
export type ProviderFailureKind = 'transient' | 'rate_limited' | 'permanent';

export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: ProviderFailureKind,
    message: string,
    readonly extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ProviderError';
  }
}

/** opossum rejects with these codes when its own timeout fires or the circuit is open. */
const BREAKER_TIMEOUT = 'ETIMEDOUT';
export const BREAKER_OPEN = 'EOPENBREAKER';

export const errorCode = (e: unknown): string | undefined =>
  e !== null && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

/**
 * The kind of any error a provider attempt can end with. Errors that are not ProviderErrors
 * come from the platform: fetch's own timeout and network failures are transient; anything
 * else (a bug, a bad argument) is permanent so it is reported rather than hammered.
 */
export function failureKind(e: unknown): ProviderFailureKind {
  if (e instanceof ProviderError) return e.kind;
  if (errorCode(e) === BREAKER_TIMEOUT) return 'transient';
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return 'transient';
    // undici reports refused/reset connections and DNS failures as TypeError('fetch failed').
    if (e.name === 'TypeError' && e.message === 'fetch failed') return 'transient';
  }
  return 'permanent';
}

/** Whether another attempt may succeed. */
export const isRetryable = (e: unknown): boolean => failureKind(e) !== 'permanent';

/** Whether the failure says the source is unhealthy, i.e. counts towards opening the breaker. */
export const countsAsBreakerFailure = (e: unknown): boolean => failureKind(e) === 'transient';

/**
 * A Retry-After header value in milliseconds: delta-seconds or an HTTP date (relative to
 * `now`). Null when absent or unreadable, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday and month; Date.parse alone would read "-5" as a year.
  const at = /[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
