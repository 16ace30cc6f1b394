import { BreakerTally, type Config, type JobContext } from '../backend/src/index.js';
import { withDatabase } from './database.js';

/** One-shot commands print their own results; logs would only interleave with --json on stdout. */
export const QUIET = 'silent';

/** Job commands run in processes Prometheus does not scrape, so their runs store their breakers' events. */
export async function withJobs(
  fn: (config: Config, ctx: JobContext) => Promise<number>,
  logLevel?: string,
): Promise<number> {
  const breakerTally = new BreakerTally();
  try {
    return await withDatabase({ migrate: true, ...(logLevel ? { logLevel } : {}) }, (config, db, logger) =>
      fn(config, { db, logger, breakerTally }),
    );
  } finally {
    breakerTally.stop();
  }
}
