/** The slice of a better-sqlite3 connection whose statements are reused. */
export interface PreparingConnection {
  prepare(sql: string): unknown;
}

/** Statements kept per connection: every query text the service runs, with room for the `in (...)` lists of a few sizes. */
export const STATEMENT_CACHE_SIZE = 500;
/** Longer texts (a bulk insert of 100 wide rows is about 40,000 characters) still repeat; beyond this they are one-offs. */
const MAX_SQL_CHARS = 100_000;

/**
 * Makes `conn.prepare` hand back the statement it prepared before for the same text, least
 * recently used first out. knex's better-sqlite3 dialect prepares every query anew, and
 * compiling the SQL is a measurable part of a short request (the provenance insert of a cached
 * execute is its only query). Reusing a statement is safe here because knex runs each one to the
 * end synchronously (`all` or `run`, never `iterate`), never sets a mode that sticks to the
 * statement (`raw`, `pluck`, `expand`; `safeIntegers` only for queries that ask, and none do), and
 * SQLite recompiles a statement by itself when the schema it was compiled against changes.
 */
export function reuseStatements<C extends PreparingConnection>(conn: C, size = STATEMENT_CACHE_SIZE): C {
  const prepare = conn.prepare.bind(conn);
  const byText = new Map<string, unknown>();
  conn.prepare = (sql: string): unknown => {
    const kept = byText.get(sql);
    if (kept !== undefined) {
      // A Map iterates in insertion order: moving the hit to the end keeps the oldest first.
      byText.delete(sql);
      byText.set(sql, kept);
      return kept;
    }
    const statement = prepare(sql);
    if (sql.length <= MAX_SQL_CHARS) {
      byText.set(sql, statement);
      if (byText.size > size) byText.delete(byText.keys().next().value as string);
    }
    return statement;
  };
  return conn;
}
