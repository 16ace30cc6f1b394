import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import { JOB_NAMES, durationHistogram, runStats } from '../db/repositories/jobs.js';
import { statusCounts, type PackStatus } from '../db/repositories/packs.js';
import { expectedPackDate } from '../domain/pack.js';

/** docs/metrics.md: 600 s is the build-time SLO, so it is a bucket bound. */
export const PACK_BUILD_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 450, 600, 900, 1200, 1800, 3600] as const;
const PACK_STATUSES: readonly PackStatus[] = ['warming', 'fresh', 'error', 'superseded'];
const FINISHED = ['success', 'failure'] as const;

export interface PackMetricsOptions {
  /** FOLIO_PACK_FRESH_BY: HH:MM by which the previous trading day's pack should be fresh. */
  freshBy: string;
  /** FOLIO_PACK_SCHEDULE_TZ: the zone of freshBy and of "previous trading day". */
  timeZone: string;
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
      const data = read(db, now(), opts.staleSeconds);
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
    'folio_pack_newest_fresh_date_timestamp_seconds',
    'Date of the newest fresh pack, as Unix time at 00:00 UTC.',
    'gauge',
    (s) => (s.packs.newestFreshDate === null ? [] : [{ labels: {}, value: dayStart(s.packs.newestFreshDate) }]),
  );
  metric(
    'folio_pack_expected_date_timestamp_seconds',
    'Date of the pack the freshness objective expects to be fresh now, as Unix time at 00:00 UTC.',
    'gauge',
    (s) => [{ labels: {}, value: dayStart(expectedPackDate(s.at, opts.timeZone, opts.freshBy)) }],
  );
  metric('folio_pack_fresh', '1 when the expected pack (or a later one) is fresh, else 0.', 'gauge', (s) => [
    {
      labels: {},
      value:
        s.packs.newestFreshDate !== null &&
        s.packs.newestFreshDate >= expectedPackDate(s.at, opts.timeZone, opts.freshBy)
          ? 1
          : 0,
    },
  ]);
  metric(
    'folio_pack_age_seconds',
    "Seconds since the start (00:00 UTC) of the newest fresh pack's date.",
    'gauge',
    (s) =>
      s.packs.newestFreshDate === null
        ? []
        : [{ labels: {}, value: s.at.getTime() / 1000 - dayStart(s.packs.newestFreshDate) }],
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
}

async function read(db: Knex, at: Date, staleSeconds: number): Promise<Snapshot> {
  const [histogram, runs, packs] = await Promise.all([
    durationHistogram(db, 'build-pack', PACK_BUILD_BUCKETS),
    runStats(db),
    statusCounts(db, new Date(at.getTime() - staleSeconds * 1000).toISOString()),
  ]);
  return { at, histogram, runs, packs };
}
