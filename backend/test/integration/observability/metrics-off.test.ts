import assert from 'node:assert/strict';
import { useSeededServer } from '../../support/server.js';

describe('FOLIO_METRICS=false [sqlite]', () => {
  const t = useSeededServer('sqlite', { FOLIO_METRICS: 'false' });

  it('serves no /metrics, and executions work as usual', async () => {
    const metrics = await t.srv.request('GET', '/metrics');
    assert.equal(metrics.status, 404, metrics.text);
    const res = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } },
    });
    assert.equal(res.status, 200, res.text);
    const missing = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'nope', inputs: { portfolio_id: 'pf_demo_usd' } },
    });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.body.error, 'pattern_not_found');
  });
});
