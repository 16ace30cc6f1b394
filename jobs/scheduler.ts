import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../backend/src/config.js';
import { localDateTime, previousTradingDay } from '../backend/src/domain/calendar.js';
import { createMarketData } from '../backend/src/providers/index.js';
import type { MarketDataProvider } from '../backend/src/providers/provider.js';
import { buildPack, type BuildOutcome, type PackJobSettings } from './build-pack.js';
import type { JobContext } from './job-runs.js';

export const packJobSettings = (config: Config): PackJobSettings => ({
  minCoverage: config.FOLIO_PACK_MIN_COVERAGE,
  lockTtlSeconds: config.FOLIO_JOB_LOCK_TTL_SECONDS,
});

export interface PackScheduler {
  /** One scheduled run: builds, reconciles and marks fresh the previous trading day as of `now`. */
  tick(now?: Date): Promise<BuildOutcome>;
  /** Starts the cron schedule. */
  start(): void;
  /** Stops the schedule and waits for a tick in progress. */
  stop(): Promise<void>;
}

/**
 * The pack schedule: node-cron fires `schedule` in `timeZone`, without overlapping itself,
 * and each tick builds the previous trading day. Several schedulers (replicas, or the service
 * and a `folio scheduler` process) may run at once: the build's per-date lock lets one build
 * and the others record a skip.
 */
export function createPackScheduler(
  ctx: JobContext,
  opts: { schedule: string; timeZone: string; settings: PackJobSettings; provider: () => MarketDataProvider },
): PackScheduler {
  let task: ScheduledTask | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const tick = (now = new Date()): Promise<BuildOutcome> => {
    const date = previousTradingDay(localDateTime(now, opts.timeZone).date);
    const run = buildPack(ctx, opts.settings, { date, provider: opts.provider(), markFresh: true, force: false });
    running = run.catch(() => undefined);
    return run;
  };

  return {
    tick,
    start() {
      if (task) return;
      task = cron.schedule(
        opts.schedule,
        async () => {
          try {
            const outcome = await tick();
            const b = outcome.build;
            ctx.logger[outcome.ok ? 'info' : 'error'](
              {
                job: 'build-pack',
                date: b.date,
                pack_id: b.pack_id,
                status: b.status,
                duration_seconds: b.duration_seconds,
              },
              `scheduled build-pack ${b.status}: ${b.message}`,
            );
          } catch (err) {
            ctx.logger.error({ err }, 'scheduled build-pack could not run');
          }
        },
        { timezone: opts.timeZone, noOverlap: true, name: 'build-pack' },
      );
      ctx.logger.info(
        { schedule: opts.schedule, timezone: opts.timeZone, next: task.getNextRun()?.toISOString() ?? null },
        'pack scheduler started',
      );
    },
    async stop() {
      if (task) {
        await task.destroy();
        task = null;
      }
      await running;
    },
  };
}

/** The schedule as configured (FOLIO_PACK_SCHEDULE, _TZ, FOLIO_PROVIDER), for `folio scheduler` and for the service. */
export function configuredPackScheduler(config: Config, ctx: JobContext): PackScheduler {
  return createPackScheduler(ctx, {
    schedule: config.FOLIO_PACK_SCHEDULE,
    timeZone: config.FOLIO_PACK_SCHEDULE_TZ,
    settings: packJobSettings(config),
    provider: () => createMarketData(config),
  });
}
