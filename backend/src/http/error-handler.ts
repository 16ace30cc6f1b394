import type { NextFunction, Request, Response } from 'express';
import { isRecord } from '../domain/record.js';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { captureServerError } from '../observability/sentry.js';
import { routeTemplate } from './route-template.js';

/** Body-parser failures carry a `type`; they become taxonomy errors here and nowhere else. */
function fromBodyParser(err: { type?: string; limit?: number }): AppError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', `request body exceeds the limit of ${err.limit} bytes`, {
        limit_bytes: err.limit,
      });
    case 'entity.parse.failed':
      return new AppError('invalid_request', 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'unsupported body encoding');
    case 'request.aborted':
      return new AppError('invalid_request', 'request body was not received completely');
    default:
      return null;
  }
}

export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err && typeof err === 'object') {
    const mapped = fromBodyParser(err);
    if (mapped) return mapped;
  }
  return new AppError('internal_error', 'internal error');
}

export function sendError(req: Request, res: Response, e: AppError): void {
  if (e.retryAfterSeconds !== undefined)
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(e.retryAfterSeconds))));
  res.status(e.status).json({
    error: e.code,
    message: e.message,
    details: e.details,
    request_id: req.folio?.requestId,
    trace_id: req.folio?.traceId,
  });
}

/** The matched route pattern, so reports group by endpoint and carry no ids from the path. */
function routeOf(req: Request): string {
  const template = routeTemplate(req);
  return `${req.method} ${template === 'unmatched' ? '(no route)' : template}`;
}

/** The body's pattern id when it names one, for grouping reports; bodies are untyped until parsed. */
function patternIdOf(body: unknown): string | undefined {
  const id = isRecord(body) ? body.pattern_id : undefined;
  return typeof id === 'string' ? id : undefined;
}

export function errorHandler(logger: Logger) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = toAppError(err);
    if (e.status >= 500) {
      logger.error(
        { err, request_id: req.folio?.requestId, trace_id: req.folio?.traceId, code: e.code },
        'request failed',
      );
      captureServerError(err, {
        request_id: req.folio?.requestId ?? '',
        trace_id: req.folio?.traceId ?? '',
        route: routeOf(req),
        pattern_id: patternIdOf(req.body),
        user_id: req.folio?.auth?.user.id,
        request: { method: req.method, url: req.originalUrl, headers: req.headers },
      });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(req, res, e);
  };
}
