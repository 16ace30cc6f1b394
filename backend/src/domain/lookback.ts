import { AppError } from '../errors.js';
import type { AnalyticsWarning } from './analytics/input.js';

/** What a period needs to know about a pack. */
export interface DatedPack {
  id: string;
  date: string;
}

/** Packs a lookback of `days` pricing days spans: the first day's and one for each day after it. */
export const lookbackPackCount = (days: number): number => days + 1;

export interface LookbackWindow<P extends DatedPack> {
  /** Newest first; the last is the period's first day. */
  packs: P[];
  first: P;
  warnings: AnalyticsWarning[];
}

/**
 * The last `days` pricing days up to the pinned pack, from the newest fresh packs on or before
 * it (newest first, at most lookbackPackCount(days) of them). Fewer available shortens the
 * period with a warning; none at all is an error.
 */
export function lookbackWindow<P extends DatedPack>(
  recent: readonly P[],
  days: number,
  pinnedPackId: string,
): LookbackWindow<P> {
  if (recent.length === 0)
    throw new AppError('pricing_pack_not_found', `no fresh pricing pack on or before ${pinnedPackId}`);
  const warnings: AnalyticsWarning[] = [];
  if (recent.length < lookbackPackCount(days)) {
    warnings.push({
      code: 'lookback_shortened',
      message: `only ${recent.length - 1} pricing days are available before the pinned pack, fewer than the ${days} asked for`,
    });
  }
  return { packs: [...recent], first: recent[recent.length - 1]!, warnings };
}
