import type { Knex } from 'knex';
import { isoSecondsFromNow, nowIso } from '../clock.js';
import { isUniqueViolation } from '../db/knex.js';
import * as keys from '../db/repositories/idempotency-keys.js';
import { AppError } from '../errors.js';

/** How long a key's answer is kept and replayed. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

/** One keyed request: the key is the caller's, so it is scoped to the user who sent it. */
export interface IdempotencyKey {
  userId: string;
  key: string;
  /** SHA-256 of what was asked (method, path, media type, body). */
  requestHash: string;
}

/** What to answer: the JSON body as text, and whether it is the stored answer of an earlier request. */
export interface Answer {
  status: number;
  body: string;
  replayed: boolean;
}

/**
 * Runs `write` at most once per key within the window. The key is claimed in the write's own
 * transaction, so either both are stored or neither: a retry after the answer was lost gets the
 * stored answer back, from any process on the database, and a concurrent duplicate waits for
 * the first and then reads its answer. A failed write stores nothing, so its retry runs again.
 */
export async function idempotent(
  db: Knex,
  key: IdempotencyKey,
  status: number,
  write: (db: Knex) => Promise<unknown>,
): Promise<Answer> {
  const since = isoSecondsFromNow(-IDEMPOTENCY_WINDOW_SECONDS);
  const stored = await keys.find(db, key.userId, key.key, since);
  if (stored) return replay(stored, key);
  try {
    return await db.transaction(async (trx) => {
      await keys.claim(trx, key.userId, key.key, key.requestHash, nowIso(), since);
      const body = JSON.stringify(await write(trx));
      await keys.answer(trx, key.userId, key.key, status, body);
      return { status, body, replayed: false };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Either a concurrent duplicate committed first, or the write itself broke a constraint.
    const winner = await keys.find(db, key.userId, key.key, since);
    if (!winner) throw err;
    return replay(winner, key);
  }
}

function replay(stored: keys.IdempotentAnswer, key: IdempotencyKey): Answer {
  if (stored.request_hash !== key.requestHash) {
    throw new AppError(
      'idempotency_key_reused',
      'this Idempotency-Key was used for a different request in the last 24 hours; use a new key',
      { idempotency_key: key.key, first_used_at: stored.created_at },
    );
  }
  return { status: stored.status, body: stored.response, replayed: true };
}

/** Forgets the keys older than the window; returns how many. */
export function purgeExpiredIdempotencyKeys(db: Knex): Promise<number> {
  return keys.deleteBefore(db, isoSecondsFromNow(-IDEMPOTENCY_WINDOW_SECONDS));
}
