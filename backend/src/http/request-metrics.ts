import type { NextFunction, Request, Response } from 'express';
import { toAppError } from './error-handler.js';
import { routeTemplate } from './route-template.js';
import { UNKNOWN_PATTERN, type FolioMetrics } from '../observability/metrics.js';

const EXECUTE_ROUTE = '/v1/execute';

/**
 * Records every request on 'finish' by method, route template and status code, and
 * POST /v1/execute also by pattern. Mounted first, so it sees every response.
 */
export function httpMetrics(m: FolioMetrics, knownPatterns: ReadonlySet<string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = routeTemplate(req);
      const code = String(res.statusCode);
      m.httpDuration.observe({ method: req.method, route, code }, seconds);
      m.httpRequests.inc({ method: req.method, route, code });
      if (route !== EXECUTE_ROUTE || req.method !== 'POST') return;
      const requested = (req.body as { pattern_id?: unknown } | undefined)?.pattern_id;
      const pattern = typeof requested === 'string' && knownPatterns.has(requested) ? requested : UNKNOWN_PATTERN;
      m.executeDuration.observe({ pattern }, seconds);
      m.executeRequests.inc({ pattern, code });
      if (res.statusCode >= 400) m.executeErrors.inc({ pattern, error: req.folio.errorCode ?? 'internal_error' });
    });
    next();
  };
}

/** Error middleware placed before the error handler: notes the taxonomy code the response will carry. */
export function noteErrorCode(err: unknown, req: Request, _res: Response, next: NextFunction): void {
  if (req.folio) req.folio.errorCode = toAppError(err).code;
  next(err);
}
