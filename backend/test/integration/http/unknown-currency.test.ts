import assert from 'node:assert/strict';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';
const OVERVIEW = (portfolio_id: string) => ({ pattern_id: 'portfolio_overview', inputs: { portfolio_id } });

describeEachDb('unknown currencies are refused at import while other users keep being served', (dialect) => {
  const t = useSeededServer(dialect, { FOLIO_CURRENT_STATE_TTL_MS: '0' });

  it('answers 400 naming the row for XXY and ABC in CSV and JSON, writes nothing, and other portfolios keep executing', async () => {
    const made = await t.srv.request('POST', '/v1/portfolios', { body: { name: 'odd cash', base_currency: 'USD' } });
    assert.equal(made.status, 201, made.text);
    const id = made.body.id as string;
    const before = await t.srv.request('GET', `/v1/portfolios/${id}`);

    const csv = await t.srv.request('POST', `/v1/portfolios/${id}/transactions`, {
      raw: [HEADER, '2025-10-01,DEPOSIT,,,,1000,USD,,', '2025-10-02,DEPOSIT,,,,500,XXY,,'].join('\n'),
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(csv.status, 400, csv.text);
    assert.equal(csv.body.error, 'invalid_request');
    assert.deepEqual(csv.body.details.errors, [
      { row: 2, line: 3, field: 'currency', message: 'currency "XXY" is not an active ISO 4217 code' },
    ]);

    const json = await t.srv.request('POST', `/v1/portfolios/${id}/transactions`, {
      body: {
        transactions: [
          { date: '2025-10-01', type: 'DEPOSIT', amount: 1000, currency: 'ABC' },
          { date: '2025-10-02', type: 'DEPOSIT', amount: 10, currency: 'EUR' },
        ],
      },
    });
    assert.equal(json.status, 400, json.text);
    assert.deepEqual(
      json.body.details.errors.map((e: { row: number; field: string; message: string }) => [e.row, e.field, e.message]),
      [[1, 'currency', 'currency "ABC" is not an active ISO 4217 code']],
    );

    const base = await t.srv.request('POST', '/v1/portfolios', { body: { name: 'odd base', base_currency: 'XXY' } });
    assert.equal(base.status, 400, base.text);
    assert.equal(base.body.error, 'invalid_request');

    const after = await t.srv.request('GET', `/v1/portfolios/${id}`);
    assert.equal(after.body.ledger_commit_hash, before.body.ledger_commit_hash, 'nothing was committed');
    assert.deepEqual(after.body.commits, []);

    for (const other of ['pf_demo_usd', 'pf_demo_eur']) {
      const served = await t.srv.request('POST', '/v1/execute', { body: OVERVIEW(other) });
      assert.equal(served.status, 200, served.text);
    }
  });
});
