import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';
import { findByApiKey, type Authenticated } from '../db/repositories/users.js';
import { hashApiKey } from '../domain/apikey.js';

const BEARER = /^Bearer\s+(\S{1,512})$/i;

/**
 * Known keys are remembered for `ttlMs` so the hot path does not query for every request;
 * a revoked key therefore stops working within that time. Unknown keys are never cached.
 */
export function requireApiKey(db: Knex, ttlMs: number) {
  const known = ttlMs > 0 ? new LRUCache<string, Authenticated>({ max: 10_000, ttl: ttlMs }) : null;
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const m = BEARER.exec(req.get('authorization') ?? '');
    if (!m) throw new AppError('unauthorized', 'missing API key: send Authorization: Bearer <api key>');
    const key = m[1]!;
    // Remembered by digest, so no plaintext key stays in the heap.
    const digest = hashApiKey(key);
    let auth = known?.get(digest);
    if (!auth) {
      const found = await findByApiKey(db, key);
      if (!found) throw new AppError('unauthorized', 'unknown or revoked API key');
      known?.set(digest, found);
      auth = found;
    }
    req.folio.auth = auth;
    next();
  };
}

export function authOf(req: Request) {
  const auth = req.folio.auth;
  if (!auth) throw new AppError('unauthorized', 'not authenticated');
  return auth;
}
