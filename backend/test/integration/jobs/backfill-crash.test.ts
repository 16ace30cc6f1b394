import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { tradingDays } from '../../../src/domain/calendar.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { createMarketData } from '../../../src/providers/index.js';
import { backfill } from '../../../src/services/packs/backfill.js';
import { describeEachDb } from '../../support/databases.js';
import { childEnv, REPO_ROOT, runFolio, tempDir, type TempDir } from '../../support/folio-process.js';
import { writeEcbHistory, writeEodHistories, writeMapping, type Listing } from '../../support/market-history.js';
import { jobsDatabase, quietCtx, testConfig, type JobsDb } from './support.js';

const FROM = '2024-01-01';
const TO = '2024-03-28';
/**
 * The first quarter of 2024 without Good Friday: 61 trading days (New Year, Martin Luther King
 * and Presidents Day are NYSE holidays). A date takes a few milliseconds to build here, so a
 * kill can land several dates past its target: the range is long enough that the kills never
 * reach its end and the resumed run still has dates to finish.
 */
const DAYS = tradingDays(FROM, TO);
const LISTINGS: Listing[] = Array.from({ length: 30 }, (_, i) => ({
  symbol: `KX${String(i).padStart(2, '0')}`,
  currency: i < 24 ? 'USD' : i < 27 ? 'EUR' : 'GBP',
}));
const KILLS = 5;
const LOCK_TTL_SECONDS = 3;

interface PackRow {
  date: string;
  id: string;
  status: string;
  content_hash: string | null;
}

const packRows = (db: Knex): Promise<PackRow[]> =>
  db('pricing_packs').orderBy(['date', 'id']).select('date', 'id', 'status', 'content_hash');

const freshCount = async (db: Knex): Promise<number> =>
  Number((await db('pricing_packs').where({ status: 'fresh' }).count({ n: '*' }).first())!.n);

describeEachDb('backfill: kill -9 at random points, then resume', (dialect) => {
  let market: TempDir;
  let env: Record<string, string>;
  let mapping: string;
  let reference: PackRow[];
  let t: JobsDb;
  let db: Knex;

  before(async function () {
    this.timeout(60_000);
    market = tempDir('folio-backfill-market-');
    writeEodHistories(path.join(market.path, 'eod'), LISTINGS, tradingDays('2023-12-20', TO));
    writeEcbHistory(path.join(market.path, 'ecb.csv'), ['USD', 'GBP', 'JPY'], tradingDays('2023-12-20', TO));
    mapping = path.join(market.path, 'mapping.csv');
    writeMapping(mapping, LISTINGS);
    env = {
      FOLIO_PROVIDER_EOD_SOURCE: path.join(market.path, 'eod'),
      FOLIO_PROVIDER_ECB_SOURCE: path.join(market.path, 'ecb.csv'),
      FOLIO_FX_PROVIDER: 'ecb',
      FOLIO_JOB_LOCK_TTL_SECONDS: String(LOCK_TTL_SECONDS),
    };

    // The uninterrupted run the crashed one must end up equal to.
    const ref = await jobsDatabase(dialect, { seeded: false });
    const refDb = ref.open();
    try {
      const config = testConfig(env);
      const report = await backfill(
        quietCtx(refDb),
        { minCoverage: 1, lockTtlSeconds: LOCK_TTL_SECONDS },
        {
          from: FROM,
          to: TO,
          provider: createMarketData(config, { prices: 'eod' }, new BreakerRegistry()),
          markFresh: true,
          prefetch: 4,
          registerSecurities: { file: mapping, csv: fs.readFileSync(mapping, 'utf8') },
        },
      );
      assert.equal(report.status, 'success', report.message);
      reference = await packRows(refDb);
    } finally {
      await refDb.destroy();
      await ref.drop();
    }
    assert.equal(reference.length, DAYS.length);

    t = await jobsDatabase(dialect, { seeded: false });
    db = t.open();
  });
  after(async () => {
    await db?.destroy();
    await t?.drop();
    market?.remove();
  });

  it('ends with exactly one fresh pack per trading day, hashing as an uninterrupted run does', async function () {
    this.timeout(120_000);
    const runEnv = { ...t.env, ...env };
    const args = [
      'build-pack',
      '--from',
      FROM,
      '--to',
      TO,
      '--provider',
      'eod',
      '--mark-fresh',
      '--register-securities',
      mapping,
      '--json',
    ];
    // Each kill waits for one to three more dates to be done (never past the first two thirds of
    // the range), then a random few milliseconds: it lands while starting up, fetching, writing,
    // reconciling or publishing.
    const lastTarget = Math.floor((DAYS.length * 2) / 3);
    const points: string[] = [];
    let kills = 0;
    for (let k = 0; kills < KILLS && k < 3 * KILLS; k++) {
      const target = Math.min(lastTarget, (await freshCount(db)) + 1 + Math.floor(Math.random() * 3));
      const delayMs = Math.floor(Math.random() * 20);
      const child = spawn(
        process.execPath,
        [path.join(REPO_ROOT, 'bin/folio.js'), ...(k % 2 === 1 ? ['build-pack', '--resume', '--json'] : args)],
        { cwd: REPO_ROOT, env: childEnv(runEnv), stdio: 'ignore' },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_c, signal) => resolve(signal)),
      );
      let done = false;
      void exited.then(() => (done = true));
      while (!done && (await freshCount(db)) < target) await sleep(5);
      await sleep(delayMs);
      child.kill('SIGKILL');
      const signal = await exited;
      if (signal === 'SIGKILL') kills++;
      points.push(
        `${signal === 'SIGKILL' ? 'killed' : 'finished'} at ${await freshCount(db)} fresh (target ${target} + ${delayMs} ms)`,
      );
    }

    assert.ok((await freshCount(db)) < DAYS.length, `the kills left dates to finish: ${points.join('; ')}`);
    const final = await runFolio(args, { env: runEnv, timeoutMs: 90_000 });
    assert.equal(final.code, 0, `${points.join('; ')}\n${final.stdout}\n${final.stderr}`);
    const lines = final.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, DAYS.length + 1, 'one line per trading day, then the summary');
    assert.deepEqual(
      lines.slice(0, -1).map((l) => l.date),
      DAYS,
    );

    assert.deepEqual(await packRows(db), reference, `kill points: ${points.join('; ')}`);
    for (const p of reference) {
      const n = Number((await db('prices').where({ pack_id: p.id }).count({ n: '*' }).first())!.n);
      assert.equal(n, LISTINGS.length, `${p.id} prices`);
    }
    assert.equal(Number((await db('securities').count({ n: '*' }).first())!.n), LISTINGS.length);
    const running = await db('job_runs').where({ status: 'running' }).select('job', 'date');
    assert.deepEqual(running, [], 'no run is left marked running');
    assert.equal(kills, KILLS, points.join('; '));
  });
});
