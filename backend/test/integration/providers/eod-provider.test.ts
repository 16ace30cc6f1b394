import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../src/errors.js';
import { loadConfig } from '../../../src/config.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { createProvider } from '../../../src/providers/index.js';
import { startFileServer, type FileServer } from '../../support/file-server.js';
import { MARKET_FIXTURES as FIXTURES } from '../../support/market-fixtures.js';

const LISTED = new Map([
  ['ACME', 'USD'],
  ['BETA.DE', 'EUR'],
  ['GAPPY', 'USD'],
]);
const SYMBOLS = [...LISTED.keys()];

describe('eod provider: per-symbol daily history files', () => {
  let files: FileServer;
  before(async () => {
    files = await startFileServer(FIXTURES);
  });
  after(() => files.close());
  const provider = (env: Record<string, string> = {}, registry = new BreakerRegistry()) =>
    createProvider(
      'eod',
      loadConfig({
        NODE_ENV: 'test',
        FOLIO_PROVIDER_EOD_SOURCE: path.join(FIXTURES, 'eod'),
        FOLIO_PROVIDER_RETRIES: '2',
        FOLIO_PROVIDER_BACKOFF_MS: '1',
        ...env,
      }),
      registry,
    );
  const closes = async (date: string, env: Record<string, string> = {}) => {
    const s = await provider(env).snapshot({ date, symbols: SYMBOLS, pairs: [], currencies: LISTED });
    return { closes: Object.fromEntries(s.prices.map((p) => [p.symbol, p.close])), warnings: s.warnings ?? [] };
  };

  it('uses Close as traded, not Adj Close: a 4:1 split shows as the drop it was', async () => {
    assert.equal((await closes('2024-04-05')).closes.ACME, 400);
    assert.equal((await closes('2024-04-08')).closes.ACME, 101.2);
  });

  it('reads both layouts: a byte-order mark, quoted header names, CRLF and newest-first rows', async () => {
    const s = await provider().snapshot({ date: '2024-03-25', symbols: SYMBOLS, pairs: [], currencies: LISTED });
    assert.deepEqual(s.prices, [
      { symbol: 'ACME', close: 399.5, currency: 'USD' },
      { symbol: 'BETA.DE', close: 43.85, currency: 'EUR' },
      { symbol: 'GAPPY', close: 12.3, currency: 'USD' },
    ]);
    assert.equal(s.warnings, undefined, 'every close is the day’s own');
  });

  it('carries the last close over a missing row, a day of nulls and an exchange holiday, with a warning', async () => {
    const missingRow = await closes('2024-04-03');
    assert.equal(missingRow.closes.ACME, 404);
    const nulls = await closes('2024-04-04');
    assert.equal(nulls.closes.ACME, 404);
    assert.deepEqual(
      nulls.warnings.map((w) => [w.code, w.subject, w.from]),
      [['carried_forward', 'ACME', '2024-04-02']],
    );
    // Easter Monday: New York trades, Frankfurt does not.
    const holiday = await closes('2024-04-01');
    assert.equal(holiday.closes['BETA.DE'], 44.6);
    assert.match(
      holiday.warnings.find((w) => w.subject === 'BETA.DE')!.message,
      /BETA\.DE: no value on 2024-04-01; the value of 2024-03-28 is carried forward \(limit 7 days\)/,
    );
  });

  it('leaves a symbol out beyond the carry-forward limit, and carries nothing with a limit of 0', async () => {
    const beyond = await closes('2024-04-05');
    assert.equal(beyond.closes.GAPPY, undefined, 'ten days after its last close');
    assert.equal((await closes('2024-04-03', { FOLIO_PROVIDER_CARRY_DAYS: '0' })).closes.ACME, undefined);
  });

  it('returns a row a file has on a day the exchange calendar does not trade; the backfill never asks for it', async () => {
    assert.equal((await closes('2024-04-06')).closes['BETA.DE'], 45.8);
  });

  it('lists the symbols of a directory and leaves out one whose currency is unknown, saying why', async () => {
    const p = provider();
    assert.deepEqual(await p.listSymbols!(), ['ACME', 'BETA.DE', 'GAPPY']);
    const s = await p.snapshot({ date: '2024-04-12', symbols: [], pairs: [], currencies: new Map([['ACME', 'USD']]) });
    assert.deepEqual(
      s.prices.map((x) => x.symbol),
      ['ACME'],
    );
    assert.deepEqual(
      s.warnings!.filter((w) => w.code === 'currency_unknown').map((w) => w.subject),
      ['BETA.DE', 'GAPPY'],
    );
  });

  it('downloads each file once for a span of dates, retrying a failed download', async () => {
    const p = provider({ FOLIO_PROVIDER_EOD_SOURCE: `${files.url}/eod/{symbol}.csv` });
    files.hits.length = 0;
    files.failNext(1, 503);
    const span = { from: '2024-04-08', to: '2024-04-12' };
    for (const date of ['2024-04-08', '2024-04-09', '2024-04-10', '2024-04-11', '2024-04-12']) {
      const s = await p.snapshot({ date, symbols: SYMBOLS, pairs: [], currencies: LISTED, span });
      assert.equal(s.prices.length, date < '2024-04-10' ? 2 : 3, date);
    }
    assert.equal(files.hits.length, 4, `one retry and one download per symbol: ${files.hits.join(' ')}`);
  });

  it('names the file and line of a bad row, as a permanent error that leaves the breaker closed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-eod-bad-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'BAD.csv'),
        'Date,Open,High,Low,Close,Volume\n2024-04-11,1,1,1,1,5\n2024-04-12,1,1,1,-2,5\n',
      );
      fs.writeFileSync(path.join(dir, 'ADJ.csv'), 'Date,Adj Close\n2024-04-12,3\n');
      const registry = new BreakerRegistry();
      const p = provider({ FOLIO_PROVIDER_EOD_SOURCE: dir }, registry);
      const ask = (symbol: string) =>
        p.snapshot({ date: '2024-04-12', symbols: [symbol], pairs: [], currencies: new Map([[symbol, 'USD']]) });
      for (let i = 0; i < 6; i++)
        await assert.rejects(ask('BAD'), (e: AppError) => {
          assert.equal(
            e.message,
            'eod market data is unavailable: BAD.csv line 3: close "-2" is not a positive decimal number',
          );
          assert.equal(e.details.permanent, true);
          return true;
        });
      assert.equal(registry.state('eod'), 'closed');
      await assert.rejects(
        ask('ADJ'),
        /ADJ\.csv line 1: the header must name Date and Close.*Adj Close alone is not used/,
      );
      await assert.rejects(ask('NONE'), /no closes on 2024-04-12 or in the 7 days before it/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
