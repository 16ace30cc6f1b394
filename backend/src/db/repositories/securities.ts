import type { Knex } from 'knex';
import type { SecurityInfo } from '../../domain/ledger/types.js';
import type { Security } from '../../domain/securities-file.js';
import { insertChunked } from '../bulk.js';

const INFO_COLUMNS = ['symbol', 'name', 'sector', 'currency', 'asset_class'] as const;
const COLUMNS = [...INFO_COLUMNS, 'isin', 'figi'] as const;
/** Symbols per `IN (...)` list, well under both dialects' bind-parameter limits. */
const IN_CHUNK = 1000;

export async function all(db: Knex): Promise<Map<string, SecurityInfo>> {
  const rows: SecurityInfo[] = await db('securities')
    .orderBy('symbol')
    .select(...INFO_COLUMNS);
  return new Map(rows.map((r) => [r.symbol, r]));
}

export async function bySymbols(db: Knex, symbols: readonly string[]): Promise<Map<string, SecurityInfo>> {
  if (symbols.length === 0) return new Map();
  const rows: SecurityInfo[] = await db('securities')
    .whereIn('symbol', symbols)
    .select(...INFO_COLUMNS);
  return new Map(rows.map((r) => [r.symbol, r]));
}

/** Every registered security with its identifiers, by symbol. */
export async function records(db: Knex): Promise<Map<string, Security>> {
  const rows: Security[] = await db('securities').select(...COLUMNS);
  return new Map(rows.map((r) => [r.symbol, r]));
}

export async function get(db: Knex, symbol: string): Promise<Security | undefined> {
  return db('securities')
    .where({ symbol })
    .first<Security | undefined>(...COLUMNS);
}

/** Escapes LIKE's wildcards so a search for `A_B` matches those three characters only. */
const likePrefix = (q: string): string => `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Securities by symbol, after `after` (exclusive), whose symbol or name starts with `prefix`
 * (case-insensitive); one more than `limit` is read so the caller knows whether a page follows.
 */
export async function search(
  db: Knex,
  opts: { prefix?: string | undefined; after?: string | undefined; limit: number },
): Promise<Security[]> {
  const q = db('securities')
    .orderBy('symbol')
    .limit(opts.limit + 1);
  if (opts.after !== undefined) q.where('symbol', '>', opts.after);
  if (opts.prefix !== undefined && opts.prefix !== '') {
    const pattern = likePrefix(opts.prefix.toLowerCase());
    q.whereRaw(`(lower(symbol) like ? escape '\\' or lower(name) like ? escape '\\')`, [pattern, pattern]);
  }
  return q.select<Security[]>(...COLUMNS);
}

/** Those of `symbols` some ledger transaction, pack price or pack position names. */
export async function referenced(db: Knex, symbols: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < symbols.length; i += IN_CHUNK) {
    const chunk = symbols.slice(i, i + IN_CHUNK);
    const rows = await db
      .select<{ symbol: string }[]>('symbol')
      .from('transactions')
      .whereIn('symbol', chunk)
      .union([
        db.select('symbol').from('prices').whereIn('symbol', chunk),
        db.select('code as symbol').from('pack_positions').where({ kind: 'security' }).whereIn('code', chunk),
      ]);
    for (const r of rows) found.add(r.symbol);
  }
  return found;
}

/** Adds the securities not known yet; known ones are shared reference data and stay as they are. */
export async function insertMissing(trx: Knex.Transaction, rows: readonly SecurityInfo[]): Promise<void> {
  const known = new Set((await trx('securities').select<{ symbol: string }[]>('symbol')).map((r) => r.symbol));
  await insertChunked(
    trx,
    'securities',
    rows
      .filter((s) => !known.has(s.symbol))
      .map(({ symbol, name, sector, currency, asset_class }) => ({ symbol, name, sector, currency, asset_class })),
  );
}

export async function insert(trx: Knex.Transaction, rows: readonly Security[]): Promise<void> {
  await insertChunked(trx, 'securities', rows);
}

export async function update(trx: Knex.Transaction, security: Security): Promise<void> {
  const { symbol, ...fields } = security;
  await trx('securities').where({ symbol }).update(fields);
}
