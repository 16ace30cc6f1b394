import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { todayUtc } from '../../../src/clock.js';
import { createDb, type Dialect } from '../../../src/db/knex.js';
import * as ledger from '../../../src/db/repositories/ledger.js';
import * as portfolios from '../../../src/db/repositories/portfolios.js';
import { hashApiKey } from '../../../src/domain/apikey.js';
import { canonicalJson, sha256Hex } from '../../../src/domain/canonical.js';
import { genesisParent } from '../../../src/domain/ledger/commit.js';
import { parseLedgerCsv } from '../../../src/domain/ledger/parse.js';
import type { Transaction } from '../../../src/domain/ledger/types.js';
import { describeEachDb, PG_ADMIN_URL, seededDatabase, withAdmin } from '../../support/databases.js';
import { runFolio, tempDir, type Finished, type TempDir } from '../../support/folio-process.js';
import { largeLedgerCsv } from '../../support/large-ledger.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';
const HEX64 = /^[0-9a-f]{64}$/;

/** Where the CLI under test keeps its data, and a knex handle to look inside. */
interface CliDb {
  env: Record<string, string>;
  open(): Knex;
  drop(): Promise<void>;
}

/**
 * An empty or demo-seeded database for the CLI. SQLite lives at $FOLIO_DATA_DIR/folio.sqlite;
 * PostgreSQL is named by DATABASE_URL, with FOLIO_DATA_DIR still set to an empty directory so
 * a CLI that wrongly fell back to SQLite would leave a file there.
 */
async function cliDatabase(dialect: Dialect, kind: 'empty' | 'seeded'): Promise<CliDb & { dataDir: TempDir }> {
  const dataDir = tempDir('folio-cli-');
  if (dialect === 'sqlite') {
    const file = path.join(dataDir.path, 'folio.sqlite');
    if (kind === 'seeded') {
      const seeded = await seededDatabase('sqlite');
      fs.copyFileSync(seeded.config.sqliteFile, file);
      await seeded.drop();
    }
    return {
      dataDir,
      env: { FOLIO_DATA_DIR: dataDir.path },
      open: () => createDb({ sqliteFile: file }),
      drop: async () => dataDir.remove(),
    };
  }
  let url: string;
  let drop: () => Promise<void>;
  if (kind === 'seeded') {
    const seeded = await seededDatabase('postgres');
    url = seeded.config.DATABASE_URL!;
    drop = () => seeded.drop();
  } else {
    const name = `folio_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    await withAdmin((a) => a.raw(`create database ${name}`));
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    drop = () => withAdmin((a) => a.raw(`drop database if exists ${name} with (force)`)).then(() => undefined);
  }
  return {
    dataDir,
    env: { DATABASE_URL: url, FOLIO_DATA_DIR: dataDir.path },
    open: () => createDb({ DATABASE_URL: url, sqliteFile: '' }),
    drop: async () => {
      dataDir.remove();
      await drop();
    },
  };
}

function expectExit(r: Finished, code: number, what: string): void {
  assert.equal(
    r.code,
    code,
    `${what}: expected exit ${code}, got ${r.code} (signal ${r.signal})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
  );
}

function json(r: Finished): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

describe('folio CLI: usage and configuration', () => {
  let dir: TempDir;
  const env = () => ({ FOLIO_DATA_DIR: dir.path });
  before(() => {
    dir = tempDir('folio-cli-');
  });
  after(() => dir?.remove());

  it('prints the usage on stdout and exits 2 without a command, 0 when asked for help', async () => {
    const [none, help] = await Promise.all([runFolio([], { env: env() }), runFolio(['--help'], { env: env() })]);
    expectExit(none, 2, 'no command');
    assert.match(none.stdout, /^usage: folio <command>/);
    for (const cmd of [
      'serve',
      'migrate',
      'seed-demo',
      'ledger import --portfolio ID [--format F] [--json] FILE',
      'ledger export --portfolio ID [--out FILE] [--json]',
      'ledger verify [--portfolio ID] [--json]',
      'securities import FILE.csv [--json]',
      'execute PATTERN',
    ]) {
      assert.ok(none.stdout.includes(cmd), `usage mentions ${cmd}`);
    }
    assert.equal(none.stderr, '');
    expectExit(help, 0, '--help');
    assert.equal(help.stdout, none.stdout);
  });

  it('rejects an unknown command with exit 2, naming it on stderr', async () => {
    const r = await runFolio(['frobnicate'], { env: env() });
    expectExit(r, 2, 'unknown command');
    assert.match(r.stderr, /unknown command: frobnicate/);
    assert.match(r.stderr, /usage: folio <command>/);
    assert.equal(r.stdout, '');
  });

  it('rejects malformed ledger import and execute command lines with exit 2 before touching a database', async () => {
    const csv = path.join(dir.path, 'ok.csv');
    fs.writeFileSync(csv, `${HEADER}\n2025-01-02,DEPOSIT,,,,100,USD,,\n`);
    const cases: [string, string[], RegExp][] = [
      ['import without --portfolio', ['ledger', 'import', csv], /needs --portfolio ID/],
      ['import without a file', ['ledger', 'import', '--portfolio', 'pf_x'], /exactly one file/],
      [
        'import of a file that does not exist',
        ['ledger', 'import', '--portfolio', 'pf_x', path.join(dir.path, 'nope.csv')],
        /no such file: .*nope\.csv/,
      ],
      ['an unknown option', ['ledger', 'import', '--portfolio', 'pf_x', '--force', csv], /unknown option '--force'/i],
      ['execute without a pattern', ['execute', '--input', 'portfolio_id=pf_demo_usd'], /needs exactly one PATTERN/],
    ];
    const results = await Promise.all(cases.map(([, args]) => runFolio(args, { env: env() })));
    for (const [i, [what, , message]] of cases.entries()) {
      const r = results[i]!;
      expectExit(r, 2, what);
      assert.match(r.stderr, message, what);
      assert.equal(r.stdout, '', what);
    }
    assert.deepEqual(fs.readdirSync(dir.path), ['ok.csv'], 'no database was created');
  });

  it('rejects a bad configuration with exit 2, listing every bad variable and no secret values', async () => {
    const bad = {
      FOLIO_DATA_DIR: dir.path,
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://admin:hunter2@db/x',
    };
    const r = await runFolio(['migrate'], { env: bad });
    expectExit(r, 2, 'migrate with a bad configuration');
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL'])
      assert.match(r.stderr, new RegExp(`\\b${name}\\b`), `${name} listed`);
    assert.match(r.stderr, /"abc"/, 'the bad PORT value is shown');
    assert.match(r.stderr, /"loud"/, 'the bad LOG_LEVEL value is shown');
    assert.ok(!r.stderr.includes('hunter2'), 'the database password is not printed');
    assert.equal(r.stdout, '');
    assert.deepEqual(
      fs.readdirSync(dir.path).filter((f) => f !== 'ok.csv'),
      [],
      'no database was created',
    );
  });
});

describeEachDb('folio CLI: migrate and seed-demo', (dialect) => {
  let db: (CliDb & { dataDir: TempDir }) | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('migrate applies the schema to an empty database, then reports it current', async () => {
    db = await cliDatabase(dialect, 'empty');
    const first = await runFolio(['migrate'], { env: db.env });
    expectExit(first, 0, 'first migrate');
    assert.match(first.stdout, /^applied: 001_initial\b/);
    const second = await runFolio(['migrate'], { env: db.env });
    expectExit(second, 0, 'second migrate');
    assert.equal(second.stdout.trim(), 'migrations already current');

    const k = db.open();
    try {
      for (const table of ['users', 'portfolios', 'ledger_commits', 'transactions', 'pricing_packs']) {
        assert.ok(await k.schema.hasTable(table), `table ${table} exists`);
      }
      assert.equal(Number((await k('users').count({ n: '*' }))[0]!.n), 0, 'migrate does not seed');
    } finally {
      await k.destroy();
    }
    if (dialect === 'postgres')
      assert.deepEqual(fs.readdirSync(db.dataDir.path), [], 'no SQLite file with DATABASE_URL set');
  });

  it('seed-demo seeds an empty database once, with the configured API key, and says so the second time', async () => {
    db = await cliDatabase(dialect, 'empty');
    const env = { ...db.env, FOLIO_DEMO_API_KEY: 'cli-test-demo-key-42' };
    const first = await runFolio(['seed-demo'], { env });
    expectExit(first, 0, 'first seed-demo');
    const summary = json(first);
    assert.equal(summary.seeded, true);
    assert.equal(summary.username, 'demo');
    assert.deepEqual(summary.portfolios.map((p: any) => p.id).sort(), ['pf_demo_cad', 'pf_demo_eur', 'pf_demo_usd']);
    assert.ok(summary.packs > 200, `about a year or more of daily packs, got ${summary.packs}`);
    assert.match(summary.newest_pack, /^PP_\d{4}-\d{2}-\d{2}$/);

    const k = db.open();
    try {
      assert.equal(Number((await k('pricing_packs').count({ n: '*' }))[0]!.n), summary.packs);
      for (const p of summary.portfolios) {
        const head = await k('ledger_commits').where({ portfolio_id: p.id }).orderBy('seq', 'desc').first('hash');
        assert.equal(head?.hash, p.head, `${p.id}: the printed head is the stored one`);
      }
      const key = await k('api_keys').where({ user_id: summary.user_id }).first('key_hash');
      assert.equal(
        key?.key_hash,
        hashApiKey('cli-test-demo-key-42'),
        'the demo user has the key from FOLIO_DEMO_API_KEY',
      );

      const second = await runFolio(['seed-demo'], { env });
      expectExit(second, 0, 'second seed-demo');
      const again = json(second);
      assert.equal(again.seeded, false);
      assert.match(again.reason, /already exists/);
      assert.equal(Number((await k('users').count({ n: '*' }))[0]!.n), 1);
      assert.equal(
        Number((await k('pricing_packs').count({ n: '*' }))[0]!.n),
        summary.packs,
        'nothing added the second time',
      );
    } finally {
      await k.destroy();
    }
  });
});

describeEachDb('folio CLI: ledger import and execute', (dialect) => {
  let db: CliDb & { dataDir: TempDir };
  let k: Knex;
  let files: TempDir;
  before(async () => {
    db = await cliDatabase(dialect, 'seeded');
    k = db.open();
    files = tempDir('folio-cli-csv-');
  });
  after(async () => {
    await k?.destroy();
    await db?.drop();
    files?.remove();
  });

  let n = 0;
  const csv = (rows: string[]) => {
    const file = path.join(files.path, `import-${++n}.csv`);
    fs.writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
    return file;
  };
  const newPortfolio = async () => (await portfolios.create(k, 'usr_demo', `cli test ${n}`, 'USD')).id;
  const importFile = (id: string, file: string) =>
    runFolio(['ledger', 'import', '--portfolio', id, file], { env: db.env });
  const commitsOf = async (id: string) =>
    (
      await k('ledger_commits').where({ portfolio_id: id }).orderBy('seq').select('hash', 'seq', 'tx_count', 'source')
    ).map((c) => ({
      ...c,
      seq: Number(c.seq),
      tx_count: Number(c.tx_count),
    }));
  const transactionsOf = async (id: string) =>
    Number((await k('transactions').where({ portfolio_id: id }).count({ n: '*' }))[0]!.n);
  const execute = (...args: string[]) => runFolio(['execute', ...args], { env: db.env });

  const DEPOSIT = '2025-10-01,DEPOSIT,,,,10000,USD,,initial funding';
  const BUY = '2025-10-02,BUY,AAPL,10,150,,USD,1.5,';
  // The canonical form of those two rows, which the commit hash covers.
  const batch = [
    {
      date: '2025-10-01',
      type: 'DEPOSIT',
      symbol: null,
      quantity: null,
      price: null,
      amount: 10000,
      currency: 'USD',
      fee: 0,
      note: 'initial funding',
    },
    {
      date: '2025-10-02',
      type: 'BUY',
      symbol: 'AAPL',
      quantity: 10,
      price: 150,
      amount: null,
      currency: 'USD',
      fee: 1.5,
      note: null,
    },
  ];

  it('imports a CSV as one commit, prints its hash, and execute then reads it', async () => {
    const id = await newPortfolio();
    const r = await importFile(id, csv([DEPOSIT, BUY]));
    expectExit(r, 0, 'import');
    const out = json(r);
    const expected = sha256Hex(genesisParent(id) + canonicalJson(batch));
    assert.deepEqual(out, { ledger_commit_hash: expected, parent_hash: genesisParent(id), seq: 1, count: 2 });
    assert.deepEqual(await commitsOf(id), [{ hash: expected, seq: 1, tx_count: 2, source: 'cli' }]);
    assert.equal(await transactionsOf(id), 2);

    const ex = await execute('portfolio_overview', '--input', `portfolio_id=${id}`);
    expectExit(ex, 0, 'execute on the new portfolio');
    const res = json(ex);
    assert.equal(res.metadata.ledger_commit_hash, expected, 'execute pins the imported commit');
    assert.deepEqual(
      res.result.valuation.holdings.map((h: any) => [h.symbol, h.quantity]),
      [['AAPL', 10]],
    );
    assert.deepEqual(
      res.result.valuation.cash.map((c: any) => [c.currency, c.balance]),
      [['USD', 8498.5]],
    ); // 10000 - 1500 - 1.5
  });

  it('imports a file near 1 MiB (prepared in a worker thread) with the hash its rows give', async function () {
    this.timeout(240_000); // seconds of parsing, twice over, on a loaded machine
    const id = await newPortfolio();
    const { csv: text, rows } = largeLedgerCsv(1_048_576 - 64);
    const file = path.join(files.path, 'large.csv');
    fs.writeFileSync(file, text);
    const r = await runFolio(['ledger', 'import', '--portfolio', id, file], { env: db.env, timeoutMs: 180_000 });
    expectExit(r, 0, 'large import');
    const [rowsAsParsed] = parseLedgerCsv(text, { today: todayUtc() });
    const expected = sha256Hex(genesisParent(id) + canonicalJson(rowsAsParsed));
    assert.deepEqual(json(r), { ledger_commit_hash: expected, parent_hash: genesisParent(id), seq: 1, count: rows });
    assert.deepEqual(await commitsOf(id), [{ hash: expected, seq: 1, tx_count: rows, source: 'cli' }]);
    assert.equal(await transactionsOf(id), rows);
  });

  it('rejects files with a bad row: exit 1, the row named on stderr, nothing written', async () => {
    const [negative, unknown] = [await newPortfolio(), await newPortfolio()];
    const [r, s] = await Promise.all([
      importFile(negative, csv([DEPOSIT, '2025-10-02,BUY,AAPL,-10,150,,USD,,', '2025-10-03,DEPOSIT,,,,5,USD,,'])),
      importFile(unknown, csv([DEPOSIT, '2025-10-02,BUY,NOSUCHSYM,1,10,,USD,,'])),
    ]);
    expectExit(r, 1, 'import with a negative quantity');
    assert.match(r.stderr, /row 2\b/);
    assert.match(r.stderr, /quantity/);
    assert.doesNotMatch(r.stderr, /row [13]\b/, 'only the bad row is blamed');
    assert.equal(r.stdout, '');
    expectExit(s, 1, 'import of an unknown symbol');
    assert.match(s.stderr, /row 2\b/);
    assert.match(s.stderr, /NOSUCHSYM/);
    for (const id of [negative, unknown]) {
      assert.deepEqual(await commitsOf(id), [], 'no commit');
      assert.equal(await transactionsOf(id), 0, 'not even the good rows');
    }
  });

  it('rejects a row the ledger cannot apply (selling more than held) and leaves the chain as it was', async () => {
    const id = await newPortfolio();
    const { head } = await k.transaction((trx) => ledger.insertChain(trx, id, [batch as Transaction[]], 'test'));

    const r = await importFile(id, csv(['2025-10-03,DEPOSIT,,,,100,USD,,', '2025-10-03,SELL,AAPL,11,150,,USD,,']));
    expectExit(r, 1, 'selling 11 of 10 held');
    assert.match(r.stderr, /row 2\b/);
    assert.deepEqual(
      (await commitsOf(id)).map((c) => c.hash),
      [head],
    );
    assert.equal(await transactionsOf(id), 2, 'the good first row of the rejected file was not written either');
  });

  it('fails with exit 1 for a portfolio that does not exist', async () => {
    const r = await importFile('pf_does_not_exist', csv([DEPOSIT]));
    expectExit(r, 1, 'unknown portfolio');
    assert.match(r.stderr, /portfolio_not_found/);
    assert.match(r.stderr, /pf_does_not_exist/);
    assert.equal(
      Number((await k('ledger_commits').where({ portfolio_id: 'pf_does_not_exist' }).count({ n: '*' }))[0]!.n),
      0,
    );
  });

  it('execute prints the response with a result_hash, and the same command gives the same hash', async () => {
    const args = ['portfolio_overview', '--input', 'portfolio_id=pf_demo_usd'];
    const [a, b] = await Promise.all([execute(...args), execute(...args)]);
    expectExit(a, 0, 'first execute');
    expectExit(b, 0, 'second execute');
    const [first, second] = [json(a), json(b)];
    const head = await k('ledger_commits').where({ portfolio_id: 'pf_demo_usd' }).orderBy('seq', 'desc').first('hash');
    const newest = await k('pricing_packs').where({ status: 'fresh' }).orderBy('date', 'desc').first('id');
    assert.equal(first.metadata.pattern_id, 'portfolio_overview');
    assert.match(first.metadata.result_hash, HEX64);
    assert.equal(first.metadata.ledger_commit_hash, head.hash, 'pinned to the portfolio head');
    assert.equal(first.metadata.pricing_pack_id, newest.id, 'pinned to the newest fresh pack');
    assert.equal(first.result.portfolio.id, 'pf_demo_usd');
    assert.ok(first.result.valuation.totals.total_value > 0);

    assert.notEqual(second.metadata.request_id, first.metadata.request_id);
    assert.equal(second.metadata.result_hash, first.metadata.result_hash);
    assert.deepEqual(second.result, first.result);

    if (dialect === 'sqlite') {
      // A different input is a different question, with a different hash.
      const d = await execute(...args, '--input', 'top_n=3');
      expectExit(d, 0, 'execute with top_n=3');
      assert.equal(json(d).result.allocation.top_holdings.length, 3);
      assert.notEqual(json(d).metadata.result_hash, first.metadata.result_hash);
    }
  });

  if (dialect === 'postgres') {
    it('gives the same result_hash on PostgreSQL as on SQLite for the same demo data', async () => {
      const lite = await cliDatabase('sqlite', 'seeded');
      try {
        const args = ['execute', 'portfolio_overview', '--input', 'portfolio_id=pf_demo_cad'];
        const [pg, sq] = await Promise.all([runFolio(args, { env: db.env }), runFolio(args, { env: lite.env })]);
        expectExit(pg, 0, 'execute on PostgreSQL');
        expectExit(sq, 0, 'execute on SQLite');
        assert.equal(json(pg).metadata.result_hash, json(sq).metadata.result_hash);
      } finally {
        await lite.drop();
      }
    });
  }

  // These fail before any data is read; one dialect is enough.
  if (dialect === 'sqlite') {
    it('execute fails with exit 1 on an input of the wrong type, naming the input', async () => {
      const r = await execute('portfolio_overview', '--input', 'portfolio_id=pf_demo_usd', '--input', 'top_n=abc');
      expectExit(r, 1, 'top_n=abc');
      assert.match(r.stderr, /top_n/);
      assert.match(r.stderr, /integer/);
      assert.equal(r.stdout, '');
    });

    it('execute fails with exit 1 for an unknown pattern or portfolio', async () => {
      const [pattern, portfolio] = await Promise.all([
        execute('no_such_pattern', '--input', 'portfolio_id=pf_demo_usd'),
        execute('portfolio_overview', '--input', 'portfolio_id=pf_nobody'),
      ]);
      expectExit(pattern, 1, 'unknown pattern');
      assert.match(pattern.stderr, /pattern_not_found/);
      expectExit(portfolio, 1, 'unknown portfolio');
      assert.match(portfolio.stderr, /portfolio_not_found/);
    });
  }
});

describeEachDb('folio CLI: ledger verify', (dialect) => {
  let db: CliDb & { dataDir: TempDir };
  let k: Knex;
  before(async () => {
    db = await cliDatabase(dialect, 'seeded');
    k = db.open();
  });
  after(async () => {
    await k?.destroy();
    await db?.drop();
  });
  const verify = (...args: string[]) => runFolio(['ledger', 'verify', ...args], { env: db.env });

  it('exits 0 when every stored chain verifies, one line per portfolio or one JSON document', async () => {
    const text = await verify();
    expectExit(text, 0, 'verify all');
    for (const id of ['pf_demo_usd', 'pf_demo_cad', 'pf_demo_eur']) {
      assert.match(text.stdout, new RegExp(`^ok +${id} +13 commit\\(s\\)`, 'm'));
    }
    assert.match(text.stdout, /3 of 3 chain\(s\) verify/);
    const one = await verify('--portfolio', 'pf_demo_eur', '--json');
    expectExit(one, 0, 'verify one');
    const out = json(one);
    assert.equal(out.ok, true);
    assert.deepEqual(
      out.portfolios.map((p: { portfolio_id: string; ok: boolean }) => [p.portfolio_id, p.ok]),
      [['pf_demo_eur', true]],
    );
  });

  it('exits 1 and names the commit when a stored row was changed, and only that portfolio fails', async () => {
    const commit = await k('ledger_commits').where({ portfolio_id: 'pf_demo_cad', seq: 5 }).first('hash');
    await k('transactions').where({ commit_hash: commit.hash, row_index: 3 }).update({ fee: 99 });
    const r = await verify('--json');
    expectExit(r, 1, 'verify after tampering');
    const out = json(r);
    assert.equal(out.ok, false);
    const byId = new Map(out.portfolios.map((p: any) => [p.portfolio_id, p]));
    assert.equal((byId.get('pf_demo_usd') as any).ok, true);
    const cad = byId.get('pf_demo_cad') as any;
    assert.equal(cad.ok, false);
    assert.equal(cad.first_mismatch.seq, 5);
    assert.equal(cad.first_mismatch.commit_hash, commit.hash);
    assert.equal(cad.first_mismatch.problem, 'hash_mismatch');

    const text = await verify('--portfolio', 'pf_demo_cad');
    expectExit(text, 1, 'verify the tampered portfolio');
    assert.match(text.stdout, new RegExp(`^MISMATCH +pf_demo_cad +commit 5 ${commit.hash}: hash_mismatch`, 'm'));
    assert.match(text.stdout, /0 of 1 chain\(s\) verify/);
  });

  it('refuses a file that is not UTF-8 or has a NUL in a note: exit 1, nothing written, chains still verify', async () => {
    const id = (await portfolios.create(k, 'usr_demo', 'cli strings', 'USD')).id;
    const dir = tempDir('folio-cli-strings-');
    try {
      const good = `${HEADER}\n2025-10-01,DEPOSIT,,,,100,USD,,caf`;
      const latin1 = path.join(dir.path, 'latin1.csv');
      fs.writeFileSync(latin1, Buffer.concat([Buffer.from(good), Buffer.from([0xe9, 0x0a])]));
      const nul = path.join(dir.path, 'nul.csv');
      fs.writeFileSync(nul, `${good}\u0000e\n`);
      const a = await runFolio(['ledger', 'import', '--portfolio', id, latin1], { env: db.env });
      expectExit(a, 1, 'latin-1 file');
      assert.match(a.stderr, /is not valid UTF-8/);
      const b = await runFolio(['ledger', 'import', '--portfolio', id, nul], { env: db.env });
      expectExit(b, 1, 'NUL in a note');
      assert.match(b.stderr, /the CSV line 2 contains a NUL character/);
      assert.equal(Number((await k('ledger_commits').where({ portfolio_id: id }).count({ n: '*' }))[0]!.n), 0);
    } finally {
      dir.remove();
    }
    expectExit(await verify('--portfolio', id), 0, 'the untouched chain verifies');
  });

  it('exits 1 for an unknown portfolio and 2 for a stray argument', async () => {
    const missing = await verify('--portfolio', 'pf_nope');
    expectExit(missing, 1, 'unknown portfolio');
    assert.match(missing.stderr, /portfolio_not_found/);
    expectExit(await verify('extra'), 2, 'stray argument');
  });
});
