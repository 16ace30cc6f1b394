// @ts-check
/**
 * The worker thread that exports finished spans (observability/threaded-exporter.ts starts it):
 * the configured exporter (Jaeger Thrift or OTLP) encodes and sends them here, off the event
 * loop that serves requests. The spans arrive as plain data, shaped back into the objects the
 * exporters read.
 *
 * Plain JavaScript, loaded as it is from the sources and from dist/, as db/wal-checkpoint-thread.js
 * explains: a TypeScript thread would load tsx first whenever the sources run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';

/** @typedef {import('@opentelemetry/sdk-trace-base').ReadableSpan} ReadableSpan */
/** @typedef {import('@opentelemetry/sdk-trace-base').SpanExporter} SpanExporter */
/** @typedef {import('./threaded-exporter.js').PlainBatch} PlainBatch */
/** @typedef {import('./threaded-exporter.js').PlainContext} PlainContext */
/** @typedef {import('./threaded-exporter.js').ToThread} ToThread */
/** @typedef {import('./threaded-exporter.js').ExporterKind} ExporterKind */

// Node types workerData as any; the cast says what it is, which the type-aware lint cannot see
// through (it does not keep a JSDoc cast's parentheses).
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
const { kind, jaegerEndpoint } = /** @type {{ kind: ExporterKind; jaegerEndpoint: string | undefined }} */ (workerData);

/**
 * The exporter of OTEL_TRACES_EXPORTER; the OTLP ones read their endpoint, headers and timeout
 * from the environment, which this thread shares with the process.
 * @returns {Promise<SpanExporter>}
 */
async function createExporter() {
  switch (kind) {
    case 'jaeger': {
      const { JaegerExporter } = await import('@opentelemetry/exporter-jaeger');
      return new JaegerExporter({ endpoint: jaegerEndpoint });
    }
    case 'otlp-json': {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter();
    }
    case 'otlp-proto': {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter();
    }
  }
}

const exporter = await createExporter();

/**
 * The spans of a batch as the exporters read them. Spans of one resource share one Resource
 * object, which is how the OTLP encoder groups them.
 * @param {PlainBatch} batch
 * @returns {ReadableSpan[]}
 */
function readableSpans(batch) {
  const resources = batch.resources.map((r) =>
    resourceFromAttributes(r.attributes, r.schemaUrl === undefined ? undefined : { schemaUrl: r.schemaUrl }),
  );
  return batch.spans.map(({ context, parentSpanContext, resource, links, ...span }) => {
    const spanContext = spanContextOf(context);
    return /** @type {ReadableSpan} */ ({
      ...span,
      spanContext: () => spanContext,
      parentSpanContext: parentSpanContext && spanContextOf(parentSpanContext),
      links: links.map((link) => ({ ...link, context: spanContextOf(link.context) })),
      resource: /** @type {import('@opentelemetry/resources').Resource} */ (resources[resource]),
      ended: true,
    });
  });
}

/**
 * @param {PlainContext} context
 * @returns {import('@opentelemetry/api').SpanContext}
 */
const spanContextOf = ({ traceState, ...context }) =>
  traceState === undefined ? context : { ...context, traceState: new TraceState(traceState) };

/**
 * A batch that cannot be shaped back or exported is reported lost; the thread carries on.
 * @param {number} id
 * @param {PlainBatch} batch
 */
function exportBatch(id, batch) {
  /** @param {import('@opentelemetry/core').ExportResult} result */
  const reply = (result) => port.postMessage({ type: 'exported', id, code: result.code, error: result.error?.message });
  try {
    exporter.export(readableSpans(batch), reply);
  } catch (err) {
    reply({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
  }
}

port.on('message', (/** @type {ToThread} */ message) => {
  switch (message.type) {
    case 'export':
      exportBatch(message.id, message.batch);
      return;
    case 'flush':
      // A flush that fails has lost its spans, which their batches already reported.
      void (exporter.forceFlush?.() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => port.postMessage({ type: 'flushed', id: message.id }));
      return;
    case 'shutdown':
      // Whatever the exporter says (it rejects when the collector is down), the thread ends: the
      // process is stopping, and the spans it could not send are already reported lost.
      void exporter.shutdown().then(
        () => port.close(),
        () => port.close(),
      );
      return;
  }
});
