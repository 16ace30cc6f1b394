import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { createDb, migrateLatest, type Dialect } from '../../src/db/knex.js';
import { seedDemo } from '../../src/services/demo-seed.js';

export const DEMO_KEY = 'test-demo-key-0123456789';
export const DEMO_SEED = 20251024;
export const PG_ADMIN_URL = process.env.FOLIO_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const pgUrl = (db: string) => {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
};

let pgProbe: Promise<string | null> | undefined;
/** Null when PostgreSQL answers, else the reason it does not. */
export function postgresUnavailable(): Promise<string | null> {
  pgProbe ??= (async () => {
    const admin = knexFactory({
      client: 'pg',
      connection: { connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 },
      pool: { min: 0, max: 1 },
    });
    try {
      await admin.raw('select 1');
      return null;
    } catch (e) {
      return (e as Error).message;
    } finally {
      await admin.destroy();
    }
  })();
  return pgProbe;
}

/** Runs `fn` with a connection to the PostgreSQL maintenance database, for CREATE/DROP DATABASE. */
export async function withAdmin<T>(fn: (admin: Knex) => Promise<T>): Promise<T> {
  const admin = knexFactory({ client: 'pg', connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });
  try {
    return await fn(admin);
  } finally {
    await admin.destroy();
  }
}

/** Where a test database lives: enough to open it again or hand it to a server's config. */
export interface TestDatabase {
  dialect: Dialect;
  config: { DATABASE_URL?: string; sqliteFile: string };
  open(): Knex;
  drop(): Promise<void>;
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-test-'));
process.once('exit', () => fs.rmSync(tmpRoot, { recursive: true, force: true }));

function sqliteHandle(file: string): TestDatabase {
  return {
    dialect: 'sqlite',
    config: { sqliteFile: file },
    open: () => createDb({ sqliteFile: file }),
    drop: async () => {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    },
  };
}

const uniqueName = () => `folio_t_${process.pid}_${randomBytes(4).toString('hex')}`;

/** A database with no tables at all, as a new deployment starts. */
export async function emptyDatabase(dialect: Dialect): Promise<TestDatabase> {
  const name = uniqueName();
  if (dialect === 'sqlite') return sqliteHandle(path.join(tmpRoot, `${name}.sqlite`));
  await withAdmin((a) => a.raw(`create database ${name}`));
  return postgresHandle(name);
}

function postgresHandle(name: string): TestDatabase {
  const url = pgUrl(name);
  return {
    dialect: 'postgres',
    config: { DATABASE_URL: url, sqliteFile: '' },
    open: () => createDb({ DATABASE_URL: url, sqliteFile: '' }),
    drop: () => withAdmin((a) => a.raw(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** A migrated database with nothing in it. */
export async function migratedDatabase(dialect: Dialect): Promise<TestDatabase> {
  const t = await emptyDatabase(dialect);
  const db = t.open();
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return t;
}

const templates = new Map<Dialect, Promise<TestDatabase>>();
/** The demo data is seeded once per dialect and run; tests get copies of it. */
function seededTemplate(dialect: Dialect): Promise<TestDatabase> {
  let t = templates.get(dialect);
  if (!t) {
    t = (async () => {
      const tpl = await migratedDatabase(dialect);
      const db = tpl.open();
      try {
        await seedDemo(db, { apiKey: DEMO_KEY, seed: DEMO_SEED });
      } finally {
        await db.destroy();
      }
      return tpl;
    })();
    templates.set(dialect, t);
  }
  return t;
}

/** A private copy of the seeded demo database, cheap enough for one per suite. */
export async function seededDatabase(dialect: Dialect): Promise<TestDatabase> {
  const tpl = await seededTemplate(dialect);
  const name = uniqueName();
  if (dialect === 'sqlite') {
    const file = path.join(tmpRoot, `${name}.sqlite`);
    fs.copyFileSync(tpl.config.sqliteFile, file);
    return sqliteHandle(file);
  }
  const tplName = new URL(tpl.config.DATABASE_URL!).pathname.slice(1);
  await withAdmin((a) => a.raw(`create database ${name} template ${tplName}`));
  return postgresHandle(name);
}

export async function dropTemplates(): Promise<void> {
  for (const t of templates.values()) await (await t).drop();
  templates.clear();
}

/**
 * A `before` hook that skips the suite `title` without PostgreSQL, except under CI=true where
 * a missing database is a failure.
 */
export function requirePostgres(title: string): void {
  before(async function () {
    const reason = await postgresUnavailable();
    if (reason === null) return;
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true but unreachable: ${reason}`);
    console.warn(`    skipping PostgreSQL suite "${title}": ${reason} (set FOLIO_TEST_PG_ADMIN_URL)`);
    this.skip();
  });
}

/**
 * Declares a suite once per dialect. Without PostgreSQL the postgres variant is skipped
 * with the reason, except under CI=true where a missing database is a failure.
 */
export function describeEachDb(title: string, body: (dialect: Dialect) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe(`${title} [${dialect}]`, function () {
      if (dialect === 'postgres') requirePostgres(title);
      body(dialect);
    });
  }
}
