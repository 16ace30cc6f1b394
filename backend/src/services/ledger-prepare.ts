import { prepareCommits, type PrepareInput, type PreparedCommit } from '../domain/ledger/imports/prepare.js';
import type { SecurityInfo, Transaction } from '../domain/ledger/types.js';
import { AppError, type ErrorCode } from '../errors.js';
import { startThread } from '../threads.js';

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
    const thread = startThread('ledger-prepare-thread', import.meta.url);
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
