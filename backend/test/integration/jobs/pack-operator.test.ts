import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { todayUtc } from '../../../src/clock.js';
import { addDays } from '../../../src/domain/dates.js';
import { describeEachDb } from '../../support/databases.js';
import { runFolio, type Finished } from '../../support/folio-process.js';
import { startTestServer } from '../../support/server.js';
import { jobRuns, jobsDatabase, packsOn, type JobsDb } from './support.js';

/** The first trading day after the seeded demo data (which ends on Friday 2025-10-24). */
const DATE = '2025-10-27';
const EXECUTE = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };

const show = (r: Finished) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** Every row a build could leave behind: packs, job runs and SQLite job-lock leases. */
async function footprint(db: Knex): Promise<{ packs: number; runs: number; locks: number }> {
  const count = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n ?? 0);
  return { packs: await count('pricing_packs'), runs: await count('job_runs'), locks: await count('job_locks') };
}

/** An HTTP market-data source that answers every request with a 503. */
async function downSource(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(503).end('maintenance'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describeEachDb('jobs: operator commands cannot strand the service', (dialect) => {
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

  it('build-pack refuses future dates and dates before the calendar with exit 2, writing nothing, while requests keep succeeding', async () => {
    const srv = await startTestServer(t, { FOLIO_CURRENT_STATE_TTL_MS: '0' });
    try {
      const before = await footprint(db);
      const tomorrow = addDays(todayUtc(), 1);
      const cases: [string[], RegExp][] = [
        [['--date', tomorrow], new RegExp(`${tomorrow} is in the future \\(today is ${todayUtc()} UTC\\)`)],
        [['--date', '2021-12-31', '--mark-fresh'], /2021-12-31 is before the trading calendar's range .*2022-01-01/],
        [['--from', '2021-12-20', '--to', '2022-01-07'], /2021-12-20 is before the trading calendar's range/],
        [['--from', DATE, '--to', tomorrow, '--mark-fresh'], new RegExp(`${tomorrow} is in the future`)],
      ];
      for (const [args, message] of cases) {
        const r = await runFolio(['build-pack', ...args, '--json'], { env: t.env, timeoutMs: 60_000 });
        assert.equal(r.code, 2, show(r));
        assert.match(r.stderr, message);
        assert.equal(r.stdout, '');
        assert.deepEqual(await footprint(db), before, `nothing written by build-pack ${args.join(' ')}`);
        const served = await srv.request('POST', '/v1/execute', { body: EXECUTE });
        assert.equal(served.status, 200, served.text);
      }
    } finally {
      await srv.close();
    }
  });

  it('packs retire takes an error pack out of /health/pack and the newest pack, records a job run, and refuses fresh packs', async () => {
    const source = await downSource();
    try {
      const failed = await runFolio(['build-pack', '--date', DATE], {
        env: { ...t.env, FOLIO_PROVIDER: 'http', FOLIO_PROVIDER_HTTP_URL: source.url, FOLIO_PROVIDER_RETRIES: '0' },
        timeoutMs: 60_000,
      });
      assert.equal(failed.code, 1, show(failed));
    } finally {
      await source.close();
    }
    assert.deepEqual(
      (await packsOn(db, DATE)).map((p) => p.status),
      ['error'],
    );
    const srv = await startTestServer(t, { FOLIO_CURRENT_STATE_TTL_MS: '0' });
    try {
      assert.equal((await srv.request('GET', '/v1/packs?status=error')).body.packs.length, 1);

      const retired = await runFolio(['packs', 'retire', `PP_${DATE}`, '--json'], { env: t.env });
      assert.equal(retired.code, 0, show(retired));
      const report = JSON.parse(retired.stdout).retire;
      assert.equal(report.status, 'success');
      assert.equal(report.job, 'retire-pack');
      assert.equal(report.pack_id, `PP_${DATE}`);
      assert.match(report.message, new RegExp(`PP_${DATE} is retired \\(it was error: .*HTTP 503`));
      assert.deepEqual(
        (await packsOn(db, DATE)).map((p) => [p.id, p.status]),
        [[`PP_${DATE}`, 'retired']],
      );
      const runs = await jobRuns(db, 'retire-pack');
      assert.deepEqual(
        runs.map((r) => [r.status, r.pack_id]),
        [['success', `PP_${DATE}`]],
      );

      const health = await srv.request('GET', '/health/pack');
      assert.equal(health.body.newest.status, 'fresh', health.text);
      assert.notEqual(health.body.status, 'error');
      const listed = await srv.request('GET', '/v1/packs?status=retired');
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(
        listed.body.packs.map((p: { id: string }) => p.id),
        [`PP_${DATE}`],
      );
      const pinned = await srv.request('POST', '/v1/execute', { body: { ...EXECUTE, pricing_pack_id: `PP_${DATE}` } });
      assert.equal(pinned.status, 404, pinned.text);
      assert.equal(pinned.body.error, 'pricing_pack_not_found');
      const served = await srv.request('POST', '/v1/execute', { body: EXECUTE });
      assert.equal(served.status, 200, served.text);
      assert.equal(served.body.metadata.pricing_pack_id, 'PP_2025-10-24');

      const again = await runFolio(['packs', 'retire', `PP_${DATE}`], { env: t.env });
      assert.equal(again.code, 0, show(again));
      assert.match(again.stdout, new RegExp(`retire-pack: skipped: PP_${DATE} is already retired`));

      const fresh = await runFolio(['packs', 'retire', 'PP_2025-10-24'], { env: t.env });
      assert.equal(fresh.code, 1, show(fresh));
      assert.match(fresh.stderr, /conflict: PP_2025-10-24 is fresh; only an error pack can be retired/);
      assert.deepEqual(
        (await packsOn(db, '2025-10-24')).map((p) => p.status),
        ['fresh'],
      );
      const missing = await runFolio(['packs', 'retire', 'PP_2025-10-25'], { env: t.env });
      assert.equal(missing.code, 1, show(missing));
      assert.match(missing.stderr, /pricing_pack_not_found: pricing pack PP_2025-10-25 does not exist/);
      const usage = await runFolio(['packs', 'retire', 'nope'], { env: t.env });
      assert.equal(usage.code, 2, show(usage));
      assert.deepEqual(
        (await jobRuns(db, 'retire-pack')).map((r) => r.status),
        ['success', 'skipped', 'failure', 'failure'],
      );

      // The date builds again as a new version; the retired id is never reused.
      const rebuilt = await runFolio(['build-pack', '--date', DATE, '--mark-fresh', '--json'], {
        env: t.env,
        timeoutMs: 60_000,
      });
      assert.equal(rebuilt.code, 0, show(rebuilt));
      assert.deepEqual(
        (await packsOn(db, DATE)).map((p) => [p.id, p.status]),
        [
          [`PP_${DATE}`, 'retired'],
          [`PP_${DATE}.v2`, 'fresh'],
        ],
      );
    } finally {
      await srv.close();
    }
  });
});
