import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createUserWithKey } from '../../../src/db/repositories/users.js';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

describeEachDb('ledger verification over HTTP', (dialect) => {
  const t = useSeededServer(dialect);
  let k: Knex;
  before(() => {
    k = t.db.open();
  });
  after(async () => {
    await k?.destroy();
  });

  const verify = (id: string, headers: Record<string, string> = {}) =>
    t.srv.request('GET', `/v1/portfolios/${id}/ledger/verify`, { headers });

  /** A new portfolio with two commits imported over HTTP; returns its id and commit hashes. */
  async function importedPortfolio(): Promise<{ id: string; hashes: string[] }> {
    const created = await t.srv.request('POST', '/v1/portfolios', { body: { name: 'verify', base_currency: 'USD' } });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const hashes: string[] = [];
    for (const rows of [
      ['2025-10-01,DEPOSIT,,,,10000,USD,,first', '2025-10-02,BUY,AAPL,10,150,,USD,1.5,'],
      ['2025-10-03,DEPOSIT,,,,500,USD,,"second, with a comma"', '2025-10-03,INTEREST,,,,1.25,USD,,'],
    ]) {
      const res = await t.srv.request('POST', `/v1/portfolios/${id}/transactions`, {
        raw: [HEADER, ...rows].join('\n'),
        headers: { 'content-type': 'text/csv' },
      });
      assert.equal(res.status, 201, res.text);
      hashes.push(res.body.ledger_commit_hash);
    }
    return { id, hashes };
  }

  it('verifies the seeded chains and an imported one: ok, with counts and the stored head', async () => {
    const demo = await verify('pf_demo_usd');
    assert.equal(demo.status, 200, demo.text);
    assert.equal(demo.body.ok, true, JSON.stringify(demo.body.first_mismatch));
    assert.equal(demo.body.commits, 13);
    const portfolio = await t.srv.request('GET', '/v1/portfolios/pf_demo_usd');
    const stored = portfolio.body.commits.reduce((n: number, c: { tx_count: number }) => n + c.tx_count, 0);
    assert.equal(demo.body.transactions, stored);
    assert.equal(demo.body.ledger_commit_hash, portfolio.body.ledger_commit_hash);
    assert.equal(demo.body.first_mismatch, null);

    const { id, hashes } = await importedPortfolio();
    const mine = await verify(id);
    assert.deepEqual(mine.body, {
      portfolio_id: id,
      ok: true,
      commits: 2,
      transactions: 4,
      ledger_commit_hash: hashes[1],
      first_mismatch: null,
    });
  });

  it('reports the first commit whose stored rows were changed, with the hash they now give', async () => {
    const { id, hashes } = await importedPortfolio();
    await k('transactions').where({ portfolio_id: id, commit_seq: 2, row_index: 0 }).update({ amount: 5000 });
    const res = await verify(id);
    assert.equal(res.status, 200);
    assert.equal(res.body.ok, false);
    const m = res.body.first_mismatch;
    assert.equal(m.seq, 2);
    assert.equal(m.commit_hash, hashes[1]);
    assert.equal(m.problem, 'hash_mismatch');
    assert.equal(m.expected, hashes[1]);
    assert.match(m.actual, /^[0-9a-f]{64}$/);
    assert.notEqual(m.actual, hashes[1]);

    // A change further back is the first mismatch, whatever follows it.
    await k('transactions').where({ portfolio_id: id, commit_seq: 1, row_index: 1 }).update({ note: 'edited' });
    const again = await verify(id);
    assert.equal(again.body.first_mismatch.seq, 1);
    assert.equal(again.body.first_mismatch.commit_hash, hashes[0]);
  });

  it('reports a deleted row, a re-parented commit and a row moved between commits', async () => {
    const removed = await importedPortfolio();
    await k('transactions').where({ portfolio_id: removed.id, commit_seq: 1, row_index: 1 }).delete();
    const r1 = (await verify(removed.id)).body.first_mismatch;
    assert.deepEqual([r1.seq, r1.problem, r1.expected, r1.actual], [1, 'tx_count_mismatch', '2', '1']);

    const reparented = await importedPortfolio();
    await k('ledger_commits')
      .where({ hash: reparented.hashes[1] })
      .update({ parent_hash: 'f'.repeat(64) });
    const r2 = (await verify(reparented.id)).body.first_mismatch;
    assert.deepEqual([r2.seq, r2.problem, r2.expected], [2, 'parent_mismatch', reparented.hashes[0]]);

    const moved = await importedPortfolio();
    await k('transactions')
      .where({ portfolio_id: moved.id, commit_seq: 2, row_index: 0 })
      .update({ commit_hash: moved.hashes[0], commit_seq: 1, row_index: 2 });
    const r3 = (await verify(moved.id)).body.first_mismatch;
    assert.equal(r3.seq, 1);
    assert.equal(r3.problem, 'tx_count_mismatch');
  });

  it("answers 404 for another user's portfolio and for one that does not exist", async () => {
    const other = await createUserWithKey(k, `verify-other-${dialect}`);
    const res = await verify('pf_demo_usd', { authorization: `Bearer ${other.apiKey}` });
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'portfolio_not_found');
    const missing = await verify('pf_nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'portfolio_not_found');
  });
});
