import type { Config } from '../../config.js';
import * as jobs from '../../db/repositories/jobs.js';
import * as packs from '../../db/repositories/packs.js';
import { packIdFor, parsePackId } from '../../domain/pack.js';
import { AppError } from '../../errors.js';
import type { MarketDataProvider, MarketSnapshot } from '../../providers/provider.js';
import { nowIso } from '../../clock.js';
import { buildContent } from './build-content.js';
import { recordRun, type JobContext, type JobEnd, type JobReport } from './job-runs.js';
import { tryLock } from './job-lock.js';
import { markPackFresh } from './mark-fresh.js';
import { reconcilePack } from './reconcile.js';

export interface PackJobSettings {
  /** Share (0..1) of the held symbols and needed conversions a pack must cover (FOLIO_PACK_MIN_COVERAGE). */
  minCoverage: number;
  /** SQLite lease length of the per-date job lock (FOLIO_JOB_LOCK_TTL_SECONDS). */
  lockTtlSeconds: number;
}

export interface Progress {
  fetched(prices: number, symbols: number, fx: number): void;
  rows(written: number, total: number): void;
}

export interface BuildRequest {
  date: string;
  provider: MarketDataProvider;
  /** Reconcile and mark fresh once built. */
  markFresh: boolean;
  /** Build a new version even when the date already has a fresh pack. */
  force: boolean;
  progress?: Progress;
  /** The range a backfill is building, so history sources load each file once for all its dates. */
  span?: { from: string; to: string };
  /** The date's snapshot when the caller fetched it ahead (a backfill); otherwise the build asks the provider. */
  fetched?: () => Promise<MarketSnapshot>;
}

/** The build's own report, plus the reconcile and mark-fresh runs it went on to when asked. */
export interface BuildOutcome {
  build: JobReport;
  reconcile?: JobReport;
  markFresh?: JobReport;
  /** Overall: every run that happened succeeded or was a deliberate skip. */
  ok: boolean;
}

export const packJobSettings = (config: Config): PackJobSettings => ({
  minCoverage: config.FOLIO_PACK_MIN_COVERAGE,
  lockTtlSeconds: config.FOLIO_JOB_LOCK_TTL_SECONDS,
});

/** The lock that keeps one build per date across processes and replicas. */
export const buildLockName = (date: string): string => `build-pack:${date}`;

/**
 * Builds the pricing pack of one date: a `warming` version, one snapshot from the provider,
 * every row written in one transaction with the content hash, then a coverage check that
 * ends the pack in `error` when it cannot value what the portfolios hold. Only one build of
 * a date runs at a time; a date that is already fresh is left alone unless `force`.
 */
export async function buildPack(ctx: JobContext, settings: PackJobSettings, req: BuildRequest): Promise<BuildOutcome> {
  const outcome: BuildOutcome = { build: undefined as unknown as JobReport, ok: false };
  outcome.build = await recordRun(
    ctx,
    { job: 'build-pack', date: req.date, provider: req.provider.name },
    async (run) => {
      const lease = await tryLock(ctx.db, buildLockName(req.date), { ttlSeconds: settings.lockTtlSeconds });
      if (!lease)
        return {
          status: 'skipped',
          message: `another build of ${req.date} is running; skipped`,
          details: { reason: 'locked' },
        };
      try {
        await jobs.abandonRunning(ctx.db, 'build-pack', req.date, run.id, nowIso());
        const versions = await packs.forDate(ctx.db, req.date);
        const fresh = versions.find((v) => v.status === 'fresh');
        if (fresh && !req.force) {
          return {
            status: 'skipped',
            pack_id: fresh.id,
            message: `${fresh.id} is already fresh; nothing to do (--force builds a new version)`,
            details: { reason: 'fresh' },
          };
        }
        // A version that was never served (warming from a dead build, or error) is rebuilt in place.
        const unserved = versions.filter((v) => v.status === 'warming' || v.status === 'error').at(-1);
        const id = unserved?.id ?? packIdFor(req.date, nextVersion(versions));
        run.packId = id;
        await packs.startBuild(ctx.db, {
          id,
          date: req.date,
          source: req.provider.name,
          now: nowIso(),
          reuse: unserved !== undefined,
        });
        let end: JobEnd;
        try {
          end = await buildContent(ctx.db, settings, req, id, lease.lost);
        } catch (e) {
          await packs.failBuild(ctx.db, id, e instanceof AppError ? `${e.code}: ${e.message}` : (e as Error).message);
          throw e;
        }
        if (end.status !== 'success' || !req.markFresh) return end;
        const reconciled = (outcome.reconcile = await reconcilePack(ctx, id));
        if (reconciled.status !== 'success')
          return { ...end, status: 'failure', message: `${end.message}; reconciliation failed: ${reconciled.message}` };
        const marked = (outcome.markFresh = await markPackFresh(ctx, id, { force: false }));
        if (marked.status !== 'success')
          return { ...end, status: 'failure', message: `${end.message}; mark-fresh failed: ${marked.message}` };
        return { ...end, message: `${end.message}; reconciled and marked fresh` };
      } finally {
        await lease.release();
      }
    },
  );
  outcome.ok = [outcome.build, outcome.reconcile, outcome.markFresh].every(
    (r) => r === undefined || r.status !== 'failure',
  );
  return outcome;
}

function nextVersion(versions: readonly packs.Pack[]): number {
  return versions.reduce((max, v) => Math.max(max, parsePackId(v.id)?.version ?? 1), 0) + 1;
}
