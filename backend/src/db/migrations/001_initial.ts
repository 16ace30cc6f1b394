import type { Knex } from 'knex';

/*
 * Dates are ISO strings (YYYY-MM-DD) and timestamps ISO-8601 UTC strings in both dialects,
 * so values read back identically from SQLite and PostgreSQL and hash the same.
 * Amounts are double precision: the inputs are decimal strings of at most 15 significant
 * digits, which a double round-trips exactly.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.string('id', 64).primary();
    t.string('username', 128).notNullable().unique();
    t.string('created_at', 32).notNullable();
  });
  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 64).primary();
    t.string('user_id', 64).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('key_hash', 64).notNullable().unique();
    t.string('label', 128).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('revoked_at', 32).nullable();
  });
  await knex.schema.createTable('portfolios', (t) => {
    t.string('id', 64).primary();
    t.string('user_id', 64).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.string('base_currency', 3).notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['user_id']);
  });
  await knex.schema.createTable('securities', (t) => {
    t.string('symbol', 32).primary();
    t.string('name', 200).notNullable();
    t.string('sector', 100).notNullable();
    t.string('currency', 3).notNullable();
    t.string('asset_class', 50).notNullable();
  });
  await knex.schema.createTable('ledger_commits', (t) => {
    t.string('hash', 64).primary();
    t.string('portfolio_id', 64).notNullable().references('id').inTable('portfolios').onDelete('CASCADE');
    t.string('parent_hash', 64).notNullable();
    /** Position in the portfolio's chain, from 1; unique so two concurrent imports cannot fork it. */
    t.integer('seq').notNullable();
    t.integer('tx_count').notNullable();
    t.string('source', 64).notNullable();
    t.string('created_at', 32).notNullable();
    t.unique(['portfolio_id', 'seq']);
  });
  await knex.schema.createTable('transactions', (t) => {
    t.bigIncrements('id').primary();
    t.string('commit_hash', 64).notNullable().references('hash').inTable('ledger_commits').onDelete('CASCADE');
    t.string('portfolio_id', 64).notNullable();
    t.integer('commit_seq').notNullable();
    t.integer('row_index').notNullable();
    t.string('date', 10).notNullable();
    t.string('type', 16).notNullable();
    t.string('symbol', 32).nullable();
    t.double('quantity').nullable();
    t.double('price').nullable();
    t.double('amount').nullable();
    t.string('currency', 3).notNullable();
    t.double('fee').notNullable();
    t.string('note', 500).nullable();
    t.index(['portfolio_id', 'commit_seq']);
  });
  await knex.schema.createTable('pricing_packs', (t) => {
    t.string('id', 64).primary();
    t.string('date', 10).notNullable();
    t.string('status', 16).notNullable();
    t.string('content_hash', 64).nullable();
    t.string('source', 64).notNullable();
    t.integer('price_count').notNullable().defaultTo(0);
    t.integer('fx_count').notNullable().defaultTo(0);
    t.string('created_at', 32).notNullable();
    t.string('fresh_at', 32).nullable();
    t.string('error', 2000).nullable();
    t.index(['date']);
    t.index(['status', 'date']);
  });
  await knex.schema.createTable('prices', (t) => {
    t.string('pack_id', 64).notNullable().references('id').inTable('pricing_packs').onDelete('CASCADE');
    t.string('symbol', 32).notNullable();
    t.double('close').notNullable();
    t.string('currency', 3).notNullable();
    t.primary(['pack_id', 'symbol']);
  });
  await knex.schema.createTable('fx_rates', (t) => {
    t.string('pack_id', 64).notNullable().references('id').inTable('pricing_packs').onDelete('CASCADE');
    /** One unit of `base` costs `rate` units of `quote`. */
    t.string('base', 3).notNullable();
    t.string('quote', 3).notNullable();
    t.double('rate').notNullable();
    t.primary(['pack_id', 'base', 'quote']);
  });
  await knex.schema.createTable('executions', (t) => {
    // Request ids are chosen by clients, so they are unique per user, not globally.
    t.string('request_id', 128).notNullable();
    t.string('user_id', 64).notNullable();
    t.string('pattern_id', 100).notNullable();
    t.string('pattern_version', 32).notNullable();
    t.text('inputs_json').notNullable();
    t.string('pricing_pack_id', 64).nullable();
    t.string('ledger_commit_hash', 64).nullable();
    t.string('asof_date', 10).nullable();
    t.boolean('require_fresh').notNullable();
    t.string('status', 16).notNullable();
    t.string('error_code', 64).nullable();
    t.string('result_hash', 64).nullable();
    t.boolean('cached').notNullable();
    t.string('trace_id', 32).nullable();
    t.double('duration_ms').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('replay_of', 128).nullable();
    t.primary(['user_id', 'request_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'executions',
    'fx_rates',
    'prices',
    'pricing_packs',
    'transactions',
    'ledger_commits',
    'securities',
    'portfolios',
    'api_keys',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
