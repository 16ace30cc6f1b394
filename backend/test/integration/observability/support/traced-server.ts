/**
 * A child process running the service the way `folio serve` does (instrument first, then the
 * application), with an in-memory span exporter added through the same start-up path. The
 * parent reads the finished spans over IPC; logs are the service's JSON lines on stdout.
 *
 * Environment: TRACED_DB = JSON { DATABASE_URL?, sqliteFile }, plus the service's variables.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { instrument, stopTracing } from '../../../../src/observability/instrument.js';

const memory = new InMemorySpanExporter();
await instrument({ extraSpanProcessors: [new SimpleSpanProcessor(memory)] });

const { loadConfig } = await import('../../../../src/config.js');
const { createLogger } = await import('../../../../src/observability/logger.js');
const { startServer } = await import('../../../../src/server.js');

const db = JSON.parse(process.env.TRACED_DB ?? '{}') as { DATABASE_URL?: string; sqliteFile: string };
const config = { ...loadConfig(), ...db };
const running = await startServer(config, createLogger({ level: config.LOG_LEVEL, pretty: false }));

export interface SpanRecord {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  scope: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: number; message?: string };
}

const record = (s: ReadableSpan): SpanRecord => ({
  name: s.name,
  kind: s.kind,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext?.spanId,
  scope: s.instrumentationScope.name,
  attributes: { ...s.attributes },
  events: s.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } })),
  status: { ...s.status },
});

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'spans') process.send!({ type: 'spans', spans: memory.getFinishedSpans().map(record) });
  if (msg.type === 'stop') {
    void running
      .shutdown()
      .then(stopTracing)
      .then(() => process.exit(0));
  }
});
process.send!({ type: 'ready', port: running.port });
