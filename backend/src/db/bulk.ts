import type { Knex } from 'knex';
import { dialectOf, type Dialect } from './knex.js';

/**
 * Rows per INSERT. knex writes a multi-row SQLite insert as a UNION ALL of SELECTs, which
 * SQLite caps at 500 terms; both dialects cap bind parameters per statement.
 */
const INSERT_LIMITS: Readonly<Record<Dialect, { rows: number; params: number }>> = {
  sqlite: { rows: 500, params: 32_766 },
  postgres: { rows: 5_000, params: 65_535 },
};

export async function insertChunked(trx: Knex.Transaction, table: string, rows: readonly object[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const limits = INSERT_LIMITS[dialectOf(trx)];
  const size = Math.max(1, Math.min(limits.rows, Math.floor(limits.params / Object.keys(first).length)));
  for (let i = 0; i < rows.length; i += size) await trx(table).insert(rows.slice(i, i + size));
}
