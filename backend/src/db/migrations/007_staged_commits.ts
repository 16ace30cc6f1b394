import type { Knex } from 'knex';

/**
 * A ledger commit can be staged: on SQLite a large import writes its rows in short
 * transactions under a commit that is not yet part of the chain, so the one connection is
 * not held for the whole import (repositories/ledger.ts, appendCommits). While
 * `pending_since` is set the commit and its rows are invisible to every reader; it is the
 * time the import last wrote, so an import that died part way is recognised and removed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ledger_commits', (t) => {
    t.string('pending_since', 32).nullable();
  });
}

/**
 * SQL's own DROP COLUMN (SQLite 3.35 and later): knex drops a SQLite column by copying the
 * table, and dropping the old ledger_commits would cascade to every transaction.
 */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.raw('alter table ledger_commits drop column pending_since');
}
