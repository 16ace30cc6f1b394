import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { loadConfig } from '../../../src/config.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { DEMO_FIRST_DATE, DEMO_LAST_DATE } from '../../../src/providers/demo.js';
import { createProvider } from '../../../src/providers/index.js';
import { DEMO_SEED, seededDatabase, type TestDatabase } from '../../support/databases.js';

describe('demo provider against the seeded demo database', () => {
  let t: TestDatabase;
  let db: Knex;
  const provider = () =>
    createProvider('demo', loadConfig({ FOLIO_DEMO_SEED: String(DEMO_SEED) }), new BreakerRegistry());

  before(async () => {
    t = await seededDatabase('sqlite');
    db = t.open();
  });
  after(async () => {
    await db?.destroy();
    await t?.drop();
  });

  for (const date of [DEMO_FIRST_DATE, '2024-06-10', '2025-10-24']) {
    it(`reproduces every close and FX rate the seed stored for ${date}`, async () => {
      const packId = `PP_${date}`;
      const prices = await db('prices')
        .where({ pack_id: packId })
        .orderBy('symbol')
        .select('symbol', 'close', 'currency');
      const fx = await db('fx_rates')
        .where({ pack_id: packId })
        .orderBy(['base', 'quote'])
        .select('base', 'quote', 'rate');
      assert.equal(prices.length, 74);
      const snapshot = await provider().snapshot({ date, symbols: [], pairs: [] });
      assert.deepEqual(snapshot.prices, prices);
      assert.deepEqual(snapshot.fx, fx);
    });
  }

  it('leaves out symbols the demo universe does not have', async () => {
    const snapshot = await provider().snapshot({ date: '2025-10-24', symbols: ['AAPL', 'ZZZZ'], pairs: [] });
    assert.deepEqual(
      snapshot.prices.map((p) => p.symbol),
      ['AAPL'],
    );
  });

  it('continues the walk past the seeded span without changing it', async () => {
    const p = provider();
    const later = await p.snapshot({ date: '2026-11-20', symbols: [], pairs: [] });
    assert.equal(later.prices.length, 74);
    assert.ok(later.prices.every((x) => x.close > 0));
    const seeded = await db('prices')
      .where({ pack_id: 'PP_2025-10-24' })
      .orderBy('symbol')
      .select('symbol', 'close', 'currency');
    assert.deepEqual((await p.snapshot({ date: '2025-10-24', symbols: [], pairs: [] })).prices, seeded);
  });

  it('says which dates it covers', async () => {
    await assert.rejects(
      provider().snapshot({ date: '2021-01-04', symbols: [], pairs: [] }),
      new RegExp(`demo market covers ${DEMO_FIRST_DATE}\\.\\.${DEMO_LAST_DATE}; 2021-01-04 is outside it`),
    );
    await assert.rejects(
      provider().snapshot({ date: '2025-10-25', symbols: [], pairs: [] }),
      /2025-10-25 is not a demo trading day/,
    );
  });
});
