import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { requestContext } from '../../../src/http/request-context.js';
import { traceRequests } from '../../../src/http/request-tracing.js';
import { headSampler, KeepingSampler, keptIds } from '../../../src/observability/kept-traces.js';

describe('server spans (traceRequests)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: Server;
  let base: string;
  let release: (() => void) | null = null;

  before(async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const app = express();
    app.use(requestContext(traceRequests(provider.getTracer('test'), 60_000)));
    app.get('/items/:id', (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/boom', (_req, res) => {
      res.status(503).json({ error: 'dependency_unavailable' });
    });
    app.get('/slow', (_req, res) => {
      release = () => res.end('late');
    });
    app.get(['/health/live', '/metrics'], (_req, res) => {
      res.end('ok');
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    propagation.disable();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => exporter.reset());

  const finished = async (count: number): Promise<ReadableSpan[]> => {
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++)
      await new Promise((r) => setTimeout(r, 10));
    return exporter.getFinishedSpans();
  };

  it('names the span by route template, never by the path with its ids, and continues the caller’s trace', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await fetch(`${base}/items/pf_secret_42?x=1`, { headers: { traceparent, 'user-agent': 'probe/1.0' } });
    assert.equal(res.status, 200);
    const [span] = await finished(1);
    assert.equal(span!.name, 'GET /items/:id');
    assert.equal(span!.kind, SpanKind.SERVER);
    assert.equal(span!.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(span!.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.deepEqual(
      { ...span!.attributes, 'client.address': undefined, 'server.port': undefined },
      {
        'http.request.method': 'GET',
        'http.route': '/items/:id',
        'http.response.status_code': 200,
        'url.path': '/items/pf_secret_42',
        'url.scheme': 'http',
        'network.protocol.version': '1.1',
        'user_agent.original': 'probe/1.0',
        'client.address': undefined,
        'server.port': undefined,
      },
    );
    assert.ok(!JSON.stringify(span!.attributes).includes('x=1'), 'the query string is not recorded');
    assert.equal(span!.status.code, SpanStatusCode.UNSET);
  });

  it('sets ERROR with error.type on a 5xx, and keeps an unmatched path’s name to the method', async () => {
    assert.equal((await fetch(`${base}/boom`)).status, 503);
    assert.equal((await fetch(`${base}/no/such/route`)).status, 404);
    const spans = await finished(2);
    const boom = spans.find((s) => s.attributes['url.path'] === '/boom')!;
    assert.equal(boom.status.code, SpanStatusCode.ERROR);
    assert.equal(boom.attributes['error.type'], '503');
    const missing = spans.find((s) => s.attributes['url.path'] === '/no/such/route')!;
    assert.equal(missing.name, 'GET');
    assert.equal(missing.status.code, SpanStatusCode.UNSET);
    assert.equal(missing.attributes['http.route'], undefined);
  });

  it('ends the span as ERROR when the client leaves before the response', async () => {
    const controller = new AbortController();
    const pending = fetch(`${base}/slow`, { signal: controller.signal }).catch((e: unknown) => e);
    for (let i = 0; i < 100 && !release; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(release, 'the request reached its handler');
    controller.abort();
    await pending;
    const [span] = await finished(1);
    assert.equal(span!.status.code, SpanStatusCode.ERROR);
    assert.equal(span!.attributes['error.type'], 'aborted');
    assert.equal(span!.attributes['http.response.status_code'], undefined);
    release();
    release = null;
  });

  it('makes no span for health checks and metrics scrapes', async () => {
    await (await fetch(`${base}/health/live`)).text();
    await (await fetch(`${base}/metrics`)).text();
    await (await fetch(`${base}/items/1`)).text();
    const spans = await finished(1);
    assert.deepEqual(
      spans.map((s) => s.name),
      ['GET /items/:id'],
    );
  });
});

describe('server spans of requests the sampler drops (traceRequests, 0% sampled)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new KeepingSampler(
      headSampler({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: 0 }),
    ),
    idGenerator: keptIds,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  let server: Server;
  let base: string;

  before(async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const app = express();
    app.use(requestContext(traceRequests(provider.getTracer('test'), 150)));
    // Each answers with the ids of its (unrecorded) server span, as the service's responses do.
    const ids = () => trace.getActiveSpan()!.spanContext();
    app.get('/fast/:id', (_req, res) => {
      res.json(ids());
    });
    app.get('/slow/:id', (_req, res) => {
      setTimeout(() => res.json(ids()), 250);
    });
    app.get('/boom', (_req, res) => {
      res.status(500).json(ids());
    });
    app.get('/missing', (_req, res) => {
      res.status(404).json(ids());
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    propagation.disable();
    context.disable();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('records a 5xx and a slow request after the fact with the ids they answered with, and nothing else', async () => {
    const get = async (path: string, headers: Record<string, string> = {}) =>
      (await (await fetch(`${base}${path}`, { headers })).json()) as {
        traceId: string;
        spanId: string;
        traceFlags: number;
      };
    const fast = await get('/fast/1');
    const missing = await get('/missing');
    const started = Date.now();
    const slow = await get('/slow/2');
    const slowMs = Date.now() - started;
    const boom = await get('/boom');
    // A caller's unsampled traceparent: the kept span is the child of the caller's span.
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const called = await get('/boom', { traceparent: caller });
    for (const r of [fast, missing, slow, boom, called]) assert.equal(r.traceFlags, 0, 'not head-sampled');

    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(spans.map((s) => s.name).sort(), ['GET /boom', 'GET /boom', 'GET /slow/:id']);
    const of = (r: { traceId: string }) => spans.find((s) => s.spanContext().traceId === r.traceId)!;
    for (const r of [slow, boom, called]) {
      const span = of(r);
      assert.equal(span.spanContext().spanId, r.spanId, 'the span id the request ran under');
      assert.equal(span.kind, SpanKind.SERVER);
    }
    const error = of(boom);
    assert.equal(error.parentSpanContext, undefined, 'a root, as its unrecorded span was');
    assert.equal(error.status.code, SpanStatusCode.ERROR);
    assert.equal(error.attributes['http.response.status_code'], 500);
    assert.equal(error.attributes['folio.kept'], 'error');
    assert.equal(of(called).parentSpanContext?.spanId, 'b7ad6b7169203331');
    const late = of(slow);
    assert.equal(late.attributes['folio.kept'], 'slow');
    assert.equal(late.status.code, SpanStatusCode.UNSET);
    assert.equal(late.attributes['http.route'], '/slow/:id');
    const durationMs = late.duration[0] * 1000 + late.duration[1] / 1e6;
    assert.ok(durationMs >= 240 && durationMs <= slowMs, `its real duration (${durationMs} ms)`);
  });
});
