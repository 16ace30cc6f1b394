import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { localDateTime, previousTradingDay } from '../../../src/domain/calendar.js';
import { createPackScheduler } from '../../../../jobs/scheduler.js';
import { describeEachDb } from '../../support/databases.js';
import { jobRuns, jobsDatabase, packsOn, providerFor, quietCtx, type JobsDb } from './support.js';

const SETTINGS = { minCoverage: 1, lockTtlSeconds: 30 };

describeEachDb('jobs: pack scheduler', (dialect) => {
  let t: JobsDb;
  const open: Knex[] = [];
  beforeEach(async () => {
    t = await jobsDatabase(dialect);
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.destroy();
    await t?.drop();
  });
  const connect = () => {
    const db = t.open();
    open.push(db);
    return db;
  };

  it('two schedulers sharing one database build the previous trading day once', async () => {
    // On PostgreSQL each scheduler has its own pool, as two replicas would. SQLite is driven
    // synchronously, so two connections in one process would block each other's busy wait;
    // in-process they share the one connection a process has (processes race in build-pack.test.ts).
    const shared = dialect === 'sqlite' ? connect() : null;
    const [a, b] = [shared ?? connect(), shared ?? connect()].map((db) =>
      createPackScheduler(quietCtx(db), {
        schedule: '0 6 * * *',
        timeZone: 'America/New_York',
        settings: SETTINGS,
        provider: () => providerFor('demo'),
        catchUpDays: 10,
      }),
    );
    // Tuesday 2025-10-28 08:00 UTC is 04:00 in New York: the previous trading day is Monday the 27th.
    const now = new Date('2025-10-28T08:00:00Z');
    const outcomes = (await Promise.all([a!.tick(now), b!.tick(now)])).flat();
    assert.deepEqual(
      outcomes.map((o) => o.build.status).sort(),
      ['skipped', 'success'],
      outcomes.map((o) => o.build.message).join(' / '),
    );
    assert.ok(outcomes.every((o) => o.build.date === '2025-10-27'));
    const db = connect();
    assert.deepEqual(
      (await packsOn(db, '2025-10-27')).map((p) => [p.id, p.status]),
      [['PP_2025-10-27', 'fresh']],
    );
    // A later tick the same day finds the date fresh and does nothing.
    const [later] = await a!.tick(new Date('2025-10-28T20:00:00Z'));
    assert.equal(later!.build.status, 'skipped');
    assert.match(later!.build.message, /already fresh/);
    assert.deepEqual((await jobRuns(db, 'build-pack')).map((r) => r.status).sort(), ['skipped', 'skipped', 'success']);
    // Monday's tick goes back over the weekend to Friday, which the demo data already has.
    const monday = await a!.tick(new Date('2025-10-27T12:00:00Z'));
    assert.deepEqual(
      monday.map((o) => [o.build.date, o.build.status]),
      [['2025-10-24', 'skipped']],
    );
  });

  it('catches up the trading days missing since the newest fresh pack, oldest first, as far back as allowed', async () => {
    const db = connect();
    const scheduler = (catchUpDays: number) =>
      createPackScheduler(quietCtx(db), {
        schedule: '0 6 * * *',
        timeZone: 'UTC',
        settings: SETTINGS,
        provider: () => providerFor('demo'),
        catchUpDays,
      });
    // The demo data ends on Friday 2025-10-24. On Saturday 2025-11-08 the previous trading
    // day is Friday 2025-11-07; a limit of 3 builds that day and the 3 before it.
    const limited = await scheduler(3).tick(new Date('2025-11-08T12:00:00Z'));
    assert.deepEqual(
      limited.map((o) => [o.build.date, o.build.status]),
      ['2025-11-04', '2025-11-05', '2025-11-06', '2025-11-07'].map((d) => [d, 'success']),
    );
    // The next tick starts from the newest fresh pack, so the older gap is left for folio build-pack.
    const next = await scheduler(3).tick(new Date('2025-11-11T12:00:00Z'));
    assert.deepEqual(
      next.map((o) => [o.build.date, o.build.status]),
      [['2025-11-10', 'success']],
    );
    for (const date of ['2025-10-27', '2025-11-03']) assert.deepEqual(await packsOn(db, date), [], date);
  });

  it('runs ticks from node-cron on its schedule', async function () {
    this.timeout(60_000);
    const db = connect();
    const scheduler = createPackScheduler(quietCtx(db), {
      schedule: '* * * * * *',
      timeZone: 'UTC',
      settings: SETTINGS,
      provider: () => providerFor('demo'),
      catchUpDays: 0,
    });
    const expected = previousTradingDay(localDateTime(new Date(), 'UTC').date);
    scheduler.start();
    try {
      const deadline = Date.now() + 45_000;
      while (!(await packsOn(db, expected)).some((p) => p.status === 'fresh')) {
        assert.ok(Date.now() < deadline, `no fresh pack for ${expected} from the schedule`);
        await sleep(100);
      }
    } finally {
      await scheduler.stop();
    }
    const runs = await jobRuns(db, 'build-pack');
    assert.equal(runs.filter((r) => r.status === 'success').length, 1);
    assert.ok(
      runs.every((r) => r.status !== 'running'),
      'stop waits for the tick in progress',
    );
  });
});
