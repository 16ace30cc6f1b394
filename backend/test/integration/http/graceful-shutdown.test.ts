import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { describeEachDb, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startTestServer } from '../../support/server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

describeEachDb('Shutdown: readiness fails first, accepted imports are kept', (dialect) => {
  let db: TestDatabase;
  before(async () => {
    db = await seededDatabase(dialect);
  });
  after(() => db?.drop());

  it('fails /health/ready during the drain, still serves and commits imports, then stops', async () => {
    const srv = await startTestServer(db, { FOLIO_SHUTDOWN_DRAIN_MS: '800' });
    const date = (await srv.request('GET', '/v1/packs?limit=1')).body.packs[0].date;
    const id = (await srv.request('POST', '/v1/portfolios', { body: { name: 'drain', base_currency: 'USD' } })).body.id;
    const deposit = (amount: number) =>
      srv.request('POST', `/v1/portfolios/${id}/transactions`, {
        raw: `${HEADER}\n${date},DEPOSIT,,,,${amount},USD,,`,
        headers: { 'content-type': 'text/csv' },
      });
    assert.equal((await srv.request('GET', '/health/ready')).status, 200);

    const inFlight = deposit(1); // sent before shutdown begins
    const stopped = srv.close();
    const ready = await srv.request('GET', '/health/ready');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.lifecycle, 'shutting_down');
    const during = await deposit(2);
    assert.equal(during.status, 201, 'the drain still serves writes');
    assert.equal((await inFlight).status, 201);
    await stopped;
    await assert.rejects(srv.request('GET', '/health/live'), 'no longer accepting');

    const k: Knex = db.open();
    try {
      const rows = await k('ledger_commits').where({ portfolio_id: id }).orderBy('seq').select('hash');
      assert.equal(rows.length, 2, 'every acknowledged import is in the database');
    } finally {
      await k.destroy();
    }
  });
});
