import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { IndexedCloses } from '../../domain/history.js';

/**
 * A pack's closes in compact form, written with its prices (a pack's content is final once
 * written) and read by histories: one row per pack in `pack_closes` holding the closes as
 * little-endian float64s, in the order of a symbol list that every pack with the same symbols
 * shares (`pack_symbol_lists`, keyed by the SHA-256 of the list). The closes are read back
 * from `prices` when written, so they are the stored doubles a read of `prices` gives. A
 * history over years of packs then reads one row per pack instead of one per close.
 */

/**
 * Packs whose prices are read back per query when their closes are written, and rows per
 * insert of their compact closes (a few KB each; well under SQLite's 500 terms per insert).
 */
const PACKS_PER_WRITE = 100;

/** Symbols never contain a newline, so a list is its symbols one per line. */
const SEPARATOR = '\n';

export function encodeCloses(closes: readonly number[]): Buffer {
  const out = Buffer.alloc(closes.length * 8);
  closes.forEach((c, i) => out.writeDoubleLE(c, i * 8));
  return out;
}

/** The symbol list's identity: packs with the same symbols share one list. */
export const symbolListId = (symbols: readonly string[]): string =>
  createHash('sha256').update(symbols.join(SEPARATOR)).digest('hex');

/**
 * Writes the compact closes of those of `packIds` that have their content (a content hash),
 * from their rows in `prices`, in the caller's transaction, after the prices are written; a
 * pack's earlier ones are replaced. They carry the pack's content hash, and are read only
 * while it is still the pack's: a rebuild by a version that does not write them cannot leave
 * stale ones in force.
 */
export async function writeCloses(db: Knex, packIds: readonly string[]): Promise<void> {
  for (let i = 0; i < packIds.length; i += PACKS_PER_WRITE) {
    const part = packIds.slice(i, i + PACKS_PER_WRITE);
    const [heads, rows] = await Promise.all([
      db('pricing_packs')
        .whereIn('id', part)
        .whereNotNull('content_hash')
        .select<{ id: string; content_hash: string }[]>('id', 'content_hash'),
      db('prices')
        .whereIn('pack_id', part)
        .select<{ pack_id: string; symbol: string; close: number | string }[]>('pack_id', 'symbol', 'close'),
    ]);
    const byPack = new Map(heads.map((h) => [h.id, [] as { symbol: string; close: number }[]]));
    for (const r of rows) byPack.get(r.pack_id)?.push({ symbol: r.symbol, close: Number(r.close) });
    const lists = new Map<string, string>();
    const packs = heads.map(({ id: pack_id, content_hash }) => {
      const prices = byPack.get(pack_id)!.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
      const symbols = prices.map((p) => p.symbol);
      const id = symbolListId(symbols);
      lists.set(id, symbols.join(SEPARATOR));
      return { pack_id, content_hash, symbol_list_id: id, closes: encodeCloses(prices.map((p) => p.close)) };
    });
    for (const [id, symbols] of lists) await db('pack_symbol_lists').insert({ id, symbols }).onConflict('id').ignore();
    await db('pack_closes').whereIn('pack_id', part).delete();
    if (packs.length > 0) await db('pack_closes').insert(packs);
  }
}

export interface StoredCloses {
  symbolListId: string;
  closes: Buffer;
}

/**
 * The compact closes of those of `packIds` that have them for their current content (packs
 * written by a version that did not write them have none).
 */
export async function readCloses(db: Knex, packIds: readonly string[]): Promise<Map<string, StoredCloses>> {
  if (packIds.length === 0) return new Map();
  const rows = await db('pack_closes as c')
    .join('pricing_packs as p', (on) => on.on('p.id', '=', 'c.pack_id').andOn('p.content_hash', '=', 'c.content_hash'))
    .whereIn('c.pack_id', packIds)
    .select<{ pack_id: string; symbol_list_id: string; closes: Buffer }[]>('c.pack_id', 'c.symbol_list_id', 'c.closes');
  return new Map(rows.map((r) => [r.pack_id, { symbolListId: r.symbol_list_id, closes: r.closes }]));
}

/** The symbols of each list, in the order of the closes that refer to it. */
export async function symbolLists(db: Knex, ids: readonly string[]): Promise<Map<string, string[]>> {
  if (ids.length === 0) return new Map();
  const rows = await db('pack_symbol_lists')
    .whereIn('id', ids)
    .select<{ id: string; symbols: string }[]>('id', 'symbols');
  return new Map(rows.map((r) => [r.id, r.symbols === '' ? [] : r.symbols.split(SEPARATOR)]));
}

/**
 * Where the closes of a set of wanted symbols sit in the packs sharing one symbol list: the
 * wanted symbols the list has, each with its position in the list. Worked out once per list,
 * then each pack's closes are picked out with {@link pickCloses}.
 */
export interface ListSlots {
  /** Wanted symbol → its index in the picked closes. */
  index: ReadonlyMap<string, number>;
  /** For each picked close, its position in the list. */
  positions: Int32Array;
}

export function listSlots(symbols: readonly string[], wanted: ReadonlySet<string>): ListSlots {
  const index = new Map<string, number>();
  const positions: number[] = [];
  symbols.forEach((s, i) => {
    if (!wanted.has(s)) return;
    index.set(s, positions.length);
    positions.push(i);
  });
  return { index, positions: Int32Array.from(positions) };
}

/** The wanted closes of one pack, as a read-only map that shares its index with every pack of the list. */
export function pickCloses(slots: ListSlots, stored: Buffer): PickedCloses {
  const values = new Float64Array(slots.positions.length);
  for (let j = 0; j < values.length; j++) values[j] = stored.readDoubleLE(slots.positions[j]! * 8);
  return new PickedCloses(slots.index, values);
}

/**
 * Closes by symbol over an index shared by many packs and one pack's values: a map of 500
 * closes per pack over years of packs would cost a map entry per close; this costs 8 bytes.
 */
export class PickedCloses implements IndexedCloses {
  constructor(
    readonly index: ReadonlyMap<string, number>,
    private readonly closes: Float64Array,
  ) {}

  at(slot: number): number {
    return this.closes[slot]!;
  }

  get size(): number {
    return this.index.size;
  }

  get(symbol: string): number | undefined {
    const i = this.index.get(symbol);
    return i === undefined ? undefined : this.closes[i];
  }

  has(symbol: string): boolean {
    return this.index.has(symbol);
  }

  forEach(fn: (close: number, symbol: string, map: ReadonlyMap<string, number>) => void, thisArg?: unknown): void {
    for (const [symbol, i] of this.index) fn.call(thisArg, this.closes[i]!, symbol, this);
  }

  *entries(): Generator<[string, number], undefined> {
    for (const [symbol, i] of this.index) yield [symbol, this.closes[i]!];
  }

  keys(): MapIterator<string> {
    return this.index.keys();
  }

  *values(): Generator<number, undefined> {
    for (const i of this.index.values()) yield this.closes[i]!;
  }

  [Symbol.iterator](): Generator<[string, number], undefined> {
    return this.entries();
  }
}
