import type { Knex } from 'knex';

/** The stored answer to one keyed request. */
export interface IdempotentAnswer {
  request_hash: string;
  status: number;
  /** The JSON body as sent. */
  response: string;
  created_at: string;
}

/** The answer stored for `key` of `userId` since `since` (ISO-8601 UTC), if any. */
export async function find(db: Knex, userId: string, key: string, since: string): Promise<IdempotentAnswer | null> {
  const row = await db('idempotency_keys')
    .where({ user_id: userId, key })
    .andWhere('created_at', '>=', since)
    .first<IdempotentAnswer | undefined>('request_hash', 'status', 'response', 'created_at');
  return row ?? null;
}

/**
 * Claims `key` for this request inside the write's transaction, before the write: a concurrent
 * duplicate blocks on the primary key until this transaction ends, then fails with a unique
 * violation (or succeeds, if this one rolled back). An expired row of the same key goes first.
 */
export async function claim(
  trx: Knex.Transaction,
  userId: string,
  key: string,
  requestHash: string,
  createdAt: string,
  expiredBefore: string,
): Promise<void> {
  await trx('idempotency_keys').where({ user_id: userId, key }).andWhere('created_at', '<', expiredBefore).delete();
  await trx('idempotency_keys').insert({
    user_id: userId,
    key,
    request_hash: requestHash,
    status: 0,
    response: '',
    created_at: createdAt,
  });
}

/** Records the answer of a claimed key, in the same transaction as the claim. */
export async function answer(
  trx: Knex.Transaction,
  userId: string,
  key: string,
  status: number,
  response: string,
): Promise<void> {
  await trx('idempotency_keys').where({ user_id: userId, key }).update({ status, response });
}

/** Deletes every key stored before `before`; returns how many. */
export async function deleteBefore(db: Knex, before: string): Promise<number> {
  return db('idempotency_keys').where('created_at', '<', before).delete();
}
