import { Worker } from 'node:worker_threads';
import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './logger.js';

export type ExporterKind = 'jaeger' | 'otlp-proto' | 'otlp-json';

/** A span context with its trace state serialised, as the W3C header carries it. */
export type PlainContext = Omit<SpanContext, 'traceState'> & { traceState?: string };

/** A finished span as structured clone carries it to the thread: data only, no methods or classes. */
export interface PlainSpan {
  name: string;
  kind: SpanKind;
  context: PlainContext;
  parentSpanContext?: PlainContext;
  startTime: HrTime;
  endTime: HrTime;
  duration: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  links: (Omit<Link, 'context'> & { context: PlainContext })[];
  events: TimedEvent[];
  /** Index into the batch's resources. */
  resource: number;
  instrumentationScope: ReadableSpan['instrumentationScope'];
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

export interface PlainBatch {
  resources: { attributes: Attributes; schemaUrl?: string }[];
  spans: PlainSpan[];
}

export type ToThread =
  { type: 'export'; id: number; batch: PlainBatch } | { type: 'flush'; id: number } | { type: 'shutdown' };

type FromThread =
  { type: 'exported'; id: number; code: ExportResultCode; error?: string } | { type: 'flushed'; id: number };

const plainContext = ({ traceId, spanId, traceFlags, isRemote, traceState }: SpanContext): PlainContext => ({
  traceId,
  spanId,
  traceFlags,
  ...(isRemote === undefined ? {} : { isRemote }),
  ...(traceState ? { traceState: traceState.serialize() } : {}),
});

/** The batch as data, each resource once. */
export function plainBatch(spans: readonly ReadableSpan[]): PlainBatch {
  const resources = new Map<Resource, number>();
  const batch: PlainBatch = { resources: [], spans: [] };
  for (const span of spans) {
    let resource = resources.get(span.resource);
    if (resource === undefined) {
      resource = batch.resources.push({ attributes: span.resource.attributes, schemaUrl: span.resource.schemaUrl }) - 1;
      resources.set(span.resource, resource);
    }
    batch.spans.push({
      name: span.name,
      kind: span.kind,
      context: plainContext(span.spanContext()),
      ...(span.parentSpanContext ? { parentSpanContext: plainContext(span.parentSpanContext) } : {}),
      startTime: span.startTime,
      endTime: span.endTime,
      duration: span.duration,
      status: span.status,
      attributes: span.attributes,
      links: span.links.map((link) => ({ ...link, context: plainContext(link.context) })),
      events: span.events,
      resource,
      instrumentationScope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    });
  }
  return batch;
}

/**
 * Encodes and sends spans on a worker thread (span-export-thread.js), with the exporter that
 * would otherwise run here; the serving thread only copies each batch out (about 3 µs a span,
 * against about 13 µs to encode one for OTLP). The larger gain is in what the thread keeps away:
 * the exporter's HTTP client ran through the same stream and socket code as the server's
 * responses, and its requests, even a few a minute at 1% sampling, made V8 deoptimise that code
 * (writev, uncork, Readable.read; in one run at 1% sampling, 344 deoptimisations against 141
 * with the thread), which left every request 20-50 µs dearer. Sits behind the
 * BatchSpanProcessor, which still bounds the queue and drops spans when the collector cannot
 * keep up.
 *
 * The thread never keeps the process alive on its own, except while a batch, flush or shutdown
 * is waiting for it. If it fails, later batches are reported lost, as with a collector that is
 * down, and the log says why once.
 */
export class ThreadedSpanExporter implements SpanExporter {
  private readonly thread: Worker;
  private readonly waiting = new Map<number, (reply: FromThread) => void>();
  private nextId = 0;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;
  private stopping = false;

  constructor(kind: ExporterKind, jaegerEndpoint: string | undefined, logger: Logger) {
    this.thread = new Worker(new URL('./span-export-thread.js', import.meta.url), {
      workerData: { kind, jaegerEndpoint },
      execArgv: [],
    });
    this.thread.unref();
    this.thread.on('message', (reply: FromThread) => {
      const settle = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0 && !this.stopping) this.thread.unref();
      settle?.(reply);
    });
    this.thread.on('error', (err) => {
      this.failure = err;
      logger.error({ err }, 'the span export thread failed; spans are no longer exported');
    });
    this.exited = new Promise((resolve) =>
      this.thread.once('exit', () => {
        this.failure ??= new Error('the span export thread has stopped');
        const error = this.failure.message;
        for (const settle of this.waiting.values())
          settle({ type: 'exported', id: -1, code: ExportResultCode.FAILED, error });
        this.waiting.clear();
        resolve();
      }),
    );
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.failure) {
      done({ code: ExportResultCode.FAILED, error: this.failure });
      return;
    }
    const id = this.wait((reply) =>
      done(
        reply.type === 'exported' && reply.code === ExportResultCode.SUCCESS
          ? { code: ExportResultCode.SUCCESS }
          : {
              code: ExportResultCode.FAILED,
              error: new Error((reply.type === 'exported' && reply.error) || 'export failed'),
            },
      ),
    );
    this.post({ type: 'export', id, batch: plainBatch(spans) });
  }

  forceFlush(): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise((resolve) => {
      const id = this.wait(() => resolve());
      this.post({ type: 'flush', id });
    });
  }

  async shutdown(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.thread.ref();
      this.post({ type: 'shutdown' });
    }
    await this.exited;
  }

  private wait(settle: (reply: FromThread) => void): number {
    const id = this.nextId++;
    this.waiting.set(id, settle);
    this.thread.ref();
    return id;
  }

  private post(message: ToThread): void {
    this.thread.postMessage(message);
  }
}
