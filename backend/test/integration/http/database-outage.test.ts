import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { hideTable, refuseConnections } from '../../support/database-outage.js';
import {
  DEMO_KEY,
  describeEachDb,
  requirePostgres,
  seededDatabase,
  type TestDatabase,
} from '../../support/databases.js';
import { startService, type ServiceProcess } from '../../support/folio-process.js';
import { useSeededServer, type TestResponse, type TestServer } from '../../support/server.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

const EXECUTE = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
const CSV = 'date,type,symbol,quantity,price,amount,currency,fee,note\n2025-10-24,DEPOSIT,,,,100,USD,,outage\n';

/** One call on each kind of /v1 route that reads or writes the database. */
const V1_CALLS: { method: string; path: string; body?: unknown; raw?: string; headers?: Record<string, string> }[] = [
  { method: 'POST', path: '/v1/execute', body: EXECUTE },
  { method: 'GET', path: '/v1/portfolios' },
  { method: 'GET', path: '/v1/portfolios/pf_demo_usd' },
  { method: 'POST', path: '/v1/portfolios', body: { name: 'during the outage', base_currency: 'USD' } },
  {
    method: 'POST',
    path: '/v1/portfolios/pf_demo_usd/transactions',
    raw: CSV,
    headers: { 'content-type': 'text/csv' },
  },
  { method: 'GET', path: '/v1/packs' },
  { method: 'GET', path: '/v1/executions/no-such-execution' },
];

/** The 503 of a database that cannot serve: Retry-After, the envelope, and nothing of the database's own words. */
function assertUnavailable(res: TestResponse, reasons: string | readonly string[], what: string): void {
  assert.equal(res.status, 503, `${what}: ${res.text}`);
  assert.equal(res.headers.get('retry-after'), '5', what);
  assert.equal(res.body.error, 'dependency_unavailable', what);
  assert.deepEqual(Object.keys(res.body.details), ['dependency', 'reason'], what);
  assert.equal(res.body.details.dependency, 'database', what);
  assert.ok([reasons].flat().includes(res.body.details.reason), `${what}: ${res.text}`);
  assert.equal(typeof res.body.message, 'string');
  assert.equal(typeof res.body.request_id, 'string');
  // The random ids are left out: a hex trace id can contain 5432.
  const { request_id: _id, trace_id: _trace, ...said } = res.body as Record<string, unknown>;
  assert.doesNotMatch(
    JSON.stringify(said),
    /select|insert|update|relation|portfolios"|pricing_packs|api_keys|folio_t_|127\.0\.0\.1|5432|sqlite|postgres/i,
    what,
  );
}

/** Value of one exposed sample, by its exact name and label text; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const EXECUTE_503 = 'folio_execute_requests_total{pattern="portfolio_overview",code="503"}';
const SOURCE_UP = 'folio_metrics_source_up{source="database"}';

/** /health/pack read the packs: it reports their freshness (the demo data's pack is long stale, so a 503 of its own). */
function assertPackHealth(res: TestResponse): void {
  assert.ok(res.status === 200 || res.status === 503, res.text);
  assert.equal(typeof res.body.expected_date, 'string', res.text);
  assert.equal(res.body.newest_fresh.id, 'PP_2025-10-24', res.text);
}

async function assertHealthy(srv: TestServer): Promise<void> {
  const res = await srv.request('POST', '/v1/execute', { body: EXECUTE });
  assert.equal(res.status, 200, res.text);
  const ready = await srv.request('GET', '/health/ready');
  assert.equal(ready.status, 200, ready.text);
  assert.deepEqual(ready.body, { status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  assertPackHealth(await srv.request('GET', '/health/pack'));
  const metrics = await srv.request('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.equal(sample(metrics.text, SOURCE_UP), 1);
  assert.ok(sample(metrics.text, 'folio_pack_fresh') !== undefined, 'the pack metrics are back');
}

/**
 * While the outage lasts: every /v1 call is a 503 naming the reason, readiness and pack health
 * are 503, and /metrics answers 200 with the 503s counted and the database marked unread.
 */
async function assertOutage(
  srv: TestServer,
  reasons: string | readonly string[],
  opts: { calls?: typeof V1_CALLS; packsReadable?: boolean } = {},
): Promise<void> {
  const calls = opts.calls ?? V1_CALLS;
  const before = sample((await srv.request('GET', '/metrics')).text, EXECUTE_503) ?? 0;
  let executes = 0;
  for (const call of calls) {
    const res = await srv.request(call.method, call.path, call);
    assertUnavailable(res, reasons, `${call.method} ${call.path}`);
    if (call.path === '/v1/execute') executes++;
  }
  const ready = await srv.request('GET', '/health/ready');
  assert.equal(ready.status, 503, ready.text);
  assert.deepEqual(Object.keys(ready.body.checks), ['database'], ready.text);
  assert.ok([reasons].flat().includes(ready.body.checks.database), ready.text);
  const pack = await srv.request('GET', '/health/pack');
  if (opts.packsReadable) assertPackHealth(pack);
  else assertUnavailable(pack, reasons, 'GET /health/pack');

  // One database read serves the scrapes of half a second (pack-metrics.ts); this one reads anew.
  await new Promise((r) => setTimeout(r, 600));
  const metrics = await srv.request('GET', '/metrics');
  assert.equal(metrics.status, 200, metrics.text);
  assert.equal(sample(metrics.text, SOURCE_UP), opts.packsReadable ? 1 : 0);
  assert.equal(sample(metrics.text, EXECUTE_503), before + executes);
  assert.ok(
    (sample(metrics.text, 'folio_http_requests_total{method="GET",route="/v1/portfolios",code="503"}') ?? 0) >= 1,
  );
  assert.ok(sample(metrics.text, 'folio_process_cpu_seconds_total')! > 0, 'process metrics still served');
  if (!opts.packsReadable)
    assert.equal(sample(metrics.text, 'folio_pack_fresh'), undefined, 'what could not be read is left out');
}

describeEachDb(
  'a database that cannot serve: 503 dependency_unavailable, visible in /metrics, recovered without restart',
  (dialect) => {
    const ctx = useSeededServer(dialect, { FOLIO_DB_PROBE_TIMEOUT_MS: '3000' });

    it('a table the service needs is gone: 503 missing_table, and served again once it is back', async () => {
      const restore = await hideTable(ctx.db, 'portfolios');
      try {
        // Packs are still readable, so pack health and the pack metrics are too.
        await assertOutage(ctx.srv, 'missing_table', { calls: V1_CALLS.slice(0, 3), packsReadable: true });
      } finally {
        await restore();
      }
      await assertHealthy(ctx.srv);
    });

    if (dialect === 'postgres') {
      it('the database refuses connections and its sessions are terminated: 503 everywhere, then served again', async () => {
        await assertHealthy(ctx.srv);
        const restore = await refuseConnections(ctx.db);
        try {
          // A pooled session learns of its termination on its next use (57P01 or a reset socket);
          // new ones are refused.
          await assertOutage(ctx.srv, ['not_accepting_connections', 'connection']);
        } finally {
          await restore();
        }
        await assertHealthy(ctx.srv);
      });
    } else {
      it('another process holds the write lock past the busy timeout: a write is 503 lock_timeout, then succeeds', async () => {
        const k: Knex = ctx.db.open();
        const trx = await k.transaction();
        try {
          await trx.raw('update portfolios set name = name');
          const res = await ctx.srv.request('POST', '/v1/portfolios', {
            body: { name: 'while locked', base_currency: 'USD' },
          });
          assertUnavailable(res, 'lock_timeout', 'POST /v1/portfolios');
        } finally {
          await trx.rollback();
          await k.destroy();
        }
        const res = await ctx.srv.request('POST', '/v1/portfolios', {
          body: { name: 'after the lock', base_currency: 'USD' },
        });
        assert.equal(res.status, 201, res.text);
      });
    }
  },
);

/**
 * A database host that stops answering (a hung server, a network partition): `folio serve`
 * reaches PostgreSQL through a proxy that cuts the open connections and leaves new ones
 * unanswered. Requests wait at most FOLIO_DB_ACQUIRE_TIMEOUT_MS for a connection.
 */
describe('a hung database: 503 pool_timeout within the acquire timeout, knex messages as log lines [postgres]', () => {
  requirePostgres('hung database');
  let db: TestDatabase;
  let proxy: TcpProxy;
  let svc: ServiceProcess;

  before(async () => {
    db = await seededDatabase('postgres');
    const url = new URL(db.config.DATABASE_URL!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    svc = await startService({
      DATABASE_URL: url.toString(),
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      FOLIO_SEED_DEMO: 'false',
      FOLIO_DEMO_API_KEY: DEMO_KEY,
      FOLIO_DB_ACQUIRE_TIMEOUT_MS: '500',
      FOLIO_DB_PROBE_TIMEOUT_MS: '1000',
    });
  });
  after(async () => {
    await svc?.stop();
    await proxy?.close();
    await db?.drop();
  });

  const request = async (method: string, path: string): Promise<TestResponse> => {
    const res = await fetch(svc.url + path, { method, headers: { authorization: `Bearer ${DEMO_KEY}` } });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
  };

  it('answers /v1 with 503 pool_timeout and Retry-After while it hangs, logs through the logger, and recovers', async () => {
    assert.equal((await request('GET', '/v1/portfolios')).status, 200);

    proxy.hang();
    try {
      for (const path of ['/v1/portfolios', '/v1/packs'])
        assertUnavailable(await request('GET', path), 'pool_timeout', path);
      const ready = await request('GET', '/health/ready');
      assert.equal(ready.status, 503, ready.text);
    } finally {
      proxy.resume();
    }
    assert.equal((await request('GET', '/v1/portfolios')).status, 200, 'served again without a restart');

    // knex's own warning about the failed acquisition is a log line of the service; nothing is
    // printed beside the JSON log lines.
    const warning = svc.logs().find((l) => l.component === 'knex' && /Acquire connection error/.test(l.msg));
    assert.ok(warning, svc.stdout());
    assert.equal(warning.level, 40);
    for (const line of svc
      .stdout()
      .split('\n')
      .filter((l) => l.trim() !== ''))
      assert.doesNotThrow(() => JSON.parse(line), `not a log line: ${line}`);
    assert.equal(svc.stderr(), '');
  });
});
