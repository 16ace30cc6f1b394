import { context, createContextKey, isSpanContextValid, trace, type Context } from '@opentelemetry/api';

/**
 * Ties log lines to the request and trace they belong to. The request id rides in the
 * OpenTelemetry context, so it follows the request across awaits once a context manager is
 * registered (the tracing SDK's or Sentry's); without one, context.with only calls through.
 */
const REQUEST_ID = createContextKey('folio.request_id');

/** Runs `fn` (the rest of a request's handling) in `ctx` with `requestId` added. */
export function withRequestId<T>(ctx: Context, requestId: string, fn: () => T): T {
  return context.with(ctx.setValue(REQUEST_ID, requestId), fn);
}

/** The trace id of the span in `ctx`, when there is one. */
export function traceIdIn(ctx: Context): string | undefined {
  const sc = trace.getSpan(ctx)?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** The trace id of the current span, when there is one. */
export const activeTraceId = (): string | undefined => traceIdIn(context.active());

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
