import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../../src/errors.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { guarded, type GuardOptions } from '../../../src/providers/guarded.js';
import { httpProvider } from '../../../src/providers/http.js';
import type { MarketDataProvider } from '../../../src/providers/provider.js';
import { startMarketServer, type MarketServer } from './market-server.js';

const DATE = '2025-10-24';
const SNAPSHOT = {
  date: DATE,
  prices: [
    { symbol: 'AAPL', close: 262.82, currency: 'USD' },
    { symbol: 'MSFT', close: 523.61, currency: 'USD' },
    { symbol: 'SAP.DE', close: 230.15, currency: 'EUR' },
  ],
  fx: [{ base: 'EUR', quote: 'USD', rate: 1.16 }],
};
const REQUEST = { date: DATE, symbols: ['AAPL', 'MSFT', 'SAP.DE'], pairs: ['EUR/USD'] };

const OPTIONS: Omit<GuardOptions, 'registry'> = {
  timeoutMs: 2_000,
  retries: 0,
  backoffMs: 1,
  maxWaitMs: 5_000,
  ratePerSecond: 0,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 400,
  volumeThreshold: 2,
};

async function unavailable(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, 'dependency_unavailable');
    assert.equal(e.status, 503);
    return e;
  }
  throw new Error('expected the call to fail');
}

describe('http provider behind its circuit breaker (local API server)', () => {
  let server: MarketServer;
  let registry: BreakerRegistry;
  const provider = (
    over: Partial<GuardOptions> = {},
    apiKey = 'secret-key',
    header = 'X-Market-Key',
  ): MarketDataProvider =>
    guarded(
      httpProvider({
        baseUrl: server.url,
        apiKey,
        apiKeyHeader: header,
        timeoutMs: over.timeoutMs ?? OPTIONS.timeoutMs,
      }),
      {
        ...OPTIONS,
        ...over,
        registry,
      },
    );

  beforeEach(async () => {
    server = await startMarketServer([SNAPSHOT]);
    registry = new BreakerRegistry();
  });
  afterEach(() => server.close());

  it('fetches all symbols of a date in one call, sending the API key in the configured header', async () => {
    const snapshot = await provider().snapshot(REQUEST);
    assert.deepEqual(snapshot, SNAPSHOT);
    assert.equal(server.hits.length, 1);
    assert.equal(server.hits[0]!.path, `/v1/snapshots/${DATE}`);
    assert.equal(server.hits[0]!.headers['x-market-key'], 'secret-key');
  });

  it('returns only the wanted symbols and never invents the ones the API lacks', async () => {
    const snapshot = await provider().snapshot({ date: DATE, symbols: ['MSFT', 'NOPE'], pairs: ['USD/EUR'] });
    assert.deepEqual(snapshot.prices, [{ symbol: 'MSFT', close: 523.61, currency: 'USD' }]);
    assert.deepEqual(snapshot.fx, [{ base: 'EUR', quote: 'USD', rate: 1.16 }]);
  });

  it('retries a 429 after its Retry-After and then succeeds', async () => {
    server.behaviour = { kind: 'rate_limit', times: 2, retryAfterSeconds: 1 };
    const started = performance.now();
    const snapshot = await provider({ retries: 3 }).snapshot(REQUEST);
    assert.deepEqual(snapshot, SNAPSHOT);
    assert.equal(server.hits.length, 3);
    const gaps = [server.hits[1]!.at - server.hits[0]!.at, server.hits[2]!.at - server.hits[1]!.at];
    for (const gap of gaps) assert.ok(gap >= 950, `retried after ${gap} ms, before the 1 s Retry-After`);
    assert.ok(performance.now() - started < 5_000);
    assert.equal(registry.state('http'), 'closed', '429s do not trip the breaker');
  });

  it('gives up at once on a Retry-After longer than it may wait', async () => {
    server.behaviour = { kind: 'rate_limit', times: 5, retryAfterSeconds: 120 };
    const e = await unavailable(provider({ retries: 3, maxWaitMs: 2_000 }).snapshot(REQUEST));
    assert.match(e.message, /^http market data is unavailable: rate limited \(HTTP 429\).*asked to wait 120 s/);
    assert.equal(e.retryAfterSeconds, 120);
    assert.equal(server.hits.length, 1);
  });

  it('retries 5xx with backoff, and reports the failure after the last attempt', async () => {
    server.behaviour = { kind: 'status', status: 502 };
    const e = await unavailable(provider({ retries: 2, volumeThreshold: 100 }).snapshot(REQUEST));
    assert.match(e.message, /server error \(HTTP 502\).*gave up after 3 attempts/);
    assert.equal(server.hits.length, 3);
  });

  it('opens the breaker on repeated failures, then fails fast without calling the API', async () => {
    server.behaviour = { kind: 'status', status: 500 };
    const p = provider({ resetTimeoutMs: 30_000 });
    await unavailable(p.snapshot(REQUEST));
    const second = await unavailable(p.snapshot(REQUEST));
    assert.match(second.message, /circuit open/);
    assert.equal(registry.state('http'), 'open');
    assert.equal(server.hits.length, 2);

    const started = performance.now();
    const fast = await unavailable(p.snapshot(REQUEST));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 50, `an open breaker answered in ${elapsed} ms`);
    assert.match(fast.message, /^http market data is unavailable: circuit open/);
    assert.deepEqual(fast.details, { provider: 'http', breaker: 'open', attempts: 0 });
    assert.ok(
      fast.retryAfterSeconds !== undefined && fast.retryAfterSeconds > 25 && fast.retryAfterSeconds <= 30,
      `Retry-After ${fast.retryAfterSeconds}`,
    );
    assert.equal(server.hits.length, 2, 'the API was not called while open');
  });

  it('lets a trial through after resetTimeout and closes when it succeeds', async () => {
    server.behaviour = { kind: 'status', status: 503 };
    const p = provider();
    await unavailable(p.snapshot(REQUEST));
    await unavailable(p.snapshot(REQUEST));
    assert.equal(registry.state('http'), 'open');
    server.behaviour = { kind: 'ok' };
    await unavailable(p.snapshot(REQUEST));
    await sleep(OPTIONS.resetTimeoutMs + 50);
    assert.equal(registry.state('http'), 'half_open');
    assert.deepEqual(await p.snapshot(REQUEST), SNAPSHOT);
    assert.equal(registry.state('http'), 'closed');
    assert.deepEqual(registry.states(), [{ name: 'http', state: 'closed' }]);
  });

  it('counts timeouts as failures and aborts the slow request', async () => {
    server.behaviour = { kind: 'slow', delayMs: 2_000 };
    const p = provider({ timeoutMs: 150 });
    const started = performance.now();
    const first = await unavailable(p.snapshot(REQUEST));
    assert.ok(performance.now() - started < 1_000, 'the attempt stopped at its timeout');
    assert.match(first.message, /Timed out after 150ms|within 150 ms/);
    await unavailable(p.snapshot(REQUEST));
    assert.equal(registry.state('http'), 'open');
  });

  it('does not count 4xx or malformed responses against the breaker, and does not retry them', async () => {
    const p = provider({ retries: 3 });
    server.behaviour = { kind: 'status', status: 401, body: '{"error":"bad key"}' };
    for (let i = 0; i < 4; i++) {
      const e = await unavailable(p.snapshot(REQUEST));
      assert.match(e.message, /request refused \(HTTP 401\): \{"error":"bad key"\}/);
      assert.equal(e.details.permanent, true);
      assert.equal(e.retryAfterSeconds, undefined);
    }
    server.behaviour = {
      kind: 'body',
      body: '{"date":"2025-10-24","prices":[{"symbol":"AAPL","close":-1,"currency":"USD"}],"fx":[]}',
    };
    for (let i = 0; i < 3; i++)
      await unavailable(p.snapshot(REQUEST)).then((e) => assert.match(e.message, /prices\.0\.close/));
    assert.equal(server.hits.length, 7, 'one request per call: permanent errors are not retried');
    assert.equal(registry.state('http'), 'closed');
    server.behaviour = { kind: 'ok' };
    assert.deepEqual(await p.snapshot(REQUEST), SNAPSHOT);
  });

  it('reports an unreachable API as transient and retries it', async () => {
    await server.close();
    const e = await unavailable(provider({ retries: 1, volumeThreshold: 10 }).snapshot(REQUEST));
    assert.match(e.message, /cannot reach http:\/\/127\.0\.0\.1:\d+ .*gave up after 2 attempts/);
  });

  it("stops when the caller aborts, with the caller's reason and without a breaker failure", async () => {
    server.behaviour = { kind: 'slow', delayMs: 2_000 };
    const controller = new AbortController();
    const p = provider({ volumeThreshold: 1 });
    setTimeout(() => controller.abort(new Error('deadline passed')), 50);
    await assert.rejects(p.snapshot({ ...REQUEST, signal: controller.signal }), /deadline passed/);
    assert.equal(registry.state('http'), 'closed');
  });
});
