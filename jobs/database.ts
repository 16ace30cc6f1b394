import type { Knex } from 'knex';
import { createDb, createLogger, loadConfig, migrateLatest, type Config, type Logger } from '../backend/src/index.js';

/**
 * Runs a command against the configured database (migrated first when asked), and closes it
 * whatever happens. The command's logger (at `logLevel`, else LOG_LEVEL) also carries knex's own
 * messages, such as failed connection attempts.
 */
export async function withDatabase<T>(
  opts: { migrate: boolean; logLevel?: string },
  fn: (config: Config, db: Knex, logger: Logger) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const logger = createLogger({ level: opts.logLevel ?? config.LOG_LEVEL, pretty: config.FOLIO_PRETTY_LOGS });
  const db = createDb(config, logger);
  try {
    if (opts.migrate) await migrateLatest(db);
    return await fn(config, db, logger);
  } finally {
    await db.destroy();
  }
}
