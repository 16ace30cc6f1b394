import type { Knex } from 'knex';

/**
 * Circuit-breaker events of job runs in processes Prometheus does not scrape (`folio
 * build-pack` from cron, a `folio scheduler` process): each run stores the events of its
 * process's breakers, and every service exports their sum at scrape time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_breaker_events', (t) => {
    t.string('run_id', 64).notNullable().references('id').inTable('job_runs').onDelete('CASCADE');
    t.string('breaker', 64).notNullable();
    /** success, failure, timeout, reject, fallback, open, half_open, close */
    t.string('event', 16).notNullable();
    t.integer('n').notNullable();
    t.primary(['run_id', 'breaker', 'event']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_breaker_events');
}
