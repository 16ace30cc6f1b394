import assert from 'node:assert/strict';
import { tradingDays } from '../../../src/domain/calendar.js';
import { addDays } from '../../../src/domain/dates.js';
import { expectedPackDate } from '../../../src/domain/pack.js';
import { DEMO_END_DATE } from '../../../src/demo/generator.js';
import { startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';

const KEY = 'scheduler-test-key-0123456789';

/**
 * FOLIO_SCHEDULER=service: `folio serve` runs the pack schedule itself. The demo data ends
 * in the past; the demo provider continues its series past the seeded dates, so the
 * scheduler catches up every trading day since, and a fresh stack has the pack the
 * freshness objective expects instead of paging.
 */
describe('folio serve with FOLIO_SCHEDULER=service', () => {
  let dir: TempDir;
  let svc: ServiceProcess | undefined;

  before(async function () {
    this.timeout(120_000);
    dir = tempDir('folio-service-scheduler-');
    svc = await startService(
      {
        FOLIO_DATA_DIR: dir.path,
        PORT: '0',
        HOST: '127.0.0.1',
        FOLIO_DEMO_API_KEY: KEY,
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
        FOLIO_SCHEDULER: 'service',
        FOLIO_PACK_SCHEDULE: '*/2 * * * * *',
        FOLIO_PACK_SCHEDULE_TZ: 'UTC',
        FOLIO_PACK_FRESH_BY: '07:00',
        FOLIO_PROVIDER: 'demo',
      },
      { readyTimeoutMs: 90_000 },
    );
  });
  after(async () => {
    await svc?.stop('SIGKILL').catch(() => undefined);
    dir?.remove();
  });

  it('catches up from the demo data to the expected pack at start-up, builds each date once, and stops cleanly on SIGTERM', async function () {
    this.timeout(300_000);
    const get = async (path: string) => {
      const res = await fetch(`${svc!.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      return { status: res.status, body: await res.json() };
    };
    let health = await get('/health/pack');
    for (let i = 0; i < 480 && health.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 500));
      health = await get('/health/pack');
    }
    const expected = expectedPackDate(new Date(), { timeZone: 'UTC', freshBy: '07:00' });
    assert.equal(health.status, 200, JSON.stringify(health.body));
    assert.equal(health.body.status, 'fresh');
    assert.equal(health.body.expected_date, expected);
    assert.ok(health.body.newest_fresh.date >= expected);
    const metrics = await (await fetch(`${svc!.url}/metrics`)).text();
    assert.match(metrics, /^folio_pack_fresh 1$/m);
    assert.match(metrics, /^folio_pack_expected_state\{state="fresh"\} 1$/m);

    // Later ticks find every date done: the log shows skips, never a second build of a date.
    await new Promise((r) => setTimeout(r, 4500));
    const builds = svc!.logs().filter((l) => typeof l.msg === 'string' && l.msg.startsWith('scheduled build-pack'));
    const built = builds.filter((b) => b.status === 'success').map((b) => b.date as string);
    assert.deepEqual(
      built,
      tradingDays(addDays(DEMO_END_DATE, 1), built.at(-1)!),
      'every missing date, in order, once',
    );
    assert.ok(built.at(-1)! >= expected);
    assert.ok(
      builds.some((b) => b.status === 'skipped'),
      `ticks after the catch-up skip: ${builds.length}`,
    );
    const pack = await get(`/v1/packs/PP_${expected}`);
    assert.equal(pack.body.status, 'fresh');
    assert.equal(pack.body.source, 'demo');

    const stopped = await svc!.stop('SIGTERM', 15_000);
    assert.equal(stopped.code, 0, svc!.stderr());
    svc = undefined;
  });
});
