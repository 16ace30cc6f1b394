import type { Knex } from 'knex';
import { createDb, loadConfig, migrateLatest, type Config } from '../backend/src/index.js';

/** Runs a command against the configured database (migrated first when asked), and closes it whatever happens. */
export async function withDatabase<T>(
  opts: { migrate: boolean },
  fn: (config: Config, db: Knex) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const db = createDb(config);
  try {
    if (opts.migrate) await migrateLatest(db);
    return await fn(config, db);
  } finally {
    await db.destroy();
  }
}
