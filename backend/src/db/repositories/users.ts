import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashApiKey } from '../../domain/apikey.js';
import { nowIso } from '../../clock.js';

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

/** True once anyone, demo or real, has an account. */
export async function anyUser(db: Knex): Promise<boolean> {
  return (await db('users').first('id')) !== undefined;
}

export interface NewAccount {
  user: User & { created_at: string };
  /** Only the key's hash is stored. */
  key: { id: string; key_hash: string; label: string; created_at: string };
}

/** Inserts a user with one API key, both or neither. */
export async function insertAccount(db: Knex, account: NewAccount): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('users').insert(account.user);
    await trx('api_keys').insert({ ...account.key, user_id: account.user.id, revoked_at: null });
  });
}

/** Creates a user with a fresh API key; the key itself is returned once and only its hash is stored. */
export async function createUserWithKey(
  db: Knex,
  username: string,
  apiKey: string = `fk_${randomBytes(24).toString('base64url')}`,
): Promise<{ user: User; apiKey: string }> {
  const user = { id: `usr_${randomUUID()}`, username };
  const now = nowIso();
  await insertAccount(db, {
    user: { ...user, created_at: now },
    key: { id: `key_${randomUUID()}`, key_hash: hashApiKey(apiKey), label: 'default', created_at: now },
  });
  return { user, apiKey };
}
