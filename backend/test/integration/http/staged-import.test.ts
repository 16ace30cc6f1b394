import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { isoSecondsFromNow, nowIso } from '../../../src/clock.js';
import { STAGED_COMMIT_STALE_SECONDS } from '../../../src/db/repositories/ledger.js';
import { genesisParent } from '../../../src/domain/ledger/commit.js';
import { largeLedgerCsv, ledgerRequests } from '../../support/large-ledger.js';
import { useSeededServer } from '../../support/server.js';

/**
 * On SQLite an import stages its commit: the rows go in a slice per transaction under a commit
 * marked pending, and one short transaction publishes it (repositories/ledger.ts). PostgreSQL
 * writes in one transaction and never stages, so these run on SQLite only.
 */
describe('ledger imports staged on SQLite', () => {
  // The reader below polls as fast as the service answers.
  const t = useSeededServer('sqlite', { FOLIO_RATE_LIMIT_PER_MINUTE: '0' });
  let k: Knex;
  before(() => {
    k = t.db.open();
  });
  after(async () => {
    await k?.destroy();
  });

  const { newPortfolio: create, importCsv } = ledgerRequests(() => t.srv);
  const newPortfolio = () => create('staged');
  const small = 'date,type,symbol,quantity,price,amount,currency,fee,note\n2024-01-02,DEPOSIT,,,,1000,USD,0,\n';
  const rowsOf = async (id: string) =>
    Number((await k('transactions').where({ portfolio_id: id }).count({ n: '*' }))[0]!.n);

  /** What an import that died after writing some of its rows leaves: a pending commit at seq 1 with rows. */
  const leaveStagedCommit = async (id: string, pendingSince: string) => {
    const hash = createHash('sha256').update(`dead import of ${id}`).digest('hex');
    await k('ledger_commits').insert({
      hash,
      portfolio_id: id,
      parent_hash: genesisParent(id),
      seq: 1,
      tx_count: 3,
      source: 'api',
      created_at: pendingSince,
      pending_since: pendingSince,
    });
    await k('transactions').insert(
      [0, 1].map((row_index) => ({
        commit_hash: hash,
        portfolio_id: id,
        commit_seq: 1,
        row_index,
        date: '2024-01-02',
        type: 'DEPOSIT',
        amount: 5,
        currency: 'USD',
        fee: 0,
      })),
    );
    return hash;
  };

  it('lets readers see a large import whole or not at all while it is written', async function () {
    this.timeout(120_000);
    const { csv, rows } = largeLedgerCsv(1_048_576 - 64);
    const id = await newPortfolio();
    let done = false;
    const imported = importCsv(id, csv).finally(() => (done = true));
    const seen = { staged: 0, partialRows: 0, verifies: 0 };
    while (!done) {
      // Rows on disk under a commit that is not yet published: the import is staging.
      if (await k('ledger_commits').where({ portfolio_id: id }).whereNotNull('pending_since').first('hash')) {
        seen.staged++;
        const onDisk = await rowsOf(id);
        if (onDisk > 0 && onDisk < rows) seen.partialRows++;
      }
      const [commits, verify] = await Promise.all([
        t.srv.request('GET', `/v1/portfolios/${id}/commits`),
        t.srv.request('GET', `/v1/portfolios/${id}/ledger/verify`),
      ]);
      assert.equal(commits.status, 200, commits.text);
      assert.ok([0, 1].includes(commits.body.commits.length), commits.text);
      assert.equal(verify.status, 200, verify.text);
      assert.equal(verify.body.ok, true, verify.text);
      assert.ok([0, rows].includes(verify.body.transactions), `verify saw ${verify.body.transactions} of ${rows}`);
      seen.verifies++;
    }
    const res = await imported;
    assert.equal(res.status, 201, res.text);
    assert.ok(seen.staged > 0 && seen.partialRows > 0, `the import was never seen staging: ${JSON.stringify(seen)}`);
    assert.equal(await rowsOf(id), rows);
    assert.equal(await k('ledger_commits').whereNotNull('pending_since').first('hash'), undefined);
  });

  it('leaves nothing visible when an import dies part way, and the next import removes what it left', async () => {
    const id = await newPortfolio();
    const dead = await leaveStagedCommit(id, isoSecondsFromNow(-STAGED_COMMIT_STALE_SECONDS - 1));
    const commits = await t.srv.request('GET', `/v1/portfolios/${id}/commits`);
    assert.deepEqual(commits.body.commits, []);
    const listed = await t.srv.request('GET', `/v1/portfolios/${id}/transactions`);
    assert.deepEqual(listed.body.transactions, []);
    const verify = await t.srv.request('GET', `/v1/portfolios/${id}/ledger/verify`);
    assert.equal(verify.body.ok, true, verify.text);
    const executed = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: id } },
    });
    assert.equal(executed.status, 200, executed.text);
    assert.equal(executed.body.metadata.ledger_commit_hash, genesisParent(id));

    const res = await importCsv(id, small);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.seq, 1);
    assert.equal(res.body.parent_hash, genesisParent(id));
    assert.equal(await k('transactions').where({ commit_hash: dead }).first('id'), undefined);
    assert.equal(await rowsOf(id), 1);
  });

  it('makes an import wait while another one is staging onto the same portfolio, then land on top', async () => {
    const id = await newPortfolio();
    const live = await leaveStagedCommit(id, nowIso());
    const started = Date.now();
    const imported = importCsv(id, small);
    await new Promise((r) => setTimeout(r, 300));
    // The other import gives up (a bad row found late, say): its staged commit goes.
    await k('ledger_commits').where({ hash: live }).delete();
    const res = await imported;
    assert.equal(res.status, 201, res.text);
    assert.ok(Date.now() - started >= 300, 'the import did not wait for the staged commit');
    assert.equal(res.body.seq, 1);
    assert.equal(await rowsOf(id), 1);
  });

  it('deletes a portfolio whose only commit is one a dead import left, but not while an import is staging', async () => {
    const busy = await newPortfolio();
    await leaveStagedCommit(busy, nowIso());
    const refused = await t.srv.request('DELETE', `/v1/portfolios/${busy}`);
    assert.equal(refused.status, 409, refused.text);

    const abandoned = await newPortfolio();
    await leaveStagedCommit(abandoned, isoSecondsFromNow(-STAGED_COMMIT_STALE_SECONDS - 1));
    assert.equal((await t.srv.request('DELETE', `/v1/portfolios/${abandoned}`)).status, 204);
    assert.equal(await rowsOf(abandoned), 0);
  });
});
