import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../config.js';
import { createLogger } from './logger.js';
import type { SentryOtelParts } from './sentry.js';
import type { Tracing } from './tracing.js';

let active: Tracing | null = null;

export interface InstrumentOptions {
  /** Processors besides the configured exporter's; tests collect spans in memory through this. */
  extraSpanProcessors?: SpanProcessor[];
  /** What initSentry returned: Sentry starts first and registers the context manager. */
  sentry?: SentryOtelParts | null;
}

/**
 * The first thing every entry point runs (after Sentry), before it imports the rest of the
 * application dynamically: the tracing SDK has to patch express, knex and pg before they load.
 * With OTEL_TRACES_EXPORTER=none nothing is loaded or started at all.
 */
export async function instrument(opts: InstrumentOptions = {}): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch {
    // The entry point reports an invalid configuration itself, with its exit code.
    return;
  }
  const sentry = opts.sentry ?? null;
  if (config.OTEL_TRACES_EXPORTER === 'none' && !opts.extraSpanProcessors?.length) return;
  const { startTracing } = await import('./tracing.js');
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.FOLIO_PRETTY_LOGS });
  active = startTracing(config, { logger, sentry, extraSpanProcessors: opts.extraSpanProcessors });
}

/** Whether spans are being recorded in this process. */
export function tracingActive(): boolean {
  return active !== null;
}

/** Flushes and stops tracing; entry points call it last, before the process exits. */
export async function stopTracing(): Promise<void> {
  const tracing = active;
  active = null;
  await tracing?.shutdown();
}
