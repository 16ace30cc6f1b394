import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_METRICS_PREFIX, METRIC_CATALOGUE } from '../../../src/observability/metrics-catalogue.js';
import { describeEachDb } from '../../support/databases.js';
import { REPO_ROOT } from '../../support/folio-process.js';
import { useSeededServer, type TestServer } from '../../support/server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (comments skipped). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(m, `exposition line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const value = (samples: Sample[], name: string, labels: Record<string, string>): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

/** Metric names from the tables of docs/metrics.md, by section. */
function documented(section: string): string[] {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/metrics.md'), 'utf8');
  const body = doc.split(/^## /m).find((s) => s.startsWith(section));
  assert.ok(body, `docs/metrics.md has a ${section} section`);
  return [...body.matchAll(/^\| `([a-z_]+)`(?: \/ `([a-z_]+)`)?/gm)].flatMap((m) => [m[1]!, ...(m[2] ? [m[2]] : [])]);
}

const familyOf = (samples: Sample[], name: string) =>
  samples.filter((s) => s.name === name || s.name.startsWith(`${name}_`));

async function scrape(srv: TestServer): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${srv.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parse(text) };
}

describeEachDb('GET /metrics', (dialect) => {
  const t = useSeededServer(dialect);

  it('passes promtool check metrics, without authentication', async function () {
    const { text } = await scrape(t.srv);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (check.error) {
      if (process.env.CI === 'true') throw new Error(`promtool is required under CI=true: ${check.error.message}`);
      console.warn(`    skipping promtool check: ${check.error.message} (install the prometheus package)`);
      this.skip();
    }
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
  });

  it('exports exactly the metrics of the catalogue, each with its declared type', async () => {
    const { text } = await scrape(t.srv);
    const exported = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const defaults = new RegExp(`^${DEFAULT_METRICS_PREFIX}(process|nodejs)_`);
    const own = new Map([...exported].filter(([name]) => !defaults.test(name)));
    assert.deepEqual(own, new Map(METRIC_CATALOGUE.map((d) => [d.name, d.type])));
  });

  it('exports every known series at 0 before the first request', async () => {
    const { samples } = await scrape(t.srv);
    for (const outcome of ['computed', 'cached', 'failed']) {
      assert.equal(value(samples, 'folio_pattern_executions_total', { pattern: 'portfolio_overview', outcome }), 0);
    }
    assert.equal(
      value(samples, 'folio_pattern_step_duration_seconds_count', {
        pattern: 'portfolio_overview',
        step: 'valuation',
        status: 'skipped',
      }),
      0,
    );
    assert.equal(
      value(samples, 'folio_capability_duration_seconds_count', { capability: 'ledger.positions', status: 'failed' }),
      0,
    );
    assert.equal(
      value(samples, 'folio_agent_invocations_total', {
        agent: 'ledger',
        capability: 'ledger.positions',
        status: 'ok',
      }),
      0,
    );
    // Every status an answer can have, so that rate() sees the first 503 or 504 (a series born
    // with its first sample has no increase to show).
    for (const pattern of ['portfolio_overview', 'risk', 'unknown'])
      for (const code of ['200', '400', '401', '404', '429', '500', '503', '504'])
        assert.equal(value(samples, 'folio_execute_requests_total', { pattern, code }), 0, `${pattern} ${code}`);
    for (const error of ['timeout', 'dependency_unavailable', 'pricing_pack_warming', 'internal_error'])
      assert.equal(value(samples, 'folio_execute_errors_total', { pattern: 'risk', error }), 0, error);
    assert.equal(value(samples, 'folio_provider_retries_total', { provider: 'http' }), 0);
  });

  it('counts an execution in every request metric of docs/metrics.md, and a cache hit', async () => {
    const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
    assert.equal((await t.srv.request('POST', '/v1/execute', { body })).status, 200);
    assert.equal((await t.srv.request('POST', '/v1/execute', { body })).status, 200);
    const { samples } = await scrape(t.srv);
    for (const name of [...documented('Requests'), ...documented('Process'), ...documented('Providers')]) {
      if (name.includes('*')) continue;
      assert.ok(familyOf(samples, name).length > 0, `${name} is exported`);
    }
    const pattern = { pattern: 'portfolio_overview' };
    assert.equal(
      value(samples, 'folio_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/execute',
        code: '200',
      }),
      2,
    );
    assert.equal(value(samples, 'folio_http_requests_total', { method: 'POST', route: '/v1/execute', code: '200' }), 2);
    assert.equal(value(samples, 'folio_execute_duration_seconds_count', pattern), 2);
    assert.ok(value(samples, 'folio_execute_duration_seconds_sum', pattern)! > 0);
    assert.equal(value(samples, 'folio_execute_duration_seconds_bucket', { ...pattern, le: '+Inf' }), 2);
    assert.equal(value(samples, 'folio_execute_requests_total', { ...pattern, code: '200' }), 2);
    assert.equal(value(samples, 'folio_pattern_executions_total', { ...pattern, outcome: 'computed' }), 1);
    assert.equal(value(samples, 'folio_pattern_executions_total', { ...pattern, outcome: 'cached' }), 1);
    assert.equal(value(samples, 'folio_result_cache_misses_total', pattern), 1);
    assert.equal(value(samples, 'folio_result_cache_hits_total', pattern), 1);
    for (const step of ['portfolio', 'positions', 'valuation', 'allocation', 'ledger', 'history', 'metrics']) {
      assert.equal(
        value(samples, 'folio_pattern_step_duration_seconds_count', { ...pattern, step, status: 'ok' }),
        1,
        `step ${step}`,
      );
    }
    assert.equal(
      value(samples, 'folio_capability_duration_seconds_count', { capability: 'pricing.value', status: 'ok' }),
      1,
    );
    assert.equal(
      value(samples, 'folio_agent_invocations_total', { agent: 'pricing', capability: 'pricing.value', status: 'ok' }),
      1,
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(value(samples, 'folio_build_info', { version: pkg.version, node_version: process.version }), 1);
    assert.ok(value(samples, 'folio_process_resident_memory_bytes', {})! > 0);
    assert.ok(familyOf(samples, 'folio_nodejs_eventloop_lag_seconds').length > 0);
    const buckets = samples
      .filter(
        (s) =>
          s.name === 'folio_http_request_duration_seconds_bucket' &&
          s.labels.route === '/v1/execute' &&
          s.labels.code === '200',
      )
      .map((s) => s.labels.le);
    assert.deepEqual(buckets, [
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.3',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
  });

  it('exports the pack and job metrics, read from the database', async () => {
    const { samples } = await scrape(t.srv);
    // Gauges of moments are absent until there is one: no job has succeeded or failed in the seeded database.
    const absentUntilThen = [
      'folio_job_last_success_timestamp_seconds',
      'folio_pack_build_failed_newest_date_timestamp_seconds',
    ];
    for (const name of documented('Pricing packs').filter((n) => !absentUntilThen.includes(n))) {
      assert.ok(familyOf(samples, name).length > 0, `${name} is exported`);
    }
    assert.ok(value(samples, 'folio_packs', { status: 'fresh' })! > 0, 'the seeded fresh packs are counted');
  });

  it('labels an unknown pattern `unknown` and routes by template, never by id', async () => {
    const bogus = 'no_such_pattern_4711';
    assert.equal(
      (
        await t.srv.request('POST', '/v1/execute', {
          body: { pattern_id: bogus, inputs: { portfolio_id: 'pf_demo_usd' } },
        })
      ).status,
      404,
    );
    assert.equal((await t.srv.request('GET', '/v1/portfolios/pf_demo_cad')).status, 200);
    assert.equal((await t.srv.request('GET', '/v1/portfolios/pf_missing_99')).status, 404);
    assert.equal((await t.srv.request('GET', '/nowhere/at/all')).status, 404);
    const { text, samples } = await scrape(t.srv);
    assert.equal(value(samples, 'folio_execute_requests_total', { pattern: 'unknown', code: '404' }), 1);
    assert.equal(value(samples, 'folio_execute_errors_total', { pattern: 'unknown', error: 'pattern_not_found' }), 1);
    assert.equal(
      value(samples, 'folio_http_requests_total', { method: 'GET', route: '/v1/portfolios/:id', code: '200' }),
      1,
    );
    assert.equal(
      value(samples, 'folio_http_requests_total', { method: 'GET', route: '/v1/portfolios/:id', code: '404' }),
      1,
    );
    assert.equal(value(samples, 'folio_http_requests_total', { method: 'GET', route: 'unmatched', code: '404' }), 1);
    for (const id of [bogus, 'pf_', 'usr_', 'PP_', 'nowhere'])
      assert.ok(!text.includes(id), `no label value contains ${id}`);
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    assert.ok(
      !labelValues.some((v) => /[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-/.test(v)),
      'no hash or uuid in label values',
    );
  });
});
