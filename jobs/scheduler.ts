import { setImmediate } from 'node:timers/promises';
import cron, { type ScheduledTask } from 'node-cron';
import {
  type Config,
  localDateTime,
  previousTradingDay,
  createMarketData,
  type MarketDataProvider,
  buildPack,
  datesToBuild,
  packJobSettings,
  type BuildOutcome,
  type PackJobSettings,
  type JobContext,
} from '../backend/src/index.js';

export interface PackScheduler {
  /**
   * One scheduled run: builds, reconciles and marks fresh the previous trading day as of
   * `now`, after the trading days missing since the newest fresh pack, oldest first; one
   * outcome per date, the previous trading day last.
   */
  tick(now?: Date): Promise<BuildOutcome[]>;
  /** Catches up at once, then starts the cron schedule. */
  start(): void;
  /** Stops the schedule and waits for a tick in progress. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  schedule: string;
  timeZone: string;
  settings: PackJobSettings;
  provider: () => MarketDataProvider;
  /** Most trading days missing before the previous one that a tick builds (FOLIO_PACK_CATCH_UP_DAYS). */
  catchUpDays: number;
}

/**
 * The pack schedule: node-cron fires `schedule` in `timeZone`, without overlapping itself,
 * and each tick builds the previous trading day, after any trading days missing since the
 * newest fresh pack (the scheduler was down, or the demo data ends in the past), so the pack
 * the freshness objective expects is there without anyone asking. Several schedulers
 * (replicas, or the service and a `folio scheduler` process) may run at once: the build's
 * per-date lock lets one build and the others record a skip.
 */
export function createPackScheduler(ctx: JobContext, opts: SchedulerOptions): PackScheduler {
  let task: ScheduledTask | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const build = async (now: Date): Promise<BuildOutcome[]> => {
    const target = previousTradingDay(localDateTime(now, opts.timeZone).date);
    const provider = opts.provider();
    const outcomes: BuildOutcome[] = [];
    // A date that fails is reported (FolioPackBuildFailed) and does not hold up the later ones.
    for (const date of await datesToBuild(ctx, target, opts.catchUpDays)) {
      outcomes.push(await buildPack(ctx, opts.settings, { date, provider, markFresh: true, force: false }));
      // better-sqlite3 answers synchronously, so a build's promises settle as microtasks and a
      // catch-up of many dates would hold the event loop from the requests this process serves
      // (for seconds: keep-alive sockets then time out under clients mid-request).
      await setImmediate();
    }
    return outcomes;
  };
  // Ticks of one scheduler run one after another: the start-up catch-up and the first cron tick never overlap.
  const tick = (now = new Date()): Promise<BuildOutcome[]> => {
    const run = running.then(() => build(now));
    running = run.catch(() => undefined);
    return run;
  };
  const logged = async () => {
    try {
      for (const outcome of await tick()) {
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
      }
    } catch (err) {
      ctx.logger.error({ err }, 'scheduled build-pack could not run');
    }
  };

  return {
    tick,
    start() {
      if (task) return;
      void logged();
      task = cron.schedule(opts.schedule, logged, { timezone: opts.timeZone, noOverlap: true, name: 'build-pack' });
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
    catchUpDays: config.FOLIO_PACK_CATCH_UP_DAYS,
  });
}
