import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { routeTemplate } from './route-template.js';
import { NOISE_PATH } from '../observability/noise.js';

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
 */
export function traceRequests(tracer: Tracer) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (NOISE_PATH.test(req.path)) return next();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    // Attributes are set after sampling, so a request the sampler drops costs no attribute work
    // (the SDK's samplers do not look at them), and its span, which records nothing, needs no end.
    if (span.isRecording()) {
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
      span.setAttributes(attributes);
      // A response emits 'close' once it is done, after 'finish'; unfinished, the client left first.
      res.once('close', () => endServerSpan(span, req, res));
    }
    context.with(trace.setSpan(parent, span), next);
  };
}

function endServerSpan(span: Span, req: Request, res: Response): void {
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
    // Server spans fail on 5xx only: a 4xx is the client's mistake (semantic conventions).
    if (res.statusCode >= 500) {
      span.setAttribute('error.type', String(res.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}
