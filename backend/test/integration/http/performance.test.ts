import assert from 'node:assert/strict';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

const addDays = (date: string, n: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A cash-only USD ledger over ten days, with each day's closing value and return worked out by hand. */
const LEDGER: { rows: string[]; r: number }[] = [
  { rows: ['DEPOSIT,,,,10000,USD,,funding'], r: 0 }, //                     value 10000; the first day is 0
  { rows: ['INTEREST,,,,50,USD,,'], r: 0.005 }, //                          10050 / 10000 - 1
  { rows: ['DEPOSIT,,,,5000,USD,,'], r: 0 }, //                             15050 / (10050 + 5000) - 1
  { rows: ['FEE,,,,30.10,USD,,'], r: -0.002 }, //                           15019.90 / 15050 - 1
  { rows: [], r: 0 }, //                                                    nothing happens
  { rows: ['WITHDRAWAL,,,,2019.90,USD,,'], r: 0 }, //                       (13000 + 2019.90) / 15019.90 - 1
  { rows: ['DEPOSIT,,,,1000,USD,,', 'INTEREST,,,,26,USD,,'], r: 0.0018571429 }, // 14026 / (13000 + 1000) - 1 = 26 / 14000
  { rows: ['FEE,,,,28.052,USD,,'], r: -0.002 }, //                          13997.948 / 14026 - 1
  { rows: ['WITHDRAWAL,,,,997.948,USD,,', 'INTEREST,,,,13,USD,,'], r: 0.0009287076 }, // (13013 + 997.948) / 13997.948 - 1 = 13 / 13997.948
  { rows: [], r: 0 },
];
// 1.005 x 0.998 x (1 + 26/14000) x 0.998 x (1 + 13/13997.948) - 1
const CUMULATIVE = 0.0037743382;

describeEachDb('performance pattern over HTTP', (dialect) => {
  const t = useSeededServer(dialect);
  let end: string;
  let start: string;
  let portfolioId: string;
  before(async () => {
    end = (await t.srv.request('GET', '/v1/packs?limit=1')).body.packs[0].date;
    start = addDays(end, -(LEDGER.length - 1));
    const created = await t.srv.request('POST', '/v1/portfolios', {
      body: { name: 'cash only', base_currency: 'USD' },
    });
    assert.equal(created.status, 201, created.text);
    portfolioId = created.body.id;
    const rows = LEDGER.flatMap((d, i) => d.rows.map((r) => `${addDays(start, i)},${r}`));
    const imported = await t.srv.request('POST', `/v1/portfolios/${portfolioId}/transactions`, {
      raw: [HEADER, ...rows].join('\n'),
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(imported.status, 201, imported.text);
  });

  const run = (inputs: Record<string, unknown>) =>
    t.srv.request('POST', '/v1/execute', { body: { pattern_id: 'performance', inputs } });

  it('reproduces the hand-computed daily and cumulative time-weighted returns', async () => {
    const res = await run({ portfolio_id: portfolioId, start_date: start, end_date: end });
    assert.equal(res.status, 200, res.text);
    const perf = res.body.result.performance;
    const daily = perf.twr.daily as { date: string; return: number; cumulative: number }[];
    assert.deepEqual(
      daily.map((d) => d.date),
      LEDGER.map((_, i) => addDays(start, i)),
      'every calendar day, weekends included',
    );
    assert.equal(daily[0]!.return, 0);
    assert.equal(daily[0]!.cumulative, 0);
    LEDGER.forEach((d, i) =>
      assert.ok(Math.abs(daily[i]!.return - d.r) <= 1e-10, `${daily[i]!.date}: ${daily[i]!.return} != ${d.r}`),
    );
    assert.ok(Math.abs(perf.twr.cumulative - CUMULATIVE) <= 1e-10, String(perf.twr.cumulative));
    assert.equal(daily[daily.length - 1]!.cumulative, perf.twr.cumulative);
    assert.equal(perf.twr.annualized, null, 'under a year is not annualised');

    assert.equal(perf.mwr.status, 'ok');
    assert.equal(typeof perf.mwr.annualized, 'number');
    assert.ok(perf.mwr.annualized > 0, 'the period earned more interest than it paid in fees');
    assert.deepEqual(perf.period, { start_date: start, end_date: end, days: LEDGER.length - 1 });
    assert.equal(perf.currency, 'USD');
    for (const m of [perf.method, perf.twr.method, perf.mwr.method]) assert.ok(typeof m === 'string' && m.length > 0);
    assert.match(perf.twr.method, /Portfolio Performance/);
    assert.match(perf.mwr.method, /XIRR, Actual\/365/);
    assert.equal(res.body.result.portfolio.id, portfolioId);
    assert.deepEqual(res.body.warnings, []);
  });

  it('400 when start_date is after end_date, naming both', async () => {
    const res = await run({ portfolio_id: portfolioId, start_date: end, end_date: start });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, 'invalid_request');
    assert.match(res.body.message, /start_date/);
    assert.match(res.body.message, /end_date/);
  });

  it('400 when end_date is after the as-of date', async () => {
    const res = await run({ portfolio_id: portfolioId, start_date: start, end_date: addDays(end, 1) });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, 'invalid_request');
    assert.match(res.body.message, /end_date/);
  });

  it('400 for a missing input', async () => {
    const res = await run({ portfolio_id: portfolioId, start_date: start });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, 'invalid_request');
    assert.match(res.body.message, /end_date/);
  });
});
