import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AppError } from '../errors.js';
import { fullJitterDelay } from './backoff.js';
import { breakers as processBreakers, type BreakerOptions, type BreakerRegistry } from './breakers.js';
import { BREAKER_OPEN, errorCode, isRetryable, ProviderError } from './errors.js';
import type { MarketDataProvider, MarketSnapshot, SnapshotRequest } from './provider.js';
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
 * Wraps a provider with the same protection for every source: a rate limit, retries of
 * transient failures with full-jitter backoff (429s after the server's Retry-After), and the
 * provider's circuit breaker around each attempt. Every failure leaves as an AppError
 * `dependency_unavailable`, so callers on the request path and in jobs report it alike.
 */
export function guarded(provider: MarketDataProvider, opts: GuardOptions): MarketDataProvider {
  const registry = opts.registry ?? processBreakers;
  const name = provider.name;
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

  async function attempt(req: SnapshotRequest): Promise<MarketSnapshot> {
    // Aborted when the breaker gives up on the attempt, so a timed-out request stops too.
    const own = new AbortController();
    const signal = req.signal ? AbortSignal.any([req.signal, own.signal]) : own.signal;
    const started = performance.now();
    let reached = false;
    try {
      const snapshot = (await breaker.fire(() => {
        reached = true;
        return provider.snapshot({ ...req, signal });
      })) as MarketSnapshot;
      registry.recordCall({
        provider: name,
        operation: 'snapshot',
        status: 'ok',
        seconds: (performance.now() - started) / 1000,
      });
      return snapshot;
    } catch (e) {
      own.abort();
      if (reached)
        registry.recordCall({
          provider: name,
          operation: 'snapshot',
          status: 'error',
          seconds: (performance.now() - started) / 1000,
        });
      throw e;
    }
  }

  async function run(req: SnapshotRequest, span: Span): Promise<MarketSnapshot> {
    for (let attempts = 1; ; attempts++) {
      span.setAttribute('provider.attempts', attempts);
      await limiter.take(req.signal);
      try {
        return await attempt(req);
      } catch (e) {
        if (errorCode(e) === BREAKER_OPEN) throw circuitOpen(attempts - 1);
        // The caller gave up (deadline, another step failed): its reason is the answer, not ours.
        req.signal?.throwIfAborted();
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
        if (retryAfterMs !== undefined) limiter.pauseFor(retryAfterMs);
        else
          await sleep(fullJitterDelay(attempts - 1, opts.backoffMs, opts.maxWaitMs, random), undefined, {
            signal: req.signal,
          });
      }
    }
  }

  return {
    name,
    snapshot(req) {
      const attributes = {
        'provider.name': name,
        'provider.date': req.date,
        'provider.symbol_count': req.symbols.length,
      };
      return tracer.startActiveSpan(`provider.${name}.snapshot`, { attributes }, async (span) => {
        try {
          return await run(req, span);
        } catch (e) {
          span.recordException(e instanceof Error ? e : String(e));
          span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
          throw e;
        } finally {
          span.setAttribute('breaker.state', registry.state(name) ?? 'closed');
          span.end();
        }
      });
    },
  };
}
