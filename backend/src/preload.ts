import { instrument, stopTracing } from './observability/instrument.js';
import { flushSentry, initSentryFromEnv } from './observability/sentry.js';

/**
 * What an entry point imports before anything else of the backend (and before index.ts, the
 * rest of the public surface): Sentry and the tracing SDK have to be running before express,
 * knex and pg load, so this module loads none of them.
 */
export async function instrumentProcess(): Promise<void> {
  // Sentry first: it registers the OpenTelemetry context manager that tracing then shares.
  const sentry = await initSentryFromEnv();
  await instrument({ sentry });
}

/** Sends what is still buffered (error reports, then spans) before the process ends. */
export async function finishProcess(timeoutMs: number): Promise<void> {
  await flushSentry(timeoutMs);
  await stopTracing();
}
