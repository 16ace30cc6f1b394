import type { Knex } from 'knex';
import * as packs from '../../db/repositories/packs.js';
import * as securitiesRepo from '../../db/repositories/securities.js';
import { describeMissing, packContentHash, packCoverage, type PackCoverage } from '../../domain/pack.js';
import { navOf } from '../../domain/reconcile.js';
import { AppError } from '../../errors.js';
import type { SecurityInfo } from '../../domain/ledger/types.js';
import type { MarketSnapshot, ProviderWarning, SnapshotRequest } from '../../providers/provider.js';
import type { BuildRequest, PackJobSettings } from './build.js';
import { tracer, type JobEnd } from './job-runs.js';
import { needOf, positionsOnDate, snapshotOf } from './positions.js';

/**
 * Fetches the date's snapshot, checks it, and writes its rows, content hash and every
 * portfolio's positions; the pack ends in `error` when it cannot value what the portfolios hold.
 */
export async function buildContent(
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
      const s = req.fetched
        ? await req.fetched()
        : await provider.snapshot(snapshotRequest(date, securities, req.span, lost));
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

/** What a build asks its provider for `date`, given the registered securities. */
export const snapshotRequest = (
  date: string,
  securities: ReadonlyMap<string, SecurityInfo>,
  span: { from: string; to: string } | undefined,
  signal: AbortSignal,
): SnapshotRequest => ({
  date,
  symbols: [...securities.keys()],
  // No pairs named: every rate the source quotes, so conversions can cross through them as valuation does.
  pairs: [],
  currencies: new Map([...securities].map(([symbol, info]) => [symbol, info.currency])),
  ...(span ? { span } : {}),
  signal,
});

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
  // Who each gap affects: only those portfolios' answers lack the item (docs/operations.md).
  missing_symbols: c.missingSymbols,
  missing_pairs: c.missingPairs,
});
