import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DASHBOARD_FILE } from '../../../../observability/generate.js';
import { tempDir, type TempDir } from '../../support/folio-process.js';
import {
  OBS,
  dashboardQueries,
  instantQuery,
  requireBinaries,
  startPrometheus,
  testPrometheusConfig,
  type Daemon,
} from './stack.js';

// promtool has no PromQL parser command; Prometheus's query API parses each expression.
describe('observability: every dashboard query is valid PromQL (Prometheus /api/v1/query)', function () {
  this.timeout(120_000);
  requireBinaries('prometheus');
  let dir: TempDir;
  let prometheus: Daemon | undefined;

  before(async () => {
    dir = tempDir('folio-obs-promql-');
    // Nothing listens on port 9: the queries are only parsed and evaluated against no data.
    prometheus = await startPrometheus(dir.path, testPrometheusConfig({ folioTarget: '127.0.0.1:9' }));
  });
  after(async () => {
    await prometheus?.stop();
    dir?.remove();
  });

  it('Prometheus rejects a malformed expression (the check can fail)', async () => {
    const r = await instantQuery(prometheus!.url, 'sum(rate(folio_execute_requests_total[5m])');
    assert.equal(r.status, 'error');
    assert.equal(r.errorType, 'bad_data');
  });

  const dashboards = fs.readdirSync(path.join(OBS, 'grafana/dashboards')).filter((f) => f.endsWith('.json'));
  for (const file of dashboards) {
    it(`${file}: every panel query parses`, async () => {
      const d = JSON.parse(fs.readFileSync(path.join(OBS, 'grafana/dashboards', file), 'utf8'));
      const queries = dashboardQueries(d);
      assert.ok(queries.length > 10);
      for (const q of queries) {
        const r = await instantQuery(prometheus!.url, q.expr);
        assert.equal(r.status, 'success', `${q.panel}: ${q.expr}: ${r.error}`);
      }
    });
  }
  it('the SLO dashboard is among them', () => assert.ok(dashboards.includes(path.basename(DASHBOARD_FILE))));
});
