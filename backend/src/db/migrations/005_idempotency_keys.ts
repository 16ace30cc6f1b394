import type { Knex } from 'knex';

/**
 * Idempotent writes: the answer to a POST sent with an Idempotency-Key, stored in the same
 * transaction as the write it answers, so a retry on any replica gets it back. The primary
 * key makes concurrent duplicates wait for the first and then read its answer.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('user_id', 64).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('key', 255).notNullable();
    /** SHA-256 of the request (method, path with query, media type, body): the same key with another request is refused. */
    t.string('request_hash', 64).notNullable();
    t.integer('status').notNullable();
    /** The JSON body sent back. */
    t.text('response').notNullable();
    t.string('created_at', 32).notNullable();
    t.primary(['user_id', 'key']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
