// @ts-check
/**
 * The worker thread that checkpoints a SQLite write-ahead log (db/wal-checkpointer.ts starts
 * it): a connection of its own copies committed pages into the database file every interval.
 * PASSIVE never waits for readers or writers, so the serving connection never waits for it.
 *
 * Plain JavaScript, loaded as it is from the sources and from dist/: a thread of TypeScript
 * would have to load tsx first when the sources run through it (tests, `npx folio`), which
 * costs about 0.5 s of CPU for every service started, against 0.1 s for this one.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

/** @typedef {{ pragma(source: string): unknown; close(): void }} Connection */

// Node types workerData and require's result as any; the casts say what they are, which the
// type-aware lint cannot see through (it does not keep a JSDoc cast's parentheses).
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
const { file, intervalMs, driver } = /** @type {{ file: string; intervalMs: number; driver: string }} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
const Database = /** @type {new (file: string, options: { fileMustExist: boolean }) => Connection} */ (
  createRequire(import.meta.url)(driver)
);

/**
 * The driver's SqliteError reaches the main thread as `{ code }` alone; a plain Error keeps its message.
 * @template T
 * @param {() => T} work
 * @returns {T}
 */
function plain(work) {
  try {
    return work();
  } catch (err) {
    const { code, message } = /** @type {{ code?: string; message?: string }} */ (err);
    throw new Error(code ? `${code}: ${message}` : String(message ?? err), { cause: err });
  }
}

const conn = plain(() => new Database(file, { fileMustExist: true }));
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
