import type { Knex } from 'knex';
import { z } from 'zod';
import { isUniqueViolation } from '../db/knex.js';
import * as users from '../db/repositories/users.js';
import { nowIso } from '../clock.js';
import { newApiKey } from '../domain/apikey.js';
import { ISO_DATE, isCalendarDate } from '../domain/dates.js';
import { AppError } from '../errors.js';
import { parseOr400 } from '../validation.js';

export type { ApiKeyRow, UserRow } from '../db/repositories/users.js';

/** The user called `username`, for commands run on a user's behalf; unauthorized when there is none. */
export async function requireUser(db: Knex, username: string): Promise<users.User> {
  const user = await users.findByUsername(db, username);
  if (!user) throw new AppError('unauthorized', `no user named ${username}`);
  return user;
}

/** The user called `username`, for the operator's commands that name one; user_not_found otherwise. */
export async function findUser(db: Knex, username: string): Promise<users.User> {
  const user = await users.findByUsername(db, username);
  if (!user) throw new AppError('user_not_found', `no user named ${username}`, { username });
  return user;
}

/** Usernames are plain identifiers (an e-mail address fits), so they print and log unquoted. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const usernameSchema = z
  .string()
  .regex(USERNAME, "must be 1-128 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");

export async function createUser(db: Knex, username: string): Promise<users.UserRow> {
  const name = parseOr400(usernameSchema, username, 'username');
  try {
    const user = await users.insertUser(db, name);
    return { ...user, active_keys: 0 };
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', `a user named ${name} already exists`, { username: name });
    throw e;
  }
}

export const listUsers = (db: Knex): Promise<users.UserRow[]> => users.listUsers(db);

export interface NewApiKeyRequest {
  username: string;
  label?: string | undefined;
  /** YYYY-MM-DD (the key stops working at 00:00 UTC that day) or an ISO-8601 timestamp; in the future. */
  expires?: string | undefined;
}

/** A created key: `api_key` is shown this once and never again (only its hash is stored). */
export type CreatedApiKey = users.ApiKeyRow & { api_key: string };

const labelSchema = z.string().trim().min(1).max(128);

export async function createApiKey(db: Knex, req: NewApiKeyRequest): Promise<CreatedApiKey> {
  const label = parseOr400(labelSchema, req.label ?? 'default', 'label');
  const expiresAt = req.expires === undefined ? null : expiryInstant(req.expires);
  const user = await findUser(db, req.username);
  const apiKey = newApiKey();
  const key = await users.insertKey(db, user.id, apiKey, { label, expiresAt });
  return { ...key, username: user.username, api_key: apiKey };
}

function expiryInstant(text: string): string {
  const at = ISO_DATE.test(text) && isCalendarDate(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime())) {
    throw new AppError('invalid_request', `expires must be YYYY-MM-DD or an ISO-8601 timestamp, got ${text}`);
  }
  const iso = at.toISOString();
  if (iso <= nowIso()) throw new AppError('invalid_request', `expires ${text} is not in the future`);
  return iso;
}

/** Every key (or one user's), without the keys themselves: ids, labels and their state. */
export async function listApiKeys(db: Knex, username?: string): Promise<users.ApiKeyRow[]> {
  const user = username === undefined ? undefined : await findUser(db, username);
  return users.listKeys(db, user?.id);
}

/**
 * Revokes key `id` (again is fine: the first revocation time stays). Serving processes that
 * verified the key recently keep trusting it for at most FOLIO_AUTH_CACHE_TTL_MS.
 */
export async function revokeApiKey(db: Knex, id: string): Promise<users.ApiKeyRow> {
  await users.revokeKey(db, id);
  const key = await users.getKey(db, id);
  if (!key) throw new AppError('api_key_not_found', `no API key with id ${id}`, { api_key_id: id });
  return key;
}
