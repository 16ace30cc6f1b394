import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { createDb, migrateLatest } from '../../../src/db/knex.js';
import { hashApiKey } from '../../../src/domain/apikey.js';
import { canonicalJson, hashCanonical } from '../../../src/domain/canonical.js';
import { commitHash, genesisParent } from '../../../src/domain/ledger/commit.js';
import type { Transaction } from '../../../src/domain/ledger/types.js';
import { packContentHash, packIdFor } from '../../../src/domain/pack.js';
import { generateDemo } from '../../../src/demo/generator.js';
import { isDatabaseEmpty, seedDemo, type SeedSummary } from '../../../src/services/demo-seed.js';

const SEED = 424242;
const API_KEY = 'demo-seed-test-key-0123';
const PG_ADMIN_URL = process.env.FOLIO_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Columns one driver returns as strings (PostgreSQL bigint) or as 0/1 (SQLite booleans), compared as numbers. */
const TABLES: Readonly<Record<string, { key: string[]; numeric: string[] }>> = {
  users: { key: ['id'], numeric: [] },
  api_keys: { key: ['id'], numeric: [] },
  securities: { key: ['symbol'], numeric: [] },
  portfolios: { key: ['id'], numeric: [] },
  ledger_commits: { key: ['hash'], numeric: ['seq', 'tx_count'] },
  transactions: { key: ['id'], numeric: ['id', 'commit_seq', 'row_index', 'quantity', 'price', 'amount', 'fee'] },
  pricing_packs: { key: ['id'], numeric: ['price_count', 'fx_count', 'fresh_forced'] },
  prices: { key: ['pack_id', 'symbol'], numeric: ['close'] },
  fx_rates: { key: ['pack_id', 'base', 'quote'], numeric: ['rate'] },
};

type Row = Record<string, unknown>;

async function dump(db: Knex, table: string): Promise<Row[]> {
  const spec = TABLES[table]!;
  const rows: Row[] = await db(table).select('*');
  const normalised = rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, spec.numeric.includes(k) && v !== null ? Number(v) : v])),
  );
  // Sorted here rather than in SQL: PostgreSQL's collation and SQLite's byte order differ.
  const keyOf = (r: Row) => canonicalJson(spec.key.map((k) => r[k]));
  return normalised.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
}

async function contentHash(db: Knex): Promise<string> {
  const all: Record<string, Row[]> = {};
  for (const table of Object.keys(TABLES)) all[table] = await dump(db, table);
  return hashCanonical(all);
}

async function count(db: Knex, table: string): Promise<number> {
  const row = await db(table).count<{ n: number | string }[]>({ n: '*' }).first();
  return Number(row?.n);
}

const toTx = (r: Row): Transaction => ({
  date: r.date as string,
  type: r.type as Transaction['type'],
  symbol: (r.symbol as string | null) ?? null,
  quantity: r.quantity === null ? null : Number(r.quantity),
  price: r.price === null ? null : Number(r.price),
  amount: r.amount === null ? null : Number(r.amount),
  currency: r.currency as string,
  fee: Number(r.fee),
  note: (r.note as string | null) ?? null,
});

function groupByPack(rows: Row[]): Map<string, Row[]> {
  const byPack = new Map<string, Row[]>();
  for (const r of rows) {
    const id = String(r.pack_id);
    const group = byPack.get(id);
    if (group) group.push(r);
    else byPack.set(id, [r]);
  }
  return byPack;
}

interface Target {
  name: string;
  open(): Promise<{ db: Knex; cleanup(): Promise<void> } | string>;
}

const sqliteTarget: Target = {
  name: 'sqlite',
  async open() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-demo-seed-'));
    const db = createDb({ sqliteFile: path.join(dir, 'folio.sqlite') });
    return {
      db,
      cleanup: async () => {
        await db.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgresTarget: Target = {
  name: 'postgres',
  async open() {
    const admin = knexFactory({
      client: 'pg',
      connection: { connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 },
      pool: { min: 0, max: 1 },
    });
    const name = `folio_demo_test_${randomBytes(6).toString('hex')}`;
    try {
      await admin.raw(`create database ${name}`);
    } catch (e) {
      await admin.destroy();
      return (e as Error).message;
    }
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const db = createDb({ DATABASE_URL: url.toString(), sqliteFile: '' });
    return {
      db,
      cleanup: async () => {
        await db.destroy();
        await admin.raw(`drop database if exists ${name} with (force)`);
        await admin.destroy();
      },
    };
  },
};

describe('demo seed', function () {
  const expected = generateDemo({ seed: SEED });
  const hashes = new Map<string, string>();

  for (const target of [sqliteTarget, postgresTarget]) {
    describe(`[${target.name}]`, function () {
      let db: Knex;
      let cleanup: (() => Promise<void>) | undefined;
      let summary: SeedSummary;

      before(async function () {
        const opened = await target.open();
        if (typeof opened === 'string') {
          if (process.env.CI === 'true')
            throw new Error(`PostgreSQL is required under CI=true but unreachable: ${opened}`);
          console.warn(`      skipping demo seed on PostgreSQL: unreachable at ${PG_ADMIN_URL} (${opened})`);
          this.skip();
        }
        ({ db, cleanup } = opened);
        await migrateLatest(db);
        assert.equal(await isDatabaseEmpty(db), true);
        summary = await seedDemo(db, { apiKey: API_KEY, seed: SEED });
      });

      after(async () => {
        await cleanup?.();
      });

      it('writes every table with the expected row counts', async () => {
        assert.equal(summary.seeded, true);
        const days = expected.days.length;
        const txs = expected.portfolios.flatMap((p) => p.batches.flat()).length;
        const commits = expected.portfolios.reduce((n, p) => n + p.batches.length, 0);
        assert.deepEqual(
          {
            users: await count(db, 'users'),
            api_keys: await count(db, 'api_keys'),
            securities: await count(db, 'securities'),
            portfolios: await count(db, 'portfolios'),
            ledger_commits: await count(db, 'ledger_commits'),
            transactions: await count(db, 'transactions'),
            pricing_packs: await count(db, 'pricing_packs'),
            prices: await count(db, 'prices'),
            fx_rates: await count(db, 'fx_rates'),
          },
          {
            users: 1,
            api_keys: 1,
            securities: expected.securities.length,
            portfolios: 3,
            ledger_commits: commits,
            transactions: txs,
            pricing_packs: days,
            prices: days * expected.securities.length,
            fx_rates: days * 5,
          },
        );
        assert.equal(await isDatabaseEmpty(db), false);
        const key = await db('api_keys').first('user_id', 'key_hash', 'label');
        assert.deepEqual(key, { user_id: 'usr_demo', key_hash: hashApiKey(API_KEY), label: 'demo' });
      });

      it('links every ledger chain from its genesis, with hashes that recompute', async () => {
        for (const p of expected.portfolios) {
          const commits = await db('ledger_commits').where({ portfolio_id: p.id }).orderBy('seq');
          assert.equal(commits.length, p.batches.length);
          let parent = genesisParent(p.id);
          for (const [i, c] of commits.entries()) {
            assert.equal(Number(c.seq), i + 1);
            assert.equal(c.parent_hash, parent);
            assert.equal(c.source, 'demo');
            const rows = await db('transactions').where({ commit_hash: c.hash }).orderBy('row_index');
            assert.equal(Number(c.tx_count), rows.length);
            assert.deepEqual(
              rows.map((r: Row) => Number(r.row_index)),
              rows.map((_: Row, j: number) => j),
            );
            const batch = rows.map(toTx);
            assert.deepEqual(batch, p.batches[i]);
            assert.equal(commitHash(parent, batch), c.hash);
            parent = c.hash;
          }
          if (summary.seeded) assert.equal(summary.portfolios.find((s) => s.id === p.id)?.head, parent);
        }
      });

      it('stores packs whose content hashes recompute, the newest fresh', async () => {
        const packs = await db('pricing_packs').orderBy('date');
        const prices = groupByPack(await db('prices').select('pack_id', 'symbol', 'close', 'currency'));
        const fx = groupByPack(await db('fx_rates').select('pack_id', 'base', 'quote', 'rate'));
        for (const pack of packs) {
          assert.equal(pack.id, packIdFor(pack.date));
          const p = (prices.get(pack.id) ?? []).map((r) => ({
            symbol: String(r.symbol),
            close: Number(r.close),
            currency: String(r.currency),
          }));
          const f = (fx.get(pack.id) ?? []).map((r) => ({
            base: String(r.base),
            quote: String(r.quote),
            rate: Number(r.rate),
          }));
          assert.equal(Number(pack.price_count), p.length);
          assert.equal(Number(pack.fx_count), f.length);
          assert.equal(packContentHash(pack.date, p, f), pack.content_hash, pack.id);
        }
        const newest = packs.at(-1);
        assert.deepEqual(
          [newest.id, newest.status, newest.fresh_at],
          ['PP_2025-10-24', 'fresh', '2025-10-24T22:00:00.000Z'],
        );
      });

      it('is idempotent: a second run writes nothing and says so', async () => {
        const before = await contentHash(db);
        const again = await seedDemo(db, { apiKey: 'another-key-entirely', seed: SEED + 1 });
        assert.deepEqual(again, { seeded: false, reason: 'user "demo" already exists' });
        assert.equal(await contentHash(db), before);
        hashes.set(target.name, before);
      });
    });
  }

  // In its own suite so it runs after both dialects' suites have recorded their hashes.
  describe('[both]', () => {
    it('leaves identical data in SQLite and PostgreSQL', function () {
      if (hashes.size < 2) this.skip();
      assert.equal(hashes.get('postgres'), hashes.get('sqlite'));
    });
  });
});
