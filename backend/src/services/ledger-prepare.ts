import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { prepareCommits, type PrepareInput, type PreparedCommit } from '../domain/ledger/imports/prepare.js';
import type { SecurityInfo, Transaction } from '../domain/ledger/types.js';
import { AppError, type ErrorCode } from '../errors.js';

/**
 * CSV files from this size on are prepared in a worker thread. Below it, parsing takes less
 * time than starting a thread (about 1 ms per 2 KiB here, against 30-60 ms for a thread), and a
 * stall that short does not show in other requests' latency.
 */
export const THREAD_MIN_BYTES = 64 * 1024;

/** Rows per message from the thread; each takes the event loop a few milliseconds to read. */
export const ROWS_PER_MESSAGE = 1000;

export type PrepareRequest = Omit<PrepareInput, 'securities'> & { securities: SecurityInfo[] };

export type PrepareMessage =
  | { kind: 'commit'; hash: string; parent_hash: string; seq: number }
  | { kind: 'rows'; rows: Transaction[] }
  | { kind: 'done' }
  | { kind: 'failed'; code?: ErrorCode; message: string; details?: Record<string, unknown> };

/**
 * prepareCommits, off the event loop for a large CSV file: parsing, validating and hashing a
 * 1 MiB file takes seconds of CPU, which on the serving thread would hold every other request
 * for as long. The commits are the same either way; a rejected file gives the same AppError.
 * JSON bodies are prepared in place: express has already parsed them on the event loop.
 */
export function prepareImport(input: PrepareInput): Promise<PreparedCommit[]> {
  if (!('csv' in input.document) || input.document.csv.length < THREAD_MIN_BYTES) {
    return new Promise((resolve) => resolve(prepareCommits(input)));
  }
  return prepareInThread({ ...input, securities: [...input.securities.values()] });
}

function prepareInThread(req: PrepareRequest): Promise<PreparedCommit[]> {
  return new Promise((resolve, reject) => {
    const thread = startThread();
    const commits: PreparedCommit[] = [];
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      void thread.terminate();
      done();
    };
    thread.on('message', (m: PrepareMessage) => {
      if (m.kind === 'done') return settle(() => resolve(commits));
      if (m.kind === 'failed') {
        const { code, message, details } = m;
        return settle(() => reject(code ? new AppError(code, message, details) : new Error(message)));
      }
      if (m.kind === 'commit') commits.push({ hash: m.hash, parent_hash: m.parent_hash, seq: m.seq, transactions: [] });
      else for (const row of m.rows) commits.at(-1)!.transactions.push(row);
      // The next slice is asked for only after a turn of the event loop, so requests waiting
      // on I/O are served between slices rather than after the whole file.
      setImmediate(() => thread.postMessage('next'));
    });
    thread.once('error', (e) => settle(() => reject(e)));
    thread.once('exit', (code) => settle(() => reject(new Error(`the import thread exited with code ${code}`))));
    thread.postMessage(req);
  });
}

/**
 * The thread's entry file sits next to this one: `.js` in the build (dist/), `.ts` when the
 * sources run through tsx (tests, `npx folio`), where the thread registers tsx before loading it.
 */
function startThread(): Worker {
  const entry = new URL(`./ledger-prepare-thread${path.extname(import.meta.url)}`, import.meta.url);
  if (entry.pathname.endsWith('.js')) return new Worker(entry);
  const boot = [
    `const { register } = await import(${JSON.stringify(tsxApi())});`,
    'register();',
    `await import(${JSON.stringify(entry.href)});`,
  ].join('\n');
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/**
 * tsx's ESM register API as a file URL: the thread's boot module is a data: URL, from which a
 * bare specifier cannot be resolved. (Its CommonJS build, what require.resolve finds, cannot
 * be imported from ESM.)
 */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api']!.import.default)).href;
}
