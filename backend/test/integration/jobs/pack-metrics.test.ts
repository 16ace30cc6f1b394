import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Knex } from 'knex';
import { Registry } from 'prom-client';
import * as packs from '../../../src/db/repositories/packs.js';
import { createLogger } from '../../../src/observability/logger.js';
import { registerPackMetrics } from '../../../src/observability/pack-metrics.js';
import { describeEachDb } from '../../support/databases.js';
import { runFolio } from '../../support/folio-process.js';
import { jobsDatabase, type JobsDb } from './support.js';

/** Value of one exposed sample, by its exact name and label text; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** How the service reads the database for metrics, quietly. */
const reads = { timeoutMs: 10_000, logger: createLogger({ level: 'silent', pretty: false }) };

function promtool(text: string, ctx: Mocha.Context): void {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) {
    if (process.env.CI === 'true') throw new Error(`promtool is required under CI=true: ${r.error.message}`);
    console.warn(`    promtool not found (${r.error.message}); exposition not checked by it`);
    ctx.skip();
  }
  assert.equal(r.status, 0, `promtool check metrics failed:\n${r.stdout}${r.stderr}`);
}

describeEachDb('jobs: pack metrics from the database', (dialect) => {
  let t: JobsDb;
  let db: Knex;
  before(async () => {
    t = await jobsDatabase(dialect);
    db = t.open();
  });
  after(async () => {
    await db?.destroy();
    await t?.drop();
  });

  it('exposes every known series at 0 before any job ran', async () => {
    const registry = new Registry();
    registerPackMetrics(registry, db, {
      freshBy: '07:00',
      timeZone: 'UTC',
      staleSeconds: 3600,
      ...reads,
      now: () => new Date('2025-10-28T08:00:00Z'),
    });
    const text = await registry.metrics();
    for (const job of ['build-pack', 'reconcile', 'mark-fresh']) {
      for (const status of ['success', 'failure'])
        assert.equal(sample(text, `folio_job_runs_total{job="${job}",status="${status}"}`), 0);
      assert.equal(sample(text, `folio_job_running{job="${job}"}`), 0);
    }
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_count{status="success"}'), 0);
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_bucket{status="failure",le="600"}'), 0);
    assert.doesNotMatch(text, /folio_job_last_success_timestamp_seconds\{/);
    // The demo data ends on Friday 2025-10-24; Monday's pack is due by 07:00 Tuesday.
    assert.equal(sample(text, 'folio_pack_expected_date_timestamp_seconds'), Date.parse('2025-10-27T00:00:00Z') / 1000);
    assert.equal(sample(text, 'folio_pack_fresh'), 0);
    assert.equal(sample(text, 'folio_pack_expected_state{state="missing"}'), 1);
    assert.equal(sample(text, 'folio_pack_expected_state{state="fresh"}'), 0);
    assert.equal(
      sample(text, 'folio_pack_newest_fresh_date_timestamp_seconds'),
      Date.parse('2025-10-24T00:00:00Z') / 1000,
    );
    // Friday's pack became due on Saturday at 07:00, three days and an hour before.
    assert.equal(sample(text, 'folio_pack_age_seconds'), 3 * 86_400 + 3600);
    assert.equal(sample(text, 'folio_pack_build_failed_dates'), 0);
    assert.doesNotMatch(text, /folio_pack_build_failed_newest_date_timestamp_seconds \d/);
    // Builds take well under a second, so the buckets start there.
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_bucket{status="success",le="0.05"}'), 0);
    for (const breaker of ['demo', 'csv', 'http'])
      for (const event of ['success', 'failure', 'reject', 'open'])
        assert.equal(sample(text, `folio_job_breaker_events_total{breaker="${breaker}",event="${event}"}`), 0);
  });

  it('reflects a build run by another process, and passes promtool', async function () {
    const built = await runFolio(['build-pack', '--date', '2025-10-27', '--mark-fresh'], {
      env: t.env,
      timeoutMs: 60_000,
    });
    assert.equal(built.code, 0, built.stderr);
    // A build that died long ago, still warming.
    await packs.startBuild(db, {
      id: 'PP_2025-10-28',
      date: '2025-10-28',
      source: 'demo',
      now: '2025-10-28T06:00:00.000Z',
      reuse: false,
    });

    const now = new Date('2025-10-28T08:00:00Z');
    const registry = new Registry();
    registerPackMetrics(registry, db, {
      freshBy: '07:00',
      timeZone: 'UTC',
      staleSeconds: 600,
      ...reads,
      now: () => now,
    });
    const text = await registry.metrics();
    for (const job of ['build-pack', 'reconcile', 'mark-fresh']) {
      assert.equal(sample(text, `folio_job_runs_total{job="${job}",status="success"}`), 1, job);
      assert.equal(sample(text, `folio_job_runs_total{job="${job}",status="failure"}`), 0, job);
      const last = sample(text, `folio_job_last_success_timestamp_seconds{job="${job}"}`)!;
      assert.ok(Math.abs(last - Date.now() / 1000) < 120, `${job} succeeded just now`);
    }
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_count{status="success"}'), 1);
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_bucket{status="success",le="+Inf"}'), 1);
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_bucket{status="success",le="3600"}'), 1);
    const sum = sample(text, 'folio_pack_build_duration_seconds_sum{status="success"}')!;
    assert.ok(sum > 0 && sum < 60, `build took ${sum} s`);
    assert.equal(sample(text, 'folio_pack_fresh'), 1);
    assert.equal(
      sample(text, 'folio_pack_newest_fresh_date_timestamp_seconds'),
      Date.parse('2025-10-27T00:00:00Z') / 1000,
    );
    // Monday's pack became due on Tuesday at 07:00, an hour before.
    assert.equal(sample(text, 'folio_pack_age_seconds'), 3600);
    assert.equal(sample(text, 'folio_pack_expected_state{state="fresh"}'), 1);
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_bucket{status="success",le="+Inf"}'), 1);
    // The demo build of 74 securities is a matter of a second at most.
    assert.equal(sample(text, 'folio_pack_build_duration_seconds_bucket{status="success",le="5"}'), 1);
    assert.equal(sample(text, 'folio_job_breaker_events_total{breaker="demo",event="success"}'), 1);
    assert.equal(sample(text, 'folio_packs{status="fresh"}'), 754);
    assert.equal(sample(text, 'folio_packs{status="warming"}'), 1);
    assert.equal(sample(text, 'folio_packs{status="superseded"}'), 0);
    assert.equal(sample(text, 'folio_packs_warming_stale'), 1);
    assert.match(text, /# TYPE folio_pack_build_duration_seconds histogram/);
    assert.match(text, /# TYPE folio_job_runs_total counter/);
    promtool(text, this);
  });

  it('counts the breaker events of a failed build run elsewhere, and its date until a rebuild covers it', async function () {
    const env = {
      ...t.env,
      FOLIO_PROVIDER_HTTP_URL: 'http://127.0.0.1:9',
      FOLIO_PROVIDER_RETRIES: '1',
      FOLIO_PROVIDER_BACKOFF_MS: '5',
    };
    const failed = await runFolio(['build-pack', '--date', '2025-10-29', '--provider', 'http'], {
      env,
      timeoutMs: 60_000,
    });
    assert.equal(failed.code, 1, failed.stderr);
    const now = new Date('2025-10-30T08:00:00Z');
    const scrape = () => {
      const registry = new Registry();
      registerPackMetrics(registry, db, {
        freshBy: '07:00',
        timeZone: 'UTC',
        staleSeconds: 3600,
        ...reads,
        now: () => now,
      });
      return registry.metrics();
    };
    let text = await scrape();
    // One attempt and one retry, refused, in a process nobody scrapes.
    assert.equal(sample(text, 'folio_job_breaker_events_total{breaker="http",event="failure"}'), 2);
    assert.equal(sample(text, 'folio_job_breaker_events_total{breaker="http",event="success"}'), 0);
    assert.equal(sample(text, 'folio_pack_build_failed_dates'), 1);
    assert.equal(
      sample(text, 'folio_pack_build_failed_newest_date_timestamp_seconds'),
      Date.parse('2025-10-29T00:00:00Z') / 1000,
    );
    assert.equal(sample(text, 'folio_job_runs_total{job="build-pack",status="failure"}'), 1);

    const rebuilt = await runFolio(['build-pack', '--date', '2025-10-29', '--mark-fresh'], {
      env: t.env,
      timeoutMs: 60_000,
    });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    text = await scrape();
    assert.equal(sample(text, 'folio_pack_build_failed_dates'), 0);
    // A counter: the failures stay counted.
    assert.equal(sample(text, 'folio_job_breaker_events_total{breaker="http",event="failure"}'), 2);
    promtool(text, this);
  });
});
