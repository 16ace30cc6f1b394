import assert from 'node:assert/strict';
import { expectedPackDate, packDueAt } from '../../../src/domain/pack.js';
import { describeEachDb, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
/** The test server's defaults (FOLIO_PACK_FRESH_BY, FOLIO_PACK_SCHEDULE_TZ). */
const rule = { freshBy: '07:00', timeZone: 'UTC' };

describeEachDb('service states', (dialect) => {
  let db: TestDatabase;
  before(async () => {
    db = await seededDatabase(dialect);
  });
  after(async () => {
    await db?.drop();
  });

  async function withServer(env: Record<string, string>, fn: (srv: TestServer) => Promise<void>) {
    const srv = await startTestServer(db, env);
    try {
      await fn(srv);
    } finally {
      await srv.close();
    }
  }

  it('503 pricing_pack_warming while the newest pack warms, unless require_fresh is false', async () => {
    const k = db.open();
    const newest = await k('pricing_packs').orderBy('date', 'desc').first();
    // The pack the freshness objective expects now, warming: newer than the demo data.
    const nextDate = expectedPackDate(new Date(), rule);
    await k('pricing_packs').insert({
      id: `PP_${nextDate}`,
      date: nextDate,
      status: 'warming',
      source: 'test',
      price_count: 0,
      fx_count: 0,
      created_at: new Date().toISOString(),
    });
    try {
      await withServer({ FOLIO_PACK_BUILD_ESTIMATE_SECONDS: '120' }, async (srv) => {
        const res = await srv.request('POST', '/v1/execute', { body });
        assert.equal(res.status, 503);
        assert.equal(res.body.error, 'pricing_pack_warming');
        assert.equal(res.body.details.pricing_pack_id, `PP_${nextDate}`);
        assert.equal(res.body.details.status, 'warming');
        assert.ok(Date.parse(res.body.details.estimated_ready) > Date.now());
        const retry = Number(res.headers.get('retry-after'));
        assert.ok(retry >= 1 && retry <= 120, `Retry-After ${retry}`);

        const stale = await srv.request('POST', '/v1/execute', { body: { ...body, require_fresh: false } });
        assert.equal(stale.status, 200, stale.text);
        assert.equal(stale.body.metadata.pricing_pack_id, newest.id);
        assert.deepEqual(
          stale.body.warnings.map((w: any) => w.code),
          ['stale_pricing_pack'],
        );

        const pinnedWarming = await srv.request('POST', '/v1/execute', {
          body: { ...body, pricing_pack_id: `PP_${nextDate}` },
        });
        assert.equal(pinnedWarming.status, 503);

        const health = await srv.request('GET', '/health/pack');
        assert.equal(health.status, 503);
        assert.equal(health.body.status, 'warming');
        assert.equal(health.body.newest_fresh.id, newest.id);
      });
    } finally {
      await k('pricing_packs')
        .where({ id: `PP_${nextDate}` })
        .delete();
      await k.destroy();
    }
  });

  it('429 rate_limited with Retry-After past the per-key limit', async () => {
    await withServer({ FOLIO_RATE_LIMIT_PER_MINUTE: '3' }, async (srv) => {
      for (let i = 0; i < 3; i++) assert.equal((await srv.request('GET', '/v1/patterns')).status, 200);
      const res = await srv.request('GET', '/v1/patterns');
      assert.equal(res.status, 429);
      assert.equal(res.body.error, 'rate_limited');
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    });
  });

  it('504 timeout when a pattern runs past its deadline', async () => {
    await withServer({ FOLIO_PATTERN_TIMEOUT_MS: '1', FOLIO_RESULT_CACHE_SIZE: '0' }, async (srv) => {
      const res = await srv.request('POST', '/v1/execute', { body });
      assert.equal(res.status, 504);
      assert.equal(res.body.error, 'timeout');
      const rec = await srv.request('GET', `/v1/executions/${res.body.request_id}`);
      assert.equal(rec.body.status, 'error');
      assert.equal(rec.body.error_code, 'timeout');
    });
  });

  it('503 dependency_unavailable with Retry-After and without internals when a table is missing', async () => {
    await withServer({ FOLIO_RESULT_CACHE_SIZE: '0' }, async (srv) => {
      const k = db.open();
      await k.schema.renameTable('fx_rates', 'fx_rates_gone');
      try {
        const res = await srv.request('POST', '/v1/execute', { body });
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '5');
        assert.deepEqual(Object.keys(res.body).sort(), ['details', 'error', 'message', 'request_id', 'trace_id']);
        assert.equal(res.body.error, 'dependency_unavailable');
        assert.deepEqual(res.body.details, { dependency: 'database', reason: 'missing_table' });
        assert.doesNotMatch(res.text, /fx_rates|select|sqlite|relation/i);
      } finally {
        await k.schema.renameTable('fx_rates_gone', 'fx_rates');
        await k.destroy();
      }
    });
  });

  it('health endpoints report live, ready, and the pack as the freshness objective judges it', async () => {
    await withServer({}, async (srv) => {
      assert.equal((await srv.request('GET', '/health/live')).status, 200);
      const ready = await srv.request('GET', '/health/ready');
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body.checks, { database: 'ok', migrations: 'ok' });
      // The demo data ends long before the pack expected now: stale, whatever the newest pack's status.
      const expected = expectedPackDate(new Date(), rule);
      const stale = await srv.request('GET', '/health/pack');
      assert.equal(stale.status, 503);
      assert.equal(stale.body.status, 'missing');
      assert.equal(stale.body.expected_date, expected);
      assert.equal(stale.body.newest.status, 'fresh');
      const due = packDueAt(stale.body.newest_fresh.date, rule).getTime();
      assert.ok(
        Math.abs(stale.body.newest_fresh.age_seconds - (Date.now() - due) / 1000) < 60,
        JSON.stringify(stale.body),
      );

      const k = db.open();
      await k('pricing_packs').insert({
        id: `PP_${expected}`,
        date: expected,
        status: 'fresh',
        source: 'test',
        price_count: 0,
        fx_count: 0,
        created_at: new Date().toISOString(),
        fresh_at: new Date().toISOString(),
      });
      try {
        const fresh = await srv.request('GET', '/health/pack');
        assert.equal(fresh.status, 200, fresh.text);
        assert.equal(fresh.body.status, 'fresh');
        assert.equal(fresh.body.newest_fresh.id, `PP_${expected}`);
        assert.ok(fresh.body.newest_fresh.age_seconds < 4 * 86_400, 'a fresh pack is at most a few days old');
      } finally {
        await k('pricing_packs')
          .where({ id: `PP_${expected}` })
          .delete();
        await k.destroy();
      }
    });
  });

  it('openapi.json describes every route', async () => {
    await withServer({}, async (srv) => {
      const res = await srv.request('GET', '/openapi.json');
      assert.equal(res.status, 200);
      assert.equal(res.body.openapi, '3.1.0');
      for (const p of [
        '/v1/execute',
        '/v1/executions/{request_id}',
        '/v1/executions/{request_id}/replay',
        '/v1/patterns',
        '/v1/patterns/{id}',
        '/v1/portfolios',
        '/v1/portfolios/{id}',
        '/v1/portfolios/{id}/transactions',
        '/v1/portfolios/{id}/ledger/verify',
        '/v1/packs',
        '/v1/packs/{id}',
        '/health/live',
        '/health/ready',
        '/health/pack',
        '/openapi.json',
      ]) {
        assert.ok(res.body.paths[p], `documents ${p}`);
      }
      const codes = JSON.stringify(res.body.paths['/v1/execute'].post.responses);
      for (const s of ['400', '401', '404', '413', '429', '503', '504', '500'])
        assert.ok(codes.includes(`"${s}"`), `execute documents ${s}`);
    });
  });

  it('finishes an in-flight request on shutdown and then refuses new connections', async () => {
    const srv = await startTestServer(db, { FOLIO_RESULT_CACHE_SIZE: '0' });
    const started = new Promise((r) => srv.running.server.once('request', r));
    const inflight = srv.request('POST', '/v1/execute', { body });
    await started;
    const closing = srv.close();
    const res = await inflight;
    await closing;
    assert.equal(res.status, 200);
    await assert.rejects(fetch(`${srv.url}/health/live`));
  });
});
