import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import type { Authenticated } from '../db/repositories/users.js';
import type { ErrorCode } from '../errors.js';
import { traceIdIn, withRequestId } from '../observability/correlation.js';
import type { RequestTracer } from './request-tracing.js';

/** Per-request values every handler and the error mapper need. */
export interface RequestLocals {
  requestId: string;
  clientRequestId: boolean;
  traceId: string;
  auth?: Authenticated;
  /** The taxonomy code of the error response, once there is one (for metrics). */
  errorCode?: ErrorCode;
  /** The matched route template, once asked for after routing (http/route-template.ts). */
  route?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    folio: RequestLocals;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Execution records are
 * keyed by request id, so time-ordered ids append to the index instead of landing on random
 * pages, which keeps every provenance insert cheap however large the table grows.
 */
export function uuidV7(now = Date.now()): string {
  // A v4 UUID is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx with V already the RFC variant (8, 9, a
  // or b): its last 74 random bits, after the version digit, are exactly the ones v7 needs.
  const ts = now.toString(16).padStart(12, '0');
  return `${ts.slice(0, 8)}-${ts.slice(8)}-7${randomUUID().slice(15)}`;
}
// W3C trace context: version-traceid-parentid-flags, all-zero ids are invalid.
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;

export function traceIdFrom(header: string | undefined): string | null {
  const m = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  // Version ff is forbidden by the spec.
  if (!m || header!.trim().startsWith('ff') || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return m[1]!;
}

/**
 * Accepts a well-formed X-Request-ID (anything else is replaced, never echoed) and joins
 * the caller's trace when a valid traceparent is sent. With tracing on (`traceRequest`), the
 * trace id is the request span's (which already continues a valid traceparent), so responses,
 * stored executions and exported spans agree; the rest of the request runs in the span's
 * context with the request id added, entered once.
 */
export function requestContext(traceRequest: RequestTracer | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get('x-request-id');
    const clientRequestId = given !== undefined && REQUEST_ID.test(given);
    const requestId = clientRequestId ? given : uuidV7();
    const traced = traceRequest?.(req, res);
    // randomUUID draws from a pooled entropy buffer, far cheaper per call than randomBytes.
    const traceId =
      (traced && traceIdIn(traced)) ?? traceIdFrom(req.get('traceparent')) ?? randomUUID().replaceAll('-', '');
    req.folio = { requestId, clientRequestId, traceId };
    res.setHeader('X-Request-ID', requestId);
    withRequestId(traced ?? context.active(), requestId, next);
  };
}
