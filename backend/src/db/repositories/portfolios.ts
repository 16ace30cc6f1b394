import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { insertChunked } from '../bulk.js';
import { isoSecondsFromNow, nowIso } from '../../clock.js';
import { STAGED_COMMIT_STALE_SECONDS } from './ledger.js';

export interface Portfolio {
  id: string;
  user_id: string;
  name: string;
  base_currency: string;
  created_at: string;
  /** When it stopped taking imports; null while active. */
  archived_at: string | null;
}

const COLUMNS = ['id', 'user_id', 'name', 'base_currency', 'created_at', 'archived_at'] as const;

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
    archived_at: null,
  };
  await db('portfolios').insert(portfolio);
  return portfolio;
}

/** Every portfolio with its owner's username, for the operator. */
export async function listWithOwners(db: Knex): Promise<(Portfolio & { username: string })[]> {
  return db('portfolios as p')
    .join('users as u', 'u.id', 'p.user_id')
    .orderBy([{ column: 'p.created_at' }, { column: 'p.id' }])
    .select<(Portfolio & { username: string })[]>([...COLUMNS.map((c) => `p.${c}`), 'u.username as username']);
}

export async function update(db: Knex, id: string, changes: Partial<Pick<Portfolio, 'name' | 'archived_at'>>) {
  await db('portfolios').where({ id }).update(changes);
}

/**
 * Deletes the portfolio only while nothing refers to it: no ledger commit (the ledger is
 * append-only; a commit being staged counts, one left by a dead import does not and goes with
 * the portfolio) and no position snapshot of a pack (reconciling that pack needs the
 * portfolio). One statement, so an import cannot slip in between the check and the delete.
 */
export async function deleteIfUnreferenced(db: Knex, id: string): Promise<boolean> {
  const deadSince = isoSecondsFromNow(-STAGED_COMMIT_STALE_SECONDS);
  const deleted = await db('portfolios')
    .where({ id })
    .whereNotExists((q) => {
      void q
        .select(db.raw('1'))
        .from('ledger_commits')
        .where('portfolio_id', id)
        .where((c) => {
          void c.whereNull('pending_since').orWhere('pending_since', '>=', deadSince);
        });
    })
    .whereNotExists((q) => {
      void q.select(db.raw('1')).from('pack_portfolios').where('portfolio_id', id);
    })
    .delete();
  return deleted > 0;
}

/** Portfolios with their ids and timestamps given (a generated data set). */
export async function insertMany(
  trx: Knex.Transaction,
  rows: readonly Omit<Portfolio, 'archived_at'>[],
): Promise<void> {
  await insertChunked(trx, 'portfolios', rows);
}
