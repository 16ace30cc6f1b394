import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { ReadCache } from '../../../src/db/read-cache.js';
import { insertPublished } from '../../../src/db/repositories/packs.js';
import { migratedDatabase, postgresUnavailable, type TestDatabase } from '../../support/databases.js';

/** Closes that need all 17 significant digits, and ones that are short, large and tiny. */
const CLOSES = [1 / 3, 0.1 + 0.2, 100 / 7, 123456.789, 2 ** -30, 98765432109.1234, 1e-7 / 3, 42];
const FX = [
  { base: 'EUR', quote: 'USD', rate: 1.0823 / 0.8571 },
  { base: 'GBP', quote: 'USD', rate: 1.27 },
];
const DATES = ['2025-01-06', '2025-01-07', '2025-01-08'];

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`pack markets for a history, one range read [${dialect}]`, () => {
    let t: TestDatabase;
    let db: Knex;
    const reads = () =>
      new ReadCache(db, { maxLedgerEntries: 10, maxPackRows: 10_000, securityTtlMs: 1, maxDerivedSize: 0 });

    before(async function () {
      if (dialect === 'postgres' && (await postgresUnavailable())) this.skip();
      t = await migratedDatabase(dialect);
      db = t.open();
      await db.transaction((trx) =>
        insertPublished(
          trx,
          DATES.map((date, d) => ({
            date,
            // The last day leaves one symbol out, as a pack missing a close would.
            prices: CLOSES.slice(0, d === 2 ? -1 : undefined).map((c, i) => ({
              symbol: `S${i}`,
              close: c * (d + 1),
              currency: 'USD',
            })),
            fx: FX.map((r) => ({ ...r, rate: r.rate * (d + 1) })),
          })),
          'test',
        ),
      );
    });
    after(async () => {
      await db?.destroy();
      await t?.drop();
    });

    it("gives exactly the stored doubles of the portfolio's symbols and every FX rate, as the full pack read does", async () => {
      const ids = DATES.map((d) => `PP_${d}`);
      const symbols = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'NOT_PRICED'];
      const [full, markets] = await Promise.all([reads().packContents(ids), reads().marketsOf(ids, symbols)]);
      markets.forEach((m, d) => {
        const expected = [...full[d]!.closes].filter(([s]) => symbols.includes(s));
        assert.deepEqual([...m.closes].sort(), expected.sort());
        assert.deepEqual(m.fx, full[d]!.fx);
      });
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
  });
}
