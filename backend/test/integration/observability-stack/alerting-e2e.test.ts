import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import YAML from 'yaml';
import { DASHBOARD_FILE } from '../../../../observability/generate.js';
import { REPO_ROOT, startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';
import {
  ALERTMANAGER_BIN,
  OBS,
  dashboardQueries,
  freePort,
  instantQuery,
  readYaml,
  requireBinaries,
  sleep,
  startDaemon,
  startPrometheus,
  testPrometheusConfig,
  type Daemon,
} from './stack.js';

const KEY = 'obs-stack-demo-key-5c1e';
const overview = JSON.stringify({ pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } });

interface Notification {
  receiver: string;
  body: any;
}

/** Records every notification Alertmanager sends, by the path it was sent to. */
async function startReceiver(): Promise<{ url: string; received: Notification[]; server: Server }> {
  const received: Notification[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (s: string) => (text += s));
    req.on('end', () => {
      received.push({ receiver: req.url ?? '', body: JSON.parse(text) });
      // PagerDuty's Events API answers 202; the others accept any 2xx.
      res
        .writeHead(req.url === '/pagerduty' ? 202 : 200, { 'content-type': 'application/json' })
        .end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, server };
}

/**
 * The test Alertmanager configuration, derived from observability/alertmanager/alertmanager.yml
 * by one documented transformation (docs/observability.md#tests): every receiver keeps its kind
 * but sends to the local recorder (PagerDuty's Events API URL, the webhook URL, Slack's URL
 * from its secret file), secrets come from files in `dir`, and group_wait/group_interval are
 * one second so that the test need not wait minutes. Routes and inhibition are untouched.
 */
function testAlertmanagerConfig(dir: string, recorder: string): string {
  const am = readYaml(path.join(OBS, 'alertmanager/alertmanager.yml'));
  fs.writeFileSync(path.join(dir, 'pagerduty_routing_key'), 'test-routing-key');
  fs.writeFileSync(path.join(dir, 'slack_api_url'), `${recorder}/slack`);
  am.global.slack_api_url_file = path.join(dir, 'slack_api_url');
  am.route.group_wait = '1s';
  am.route.group_interval = '1s';
  for (const r of am.receivers) {
    for (const p of r.pagerduty_configs ?? [])
      Object.assign(p, { url: `${recorder}/pagerduty`, routing_key_file: path.join(dir, 'pagerduty_routing_key') });
    for (const w of r.webhook_configs ?? []) w.url = `${recorder}/webhook`;
  }
  return YAML.stringify(am);
}

/** Sends `n` POST /v1/execute requests, `concurrency` at a time; returns how many got each status. */
async function execute(svc: ServiceProcess, n: number, concurrency = 16): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let left = n;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (left-- > 0) {
        const res = await fetch(`${svc.url}/v1/execute`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: overview,
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
  meanwhile?: () => Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${diagnostics()}`);
    await (meanwhile ? meanwhile() : sleep(500));
  }
}

/** A webhook notification of the availability page group in `status` (resolved: every alert of it). */
const availabilityPage = (n: Notification, status: 'firing' | 'resolved') =>
  n.receiver === '/webhook' &&
  n.body.status === status &&
  (n.body.alerts as any[]).some(
    (a) =>
      a.status === status &&
      a.labels.alertname === 'FolioAvailabilityFastBurn' &&
      a.labels.severity === 'page' &&
      a.labels.slo === 'availability',
  );

/** Slack messages (attachments titled by the template in alertmanager.yml) about one alert. */
const slackAbout = (alertname: string) =>
  receiver.received.filter(
    (n) => n.receiver === '/slack' && String(n.body.attachments?.[0]?.title ?? '').includes(alertname),
  );

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let diagnostics = () => '';

describe('observability stack end to end: service -> Prometheus rules -> Alertmanager -> receivers', function () {
  this.timeout(300_000);
  requireBinaries('prometheus', ALERTMANAGER_BIN);

  let dir: TempDir;
  let svc: ServiceProcess | undefined;
  let prometheus: Daemon | undefined;
  let alertmanager: Daemon | undefined;
  let folioPort: number;
  const serviceEnv = (extra: Record<string, string> = {}) => ({
    FOLIO_DATA_DIR: path.join(dir.path, 'data'),
    PORT: String(folioPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    FOLIO_DEMO_API_KEY: KEY,
    FOLIO_RATE_LIMIT_PER_MINUTE: '0',
    ...extra,
  });
  const restart = async (extra: Record<string, string> = {}) => {
    await svc?.stop();
    svc = await startService(serviceEnv(extra), { readyTimeoutMs: 120_000 });
  };

  before(async function () {
    dir = tempDir('folio-obs-e2e-');
    folioPort = await freePort();
    await restart();
    const metrics = await fetch(`${svc!.url}/metrics`);
    if (metrics.status === 404) {
      if (process.env.CI === 'true') throw new Error('GET /metrics answers 404');
      console.warn('    skipping: GET /metrics is not implemented in this checkout yet');
      this.skip();
    }
    receiver = await startReceiver();
    const amDir = path.join(dir.path, 'alertmanager');
    fs.mkdirSync(amDir);
    fs.writeFileSync(path.join(amDir, 'alertmanager.yml'), testAlertmanagerConfig(amDir, receiver.url));
    const amPort = await freePort();
    alertmanager = await startDaemon(
      ALERTMANAGER_BIN,
      [
        `--config.file=${path.join(amDir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(amDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ],
      amPort,
      '/-/ready',
    );
    const promDir = path.join(dir.path, 'prometheus');
    fs.mkdirSync(promDir);
    diagnostics = () =>
      [
        'notifications received:',
        ...receiver.received.map((n) => `  ${n.receiver} ${JSON.stringify(n.body).slice(0, 300)}`),
        'alertmanager output:',
        alertmanager!.output().slice(-3000),
      ].join('\n');
    prometheus = await startPrometheus(
      promDir,
      testPrometheusConfig({ folioTarget: `127.0.0.1:${folioPort}`, alertmanagerTarget: `127.0.0.1:${amPort}` }),
    );
  });

  after(async () => {
    await svc?.stop().catch(() => undefined);
    await prometheus?.stop();
    await alertmanager?.stop();
    receiver?.server.close();
    dir?.remove();
  });

  it('scrapes the service: up{job="folio"} is 1', async () => {
    await waitFor('up{job="folio"} == 1', 30_000, async () => {
      const r = await instantQuery(prometheus!.url, 'up{job="folio"} == 1');
      return r.data?.result.length ? true : undefined;
    });
  });

  it('pages PagerDuty and the webhook when every execute times out (504), with labels, numbers and a runbook', async () => {
    // Healthy traffic first, past the low-traffic guard (100 requests in the long window).
    const healthy = await execute(svc!, 150);
    assert.equal(healthy.get(200), 150, `healthy phase: ${JSON.stringify([...healthy])}`);
    await sleep(2000);
    await restart({ FOLIO_PATTERN_TIMEOUT_MS: '1', FOLIO_RESULT_CACHE_SIZE: '0' });
    // Few failures (a ticket's resolution needs the ratio back under 0.6%), one at a time over
    // several scrapes so that rate() sees the 5xx series grow.
    let bad = 0;
    for (let i = 0; i < 12; i++) {
      bad += (await execute(svc!, 1, 1)).get(504) ?? 0;
      await sleep(700);
    }
    assert.ok(bad >= 10, `expected the 1 ms deadline to turn executes into 504s, got ${bad} of 12`);

    const page = await waitFor('a FolioAvailabilityFastBurn page at the webhook', 90_000, () =>
      receiver.received.find((n) => availabilityPage(n, 'firing')),
    );
    const alert = (page.body.alerts as any[]).find(
      (a) => a.labels.alertname === 'FolioAvailabilityFastBurn' && a.status === 'firing',
    );
    assert.equal(page.body.groupLabels.alertname, 'FolioAvailabilityFastBurn');
    assert.equal(page.body.groupLabels.slo, 'availability');
    assert.match(alert.annotations.description, /^\d+(\.\d+)?% bad over the last (1h|6h), /);
    const runbook = path.join(REPO_ROOT, alert.annotations.runbook_url);
    assert.ok(fs.existsSync(runbook), `runbook_url ${alert.annotations.runbook_url} names an existing file`);
    assert.match(fs.readFileSync(runbook, 'utf8'), /^# FolioAvailabilityFastBurn/);

    const pd = receiver.received.find((n) => n.receiver === '/pagerduty' && n.body.event_action === 'trigger');
    assert.ok(pd, 'PagerDuty got a trigger event');
    assert.equal(pd.body.routing_key, 'test-routing-key');
    assert.match(
      pd.body.payload.summary,
      /^FolioAvailabilityFastBurn: Availability SLO: error budget burning over (14\.4|6)x/,
    );
    // The availability ticket fired with the page but is held back while the page fires.
    assert.deepEqual(slackAbout('FolioAvailabilitySlowBurn'), []);
  });

  it('sends the resolved notification once healthy traffic brings the error ratio back under the thresholds', async () => {
    await restart();
    await waitFor(
      'a resolved FolioAvailabilityFastBurn at the webhook',
      150_000,
      () => receiver.received.find((n) => availabilityPage(n, 'resolved')),
      () => execute(svc!, 1000),
    );
    await waitFor('a PagerDuty resolve event', 30_000, () =>
      receiver.received.find((n) => n.receiver === '/pagerduty' && n.body.event_action === 'resolve'),
    );
  });

  it('then tells Slack about the availability ticket the page held back, and Slack gets nothing but tickets', async () => {
    // The 3d/6h ticket (1x) still fires: a few dozen 5xx are far more than 0.1% of this traffic.
    await waitFor(
      'a FolioAvailabilitySlowBurn ticket in Slack',
      30_000,
      () => slackAbout('FolioAvailabilitySlowBurn')[0],
    );
    for (const n of receiver.received.filter((x) => x.receiver === '/slack')) {
      assert.match(
        n.body.attachments[0].title,
        /^\[(FIRING|RESOLVED)\] Folio\w+(SlowBurn|Pack\w+|CircuitBreakerOpen)\b/,
      );
    }
  });

  it('after the load every panel query of the SLO dashboard returns data', async () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
    const empty: string[] = [];
    for (const q of dashboardQueries(dashboard)) {
      const r = await instantQuery(prometheus!.url, q.expr);
      assert.equal(r.status, 'success', `${q.panel}: ${q.expr}: ${r.error}`);
      if (!r.data?.result.length) empty.push(`${q.panel}: ${q.expr}`);
    }
    assert.deepEqual(empty, []);
  });
});
