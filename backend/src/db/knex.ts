import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { DB_ACQUIRE_TIMEOUT_DEFAULT_MS, type Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import * as m001 from './migrations/001_initial.js';
import * as m002 from './migrations/002_pack_jobs.js';
import * as m003 from './migrations/003_job_breaker_events.js';
import * as m004 from './migrations/004_accounts.js';
import * as m005 from './migrations/005_idempotency_keys.js';
import * as m006 from './migrations/006_pack_closes.js';
import * as m007 from './migrations/007_staged_commits.js';
import { SQLITE_DRIVER } from './sqlite-driver.js';
import { reuseStatements, type PreparingConnection } from './statement-cache.js';

type Migration = { up(k: Knex): Promise<void>; down(k: Knex): Promise<void> };

/** Migrations are imported, not globbed, so they load the same under tsx, tsc output and tests. */
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['001_initial', m001],
  ['002_pack_jobs', m002],
  ['003_job_breaker_events', m003],
  ['004_accounts', m004],
  ['005_idempotency_keys', m005],
  ['006_pack_closes', m006],
  ['007_staged_commits', m007],
];

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = MIGRATIONS.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};

const require = createRequire(import.meta.url);

/** knex's better-sqlite3 dialect, loading the driver this Node version needs (see sqlite-driver.ts). */
function sqliteClient(): Knex.Config['client'] {
  if (SQLITE_DRIVER === 'better-sqlite3') return 'better-sqlite3';
  const BetterSqlite3Dialect = require('knex/lib/dialects/better-sqlite3') as new (config: Knex.Config) => object;
  return class extends BetterSqlite3Dialect {
    _driver(): unknown {
      return require(SQLITE_DRIVER);
    }
  } as unknown as Knex.Config['client'];
}

export const migrationConfig: Knex.MigratorConfig = { migrationSource };

export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(db: Knex): Dialect {
  return (db.client as Knex.Client).config.client === 'pg' ? 'postgres' : 'sqlite';
}

/** The rows of a `db.raw` select: better-sqlite3 answers with the rows, pg with a result object. */
export function rawRows<R>(result: unknown): R[] {
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}

/** What opening the database needs of the configuration; a database opened without one (tests, tools) gives only where it is. */
export type DbSettings = Pick<Config, 'sqliteFile'> & {
  DATABASE_URL?: string | undefined;
  FOLIO_DB_ACQUIRE_TIMEOUT_MS?: number;
};

/** knex's own messages (a failed connection attempt, a deprecated call) as the process's log lines, not console output. */
function knexLog(logger: Logger): Knex.Config['log'] {
  const to =
    (level: 'debug' | 'warn' | 'error') =>
    (message: unknown): void => {
      if (typeof message === 'string') logger[level]({ component: 'knex' }, message);
      else logger[level]({ component: 'knex', detail: message }, 'knex');
    };
  return { debug: to('debug'), warn: to('warn'), error: to('error'), deprecate: to('warn') };
}

/** Opens the configured database; with a logger, knex's own messages go to it. */
export function createDb(config: DbSettings, logger?: Logger): Knex {
  const common: Knex.Config = {
    acquireConnectionTimeout: config.FOLIO_DB_ACQUIRE_TIMEOUT_MS ?? DB_ACQUIRE_TIMEOUT_DEFAULT_MS,
    ...(logger ? { log: knexLog(logger) } : {}),
  };
  if (config.DATABASE_URL) {
    return knexFactory({
      ...common,
      client: 'pg',
      connection: config.DATABASE_URL,
      pool: { min: 0, max: 10 },
    });
  }
  if (config.sqliteFile !== ':memory:') fs.mkdirSync(path.dirname(config.sqliteFile), { recursive: true });
  return knexFactory({
    ...common,
    client: sqliteClient(),
    connection: { filename: config.sqliteFile },
    useNullAsDefault: true,
    // better-sqlite3 is synchronous: one connection serialises writers without SQLITE_BUSY.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (
        conn: PreparingConnection & { pragma(s: string): unknown },
        done: (err: Error | null, conn: unknown) => void,
      ) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('synchronous = NORMAL');
        done(null, reuseStatements(conn));
      },
    },
  });
}

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

/** The tables every request reads: keys, portfolios, ledger heads, packs, and provenance. */
const SERVING_TABLES = ['api_keys', 'portfolios', 'ledger_commits', 'pricing_packs', 'executions'] as const;

/**
 * Resolves once the database can serve: a read of one row from each table a request needs
 * answers. Unlike `ping`, it fails for a missing table, revoked privileges and a table locked
 * against readers, not only for a connection that cannot be made.
 */
export async function servesRequests(db: Knex): Promise<void> {
  for (const table of SERVING_TABLES) await db(table).select(db.raw('1')).limit(1);
}

/** True when every known migration has been applied. */
export async function migrationsCurrent(db: Knex): Promise<boolean> {
  const [, pending] = (await db.migrate.list(migrationConfig)) as [unknown[], unknown[]];
  return pending.length === 0;
}

/** A primary-key or unique violation, in either dialect's words. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
