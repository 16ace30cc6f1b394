import assert from 'node:assert/strict';
import { localDateTime, previousTradingDay } from '../../../src/domain/calendar.js';
import { startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';

const KEY = 'scheduler-test-key-0123456789';

/**
 * FOLIO_SCHEDULER=service: `folio serve` runs the pack schedule itself. The demo provider
 * continues its series past the seeded dates, so the previous trading day can really be built.
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
        FOLIO_PROVIDER: 'demo',
      },
      { readyTimeoutMs: 90_000 },
    );
  });
  after(async () => {
    await svc?.stop('SIGKILL').catch(() => undefined);
    dir?.remove();
  });

  it('builds, reconciles and publishes the previous trading day once, and stops cleanly on SIGTERM', async function () {
    this.timeout(90_000);
    const date = previousTradingDay(localDateTime(new Date(), 'UTC').date);
    const get = async (path: string) => {
      const res = await fetch(`${svc!.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      return { status: res.status, body: await res.json() };
    };
    let pack: any;
    for (let i = 0; i < 120 && pack?.status !== 'fresh'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await get(`/v1/packs/PP_${date}`);
      if (res.status === 200) pack = res.body;
    }
    assert.equal(pack?.status, 'fresh', `PP_${date} was not published: ${JSON.stringify(pack)}`);
    assert.equal(pack.source, 'demo');

    // Later ticks find the date done: the log shows skips, never a second build.
    await new Promise((r) => setTimeout(r, 4500));
    const versions = (await get('/v1/packs?limit=5')).body.packs.filter((p: { date: string }) => p.date === date);
    assert.equal(versions.length, 1, JSON.stringify(versions));
    const builds = svc!.logs().filter((l) => typeof l.msg === 'string' && l.msg.startsWith('scheduled build-pack'));
    assert.ok(builds.length >= 2, `ticks logged: ${builds.map((b) => b.msg).join(' | ')}`);
    assert.equal(builds.filter((b) => b.status === 'success').length, 1, builds.map((b) => b.msg).join(' | '));

    const stopped = await svc!.stop('SIGTERM', 15_000);
    assert.equal(stopped.code, 0, svc!.stderr());
    svc = undefined;
  });
});
