import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { migrateLatest, migrationConfig } from '../../../src/db/knex.js';
import { ReadCache } from '../../../src/db/read-cache.js';
import { writeCloses } from '../../../src/db/repositories/pack-closes.js';
import { insertPublished } from '../../../src/db/repositories/packs.js';
import { migratedDatabase, postgresUnavailable, type TestDatabase } from '../../support/databases.js';

/** Closes that need all 17 significant digits, and ones that are short, large and tiny. */
const CLOSES = [1 / 3, 0.1 + 0.2, 100 / 7, 123456.789, 2 ** -30, 98765432109.1234, 1e-7 / 3, 42];
const FX = [
  { base: 'EUR', quote: 'USD', rate: 1.0823 / 0.8571 },
  { base: 'GBP', quote: 'USD', rate: 1.27 },
];
const DATES = ['2025-01-06', '2025-01-07', '2025-01-08'];
const IDS = DATES.map((d) => `PP_${d}`);
const SYMBOLS = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'NOT_PRICED'];

/** Three packs, the last one missing a close, as a pack build would publish them. */
const published = DATES.map((date, d) => ({
  date,
  prices: CLOSES.slice(0, d === 2 ? -1 : undefined).map((c, i) => ({
    symbol: `S${i}`,
    close: c * (d + 1),
    currency: 'USD',
  })),
  fx: FX.map((r) => ({ ...r, rate: r.rate * (d + 1) })),
}));

const cacheOn = (db: Knex) =>
  new ReadCache(db, {
    maxLedgerEntries: 10,
    maxPackRows: 10_000,
    securityTtlMs: 1,
    maxDerivedSize: 0,
    portfolioTtlMs: 0,
  });

/** The markets of `IDS` for `SYMBOLS`, as sorted entries, read on an empty cache. */
async function marketsOn(db: Knex) {
  const markets = await cacheOn(db).marketsOf(IDS, SYMBOLS);
  return markets.map((m) => ({ closes: [...m.closes].sort(), fx: m.fx }));
}

/** The same, from every price row of the packs (the full pack read). */
async function fromPriceRows(db: Knex) {
  const full = await cacheOn(db).packContents(IDS);
  return full.map((m) => ({ closes: [...m.closes].filter(([s]) => SYMBOLS.includes(s)).sort(), fx: m.fx }));
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`pack markets for a history, one row per pack [${dialect}]`, () => {
    let t: TestDatabase;
    let db: Knex;
    const reads = () => cacheOn(db);

    before(async function () {
      if (dialect === 'postgres' && (await postgresUnavailable())) this.skip();
      t = await migratedDatabase(dialect);
      db = t.open();
      await db.transaction((trx) => insertPublished(trx, published, 'test'));
    });
    after(async () => {
      await db?.destroy();
      await t?.drop();
    });

    it("gives exactly the stored doubles of the portfolio's symbols and every FX rate, as the full pack read does", async () => {
      assert.deepEqual(await marketsOn(db), await fromPriceRows(db));
      const markets = await reads().marketsOf(IDS, SYMBOLS);
      assert.equal(markets[0]!.closes.get('S0'), 1 / 3);
      assert.equal(markets[1]!.closes.get('S1'), (0.1 + 0.2) * 2);
      assert.equal(markets[2]!.closes.has('S7'), false);
      assert.equal(markets[0]!.fx[0]!.rate, 1.0823 / 0.8571);
    });

    it('reads only the symbols asked for, and answers a repeated ask from the cache in the same order', async () => {
      const cache = reads();
      const ids = [`PP_${DATES[2]}`, `PP_${DATES[0]}`];
      const first = await cache.marketsOf(ids, ['S5', 'S1']);
      assert.deepEqual(
        first.map((m) => [...m.closes.keys()].sort()),
        [
          ['S1', 'S5'],
          ['S1', 'S5'],
        ],
      );
      assert.equal(first[0]!.closes.get('S5'), CLOSES[5]! * 3);
      await db('prices')
        .where({ pack_id: `PP_${DATES[0]}`, symbol: 'S1' })
        .update({ close: 0 });
      const again = await cache.marketsOf(ids, ['S1', 'S5']);
      assert.equal(again[1]!.closes.get('S1'), CLOSES[1]);
      await db('prices')
        .where({ pack_id: `PP_${DATES[0]}`, symbol: 'S1' })
        .update({ close: CLOSES[1]! });
    });

    /** The SQL of the queries `fn` makes on the tables a history's markets come from. */
    async function marketQueries(fn: () => Promise<unknown>): Promise<string[]> {
      const seen: string[] = [];
      const note = (q: { sql: string }) => {
        if (/pack_closes|pack_symbol_lists|fx_rates|"prices"/.test(q.sql)) seen.push(q.sql);
      };
      db.on('query', note);
      try {
        await fn();
      } finally {
        db.removeListener('query', note);
      }
      return seen;
    }

    it("answers another portfolio's symbols over the same packs without reading their closes or FX again", async () => {
      const cache = reads();
      assert.ok((await marketQueries(() => cache.marketsOf(IDS, ['S0', 'S7']))).length > 0);
      let other: Awaited<ReturnType<ReadCache['marketsOf']>> = [];
      assert.deepEqual(
        await marketQueries(async () => {
          other = await cache.marketsOf(IDS, ['S2', 'S3', 'NOT_PRICED']);
        }),
        [],
      );
      assert.deepEqual(
        other.map((m) => [...m.closes].sort()),
        DATES.map((_, d) => [
          ['S2', CLOSES[2]! * (d + 1)],
          ['S3', CLOSES[3]! * (d + 1)],
        ]),
      );
      assert.deepEqual(
        other.map((m) => m.fx),
        (await marketsOn(db)).map((m) => m.fx),
      );
    });

    it('after the start-up warm-up, a history of any symbols over the newest packs reads nothing from them', async () => {
      const cache = reads();
      assert.equal(await cache.warmUpMarkets('2025-01-09'), IDS.length);
      let markets: Awaited<ReturnType<ReadCache['marketsOf']>> = [];
      assert.deepEqual(
        await marketQueries(async () => {
          markets = await cache.marketsOf(IDS, SYMBOLS);
        }),
        [],
      );
      assert.deepEqual(
        markets.map((m) => ({ closes: [...m.closes].sort(), fx: m.fx })),
        await fromPriceRows(db),
      );
      // Only packs fresh on the day count: the day before the last pack, two.
      assert.equal(await reads().warmUpMarkets('2025-01-07'), 2);
    });

    it('reads the compact closes written with the pack, one row per pack', async () => {
      const rows = await db('pack_closes').orderBy('pack_id').select('pack_id');
      assert.deepEqual(
        rows.map((r: { pack_id: string }) => r.pack_id),
        IDS,
      );
      // A close changed behind the pack's back shows only in the price rows: the compact ones are what a history reads.
      await db('prices').where({ pack_id: IDS[0], symbol: 'S0' }).update({ close: 0 });
      try {
        assert.equal((await cacheOn(db).marketsOf(IDS, ['S0']))[0]!.closes.get('S0'), 1 / 3);
      } finally {
        await db('prices').where({ pack_id: IDS[0], symbol: 'S0' }).update({ close: CLOSES[0]! });
      }
    });

    it('reads the price rows of a pack without compact closes for its content, giving the same markets', async () => {
      const hash = await db('pricing_packs').where({ id: IDS[1] }).first('content_hash');
      try {
        // Rebuilt by a version that does not write compact closes: new content, new hash, old compact closes.
        await db('pricing_packs')
          .where({ id: IDS[1] })
          .update({ content_hash: 'f'.repeat(64) });
        await db('prices').where({ pack_id: IDS[1], symbol: 'S1' }).update({ close: 7 });
        // Published by such a version: no compact closes at all.
        await db('pack_closes').where({ pack_id: IDS[2] }).delete();
        const markets = await marketsOn(db);
        assert.deepEqual(markets, await fromPriceRows(db));
        assert.deepEqual(markets[1]!.closes[1], ['S1', 7]);
        assert.equal(markets[2]!.closes.length, CLOSES.length - 1);
      } finally {
        await db('pricing_packs').where({ id: IDS[1] }).update(hash);
        await db('prices')
          .where({ pack_id: IDS[1], symbol: 'S1' })
          .update({ close: CLOSES[1]! * 2 });
        await db.transaction((trx) => writeCloses(trx, [IDS[2]!]));
      }
    });
  });

  describe(`pack markets on a database with packs from before compact closes [${dialect}]`, () => {
    let t: TestDatabase;
    let db: Knex;

    before(async function () {
      if (dialect === 'postgres' && (await postgresUnavailable())) this.skip();
      t = await migratedDatabase(dialect);
      db = t.open();
      // Back to before compact closes, with the migrations that came after them.
      for (const name of ['007_staged_commits', '006_pack_closes']) await db.migrate.down({ ...migrationConfig, name });
      await db.transaction(async (trx) => {
        for (const { date, prices, fx } of published) {
          const pack_id = `PP_${date}`;
          await trx('pricing_packs').insert({
            id: pack_id,
            date,
            status: 'fresh',
            content_hash: `hash-${date}`,
            source: 'test',
            price_count: prices.length,
            fx_count: fx.length,
            created_at: `${date}T21:30:00.000Z`,
            fresh_at: `${date}T22:00:00.000Z`,
          });
          await trx('prices').insert(prices.map((p) => ({ pack_id, ...p })));
          await trx('fx_rates').insert(fx.map((r) => ({ pack_id, ...r })));
        }
      });
    });
    after(async () => {
      await db?.destroy();
      await t?.drop();
    });

    it('gives them compact closes when migrated, with the same markets as their price rows', async () => {
      const before = await fromPriceRows(db);
      assert.deepEqual(await migrateLatest(db), ['006_pack_closes', '007_staged_commits']);
      const [count] = await db('pack_closes').count<{ n: number | string }[]>({ n: '*' });
      assert.equal(Number(count!.n), IDS.length);
      assert.deepEqual(await marketsOn(db), before);
    });
  });
}
