import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { purgeExpiredIdempotencyKeys } from '../../../src/services/idempotency.js';
import { createApiKey, createUser } from '../../../src/services/users.js';
import { describeEachDb, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

describeEachDb('Idempotency-Key on POST /v1/portfolios and /transactions, across replicas', (dialect) => {
  let db: TestDatabase;
  let k: Knex;
  let a: TestServer;
  let b: TestServer;
  let date: string;
  let keyNo = 0;
  const newKey = () => `key-${process.pid}-${Date.now()}-${++keyNo}`;

  before(async () => {
    db = await seededDatabase(dialect);
    k = db.open();
    a = await startTestServer(db);
    // Replicas share PostgreSQL; SQLite is served by one process (one connection serialises its
    // writers), so there the "other replica" is the same server.
    b = dialect === 'postgres' ? await startTestServer(db) : a;
    date = (await a.request('GET', '/v1/packs?limit=1')).body.packs[0].date;
  });
  after(async () => {
    await a?.close();
    if (b !== a) await b?.close();
    await k?.destroy();
    await db?.drop();
  });

  const createPortfolio = (srv: TestServer, key: string | null, body: object, headers: Record<string, string> = {}) =>
    srv.request('POST', '/v1/portfolios', {
      body,
      headers: { ...(key ? { 'idempotency-key': key } : {}), ...headers },
    });
  const newPortfolio = async () => {
    const res = await createPortfolio(a, null, { name: 'idempotency', base_currency: 'USD' });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const deposit = (srv: TestServer, id: string, key: string, amount: number) =>
    srv.request('POST', `/v1/portfolios/${id}/transactions`, {
      raw: `${HEADER}\n${date},DEPOSIT,,,,${amount},USD,,deposit ${amount}`,
      headers: { 'content-type': 'text/csv', 'idempotency-key': key },
    });
  const commits = async (id: string) =>
    Number((await k('ledger_commits').where({ portfolio_id: id }).count({ n: '*' }))[0]!.n);

  it('replays a created portfolio on the other replica: same status and body, nothing created twice', async () => {
    const key = newKey();
    const name = `replayed ${key}`;
    const first = await createPortfolio(a, key, { name, base_currency: 'EUR' });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    // The same JSON with its members in another order and other spacing is the same request.
    const retry = await b.request('POST', '/v1/portfolios', {
      raw: `{ "base_currency": "EUR",  "name": ${JSON.stringify(name)} }`,
      headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': key },
    });
    assert.equal(retry.status, 201);
    assert.equal(retry.text, first.text);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.match(retry.headers.get('content-type') ?? '', /^application\/json/);
    const list = (await b.request('GET', '/v1/portfolios')).body.portfolios.filter((p: any) => p.name === name);
    assert.equal(list.length, 1);
  });

  it('replays an import and writes one commit', async () => {
    const id = await newPortfolio();
    const key = newKey();
    const first = await deposit(a, id, key, 1000);
    assert.equal(first.status, 201, first.text);
    const retry = await deposit(b, id, key, 1000);
    assert.equal(retry.status, 201);
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(await commits(id), 1);
    const head = (await b.request('GET', `/v1/portfolios/${id}`)).body.ledger_commit_hash;
    assert.equal(head, first.body.ledger_commit_hash);
  });

  it('refuses the same key with a different body or on another endpoint: 422 idempotency_key_reused', async () => {
    const id = await newPortfolio();
    const key = newKey();
    assert.equal((await deposit(a, id, key, 500)).status, 201);
    const other = await deposit(b, id, key, 501);
    assert.equal(other.status, 422);
    assert.equal(other.body.error, 'idempotency_key_reused');
    assert.equal(other.body.details.idempotency_key, key);
    const elsewhere = await createPortfolio(b, key, { name: 'x', base_currency: 'USD' });
    assert.equal(elsewhere.status, 422);
    assert.equal(elsewhere.body.error, 'idempotency_key_reused');
    assert.equal(await commits(id), 1);
  });

  it('scopes keys to their user: another user sending the same key gets its own write', async () => {
    const username = `idem_${dialect}_${Date.now()}`;
    await createUser(k, username);
    const other = (await createApiKey(k, { username })).api_key;
    const key = newKey();
    const mine = await createPortfolio(a, key, { name: 'mine', base_currency: 'USD' });
    const theirs = await createPortfolio(
      b,
      key,
      { name: 'theirs', base_currency: 'USD' },
      {
        authorization: `Bearer ${other}`,
      },
    );
    assert.equal(mine.status, 201);
    assert.equal(theirs.status, 201, theirs.text);
    assert.notEqual(theirs.body.id, mine.body.id);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
  });

  it('stores no failed answer: a retry after a 400 runs again', async () => {
    const key = newKey();
    const bad = await createPortfolio(a, key, { name: 'bad', base_currency: 'usd' });
    assert.equal(bad.status, 400);
    const again = await createPortfolio(b, key, { name: 'bad', base_currency: 'usd' });
    assert.equal(again.status, 400);
    assert.equal(again.headers.get('idempotent-replayed'), null);
    const fixed = await createPortfolio(b, key, { name: 'good', base_currency: 'USD' });
    assert.equal(fixed.status, 201, 'a failed request did not use the key up');
  });

  it('400 for a key that is too long or not printable ASCII', async () => {
    for (const key of ['caf\u00e9', 'x'.repeat(256), 'tab\there']) {
      const res = await createPortfolio(a, key, { name: 'n', base_currency: 'USD' });
      assert.equal(res.status, 400, key);
      assert.equal(res.body.error, 'invalid_request');
    }
  });

  it('makes one commit out of concurrent duplicates sent to both replicas', async () => {
    const id = await newPortfolio();
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => deposit(i % 2 ? a : b, id, key, 777)));
    for (const res of answers) assert.equal(res.status, 201, res.text);
    assert.equal(new Set(answers.map((r) => r.text)).size, 1, 'every duplicate got the one answer');
    assert.equal(answers.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1);
    assert.equal(await commits(id), 1);
  });

  it('forgets a key after 24 hours', async () => {
    const key = newKey();
    assert.equal((await createPortfolio(a, key, { name: 'old', base_currency: 'USD' })).status, 201);
    const dayAgo = new Date(Date.now() - 24 * 3600_000 - 1000).toISOString();
    await k('idempotency_keys').where({ key }).update({ created_at: dayAgo });
    const reused = await createPortfolio(b, key, { name: 'new', base_currency: 'USD' });
    assert.equal(reused.status, 201, 'an expired key is a new key');
    assert.equal(reused.body.name, 'new');

    const stale = newKey();
    assert.equal((await createPortfolio(a, stale, { name: 'stale', base_currency: 'USD' })).status, 201);
    await k('idempotency_keys').where({ key: stale }).update({ created_at: dayAgo });
    assert.ok((await purgeExpiredIdempotencyKeys(k)) >= 1);
    assert.equal((await k('idempotency_keys').where({ key: stale })).length, 0);
    assert.equal((await k('idempotency_keys').where({ key })).length, 1, 'the renewed key stays');
  });

  it('200 imports with keys, each retried once through the other replica, make exactly 200 commits', async () => {
    const id = await newPortfolio();
    const firsts: string[] = [];
    for (let i = 1; i <= 200; i++) {
      const key = `${id}-${i}`;
      const first = await deposit(a, id, key, i);
      assert.equal(first.status, 201, first.text);
      const retry = await deposit(b, id, key, i);
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.text, first.text);
      firsts.push(first.body.ledger_commit_hash);
    }
    assert.equal(await commits(id), 200);
    assert.equal(new Set(firsts).size, 200);
    const portfolio = (await b.request('GET', `/v1/portfolios/${id}`)).body;
    assert.equal(portfolio.commits.length, 200);
    assert.equal(portfolio.ledger_commit_hash, firsts[199]);
  });
});
