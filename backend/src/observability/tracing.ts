import module from 'node:module';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KnexInstrumentation } from '@opentelemetry/instrumentation-knex';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config.js';
import { carryRequestIds } from './correlation.js';
import type { Logger } from './logger.js';
import type { SentryOtelParts } from './sentry.js';

export type TracingConfig = Pick<
  Config,
  'OTEL_TRACES_EXPORTER' | 'OTEL_EXPORTER_JAEGER_ENDPOINT' | 'OTEL_SERVICE_NAME' | 'FOLIO_SHUTDOWN_TIMEOUT_MS'
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

/** Health checks and scrapes arrive every few seconds and would drown the traces that matter. */
const UNTRACED_PATHS = /^\/(metrics|health\/)/;

/**
 * Starts the OpenTelemetry SDK. It must run before express, knex and pg are imported: the
 * instrumentations patch those modules as they load. knex and pg are required from CommonJS,
 * where the require hook sees them; express is imported from ESM, which only the
 * import-in-the-middle loader hook can patch, so that hook is registered for it alone (every
 * other module loads unwrapped).
 */
export function startTracing(config: TracingConfig, opts: TracingOptions): Tracing {
  module.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: ['express'] } });
  const exporter = exporterProcessor(config);
  const spanProcessors = [...(exporter ? [exporter] : []), ...(opts.extraSpanProcessors ?? [])];
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME,
    spanProcessors,
    // Sampler (OTEL_TRACES_SAMPLER), resource (OTEL_RESOURCE_ATTRIBUTES) and propagators come
    // from the environment. Sentry (errors only) keeps its scopes in the context, so its
    // context manager, already registered, is the one spans use too.
    ...(opts.sentry ? { contextManager: opts.sentry.contextManager } : {}),
    // Traces only: metrics are Prometheus's (/metrics) and logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? '') }),
      // One span per middleware would double the spans of every request and say little.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Start-up queries (migrations) outside any request or job are not traced.
      new KnexInstrumentation({ requireParentSpan: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  carryRequestIds();
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
 * collector, and when it is down a full queue drops new spans instead of growing.
 */
function exporterProcessor(config: TracingConfig): SpanProcessor | null {
  switch (config.OTEL_TRACES_EXPORTER) {
    case 'jaeger':
      return new BatchSpanProcessor(new JaegerExporter({ endpoint: config.OTEL_EXPORTER_JAEGER_ENDPOINT }));
    case 'otlp':
      // OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and _HEADERS are read by the exporter.
      return new BatchSpanProcessor(new OTLPTraceExporter());
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    case 'none':
      return null;
  }
}
