import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashApiKey, newApiKey } from '../../domain/apikey.js';
import { nowIso } from '../../clock.js';
import { announce } from '../changes.js';

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
    // ISO-8601 UTC timestamps of one width compare as text in both dialects.
    .andWhere((q) => {
      void q.whereNull('k.expires_at').orWhere('k.expires_at', '>', nowIso());
    })
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
  apiKey: string = newApiKey(),
): Promise<{ user: User; apiKey: string }> {
  const user = { id: `usr_${randomUUID()}`, username };
  const now = nowIso();
  await insertAccount(db, {
    user: { ...user, created_at: now },
    key: { id: `key_${randomUUID()}`, key_hash: hashApiKey(apiKey), label: 'default', created_at: now },
  });
  return { user, apiKey };
}

/** A user as the operator lists them. */
export interface UserRow extends User {
  created_at: string;
  /** Keys neither revoked nor expired. */
  active_keys: number;
}

/** An API key's record; the key itself is never stored, only its hash (which is not listed either). */
export interface ApiKeyRow {
  id: string;
  username: string;
  label: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const KEY_COLUMNS = [
  'k.id as id',
  'u.username as username',
  'k.label as label',
  'k.created_at as created_at',
  'k.expires_at as expires_at',
  'k.revoked_at as revoked_at',
] as const;

/** Inserts a user without keys; a taken username is a unique violation. */
export async function insertUser(db: Knex, username: string): Promise<User & { created_at: string }> {
  const user = { id: `usr_${randomUUID()}`, username, created_at: nowIso() };
  await db('users').insert(user);
  return user;
}

export async function listUsers(db: Knex): Promise<UserRow[]> {
  const now = nowIso();
  const rows = await db('users as u')
    .leftJoin('api_keys as k', (j) =>
      j
        .on('k.user_id', '=', 'u.id')
        .andOnNull('k.revoked_at')
        .andOn((o) => o.onNull('k.expires_at').orOn('k.expires_at', '>', db.raw('?', [now]))),
    )
    .groupBy('u.id', 'u.username', 'u.created_at')
    .orderBy('u.username')
    .select<{ id: string; username: string; created_at: string; active_keys: number | string }[]>(
      'u.id as id',
      'u.username as username',
      'u.created_at as created_at',
      db.raw('count(k.id) as active_keys'),
    );
  return rows.map((r) => ({ ...r, active_keys: Number(r.active_keys) }));
}

/** Stores a new key for `userId` by its hash; the caller hands the key itself out once. */
export async function insertKey(
  db: Knex,
  userId: string,
  apiKey: string,
  opts: { label: string; expiresAt: string | null },
): Promise<Omit<ApiKeyRow, 'username'>> {
  const key = {
    id: `key_${randomUUID()}`,
    label: opts.label,
    created_at: nowIso(),
    expires_at: opts.expiresAt,
    revoked_at: null,
  };
  await db('api_keys').insert({ ...key, user_id: userId, key_hash: hashApiKey(apiKey) });
  return key;
}

/** Every key, or one user's, oldest first. */
export async function listKeys(db: Knex, userId?: string): Promise<ApiKeyRow[]> {
  const q = db('api_keys as k').join('users as u', 'u.id', 'k.user_id');
  if (userId !== undefined) q.where('k.user_id', userId);
  return q.orderBy([{ column: 'k.created_at' }, { column: 'k.id' }]).select<ApiKeyRow[]>(KEY_COLUMNS);
}

export async function getKey(db: Knex, id: string): Promise<ApiKeyRow | null> {
  const row = await db('api_keys as k')
    .join('users as u', 'u.id', 'k.user_id')
    .where('k.id', id)
    .first<ApiKeyRow | undefined>(KEY_COLUMNS);
  return row ?? null;
}

/** Marks the key revoked unless it already is; the record stays, so the listing shows when. */
export async function revokeKey(db: Knex, id: string): Promise<void> {
  await db.transaction(async (trx) => {
    const revoked = await trx('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: nowIso() });
    if (revoked > 0) await announce(trx, { kind: 'key', id });
  });
}
