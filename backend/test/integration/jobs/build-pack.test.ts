import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import * as securities from '../../../src/db/repositories/securities.js';
import { buildPack } from '../../../src/services/packs/build.js';
import { markPackFresh } from '../../../src/services/packs/mark-fresh.js';
import { positionsOnDate } from '../../../src/services/packs/positions.js';
import { reconcilePack } from '../../../src/services/packs/reconcile.js';
import { describeEachDb } from '../../support/databases.js';
import { runFolio, tempDir } from '../../support/folio-process.js';
import { startTestServer } from '../../support/server.js';
import { jobRuns, jobsDatabase, packsOn, providerFor, quietCtx, writeCsvDay, type JobsDb } from './support.js';

/** The first trading day after the seeded demo data (which ends on Friday 2025-10-24). */
const DATE = '2025-10-27';
const SETTINGS = { minCoverage: 1, lockTtlSeconds: 30 };

/** An HTTP market-data source that is down: every request gets a 503, and they are counted. */
async function downSource(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    hits: () => hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describeEachDb('jobs: build-pack, reconcile, mark-fresh', (dialect) => {
  let t: JobsDb;
  let db: Knex;
  beforeEach(async () => {
    t = await jobsDatabase(dialect);
    db = t.open();
  });
  afterEach(async () => {
    await db?.destroy();
    await t?.drop();
  });

  it('builds a date once when two builders race in one process', async () => {
    const ctx = quietCtx(db);
    const provider = providerFor('demo');
    const [a, b] = await Promise.all([
      buildPack(ctx, SETTINGS, { date: DATE, provider, markFresh: true, force: false }),
      buildPack(ctx, SETTINGS, { date: DATE, provider, markFresh: true, force: false }),
    ]);
    assert.deepEqual(
      [a.build.status, b.build.status].sort(),
      ['skipped', 'success'],
      `${a.build.message} / ${b.build.message}`,
    );
    assert.deepEqual(await packsOn(db, DATE), [{ id: `PP_${DATE}`, status: 'fresh', price_count: 74, error: null }]);
    const builds = await jobRuns(db, 'build-pack');
    assert.deepEqual(builds.map((r) => r.status).sort(), ['skipped', 'success']);
    assert.equal((await jobRuns(db, 'mark-fresh')).filter((r) => r.status === 'success').length, 1);
  });

  it('builds a date once when two folio processes race', async () => {
    const [a, b] = await Promise.all([
      runFolio(['build-pack', '--date', DATE, '--mark-fresh', '--json'], { env: t.env, timeoutMs: 60_000 }),
      runFolio(['build-pack', '--date', DATE, '--mark-fresh', '--json'], { env: t.env, timeoutMs: 60_000 }),
    ]);
    assert.equal(a.code, 0, `${a.stdout}\n${a.stderr}`);
    assert.equal(b.code, 0, `${b.stdout}\n${b.stderr}`);
    const statuses = [JSON.parse(a.stdout).build.status, JSON.parse(b.stdout).build.status].sort();
    assert.deepEqual(statuses, ['skipped', 'success']);
    assert.deepEqual(
      (await packsOn(db, DATE)).map((p) => [p.id, p.status]),
      [[`PP_${DATE}`, 'fresh']],
    );
    assert.deepEqual((await jobRuns(db, 'build-pack')).map((r) => r.status).sort(), ['skipped', 'success']);
  });

  it('fails fast with a clear message when the provider is down, and fails without calling it once the breaker is open', async () => {
    const source = await downSource();
    try {
      const cli = await runFolio(['build-pack', '--date', DATE], {
        env: { ...t.env, FOLIO_PROVIDER: 'http', FOLIO_PROVIDER_HTTP_URL: source.url, FOLIO_PROVIDER_RETRIES: '0' },
        timeoutMs: 60_000,
      });
      assert.equal(cli.code, 1, cli.stderr);
      assert.match(
        cli.stderr,
        /build-pack: failure: dependency_unavailable: http market data is unavailable: .*HTTP 503/,
      );
      assert.deepEqual(await packsOn(db, DATE).then((p) => p.map((x) => x.status)), ['error']);
      assert.match((await packsOn(db, DATE))[0]!.error!, /HTTP 503/);

      const ctx = quietCtx(db);
      const provider = providerFor('http', {
        FOLIO_PROVIDER_HTTP_URL: source.url,
        FOLIO_PROVIDER_RETRIES: '0',
        FOLIO_BREAKER_VOLUME_THRESHOLD: '1',
        FOLIO_BREAKER_RESET_TIMEOUT_MS: '600000',
      });
      const first = await buildPack(ctx, SETTINGS, { date: DATE, provider, markFresh: false, force: false });
      assert.equal(first.build.status, 'failure');
      const hits = source.hits();
      const started = Date.now();
      const second = await buildPack(ctx, SETTINGS, { date: DATE, provider, markFresh: false, force: false });
      assert.equal(second.build.status, 'failure');
      assert.match(second.build.message, /dependency_unavailable: http market data is unavailable: circuit open/);
      assert.equal(source.hits(), hits, 'an open breaker does not call the source');
      assert.ok(Date.now() - started < 2000, 'fails fast');
      // Each failed build reused the error pack in place: still one version.
      assert.deepEqual(
        (await packsOn(db, DATE)).map((p) => [p.id, p.status]),
        [[`PP_${DATE}`, 'error']],
      );
      assert.deepEqual(
        (await jobRuns(db, 'build-pack')).map((r) => r.status),
        ['failure', 'failure', 'failure'],
      );
    } finally {
      await source.close();
    }
  });

  it('ends a build that cannot value a held security in error, naming the symbol and the portfolio', async () => {
    const held = (await positionsOnDate(db, DATE, await securities.all(db))).find(
      (p) => p.portfolioId === 'pf_demo_usd',
    )!;
    const missing = [...held.at.securities.keys()][0]!;
    const snap = await providerFor('demo').snapshot({ date: DATE, symbols: [], pairs: [] });
    const dir = tempDir('folio-csv-');
    try {
      writeCsvDay(
        dir.path,
        DATE,
        snap.prices.filter((p) => p.symbol !== missing),
        snap.fx,
      );
      const r = await runFolio(['build-pack', '--date', DATE, '--provider', 'csv', '--mark-fresh'], {
        env: { ...t.env, FOLIO_PROVIDER_CSV_DIR: dir.path, FOLIO_PACK_MIN_COVERAGE: '1' },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        new RegExp(
          `PP_${DATE} is error: coverage [\\d.]+% is below the minimum 100%: missing prices: ${missing} \\(held by [^)]*pf_demo_usd\\)`,
        ),
      );
      const [pack] = await packsOn(db, DATE);
      assert.equal(pack!.status, 'error');
      assert.match(pack!.error!, new RegExp(`missing prices: ${missing} \\(held by [^)]*pf_demo_usd\\)`));
      assert.deepEqual(
        (await jobRuns(db)).map((x) => [x.job, x.status]),
        [['build-pack', 'failure']],
        'no reconcile or mark-fresh after a failed build',
      );

      // The same data passes under the default minimum (0.9); the gap is still reported.
      const ok = await runFolio(['build-pack', '--date', DATE, '--provider', 'csv'], {
        env: { ...t.env, FOLIO_PROVIDER_CSV_DIR: dir.path },
        timeoutMs: 60_000,
      });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(
        ok.stdout,
        new RegExp(
          `build-pack: success: PP_${DATE} built from csv: 73 prices, 5 FX rates \\(coverage [\\d.]+%: missing prices: ${missing}`,
        ),
      );
      assert.deepEqual(
        (await packsOn(db, DATE)).map((p) => [p.id, p.status, p.price_count]),
        [[`PP_${DATE}`, 'warming', 73]],
      );
    } finally {
      dir.remove();
    }
  });

  it('reconciles clean data, catches tampered positions and prices, and mark-fresh waits for a pass unless forced', async () => {
    const ctx = quietCtx(db);
    const id = `PP_${DATE}`;
    const built = await buildPack(ctx, SETTINGS, {
      date: DATE,
      provider: providerFor('demo'),
      markFresh: false,
      force: false,
    });
    assert.equal(built.build.status, 'success', built.build.message);

    const refused = await markPackFresh(ctx, id, { force: false });
    assert.equal(refused.status, 'failure');
    assert.match(refused.message, /has not passed reconciliation/);
    assert.equal((await packsOn(db, DATE))[0]!.status, 'warming');

    // A position changed after the build: the stored-positions path disagrees with the ledger.
    const row = await db('pack_positions')
      .where({ pack_id: id, portfolio_id: 'pf_demo_eur', kind: 'security' })
      .orderBy('code')
      .first();
    await db('pack_positions')
      .where({ pack_id: id, portfolio_id: 'pf_demo_eur', kind: 'security', code: row.code })
      .update({ quantity: Number(row.quantity) + 100 });
    const tamperedPositions = await reconcilePack(ctx, id);
    assert.equal(tamperedPositions.status, 'failure');
    assert.match(
      tamperedPositions.message,
      /portfolio pf_demo_eur: ledger replay NAV [\d.]+ EUR vs stored positions [\d.]+ EUR \(difference [\d.]+ EUR, [\d.]+ bp\)/,
    );
    assert.doesNotMatch(tamperedPositions.message, /pf_demo_usd|pf_demo_cad/);
    await db('pack_positions')
      .where({ pack_id: id, portfolio_id: 'pf_demo_eur', kind: 'security', code: row.code })
      .update({ quantity: row.quantity });

    // A close changed after the build: the hash and the value recorded at build both disagree.
    const usd = (await positionsOnDate(db, DATE, await securities.all(db))).find(
      (p) => p.portfolioId === 'pf_demo_usd',
    )!;
    const symbol = [...usd.at.securities.keys()][0]!;
    const price = await db('prices').where({ pack_id: id, symbol }).first('close');
    await db('prices')
      .where({ pack_id: id, symbol })
      .update({ close: Number(price.close) * 1.05 });
    const tamperedPrice = await reconcilePack(ctx, id);
    assert.equal(tamperedPrice.status, 'failure');
    assert.match(tamperedPrice.message, /not the recorded content hash/);
    assert.match(
      tamperedPrice.message,
      /portfolio pf_demo_usd: ledger replay NAV [\d.]+ USD vs value recorded at build [\d.]+ USD/,
    );
    const forcedTampered = await markPackFresh(ctx, id, { force: true });
    assert.equal(forcedTampered.status, 'failure', 'even --force never publishes rows that no longer match their hash');
    assert.match(forcedTampered.message, /data changed after the build/);
    await db('prices').where({ pack_id: id, symbol }).update({ close: price.close });

    const clean = await reconcilePack(ctx, id);
    assert.equal(clean.status, 'success', clean.message);
    assert.match(clean.message, /3 portfolios agree within 1 bp; content hash verified/);
    const marked = await markPackFresh(ctx, id, { force: false });
    assert.equal(marked.status, 'success', marked.message);
    assert.deepEqual(marked.details.forced, false);
    assert.deepEqual(
      await db('pricing_packs')
        .where({ id })
        .first('status', 'fresh_forced')
        .then((r) => [r.status, Boolean(Number(r.fresh_forced))]),
      ['fresh', false],
    );
  });

  it('mark-fresh --force publishes an unreconciled pack and records that it was forced', async () => {
    const built = await runFolio(['build-pack', '--date', DATE], { env: t.env, timeoutMs: 60_000 });
    assert.equal(built.code, 0, built.stderr);
    const refused = await runFolio(['mark-fresh', `PP_${DATE}`], { env: t.env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /has not passed reconciliation; run folio reconcile PP_2025-10-27 first/);
    const forced = await runFolio(['mark-fresh', `PP_${DATE}`, '--force', '--json'], { env: t.env });
    assert.equal(forced.code, 0, forced.stderr);
    const report = JSON.parse(forced.stdout).mark_fresh;
    assert.match(report.message, /is fresh WITHOUT a passing reconciliation/);
    assert.equal(report.details.forced, true);
    const pack = await db('pricing_packs')
      .where({ id: `PP_${DATE}` })
      .first('status', 'fresh_forced', 'reconciled_at');
    assert.deepEqual([pack.status, Boolean(Number(pack.fresh_forced)), pack.reconciled_at], ['fresh', true, null]);
    const runs = await jobRuns(db, 'mark-fresh');
    assert.deepEqual(
      runs.map((r) => [r.status, JSON.parse(r.details ?? '{}').forced ?? null]),
      [
        ['failure', null],
        ['success', true],
      ],
    );
  });

  it('a forced rebuild becomes PP_<date>.v2, supersedes the old version once fresh, and old pins still replay', async () => {
    const ctx = quietCtx(db);
    const first = await buildPack(ctx, SETTINGS, {
      date: DATE,
      provider: providerFor('demo'),
      markFresh: true,
      force: false,
    });
    assert.ok(first.ok, first.build.message);
    const srv = await startTestServer(t, { FOLIO_CURRENT_STATE_TTL_MS: '0' });
    try {
      const run = await srv.request('POST', '/v1/execute', {
        body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } },
      });
      assert.equal(run.status, 200, run.text);
      assert.equal(run.body.metadata.pricing_pack_id, `PP_${DATE}`);

      const again = await buildPack(ctx, SETTINGS, {
        date: DATE,
        provider: providerFor('demo'),
        markFresh: false,
        force: false,
      });
      assert.equal(again.build.status, 'skipped');
      assert.match(again.build.message, /already fresh; nothing to do/);

      const rebuilt = await buildPack(ctx, SETTINGS, {
        date: DATE,
        provider: providerFor('demo'),
        markFresh: false,
        force: true,
      });
      assert.equal(rebuilt.build.pack_id, `PP_${DATE}.v2`);
      // While v2 warms, requests keep being served from the fresh v1.
      const during = await srv.request('POST', '/v1/execute', {
        body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } },
      });
      assert.equal(during.status, 200, during.text);
      assert.equal(during.body.metadata.pricing_pack_id, `PP_${DATE}`);

      assert.equal((await reconcilePack(ctx, `PP_${DATE}.v2`)).status, 'success');
      const marked = await markPackFresh(ctx, `PP_${DATE}.v2`, { force: false });
      assert.deepEqual(marked.details.superseded, [`PP_${DATE}`]);
      assert.deepEqual(
        (await packsOn(db, DATE)).map((p) => [p.id, p.status]),
        [
          [`PP_${DATE}`, 'superseded'],
          [`PP_${DATE}.v2`, 'fresh'],
        ],
      );

      const after = await srv.request('POST', '/v1/execute', {
        body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } },
      });
      assert.equal(after.body.metadata.pricing_pack_id, `PP_${DATE}.v2`);
      assert.equal(after.body.metadata.asof_date, DATE);
      const replay = await srv.request('POST', `/v1/executions/${run.body.metadata.request_id}/replay`);
      assert.equal(replay.status, 200, replay.text);
      assert.equal(replay.body.match, true);
      assert.equal(replay.body.metadata.pricing_pack_id, `PP_${DATE}`);
      const pack = await srv.request('GET', `/v1/packs/PP_${DATE}.v2`);
      assert.equal(pack.status, 200);
      assert.equal(pack.body.status, 'fresh');
    } finally {
      await srv.close();
    }
  });
});
