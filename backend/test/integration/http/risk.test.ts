import assert from 'node:assert/strict';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const LOOKBACK = 20;

describeEachDb('risk pattern over HTTP', (dialect) => {
  const t = useSeededServer(dialect);

  const run = (pattern_id: string, inputs: Record<string, unknown>) =>
    t.srv.request('POST', '/v1/execute', { body: { pattern_id, inputs } });

  it('reports every figure with its method, and a volatility that the daily TWR reproduces', async () => {
    const res = await run('risk', { portfolio_id: 'pf_demo_usd', lookback_days: LOOKBACK, benchmark: 'ief' });
    assert.equal(res.status, 200, res.text);
    const risk = res.body.result.risk;

    const packDates = (
      (await t.srv.request('GET', `/v1/packs?limit=${LOOKBACK + 1}&status=fresh`)).body.packs as { date: string }[]
    )
      .map((p) => p.date)
      .reverse();
    assert.deepEqual(risk.period, {
      start_date: packDates[0],
      end_date: packDates[LOOKBACK],
      pricing_days: LOOKBACK + 1,
      returns: LOOKBACK,
    });
    assert.equal(risk.currency, 'USD');
    assert.equal(typeof risk.method, 'string');
    for (const k of ['volatility', 'sharpe', 'sortino', 'max_drawdown', 'benchmark']) {
      assert.equal(typeof risk[k].method, 'string', `${k}.method`);
    }
    assert.equal(risk.sharpe.risk_free_rate, 0);
    assert.equal(risk.sortino.risk_free_rate, 0);
    assert.ok(risk.max_drawdown.max_drawdown >= 0);
    for (const kind of ['historical', 'parametric']) {
      const rows = risk.var[kind] as {
        confidence: number;
        horizon_days: number;
        var: number;
        cvar: number;
        method: string;
      }[];
      assert.deepEqual(
        rows.map((r) => [r.confidence, r.horizon_days]),
        [
          [0.95, 1],
          [0.95, 10],
          [0.99, 1],
          [0.99, 10],
        ],
      );
      for (const r of rows) {
        assert.ok(r.cvar >= r.var - 1e-12, `${kind} CVaR is at least VaR`);
        assert.equal(typeof r.method, 'string');
      }
    }
    assert.equal(risk.benchmark.symbol, 'IEF');
    assert.equal(risk.benchmark.observations, LOOKBACK);
    assert.equal(typeof risk.benchmark.beta, 'number');

    // The same period's daily TWR, compounded from one pricing day to the next, gives the volatility.
    const perf = await run('performance', {
      portfolio_id: 'pf_demo_usd',
      start_date: packDates[0],
      end_date: packDates[LOOKBACK],
    });
    assert.equal(perf.status, 200, perf.text);
    const growth = new Map(
      (perf.body.result.performance.twr.daily as { date: string; cumulative: number }[]).map((d) => [
        d.date,
        1 + d.cumulative,
      ]),
    );
    const index = packDates.map((d) => growth.get(d)!);
    const returns = index.slice(1).map((v, i) => v / index[i]! - 1);
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1));
    assert.ok(
      Math.abs(risk.volatility.annualized - sd * Math.sqrt(252)) < 1e-7,
      `${risk.volatility.annualized} vs ${sd * Math.sqrt(252)}`,
    );
  });

  it('404 for an unknown benchmark', async () => {
    const res = await run('risk', { portfolio_id: 'pf_demo_usd', benchmark: 'NOPE' });
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.error, 'security_not_found');
    assert.match(res.body.message, /NOPE/);
  });

  it('400 for a lookback below two days', async () => {
    const res = await run('risk', { portfolio_id: 'pf_demo_usd', lookback_days: 1 });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.message, /lookback_days/);
  });
});
