import type { Knex } from 'knex';
import type { SecurityInfo } from '../../domain/ledger/types.js';

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
