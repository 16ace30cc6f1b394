import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import * as securities from '../../../src/db/repositories/securities.js';
import { genesisParent } from '../../../src/domain/ledger/commit.js';
import { prepareCommits } from '../../../src/domain/ledger/imports/prepare.js';
import { todayUtc } from '../../../src/clock.js';
import { THREAD_MIN_BYTES } from '../../../src/services/ledger-prepare.js';
import { describeEachDb } from '../../support/databases.js';
import { largeLedgerCsv, ledgerRequests } from '../../support/large-ledger.js';
import { useSeededServer } from '../../support/server.js';

/** Just under the default body limit (1 MiB), the largest CSV a client can send. */
const NEAR_LIMIT = 1_048_576 - 64;

describeEachDb('large ledger imports over HTTP (prepared in a worker thread)', (dialect) => {
  const t = useSeededServer(dialect);
  let k: Knex;
  before(() => {
    k = t.db.open();
  });
  after(async () => {
    await k?.destroy();
  });

  const { newPortfolio: create, importCsv } = ledgerRequests(() => t.srv);
  const newPortfolio = () => create('large');
  /** What the same file gives when prepared on the event loop, as a small import is, onto an empty chain. */
  const inProcess = async (id: string, csv: string) =>
    prepareCommits({
      format: 'folio',
      document: { csv },
      securities: await securities.all(k),
      today: todayUtc(),
      tip: { hash: genesisParent(id), seq: 0, entries: [] },
    });
  const commitCount = async (id: string) =>
    Number((await k('ledger_commits').where({ portfolio_id: id }).count({ n: '*' }))[0]!.n);

  it('imports a CSV near 1 MiB with the commit hash the in-process path gives, and the chain verifies', async function () {
    this.timeout(240_000); // seconds of parsing, twice over, on a loaded machine
    const { csv, rows } = largeLedgerCsv(NEAR_LIMIT);
    assert.ok(csv.length > THREAD_MIN_BYTES);
    const id = await newPortfolio();
    const res = await importCsv(id, csv);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.count, rows);
    const [expected] = await inProcess(id, csv);
    assert.equal(res.body.ledger_commit_hash, expected!.hash);
    assert.equal(res.body.parent_hash, genesisParent(id));
    const verified = await t.srv.request('GET', `/v1/portfolios/${id}/ledger/verify`);
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.ok, true, verified.text);
    assert.equal(verified.body.transactions, rows);
  });

  it('imports a large export with a commit column as the same commits, in order', async () => {
    const { csv } = largeLedgerCsv(4 * THREAD_MIN_BYTES, { commitEvery: 1000 });
    const id = await newPortfolio();
    const res = await importCsv(id, csv);
    assert.equal(res.status, 201, res.text);
    const expected = await inProcess(id, csv);
    assert.ok(expected.length > 1);
    assert.deepEqual(
      res.body.commits,
      expected.map((c) => ({ hash: c.hash, seq: c.seq, count: c.transactions.length })),
    );
  });

  describe('rejects a file large enough for the thread with one bad row near its end, naming the row, and writes nothing', () => {
    const cases: [string, (line: string) => string, RegExp][] = [
      ['a negative quantity (parsing)', (line) => line.replace(/,BUY,(\w+),\d+,/, ',BUY,$1,-3,'), /quantity/],
      [
        'an unknown symbol (validation against the chain)',
        (line) => line.replace(/,BUY,\w+,/, ',BUY,NOSUCH,'),
        /NOSUCH/,
      ],
    ];
    for (const [what, spoil, mentions] of cases) {
      it(what, async () => {
        const lines = largeLedgerCsv(4 * THREAD_MIN_BYTES).csv.split('\n');
        const at = lines.length - 2; // a BUY row: the last but one (row numbers count from the first data row)
        assert.match(lines[at]!, /,BUY,/);
        lines[at] = spoil(lines[at]!);
        const id = await newPortfolio();
        const res = await importCsv(id, lines.join('\n'));
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.error, 'invalid_request');
        assert.match(res.body.message, new RegExp(`^row ${at}: `));
        assert.match(res.body.message, mentions);
        assert.equal(res.body.details.errors[0].row, at);
        assert.ok(res.body.request_id);
        assert.equal(await commitCount(id), 0);
      });
    }
  });
});
