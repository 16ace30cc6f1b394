import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { registerBreakerMetrics } from '../../../src/observability/breaker-metrics.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { guarded } from '../../../src/providers/guarded.js';
import { httpProvider } from '../../../src/providers/http.js';
import { startMarketServer } from './market-server.js';

const sample = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('provider and circuit-breaker metrics', () => {
  it('exports the known label sets at 0 and counts a breaker created after registration, and retries', async () => {
    const metrics = new Registry();
    const breakers = new BreakerRegistry();
    registerBreakerMetrics(metrics, [breakers]);

    let text = await metrics.metrics();
    for (const breaker of ['csv', 'demo', 'http']) {
      assert.equal(sample(text, 'folio_circuit_breaker_state', `breaker="${breaker}"`), 0);
      for (const event of ['success', 'failure', 'timeout', 'reject', 'fallback', 'open', 'half_open', 'close']) {
        assert.equal(
          sample(text, 'folio_circuit_breaker_events_total', `breaker="${breaker}",event="${event}"`),
          0,
          `${breaker} ${event}`,
        );
      }
      assert.equal(
        sample(
          text,
          'folio_provider_request_duration_seconds_count',
          `provider="${breaker}",operation="snapshot",status="error"`,
        ),
        0,
      );
    }

    // A breaker (an agent's, say) created after registration starts at 0 too.
    breakers.breaker('agent:ledger', {
      timeoutMs: 1000,
      errorThresholdPercentage: 50,
      resetTimeoutMs: 1000,
      volumeThreshold: 5,
    });
    text = await metrics.metrics();
    assert.equal(sample(text, 'folio_circuit_breaker_events_total', 'breaker="agent:ledger",event="failure"'), 0);
    assert.equal(sample(text, 'folio_provider_retries_total', 'provider="http"'), 0);

    const server = await startMarketServer([{ date: '2025-10-24', prices: [], fx: [] }]);
    try {
      const provider = guarded(httpProvider({ baseUrl: server.url, apiKeyHeader: 'X-API-Key', timeoutMs: 1_000 }), {
        timeoutMs: 1_000,
        retries: 1,
        backoffMs: 1,
        maxWaitMs: 1_000,
        ratePerSecond: 0,
        errorThresholdPercentage: 50,
        resetTimeoutMs: 60_000,
        volumeThreshold: 2,
        registry: breakers,
      });
      const req = { date: '2025-10-24', symbols: [], pairs: [] };
      await provider.snapshot(req);
      server.behaviour = { kind: 'status', status: 500 };
      // A failed attempt and its retry open the breaker (2 calls, 1 of 3 ok); the next call is rejected.
      for (let i = 0; i < 2; i++) await assert.rejects(provider.snapshot(req), { code: 'dependency_unavailable' });
    } finally {
      await server.close();
    }

    text = await metrics.metrics();
    assert.equal(sample(text, 'folio_circuit_breaker_state', 'breaker="http"'), 1);
    assert.equal(sample(text, 'folio_circuit_breaker_events_total', 'breaker="http",event="success"'), 1);
    assert.equal(sample(text, 'folio_circuit_breaker_events_total', 'breaker="http",event="failure"'), 2);
    assert.equal(sample(text, 'folio_circuit_breaker_events_total', 'breaker="http",event="open"'), 1);
    assert.equal(sample(text, 'folio_circuit_breaker_events_total', 'breaker="http",event="reject"'), 1);
    assert.equal(sample(text, 'folio_provider_retries_total', 'provider="http"'), 1);
    assert.equal(
      sample(text, 'folio_provider_request_duration_seconds_count', 'provider="http",operation="snapshot",status="ok"'),
      1,
    );
    assert.equal(
      sample(
        text,
        'folio_provider_request_duration_seconds_count',
        'provider="http",operation="snapshot",status="error"',
      ),
      2,
    );
  });
});
