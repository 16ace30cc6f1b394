import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import { canonicalJson, sha256Hex } from '../domain/canonical.js';
import { invalid } from '../errors.js';
import { idempotent, type IdempotencyKey } from '../services/idempotency.js';
import { authOf } from './auth.js';

/** Printable ASCII, as the IETF Idempotency-Key draft's examples; long enough for a UUID or a hash. */
const KEY = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/**
 * The request's Idempotency-Key, scoped to its user and bound to what was asked; null without
 * the header. Equal JSON bodies match whatever their key order or spacing; CSV bodies match
 * byte for byte.
 */
function idempotencyKeyOf(req: Request): IdempotencyKey | null {
  const key = req.get('idempotency-key');
  if (key === undefined) return null;
  if (!KEY.test(key)) {
    throw invalid('Idempotency-Key must be 1 to 255 printable ASCII characters', { header: 'Idempotency-Key' });
  }
  const body = typeof req.body === 'string' ? req.body : canonicalJson(req.body ?? null);
  const mediaType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const what = [req.method, req.originalUrl, mediaType, body].join('\n');
  return { userId: authOf(req).user.id, key, requestHash: sha256Hex(what) };
}

/**
 * Answers a write with `status` and the JSON of what `write` returns; with an Idempotency-Key,
 * through services/idempotency.ts, so a retry gets the first answer back
 * (`Idempotent-Replayed: true`) instead of writing again.
 */
export async function respondOnce(
  req: Request,
  res: Response,
  db: Knex,
  status: number,
  write: (db: Knex) => Promise<unknown>,
): Promise<void> {
  const key = idempotencyKeyOf(req);
  if (key === null) {
    res.status(status).json(await write(db));
    return;
  }
  const answer = await idempotent(db, key, status, write);
  if (answer.replayed) res.set('Idempotent-Replayed', 'true');
  res.status(answer.status).type('application/json').send(answer.body);
}
