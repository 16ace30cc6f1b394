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

/** A pack's market data as stored: its compact closes, if it has them for its content, and its FX. */
interface StoredMarket {
  closes: packCloses.StoredCloses | undefined;
  fx: packs.PackFxRow[];
}

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

/**
 * Packs the start-up warm-up reads: three years of trading days, the history a three-year
 * `performance` or `risk` request reads.
 */
const WARM_UP_PACKS = 756;

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
  private readonly storedMarkets: LRUCache<string, StoredMarket>;
  private readonly symbolLists: LRUCache<string, string[]>;
  private readonly securityInfo: LRUCache<string, SecurityInfo>;
  /** Null when portfolio rows are not kept (a TTL of 0: every request asks). */
  private readonly portfolioRows: LRUCache<string, Portfolio> | null;
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly derivedValues: LRUCache<string, object> | null;

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
    // Every per-pack cache is bounded by FOLIO_CACHE_PACK_ROWS closes and FX rows, each on its own.
    const packRows = <V>(rows: (v: V) => number) => ({
      maxSize: Math.max(1, opts.maxPackRows),
      sizeCalculation: (v: V) => Math.max(1, rows(v)),
    });
    const pickedRows = packRows((v: PackData) => v.closes.size + v.fx.length);
    this.packData = new LRUCache(pickedRows);
    this.marketData = new LRUCache(pickedRows);
    // A close is stored as 8 bytes.
    this.storedMarkets = new LRUCache(packRows((v: StoredMarket) => (v.closes?.closes.length ?? 0) / 8 + v.fx.length));
    // Lists are content-addressed (the SHA-256 of their symbols), so a kept one never goes stale.
    this.symbolLists = new LRUCache({ max: 1000 });
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
   * identities, and picked out of each pack's stored market data ({@link storedMarketsOf}); a
   * pack without compact closes has its closes read from its price rows.
   */
  marketsOf(packIds: readonly string[], symbols: readonly string[]): Promise<PackData[]> {
    const wanted = [...new Set(symbols)].sort();
    const prefix = `market:${createHash('sha256').update(wanted.join('\n')).digest('base64url')}:`;
    return this.perPack(this.marketData, prefix, packIds, async (missing) => {
      const stored = await this.storedMarketsOf(missing);
      const wantedSet = new Set(wanted);
      const slots = new Map<string, packCloses.ListSlots>();
      for (const [id, list] of await this.listsOf(stored)) slots.set(id, packCloses.listSlots(list, wantedSet));
      const markets = new Map<string, PackData>();
      // Packs without compact closes, with their FX.
      const fromPriceRows = new Map<string, packs.PackFxRow[]>();
      missing.forEach((id, i) => {
        const { closes, fx } = stored[i]!;
        if (closes)
          markets.set(id, { closes: packCloses.pickCloses(slots.get(closes.symbolListId)!, closes.closes), fx });
        else fromPriceRows.set(id, fx);
      });
      const read = await packs.closesOf(this.db, [...fromPriceRows.keys()], wanted);
      for (const [id, fx] of fromPriceRows) markets.set(id, { closes: read.get(id) ?? new Map<string, number>(), fx });
      return (id) => markets.get(id)!;
    });
  }

  /**
   * Each pack's market data as stored, whatever symbols are wanted: its compact closes (one row,
   * repositories/pack-closes.ts) and its FX. Kept per pack id, so a history of another portfolio
   * (another symbol set) over the same packs reads nothing, and the start-up warm-up can fill it.
   * The packs not cached are read about a year of packs at a time: one query for their compact
   * closes and one for their FX per part.
   */
  private storedMarketsOf(packIds: readonly string[]): Promise<StoredMarket[]> {
    return this.perPack(this.storedMarkets, 'stored:', packIds, async (missing) => {
      const read = new Map<string, StoredMarket>();
      for (const [i, part] of partsOfAbout(missing, PACKS_PER_READ).entries()) {
        if (i > 0) await setImmediate();
        const [closes, fx] = await Promise.all([packCloses.readCloses(this.db, part), packs.fxOf(this.db, part)]);
        for (const id of part) read.set(id, { closes: closes.get(id), fx: fx.get(id)! });
      }
      return (id) => read.get(id)!;
    });
  }

  /** The symbol lists the compact closes of `stored` refer to, by list id. */
  private async listsOf(stored: readonly StoredMarket[]): Promise<Map<string, string[]>> {
    const lists = new Map<string, string[]>();
    const unknown = new Set<string>();
    for (const { closes } of stored) {
      if (!closes) continue;
      const kept = this.symbolLists.get(closes.symbolListId);
      if (kept) lists.set(closes.symbolListId, kept);
      else unknown.add(closes.symbolListId);
    }
    for (const [id, list] of await packCloses.symbolLists(this.db, [...unknown])) {
      this.symbolLists.set(id, list);
      lists.set(id, list);
    }
    return lists;
  }

  /**
   * Reads the stored market data of the newest fresh packs (up to WARM_UP_PACKS), and the
   * symbol lists it refers to, into this cache, at start-up: the first history after a start
   * then reads no closes or FX from the database, and the driver's first run over a few MB of
   * closes (50-120 ms of a three-year history's first request on PostgreSQL) is paid before
   * the service reports ready. Returns how many packs it read.
   */
  async warmUpMarkets(today: string): Promise<number> {
    const recent = await this.recentFreshPacks(today, WARM_UP_PACKS);
    // Oldest first, so that if the cache cannot hold them all, the newest are the ones kept.
    await this.listsOf(await this.storedMarketsOf(recent.map((p) => p.id).reverse()));
    return recent.length;
  }

  /**
   * Values kept per pack under `prefix` + pack id, in the order asked: the ones neither cached
   * nor already loading are loaded together by one call of `load`, which answers for each of them.
   */
  private perPack<V extends object>(
    cache: LRUCache<string, V>,
    prefix: string,
    packIds: readonly string[],
    load: (missing: string[]) => Promise<(id: string) => V>,
  ): Promise<V[]> {
    const cached = (id: string): Promise<V> | undefined => {
      const known = cache.get(prefix + id);
      return known ? Promise.resolve(known) : (this.loading.get(prefix + id) as Promise<V> | undefined);
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
        slots[i] ??= this.loading.get(prefix + id) as Promise<V>;
      });
    }
    return Promise.all(slots as Promise<V>[]);
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
