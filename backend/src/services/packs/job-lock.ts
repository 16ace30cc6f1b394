import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import { dialectOf } from '../../db/knex.js';
import * as jobs from '../../db/repositories/jobs.js';
import { isoSecondsFromNow, nowIso } from '../../clock.js';

/** A held job lock. `lost` aborts if the lock is taken away while held (an SQLite lease that could not be renewed). */
export interface Lease {
  readonly name: string;
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface LockOptions {
  /** SQLite lease length; renewed every third of it while held, so only a dead holder loses it. */
  ttlSeconds: number;
}

/**
 * Tries to take the named lock without waiting; null when another process or task holds it.
 * PostgreSQL: a transaction-scoped advisory lock on a connection kept for the lock's life, so
 * a crashed holder's lock goes with its connection. SQLite: a lease row in job_locks, renewed
 * while held; an expired lease (a holder that died) can be taken over.
 */
export function tryLock(db: Knex, name: string, opts: LockOptions): Promise<Lease | null> {
  return dialectOf(db) === 'postgres' ? advisoryLock(db, name) : leaseLock(db, name, opts.ttlSeconds);
}

/** A signed 64-bit advisory-lock key from the lock's name. */
export const advisoryKey = (name: string): string =>
  BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`)).toString();

async function advisoryLock(db: Knex, name: string): Promise<Lease | null> {
  const trx = await jobs.tryAdvisoryLock(db, advisoryKey(name));
  if (!trx) return null;
  const lost = new AbortController();
  return {
    name,
    lost: lost.signal,
    release: async () => {
      if (!trx.isCompleted()) await trx.commit();
    },
  };
}

async function leaseLock(db: Knex, name: string, ttlSeconds: number): Promise<Lease | null> {
  const holder = `${os.hostname()}:${process.pid}:${randomUUID()}`;
  const until = () => isoSecondsFromNow(ttlSeconds);
  if (!(await jobs.takeLease(db, name, holder, nowIso(), until()))) return null;
  const lost = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = jobs.renewLease(db, name, holder, until()).then(
        (kept) => {
          if (!kept) lost.abort(new Error(`lock ${name} was taken over after its lease expired`));
        },
        (e: unknown) => lost.abort(e),
      );
    },
    (ttlSeconds * 1000) / 3,
  );
  timer.unref();
  return {
    name,
    lost: lost.signal,
    release: async () => {
      clearInterval(timer);
      await renewing;
      await jobs.releaseLease(db, name, holder);
    },
  };
}
