import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { createMarketData, createProvider, type ProviderName } from '../../../src/providers/index.js';
import type { BreakerRegistry } from '../../../src/providers/breakers.js';
import { MARKET_FIXTURES } from '../../support/market-fixtures.js';
import { startFileServer, type FileServer } from '../../support/file-server.js';
import { providerContract } from '../../support/provider-contract.js';
import { startMarketServer, type MarketServer } from './market-server.js';

/** Every provider the product ships, through the same shared contract (docs/providers.md#test-kit). */
const FIXTURES = MARKET_FIXTURES;
const LISTED = new Map([
  ['ACME', 'USD'],
  ['BETA.DE', 'EUR'],
]);

let files: FileServer;
let api: MarketServer;
let csvDir: string;
before(async () => {
  files = await startFileServer(FIXTURES);
  api = await startMarketServer([
    {
      date: '2024-04-12',
      prices: [
        { symbol: 'ACME', close: 103.6, currency: 'USD' },
        { symbol: 'BETA.DE', close: 47.35, currency: 'EUR' },
      ],
      fx: [{ base: 'EUR', quote: 'USD', rate: 1.0652 }],
    },
  ]);
  csvDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-contract-csv-'));
  fs.mkdirSync(path.join(csvDir, '2024-04-12'));
  fs.writeFileSync(
    path.join(csvDir, '2024-04-12', 'prices.csv'),
    'symbol,close,currency\nACME,103.6,USD\nBETA.DE,47.35,EUR\n',
  );
  fs.writeFileSync(path.join(csvDir, '2024-04-12', 'fx.csv'), 'base,quote,rate\nEUR,USD,1.0652\n');
});
after(async () => {
  await files.close();
  await api.close();
  fs.rmSync(csvDir, { recursive: true, force: true });
});

const config = (env: Record<string, string>) =>
  loadConfig({ NODE_ENV: 'test', FOLIO_PROVIDER_RATE_LIMIT_PER_SECOND: '0', ...env });
const one = (name: ProviderName, env: () => Record<string, string>) => (registry: BreakerRegistry) =>
  createProvider(name, config(env()), registry);

providerContract('demo', {
  make: one('demo', () => ({})),
  date: '2025-10-24',
  symbols: ['AAPL', 'BRK.B'],
  pairs: ['EUR/USD'],
  uncovered: '2021-01-04',
});

providerContract('csv (a directory per date)', {
  make: one('csv', () => ({ FOLIO_PROVIDER_CSV_DIR: csvDir })),
  date: '2024-04-12',
  symbols: ['ACME', 'BETA.DE'],
  pairs: ['EUR/USD'],
  uncovered: '2024-04-11',
});

providerContract('http (snapshot API)', {
  make: one('http', () => ({ FOLIO_PROVIDER_HTTP_URL: api.url })),
  date: '2024-04-12',
  symbols: ['ACME', 'BETA.DE'],
  pairs: ['EUR/USD'],
  uncovered: '2024-04-11',
});

for (const [title, source] of [
  ['eod (directory of per-symbol history files)', () => path.join(FIXTURES, 'eod')],
  ['eod (URL template)', () => `${files.url}/eod/{symbol}.csv`],
] as const) {
  providerContract(title, {
    make: one('eod', () => ({ FOLIO_PROVIDER_EOD_SOURCE: source() })),
    date: '2024-04-12',
    symbols: ['ACME', 'BETA.DE'],
    currencies: LISTED,
    pairs: [],
    uncovered: '2023-01-03',
  });
}

for (const [title, source] of [
  ['ecb (history CSV file)', () => path.join(FIXTURES, 'ecb/eurofxref-hist.csv')],
  ['ecb (history XML over HTTP)', () => `${files.url}/ecb/eurofxref-hist.xml`],
  ['ecb (daily XML over HTTP)', () => `${files.url}/ecb/eurofxref-daily.xml`],
  ['ecb (daily CSV file)', () => path.join(FIXTURES, 'ecb/eurofxref.csv')],
] as const) {
  providerContract(title, {
    make: one('ecb', () => ({ FOLIO_PROVIDER_ECB_SOURCE: source() })),
    date: '2024-04-12',
    symbols: [],
    pairs: ['EUR/USD', 'USD/JPY', 'GBP/CHF'],
    uncovered: '2023-01-03',
  });
}

providerContract('eod closes with ecb rates', {
  make: (registry) =>
    createMarketData(
      config({
        FOLIO_PROVIDER: 'eod',
        FOLIO_FX_PROVIDER: 'ecb',
        FOLIO_PROVIDER_EOD_SOURCE: path.join(FIXTURES, 'eod'),
        FOLIO_PROVIDER_ECB_SOURCE: `${files.url}/ecb/eurofxref-hist.csv`,
      }),
      {},
      registry,
    ),
  date: '2024-04-12',
  symbols: ['ACME', 'BETA.DE'],
  currencies: LISTED,
  pairs: ['EUR/USD', 'USD/JPY'],
  uncovered: '2023-01-03',
});
