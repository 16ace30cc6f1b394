import assert from 'node:assert/strict';
import { refuseConnections, type Restore } from '../../support/database-outage.js';
import { DEMO_KEY, requirePostgres, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';
import { until } from '../../support/until.js';
import {
  freePort,
  instantQuery,
  requireBinaries,
  startPrometheus,
  testPrometheusConfig,
  type Daemon,
} from './stack.js';

const BODY = JSON.stringify({ pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } });

/** Sends `n` POST /v1/execute requests one after another; returns how many got each status. */
async function execute(svc: ServiceProcess, n: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${svc.url}/v1/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
      body: BODY,
    });
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  return statuses;
}

interface Alert {
  labels: Record<string, string>;
  state: string;
}

async function firingAlerts(prometheus: Daemon): Promise<Alert[]> {
  const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
  return body.data.alerts.filter((a) => a.state === 'firing');
}

const TITLE = 'a PostgreSQL outage pages while it lasts: service -> Prometheus with the real rules';

describe(TITLE, function () {
  this.timeout(240_000);
  requireBinaries('prometheus');
  requirePostgres(TITLE);

  let dir: TempDir;
  let db: TestDatabase;
  let svc: ServiceProcess | undefined;
  let prometheus: Daemon | undefined;
  let restore: Restore | undefined;

  before(async () => {
    dir = tempDir('folio-db-outage-');
    db = await seededDatabase('postgres');
    const port = await freePort();
    svc = await startService(
      {
        DATABASE_URL: db.config.DATABASE_URL!,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        FOLIO_SEED_DEMO: 'false',
        FOLIO_RATE_LIMIT_PER_MINUTE: '0',
        FOLIO_RESULT_CACHE_SIZE: '0',
      },
      { readyTimeoutMs: 60_000 },
    );
    prometheus = await startPrometheus(dir.path, testPrometheusConfig({ folioTarget: `127.0.0.1:${port}` }));
  });

  after(async () => {
    await restore?.();
    await svc?.stop().catch(() => undefined);
    await prometheus?.stop();
    await db?.drop();
    dir?.remove();
  });

  const query = async (expr: string) => {
    const r = await instantQuery(prometheus!.url, expr);
    assert.equal(r.status, 'success', `${expr}: ${r.error}`);
    return r.data!.result;
  };
  const value = async (expr: string) => Number((await query(expr))[0]?.value[1] ?? NaN);

  it('FolioAvailabilityFastBurn fires while the database is still down, the target stays up, and the service recovers without a restart', async () => {
    await until(
      'the folio target up in Prometheus',
      async () => ((await value('up{job="folio"}')) === 1 ? true : undefined),
      30_000,
    );
    const healthy = await execute(svc!, 60);
    assert.deepEqual([...healthy], [[200, 60]]);

    restore = await refuseConnections(db);
    // Failing traffic over several scrapes, until the page fires; all the while the database is down.
    let failed = 0;
    const page = await until(
      () => `FolioAvailabilityFastBurn firing (${failed} failed executes so far)`,
      async () => {
        const statuses = await execute(svc!, 10);
        failed += statuses.get(503) ?? 0;
        assert.deepEqual([...statuses.keys()], [503], 'every execute is a 503 during the outage');
        const alert = (await firingAlerts(prometheus!)).find((a) => a.labels.alertname === 'FolioAvailabilityFastBurn');
        return alert ?? (await new Promise((r) => setTimeout(r, 500)), undefined);
      },
      120_000,
    );
    assert.equal(page.labels.severity, 'page');
    // Still during the outage: the service answers not ready, and Prometheus still scrapes it,
    // seeing the 503s and the database it could not read.
    const ready = await fetch(`${svc!.url}/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal(await value('up{job="folio"}'), 1);
    assert.equal(await value('folio_metrics_source_up{source="database"}'), 0);
    assert.ok((await value('sum(folio_execute_requests_total{code="503"})')) > 0);

    await restore();
    await until(
      'executes answered again',
      async () => ((await execute(svc!, 1)).get(200) === 1 ? true : undefined),
      30_000,
    );
    await until(
      'the database read by the scrape again',
      async () => ((await value('folio_metrics_source_up{source="database"}')) === 1 ? true : undefined),
      30_000,
    );
    assert.equal((await fetch(`${svc!.url}/health/ready`)).status, 200);
  });
});
