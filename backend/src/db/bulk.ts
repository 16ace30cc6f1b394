import { setImmediate } from 'node:timers/promises';
import type { Knex } from 'knex';
import { dialectOf } from './knex.js';

/**
 * Multi-row inserts for the tables written thousands of rows at a time (a pack's 5,000 prices
 * per date, a ledger import). knex compiles a multi-row SQLite insert as a UNION ALL of
 * SELECTs and a PostgreSQL one as one bind parameter per value, and both are parsed and
 * planned again for every statement: a three-year backfill spent most of its time there. So
 * SQLite runs one prepared statement of SQLITE_ROWS rows, kept by the connection (statement-cache.ts),
 * and PostgreSQL receives each chunk as one JSON array expanded by json_populate_recordset,
 * which converts every value with its column type's own input function, as a bind parameter
 * would (numbers are written in JavaScript's shortest round-trip form either way). A column a
 * row leaves out is NULL, as knex writes it on SQLite.
 */
const SQLITE_ROWS = 100;
/** SQLite's bind-parameter limit per statement. */
const SQLITE_PARAMS = 32_766;
/** Rows per PostgreSQL statement: bounds the JSON text held at once. */
const POSTGRES_ROWS = 5_000;

/** The slice of a better-sqlite3 connection used here. */
interface SqliteConnection {
  prepare(sql: string): { run(params: unknown[]): unknown };
}

/** Inserts `rows` (objects with the same columns) into `table` within the transaction `trx`. */
export async function insertChunked(trx: Knex.Transaction, table: string, rows: readonly object[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = columnsOf(rows);
  if (dialectOf(trx) === 'postgres') {
    const list = columns.map(quote).join(', ');
    const sql = `insert into ${quote(table)} (${list}) select ${list} from json_populate_recordset(null::${quote(table)}, ?::json)`;
    for (let i = 0; i < rows.length; i += POSTGRES_ROWS)
      await trx.raw(sql, [JSON.stringify(rows.slice(i, i + POSTGRES_ROWS))]);
    return;
  }
  // The transaction's own connection, so these statements are part of it.
  const conn = (await (trx.client as Knex.Client).acquireConnection()) as SqliteConnection;
  const size = Math.max(1, Math.min(SQLITE_ROWS, Math.floor(SQLITE_PARAMS / columns.length)));
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size);
    const params: unknown[] = [];
    for (const row of chunk) for (const c of columns) params.push(sqliteValue((row as Record<string, unknown>)[c]));
    try {
      conn.prepare(insertSql(table, columns, chunk.length)).run(params);
    } catch (e) {
      // As knex reports a failed statement: its SQL first (no values: they are bound), so that
      // a log line or an error report says which insert the database refused.
      if (e instanceof Error) e.message = `${insertSql(table, columns, 1)} x ${chunk.length} - ${e.message}`;
      throw e;
    }
  }
}

/** Every column any row names, sorted as knex sorts them; a row without one inserts NULL there. */
function columnsOf(rows: readonly object[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) names.add(k);
  return [...names].sort();
}

function insertSql(table: string, columns: readonly string[], count: number): string {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${Array(count).fill(tuple).join(', ')}`;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A value as knex binds it on SQLite: no value is NULL, booleans are 0/1, dates are epoch milliseconds. */
function sqliteValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.valueOf();
  return v;
}

/**
 * Rows per slice of insertInSlices: on SQLite every statement runs on the event loop, and 500
 * ledger rows (five prepared statements) take a few milliseconds; on PostgreSQL only encoding
 * the JSON does.
 */
export const SLICE_ROWS = 500;

/**
 * Inserts `items` (as `toRow` shapes each) a slice at a time with insertChunked, giving the
 * event loop a turn between slices: on SQLite every statement blocks it, and awaited
 * statements settle as microtasks, so without the turn a long batch holds every other request
 * until it ends.
 */
export async function insertInSlices<T>(
  trx: Knex.Transaction,
  table: string,
  items: readonly T[],
  toRow: (item: T, index: number) => object,
): Promise<void> {
  for (let i = 0; i < items.length; i += SLICE_ROWS) {
    if (i > 0) await setImmediate();
    await insertChunked(
      trx,
      table,
      items.slice(i, i + SLICE_ROWS).map((item, j) => toRow(item, i + j)),
    );
  }
}
