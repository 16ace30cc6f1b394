import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashApiKey } from '../../domain/apikey.js';
import { nowIso } from './time.js';

export interface User {
  id: string;
  username: string;
}

export interface Authenticated {
  user: User;
  apiKeyId: string;
}

export async function findByApiKey(db: Knex, apiKey: string): Promise<Authenticated | null> {
  const row = await db('api_keys as k')
    .join('users as u', 'u.id', 'k.user_id')
    .where('k.key_hash', hashApiKey(apiKey))
    .whereNull('k.revoked_at')
    .first<{ id: string; username: string; key_id: string } | undefined>(
      'u.id as id',
      'u.username as username',
      'k.id as key_id',
    );
  return row ? { user: { id: row.id, username: row.username }, apiKeyId: row.key_id } : null;
}

export async function findByUsername(db: Knex, username: string): Promise<User | null> {
  const row = await db('users').where({ username }).first<User | undefined>('id', 'username');
  return row ?? null;
}

/** Creates a user with a fresh API key; the key itself is returned once and only its hash is stored. */
export async function createUserWithKey(
  db: Knex,
  username: string,
  apiKey: string = `fk_${randomBytes(24).toString('base64url')}`,
): Promise<{ user: User; apiKey: string }> {
  const user = { id: `usr_${randomUUID()}`, username };
  await db.transaction(async (trx) => {
    await trx('users').insert({ ...user, created_at: nowIso() });
    await trx('api_keys').insert({
      id: `key_${randomUUID()}`,
      user_id: user.id,
      key_hash: hashApiKey(apiKey),
      label: 'default',
      created_at: nowIso(),
    });
  });
  return { user, apiKey };
}
