// First: it sets a V8 flag for `serve` that must be in place before the service's code runs.
import './server-gc.js';
import { finishProcess, instrumentProcess } from '../backend/src/preload.js';

// Tracing must be running before express, knex and pg are loaded, so the rest comes after it.
await instrumentProcess();
const { runCli } = await import('./cli.js');

const argv = process.argv.slice(2);
process.exitCode = await runCli(argv);
// A running server flushes and stops tracing when it shuts down; every other command, and a
// server that failed to start, sends its failure reports and spans before the process ends.
if (argv[0] !== 'serve' || process.exitCode !== 0) await finishProcess(2000);
