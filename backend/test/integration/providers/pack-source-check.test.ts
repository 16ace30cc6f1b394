import assert from 'node:assert/strict';
import { DEMO_END_DATE } from '../../../src/demo/generator.js';
import { demoProvider } from '../../../src/providers/demo.js';
import type { MarketSnapshot } from '../../../src/providers/provider.js';
import { DEMO_SEED, describeEachDb, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startTestServer, useSeededServer, type TestServer } from '../../support/server.js';
import { startMarketServer, type MarketServer } from './market-server.js';

interface Comparison {
  symbol: string;
  currency: string;
  pack_close: number;
  source_close: number;
  source_currency: string;
  difference_bp: number | null;
}

const execute = (srv: TestServer, portfolio_id: string) =>
  srv.request('POST', '/v1/execute', { body: { pattern_id: 'pack_source_check', inputs: { portfolio_id } } });

describeEachDb('pack_source_check over HTTP with the demo provider', (dialect) => {
  const t = useSeededServer(dialect);

  it('compares every holding with the demo source: zero basis points everywhere', async () => {
    const res = await execute(t.srv, 'pf_demo_eur');
    assert.equal(res.status, 200, res.text);
    const check = res.body.result.check;
    assert.equal(check.source, 'demo');
    assert.equal(check.pricing_pack_id, `PP_${DEMO_END_DATE}`);
    assert.equal(check.date, DEMO_END_DATE);
    const compared = check.compared as Comparison[];
    assert.equal(compared.length, check.holdings);
    assert.ok(compared.length >= 10, `${compared.length} holdings compared`);
    assert.ok(compared.some((c) => c.currency === 'JPY') && compared.some((c) => c.currency === 'USD'));
    for (const c of compared) {
      assert.equal(c.difference_bp, 0, c.symbol);
      assert.equal(c.source_close, c.pack_close, c.symbol);
      assert.ok(c.pack_close > 0);
    }
    assert.deepEqual(check.missing_from_source, []);
    assert.equal(check.max_abs_difference_bp, 0);
    assert.deepEqual(res.body.warnings, []);
  });

  it('is listed with the other patterns', async () => {
    const res = await t.srv.request('GET', '/v1/patterns/pack_source_check');
    assert.equal(res.status, 200, res.text);
  });
});

describe('pack_source_check over HTTP with the http provider [sqlite]', () => {
  let db: TestDatabase;
  let market: MarketServer;
  let srv: TestServer;
  let served: MarketSnapshot;
  let msft: MarketSnapshot['prices'][number];

  before(async () => {
    const demo = await demoProvider(DEMO_SEED).snapshot({ date: DEMO_END_DATE, symbols: [], pairs: [] });
    msft = demo.prices.find((p) => p.symbol === 'MSFT')!;
    // The API lacks one security the USD portfolio holds: it must be reported, not filled in.
    served = { ...demo, prices: demo.prices.filter((p) => p.symbol !== 'MSFT') };
    market = await startMarketServer([served]);
    db = await seededDatabase('sqlite');
    srv = await startTestServer(db, {
      FOLIO_PROVIDER: 'http',
      FOLIO_PROVIDER_HTTP_URL: market.url,
      FOLIO_PROVIDER_HTTP_API_KEY: 'market-secret',
      FOLIO_PROVIDER_RETRIES: '0',
      FOLIO_PROVIDER_TIMEOUT_MS: '2000',
      FOLIO_BREAKER_VOLUME_THRESHOLD: '3',
      FOLIO_BREAKER_RESET_TIMEOUT_MS: '45000',
    });
  });
  after(async () => {
    await srv?.close();
    await market?.close();
    await db?.drop();
  });

  it('reports symbols the source lacks as warnings and compares the rest', async () => {
    const res = await execute(srv, 'pf_demo_usd');
    assert.equal(res.status, 200, res.text);
    const check = res.body.result.check;
    assert.equal(check.source, 'http');
    assert.deepEqual(check.missing_from_source, ['MSFT']);
    assert.ok(!(check.compared as Comparison[]).some((c) => c.symbol === 'MSFT'));
    assert.ok((check.compared as Comparison[]).every((c) => c.difference_bp === 0));
    assert.deepEqual(res.body.warnings, [
      { code: 'source_missing_symbols', message: `http has no close on ${DEMO_END_DATE} for MSFT` },
    ]);
    assert.equal(market.hits.at(-1)!.headers['x-api-key'], 'market-secret');
  });

  it('asks the source again for the same pins: its answer is never served from the result cache', async () => {
    // The source now has MSFT, a cent above the pack's close.
    served.prices.push({ ...msft, close: msft.close + 0.01 });
    const res = await execute(srv, 'pf_demo_usd');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.metadata.cached, false);
    const check = res.body.result.check;
    assert.deepEqual(check.missing_from_source, []);
    const row = (check.compared as Comparison[]).find((c) => c.symbol === 'MSFT')!;
    assert.ok(row.difference_bp! > 0, `MSFT differs by ${row.difference_bp} bp`);
    served.prices.pop();
  });

  it('answers 503 dependency_unavailable with Retry-After once the failing source opened the breaker', async () => {
    market.behaviour = { kind: 'status', status: 500 };
    const hitsBefore = market.hits.length;
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await execute(srv, 'pf_demo_cad'));
    for (const res of responses) {
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error, 'dependency_unavailable');
      assert.match(res.body.message, /^http market data is unavailable: /);
    }
    const last = responses.at(-1)!;
    assert.match(last.body.message, /circuit open/);
    assert.equal(last.body.details.provider, 'http');
    const retryAfter = Number(last.headers.get('retry-after'));
    assert.ok(retryAfter > 30 && retryAfter <= 45, `Retry-After ${retryAfter}`);
    // The request that opened the breaker reached the source; none after it did.
    const opened = responses.findIndex((r) => /circuit open/.test(r.body.message));
    assert.ok(opened >= 0 && opened < 3, `breaker opened by request ${opened + 1}`);
    assert.equal(market.hits.length - hitsBefore, opened + 1);
  });
});
