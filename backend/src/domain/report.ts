import type { AnalyticsWarning } from './analytics/input.js';

/**
 * A capability's answer with the warnings raised while computing it, in the order raised: the
 * order is part of the result hash, so a caller passes them on as they are.
 */
export interface Reported<T> {
  output: T;
  warnings: AnalyticsWarning[];
}
