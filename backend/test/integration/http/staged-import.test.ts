import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { createDb } from '../../../src/db/knex.js';
import * as portfolios from '../../../src/db/repositories/portfolios.js';
import { isoSecondsFromNow, nowIso } from '../../../src/clock.js';
import { STAGED_COMMIT_STALE_SECONDS } from '../../../src/db/repositories/ledger.js';
import { genesisParent } from '../../../src/domain/ledger/commit.js';
import { largeLedgerCsv, ledgerRequests } from '../../support/large-ledger.js';
import { seededDatabase } from '../../support/databases.js';
import { childEnv, REPO_ROOT, runFolio, tempDir, type TempDir } from '../../support/folio-process.js';
import { useSeededServer } from '../../support/server.js';
import { until } from '../../support/until.js';

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

describe('a ledger import killed part way on SQLite (folio ledger import, kill -9)', () => {
  let dataDir: TempDir;
  let k: Knex;
  before(async () => {
    dataDir = tempDir('folio-staged-');
    const seeded = await seededDatabase('sqlite');
    fs.copyFileSync(seeded.config.sqliteFile, path.join(dataDir.path, 'folio.sqlite'));
    await seeded.drop();
    k = createDb({ sqliteFile: path.join(dataDir.path, 'folio.sqlite') });
  });
  after(async () => {
    await k?.destroy();
    dataDir?.remove();
  });
  const env = () => ({ FOLIO_DATA_DIR: dataDir.path });

  it('leaves a chain that verifies with nothing of the import in it, and the same file imports whole afterwards', async function () {
    this.timeout(180_000);
    const { csv, rows } = largeLedgerCsv(1_048_576 - 64);
    const file = path.join(dataDir.path, 'large.csv');
    fs.writeFileSync(file, csv);
    const id = (await portfolios.create(k, 'usr_demo', 'killed import', 'USD')).id;
    const staged = () => k('ledger_commits').where({ portfolio_id: id }).whereNotNull('pending_since').first('hash');
    const rowsOf = async () => Number((await k('transactions').where({ portfolio_id: id }).count({ n: '*' }))[0]!.n);

    const importing = spawn(process.execPath, ['bin/folio.js', 'ledger', 'import', '--portfolio', id, file], {
      cwd: REPO_ROOT,
      env: childEnv(env()),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => importing.once('exit', resolve));
    // Killed once some of its rows are on disk, before it publishes them.
    await until(
      'rows of the import staged',
      async () => ((await staged()) !== undefined && (await rowsOf()) > 0 ? true : undefined),
      120_000,
    );
    importing.kill('SIGKILL');
    await exited;
    assert.ok((await rowsOf()) < rows, 'the import finished before it could be killed');

    const verified = await runFolio(['ledger', 'verify', '--portfolio', id, '--json'], { env: env() });
    assert.equal(verified.code, 0, verified.stderr);
    const report = JSON.parse(verified.stdout);
    assert.deepEqual(
      report.portfolios.map((p: { ok: boolean; commits: number }) => [p.ok, p.commits]),
      [[true, 0]],
    );
    const exported = await runFolio(['ledger', 'export', '--portfolio', id], { env: env() });
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout.trim().split('\n').length, 1, 'the export holds only its header');

    // The next import waits until the dead one's claim is stale, removes it, and lands whole.
    const again = await runFolio(['ledger', 'import', '--portfolio', id, '--json', file], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).count, rows);
    assert.equal(await rowsOf(), rows);
    assert.equal(await staged(), undefined);
  });
});
