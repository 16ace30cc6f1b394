import * as packs from '../../db/repositories/packs.js';
import { AppError } from '../../errors.js';
import { requirePack } from './catalogue.js';
import { recordRun, type JobContext, type JobReport } from './job-runs.js';
import { safeDate } from './reconcile.js';

/**
 * Retires an `error` pack: it leaves every current view (the newest pack, the expected pack
 * that /health/pack, folio_pack_expected_state and FolioPackError read), keeps its rows and
 * message as history, and its id is never reused (a rebuild of the date is a new version).
 * Only an error pack can be retired: a fresh or superseded one is immutable and pinned by
 * answers, and a warming one belongs to a build that is still running or will be rebuilt.
 */
export function retirePack(ctx: JobContext, packId: string): Promise<JobReport> {
  return recordRun(ctx, { job: 'retire-pack', packId, date: safeDate(packId) }, async () => {
    const pack = await requirePack(ctx.db, packId);
    if (pack.status === 'retired')
      return { status: 'skipped', message: `${packId} is already retired`, details: { reason: 'retired' } };
    if (pack.status !== 'error' || !(await packs.retire(ctx.db, packId))) {
      throw new AppError(
        'conflict',
        `${packId} is ${pack.status}; only an error pack can be retired (fresh and superseded packs are immutable and pinned by answers; a warming pack is rebuilt by folio build-pack --date ${pack.date})`,
        { pricing_pack_id: packId, status: pack.status },
      );
    }
    return {
      status: 'success',
      message: `${packId} is retired (it was error: ${pack.error ?? 'no message'})`,
      details: { previous_status: 'error', error: pack.error },
    };
  });
}
