import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { invalid } from '../errors.js';
import { checkJsonInput, unstorable } from '../validation.js';
import { INVALID_UTF8 } from './error-handler.js';

/**
 * Every path segment must percent-decode, and every path segment and query value must pass
 * the string rule, before any route reads it: ids reach SQL, and a NUL that SQLite takes
 * would make PostgreSQL fail.
 */
export function guardPathAndQuery(req: Request, _res: Response, next: NextFunction): void {
  const path = req.path;
  // Without a percent sign nothing decodes, and a NUL or lone surrogate is one in the whole path
  // exactly when it is one in a segment: the common path is checked in one piece.
  for (const segment of path.includes('%') ? path.split('/') : [path]) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw invalid('the path has malformed percent-encoding');
    }
    const bad = unstorable(decoded);
    if (bad) throw invalid(`a path segment ${bad.reason}`);
  }
  // req.query parses the query string anew on every read; most requests have none.
  if (!req.originalUrl.includes('?')) return next();
  for (const [key, value] of Object.entries(req.query)) {
    for (const text of [key, ...(Array.isArray(value) ? value : [value])]) {
      const bad = typeof text === 'string' ? unstorable(text) : null;
      if (bad) throw invalid(`query parameter ${JSON.stringify(key)} ${bad.reason}`, { field: key });
    }
  }
  next();
}

/** A parsed JSON body passes the nesting limit and the string rule (validation.ts) before any use. */
export function guardJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (typeof req.body === 'object' && req.body !== null) checkJsonInput(req.body, 'body');
  next();
}

/**
 * body-parser's `verify` hook: a UTF-8 body must be UTF-8, not silently decoded with U+FFFD
 * in place of the bad bytes. Thrown with a `type`, as body-parser errors are, so the error
 * handler maps it like theirs.
 */
export function verifyUtf8(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string | null): void {
  if ((encoding === null || encoding.toLowerCase() === 'utf-8') && !isUtf8(body)) {
    throw Object.assign(new Error('request body is not valid UTF-8'), { type: INVALID_UTF8 });
  }
}
