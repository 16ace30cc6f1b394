import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import type { Logger } from '../observability/logger.js';
import { sqliteDriverPath } from './sqlite-driver.js';

/** SQLite's default: the connection whose commit takes the log past this many pages checkpoints it. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/**
 * While the thread checkpoints, the serving connection still does past this many pages (40 MB
 * of 4 KiB pages), so a thread that hangs or falls behind cannot let the log grow without bound.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export interface WalCheckpointer {
  /** Whether the thread took the checkpoints over (false: it could not start, or was stopped first). */
  ready: Promise<boolean>;
  stop(): Promise<void>;
}

const setAutocheckpoint = (db: Knex, pages: number) => db.raw(`pragma wal_autocheckpoint = ${pages}`);

/**
 * Moves the checkpoints of a SQLite database in WAL mode off the event loop. SQLite otherwise
 * runs one inside the commit that takes the log past 1,000 pages: on the serving thread, a copy
 * of about 4 MB into the database file and two fsyncs, which under load held every request for
 * 10-15 ms about once a second (the provenance rows alone fill the log that fast). A thread
 * with a connection of its own checkpoints every `intervalMs` instead. If the thread cannot
 * start or ends, the serving connection checkpoints as SQLite does by default, and the log
 * says so.
 *
 * Returns at once: the thread takes about 100 ms to start (loading the driver into a new
 * isolate), which the service's start-up does not wait for; SQLite's own checkpoints serve
 * until then.
 */
export function startWalCheckpointer(db: Knex, file: string, logger: Logger, intervalMs = 1000): WalCheckpointer {
  // Plain JavaScript from the sources and from dist/ alike; no flag of this process's (tsx's
  // --import under the tests) has anything to do in it.
  const thread = new Worker(new URL('./wal-checkpoint-thread.js', import.meta.url), {
    workerData: { file, intervalMs, driver: sqliteDriverPath() },
    execArgv: [],
  });
  // Never what keeps the process alive: a process with nothing else to do has no log to checkpoint.
  thread.unref();
  let failure: unknown;
  thread.on('error', (err) => (failure = err));
  // Not events.once: it rejects on 'error', and a thread that fails emits 'exit' after it anyway.
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  let stopping = false;
  const handBack = () =>
    setAutocheckpoint(db, SQLITE_AUTOCHECKPOINT_PAGES).catch((err: unknown) =>
      logger.error({ err }, 'could not hand WAL checkpoints back to SQLite'),
    );
  const ready = Promise.race([
    new Promise<boolean>((resolve) => thread.once('message', () => resolve(true))),
    exited.then(() => false),
  ]).then(async (started) => {
    if (stopping) return false;
    if (!started) {
      logger.warn(
        { err: failure },
        'the WAL checkpoint thread did not start; SQLite checkpoints on the serving thread',
      );
      return false;
    }
    // Failing here leaves both checkpointing, which is safe: nothing to do but say so.
    await setAutocheckpoint(db, FALLBACK_AUTOCHECKPOINT_PAGES).catch((err: unknown) =>
      logger.error({ err }, "could not raise the serving connection's WAL checkpoint threshold"),
    );
    void exited.then(async () => {
      if (stopping) return;
      logger.error({ err: failure }, 'the WAL checkpoint thread ended; SQLite checkpoints on the serving thread');
      await handBack();
    });
    return true;
  });
  return {
    ready,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      // Whatever start-up was doing with the serving connection ends first.
      await ready.catch(() => false);
      await handBack();
      thread.postMessage('stop');
      await exited;
    },
  };
}
