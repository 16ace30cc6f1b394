import assert from 'node:assert/strict';
import { DEMO_KEY, emptyDatabase, requirePostgres, type TestDatabase } from '../../support/databases.js';
import { startService, type ServiceProcess } from '../../support/folio-process.js';

describe('replicas started together on a new PostgreSQL database (docker-compose up --scale folio=3)', () => {
  requirePostgres('replicas started together');
  let db: TestDatabase;
  let services: ServiceProcess[] = [];
  before(async () => (db = await emptyDatabase('postgres')));
  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await db?.drop();
  });

  it('all three listen; one migrates and seeds the demo, the others wait and find it done', async () => {
    const started = await Promise.allSettled(
      [1, 2, 3].map(() =>
        startService(
          {
            DATABASE_URL: db.config.DATABASE_URL!,
            PORT: '0',
            HOST: '127.0.0.1',
            LOG_LEVEL: 'info',
            FOLIO_SEED_DEMO: 'true',
            FOLIO_DEMO_API_KEY: DEMO_KEY,
          },
          { readyTimeoutMs: 120_000 },
        ),
      ),
    );
    services = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(failed, [], 'every replica starts');
    const logged = (msg: RegExp) => services.filter((s) => s.logs().some((l) => msg.test(l.msg))).length;
    assert.equal(logged(/^applied migrations$/), 1);
    assert.equal(logged(/^seeded demo data/), 1);
    const lists = await Promise.all(
      services.map(async (s) => {
        const res = await fetch(`${s.url}/v1/portfolios`, { headers: { authorization: `Bearer ${DEMO_KEY}` } });
        assert.equal(res.status, 200);
        return ((await res.json()) as { portfolios: { id: string }[] }).portfolios.map((p) => p.id);
      }),
    );
    assert.ok(lists[0]!.length > 0);
    assert.deepEqual(lists[1], lists[0]);
    assert.deepEqual(lists[2], lists[0]);
  });
});
