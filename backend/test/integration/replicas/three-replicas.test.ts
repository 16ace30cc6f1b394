import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { Redis } from 'ioredis';
import { createUserWithKey } from '../../../src/db/repositories/users.js';
import { localDateTime, previousTradingDay } from '../../../src/domain/calendar.js';
import { expectedPackDate } from '../../../src/domain/pack.js';
import { startBalancer, type Balancer } from '../../support/balancer.js';
import { DEMO_KEY, requirePostgres, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startService, type ServiceProcess } from '../../support/folio-process.js';
import { describeWithRedis, REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { until } from '../../support/until.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

interface Reply {
  status: number;
  text: string;
  headers: Headers;
  /** The error code of a JSON error envelope, or the first line of any other failed answer. */
  code: string;
}

/** One HTTP call as a client makes it; a connection that fails is thrown, as fetch does. */
async function call(
  base: string,
  method: string,
  path: string,
  opts: { body?: string; type?: string; key?: string; apiKey?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.apiKey ?? DEMO_KEY}` };
  if (opts.type) headers['content-type'] = opts.type;
  if (opts.key) headers['idempotency-key'] = opts.key;
  const res = await fetch(base + path, { method, headers, body: opts.body, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let code = '';
  if (res.status >= 400) {
    try {
      code = (JSON.parse(text) as { error: string }).error;
    } catch {
      code = text.split('\n')[0]!;
    }
  }
  return { status: res.status, text, headers: res.headers, code };
}

/** The code a connection error carries (ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET, ...). */
const connectionCode = (e: unknown) =>
  String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name ?? 'connection error');

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * N `folio serve` processes on one PostgreSQL database sharing one Redis, as an operator runs
 * them behind a load balancer. `env` is added to every replica's.
 */
async function startReplicas(db: TestDatabase, prefix: string, env: Record<string, string>, n = 3) {
  return Promise.all(
    Array.from({ length: n }, () =>
      startService(
        {
          DATABASE_URL: db.config.DATABASE_URL!,
          PORT: '0',
          HOST: '127.0.0.1',
          NODE_ENV: 'test',
          LOG_LEVEL: 'info',
          FOLIO_DEMO_API_KEY: DEMO_KEY,
          FOLIO_SEED_DEMO: 'false',
          FOLIO_REDIS_URL: REDIS_URL,
          FOLIO_REDIS_PREFIX: prefix,
          // A loaded test machine must not make Redis look down: that lets requests through uncounted.
          FOLIO_REDIS_TIMEOUT_MS: '5000',
          ...env,
        },
        { readyTimeoutMs: 90_000 },
      ),
    ),
  );
}

interface ReplicaSet {
  db: TestDatabase;
  k: Knex;
  replicas: ServiceProcess[];
  lb: Balancer;
}

/**
 * Three replicas with `env` on a new seeded PostgreSQL database and their own Redis prefix,
 * behind a balancer, for the enclosing describe: started before its tests, stopped and
 * dropped after them. The fields are set once the set has started.
 */
function useReplicaSet(env: Record<string, string>): ReplicaSet {
  const prefix = uniqueRedisPrefix();
  const set: Partial<ReplicaSet> = {};
  before(async function () {
    this.timeout(180_000);
    set.db = await seededDatabase('postgres');
    set.k = set.db.open();
    set.replicas = await startReplicas(set.db, prefix, env);
    set.lb = await startBalancer(set.replicas.map((r) => r.url));
  });
  after(async function () {
    this.timeout(60_000);
    await set.lb?.close();
    await Promise.all((set.replicas ?? []).map((r) => r.stop('SIGTERM', 20_000).catch(() => r.stop('SIGKILL'))));
    await set.k?.destroy();
    await set.db?.drop();
    await deleteRedisKeys(prefix);
  });
  return set as ReplicaSet;
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(keys);
  } finally {
    redis.disconnect();
  }
}

describeWithRedis('Three replicas on one PostgreSQL database behind a load balancer', () => {
  requirePostgres('three replicas');

  describe('with the pack schedule in every replica and a small rate limit', () => {
    const LIMIT = 30;
    const set = useReplicaSet({
      FOLIO_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      FOLIO_SCHEDULER: 'service',
      FOLIO_PACK_SCHEDULE: '*/2 * * * * *',
      FOLIO_PACK_SCHEDULE_TZ: 'UTC',
      FOLIO_PACK_FRESH_BY: '07:00',
      FOLIO_PACK_CATCH_UP_DAYS: '2',
      FOLIO_PROVIDER: 'demo',
    });

    it('runs each date of the pack schedule once, whichever replica ticks first', async function () {
      this.timeout(180_000);
      const expected = expectedPackDate(new Date(), { timeZone: 'UTC', freshBy: '07:00' });
      // What every tick builds: the previous trading day. Before 07:00 UTC the freshness objective
      // still expects the pack of the trading day before that one, which only a catch-up builds.
      const ticked = previousTradingDay(localDateTime(new Date(), 'UTC').date);
      for (const r of set.replicas) {
        await until(
          `the pack of ${expected} on ${r.url}`,
          async () => ((await fetch(`${r.url}/health/pack`)).status === 200 ? true : undefined),
          150_000,
        );
      }
      // Every replica has ticked on the scheduled date since it was built, and found it done. A
      // tick comes every 2 s; the bound is for a CI machine whose two cores are busy elsewhere.
      for (const r of set.replicas) {
        await until(
          () =>
            `a skipped tick on ${r.url}; its scheduler said: ${JSON.stringify(
              r
                .logs()
                .filter((l) => l.msg.startsWith('scheduled'))
                .slice(-5)
                .map((l) => l.msg),
            )}`,
          () =>
            r.logs().some((l) => l.msg.startsWith('scheduled build-pack skipped') && l.date === ticked)
              ? true
              : undefined,
          60_000,
        );
      }
      const runs = await set
        .k('job_runs')
        .whereIn('job', ['build-pack', 'reconcile', 'mark-fresh'])
        .select('job', 'date', 'status', 'pid');
      const built = runs.filter((r) => r.job === 'build-pack' && r.status === 'success').map((r) => r.date as string);
      assert.ok(built.includes(expected) && built.includes(ticked), `built ${built.join(', ')}`);
      assert.equal(new Set(built).size, built.length, `one build per date: ${built.join(', ')}`);
      // Each step of a built date ran once, on whichever replica took the date's lock.
      for (const job of ['build-pack', 'reconcile', 'mark-fresh']) {
        const done = runs.filter((r) => r.job === job && r.status === 'success').map((r) => r.date as string);
        assert.deepEqual(done.sort(), [...built].sort(), `${job} once per date`);
      }
      const tickers = new Set(runs.filter((r) => r.job === 'build-pack' && r.date === ticked).map((r) => r.pid));
      assert.equal(tickers.size, 3, 'all three replicas ran the schedule for the date');
      assert.equal(runs.filter((r) => r.status === 'failure').length, 0, JSON.stringify(runs));
      const packs = await set.k('pricing_packs').whereIn('date', built).select('date', 'status');
      assert.deepEqual(
        packs.map((p) => p.status).sort(),
        built.map(() => 'fresh'),
      );
    });

    it('holds the per-key rate limit in total across the replicas', async () => {
      const { apiKey } = await createUserWithKey(set.k, `rate_${Date.now()}`);
      const replies: Reply[] = [];
      await pool(
        Array.from({ length: LIMIT * 3 }, () => 0),
        6,
        async () => void replies.push(await call(set.lb.url, 'GET', '/v1/patterns', { apiKey })),
      );
      const by = (status: number) => replies.filter((r) => r.status === status);
      assert.equal(by(200).length + by(429).length, replies.length, replies.map((r) => r.status).join(' '));
      // The burst takes a second or two; the window is the minute that began with its first request.
      assert.equal(by(200).length, LIMIT, 'one limit for the three replicas, not three');
      for (const r of set.replicas) {
        const served = replies.filter((x) => x.headers.get('x-served-by') === r.url);
        assert.ok(
          served.some((x) => x.status === 429),
          `${r.url} refused once the shared count was reached`,
        );
      }
      assert.equal(by(429)[0]!.code, 'rate_limited');
      // The limit is per key: the demo key still has its own minute.
      assert.equal((await call(set.lb.url, 'GET', '/v1/patterns')).status, 200);
      for (const r of set.replicas) {
        const metrics = await (await fetch(`${r.url}/metrics`)).text();
        assert.match(metrics, /^folio_rate_limit_store_errors_total 0$/m);
      }
    });
  });

  describe('under load, with retries and a replica killed', () => {
    const set = useReplicaSet({ FOLIO_RATE_LIMIT_PER_MINUTE: '1000000' });
    let date: string;
    let aapl: number;

    before(async function () {
      const { lb } = set;
      const pack = JSON.parse((await call(lb.url, 'GET', '/v1/packs?limit=1')).text).packs[0];
      date = pack.date;
      aapl = JSON.parse((await call(lb.url, 'GET', `/v1/packs/${pack.id}`)).text).prices.find(
        (p: { symbol: string }) => p.symbol === 'AAPL',
      ).close;
    });

    const newPortfolios = (n: number, name: string) =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const res = await call(set.lb.url, 'POST', '/v1/portfolios', {
            body: JSON.stringify({ name: `${name} ${i}`, base_currency: 'USD' }),
            type: 'application/json',
          });
          assert.equal(res.status, 201, res.text);
          return JSON.parse(res.text).id as string;
        }),
      );
    /** A small ledger: a deposit and a purchase, different for every `n`. */
    const ledger = (n: number) =>
      [HEADER, `${date},DEPOSIT,,,,${1000 + n},USD,,import ${n}`, `${date},BUY,AAPL,1,${aapl},,USD,,`].join('\n');
    const importLedger = (base: string, portfolio: string, n: number, key: string) =>
      call(base, 'POST', `/v1/portfolios/${portfolio}/transactions`, { body: ledger(n), type: 'text/csv', key });
    const commitsOf = async (portfolios: string[]) =>
      (await set.k('ledger_commits').whereIn('portfolio_id', portfolios).select('hash')).map((r) => r.hash as string);

    it('makes exactly one commit per key out of 1,000 imports each retried on another replica', async function () {
      this.timeout(300_000);
      const IMPORTS = 1000;
      const portfolios = await newPortfolios(8, 'retried');
      const run = `${process.pid}-${Date.now()}`;
      const hashes: string[] = [];
      await pool(
        Array.from({ length: IMPORTS }, (_, i) => i),
        16,
        async (i) => {
          const key = `import-${run}-${i}`;
          const portfolio = portfolios[i % portfolios.length]!;
          const first = await importLedger(set.replicas[i % 3]!.url, portfolio, i, key);
          assert.equal(first.status, 201, first.text);
          assert.equal(first.headers.get('idempotent-replayed'), null);
          const retry = await importLedger(set.replicas[(i + 1) % 3]!.url, portfolio, i, key);
          assert.equal(retry.status, 201, retry.text);
          assert.equal(retry.headers.get('idempotent-replayed'), 'true');
          assert.equal(retry.text, first.text, 'the retry gets the first answer, byte for byte');
          hashes.push(JSON.parse(first.text).ledger_commit_hash);
        },
      );
      const commits = await commitsOf(portfolios);
      assert.equal(commits.length, IMPORTS);
      assert.deepEqual([...commits].sort(), [...hashes].sort(), 'each answer names its own commit');
    });

    it('loses no acknowledged write when a replica is killed under load, and the others keep serving', async function () {
      this.timeout(300_000);
      const portfolios = await newPortfolios(4, 'killed');
      const run = `${process.pid}-${Date.now()}`;
      const victim = set.replicas[0]!;
      const survivors = set.replicas.slice(1).map((r) => r.url);
      let acknowledged = 0;
      let killedAt = -1; // acknowledged writes when the kill was sent
      let retried = 0;
      let replayed = 0;
      let executed = 0;
      const errors = new Map<string, number>();
      const seen = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);
      const servedAfterKill = new Map<string, number>();
      const done = () => killedAt >= 0 && acknowledged >= killedAt + 100;

      /** A client's import: on a lost connection or a 5xx it retries with the same key until it is answered. */
      const write = async (n: number): Promise<string> => {
        const key = `killed-${run}-${n}`;
        for (let attempt = 1; ; attempt++) {
          assert.ok(attempt <= 50, `import ${n} still unanswered after 50 attempts`);
          let res: Reply;
          try {
            res = await importLedger(set.lb.url, portfolios[n % portfolios.length]!, n, key);
          } catch (e) {
            seen(`import: connection error ${connectionCode(e)}`);
            retried++;
            continue;
          }
          if (res.status === 201) {
            acknowledged++;
            if (res.headers.get('idempotent-replayed')) replayed++;
            if (killedAt >= 0) {
              const by = res.headers.get('x-served-by')!;
              servedAfterKill.set(by, (servedAfterKill.get(by) ?? 0) + 1);
            }
            return JSON.parse(res.text).ledger_commit_hash as string;
          }
          seen(`import: ${res.status} ${res.code}`);
          assert.ok(res.status >= 500, `import ${n}: ${res.status} ${res.text}`);
          if (attempt === 1) retried++;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const acked: string[] = [];
      let next = 0;
      const writers = Array.from({ length: 8 }, async () => {
        while (!done()) acked.push(await write(next++));
      });
      const executes = Array.from({ length: 4 }, async () => {
        while (!done()) {
          try {
            const res = await call(set.lb.url, 'POST', '/v1/execute', {
              body: JSON.stringify({
                pattern_id: 'portfolio_overview',
                inputs: { portfolio_id: 'pf_demo_usd' },
                require_fresh: false,
              }),
              type: 'application/json',
            });
            if (res.status === 200) executed++;
            else seen(`execute: ${res.status} ${res.code}`);
          } catch (e) {
            seen(`execute: connection error ${connectionCode(e)}`);
          }
        }
      });
      await until('100 acknowledged imports before the kill', () => (acknowledged >= 100 ? true : undefined), 120_000);
      killedAt = acknowledged;
      const killed = await victim.stop('SIGKILL');
      assert.equal(killed.signal, 'SIGKILL');
      await Promise.all([...writers, ...executes]);

      console.log(
        `      kill -9 of one of 3 replicas after ${killedAt} acknowledged imports; ${acknowledged} imports and ` +
          `${executed} executes answered in all, ${retried} imports retried with their key (${replayed} of them ` +
          `committed before their answer was lost, answered on retry with the stored answer); errors seen by clients:`,
        Object.fromEntries(errors),
      );
      for (const url of survivors) assert.ok(servedAfterKill.get(url), `${url} went on serving imports`);
      assert.ok(!set.lb.inRotation().includes(victim.url), 'the balancer took the killed replica out');
      const commits = await commitsOf(portfolios);
      assert.equal(new Set(acked).size, acked.length, 'one commit per key, even for a write retried after a kill');
      assert.deepEqual(
        [...commits].sort(),
        [...acked].sort(),
        'every acknowledged import, and nothing else, is committed',
      );
    });
  });
});
