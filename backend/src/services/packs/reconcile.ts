import * as ledger from '../../db/repositories/ledger.js';
import * as packs from '../../db/repositories/packs.js';
import * as portfoliosRepo from '../../db/repositories/portfolios.js';
import * as securitiesRepo from '../../db/repositories/securities.js';
import { packContentHash, packDateOf } from '../../domain/pack.js';
import { compareNavs, describeDiscrepancy, navOf, type NavPaths } from '../../domain/reconcile.js';
import { AppError } from '../../errors.js';
import { recordRun, type JobContext, type JobReport } from './job-runs.js';
import { requirePack } from './catalogue.js';
import { positionsAt, positionsOfSnapshot } from './positions.js';
import { nowIso } from '../../clock.js';

/** Largest disagreement, in basis points of NAV, that still counts as agreement. */
export const TOLERANCE_BP = 1;

/**
 * Checks a built pack before it may be served: its stored rows still hash to the recorded
 * content hash, and for every portfolio the NAV from a full ledger replay agrees (within
 * 1 bp) with the NAV of the positions stored at build time and with the NAV recorded from
 * the data as fetched. A pass is recorded on the pack; mark-fresh requires it.
 */
export function reconcilePack(ctx: JobContext, packId: string): Promise<JobReport> {
  const date = safeDate(packId);
  return recordRun(ctx, { job: 'reconcile', packId, date }, async () => {
    const pack = await requirePack(ctx.db, packId);
    if (pack.status === 'error' || pack.content_hash === null) {
      throw new AppError(
        'conflict',
        `pricing pack ${packId} is ${pack.status} without complete content; rebuild it with folio build-pack --date ${pack.date}`,
      );
    }
    const [priceRows, fx, snapshots, portfolios] = await Promise.all([
      packs.prices(ctx.db, packId),
      packs.fx(ctx.db, packId),
      packs.snapshots(ctx.db, packId),
      portfoliosRepo.all(ctx.db),
    ]);
    // Only a ledger replay needs the securities, and a pack without portfolios has none to replay.
    const securities = snapshots.length > 0 ? await securitiesRepo.all(ctx.db) : new Map();
    const problems: string[] = [];
    const storedHash = packContentHash(pack.date, [...priceRows.values()], fx);
    if (storedHash !== pack.content_hash)
      problems.push(`stored prices and FX hash to ${storedHash}, not the recorded content hash ${pack.content_hash}`);

    // Portfolios that existed when the build started must each have a stored snapshot.
    const snapshotted = new Set(snapshots.map((s) => s.portfolioId));
    for (const p of portfolios) {
      if (p.created_at <= pack.created_at && !snapshotted.has(p.id))
        problems.push(`portfolio ${p.id}: no positions were stored with the pack`);
    }

    const closes = new Map([...priceRows].map(([s, p]) => [s, p.close]));
    const paths: NavPaths[] = [];
    for (const snap of snapshots) {
      const row = portfolios.find((p) => p.id === snap.portfolioId);
      const commit = row ? await ledger.resolve(ctx.db, snap.portfolioId, snap.ledgerCommitHash) : null;
      if (!row || !commit) {
        problems.push(
          `portfolio ${snap.portfolioId}: its stored ledger commit ${snap.ledgerCommitHash || '(none)'} is not part of its ledger`,
        );
        continue;
      }
      const replayed = await positionsAt(ctx.db, row, pack.date, commit, securities);
      const base = row.base_currency;
      paths.push({
        portfolioId: snap.portfolioId,
        baseCurrency: base,
        ledger: navOf(replayed.at, closes, fx, base).value,
        positions: navOf(positionsOfSnapshot(snap), closes, fx, base).value,
        recorded: snap.nav,
      });
    }
    const discrepancies = compareNavs(paths, TOLERANCE_BP);
    problems.push(...discrepancies.map(describeDiscrepancy));
    const details = {
      portfolios: paths.length,
      tolerance_bp: TOLERANCE_BP,
      content_hash_ok: storedHash === pack.content_hash,
      discrepancies: discrepancies.map((d) => ({
        portfolio_id: d.portfolioId,
        check: d.check,
        ledger_nav: d.expected,
        other_nav: d.actual,
        difference: d.difference,
        basis_points: d.basisPoints,
      })),
      problems,
    };
    if (problems.length > 0) {
      await packs.setReconciled(ctx.db, packId, null);
      return { status: 'failure', message: `${packId} does not reconcile: ${problems.join('; ')}`, details };
    }
    await packs.setReconciled(ctx.db, packId, nowIso());
    return {
      status: 'success',
      message: `${packId} reconciles: ${paths.length} portfolios agree within ${TOLERANCE_BP} bp; content hash verified`,
      details,
    };
  });
}

/** The date of a pack id, or null for text that is not one (reported by the job as a missing pack). */
export function safeDate(packId: string): string | null {
  try {
    return packDateOf(packId);
  } catch {
    return null;
  }
}
