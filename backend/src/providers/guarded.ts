import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { AppError } from '../errors.js';
import { fullJitterDelay } from './backoff.js';
import { breakers as processBreakers, type BreakerOptions, type BreakerRegistry } from './breakers.js';
import { BREAKER_OPEN, errorCode, isRetryable, ProviderError } from './errors.js';
import type { MarketDataProvider } from './provider.js';
import { RateLimiter } from './rate-limiter.js';

export interface GuardOptions extends BreakerOptions {
  /** Retries of retryable failures after the first attempt. */
  retries: number;
  backoffMs: number;
  /** Cap of one backoff wait; a Retry-After longer than this gives up instead of waiting. */
  maxWaitMs: number;
  /** Attempts per second; 0 means unlimited. */
  ratePerSecond: number;
  /** Defaults to the process-wide registry; tests pass their own to start from closed breakers. */
  registry?: BreakerRegistry;
  random?: () => number;
  /** Defaults to the global tracer `folio` (a no-op until tracing is started). */
  tracer?: Tracer;
}

/**
 * The protection of one source: every request to it goes through `call`. Sources that answer a
 * date in one request (demo, csv, http) are wrapped whole by `guarded`; sources read in pieces
 * (one file per symbol, one rates file) call it for each piece, so a retry repeats one file and
 * the attempt timeout bounds one file, not a whole backfill's loading.
 */
export interface Guard {
  readonly name: string;
  /**
   * Runs `fn` (one request to the source) under the rate limit, the provider's circuit breaker and
   * the attempt timeout, retrying transient failures. Every failure leaves as an AppError
   * `dependency_unavailable`. The span is `provider.<name>.<operation>`.
   */
  call<T>(
    operation: string,
    attributes: Attributes,
    fn: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T>;
  /** A failure found outside any request (a bad argument, data that cannot be used), reported as `call` reports permanent ones. */
  refuse(e: unknown): AppError;
}

export function createGuard(name: string, opts: GuardOptions): Guard {
  const registry = opts.registry ?? processBreakers;
  const breaker = registry.breaker(name, opts);
  const limiter = new RateLimiter(opts.ratePerSecond);
  const random = opts.random ?? Math.random;
  const tracer = opts.tracer ?? trace.getTracer('folio');

  const unavailable = (reason: string, details: Record<string, unknown>, retryAfterSeconds?: number) =>
    new AppError(
      'dependency_unavailable',
      `${name} market data is unavailable: ${reason}`,
      { provider: name, ...details },
      retryAfterSeconds,
    );

  const circuitOpen = (attempts: number) => {
    const wait = registry.secondsUntilTrial(name);
    return unavailable(
      `circuit open after repeated failures; next trial in ${wait} s`,
      { breaker: registry.state(name), attempts },
      wait,
    );
  };

  async function attempt<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal) {
    // Aborted when the breaker gives up on the attempt, so a timed-out request stops too.
    const own = new AbortController();
    const signal = outer ? AbortSignal.any([outer, own.signal]) : own.signal;
    const started = performance.now();
    let reached = false;
    const record = (status: 'ok' | 'error') =>
      registry.recordCall({ provider: name, operation, status, seconds: (performance.now() - started) / 1000 });
    try {
      const result = (await breaker.fire(() => {
        reached = true;
        return fn(signal);
      })) as T;
      record('ok');
      return result;
    } catch (e) {
      own.abort();
      if (reached) record('error');
      throw e;
    }
  }

  async function run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, span: Span, signal?: AbortSignal) {
    for (let attempts = 1; ; attempts++) {
      span.setAttribute('provider.attempts', attempts);
      signal?.throwIfAborted();
      await limiter.take(signal);
      try {
        return await attempt(operation, fn, signal);
      } catch (e) {
        if (errorCode(e) === BREAKER_OPEN) throw circuitOpen(attempts - 1);
        // The caller gave up (deadline, another step failed): its reason is the answer, not ours.
        signal?.throwIfAborted();
        const message = e instanceof Error ? e.message : String(e);
        if (!isRetryable(e)) throw unavailable(message, { permanent: true, attempts });
        if (breaker.opened) throw circuitOpen(attempts);
        const retryAfterMs = e instanceof ProviderError ? e.extra.retryAfterMs : undefined;
        if (retryAfterMs !== undefined && retryAfterMs > opts.maxWaitMs) {
          throw unavailable(
            `${message}; asked to wait ${Math.ceil(retryAfterMs / 1000)} s`,
            { attempts },
            retryAfterMs / 1000,
          );
        }
        if (attempts > opts.retries) {
          throw unavailable(
            `${message} (gave up after ${attempts} attempts)`,
            { attempts },
            retryAfterMs === undefined ? undefined : retryAfterMs / 1000,
          );
        }
        registry.recordRetry(name);
        if (retryAfterMs !== undefined) limiter.pauseFor(retryAfterMs);
        else await sleep(fullJitterDelay(attempts - 1, opts.backoffMs, opts.maxWaitMs, random), undefined, { signal });
      }
    }
  }

  return {
    name,
    call(operation, attributes, fn, signal) {
      return tracer.startActiveSpan(
        `provider.${name}.${operation}`,
        { attributes: { 'provider.name': name, ...attributes } },
        async (span) => {
          try {
            return await run(operation, fn, span, signal);
          } catch (e) {
            span.recordException(e instanceof Error ? e : String(e));
            span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
            throw e;
          } finally {
            span.setAttribute('breaker.state', registry.state(name) ?? 'closed');
            span.end();
          }
        },
      );
    },
    refuse(e) {
      if (e instanceof AppError) return e;
      return unavailable(e instanceof Error ? e.message : String(e), { permanent: true });
    },
  };
}

/**
 * Wraps a provider that answers a date in one request with the same protection for every
 * source: a rate limit, retries of transient failures with full-jitter backoff (429s after the
 * server's Retry-After), and the provider's circuit breaker around each attempt. Every failure
 * leaves as an AppError `dependency_unavailable`, so callers on the request path and in jobs
 * report it alike.
 */
export function guarded(provider: MarketDataProvider, opts: GuardOptions): MarketDataProvider {
  const guard = createGuard(provider.name, opts);
  return {
    name: provider.name,
    snapshot(req) {
      const attributes = { 'provider.date': req.date, 'provider.symbol_count': req.symbols.length };
      return guard.call('snapshot', attributes, (signal) => provider.snapshot({ ...req, signal }), req.signal);
    },
  };
}
