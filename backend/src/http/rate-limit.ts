import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ThrottledLog } from '../observability/throttled-log.js';
import { REDIS_LOG_INTERVAL_MS } from '../redis.js';

export interface RateLimitOptions {
  perMinute: number;
  /** Counters shared by every replica; null keeps them in this process's memory. */
  redis: { client: Redis; prefix: string } | null;
  logger: Logger;
  /** folio_rate_limit_store_errors_total; null without metrics. */
  storeErrors: Counter | null;
}

/**
 * Per API key, fixed one-minute window; runs after authentication so the key id is known.
 * With Redis, a failing store lets the request through uncounted (fail open): the limit
 * protects capacity, and refusing every request while Redis is down would be the outage.
 */
export function perKeyRateLimit(opts: RateLimitOptions) {
  const { perMinute } = opts;
  const log = new ThrottledLog(opts.logger, REDIS_LOG_INTERVAL_MS);
  const report = (err: unknown) =>
    log.warn({ err }, 'rate-limit store unavailable: requests pass without being counted');
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req: Request) => req.folio.auth?.apiKeyId ?? 'anonymous',
    ...(opts.redis ? { store: redisStore(opts.redis, opts.storeErrors), passOnStoreError: true } : {}),
    logger: { error: report, warn: report },
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      next(
        new AppError(
          'rate_limited',
          `rate limit of ${perMinute} requests per minute exceeded`,
          { limit_per_minute: perMinute },
          retryAfter,
        ),
      );
    },
  });
}

function redisStore(redis: { client: Redis; prefix: string }, storeErrors: Counter | null): Store {
  return new RedisStore({
    prefix: `${redis.prefix}rl:`,
    sendCommand: async (command: string, ...args: string[]) => {
      try {
        return (await redis.client.call(command, ...args)) as RedisReply;
      } catch (err) {
        storeErrors?.inc();
        // The store loads its Lua scripts once, when the limiter is made, and would keep a failed
        // load forever. Redis names a script by the SHA1 of its text, so answering with that name
        // lets the first call after Redis is back get NOSCRIPT, on which the store loads it again.
        if (command.toUpperCase() === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD' && args[1] !== undefined)
          return createHash('sha1').update(args[1]).digest('hex');
        throw err;
      }
    },
  });
}
