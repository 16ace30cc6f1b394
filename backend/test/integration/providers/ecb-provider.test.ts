import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { createProvider } from '../../../src/providers/index.js';
import { startFileServer, type FileServer } from '../../support/file-server.js';
import { MARKET_FIXTURES as FIXTURES } from '../../support/market-fixtures.js';

describe('ecb provider: euro foreign exchange reference rates', () => {
  let files: FileServer;
  before(async () => {
    files = await startFileServer(FIXTURES);
  });
  after(() => files.close());
  const provider = (source: string) =>
    createProvider('ecb', loadConfig({ NODE_ENV: 'test', FOLIO_PROVIDER_ECB_SOURCE: source }), new BreakerRegistry());
  const histCsv = () => path.join(FIXTURES, 'ecb/eurofxref-hist.csv');

  it('quotes one EUR in each currency it publishes, leaving out N/A columns', async () => {
    const s = await provider(histCsv()).snapshot({ date: '2024-04-12', symbols: [], pairs: [] });
    assert.deepEqual(s.fx, [
      { base: 'EUR', quote: 'CAD', rate: 1.4638 },
      { base: 'EUR', quote: 'CHF', rate: 0.9713 },
      { base: 'EUR', quote: 'GBP', rate: 0.85205 },
      { base: 'EUR', quote: 'JPY', rate: 163.16 },
      { base: 'EUR', quote: 'USD', rate: 1.0652 },
    ]);
    assert.deepEqual(s.prices, []);
  });

  it('crosses other pairs through EUR: USD/JPY = EUR/JPY / EUR/USD, to 10 significant digits', async () => {
    const s = await provider(histCsv()).snapshot({ date: '2024-04-12', symbols: [], pairs: ['USD/JPY', 'USD/EUR'] });
    assert.deepEqual(s.fx, [
      { base: 'USD', quote: 'JPY', rate: Number((163.16 / 1.0652).toPrecision(10)) },
      { base: 'EUR', quote: 'USD', rate: 1.0652 },
    ]);
    assert.equal(s.fx[0]!.rate, 153.173113);
  });

  it('carries the rates over TARGET holidays when New York trades (Easter Monday), with a warning per pair', async () => {
    const s = await provider(histCsv()).snapshot({ date: '2024-04-01', symbols: [], pairs: [] });
    assert.deepEqual(
      s.fx.find((r) => r.quote === 'USD'),
      { base: 'EUR', quote: 'USD', rate: 1.0811 },
    );
    assert.equal(s.warnings!.length, 5);
    assert.deepEqual(new Set(s.warnings!.map((w) => `${w.code} ${w.from}`)), new Set(['carried_forward 2024-03-28']));
  });

  it('reads the same rates from the history CSV, the history XML, the daily XML and the daily CSV', async () => {
    const ask = { date: '2024-04-12', symbols: [], pairs: [] };
    const fromCsv = await provider(histCsv()).snapshot(ask);
    for (const source of [
      `${files.url}/ecb/eurofxref-hist.xml`,
      `${files.url}/ecb/eurofxref-daily.xml`,
      path.join(FIXTURES, 'ecb/eurofxref.csv'),
    ])
      assert.deepEqual(await provider(source).snapshot(ask), fromCsv, source);
  });

  it('answers from the daily file only for its own date and the days it may be carried to', async () => {
    const daily = provider(`${files.url}/ecb/eurofxref-daily.xml`);
    const monday = await daily.snapshot({ date: '2024-04-15', symbols: [], pairs: ['EUR/USD'] });
    assert.deepEqual(monday.fx, [{ base: 'EUR', quote: 'USD', rate: 1.0652 }]);
    await assert.rejects(
      daily.snapshot({ date: '2024-04-11', symbols: [], pairs: [] }),
      /ecb market data is unavailable: no reference rates on 2024-04-11 or in the 7 days before it/,
    );
  });

  it('reports a missing file and a malformed one as permanent errors naming the file', async () => {
    await assert.rejects(
      provider(`${files.url}/ecb/nothing.xml`).snapshot({ date: '2024-04-12', symbols: [], pairs: [] }),
      /ecb market data is unavailable: nothing\.xml does not exist/,
    );
    await assert.rejects(
      provider(path.join(FIXTURES, 'eod/ACME.csv')).snapshot({ date: '2024-04-12', symbols: [], pairs: [] }),
      /ACME\.csv line 1: column "Open" is not a currency code/,
    );
  });
});
