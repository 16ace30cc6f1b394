/**
 * The worker thread that checkpoints a SQLite write-ahead log (db/wal-checkpointer.ts starts
 * it): a connection of its own copies committed pages into the database file every interval.
 * PASSIVE never waits for readers or writers, so the serving connection never waits for it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './sqlite-driver.js';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const port = parentPort!;

/** The driver's SqliteError reaches the main thread as `{ code }` alone; a plain Error keeps its message. */
function plain<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    throw new Error(code ? `${code}: ${message}` : String(message ?? err), { cause: err });
  }
}

const conn = plain(() => openSqlite(file));
conn.pragma('synchronous = NORMAL');
// A checkpoint that fails throws out of the timer and ends the thread; the service then
// hands checkpoints back to SQLite's own, on the serving connection.
const timer = setInterval(() => plain(() => conn.pragma('wal_checkpoint(PASSIVE)')), intervalMs);
port.once('message', () => {
  clearInterval(timer);
  conn.close();
  port.close();
});
port.postMessage('ready');
