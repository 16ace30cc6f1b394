import * as packs from '../../db/repositories/packs.js';
import { AppError } from '../../errors.js';
import { requirePack } from './catalogue.js';
import { recordRun, type JobContext, type JobReport } from './job-runs.js';
import { safeDate } from './reconcile.js';
import { nowIso } from '../../clock.js';

/**
 * Publishes a warming pack once reconciliation has passed. `force` publishes one that has not
 * passed, and the pack records that it was forced. Either way the rows are counted and hashed
 * again in the publishing transaction, and the date's previous fresh version is superseded.
 */
export function markPackFresh(ctx: JobContext, packId: string, opts: { force: boolean }): Promise<JobReport> {
  return recordRun(ctx, { job: 'mark-fresh', packId, date: safeDate(packId) }, async () => {
    const pack = await requirePack(ctx.db, packId);
    if (pack.status === 'fresh')
      return { status: 'skipped', message: `${packId} is already fresh`, details: { reason: 'fresh' } };
    const state = await packs.buildState(ctx.db, packId);
    const reconciled = state?.reconciled_at != null;
    if (!reconciled && !opts.force) {
      throw new AppError(
        'conflict',
        `${packId} has not passed reconciliation; run folio reconcile ${packId} first (or mark-fresh --force, which is recorded)`,
      );
    }
    const forced = !reconciled;
    const { superseded } = await packs.publish(ctx.db, packId, { now: nowIso(), forced });
    const also = superseded.length > 0 ? `; superseded ${superseded.join(', ')}` : '';
    const how = forced ? ' WITHOUT a passing reconciliation (--force; recorded on the pack and in job_runs)' : '';
    return {
      status: 'success',
      message: `${packId} is fresh${how}${also}`,
      details: { forced, superseded, reconciled_at: state?.reconciled_at ?? null },
    };
  });
}
