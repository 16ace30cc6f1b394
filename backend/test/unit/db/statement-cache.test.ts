import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createDb } from '../../../src/db/knex.js';
import { reuseStatements, STATEMENT_CACHE_SIZE, type PreparingConnection } from '../../../src/db/statement-cache.js';

describe('SQLite statement reuse', () => {
  let db: Knex;
  let conn: PreparingConnection;

  beforeEach(async () => {
    db = createDb({ sqliteFile: ':memory:' });
    conn = (await (db.client as Knex.Client).acquireConnection()) as typeof conn;
    await (db.client as Knex.Client).releaseConnection(conn);
  });
  afterEach(() => db.destroy());

  it('prepares a query text once per connection, through knex', async () => {
    await db.schema.createTable('t', (t) => {
      t.integer('a');
    });
    const sql = 'select `a` from `t` where `a` = ?';
    const before = conn.prepare(sql);
    for (let i = 0; i < 3; i++) await db('t').select('a').where('a', i);
    assert.equal(conn.prepare(sql), before);
  });

  it('keeps answering correctly when the schema changes under a kept statement', async () => {
    await db.schema.createTable('t', (t) => {
      t.integer('a');
    });
    await db('t').insert({ a: 1 });
    assert.deepEqual(await db('t').select('*'), [{ a: 1 }]);
    await db.schema.alterTable('t', (t) => {
      t.integer('b').defaultTo(7);
    });
    assert.deepEqual(await db('t').select('*'), [{ a: 1, b: 7 }]);
    await db.schema.dropTable('t');
    await assert.rejects(db('t').select('*'), /no such table/);
    await db.schema.createTable('t', (t) => {
      t.text('c');
    });
    await db('t').insert({ c: 'x' });
    assert.deepEqual(await db('t').select('*'), [{ c: 'x' }]);
  });

  it('a statement that failed is reused and runs again', async () => {
    await db.schema.createTable('t', (t) => {
      t.integer('a').primary();
    });
    await db('t').insert({ a: 1 });
    await assert.rejects(db('t').insert({ a: 1 }), /UNIQUE/);
    await db('t').insert({ a: 2 });
    assert.deepEqual(await db('t').select('a').orderBy('a'), [{ a: 1 }, { a: 2 }]);
  });

  it('drops the least recently used statement first, and keeps the bound', () => {
    const prepared: string[] = [];
    const raw = { prepare: (sql: string) => (prepared.push(sql), { sql }) };
    const c = reuseStatements(raw, 2);
    const a = c.prepare('a');
    c.prepare('b');
    assert.equal(c.prepare('a'), a, 'a hit');
    c.prepare('c'); // evicts b, the least recently used
    assert.equal(c.prepare('a'), a);
    c.prepare('b');
    assert.deepEqual(prepared, ['a', 'b', 'c', 'b']);
    assert.ok(STATEMENT_CACHE_SIZE >= 100);
  });

  it('does not keep one-off texts longer than 100,000 characters', () => {
    let count = 0;
    const c = reuseStatements({ prepare: (_sql: string) => ({ n: ++count }) });
    const long = `select ${'1, '.repeat(40_000)}1`;
    assert.notEqual(c.prepare(long), c.prepare(long));
    assert.equal(count, 2);
  });
});
