import assert from 'node:assert/strict';
import { context, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { guarded } from '../../../src/providers/guarded.js';
import { httpProvider } from '../../../src/providers/http.js';
import { startMarketServer } from './market-server.js';

describe('provider spans', () => {
  let manager: ContextManager | undefined;
  before(() => {
    // Span events land on the active span, which needs a context manager; one started by tracing is as good.
    const own = new AsyncLocalStorageContextManager().enable();
    if (context.setGlobalContextManager(own)) manager = own;
  });
  after(() => {
    if (manager) context.disable();
  });

  it('records one span per call with attempts, breaker state and transitions', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('folio');
    const server = await startMarketServer([
      { date: '2025-10-24', prices: [{ symbol: 'AAPL', close: 1, currency: 'USD' }], fx: [] },
    ]);
    try {
      const provider = guarded(httpProvider({ baseUrl: server.url, apiKeyHeader: 'X-API-Key', timeoutMs: 1_000 }), {
        timeoutMs: 1_000,
        retries: 2,
        backoffMs: 1,
        maxWaitMs: 100,
        ratePerSecond: 0,
        errorThresholdPercentage: 50,
        resetTimeoutMs: 60_000,
        volumeThreshold: 2,
        registry: new BreakerRegistry(),
        tracer,
      });
      const req = { date: '2025-10-24', symbols: ['AAPL'], pairs: [] };
      await provider.snapshot(req);
      server.behaviour = { kind: 'status', status: 500 };
      await assert.rejects(provider.snapshot(req), /circuit open/);
    } finally {
      await server.close();
    }
    const [ok, failed] = exporter.getFinishedSpans();
    assert.equal(ok?.name, 'provider.http.snapshot');
    assert.deepEqual(ok.attributes, {
      'provider.name': 'http',
      'provider.date': '2025-10-24',
      'provider.symbol_count': 1,
      'provider.attempts': 1,
      'breaker.state': 'closed',
    });
    assert.equal(failed?.name, 'provider.http.snapshot');
    assert.equal(failed.attributes['provider.attempts'], 2);
    assert.equal(failed.attributes['breaker.state'], 'open');
    assert.equal(failed.status.code, 2);
    assert.deepEqual(
      failed.events.filter((e) => e.name.startsWith('breaker.')).map((e) => e.name),
      ['breaker.open'],
    );
  });
});
