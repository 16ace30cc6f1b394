import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import {
  JOB_NAMES,
  breakerEventTotals,
  durationHistogram,
  failedBuildDates,
  runStats,
} from '../db/repositories/jobs.js';
import { freshness, statusCounts } from '../db/repositories/packs.js';
import { withinDeadline } from '../db/unavailable.js';
import { EXPECTED_PACK_STATES, PACK_STATUSES, type FreshnessRule } from '../domain/pack.js';
import type { Logger } from './logger.js';
import { BREAKER_EVENTS } from '../providers/breakers.js';
import { PROVIDER_NAMES } from '../providers/index.js';
import {
  JOB_BREAKER_EVENTS,
  JOB_LAST_SUCCESS,
  JOB_RUNNING,
  JOB_RUNS,
  METRICS_SOURCE_UP,
  PACK_AGE,
  PACK_BUILD_BUCKETS,
  PACK_BUILD_DURATION,
  PACK_BUILD_FAILED_DATES,
  PACK_BUILD_FAILED_NEWEST,
  PACK_EXPECTED_DATE,
  PACK_EXPECTED_STATE,
  PACK_FRESH,
  PACK_NEWEST_FRESH_DATE,
  PACKS,
  PACKS_WARMING_STALE,
  type MetricDefinition,
} from './metrics-catalogue.js';

const FINISHED = ['success', 'failure'] as const;

export interface PackMetricsOptions extends FreshnessRule {
  /** FOLIO_PACK_WARMING_STALE_SECONDS. */
  staleSeconds: number;
  /** FOLIO_DB_PROBE_TIMEOUT_MS: the longest a scrape waits for the database. */
  timeoutMs: number;
  logger: Logger;
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
  readonly name: string;
  readonly help: string;
  readonly type: MetricDefinition['type'];
  constructor(
    d: MetricDefinition,
    private readonly samples: () => Promise<Sample[]>,
  ) {
    this.name = d.name;
    this.help = d.help;
    this.type = d.type;
  }

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
 * One scrape runs one set of queries, shared by every metric of that scrape. A database that
 * fails or does not answer within `timeoutMs` leaves these metrics out of the scrape and sets
 * folio_metrics_source_up{source="database"} to 0: the scrape itself still succeeds, so the
 * request metrics keep reaching Prometheus during a database outage.
 */
export function registerPackMetrics(registry: Registry, db: Knex, opts: PackMetricsOptions): void {
  const now = opts.now ?? (() => new Date());
  let current: { at: number; data: Promise<Snapshot | null> } | null = null;
  // A read still waiting on a hung database is waited on again rather than joined by another.
  let reading: Promise<Snapshot> | null = null;
  // Metrics of one scrape are collected concurrently; a scrape a second later reads again.
  const snapshot = (): Promise<Snapshot | null> => {
    const t = Date.now();
    if (!current || t - current.at > 500) {
      const running = (reading ??= read(db, now(), opts).finally(() => {
        if (reading === running) reading = null;
      }));
      const data: Promise<Snapshot | null> = withinDeadline(running, opts.timeoutMs).catch((err: unknown) => {
        // A failed read is not reused: the next scrape asks again, so recovery shows at once.
        if (current?.data === data) current = null;
        opts.logger.warn({ err, source: 'database' }, 'metrics could not read the database');
        return null;
      });
      current = { at: t, data };
    }
    return current.data;
  };

  const metric = (d: MetricDefinition, f: (s: Snapshot) => Sample[]) =>
    registry.registerMetric(
      new ScrapedMetric(d, async () => {
        const s = await snapshot();
        return s ? f(s) : [];
      }) as never,
    );

  registry.registerMetric(
    new ScrapedMetric(METRICS_SOURCE_UP, async () => [
      { labels: { source: 'database' }, value: (await snapshot()) ? 1 : 0 },
    ]) as never,
  );
  metric(PACK_BUILD_DURATION, (s) =>
    FINISHED.flatMap((status) => {
      const h = s.histogram.find((x) => x.status === status);
      const labels = { status };
      return [
        ...PACK_BUILD_BUCKETS.map((le, i) => ({
          metricName: `${PACK_BUILD_DURATION.name}_bucket`,
          labels: { ...labels, le: String(le) },
          value: h?.buckets[i] ?? 0,
        })),
        {
          metricName: `${PACK_BUILD_DURATION.name}_bucket`,
          labels: { ...labels, le: '+Inf' },
          value: h?.count ?? 0,
        },
        { metricName: `${PACK_BUILD_DURATION.name}_sum`, labels, value: h?.sum ?? 0 },
        { metricName: `${PACK_BUILD_DURATION.name}_count`, labels, value: h?.count ?? 0 },
      ];
    }),
  );
  metric(JOB_RUNS, (s) =>
    JOB_NAMES.flatMap((job) =>
      FINISHED.map((status) => ({
        labels: { job, status },
        value: s.runs.finished.find((r) => r.job === job && r.status === status)?.n ?? 0,
      })),
    ),
  );
  metric(JOB_LAST_SUCCESS, (s) =>
    s.runs.lastSuccess
      .filter((r) => (JOB_NAMES as readonly string[]).includes(r.job))
      .map((r) => ({ labels: { job: r.job }, value: seconds(r.at) })),
  );
  metric(JOB_RUNNING, (s) =>
    JOB_NAMES.map((job) => ({ labels: { job }, value: s.runs.running.find((r) => r.job === job)?.n ?? 0 })),
  );
  metric(JOB_BREAKER_EVENTS, (s) => {
    const totals = new Map<string, number>();
    for (const breaker of PROVIDER_NAMES)
      for (const event of Object.values(BREAKER_EVENTS)) totals.set(`${breaker}\0${event}`, 0);
    for (const c of s.breakerEvents) totals.set(`${c.breaker}\0${c.event}`, c.n);
    return [...totals].map(([key, value]) => {
      const [breaker, event] = key.split('\0') as [string, string];
      return { labels: { breaker, event }, value };
    });
  });
  metric(PACK_NEWEST_FRESH_DATE, (s) =>
    s.freshness.newestFreshDate === null ? [] : [{ labels: {}, value: dayStart(s.freshness.newestFreshDate) }],
  );
  metric(PACK_EXPECTED_DATE, (s) => [{ labels: {}, value: dayStart(s.freshness.expectedDate) }]);
  metric(PACK_FRESH, (s) => [{ labels: {}, value: s.freshness.fresh ? 1 : 0 }]);
  metric(PACK_EXPECTED_STATE, (s) =>
    EXPECTED_PACK_STATES.map((state) => ({ labels: { state }, value: s.freshness.state === state ? 1 : 0 })),
  );
  metric(PACK_AGE, (s) => (s.freshness.ageSeconds === null ? [] : [{ labels: {}, value: s.freshness.ageSeconds }]));
  metric(PACK_BUILD_FAILED_DATES, (s) => [{ labels: {}, value: s.failedDates.length }]);
  metric(PACK_BUILD_FAILED_NEWEST, (s) =>
    s.failedDates[0] === undefined ? [] : [{ labels: {}, value: dayStart(s.failedDates[0]) }],
  );
  metric(PACKS, (s) =>
    PACK_STATUSES.map((status) => ({ labels: { status }, value: s.packs.byStatus.get(status) ?? 0 })),
  );
  metric(PACKS_WARMING_STALE, (s) => [{ labels: {}, value: s.packs.staleWarming }]);
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
