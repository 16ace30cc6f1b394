import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, TraceState, type ExportResult } from '@opentelemetry/core';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../../../src/observability/logger.js';
import { ThreadedSpanExporter, type ExporterKind } from '../../../src/observability/threaded-exporter.js';
import { receiver } from './support/collector.js';

const logger = createLogger({ level: 'silent', pretty: false });

/** Finished spans with every kind of field an exporter writes: nesting, attributes of each type, events, links, status. */
function finishedSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'threaded-exporter-test', 'service.version': '1.2.3' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('folio-test', '0.0.1');
  const linked = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=value,other=1'),
  };
  const root = tracer.startSpan('POST /v1/execute', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'server.port': 8080, ratio: 0.25, cached: true, tags: ['a', 'b'] },
    links: [{ context: linked, attributes: { why: 'follows' } }],
  });
  const child = tracer.startSpan(
    'pattern.step',
    { attributes: { 'folio.step': 'twr' } },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('step', { 'folio.step.duration_ms': 1.5 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'provider down' });
  child.end();
  root.addEvent('cache hit');
  root.end();
  return memory.getFinishedSpans();
}

function exported(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** Sets the environment for exporters created inside `run` (the thread copies it when it starts). */
async function withEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('span export on a thread: the wire format of the exporters it stands in for', () => {
  const direct: Record<ExporterKind, (endpoint: string) => SpanExporter> = {
    'otlp-proto': () => new OTLPProtoTraceExporter(),
    'otlp-json': () => new OTLPJsonTraceExporter(),
    jaeger: (endpoint) => new JaegerExporter({ endpoint }),
  };
  for (const kind of Object.keys(direct) as ExporterKind[]) {
    it(`${kind}: sends the bytes the exporter sends in-process, and reports success`, async () => {
      const spans = finishedSpans();
      const collector = await receiver();
      const endpoint = `${collector.url}/${kind === 'jaeger' ? 'api/traces' : 'v1/traces'}`;
      try {
        await withEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint }, async () => {
          const inProcess = direct[kind](endpoint);
          assert.equal((await exported(inProcess, spans)).code, ExportResultCode.SUCCESS);
          await inProcess.shutdown();
          const threaded = new ThreadedSpanExporter(kind, endpoint, logger);
          assert.deepEqual(await exported(threaded, spans), { code: ExportResultCode.SUCCESS });
          await threaded.shutdown();
        });
        assert.equal(collector.received.length, 2);
        const [mine, theirs] = [collector.received[1]!, collector.received[0]!];
        assert.equal(mine.path, theirs.path);
        assert.equal(mine.headers['content-type'], theirs.headers['content-type']);
        assert.ok(mine.body.length > 200, `a real batch: ${mine.body.length} bytes`);
        assert.ok(mine.body.equals(theirs.body), `${kind}: the thread's body differs from the exporter's`);
      } finally {
        await collector.close();
      }
    });
  }

  it('reports a batch lost when the collector is down, still shuts down, and fails later batches at once', async () => {
    const collector = await receiver();
    const endpoint = `${collector.url}/v1/traces`;
    await collector.close();
    // The exporter's own retries give up within its timeout.
    const threaded = await withEnv(
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1000' },
      async () => new ThreadedSpanExporter('otlp-proto', endpoint, logger),
    );
    const lost = await exported(threaded, finishedSpans());
    assert.equal(lost.code, ExportResultCode.FAILED);
    assert.ok(lost.error instanceof Error);
    await threaded.forceFlush();
    await threaded.shutdown();
    const after = await exported(threaded, finishedSpans());
    assert.equal(after.code, ExportResultCode.FAILED);
    assert.match(after.error!.message, /stopped/);
  });
});
