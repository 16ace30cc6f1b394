import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import type { LedgerEntry, SecurityInfo } from '../domain/ledger/types.js';
import * as ledger from './repositories/ledger.js';
import * as packCloses from './repositories/pack-closes.js';
import * as packs from './repositories/packs.js';
import * as portfolios from './repositories/portfolios.js';
import type { Portfolio } from './repositories/portfolios.js';
import * as securities from './repositories/securities.js';
import { addDays } from '../domain/dates.js';

export interface PackData {
  closes: ReadonlyMap<string, number>;
  fx: readonly packs.PackFxRow[];
}

/**
 * Packs per range read of a history's markets: about a year of trading days, so a multi-year
 * history costs a few queries, while SQLite (which answers synchronously) holds the event
 * loop for about one year's closes at a time, not for all of them.
 */
const PACKS_PER_READ = 250;

/**
 * `items` in parts of about `size` (at most half as many again), all of the same size but
 * one: 753 packs are three reads of 251, not three of 250 and a fourth round trip for 3.
 */
function partsOfAbout<T>(items: readonly T[], size: number): T[][] {
  const count = Math.max(1, Math.round(items.length / size));
  const each = Math.ceil(items.length / count);
  return Array.from({ length: count }, (_, i) => items.slice(i * each, (i + 1) * each));
}

/** Loads that fail are not cached; a missing commit resolves to null and is not cached either. */
type Loader<V> = () => Promise<V>;

/**
 * Read-through caches for data that never changes once written: the entries up to a
 * ledger commit (commits are append-only and content-addressed) and the prices and FX of a
 * pack (a pack's content is fixed once it is fresh). Keys are those immutable identities,
 * so an entry can never go stale. Portfolios are immutable once created (no endpoint
 * changes owner or base currency). Security reference data is keyed by symbol and expires,
 * because names and sectors may be corrected.
 */
export class ReadCache {
  private readonly entries: LRUCache<string, LedgerEntry[]>;
  private readonly packData: LRUCache<string, PackData>;
  private readonly marketData: LRUCache<string, PackData>;
  private readonly securityInfo: LRUCache<string, SecurityInfo>;
  /** Null when portfolio rows are not kept (a TTL of 0: every request asks). */
  private readonly portfolioRows: LRUCache<string, Portfolio> | null;
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly derivedValues: LRUCache<string, object> | null;

  /** A cache that keeps as little as its LRUs allow: for reads made once, whose data is not wanted afterwards. */
  static keepingNothing(db: Knex): ReadCache {
    return new ReadCache(db, {
      maxLedgerEntries: 1,
      maxPackRows: 1,
      securityTtlMs: 1,
      maxDerivedSize: 0,
      portfolioTtlMs: 0,
    });
  }

  constructor(
    private readonly db: Knex,
    opts: {
      maxLedgerEntries: number;
      maxPackRows: number;
      securityTtlMs: number;
      maxDerivedSize: number;
      /** How long a portfolio row is reused: a deleted portfolio is unknown to every process after it. */
      portfolioTtlMs: number;
    },
  ) {
    this.portfolioRows = opts.portfolioTtlMs > 0 ? new LRUCache({ max: 100_000, ttl: opts.portfolioTtlMs }) : null;
    this.derivedValues = opts.maxDerivedSize > 0 ? new LRUCache({ maxSize: opts.maxDerivedSize }) : null;
    this.entries = new LRUCache({
      maxSize: Math.max(1, opts.maxLedgerEntries),
      sizeCalculation: (v) => Math.max(1, v.length),
    });
    const packRows = {
      maxSize: Math.max(1, opts.maxPackRows),
      sizeCalculation: (v: PackData) => Math.max(1, v.closes.size + v.fx.length),
    };
    this.packData = new LRUCache(packRows);
    this.marketData = new LRUCache(packRows);
    this.securityInfo = new LRUCache({ max: 100_000, ttl: Math.max(1, opts.securityTtlMs) });
  }

  /** Concurrent misses for one key share a single load. */
  private async through<V extends object>(cache: LRUCache<string, V>, key: string, load: Loader<V>): Promise<V> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const pending = this.loading.get(key) as Promise<V> | undefined;
    if (pending) return pending;
    const p = load().then((v) => {
      cache.set(key, v);
      return v;
    });
    this.loading.set(key, p);
    try {
      return await p;
    } finally {
      this.loading.delete(key);
    }
  }

  /**
   * Values computed from immutable data alone (a valuation history up to a ledger commit and
   * a pack), under a key naming those identities; `size` is in the caller's unit (points).
   */
  derived<V extends object>(key: string): V | undefined {
    return this.derivedValues?.get(key) as V | undefined;
  }

  setDerived(key: string, value: object, size: number): void {
    this.derivedValues?.set(key, value, { size: Math.max(1, size) });
  }

  /** Every entry of the chain up to `commitHash`, in ledger order; null when the hash is not in this portfolio's chain. */
  async ledgerEntries(portfolioId: string, commitHash: string): Promise<LedgerEntry[] | null> {
    const key = `ledger:${portfolioId}:${commitHash}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const at = await ledger.resolve(this.db, portfolioId, commitHash);
    if (!at) return null;
    return this.through(this.entries, key, () => ledger.entriesUpTo(this.db, portfolioId, at.seq));
  }

  /** Closes and FX of a pack; callers only ask for packs that are fresh or superseded, whose content is final. */
  async packContent(packId: string): Promise<PackData> {
    return (await this.packContents([packId]))[0]!;
  }

  /**
   * Closes and FX of several packs, in the order asked; the ones not cached (and not already
   * loading) are read together in one batch rather than two queries per pack.
   */
  packContents(packIds: readonly string[]): Promise<PackData[]> {
    return this.perPack(this.packData, 'pack:', packIds, async (missing) => {
      const rows = await packs.contentsOf(this.db, missing);
      return (id) => {
        const { prices, fx } = rows.get(id)!;
        return { closes: new Map(prices.map((p) => [p.symbol, p.close])), fx };
      };
    });
  }

  /**
   * The closes of `symbols` and all FX rates of each pack, in the order asked: what a history
   * of a portfolio holding those symbols needs. Kept per pack and symbol set, both immutable
   * identities. The packs not cached are read with one query for their compact closes (one
   * row per pack, repositories/pack-closes.ts), one for the symbol lists those use and one
   * for their FX, however many packs they are; a pack without compact closes has its closes
   * read from its price rows.
   */
  marketsOf(packIds: readonly string[], symbols: readonly string[]): Promise<PackData[]> {
    const wanted = [...new Set(symbols)].sort();
    const prefix = `market:${createHash('sha256').update(wanted.join('\n')).digest('base64url')}:`;
    return this.perPack(this.marketData, prefix, packIds, async (missing) => {
      const wantedSet = new Set(wanted);
      const slots = new Map<string, packCloses.ListSlots>();
      const closes = new Map<string, ReadonlyMap<string, number>>();
      const fx = new Map<string, packs.PackFxRow[]>();
      for (const [i, part] of partsOfAbout(missing, PACKS_PER_READ).entries()) {
        if (i > 0) await setImmediate();
        const [stored, f] = await Promise.all([packCloses.readCloses(this.db, part), packs.fxOf(this.db, part)]);
        const lists = [...new Set([...stored.values()].map((s) => s.symbolListId))].filter((id) => !slots.has(id));
        for (const [id, list] of await packCloses.symbolLists(this.db, lists))
          slots.set(id, packCloses.listSlots(list, wantedSet));
        for (const [id, s] of stored) closes.set(id, packCloses.pickCloses(slots.get(s.symbolListId)!, s.closes));
        for (const [id, v] of await packs.closesOf(
          this.db,
          part.filter((id) => !stored.has(id)),
          wanted,
        ))
          closes.set(id, v);
        for (const [id, v] of f) fx.set(id, v);
      }
      return (id) => ({ closes: closes.get(id) ?? new Map<string, number>(), fx: fx.get(id)! });
    });
  }

  /**
   * Values kept per pack under `prefix` + pack id, in the order asked: the ones neither cached
   * nor already loading are loaded together by one call of `load`, which answers for each of them.
   */
  private perPack(
    cache: LRUCache<string, PackData>,
    prefix: string,
    packIds: readonly string[],
    load: (missing: string[]) => Promise<(id: string) => PackData>,
  ): Promise<PackData[]> {
    const cached = (id: string): Promise<PackData> | undefined => {
      const known = cache.get(prefix + id);
      return known ? Promise.resolve(known) : (this.loading.get(prefix + id) as Promise<PackData> | undefined);
    };
    const slots = packIds.map(cached);
    const missing = [...new Set(packIds.filter((_, i) => slots[i] === undefined))];
    if (missing.length > 0) {
      const batch = load(missing);
      for (const id of missing) {
        const key = prefix + id;
        const one = batch.then((of) => {
          const data = of(id);
          cache.set(key, data);
          return data;
        });
        const forget = () => void this.loading.delete(key);
        one.then(forget, forget);
        this.loading.set(key, one);
      }
      packIds.forEach((id, i) => {
        slots[i] ??= this.loading.get(prefix + id) as Promise<PackData>;
      });
    }
    return Promise.all(slots as Promise<PackData>[]);
  }

  /**
   * The fresh packs in force from `from` to `to`. Not cached: a pack can still turn fresh
   * after it was first listed.
   */
  freshPacksCovering(from: string, to: string): Promise<packs.Pack[]> {
    return packs.freshCovering(this.db, from, to);
  }

  /** The newest `count` fresh packs dated on or before `onOrBefore`, newest first. Not cached, like the above. */
  recentFreshPacks(onOrBefore: string, count: number): Promise<packs.Pack[]> {
    return packs.list(this.db, { limit: count, before: addDays(onOrBefore, 1), status: 'fresh' });
  }

  /** A portfolio only when `userId` owns it: someone else's portfolio looks exactly like a missing one. */
  async portfolioFor(id: string, userId: string): Promise<Portfolio | null> {
    let p = this.portfolioRows?.get(id);
    if (!p) {
      const row = await portfolios.get(this.db, id);
      if (!row) return null;
      this.portfolioRows?.set(id, row);
      p = row;
    }
    return p.user_id === userId ? p : null;
  }

  async securities(symbols: readonly string[]): Promise<Map<string, SecurityInfo>> {
    const found = new Map<string, SecurityInfo>();
    const missing: string[] = [];
    for (const s of symbols) {
      const hit = this.securityInfo.get(s);
      if (hit) found.set(s, hit);
      else missing.push(s);
    }
    if (missing.length > 0) {
      for (const [s, info] of await securities.bySymbols(this.db, missing)) {
        this.securityInfo.set(s, info);
        found.set(s, info);
      }
    }
    return found;
  }
}

/**
 * Packs the start-up warm-up reads: three years of trading days, the history a three-year
 * `performance` or `risk` request reads.
 */
export const WARM_UP_PACKS = 756;

/**
 * Reads the market data of the newest fresh packs (up to WARM_UP_PACKS) as a history reads it,
 * in parts, and keeps none of it: the cache it reads through is its own and dropped on return.
 * Run at start-up, so that the first history after a start does not also pay for the first run
 * of the database driver's code over a few MB of closes (50-120 ms of a three-year history's
 * first request on PostgreSQL). Returns how many packs it read.
 */
export async function warmUpMarketReads(db: Knex, today: string): Promise<number> {
  const reads = ReadCache.keepingNothing(db);
  const recent = await reads.recentFreshPacks(today, WARM_UP_PACKS);
  // No symbols: each pack's row of closes is read and decoded, and none is picked out.
  await reads.marketsOf(
    recent.map((p) => p.id),
    [],
  );
  return recent.length;
}
