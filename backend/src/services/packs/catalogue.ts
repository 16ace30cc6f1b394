import type { Knex } from 'knex';
import * as packs from '../../db/repositories/packs.js';
import { AppError } from '../../errors.js';
import { isoSecondsFromNow } from '../../clock.js';

export interface PackPage {
  packs: packs.Pack[];
  /** The `before` that continues the listing; null on the last page. */
  next_before: string | null;
}

export interface PackWithContents extends packs.Pack {
  prices: packs.PackPriceRow[];
  fx: packs.PackFxRow[];
}

/** Packs newest first, `limit` at a time; `before` (a date) continues from an earlier page. */
export async function listPacks(
  db: Knex,
  q: { limit: number; before?: string | undefined; status?: packs.PackStatus | undefined },
): Promise<PackPage> {
  const list = await packs.list(db, q);
  const last = list.length === q.limit ? list[list.length - 1] : undefined;
  return { packs: list, next_before: last?.date ?? null };
}

/** The pack `id`; pricing_pack_not_found when there is none. */
export async function requirePack(db: Knex, id: string): Promise<packs.Pack> {
  const pack = await packs.get(db, id);
  if (!pack) throw new AppError('pricing_pack_not_found', `pricing pack ${id} does not exist`, { pricing_pack_id: id });
  return pack;
}

/** One pack with its prices (by symbol) and FX rates (by pair). */
export async function getPack(db: Knex, id: string): Promise<PackWithContents> {
  const pack = await requirePack(db, id);
  const [prices, fx] = await Promise.all([packs.prices(db, pack.id), packs.fx(db, pack.id)]);
  return { ...pack, prices: [...prices.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)), fx };
}

/** Packs still warming after `staleSeconds`: most likely left behind by a build that died. */
export function staleWarmingPacks(db: Knex, staleSeconds: number): Promise<packs.Pack[]> {
  return packs.staleWarming(db, isoSecondsFromNow(-staleSeconds));
}
