import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.FOLIO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let probe: Promise<string | null> | undefined;
/** Null when Redis answers PING, else the reason it does not. */
export function redisUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    const client = new Redis(REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 3000,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return null;
    } catch (e) {
      return (e as Error).message;
    } finally {
      client.disconnect();
    }
  })();
  return probe;
}

/** A key prefix no other test (or run) uses, so tests share one Redis without seeing each other's keys. */
export const uniqueRedisPrefix = () => `folio_t_${process.pid}_${randomBytes(4).toString('hex')}:`;

/**
 * Declares a suite that needs the real Redis. Without it the suite is skipped with the reason,
 * except under CI=true where a missing Redis is a failure (as for PostgreSQL in databases.ts).
 */
export function describeWithRedis(title: string, body: () => void): void {
  describe(title, function () {
    before(async function () {
      const reason = await redisUnavailable();
      if (reason === null) return;
      if (process.env.CI === 'true') throw new Error(`Redis is required under CI=true but unreachable: ${reason}`);
      console.warn(`    skipping Redis suite "${title}": ${reason} (set FOLIO_TEST_REDIS_URL)`);
      this.skip();
    });
    body();
  });
}
