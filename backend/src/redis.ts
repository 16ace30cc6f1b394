import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from './observability/logger.js';
import { ThrottledLog } from './observability/throttled-log.js';

/** How often "Redis unavailable" may be logged while it stays down. */
export const REDIS_LOG_INTERVAL_MS = 60_000;

/**
 * The Redis client shared by this process's users of FOLIO_REDIS_URL. Commands are refused at
 * once while the connection is down (no offline queue, no per-command retries) and time out
 * after `timeoutMs`, so a request never waits for a reconnect; the client keeps reconnecting
 * in the background. Waits up to `timeoutMs` for the first connection, then goes on without it.
 */
export async function connectRedis(url: string, timeoutMs: number, logger: Logger): Promise<Redis> {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  const unavailable = new ThrottledLog(logger, REDIS_LOG_INTERVAL_MS);
  client.on('error', (err: Error) => unavailable.warn({ err }, 'Redis unavailable'));
  client.on('ready', () => logger.info('connected to Redis'));
  const ac = new AbortController();
  await Promise.race([
    once(client, 'ready', { signal: ac.signal }).catch(() => undefined),
    sleep(timeoutMs, undefined, { signal: ac.signal }).catch(() => undefined),
  ]);
  ac.abort();
  return client;
}
