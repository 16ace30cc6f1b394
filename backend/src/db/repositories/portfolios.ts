import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { insertChunked } from '../bulk.js';
import { nowIso } from '../../clock.js';

export interface Portfolio {
  id: string;
  user_id: string;
  name: string;
  base_currency: string;
  created_at: string;
}

const COLUMNS = ['id', 'user_id', 'name', 'base_currency', 'created_at'] as const;

export async function listForUser(db: Knex, userId: string): Promise<Portfolio[]> {
  return db('portfolios')
    .where({ user_id: userId })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .select<Portfolio[]>(COLUMNS);
}

/** A portfolio owned by someone else is reported exactly like a missing one. */
export async function getForUser(db: Knex, id: string, userId: string): Promise<Portfolio | null> {
  const row = await db('portfolios').where({ id, user_id: userId }).first<Portfolio | undefined>(COLUMNS);
  return row ?? null;
}

/** Every portfolio, by id: what a pack build snapshots and reconciliation checks. */
export async function all(db: Knex): Promise<Pick<Portfolio, 'id' | 'base_currency' | 'created_at'>[]> {
  return db('portfolios').orderBy('id').select('id', 'base_currency', 'created_at');
}

export async function get(db: Knex, id: string): Promise<Portfolio | null> {
  const row = await db('portfolios').where({ id }).first<Portfolio | undefined>(COLUMNS);
  return row ?? null;
}

export async function create(db: Knex, userId: string, name: string, baseCurrency: string): Promise<Portfolio> {
  const portfolio: Portfolio = {
    id: `pf_${randomUUID()}`,
    user_id: userId,
    name,
    base_currency: baseCurrency,
    created_at: nowIso(),
  };
  await db('portfolios').insert(portfolio);
  return portfolio;
}

/** Portfolios with their ids and timestamps given (a generated data set). */
export async function insertMany(trx: Knex.Transaction, rows: readonly Portfolio[]): Promise<void> {
  await insertChunked(trx, 'portfolios', rows);
}
