import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../src/errors.js';
import { loadConfig } from '../../../src/config.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { createProvider } from '../../../src/providers/index.js';

const DATE = '2025-10-24';
const CURRENCIES = [
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'CAD',
  'CHF',
  'AUD',
  'SEK',
  'NOK',
  'DKK',
  'HKD',
  'SGD',
  'NZD',
  'MXN',
  'ZAR',
  'INR',
  'BRL',
  'KRW',
  'PLN',
  'CZK',
  'HUF',
  'TRY',
  'ILS',
  'THB',
  'IDR',
  'MYR',
  'PHP',
  'CNY',
  'TWD',
  'CLP',
  'COP',
];

/** A directory like a user's export: 5,000 securities and 30 FX pairs against USD for one date. */
function writeDay(root: string, date: string, securities: number): { symbols: string[] } {
  const dir = path.join(root, date);
  fs.mkdirSync(dir, { recursive: true });
  const symbols = Array.from({ length: securities }, (_, i) => `SEC${String(i).padStart(5, '0')}`);
  const prices = symbols.map((s, i) => `${s},${(10 + (i % 997) * 0.37).toFixed(2)},${CURRENCIES[i % 5]}`);
  fs.writeFileSync(path.join(dir, 'prices.csv'), ['symbol,close,currency', ...prices].join('\n') + '\n');
  const fx = CURRENCIES.slice(1).map((c, i) => `${c},USD,${(0.5 + i * 0.01).toFixed(4)}`);
  fs.writeFileSync(path.join(dir, 'fx.csv'), ['base,quote,rate', ...fx].join('\n') + '\n');
  return { symbols };
}

describe('csv provider reading a directory of per-date files', () => {
  let root: string;
  let registry: BreakerRegistry;
  const provider = () =>
    createProvider('csv', loadConfig({ FOLIO_PROVIDER: 'csv', FOLIO_PROVIDER_CSV_DIR: root }), registry);

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-csv-provider-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    registry = new BreakerRegistry();
  });

  it('reads 5,000 securities and 30 FX pairs of one date', async () => {
    const { symbols } = writeDay(root, DATE, 5_000);
    const started = performance.now();
    const snapshot = await provider().snapshot({ date: DATE, symbols: [], pairs: [] });
    const ms = performance.now() - started;
    assert.equal(snapshot.date, DATE);
    assert.equal(snapshot.prices.length, 5_000);
    assert.equal(snapshot.fx.length, 30);
    assert.deepEqual(snapshot.prices[1], { symbol: symbols[1], close: 10.37, currency: 'EUR' });
    assert.deepEqual(snapshot.fx[0], { base: 'EUR', quote: 'USD', rate: 0.5 });
    console.log(`      csv provider: 5,000 prices + 30 FX rates in ${ms.toFixed(0)} ms`);

    const some = await provider().snapshot({ date: DATE, symbols: ['SEC00002', 'NOT.THERE'], pairs: ['USD/GBP'] });
    assert.deepEqual(some.prices, [{ symbol: 'SEC00002', close: 10.74, currency: 'GBP' }]);
    assert.deepEqual(some.fx, [{ base: 'GBP', quote: 'USD', rate: 0.51 }]);
  });

  it('names the file and line of a bad row and does not count it against the breaker', async () => {
    const date = '2025-10-23';
    writeDay(root, date, 10);
    const file = path.join(root, date, 'prices.csv');
    fs.appendFileSync(file, 'BAD,-3,USD\n');
    const p = provider();
    for (let i = 0; i < 6; i++) {
      await assert.rejects(p.snapshot({ date, symbols: [], pairs: [] }), (e: AppError) => {
        assert.equal(e.code, 'dependency_unavailable');
        assert.equal(
          e.message,
          `csv market data is unavailable: ${path.join(date, 'prices.csv')} line 12: close "-3" is not a positive decimal number`,
        );
        return true;
      });
    }
    assert.equal(registry.state('csv'), 'closed');
  });

  it('reports a date it has no files for', async () => {
    await assert.rejects(provider().snapshot({ date: '2025-10-22', symbols: [], pairs: [] }), (e: Error) => {
      // Named relative to the data directory: the message can reach HTTP clients.
      assert.match(e.message, /no csv market data for 2025-10-22: 2025-10-22\/prices\.csv does not exist$/);
      assert.ok(!e.message.includes(root), e.message);
      return true;
    });
    await assert.rejects(
      provider().snapshot({ date: '../../etc', symbols: [], pairs: [] }),
      /invalid date "\.\.\/\.\.\/etc"/,
    );
  });
});
