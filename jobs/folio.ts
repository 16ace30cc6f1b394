import { instrument, stopTracing } from '../backend/src/observability/instrument.js';
import { flushSentry, initSentryFromEnv } from '../backend/src/observability/sentry.js';

// Sentry first: it registers the OpenTelemetry context manager that tracing then shares.
const sentry = await initSentryFromEnv();
// Tracing must be running before express, knex and pg are loaded, so the rest comes after it.
await instrument({ sentry });
const { runCli } = await import('./cli.js');

const argv = process.argv.slice(2);
process.exitCode = await runCli(argv);
// A job's failure report is sent before the process ends; a server flushes when it shuts down.
if (argv[0] !== 'serve' || process.exitCode !== 0) await flushSentry(2000);
// A running server stops tracing when it shuts down; every other command is done here.
if (argv[0] !== 'serve' || process.exitCode !== 0) await stopTracing();
