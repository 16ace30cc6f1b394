import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { generatedFiles, staleFiles, RULES_DIR, DASHBOARD_FILE } from '../../../../observability/generate.js';
import { loadSloConfig } from '../../../../observability/slo/config.js';
import { DATASOURCE_UID } from '../../../../observability/slo/dashboard.js';
import { alertNames } from '../../../../observability/slo/rules.js';
import { REPO_ROOT } from '../../support/folio-process.js';
import { OBS, RULE_FILES, ALERTMANAGER_BIN, readYaml, requireBinaries, run } from './stack.js';

const slo = loadSloConfig();
const rel = (f: string) => path.relative(REPO_ROOT, f);

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
    for (const alert of alertNames(slo)) {
      const file = path.join(REPO_ROOT, 'docs/runbooks', `${alert}.md`);
      assert.ok(fs.existsSync(file), `missing ${rel(file)}`);
      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, new RegExp(`^# ${alert}\\b`), `${rel(file)} starts with its alert name`);
      assert.match(text, /^## Check/m, `${rel(file)} has a "Check" section`);
      assert.match(text, /^## Act/m, `${rel(file)} has an "Act" section`);
      assert.match(text, /```sh\n/, `${rel(file)} shows commands`);
    }
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
    for (const alert of alertNames(slo)) {
      assert.ok(fires.has(alert), `no rule test where ${alert} fires`);
      assert.ok(quiet.has(alert), `no rule test where ${alert} must not fire`);
    }
  });

  it('every alert has severity, summary, a description, a runbook and the dashboard', () => {
    for (const f of RULE_FILES) {
      for (const g of readYaml(f).groups) {
        for (const r of g.rules.filter((x: { alert?: string }) => x.alert)) {
          assert.match(r.labels.severity, /^(page|ticket)$/, `${r.alert}: severity`);
          if (r.alert.includes('Burn') || r.alert.startsWith('FolioPack'))
            assert.ok(r.labels.slo, `${r.alert}: slo label`);
          for (const k of ['summary', 'description', 'runbook_url', 'dashboard'])
            assert.ok(r.annotations?.[k], `${r.alert}: annotation ${k}`);
          assert.equal(r.annotations.runbook_url, `${slo.links.runbooks}/${r.alert}.md`);
        }
      }
    }
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

  it('routes pages to PagerDuty and the webhook, tickets to Slack', async () => {
    assert.equal(
      await route('severity=page', 'slo=availability', 'alertname=FolioAvailabilityFastBurn'),
      'pagerduty,alert-webhook',
    );
    assert.equal(await route('severity=page', 'alertname=FolioTargetDown'), 'pagerduty,alert-webhook');
    assert.equal(
      await route('severity=ticket', 'slo=availability', 'alertname=FolioAvailabilitySlowBurn'),
      'slack-tickets',
    );
    assert.equal(await route('severity=ticket', 'alertname=FolioCircuitBreakerOpen'), 'slack-tickets');
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

  it('holds back tickets while a page for the same SLO fires', () => {
    const [rule] = readYaml(config).inhibit_rules;
    assert.deepEqual(rule.equal, ['slo']);
    assert.ok(rule.source_matchers.includes('severity="page"'));
    assert.ok(rule.target_matchers.includes('severity="ticket"'));
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
      for (const p of d.panels.filter((x: { type: string }) => x.type !== 'row')) {
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
      'folio',
      'grafana',
      'jaeger',
      'postgres',
      'prometheus',
    ]);
    const folio = c.services.folio;
    assert.match(folio.environment.DATABASE_URL, /^postgres:\/\/folio:pw@postgres:5432\/folio$/);
    assert.equal(folio.environment.OTEL_TRACES_EXPORTER, 'jaeger');
    assert.equal(folio.environment.OTEL_EXPORTER_JAEGER_ENDPOINT, 'http://jaeger:14268/api/traces');
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
  });

  it('the Dockerfile builds in stages and runs as a non-root user with a health check', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const from = text.match(/^FROM .*$/gm) ?? [];
    assert.ok(from.length >= 2, 'multi-stage');
    for (const f of from) assert.match(f, /^FROM node:20-bookworm-slim\b/);
    assert.match(text, /^RUN npm ci\b/m);
    assert.match(text, /npm run build/);
    assert.match(text, /npm prune --omit=dev/);
    const users = text.match(/^USER (\S+)/gm) ?? [];
    assert.ok(users.length > 0 && !/root|^USER 0$/.test(users.at(-1)!), `last USER is not root: ${users.at(-1)}`);
    assert.match(text, /^HEALTHCHECK .*\n?.*\/health\/ready/m);
    const ignored = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'data', 'observability/alertmanager/secrets'])
      assert.ok(ignored.includes(p), `.dockerignore: ${p}`);
  });
});
