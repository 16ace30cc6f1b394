import type { Knex } from 'knex';
import type { Config } from '../../config.js';
import * as jobs from '../../db/repositories/jobs.js';
import * as packs from '../../db/repositories/packs.js';
import * as securitiesRepo from '../../db/repositories/securities.js';
import {
  describeMissing,
  packContentHash,
  packCoverage,
  packIdFor,
  parsePackId,
  type PackCoverage,
} from '../../domain/pack.js';
import { navOf } from '../../domain/reconcile.js';
import { AppError } from '../../errors.js';
import type { MarketDataProvider, MarketSnapshot, ProviderWarning } from '../../providers/provider.js';
import { recordRun, tracer, type JobContext, type JobEnd, type JobReport } from './job-runs.js';
import { tryLock } from './job-lock.js';
import { markPackFresh } from './mark-fresh.js';
import { needOf, positionsOnDate, snapshotOf } from './positions.js';
import { reconcilePack } from './reconcile.js';
import { nowIso } from '../../clock.js';

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

async function buildContent(
  db: Knex,
  settings: PackJobSettings,
  req: BuildRequest,
  id: string,
  lost: AbortSignal,
): Promise<JobEnd> {
  const { date, provider } = req;
  const securities = await securitiesRepo.all(db);
  const holdings = await positionsOnDate(db, date, securities);
  const symbols = [...securities.keys()];

  const snapshot = await tracer.startActiveSpan('job.fetch', async (span) => {
    span.setAttributes({
      'folio.pack.id': id,
      'folio.pack.date': date,
      'folio.provider': provider.name,
      'folio.symbols.requested': symbols.length,
    });
    try {
      // No pairs named: every rate the source quotes, so conversions can cross through them as valuation does.
      const s = await provider.snapshot({
        date,
        symbols,
        pairs: [],
        currencies: new Map([...securities].map(([symbol, info]) => [symbol, info.currency])),
        ...(req.span ? { span: req.span } : {}),
        signal: lost,
      });
      span.setAttributes({ 'folio.prices': s.prices.length, 'folio.fx_rates': s.fx.length });
      return s;
    } finally {
      span.end();
    }
  });
  req.progress?.fetched(snapshot.prices.length, symbols.length, snapshot.fx.length);
  checkSnapshot(snapshot, date, securities);

  const contentHash = packContentHash(date, snapshot.prices, snapshot.fx);
  const coverage = packCoverage(holdings.map(needOf), snapshot.prices, snapshot.fx);
  const closes = new Map(snapshot.prices.map((p) => [p.symbol, p.close]));
  const snapshots = holdings.map((h) => snapshotOf(h, navOf(h.at, closes, snapshot.fx, h.baseCurrency).value));
  const error =
    coverage.ratio < settings.minCoverage
      ? `coverage ${percent(coverage.ratio)} is below the minimum ${percent(settings.minCoverage)}: ${describeMissing(coverage)}`
      : null;

  lost.throwIfAborted();
  await tracer.startActiveSpan('job.insert', async (span) => {
    span.setAttributes({
      'folio.pack.id': id,
      'folio.pack.date': date,
      'folio.prices': snapshot.prices.length,
      'folio.fx_rates': snapshot.fx.length,
    });
    try {
      await packs.writeContent(
        db,
        id,
        { prices: snapshot.prices, fx: snapshot.fx, contentHash, snapshots, error },
        (w, t) => req.progress?.rows(w, t),
      );
    } finally {
      span.end();
    }
  });
  const details = {
    price_count: snapshot.prices.length,
    fx_count: snapshot.fx.length,
    content_hash: contentHash,
    portfolios: holdings.length,
    coverage: coverageDetails(coverage),
    ...(snapshot.warnings?.length ? { warnings: warningDetails(snapshot.warnings) } : {}),
  };
  if (error !== null) return { status: 'failure', pack_id: id, message: `${id} is error: ${error}`, details };
  const partial =
    (coverage.ratio < 1 ? ` (coverage ${percent(coverage.ratio)}: ${describeMissing(coverage)})` : '') +
    (snapshot.warnings?.length ? `; ${describeWarnings(snapshot.warnings)}` : '');
  return {
    status: 'success',
    pack_id: id,
    message: `${id} built from ${provider.name}: ${snapshot.prices.length} prices, ${snapshot.fx.length} FX rates${partial}`,
    details,
  };
}

/** The provider must answer for the date asked and quote each security in its own currency, or values would be wrong. */
function checkSnapshot(s: MarketSnapshot, date: string, securities: ReadonlyMap<string, { currency: string }>): void {
  if (s.date !== date) throw new AppError('dependency_unavailable', `provider answered for ${s.date}, not ${date}`);
  const wrong = s.prices.filter((p) => {
    const known = securities.get(p.symbol);
    return known !== undefined && known.currency !== p.currency;
  });
  if (wrong.length > 0) {
    const list = wrong
      .slice(0, 20)
      .map((p) => `${p.symbol} in ${p.currency} (trades in ${securities.get(p.symbol)!.currency})`)
      .join(', ');
    throw new AppError(
      'dependency_unavailable',
      `provider quoted ${wrong.length} securities in the wrong currency: ${list}`,
    );
  }
}

/** Warnings kept with the run: counts by code and the first few in full. */
const WARNINGS_KEPT = 50;
const warningDetails = (warnings: readonly ProviderWarning[]) => ({
  counts: countBy(warnings),
  first: warnings.slice(0, WARNINGS_KEPT),
});

const countBy = (warnings: readonly ProviderWarning[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const w of warnings) counts[w.code] = (counts[w.code] ?? 0) + 1;
  return counts;
};

const describeWarnings = (warnings: readonly ProviderWarning[]): string =>
  Object.entries(countBy(warnings))
    .map(([code, n]) => `${n} ${code.replace('_', ' ')}`)
    .join(', ');

const percent = (r: number): string => `${(r * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

const coverageDetails = (c: PackCoverage) => ({
  ratio: c.ratio,
  required: c.required,
  present: c.present,
  missing_symbols: c.missingSymbols.map((m) => m.symbol),
  missing_pairs: c.missingPairs.map((m) => m.pair),
});
