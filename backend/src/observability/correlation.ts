import { context, createContextKey, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * Ties log lines to the request and trace they belong to. The request id rides in the
 * OpenTelemetry context, so it follows the request across awaits once the tracing SDK has
 * registered a context manager; without one, nothing would carry it, so nothing is done.
 */
const REQUEST_ID = createContextKey('folio.request_id');
let carried = false;

/** Called by the tracing start-up once a context manager is registered. */
export function carryRequestIds(): void {
  carried = true;
}

/** Runs `fn` (the rest of a request's handling) with `requestId` in its context. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return carried ? context.with(context.active().setValue(REQUEST_ID, requestId), fn) : fn();
}

/** The trace id of the current span, when there is one. */
export function activeTraceId(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}

export interface LogCorrelation {
  trace_id?: string;
  span_id?: string;
  request_id?: string;
}

/** Fields for the current log line; a fresh object each time, because pino merges into it. */
export function logCorrelation(): LogCorrelation {
  const active = context.active();
  const fields: LogCorrelation = {};
  const sc = trace.getSpan(active)?.spanContext();
  if (sc && isSpanContextValid(sc)) {
    fields.trace_id = sc.traceId;
    fields.span_id = sc.spanId;
  }
  const requestId = active.getValue(REQUEST_ID);
  if (typeof requestId === 'string') fields.request_id = requestId;
  return fields;
}
