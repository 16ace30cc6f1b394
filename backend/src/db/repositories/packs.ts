import type { Knex } from 'knex';
import { addDays } from '../../domain/dates.js';

export type PackStatus = 'warming' | 'fresh' | 'error' | 'superseded';

export interface Pack {
  id: string;
  date: string;
  status: PackStatus;
  content_hash: string | null;
  source: string;
  price_count: number;
  fx_count: number;
  created_at: string;
  fresh_at: string | null;
  error: string | null;
}

export interface PackPriceRow {
  symbol: string;
  close: number;
  currency: string;
}

export interface PackFxRow {
  base: string;
  quote: string;
  rate: number;
}

const COLUMNS = [
  'id', 'date', 'status', 'content_hash', 'source', 'price_count', 'fx_count', 'created_at', 'fresh_at', 'error',
] as const;

const toPack = (r: Record<string, unknown>): Pack => ({
  ...(r as unknown as Pack),
  price_count: Number(r.price_count),
  fx_count: Number(r.fx_count),
});

export async function get(db: Knex, id: string): Promise<Pack | null> {
  const row = await db('pricing_packs').where({ id }).first(COLUMNS);
  return row ? toPack(row) : null;
}

/** The newest pack that is still current (superseded versions are history, not candidates). */
export async function newest(db: Knex): Promise<Pack | null> {
  const row = await db('pricing_packs')
    .whereNot({ status: 'superseded' })
    .orderBy([{ column: 'date', order: 'desc' }, { column: 'created_at', order: 'desc' }])
    .first(COLUMNS);
  return row ? toPack(row) : null;
}

export async function newestFresh(db: Knex, onOrBefore?: string): Promise<Pack | null> {
  const q = db('pricing_packs').where({ status: 'fresh' });
  if (onOrBefore) q.andWhere('date', '<=', onOrBefore);
  const row = await q.orderBy('date', 'desc').first(COLUMNS);
  return row ? toPack(row) : null;
}

export async function list(
  db: Knex,
  opts: { limit: number; before?: string | undefined; status?: PackStatus | undefined },
): Promise<Pack[]> {
  const q = db('pricing_packs');
  if (opts.before) q.where('date', '<', opts.before);
  if (opts.status) q.where({ status: opts.status });
  const rows = await q.orderBy([{ column: 'date', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(opts.limit).select(COLUMNS);
  return rows.map(toPack);
}

export async function prices(db: Knex, packId: string): Promise<Map<string, PackPriceRow>> {
  const rows = await db('prices').where({ pack_id: packId }).select('symbol', 'close', 'currency');
  return new Map(rows.map((r: PackPriceRow) => [r.symbol, { symbol: r.symbol, close: Number(r.close), currency: r.currency }]));
}

export async function fx(db: Knex, packId: string): Promise<PackFxRow[]> {
  const rows = await db('fx_rates').where({ pack_id: packId }).orderBy(['base', 'quote']).select('base', 'quote', 'rate');
  return rows.map((r: PackFxRow) => ({ base: r.base, quote: r.quote, rate: Number(r.rate) }));
}

/**
 * The fresh packs that price every day from `from` to `to`: those dated in that range, oldest
 * first, preceded by the newest one before `from`, which is in force on the range's first days.
 */
export async function freshCovering(db: Knex, from: string, to: string): Promise<Pack[]> {
  const [before, within] = await Promise.all([
    newestFresh(db, addDays(from, -1)),
    db('pricing_packs').where({ status: 'fresh' }).andWhere('date', '>=', from).andWhere('date', '<=', to).orderBy('date', 'asc').select(COLUMNS),
  ]);
  return [...(before ? [before] : []), ...within.map(toPack)];
}
