import type { Knex } from 'knex';
import type { SecurityInfo } from '../../domain/ledger/types.js';
import { insertChunked } from '../bulk.js';

export async function all(db: Knex): Promise<Map<string, SecurityInfo>> {
  const rows: SecurityInfo[] = await db('securities')
    .orderBy('symbol')
    .select('symbol', 'name', 'sector', 'currency', 'asset_class');
  return new Map(rows.map((r) => [r.symbol, r]));
}

export async function bySymbols(db: Knex, symbols: readonly string[]): Promise<Map<string, SecurityInfo>> {
  if (symbols.length === 0) return new Map();
  const rows: SecurityInfo[] = await db('securities')
    .whereIn('symbol', symbols)
    .select('symbol', 'name', 'sector', 'currency', 'asset_class');
  return new Map(rows.map((r) => [r.symbol, r]));
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
