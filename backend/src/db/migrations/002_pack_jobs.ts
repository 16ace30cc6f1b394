import type { Knex } from 'knex';

/**
 * Pack building as a job: who ran what and how it ended (job_runs), one builder per date
 * across processes on SQLite (job_locks; PostgreSQL uses advisory locks instead), and the
 * positions every portfolio held when a pack was built, which reconciliation compares with a
 * fresh ledger replay.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('pricing_packs', (t) => {
    /** Set when reconciliation last passed; mark-fresh requires it unless forced. */
    t.string('reconciled_at', 32).nullable();
    /** True when the pack was marked fresh without a passing reconciliation. */
    t.boolean('fresh_forced').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('job_runs', (t) => {
    t.string('id', 64).primary();
    t.string('job', 32).notNullable();
    t.string('pack_id', 64).nullable();
    t.string('date', 10).nullable();
    /** running, success, failure, skipped */
    t.string('status', 16).notNullable();
    t.string('started_at', 32).notNullable();
    t.string('finished_at', 32).nullable();
    t.double('duration_seconds').nullable();
    t.string('provider', 64).nullable();
    t.text('error').nullable();
    t.text('details').nullable();
    t.string('host', 255).notNullable();
    t.integer('pid').notNullable();
    t.index(['job', 'status']);
    t.index(['date']);
  });
  await knex.schema.createTable('job_locks', (t) => {
    t.string('name', 128).primary();
    t.string('holder', 200).notNullable();
    t.string('acquired_at', 32).notNullable();
    t.string('expires_at', 32).notNullable();
  });
  await knex.schema.createTable('pack_portfolios', (t) => {
    t.string('pack_id', 64).notNullable().references('id').inTable('pricing_packs').onDelete('CASCADE');
    t.string('portfolio_id', 64).notNullable();
    /** The ledger commit replayed at build time, so reconciliation replays exactly the same history. */
    t.string('ledger_commit_hash', 64).notNullable();
    t.string('base_currency', 3).notNullable();
    /** Net asset value at build time, valued with the snapshot as fetched (before it was stored). */
    t.double('nav').notNullable();
    t.primary(['pack_id', 'portfolio_id']);
  });
  await knex.schema.createTable('pack_positions', (t) => {
    t.string('pack_id', 64).notNullable().references('id').inTable('pricing_packs').onDelete('CASCADE');
    t.string('portfolio_id', 64).notNullable();
    /** `security` (code = symbol) or `cash` (code = currency). */
    t.string('kind', 16).notNullable();
    t.string('code', 32).notNullable();
    t.string('currency', 3).notNullable();
    t.double('quantity').notNullable();
    t.primary(['pack_id', 'portfolio_id', 'kind', 'code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['pack_positions', 'pack_portfolios', 'job_locks', 'job_runs'])
    await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable('pricing_packs', (t) => {
    t.dropColumn('fresh_forced');
    t.dropColumn('reconciled_at');
  });
}
