import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { isRecord } from '../domain/record.js';
import { AppError, databaseUnavailable, invalid, isAppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { captureServerError } from '../observability/sentry.js';
import { uuidV7 } from './request-context.js';
import { routeTemplate } from './route-template.js';

/** The `type` http/input-guard.ts gives a body that is not UTF-8, for the mapping below. */
export const INVALID_UTF8 = 'entity.invalid.utf8';

/** Body-parser failures carry a `type`; they become taxonomy errors here and nowhere else. */
function fromBodyParser(err: { type?: string; limit?: number; status?: number; errno?: unknown }): AppError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', `request body exceeds the limit of ${err.limit} bytes`, {
        limit_bytes: err.limit,
      });
    case 'entity.parse.failed':
      return new AppError('invalid_request', 'request body is not valid JSON');
    case INVALID_UTF8:
      return new AppError('invalid_request', 'request body is not valid UTF-8');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'unsupported body encoding');
    case 'request.aborted':
      return new AppError('invalid_request', 'request body was not received completely');
    case 'request.size.invalid':
      return new AppError('invalid_request', 'request body length does not match its Content-Length');
    default:
      // A zlib error (it has an errno) that body-parser marked 400: the body does not decompress.
      if (err.status === 400 && typeof err.errno === 'number') {
        return new AppError('invalid_request', 'request body does not decode with its Content-Encoding');
      }
      return null;
  }
}

/** The taxonomy error a failure is answered with; a database that cannot serve is a 503, not a 500. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  // Body-parser errors first: an aborted upload carries ECONNABORTED, the client's socket, not the database's.
  if (err && typeof err === 'object') {
    const mapped = fromBodyParser(err);
    if (mapped) return mapped;
  }
  return databaseUnavailable(err) ?? new AppError('internal_error', 'internal error');
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

/** What Node's HTTP parser refused, in the taxonomy (the statuses Node itself would send). */
function fromParser(err: { code?: string }): AppError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('headers_too_large', `request headers exceed the limit of ${maxHeaderSize} bytes`, {
        limit_bytes: maxHeaderSize,
      });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('request_timeout', 'the request was not received in time');
    default:
      return invalid('malformed HTTP request');
  }
}

/**
 * The server's 'clientError' listener. Node's parser refuses some requests before express
 * sees them (headers over the size limit, a malformed request line or header, a request
 * timeout) and would answer with a bare status line; this answers with the error envelope
 * like every other error, under fresh request and trace ids, and closes the connection.
 */
export function clientErrorHandler(logger: Logger) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    // Node's own rule: write nothing once a response on this socket has begun.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const e = fromParser(err);
    const requestId = uuidV7();
    logger.info({ code: e.code, parser_error: err.code, request_id: requestId }, 'request refused by the HTTP parser');
    const body = JSON.stringify({
      error: e.code,
      message: e.message,
      details: e.details,
      request_id: requestId,
      trace_id: randomUUID().replaceAll('-', ''),
    });
    socket.end(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-ID: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}
