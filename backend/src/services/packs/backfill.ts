import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import * as jobs from '../../db/repositories/jobs.js';
import * as packs from '../../db/repositories/packs.js';
import * as securitiesRepo from '../../db/repositories/securities.js';
import { calendarUsed, tradingDays } from '../../domain/calendar.js';
import { isCalendarDate } from '../../domain/dates.js';
import { parseSecurityMapping } from '../../domain/security-mapping.js';
import { AppError, invalid } from '../../errors.js';
import type { MarketDataProvider } from '../../providers/provider.js';
import { nowIso } from '../../clock.js';
import { buildPack, type BuildOutcome, type BuildRequest, type PackJobSettings } from './build.js';
import { snapshotRequest } from './build-content.js';
import { tryLock, type Lease } from './job-lock.js';
import { recordRun, type JobContext, type JobReport } from './job-runs.js';
import { prefetched, unwrap } from './prefetch.js';
import { registerSecurities } from './register-securities.js';

/** One backfill at a time per database; its dates are also locked one by one like any build. */
export const BACKFILL_LOCK = 'backfill';

export interface BackfillRequest {
  from: string;
  to: string;
  provider: MarketDataProvider;
  /** Reconcile and publish each date once built (what makes a date count as done on a rerun). */
  markFresh: boolean;
  /** Dates fetched ahead of the one being written (FOLIO_BACKFILL_PREFETCH). */
  prefetch: number;
  /** A security mapping file: register the symbols the source has data for, with the currency it gives. */
  registerSecurities?: { file: string; csv: string };
  /** Called for each trading day of the range as it is finished, in date order. */
  onDate?: (d: BackfillDate) => void;
}

export interface BackfillDate {
  date: string;
  /** `skipped`: the date already had a fresh pack. */
  status: 'success' | 'skipped' | 'failure';
  pack_id: string | null;
  /** Prices and FX rates written for the date. */
  rows: number;
  message: string;
  seconds: number;
  /** Trading days of the range finished so far, this one included, and in all. */
  done: number;
  total: number;
}

/** What was asked, recorded when the run starts so `--resume` can pick it up after a crash. */
export interface BackfillParams {
  from: string;
  to: string;
  provider: string;
  mark_fresh: boolean;
  register_securities: string | null;
}

/**
 * Builds one pack per trading day from `from` to `to`, in date order, skipping the dates that
 * are already fresh. Snapshots are fetched `prefetch` dates ahead through the provider (its
 * retries, rate limit and breaker apply) while each date is written by the ordinary build, so
 * a crash at any point leaves at most one date's warming pack, which the next run rebuilds in
 * place. The run stops at the first date that fails, so the fresh packs have no gaps.
 */
export async function backfill(ctx: JobContext, settings: PackJobSettings, req: BackfillRequest): Promise<JobReport> {
  checkRange(req.from, req.to);
  const mapping = req.registerSecurities ? parseSecurityMapping(req.registerSecurities.csv) : null;
  const params: BackfillParams = {
    from: req.from,
    to: req.to,
    provider: req.provider.name,
    mark_fresh: req.markFresh,
    register_securities: req.registerSecurities?.file ?? null,
  };
  return recordRun(ctx, { job: 'backfill', provider: req.provider.name, details: { request: params } }, async (run) => {
    const lease = await waitForLock(ctx.db, BACKFILL_LOCK, settings.lockTtlSeconds);
    if (!lease)
      throw new AppError('conflict', 'another backfill is running on this database; wait for it or stop it first');
    try {
      await jobs.abandonBackfills(ctx.db, run.id, nowIso());
      const calendar = calendarUsed(req.from, req.to);
      const days = tradingDays(req.from, req.to);
      const registration = mapping ? await registerSecurities(ctx.db, req.provider, mapping, lease.lost) : undefined;
      const fresh = await packs.freshDates(ctx.db, req.from, req.to);
      const securities = await securitiesRepo.all(ctx.db);
      const span = { from: req.from, to: req.to };
      const tally = { done: 0, built: 0, skipped: 0, rows: 0 };
      const started = performance.now();
      const finish = (d: Omit<BackfillDate, 'done' | 'total'>) => {
        tally.done++;
        req.onDate?.({ ...d, done: tally.done, total: days.length });
      };
      let next = 0;
      const skipFreshUntil = (date: string | null) => {
        for (; next < days.length && (date === null || days[next]! < date); next++) {
          const day = days[next]!;
          tally.skipped++;
          finish({ date: day, status: 'skipped', pack_id: null, rows: 0, message: 'already fresh', seconds: 0 });
        }
      };

      let failed: BackfillDate | null = null;
      const todo = days.filter((d) => !fresh.has(d));
      const fetches = prefetched(todo, req.prefetch, (date, signal) =>
        req.provider.snapshot(snapshotRequest(date, securities, span, AbortSignal.any([signal, lease.lost]))),
      );
      for await (const { item: date, fetched } of fetches) {
        skipFreshUntil(date);
        next++;
        const t0 = performance.now();
        const outcome = await buildWaiting(ctx, settings, {
          date,
          provider: req.provider,
          markFresh: req.markFresh,
          force: false,
          span,
          fetched: async () => unwrap(fetched),
        });
        const d = dateOf(date, outcome, (performance.now() - t0) / 1000);
        if (d.status === 'success') tally.built++;
        if (d.status === 'skipped') tally.skipped++;
        tally.rows += d.rows;
        finish(d);
        if (d.status === 'failure') {
          failed = { ...d, done: tally.done, total: days.length };
          break;
        }
      }
      if (!failed) skipFreshUntil(null);

      const seconds = (performance.now() - started) / 1000;
      const details = {
        request: params,
        calendar,
        built: tally.built,
        already_fresh: tally.skipped,
        rows: tally.rows,
        rows_per_second: seconds > 0 ? Math.round(tally.rows / seconds) : 0,
        ...(registration ? { registration } : {}),
        ...(failed ? { failed_date: failed.date, failed_pack_id: failed.pack_id } : {}),
      };
      const summary = `${req.from}..${req.to} (${days.length} trading days, ${calendar.name}): ${tally.built} built, ${tally.skipped} already fresh`;
      if (failed)
        return {
          status: 'failure',
          message: `${summary}; stopped at ${failed.date}: ${failed.message}`,
          details: { ...details, left: days.length - tally.done },
        };
      return { status: 'success', message: summary, details };
    } finally {
      await lease.release();
    }
  });
}

/** The newest backfill when it did not finish (killed, or stopped at a failure): what it was asked, to run again. */
export async function unfinishedBackfill(db: Knex): Promise<BackfillParams | null> {
  const [last] = await jobs.list(db, { job: 'backfill', limit: 1 });
  if (!last || last.status === 'success') return null;
  const request = last.details?.request as BackfillParams | undefined;
  return request ?? null;
}

function checkRange(from: string, to: string): void {
  if (!isCalendarDate(from) || !isCalendarDate(to))
    throw invalid(`a backfill needs two calendar dates (YYYY-MM-DD), got ${from}..${to}`);
  if (from > to) throw invalid(`the backfill range ${from}..${to} ends before it starts`);
}

/** The report line of one built date. */
function dateOf(date: string, o: BuildOutcome, seconds: number): Omit<BackfillDate, 'done' | 'total'> {
  const b = o.build;
  const rows = b.status === 'success' ? Number(b.details.price_count ?? 0) + Number(b.details.fx_count ?? 0) : 0;
  const status = !o.ok
    ? 'failure'
    : b.status === 'success'
      ? 'success'
      : b.details.reason === 'fresh'
        ? 'skipped'
        : 'failure';
  return { date, status, pack_id: b.pack_id, rows, message: b.message, seconds: Math.round(seconds * 1000) / 1000 };
}

/**
 * Builds a date, waiting for its lock while another holder has it: a build killed a moment ago
 * keeps its SQLite lease until it expires, and a concurrent builder may finish the date first.
 */
async function buildWaiting(ctx: JobContext, settings: PackJobSettings, req: BuildRequest): Promise<BuildOutcome> {
  const deadline = performance.now() + settings.lockTtlSeconds * 1500;
  for (;;) {
    const outcome = await buildPack(ctx, settings, req);
    if (outcome.build.details.reason !== 'locked' || performance.now() > deadline) return outcome;
    await sleep((settings.lockTtlSeconds * 1000) / 3);
  }
}

/** The named lock, waited for up to one and a half lease lengths (a dead holder's lease runs out); null if still held. */
async function waitForLock(db: Knex, name: string, ttlSeconds: number): Promise<Lease | null> {
  const deadline = performance.now() + ttlSeconds * 1500;
  for (;;) {
    const lease = await tryLock(db, name, { ttlSeconds });
    if (lease || performance.now() > deadline) return lease;
    await sleep((ttlSeconds * 1000) / 3);
  }
}
