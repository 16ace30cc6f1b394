import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { loopbackHaproxyConfig } from '../../../../deploy/haproxy/loopback.js';
import { DASHBOARD_FILE, RUNBOOK_DASHBOARD_DIR } from '../../../../observability/generate.js';
import { dashboardUrl, loadSloConfig, runbookUrl } from '../../../../observability/slo/config.js';
import { tradingDays } from '../../../src/domain/calendar.js';
import { addDays } from '../../../src/domain/dates.js';
import { DEMO_END_DATE } from '../../../src/demo/generator.js';
import { runFolio, startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';
import { startRecorder, testAlertmanagerConfig, type Notification, type Recorder } from './receivers.js';
import {
  ALERTMANAGER_BIN,
  RULE_FILES,
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
const slo = loadSloConfig();
const body = (pattern_id: string) => JSON.stringify({ pattern_id, inputs: { portfolio_id: 'pf_demo_usd' } });
/** A date in the gap the limited catch-up leaves between the demo data and the newest packs. */
const GAP_DATE = tradingDays(addDays(DEMO_END_DATE, 1), addDays(DEMO_END_DATE, 7))[0]!;

/** Sends `n` POST /v1/execute requests, `concurrency` at a time; returns how many got each status. */
async function execute(
  svc: ServiceProcess,
  n: number,
  concurrency = 16,
  pattern = 'portfolio_overview',
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let left = n;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (left-- > 0) {
        const res = await fetch(`${svc.url}/v1/execute`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: body(pattern),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

/** A market-data API that is down: every request gets 503. */
async function deadProvider(): Promise<{ url: string; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"maintenance"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests: () => requests, server };
}

let recorder: Recorder;
let diagnostics = () => '';

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

/** PagerDuty events about one alert (the summary starts with its name). */
const pagerDuty = (alertname: string, action: 'trigger' | 'resolve') =>
  recorder.received.filter(
    (n) =>
      n.receiver === '/pagerduty' &&
      n.body.event_action === action &&
      String(n.body.payload?.summary).startsWith(`${alertname}:`),
  );

/** Slack messages about one alert, by the title the templates give them: "[FIRING:2] Alert (slo)". */
const slack = (alertname: string, status: 'FIRING' | 'RESOLVED' = 'FIRING', channel = '#folio-alerts') =>
  recorder.received.filter(
    (n) =>
      n.receiver === '/slack' &&
      n.body.channel === channel &&
      new RegExp(`^\\[${status}(:\\d+)?\\] ${alertname}\\b`).test(String(n.body.attachments?.[0]?.title ?? '')),
  );

/** A Slack message carries every firing alert's summary and description, the runbook and the dashboard. */
function assertSlackText(n: Notification, alertname: string): void {
  const a = n.body.attachments[0];
  assert.equal(a.title_link, dashboardUrl(slo));
  assert.ok(a.text.includes(`<${runbookUrl(slo, alertname)}|Runbook>`), a.text);
  assert.ok(a.text.includes(`<${dashboardUrl(slo)}|Dashboard>`), a.text);
  assert.deepEqual(
    a.actions.map((x: { text: string; url: string }) => [x.text, x.url]),
    [
      ['Runbook', runbookUrl(slo, alertname)],
      ['Dashboard', dashboardUrl(slo)],
    ],
  );
  const firing = Number(/^\[FIRING:(\d+)\]/.exec(a.title)?.[1] ?? 0);
  // One bold summary line per firing alert, each followed by its description.
  assert.equal((a.text.match(/^\*[^*\n]+\*$/gm) ?? []).length, firing, a.text);
}

describe('observability stack end to end: service -> Prometheus rules -> Alertmanager -> receivers', function () {
  this.timeout(300_000);
  requireBinaries('prometheus', ALERTMANAGER_BIN, 'haproxy');

  let dir: TempDir;
  let svc: ServiceProcess | undefined;
  let prometheus: Daemon | undefined;
  let alertmanager: Daemon | undefined;
  let balancer: Daemon | undefined;
  let provider: Awaited<ReturnType<typeof deadProvider>>;
  let folioPort: number;
  const dataDir = () => path.join(dir.path, 'data');
  // The service runs the pack schedule as in the compose stack. The catch-up builds only the
  // newest trading days, so the stack is fresh quickly and older dates are left as a gap.
  const serviceEnv = (extra: Record<string, string> = {}) => ({
    FOLIO_DATA_DIR: dataDir(),
    PORT: String(folioPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    FOLIO_DEMO_API_KEY: KEY,
    FOLIO_RATE_LIMIT_PER_MINUTE: '0',
    FOLIO_SCHEDULER: 'service',
    FOLIO_PACK_SCHEDULE: '0 6 * * *',
    FOLIO_PACK_SCHEDULE_TZ: 'UTC',
    FOLIO_PACK_FRESH_BY: '07:00',
    FOLIO_PACK_CATCH_UP_DAYS: '3',
    ...extra,
  });
  const restart = async (extra: Record<string, string> = {}) => {
    await svc?.stop('SIGTERM', 30_000);
    svc = await startService(serviceEnv(extra), { readyTimeoutMs: 120_000 });
  };
  const query = async (expr: string) => {
    const r = await instantQuery(prometheus!.url, expr);
    assert.equal(r.status, 'success', `${expr}: ${r.error}`);
    return r.data!.result;
  };
  /** Resolves once `expr` returns a series in Prometheus. */
  const until = (expr: string, timeoutMs = 60_000) =>
    waitFor(expr, timeoutMs, async () => ((await query(expr)).length ? true : undefined));
  const failingProviderEnv = () => ({
    FOLIO_PROVIDER: 'http',
    FOLIO_PROVIDER_HTTP_URL: provider.url,
    FOLIO_PROVIDER_RETRIES: '1',
    FOLIO_PROVIDER_BACKOFF_MS: '5',
    FOLIO_PROVIDER_RATE_LIMIT_PER_SECOND: '0',
  });

  before(async function () {
    dir = tempDir('folio-obs-e2e-');
    folioPort = await freePort();
    provider = await deadProvider();
    await restart();
    recorder = await startRecorder();
    const amDir = path.join(dir.path, 'alertmanager');
    fs.mkdirSync(amDir);
    fs.writeFileSync(path.join(amDir, 'alertmanager.yml'), testAlertmanagerConfig(amDir, recorder.url));
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
        ...recorder.received.map((n) => `  ${n.receiver} ${JSON.stringify(n.body).slice(0, 300)}`),
        'alertmanager output:',
        alertmanager!.output().slice(-3000),
      ].join('\n');
    // The compose balancer in front of the service, so that its panels have a series to show.
    const [balancerPort, balancerMetricsPort] = [await freePort(), await freePort()];
    const haproxyCfg = path.join(dir.path, 'haproxy.cfg');
    fs.writeFileSync(
      haproxyCfg,
      loopbackHaproxyConfig({
        port: balancerPort,
        metricsPort: balancerMetricsPort,
        replicas: [`127.0.0.1:${folioPort}`],
      }),
    );
    balancer = await startDaemon('haproxy', ['-f', haproxyCfg], balancerMetricsPort, '/metrics');
    prometheus = await startPrometheus(
      promDir,
      testPrometheusConfig({
        folioTarget: `127.0.0.1:${folioPort}`,
        balancerTarget: `127.0.0.1:${balancerMetricsPort}`,
        alertmanagerTarget: `127.0.0.1:${amPort}`,
      }),
    );
  });

  after(async () => {
    await svc?.stop().catch(() => undefined);
    await prometheus?.stop();
    await alertmanager?.stop();
    await balancer?.stop();
    recorder?.server.close();
    provider?.server.close();
    dir?.remove();
  });

  it('scrapes the service; once the scheduler has caught up from the demo data the pack is fresh and nothing pages', async () => {
    await until('up{job="folio"} == 1', 30_000);
    await until('max(folio_pack_fresh) == 1', 120_000);
    await until('max(folio_pack_expected_state{state="fresh"}) == 1');
    // A few evaluations later no alert is pending or firing: a fresh stack does not page.
    await sleep(3000);
    assert.deepEqual(
      (await query('ALERTS')).map((a) => `${a.metric.alertname} ${a.metric.alertstate}`),
      [],
    );
    const health = await (await fetch(`${svc!.url}/health/pack`)).json();
    assert.equal(health.status, 'fresh');
    // One definition of age: /health/pack and the metric agree.
    const [age] = await query('max(folio_pack_age_seconds)');
    assert.ok(Math.abs(Number(age!.value[1]) - health.newest_fresh.age_seconds) < 60, JSON.stringify(health));
  });

  it('pages PagerDuty and the alerts channel when every execute times out (504), naming every firing window, with runbook and dashboard', async () => {
    // Healthy traffic first, past the low-traffic guard (100 requests in the long window).
    const healthy = await execute(svc!, 150);
    assert.equal(healthy.get(200), 150, `healthy phase: ${JSON.stringify([...healthy])}`);
    await sleep(2000);
    await restart({ FOLIO_PATTERN_TIMEOUT_MS: '1', FOLIO_RESULT_CACHE_SIZE: '0' });
    // Few failures (a ticket's resolution needs the ratio back under 0.6%), one at a time over
    // several scrapes so that rate() sees the 5xx series grow from the 0 it starts at.
    let bad = 0;
    for (let i = 0; i < 12; i++) {
      bad += (await execute(svc!, 1, 1)).get(504) ?? 0;
      await sleep(700);
    }
    assert.ok(bad >= 10, `expected the 1 ms deadline to turn executes into 504s, got ${bad} of 12`);

    const [pd] = await waitFor('a FolioAvailabilityFastBurn trigger at PagerDuty', 90_000, () => {
      const found = pagerDuty('FolioAvailabilityFastBurn', 'trigger');
      return found.length ? found : undefined;
    });
    assert.equal(pd!.body.routing_key, 'test-routing-key');
    // The summary names the windows of every alert of the group, not only the first one's.
    const firing = Number(pd!.body.payload.custom_details.num_firing);
    assert.ok(firing >= 1);
    const windows = [...pd!.body.payload.summary.matchAll(/over (14\.4|6)x \((1h and 5m|6h and 30m) windows\)/g)];
    assert.equal(windows.length, firing, pd!.body.payload.summary);
    assert.deepEqual(
      pd!.body.links.map((l: { href: string; text: string }) => [l.text, l.href]),
      [
        ['runbook', runbookUrl(slo, 'FolioAvailabilityFastBurn')],
        ['dashboard', dashboardUrl(slo)],
      ],
    );
    assert.match(pd!.body.payload.custom_details.firing, /^\d+(\.\d+)?% bad over the last (1h|6h), /m);
    // The runbook link opens the runbook as a Grafana dashboard generated from docs/runbooks.
    const runbook = JSON.parse(
      fs.readFileSync(path.join(RUNBOOK_DASHBOARD_DIR, 'FolioAvailabilityFastBurn.json'), 'utf8'),
    );
    assert.equal(`${slo.links.grafana}/d/${runbook.uid}`, pd!.body.payload.custom_details.runbook);

    const [chat] = await waitFor('the page in the alerts channel', 30_000, () => {
      const found = slack('FolioAvailabilityFastBurn');
      return found.length ? found : undefined;
    });
    assert.match(chat!.body.attachments[0].title, /^\[FIRING:\d\] FolioAvailabilityFastBurn \(availability\)$/);
    assertSlackText(chat!, 'FolioAvailabilityFastBurn');
    // The availability ticket fired with the page but is held back while the page fires.
    assert.deepEqual(slack('FolioAvailabilitySlowBurn'), []);
  });

  it('sends the resolve to PagerDuty once healthy traffic brings the error ratio back under the thresholds', async () => {
    await restart();
    await waitFor(
      'a FolioAvailabilityFastBurn resolve at PagerDuty',
      150_000,
      () => pagerDuty('FolioAvailabilityFastBurn', 'resolve')[0],
      () => execute(svc!, 1000),
    );
    await waitFor(
      'the resolved page in the alerts channel',
      30_000,
      () => slack('FolioAvailabilityFastBurn', 'RESOLVED')[0],
    );
  });

  it('then tells the alerts channel about the availability ticket the page held back, never PagerDuty', async () => {
    // The 3d/6h ticket (1x) still fires: a few dozen 5xx are far more than 0.1% of this traffic.
    const ticket = await waitFor(
      'a FolioAvailabilitySlowBurn ticket in Slack',
      30_000,
      () => slack('FolioAvailabilitySlowBurn')[0],
    );
    assertSlackText(ticket, 'FolioAvailabilitySlowBurn');
    assert.deepEqual(pagerDuty('FolioAvailabilitySlowBurn', 'trigger'), []);
    assert.deepEqual(
      recorder.received.filter((n) => n.body.channel === '#folio-info'),
      [],
    );
  });

  it('a failing market-data provider: failures, retries, the opened breaker and its rejections reach Prometheus under its real name, and a ticket', async () => {
    await restart({
      ...failingProviderEnv(),
      FOLIO_BREAKER_VOLUME_THRESHOLD: '8',
      FOLIO_BREAKER_RESET_TIMEOUT_MS: '600000',
    });
    await execute(svc!, 300); // healthy traffic keeps the availability ratio under the page
    // Four requests of two attempts each fail and open the breaker (8 calls, all failed); the
    // last two are rejected without reaching the provider.
    const statuses = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      for (const [s, n] of await execute(svc!, 1, 1, 'pack_source_check')) statuses.set(s, (statuses.get(s) ?? 0) + n);
      await sleep(500);
    }
    assert.deepEqual([...statuses], [[503, 6]]);
    assert.equal(provider.requests(), 8, 'the provider was tried until the breaker opened');
    await until('folio_breaker:events:increase5m{breaker="http",event="failure"} > 0');
    await until('folio_breaker:events:increase5m{breaker="http",event="reject"} > 0');
    await until('max(folio_circuit_breaker_state{breaker="http"}) == 1');
    await until('sum(folio_provider_retries_total{provider="http"}) > 0');
    await until('sum(folio_provider_request_duration_seconds_count{provider="http",status="error"}) > 0');
    await until('ALERTS{alertname="FolioCircuitBreakerFailures",breaker="http",alertstate="firing"}');
    await until('ALERTS{alertname="FolioCircuitBreakerOpen",breaker="http"}');
    const ticket = await waitFor(
      'a FolioCircuitBreakerFailures ticket in Slack',
      30_000,
      () => slack('FolioCircuitBreakerFailures')[0],
    );
    assertSlackText(ticket, 'FolioCircuitBreakerFailures');
    assert.match(ticket.body.attachments[0].text, /of the calls through http failed in the last 5m/);
  });

  it('a build-pack run from cron in another process: its breaker events and the failed date reach Prometheus, and a ticket', async () => {
    const run = await runFolio(['build-pack', '--date', GAP_DATE, '--mark-fresh'], {
      env: { FOLIO_DATA_DIR: dataDir(), ...failingProviderEnv(), LOG_LEVEL: 'silent' },
      timeoutMs: 60_000,
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    // One attempt and one retry, both failed, stored with the run and exported by the service.
    await until('max(folio_job_breaker_events_total{breaker="http",event="failure"}) == 2');
    await until('max(folio_pack_build_failed_dates) == 1');
    await until(
      `max(folio_pack_build_failed_newest_date_timestamp_seconds) == ${Date.parse(`${GAP_DATE}T00:00:00Z`) / 1000}`,
    );
    await until('ALERTS{alertname="FolioPackBuildFailed",alertstate="firing"}');
    const ticket = await waitFor(
      'a FolioPackBuildFailed ticket in Slack',
      30_000,
      () => slack('FolioPackBuildFailed')[0],
    );
    assertSlackText(ticket, 'FolioPackBuildFailed');
    assert.ok(
      ticket.body.attachments[0].text.includes(`the newest ${GAP_DATE} 00:00:00 +0000 UTC`),
      ticket.body.attachments[0].text,
    );
  });

  it('meanwhile every dashboard query and every recording rule answers with data through the Prometheus API', async () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
    const records = [
      ...new Set(
        RULE_FILES.flatMap((f) =>
          readYaml(f).groups.flatMap((g: { rules: { record?: string }[] }) => g.rules.flatMap((r) => r.record ?? [])),
        ),
      ),
    ];
    const queries = [
      ...dashboardQueries(dashboard),
      ...records.map((r) => ({ panel: 'recording rule', expr: r as string })),
    ];
    assert.ok(records.length >= 5 && queries.length > 50);
    const empty: string[] = [];
    for (const q of queries) {
      const r = await instantQuery(prometheus!.url, q.expr);
      assert.equal(r.status, 'success', `${q.panel}: ${q.expr}: ${r.error}`);
      if (!r.data?.result.length) empty.push(`${q.panel}: ${q.expr}`);
    }
    assert.deepEqual(empty, []);
  });

  it('the ticket resolves once a rebuild covers the failed date, not a day later', async () => {
    const run = await runFolio(['build-pack', '--date', GAP_DATE, '--provider', 'demo', '--mark-fresh'], {
      env: { FOLIO_DATA_DIR: dataDir(), LOG_LEVEL: 'silent' },
      timeoutMs: 60_000,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await until('max(folio_pack_build_failed_dates) == 0');
    await waitFor(
      'the resolved FolioPackBuildFailed in Slack',
      30_000,
      () => slack('FolioPackBuildFailed', 'RESOLVED')[0],
    );
  });
});
