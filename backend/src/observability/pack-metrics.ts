import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import {
  JOB_NAMES,
  breakerEventTotals,
  durationHistogram,
  failedBuildDates,
  runStats,
} from '../db/repositories/jobs.js';
import { freshness, statusCounts, type PackStatus } from '../db/repositories/packs.js';
import { EXPECTED_PACK_STATES, type FreshnessRule } from '../domain/pack.js';
import { BREAKER_EVENTS } from '../providers/breakers.js';
import { PROVIDER_NAMES } from '../providers/index.js';

/**
 * docs/metrics.md: builds take 0.1-1 s on the demo and csv sources and minutes on a slow
 * API, so the buckets start low enough for quantiles of the usual builds to mean something;
 * 600 s is the build-time SLO, so it is a bound.
 */
export const PACK_BUILD_BUCKETS = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600,
] as const;
const PACK_STATUSES: readonly PackStatus[] = ['warming', 'fresh', 'error', 'superseded'];
const FINISHED = ['success', 'failure'] as const;

export interface PackMetricsOptions extends FreshnessRule {
  /** FOLIO_PACK_WARMING_STALE_SECONDS. */
  staleSeconds: number;
  now?: () => Date;
}

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/**
 * A metric whose samples are computed when scraped. prom-client calls `get()` per scrape,
 * and a histogram is just samples named _bucket/_sum/_count, so one shape serves every type.
 */
class ScrapedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter' | 'histogram',
    private readonly samples: () => Promise<Sample[]>,
  ) {}

  async get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: await this.samples(),
    };
  }
}

const seconds = (iso: string): number => Date.parse(iso) / 1000;
const dayStart = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;

/**
 * The pricing-pack and job metrics of docs/metrics.md, read from the database at scrape time
 * so builds run by other processes (`folio build-pack`, a scheduler replica) count too.
 * One scrape runs one set of queries, shared by every metric of that scrape.
 */
export function registerPackMetrics(registry: Registry, db: Knex, opts: PackMetricsOptions): void {
  const now = opts.now ?? (() => new Date());
  let current: { at: number; data: Promise<Snapshot> } | null = null;
  // Metrics of one scrape are collected concurrently; a scrape a second later reads again.
  const snapshot = (): Promise<Snapshot> => {
    const t = Date.now();
    if (!current || t - current.at > 500) {
      const data = read(db, now(), opts);
      current = { at: t, data };
      data.catch(() => {
        if (current?.data === data) current = null;
      });
    }
    return current.data;
  };

  const metric = (name: string, help: string, type: 'gauge' | 'counter' | 'histogram', f: (s: Snapshot) => Sample[]) =>
    registry.registerMetric(new ScrapedMetric(name, help, type, async () => f(await snapshot())) as never);

  metric('folio_pack_build_duration_seconds', 'Finished build-pack job runs by status.', 'histogram', (s) =>
    FINISHED.flatMap((status) => {
      const h = s.histogram.find((x) => x.status === status);
      const labels = { status };
      return [
        ...PACK_BUILD_BUCKETS.map((le, i) => ({
          metricName: 'folio_pack_build_duration_seconds_bucket',
          labels: { ...labels, le: String(le) },
          value: h?.buckets[i] ?? 0,
        })),
        {
          metricName: 'folio_pack_build_duration_seconds_bucket',
          labels: { ...labels, le: '+Inf' },
          value: h?.count ?? 0,
        },
        { metricName: 'folio_pack_build_duration_seconds_sum', labels, value: h?.sum ?? 0 },
        { metricName: 'folio_pack_build_duration_seconds_count', labels, value: h?.count ?? 0 },
      ];
    }),
  );
  metric('folio_job_runs_total', 'Finished job runs by job and status.', 'counter', (s) =>
    JOB_NAMES.flatMap((job) =>
      FINISHED.map((status) => ({
        labels: { job, status },
        value: s.runs.finished.find((r) => r.job === job && r.status === status)?.n ?? 0,
      })),
    ),
  );
  metric('folio_job_last_success_timestamp_seconds', 'Unix time the job last succeeded.', 'gauge', (s) =>
    s.runs.lastSuccess
      .filter((r) => (JOB_NAMES as readonly string[]).includes(r.job))
      .map((r) => ({ labels: { job: r.job }, value: seconds(r.at) })),
  );
  metric('folio_job_running', 'Job runs in progress (started, not finished).', 'gauge', (s) =>
    JOB_NAMES.map((job) => ({ labels: { job }, value: s.runs.running.find((r) => r.job === job)?.n ?? 0 })),
  );
  metric(
    'folio_job_breaker_events_total',
    'Circuit breaker events of job runs in processes that are not scraped (folio build-pack, folio scheduler).',
    'counter',
    (s) => {
      const totals = new Map<string, number>();
      for (const breaker of PROVIDER_NAMES)
        for (const event of Object.values(BREAKER_EVENTS)) totals.set(`${breaker}\0${event}`, 0);
      for (const c of s.breakerEvents) totals.set(`${c.breaker}\0${c.event}`, c.n);
      return [...totals].map(([key, value]) => {
        const [breaker, event] = key.split('\0') as [string, string];
        return { labels: { breaker, event }, value };
      });
    },
  );
  metric(
    'folio_pack_newest_fresh_date_timestamp_seconds',
    'Date of the newest fresh pack, as Unix time at 00:00 UTC.',
    'gauge',
    (s) => (s.freshness.newestFreshDate === null ? [] : [{ labels: {}, value: dayStart(s.freshness.newestFreshDate) }]),
  );
  metric(
    'folio_pack_expected_date_timestamp_seconds',
    'Date of the pack the freshness objective expects to be fresh now, as Unix time at 00:00 UTC.',
    'gauge',
    (s) => [{ labels: {}, value: dayStart(s.freshness.expectedDate) }],
  );
  metric('folio_pack_fresh', '1 when the expected pack (or a later one) is fresh, else 0.', 'gauge', (s) => [
    { labels: {}, value: s.freshness.fresh ? 1 : 0 },
  ]);
  metric(
    'folio_pack_expected_state',
    'State of the expected pack, 1 for the current one: fresh (or a later pack is), warming, error or missing.',
    'gauge',
    (s) => EXPECTED_PACK_STATES.map((state) => ({ labels: { state }, value: s.freshness.state === state ? 1 : 0 })),
  );
  metric(
    'folio_pack_age_seconds',
    'Seconds since the newest fresh pack became due (FOLIO_PACK_FRESH_BY on the day after its date).',
    'gauge',
    (s) => (s.freshness.ageSeconds === null ? [] : [{ labels: {}, value: s.freshness.ageSeconds }]),
  );
  metric(
    'folio_pack_build_failed_dates',
    'Dates whose last build-pack run failed and that no fresh pack covers.',
    'gauge',
    (s) => [{ labels: {}, value: s.failedDates.length }],
  );
  metric(
    'folio_pack_build_failed_newest_date_timestamp_seconds',
    'The newest of those dates, as Unix time at 00:00 UTC (absent when there is none).',
    'gauge',
    (s) => (s.failedDates[0] === undefined ? [] : [{ labels: {}, value: dayStart(s.failedDates[0]) }]),
  );
  metric('folio_packs', 'Packs by status.', 'gauge', (s) =>
    PACK_STATUSES.map((status) => ({ labels: { status }, value: s.packs.byStatus.get(status) ?? 0 })),
  );
  metric(
    'folio_packs_warming_stale',
    'Warming packs older than FOLIO_PACK_WARMING_STALE_SECONDS (a build that died).',
    'gauge',
    (s) => [{ labels: {}, value: s.packs.staleWarming }],
  );
}

interface Snapshot {
  at: Date;
  histogram: Awaited<ReturnType<typeof durationHistogram>>;
  runs: Awaited<ReturnType<typeof runStats>>;
  packs: Awaited<ReturnType<typeof statusCounts>>;
  freshness: Awaited<ReturnType<typeof freshness>>;
  failedDates: string[];
  breakerEvents: Awaited<ReturnType<typeof breakerEventTotals>>;
}

async function read(db: Knex, at: Date, opts: PackMetricsOptions): Promise<Snapshot> {
  const [histogram, runs, packs, fresh, failedDates, breakerEvents] = await Promise.all([
    durationHistogram(db, 'build-pack', PACK_BUILD_BUCKETS),
    runStats(db),
    statusCounts(db, new Date(at.getTime() - opts.staleSeconds * 1000).toISOString()),
    freshness(db, at, opts),
    failedBuildDates(db),
    breakerEventTotals(db),
  ]);
  return { at, histogram, runs, packs, freshness: fresh, failedDates, breakerEvents };
}
