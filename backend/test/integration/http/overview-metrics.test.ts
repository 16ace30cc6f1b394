import assert from 'node:assert/strict';
import { addDays } from '../../../src/domain/dates.js';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

describeEachDb('portfolio_overview metrics strip', (dialect) => {
  const t = useSeededServer(dialect);
  const run = (pattern_id: string, inputs: Record<string, unknown>) =>
    t.srv.request('POST', '/v1/execute', { body: { pattern_id, inputs } });

  it('agrees with the performance and risk patterns over the same period', async () => {
    const res = await run('portfolio_overview', { portfolio_id: 'pf_demo_usd' });
    assert.equal(res.status, 200, res.text);
    const { metrics, valuation } = res.body.result;
    assert.equal(metrics.currency, 'USD');
    assert.equal(metrics.total_value.value, valuation.totals.total_value);
    assert.equal(metrics.period.end_date, res.body.metadata.asof_date);
    assert.equal(metrics.period.pricing_days, 253, '252 pricing days back, plus the first');
    for (const k of ['total_value', 'twr', 'volatility', 'sharpe', 'max_drawdown'])
      assert.equal(typeof metrics[k].method, 'string', `${k}.method`);

    const perf = await run('performance', {
      portfolio_id: 'pf_demo_usd',
      start_date: metrics.period.start_date,
      end_date: metrics.period.end_date,
    });
    assert.equal(perf.status, 200, perf.text);
    assert.equal(metrics.twr.cumulative, perf.body.result.performance.twr.cumulative);
    assert.equal(metrics.twr.annualized, perf.body.result.performance.twr.annualized);
    assert.equal(typeof metrics.twr.annualized, 'number', 'a period of over a year is annualised');

    const risk = await run('risk', { portfolio_id: 'pf_demo_usd', lookback_days: 252 });
    assert.equal(risk.status, 200, risk.text);
    const r = risk.body.result.risk;
    assert.equal(metrics.volatility.annualized, r.volatility.annualized);
    assert.equal(metrics.sharpe.ratio, r.sharpe.ratio);
    assert.equal(metrics.max_drawdown.max_drawdown, r.max_drawdown.max_drawdown);
    assert.equal(metrics.max_drawdown.peak_date, r.max_drawdown.peak_date);
    assert.equal(metrics.max_drawdown.trough_date, r.max_drawdown.trough_date);
  });

  it('measures a young portfolio from its first activity, without zero-base noise', async () => {
    const end = res0(await t.srv.request('GET', '/v1/packs?limit=1')).packs[0].date as string;
    const start = addDays(end, -4);
    const created = await t.srv.request('POST', '/v1/portfolios', { body: { name: 'young', base_currency: 'USD' } });
    assert.equal(created.status, 201, created.text);
    const rows = [
      `${start},DEPOSIT,,,,10000,USD,,`,
      `${addDays(start, 1)},INTEREST,,,,50,USD,,`,
      `${addDays(start, 3)},FEE,,,,20.10,USD,,`,
    ];
    const imported = await t.srv.request('POST', `/v1/portfolios/${created.body.id}/transactions`, {
      raw: [HEADER, ...rows].join('\n'),
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(imported.status, 201, imported.text);

    const res = await run('portfolio_overview', { portfolio_id: created.body.id });
    assert.equal(res.status, 200, res.text);
    const { metrics } = res.body.result;
    assert.equal(metrics.period.start_date, addDays(start, -1), 'starts the day before the deposit');
    // 10050 / 10000 x 10029.90 / 10050 - 1
    assert.ok(Math.abs(metrics.twr.cumulative - 0.00299) < 1e-10, String(metrics.twr.cumulative));
    assert.equal(metrics.twr.annualized, null);
    assert.equal(metrics.total_value.value, 10029.9);
    const codes = (res.body.warnings as { code: string }[]).map((w) => w.code);
    assert.ok(!codes.some((c) => c.startsWith('twr_')), `no zero-base warnings: ${codes}`);

    const risk = await run('risk', { portfolio_id: created.body.id, lookback_days: 252 });
    assert.equal(risk.status, 200, risk.text);
    assert.equal(risk.body.result.risk.period.start_date, metrics.period.start_date, 'the strip and risk agree');
    assert.equal(risk.body.result.risk.volatility.annualized, metrics.volatility.annualized);
    const riskCodes = (risk.body.warnings as { code: string }[]).map((w) => w.code);
    assert.ok(riskCodes.includes('period_from_first_activity'), riskCodes.join());
    assert.ok(!riskCodes.some((c) => c.startsWith('twr_')), `no zero-base warnings: ${riskCodes}`);
  });

  it('takes a risk-free rate for Sharpe and Sortino and echoes it; 0 is the default answer, byte for byte', async () => {
    const plain = await run('risk', { portfolio_id: 'pf_demo_usd', lookback_days: 60 });
    const zero = await run('risk', { portfolio_id: 'pf_demo_usd', lookback_days: 60, risk_free_rate: 0 });
    const rated = await run('risk', { portfolio_id: 'pf_demo_usd', lookback_days: 60, risk_free_rate: 0.05 });
    for (const r of [plain, zero, rated]) assert.equal(r.status, 200, r.text);
    assert.equal(zero.body.metadata.result_hash, plain.body.metadata.result_hash);
    const [before, after] = [plain.body.result.risk, rated.body.result.risk];
    assert.equal(after.sharpe.risk_free_rate, 0.05);
    assert.equal(after.sortino.risk_free_rate, 0.05);
    const shift = ((1.05 ** (1 / 252) - 1) * 252) / before.sharpe.annualized_risk;
    assert.ok(
      Math.abs(before.sharpe.ratio - after.sharpe.ratio - shift) < 1e-9,
      `${before.sharpe.ratio} ${after.sharpe.ratio}`,
    );

    const overview = await run('portfolio_overview', { portfolio_id: 'pf_demo_usd', risk_free_rate: 0.05 });
    assert.equal(overview.status, 200, overview.text);
    assert.equal(overview.body.result.metrics.sharpe.risk_free_rate, 0.05);
    const bad = await run('risk', { portfolio_id: 'pf_demo_usd', risk_free_rate: -1 });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.body.message, /risk_free_rate/);
  });

  it('returns the daily values and net flows behind the performance only when asked', async () => {
    const end = res0(await t.srv.request('GET', '/v1/packs?limit=1')).packs[0].date as string;
    const inputs = { portfolio_id: 'pf_demo_usd', start_date: addDays(end, -30), end_date: end };
    const plain = await run('performance', inputs);
    const full = await run('performance', { ...inputs, include_series: true });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(full.status, 200, full.text);
    assert.equal(plain.body.result.performance.series, undefined);
    const { series, twr } = full.body.result.performance;
    assert.equal(series.points.length, 31);
    assert.deepEqual(
      series.points.map((p: { date: string }) => p.date),
      twr.daily.map((d: { date: string }) => d.date),
    );
    for (const p of series.points) assert.ok(Math.abs(p.net_flow - (p.inflow - p.outflow)) < 1e-9);
    assert.deepEqual(
      { ...full.body.result.performance, series: undefined },
      { ...plain.body.result.performance, series: undefined },
    );
  });

  it('a portfolio that never held anything gets the strip with no figures and a warning', async () => {
    const created = await t.srv.request('POST', '/v1/portfolios', { body: { name: 'empty', base_currency: 'EUR' } });
    assert.equal(created.status, 201, created.text);
    const res = await run('portfolio_overview', { portfolio_id: created.body.id });
    assert.equal(res.status, 200, res.text);
    const { metrics } = res.body.result;
    assert.equal(metrics.currency, 'EUR');
    assert.equal(metrics.total_value.value, 0);
    assert.equal(metrics.twr, null);
    assert.equal(metrics.volatility, null);
    assert.ok(
      (res.body.warnings as { code: string }[]).some((w) => w.code === 'metrics_unavailable'),
      res.text,
    );
  });

  it('rejects a lookback outside 2..2520 as a 400 naming the input', async () => {
    const res = await run('portfolio_overview', { portfolio_id: 'pf_demo_usd', metrics_lookback_days: 1 });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.message, /metrics_lookback_days/);
  });
});

function res0(r: { status: number; body: any; text: string }) {
  assert.equal(r.status, 200, r.text);
  return r.body;
}
