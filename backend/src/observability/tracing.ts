import { KnexInstrumentation } from '@opentelemetry/instrumentation-knex';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config.js';
import { headSampler, KeepingSampler, keptIds } from './kept-traces.js';
import type { Logger } from './logger.js';
import type { SentryOtelParts } from './sentry.js';
import { ThreadedSpanExporter, type ExporterKind } from './threaded-exporter.js';

export type TracingConfig = Pick<
  Config,
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_EXPORTER_JAEGER_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_PROTOCOL'
  | 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
  | 'FOLIO_SHUTDOWN_TIMEOUT_MS'
>;

export interface TracingOptions {
  logger: Logger;
  sentry?: SentryOtelParts | null;
  /** Processors besides the exporter's; tests collect spans in memory through this. */
  extraSpanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Flushes what is queued (bounded by the shutdown timeout) and stops; never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK. It must run before knex and pg are imported: their
 * instrumentations patch them as they are required. The HTTP server span comes from our own
 * middleware (http/request-tracing.ts), so express needs no patching and no ESM loader hook is
 * registered.
 */
export function startTracing(config: TracingConfig, opts: TracingOptions): Tracing {
  const exporter = exporterProcessor(config, opts.logger);
  const spanProcessors = [...(exporter ? [exporter] : []), ...(opts.extraSpanProcessors ?? [])];
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME,
    spanProcessors,
    // The sampler of OTEL_TRACES_SAMPLER, which also records the spans of errors and slow
    // requests it dropped, after the fact and with the ids they had (kept-traces.ts).
    sampler: new KeepingSampler(headSampler(config)),
    idGenerator: keptIds,
    // Resource (OTEL_RESOURCE_ATTRIBUTES) and propagators come from the environment. Sentry (errors only) keeps its scopes in the context, so its
    // context manager, already registered, is the one spans use too.
    ...(opts.sentry ? { contextManager: opts.sentry.contextManager } : {}),
    // Traces only: metrics are Prometheus's (/metrics) and logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Start-up queries (migrations) outside any request or job are not traced.
      new KnexInstrumentation({ requireParentSpan: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  opts.logger.debug({ exporter: config.OTEL_TRACES_EXPORTER, sentry: Boolean(opts.sentry) }, 'tracing started');

  const timeoutMs = config.FOLIO_SHUTDOWN_TIMEOUT_MS;
  let stopping: Promise<void> | undefined;
  return {
    shutdown: () =>
      (stopping ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not flushed within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
          await Promise.race([sdk.shutdown(), late]);
        } catch (err) {
          // The collector being down must not fail a shutdown; the queued spans are lost.
          opts.logger.warn({ err, exporter: config.OTEL_TRACES_EXPORTER }, 'tracing shutdown: spans not exported');
        } finally {
          clearTimeout(timer);
        }
      })()),
  };
}

/**
 * The exporter behind a bounded batch queue (OTEL_BSP_* tune it): requests never wait on the
 * collector, and when it is down a full queue drops new spans instead of growing. The batches
 * are encoded and sent on a thread of their own (threaded-exporter.ts).
 */
function exporterProcessor(config: TracingConfig, logger: Logger): SpanProcessor | null {
  const threaded = (kind: ExporterKind) =>
    new BatchSpanProcessor(new ThreadedSpanExporter(kind, config.OTEL_EXPORTER_JAEGER_ENDPOINT, logger));
  switch (config.OTEL_TRACES_EXPORTER) {
    case 'jaeger':
      return threaded('jaeger');
    case 'otlp':
      // OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and _HEADERS are read by the exporter.
      return threaded(
        (config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL) === 'http/json'
          ? 'otlp-json'
          : 'otlp-proto',
      );
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    case 'none':
      return null;
  }
}
