import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { migratedDatabase, describeEachDb, type TestDatabase } from '../../support/databases.js';
import { runFolio, tempDir, type Finished, type TempDir } from '../../support/folio-process.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { until } from '../../support/until.js';
import { createDb } from '../../../src/db/knex.js';

/**
 * The README's "Production set-up", run as an operator would: NODE_ENV=production and no
 * demo, every account, security, portfolio and ledger made with `folio` commands, then read
 * and used over HTTP with the key the CLI printed.
 */
describeEachDb('production set-up from an empty database', (dialect) => {
  let dir: TempDir;
  let db: TestDatabase;
  let env: Record<string, string>;
  let srv: TestServer;
  const state = {} as { key: string; keyId: string; portfolio: string };

  const folio = async (args: string[], code = 0): Promise<Finished> => {
    const r = await runFolio(args, { env });
    assert.equal(r.code, code, `folio ${args.join(' ')}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
  };
  const asOwner = (method: string, url: string, body?: unknown) =>
    srv.request(method, url, { headers: { authorization: `Bearer ${state.key}` }, ...(body ? { body } : {}) });

  before(async () => {
    dir = tempDir('folio-prod-');
    if (dialect === 'sqlite') {
      const file = path.join(dir.path, 'folio.sqlite');
      const handle = createDb({ sqliteFile: file });
      await handle.destroy();
      db = { dialect, config: { sqliteFile: file }, open: () => createDb({ sqliteFile: file }), drop: async () => {} };
    } else {
      db = await migratedDatabase('postgres');
    }
    env = {
      NODE_ENV: 'production',
      FOLIO_SEED_DEMO: 'auto',
      FOLIO_DATA_DIR: dir.path,
      LOG_LEVEL: 'silent',
      // A short auth cache, so revocation is seen to reach a running service within it.
      FOLIO_AUTH_CACHE_TTL_MS: '300',
      ...(db.config.DATABASE_URL ? { DATABASE_URL: db.config.DATABASE_URL } : {}),
    };
    srv = await startTestServer(db, env);
  });
  after(async () => {
    await srv?.close();
    await db?.drop();
    dir?.remove();
  });

  it('starts with no user and no demo: nothing answers without a key made by the operator', async () => {
    const r = await srv.request('GET', '/v1/portfolios');
    assert.equal(r.status, 401);
    const users = JSON.parse((await folio(['users', 'list', '--json'])).stdout);
    assert.deepEqual(users, { users: [] });
  });

  it('creates a user and a key with the CLI; the key is printed once and works over HTTP', async () => {
    const user = JSON.parse((await folio(['users', 'create', 'alice', '--json'])).stdout);
    assert.equal(user.username, 'alice');
    const taken = await folio(['users', 'create', 'alice'], 1);
    assert.match(taken.stderr, /conflict: a user named alice already exists/);

    const created = await folio(['keys', 'create', '--user', 'alice', '--label', 'ci']);
    state.key = created.stdout.trim();
    assert.match(state.key, /^fk_[A-Za-z0-9_-]{32}$/);
    assert.match(created.stderr, /shown this once/);
    const listed = JSON.parse((await folio(['keys', 'list', '--json'])).stdout);
    assert.equal(listed.api_keys.length, 1);
    state.keyId = listed.api_keys[0].id;
    assert.deepEqual(
      { ...listed.api_keys[0], id: undefined, created_at: undefined },
      { id: undefined, username: 'alice', label: 'ci', created_at: undefined, expires_at: null, revoked_at: null },
    );
    assert.ok(!JSON.stringify(listed).includes(state.key.slice(3)), 'the listing never shows the key');

    const r = await asOwner('GET', '/v1/portfolios');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { portfolios: [] });
  });

  it('creates a portfolio with the CLI, which its owner renames and archives over HTTP', async () => {
    state.portfolio = (
      await folio(['portfolios', 'create', '--user', 'alice', '--currency', 'USD', 'Main'])
    ).stdout.trim();
    assert.match(state.portfolio, /^pf_/);
    const spare = (await folio(['portfolios', 'create', '--user', 'alice', '--currency', 'EUR', 'Spare', '--json']))
      .stdout;
    const spareId = JSON.parse(spare).id as string;

    const renamed = await asOwner('PATCH', `/v1/portfolios/${spareId}`, { name: 'Spare book', archived: true });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, 'Spare book');
    assert.match(renamed.body.archived_at, /^\d{4}-\d{2}-\d{2}T/);
    const refused = await srv.request('POST', `/v1/portfolios/${spareId}/transactions`, {
      headers: { authorization: `Bearer ${state.key}`, 'content-type': 'text/csv' },
      raw: 'date,type,symbol,quantity,price,amount,currency,fee,note\n2025-01-02,DEPOSIT,,,,100,EUR,,\n',
    });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error, 'portfolio_archived');
    const bad = await asOwner('PATCH', `/v1/portfolios/${spareId}`, {});
    assert.equal(bad.status, 400, bad.text);

    const listed = JSON.parse((await folio(['portfolios', 'list', '--user', 'alice', '--json'])).stdout);
    assert.deepEqual(
      listed.portfolios.map((p: { name: string; archived_at: string | null }) => [p.name, p.archived_at !== null]),
      [
        ['Main', false],
        ['Spare book', true],
      ],
    );
    const deleted = await asOwner('DELETE', `/v1/portfolios/${spareId}`);
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal((await asOwner('GET', `/v1/portfolios/${spareId}`)).status, 404);
  });

  it('imports securities and a ledger, reads the transactions back page by page, and exports them into a copy', async () => {
    const securities = path.join(dir.path, 'securities.csv');
    fs.writeFileSync(
      securities,
      'symbol,name,currency,asset_class,sector,isin\n' +
        'BRK.B,Berkshire Hathaway Inc. Class B,USD,Equity,Financials,US0846707026\n' +
        'SAP.DE,SAP SE,EUR,Equity,Technology,DE0007164600\n',
    );
    const imported = JSON.parse((await folio(['securities', 'import', securities, '--json'])).stdout);
    assert.deepEqual(imported, { securities: 2, inserted: 2, updated: 0, unchanged: 0 });
    const brk = await asOwner('GET', '/v1/securities/brk.b');
    assert.equal(brk.status, 200, brk.text);
    assert.equal(brk.body.isin, 'US0846707026');

    const header = 'date,type,symbol,quantity,price,amount,currency,fee,note';
    const first = await srv.request('POST', `/v1/portfolios/${state.portfolio}/transactions`, {
      headers: { authorization: `Bearer ${state.key}`, 'content-type': 'text/csv' },
      raw: `${header}\n2025-01-02,DEPOSIT,,,,10000,USD,,\n2025-01-03,BUY,BRK.B,5,455.2,,USD,1,\n`,
    });
    assert.equal(first.status, 201, first.text);
    const ledgerFile = path.join(dir.path, 'more.csv');
    fs.writeFileSync(ledgerFile, `${header}\n2025-02-03,SELL,BRK.B,2,470,,USD,1,\n2025-02-04,INTEREST,,,,3.2,USD,,\n`);
    await folio(['ledger', 'import', '--portfolio', state.portfolio, ledgerFile, '--json']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await asOwner(
        'GET',
        `/v1/portfolios/${state.portfolio}/transactions?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.transactions.map((x: { seq: number; type: string }) => `${x.seq}:${x.type}`));
      cursor = r.body.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, ['1:DEPOSIT', '1:BUY', '2:SELL', '2:INTEREST']);

    const exported = path.join(dir.path, 'main-ledger.csv');
    await folio(['ledger', 'export', '--portfolio', state.portfolio, '--out', exported]);
    const copy = (await folio(['portfolios', 'create', '--user', 'alice', '--currency', 'USD', 'Copy'])).stdout.trim();
    await folio(['ledger', 'import', '--portfolio', copy, exported]);
    const hashes = async (id: string) =>
      (await asOwner('GET', `/v1/portfolios/${id}/commits`)).body.commits.map(
        (c: { transactions_hash: string; tx_count: number }) => [c.tx_count, c.transactions_hash],
      );
    assert.deepEqual(await hashes(copy), await hashes(state.portfolio));
  });

  it('revokes the key with the CLI; the running service refuses it within the auth-cache TTL', async () => {
    assert.equal((await asOwner('GET', '/v1/portfolios')).status, 200);
    const revoked = JSON.parse((await folio(['keys', 'revoke', state.keyId, '--json'])).stdout);
    assert.match(revoked.revoked_at, /^\d{4}-/);
    assert.equal(revoked.auth_cache_ttl_ms, 300);
    const r = await until('a 401 for the revoked key', async () => {
      const res = await asOwner('GET', '/v1/portfolios');
      return res.status === 401 ? res : undefined;
    });
    assert.equal(r.body.error, 'unauthorized');
    const users = JSON.parse((await folio(['users', 'list', '--json'])).stdout);
    assert.equal(users.users[0].active_keys, 0);
  });
});
