import { randomBytes } from 'node:crypto';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { createDb } from '../backend/src/db/knex.js';

const PG_ADMIN_URL = process.env.FOLIO_BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** 30 currencies the pack benchmarks quote listings in, each needing a conversion to USD. */
export const BENCH_CURRENCIES = [
  'AUD',
  'BRL',
  'CAD',
  'CHF',
  'CLP',
  'CNY',
  'CZK',
  'DKK',
  'EUR',
  'GBP',
  'HKD',
  'HUF',
  'IDR',
  'ILS',
  'INR',
  'JPY',
  'KRW',
  'MXN',
  'MYR',
  'NOK',
  'NZD',
  'PHP',
  'PLN',
  'SEK',
  'SGD',
  'THB',
  'TRY',
  'TWD',
  'ZAR',
  'AED',
];

/** A scratch PostgreSQL database, or null (the reason printed) when FOLIO_BENCH_PG_ADMIN_URL is unreachable. */
export async function scratchPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const admin = knexFactory({
    client: 'pg',
    connection: { connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 },
    pool: { min: 0, max: 1 },
  });
  const name = `folio_bench_${randomBytes(4).toString('hex')}`;
  try {
    await admin.raw(`create database ${name}`);
  } catch (e) {
    console.log(
      `PostgreSQL: skipped, ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, '//')} is unreachable (${(e as Error).message})`,
    );
    await admin.destroy();
    return null;
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.raw(`drop database if exists ${name} with (force)`);
      await admin.destroy();
    },
  };
}

/**
 * Runs `fn` on a scratch SQLite file in `scratch`, then on a scratch PostgreSQL database that is
 * dropped afterwards (skipped, with the reason printed, when FOLIO_BENCH_PG_ADMIN_URL is unreachable).
 */
export async function onScratchDatabases(
  scratch: string,
  fn: (label: 'SQLite' | 'PostgreSQL', db: Knex) => Promise<void>,
): Promise<void> {
  const sqlite = createDb({ sqliteFile: path.join(scratch, 'folio.sqlite') });
  try {
    await fn('SQLite', sqlite);
  } finally {
    await sqlite.destroy();
  }

  const scratchPg = await scratchPostgres();
  if (!scratchPg) return;
  try {
    const pg = createDb({ DATABASE_URL: scratchPg.url, sqliteFile: '' });
    try {
      await fn('PostgreSQL', pg);
    } finally {
      await pg.destroy();
    }
  } finally {
    await scratchPg.drop();
  }
}
