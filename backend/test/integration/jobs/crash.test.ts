import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { insertChunked } from '../../../src/db/bulk.js';
import { describeEachDb } from '../../support/databases.js';
import { childEnv, REPO_ROOT, runFolio, tempDir, type TempDir } from '../../support/folio-process.js';
import { jobRuns, jobsDatabase, packsOn, providerFor, writeCsvDay, type JobsDb } from './support.js';

const DATE = '2025-10-27';
/** Enough rows that parsing, hashing and the insert transaction take seconds, so the kill lands mid-build. */
const EXTRA_SECURITIES = 150_000;
const LOCK_TTL_SECONDS = 3;

describeEachDb('jobs: kill -9 in the middle of a build', (dialect) => {
  let t: JobsDb;
  let db: Knex;
  let csv: TempDir;
  let total = 0;
  before(async function () {
    this.timeout(180_000);
    t = await jobsDatabase(dialect);
    db = t.open();
    csv = tempDir('folio-csv-big-');
    const extra = Array.from({ length: EXTRA_SECURITIES }, (_, i) => ({
      symbol: `ZT${String(i).padStart(6, '0')}`,
      name: `Test listing ${i}`,
      sector: 'Test',
      currency: 'USD',
      asset_class: 'equity',
    }));
    await db.transaction((trx) => insertChunked(trx, 'securities', extra));
    const demo = await providerFor('demo').snapshot({ date: DATE, symbols: [], pairs: [] });
    const prices = [
      ...demo.prices,
      ...extra.map((s, i) => ({ symbol: s.symbol, close: 10 + (i % 9000) / 100, currency: 'USD' })),
    ];
    total = prices.length;
    writeCsvDay(csv.path, DATE, prices, demo.fx);
  });
  after(async () => {
    await db?.destroy();
    await t?.drop();
    csv?.remove();
  });

  it('leaves no fresh pack and no partial data, is reported stale, and a rerun builds it', async function () {
    this.timeout(180_000);
    const env = {
      ...t.env,
      FOLIO_PROVIDER: 'csv',
      FOLIO_PROVIDER_CSV_DIR: csv.path,
      FOLIO_JOB_LOCK_TTL_SECONDS: String(LOCK_TTL_SECONDS),
    };
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/folio.js'), 'build-pack', '--date', DATE, '--mark-fresh'],
      {
        cwd: REPO_ROOT,
        env: childEnv(env),
        stdio: 'ignore',
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    // Once the warming row is committed the build is fetching, hashing or inserting.
    const deadline = Date.now() + 60_000;
    while (!(await packsOn(db, DATE)).some((p) => p.status === 'warming')) {
      assert.ok(Date.now() < deadline, 'the build never started');
      await sleep(10);
    }
    await sleep(600);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the build was still running when it was killed');

    const [pack] = await packsOn(db, DATE);
    assert.equal(pack!.status, 'warming', 'no pack becomes fresh without its build finishing');
    const stored = Number((await db('prices').where({ pack_id: pack!.id }).count({ n: '*' }).first())!.n);
    assert.ok(stored === 0 || stored === total, `stored rows are all or nothing, found ${stored} of ${total}`);
    assert.deepEqual(
      (await jobRuns(db, 'build-pack')).map((r) => r.status),
      ['running'],
    );

    const listed = await runFolio(['packs', '--limit', '3'], {
      env: { ...env, FOLIO_PACK_WARMING_STALE_SECONDS: '1' },
    });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`PP_${DATE} +warming .*STALE`));
    assert.match(
      listed.stderr,
      new RegExp(`warning: PP_${DATE} has been warming since .*folio build-pack --date ${DATE} rebuilds it`),
    );

    // A dead holder's SQLite lease frees once it expires; PostgreSQL's lock went with the connection.
    if (dialect === 'sqlite') await sleep(LOCK_TTL_SECONDS * 1000 + 200);
    const rerun = await runFolio(['build-pack', '--date', DATE, '--mark-fresh', '--json'], { env, timeoutMs: 120_000 });
    assert.equal(rerun.code, 0, rerun.stderr);
    const out = JSON.parse(rerun.stdout);
    assert.equal(out.build.status, 'success');
    assert.equal(out.mark_fresh.status, 'success');
    assert.deepEqual(await packsOn(db, DATE), [{ id: `PP_${DATE}`, status: 'fresh', price_count: total, error: null }]);
    const runs = await jobRuns(db, 'build-pack');
    assert.deepEqual(
      runs.map((r) => r.status),
      ['failure', 'success'],
    );
    assert.match(runs[0]!.error!, /abandoned/);
  });
});
