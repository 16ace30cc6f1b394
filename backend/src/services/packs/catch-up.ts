import * as packs from '../../db/repositories/packs.js';
import { tradingDays } from '../../domain/calendar.js';
import { addDays } from '../../domain/dates.js';
import type { JobContext } from './job-runs.js';

/**
 * The dates a tick builds for `target`: the trading days after the newest fresh pack up to
 * it, the newest `catchUpDays` of them, and `target` itself even when it is fresh (its run
 * records the skip). Without any fresh pack there is nothing to catch up from.
 */
export async function datesToBuild(ctx: JobContext, target: string, catchUpDays: number): Promise<string[]> {
  const newest = await packs.newestFresh(ctx.db);
  if (!newest || newest.date >= target) return [target];
  const missing = tradingDays(addDays(newest.date, 1), target);
  const dates = missing.slice(-(catchUpDays + 1));
  if (dates.length < missing.length)
    ctx.logger.warn(
      { from: missing[0], to: missing[missing.length - dates.length - 1], catch_up_days: catchUpDays },
      `pack catch-up is limited to FOLIO_PACK_CATCH_UP_DAYS=${catchUpDays}; older missing dates are left for folio build-pack`,
    );
  return dates;
}
