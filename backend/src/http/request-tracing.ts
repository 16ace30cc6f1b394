import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { Request, Response } from 'express';
import { routeTemplate } from './route-template.js';
import { UnsampledRequest, withUnsampledRequest } from '../observability/kept-traces.js';
import { NOISE_PATH } from '../observability/noise.js';

/**
 * Starts a request's span and returns the context the request is to run in (undefined for the
 * paths that are not traced). http/request-context.ts enters it, together with the request id,
 * so a traced request switches context once.
 */
export type RequestTracer = (req: Request, res: Response) => Context | undefined;

/**
 * The SERVER span of every request, the root of its tree, named `METHOD /route/template` and
 * carrying the stable HTTP semantic-convention attributes. It continues a valid W3C
 * traceparent through the registered propagator.
 *
 * This is a middleware rather than @opentelemetry/instrumentation-http (+ -express): those bind
 * every request and response emitter to the context and build some twenty attributes and one
 * span per router layer, which cost more per request than the whole cached execution
 * (docs/operations.md, Observability overhead, has the figures). Outgoing calls go through fetch, which that
 * instrumentation never covered; provider calls have their own spans.
 *
 * A request the sampler drops still gets its server span when it fails (5xx, aborted) or takes
 * longer than `keepSlowerThanMs` (FOLIO_TRACE_SLOW_MS): it is recorded when the response ends,
 * as observability/kept-traces.ts describes.
 */
export function traceRequests(tracer: Tracer, keepSlowerThanMs: number): RequestTracer {
  return (req, res) => {
    if (NOISE_PATH.test(req.path)) return undefined;
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    let active = trace.setSpan(parent, span);
    // Attributes are set after sampling, so a request the sampler drops costs no attribute work
    // (the SDK's samplers do not look at them), and its span, which records nothing, needs no end.
    // A response emits 'close' once it is done, after 'finish'; unfinished, the client left first.
    if (span.isRecording()) {
      span.setAttributes(requestAttributes(req));
      res.once('close', () => endServerSpan(span, req, res));
    } else {
      // Errors and slow requests are recorded after the fact (observability/kept-traces.ts).
      const unsampled = new UnsampledRequest(span.spanContext(), parent);
      active = withUnsampledRequest(active, unsampled);
      res.once('close', () => {
        const ended = performance.now();
        const why = failed(res) ? 'error' : ended - unsampled.started > keepSlowerThanMs ? 'slow' : undefined;
        if (!why) return;
        const options = { kind: SpanKind.SERVER, attributes: requestAttributes(req) };
        endServerSpan(unsampled.record(tracer, req.method, options, why), req, res, ended);
      });
    }
    return active;
  };
}

function requestAttributes(req: Request): Attributes {
  const attributes: Attributes = {
    'http.request.method': req.method,
    'url.path': req.path,
    'url.scheme': req.protocol,
    'network.protocol.version': req.httpVersion,
    'server.port': req.socket.localPort,
  };
  if (req.socket.remoteAddress) attributes['client.address'] = req.socket.remoteAddress;
  const userAgent = req.headers['user-agent'];
  if (userAgent) attributes['user_agent.original'] = userAgent;
  return attributes;
}

/** Server spans fail on 5xx and on a client that left before the response; a 4xx is the client's mistake. */
const failed = (res: Response): boolean => !res.writableFinished || res.statusCode >= 500;

function endServerSpan(span: Span, req: Request, res: Response, endTime?: number): void {
  const route = routeTemplate(req);
  if (route !== 'unmatched') {
    span.updateName(`${req.method} ${route}`);
    span.setAttribute('http.route', route);
  }
  if (!res.writableFinished) {
    span.setAttribute('error.type', 'aborted');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
  } else {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (failed(res)) {
      span.setAttribute('error.type', String(res.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end(endTime);
}
