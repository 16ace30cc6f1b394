import type { Knex } from 'knex';

/**
 * Accounts and portfolios managed without SQL: API keys may expire, portfolios may be
 * archived (they keep their ledger and stay executable, but take no more imports), and a
 * security records its optional ISIN and FIGI.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    /** The key stops working at this instant (ISO-8601 UTC); null: it never expires. */
    t.string('expires_at', 32).nullable();
  });
  await knex.schema.alterTable('portfolios', (t) => {
    t.string('archived_at', 32).nullable();
  });
  await knex.schema.alterTable('securities', (t) => {
    t.string('isin', 12).nullable();
    t.string('figi', 12).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('securities', (t) => {
    t.dropColumn('figi');
    t.dropColumn('isin');
  });
  await knex.schema.alterTable('portfolios', (t) => {
    t.dropColumn('archived_at');
  });
  await knex.schema.alterTable('api_keys', (t) => {
    t.dropColumn('expires_at');
  });
}
