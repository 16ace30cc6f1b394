import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { todayUtc } from '../../../src/clock.js';
import { expectedPackDate } from '../../../src/domain/pack.js';
import { buildPack } from '../../../src/services/packs/build.js';
import { describeEachDb } from '../../support/databases.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { jobsDatabase, packsOn, providerFor, quietCtx, type JobsDb } from './support.js';

const SETTINGS = { minCoverage: 1, lockTtlSeconds: 30 };
const EXECUTE = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
/** The server's defaults: the previous trading day's pack is due by 07:00 UTC. */
const RULE = { freshBy: '07:00', timeZone: 'UTC' };

/** An HTTP market-data source (the http provider's wire format) that answers after `delayMs`, or 503s when `down`. */
async function slowSource(
  body: unknown,
  delayMs: number,
): Promise<{ url: string; down: boolean; close: () => Promise<void> }> {
  const source = { url: '', down: false, close: async () => {} };
  const server: Server = createServer((_req, res) => {
    if (source.down) return void res.writeHead(503).end('maintenance');
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  source.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  source.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return source;
}

/** Executes one request after another until `done` settles; every status seen, and the packs answers were pinned to. */
async function executeUntil(
  srv: TestServer,
  done: Promise<unknown>,
): Promise<{ statuses: number[]; packs: Set<string> }> {
  let finished = false;
  void done.finally(() => (finished = true));
  const statuses: number[] = [];
  const packs = new Set<string>();
  while (!finished) {
    const r = await srv.request('POST', '/v1/execute', { body: EXECUTE });
    statuses.push(r.status);
    // Paced like a busy client, well inside the per-key rate limit.
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (r.status === 200) packs.add(r.body.metadata.pricing_pack_id);
    else assert.fail(`execute during the build: ${r.status} ${r.text}`);
  }
  return { statuses, packs };
}

describeEachDb('jobs: a pack being built or failed turns no reader away', (dialect) => {
  let t: JobsDb;
  let db: Knex;
  let srv: TestServer;
  beforeEach(async () => {
    t = await jobsDatabase(dialect);
    db = t.open();
  });
  afterEach(async () => {
    await srv?.close();
    await db?.destroy();
    await t?.drop();
  });

  it('serves the expected fresh pack with no 503 while the next date fails and then builds slowly, and the new pack once it is fresh', async () => {
    // The pack the freshness objective expects now, fresh; the next date is today's.
    const expected = expectedPackDate(new Date(), RULE);
    const today = todayUtc();
    const ctx = quietCtx(db);
    const built = await buildPack(ctx, SETTINGS, {
      date: expected,
      provider: providerFor('demo'),
      markFresh: true,
      force: false,
    });
    assert.ok(built.ok, built.build.message);
    const snap = await providerFor('demo').snapshot({ date: expected, symbols: [], pairs: [] });
    const source = await slowSource({ date: today, prices: snap.prices, fx: snap.fx }, 3000);
    srv = await startTestServer(t, { FOLIO_CURRENT_STATE_TTL_MS: '0' });
    try {
      const provider = providerFor('http', { FOLIO_PROVIDER_HTTP_URL: source.url, FOLIO_PROVIDER_RETRIES: '0' });
      source.down = true;
      const failed = await buildPack(ctx, SETTINGS, { date: today, provider, markFresh: true, force: false });
      assert.equal(failed.build.status, 'failure');
      assert.deepEqual(
        (await packsOn(db, today)).map((p) => p.status),
        ['error'],
      );
      const afterFailure = await srv.request('POST', '/v1/execute', { body: EXECUTE });
      assert.equal(afterFailure.status, 200, afterFailure.text);
      assert.equal(afterFailure.body.metadata.pricing_pack_id, `PP_${expected}`);
      assert.deepEqual(afterFailure.body.notices ?? [], []);

      source.down = false;
      const slow = buildPack(ctx, SETTINGS, {
        date: today,
        provider: providerFor('http', { FOLIO_PROVIDER_HTTP_URL: source.url, FOLIO_PROVIDER_RETRIES: '0' }),
        markFresh: true,
        force: false,
      });
      const during = await executeUntil(srv, slow);
      const outcome = await slow;
      assert.ok(outcome.ok, outcome.build.message);
      // The source answers after 3 s, so requests overlap the warming pack however slow the machine is.
      assert.ok(during.statuses.length >= 1, 'requests were served while the pack was warming');
      assert.ok(during.packs.has(`PP_${expected}`), [...during.packs].join(', '));

      const after = await srv.request('POST', '/v1/execute', { body: EXECUTE });
      assert.equal(after.status, 200, after.text);
      assert.equal(after.body.metadata.pricing_pack_id, `PP_${today}`);
    } finally {
      await source.close();
    }
  });
});
