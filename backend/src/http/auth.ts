import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { ApiKeyAuthenticator } from '../services/authentication.js';

const BEARER = /^Bearer\s+(\S{1,512})$/i;

/** `Authorization: Bearer <api key>`, checked by the authenticator (which remembers known keys). */
export function requireApiKey(authenticator: ApiKeyAuthenticator) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const m = BEARER.exec(req.get('authorization') ?? '');
    if (!m) throw new AppError('unauthorized', 'missing API key: send Authorization: Bearer <api key>');
    req.folio.auth = await authenticator.authenticate(m[1]!);
    next();
  };
}

export function authOf(req: Request) {
  const auth = req.folio.auth;
  if (!auth) throw new AppError('unauthorized', 'not authenticated');
  return auth;
}
