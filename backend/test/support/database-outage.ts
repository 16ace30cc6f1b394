import { withAdmin, type TestDatabase } from './databases.js';

/** Undoes an outage; safe to call twice. */
export type Restore = () => Promise<void>;

/**
 * PostgreSQL stops serving the test database while the service runs: new connections are
 * refused ("not currently accepting connections") and every open session is terminated, as
 * in a failover or a database taken down for maintenance.
 */
export async function refuseConnections(db: TestDatabase): Promise<Restore> {
  const name = new URL(db.config.DATABASE_URL!).pathname.slice(1);
  await withAdmin(async (a) => {
    await a.raw(`alter database ${name} allow_connections false`);
    await a.raw('select pg_terminate_backend(pid) from pg_stat_activity where datname = ?', [name]);
  });
  return () => withAdmin((a) => a.raw(`alter database ${name} allow_connections true`)).then(() => undefined);
}

/** A table the service needs disappears (renamed away by another connection) until restored. */
export async function hideTable(db: TestDatabase, table: string): Promise<Restore> {
  const k = db.open();
  await k.schema.renameTable(table, `${table}_away`);
  let restored = false;
  return async () => {
    if (restored) return;
    restored = true;
    try {
      await k.schema.renameTable(`${table}_away`, table);
    } finally {
      await k.destroy();
    }
  };
}
