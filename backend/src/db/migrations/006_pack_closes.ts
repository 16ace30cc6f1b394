import type { Knex } from 'knex';
import { writeCloses } from '../repositories/pack-closes.js';

/**
 * The closes of each pack in compact form (repositories/pack-closes.ts), so a history reads
 * one row per pack rather than one per close. Packs already written get theirs here, from
 * their rows in `prices`; a pack without them for its current content (written by a version
 * that predates this migration, still running during a deploy) is read from `prices`, as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pack_symbol_lists', (t) => {
    /** SHA-256 (hex) of `symbols`. */
    t.string('id', 64).primary();
    /** The symbols, one per line, in code-unit order. */
    t.text('symbols').notNullable();
  });
  await knex.schema.createTable('pack_closes', (t) => {
    t.string('pack_id', 64).primary().references('id').inTable('pricing_packs').onDelete('CASCADE');
    /** The pack's content hash when these were written: they are read only while it is still the pack's. */
    t.string('content_hash', 64).notNullable();
    t.string('symbol_list_id', 64).notNullable().references('id').inTable('pack_symbol_lists');
    /** One little-endian float64 per symbol of the list, in its order. */
    t.binary('closes').notNullable();
  });
  const packs = await knex('pricing_packs').orderBy('id').select<{ id: string }[]>('id');
  await writeCloses(
    knex,
    packs.map((p) => p.id),
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pack_closes');
  await knex.schema.dropTable('pack_symbol_lists');
}
