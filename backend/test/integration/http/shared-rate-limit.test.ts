import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { describeEachDb, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { describeWithRedis, REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { until } from '../../support/until.js';

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/** A port nothing listens on (right now). */
async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

describeWithRedis('Rate limit shared through Redis (FOLIO_REDIS_URL)', () => {
  describeEachDb('two replicas on one database', (dialect) => {
    let db: TestDatabase;
    const servers: TestServer[] = [];
    before(async () => {
      db = await seededDatabase(dialect);
    });
    afterEach(async () => {
      while (servers.length) await servers.pop()!.close();
    });
    after(() => db?.drop());

    const start = async (env: Record<string, string>, logs?: PassThrough) => {
      const srv = await startTestServer(db, env, logs);
      servers.push(srv);
      return srv;
    };

    it('counts the requests to every replica against one limit per key', async () => {
      const prefix = uniqueRedisPrefix();
      const env = { FOLIO_REDIS_URL: REDIS_URL, FOLIO_REDIS_PREFIX: prefix, FOLIO_RATE_LIMIT_PER_MINUTE: '5' };
      const [a, b] = [await start(env), await start(env)];
      const seen = [];
      for (const srv of [a, b, a, b, a]) {
        const res = await srv.request('GET', '/v1/patterns');
        assert.equal(res.status, 200);
        seen.push(res.headers.get('ratelimit'));
      }
      assert.deepEqual(
        seen.map((h) => /remaining=(\d+)/.exec(h ?? '')?.[1]),
        ['4', '3', '2', '1', '0'],
        'each replica sees the hits of the other',
      );
      for (const srv of [a, b]) {
        const res = await srv.request('GET', '/v1/patterns');
        assert.equal(res.status, 429);
        assert.equal(res.body.error, 'rate_limited');
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
      }
      // The counter lives under the configured prefix, with the window as its expiry.
      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${prefix}*`);
        assert.equal(keys.length, 1);
        assert.match(keys[0]!, new RegExp(`^${prefix}rl:`));
        assert.equal(await redis.get(keys[0]!), '7');
        const ttl = await redis.pttl(keys[0]!);
        assert.ok(ttl > 0 && ttl <= 60_000, `expiry ${ttl}`);
        await redis.del(keys);
      } finally {
        redis.disconnect();
      }
      const metrics = await a.request('GET', '/metrics');
      assert.equal(metric(metrics.text, 'folio_rate_limit_store_errors_total'), 0);
    });

    it('lets requests through uncounted while Redis is unreachable, with a metric and one log line', async () => {
      const logs = new PassThrough();
      const lines: string[] = [];
      logs.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
      const port = await freePort();
      const srv = await start(
        {
          FOLIO_REDIS_URL: `redis://127.0.0.1:${port}`,
          FOLIO_REDIS_TIMEOUT_MS: '200',
          FOLIO_RATE_LIMIT_PER_MINUTE: '2',
          LOG_LEVEL: 'warn',
        },
        logs,
      );
      for (let i = 0; i < 6; i++) {
        const res = await srv.request('GET', '/v1/patterns');
        assert.equal(res.status, 200, 'fail open: the limit is not enforced without its store');
        assert.equal(res.headers.get('ratelimit'), null, 'no counter, so no remaining count is claimed');
      }
      const metrics = await srv.request('GET', '/metrics');
      // One failed command per request (the script loads at start-up fail too).
      assert.ok(metric(metrics.text, 'folio_rate_limit_store_errors_total') >= 6, metrics.text);
      const storeLines = lines.filter((l) => JSON.parse(l).msg.startsWith('rate-limit store unavailable'));
      assert.equal(storeLines.length, 1, 'logged once per minute, not once per request');
      assert.equal(JSON.parse(storeLines[0]!).level, 40);
    });

    it('enforces the limit again once Redis is back, without a restart', async function () {
      const port = await freePort();
      const srv = await start({
        FOLIO_REDIS_URL: `redis://127.0.0.1:${port}`,
        FOLIO_REDIS_TIMEOUT_MS: '200',
        FOLIO_REDIS_PREFIX: uniqueRedisPrefix(),
        FOLIO_RATE_LIMIT_PER_MINUTE: '2',
      });
      assert.equal((await srv.request('GET', '/v1/patterns')).status, 200);
      let redisServer: ChildProcess | undefined;
      try {
        redisServer = spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          { stdio: 'ignore' },
        );
        // The client reconnects by itself; the store loads its scripts again on first use.
        const limited = await until('a 429 from the recovered store', async () => {
          const res = await srv.request('GET', '/v1/patterns');
          return res.status === 429 ? res : undefined;
        });
        assert.equal(limited.body.error, 'rate_limited');
      } finally {
        redisServer?.kill();
        if (redisServer) await once(redisServer, 'exit');
      }
    });
  });
});
