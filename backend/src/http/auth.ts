import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { findByApiKey } from '../db/repositories/users.js';

const BEARER = /^Bearer\s+(\S{1,512})$/i;

export function requireApiKey(db: Knex) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const m = BEARER.exec(req.get('authorization') ?? '');
    if (!m) throw new AppError('unauthorized', 'missing API key: send Authorization: Bearer <api key>');
    const auth = await findByApiKey(db, m[1]!);
    if (!auth) throw new AppError('unauthorized', 'unknown or revoked API key');
    req.folio.auth = auth;
    next();
  };
}

export function authOf(req: Request) {
  const auth = req.folio.auth;
  if (!auth) throw new AppError('unauthorized', 'not authenticated');
  return auth;
}
