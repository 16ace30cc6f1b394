import type { Knex } from 'knex';
import { rawRows } from '../knex.js';

export const JOB_NAMES = ['build-pack', 'reconcile', 'mark-fresh', 'backfill', 'retire-pack'] as const;
export type JobName = (typeof JOB_NAMES)[number];
export type JobStatus = 'running' | 'success' | 'failure' | 'skipped';
/** How a run can end. */
export type JobOutcome = Exclude<JobStatus, 'running'>;

export interface JobRun {
  id: string;
  job: JobName;
  pack_id: string | null;
  date: string | null;
  status: JobStatus;
  started_at: string;
  finished_at: string | null;
  duration_seconds: number | null;
  provider: string | null;
  error: string | null;
  details: Record<string, unknown> | null;
  host: string;
  pid: number;
}

const toRun = (r: Record<string, unknown>): JobRun => ({
  ...(r as unknown as JobRun),
  duration_seconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
  pid: Number(r.pid),
  details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : null,
});

export async function startRun(
  db: Knex,
  run: Pick<JobRun, 'id' | 'job' | 'pack_id' | 'date' | 'provider' | 'started_at' | 'host' | 'pid'> & {
    /** What the run was asked to do, kept from the start so a run that dies can be resumed. */
    details?: Record<string, unknown>;
  },
): Promise<void> {
  const { details, ...row } = run;
  await db('job_runs').insert({ ...row, status: 'running', ...(details ? { details: JSON.stringify(details) } : {}) });
}

export async function finishRun(
  db: Knex,
  id: string,
  end: {
    status: JobOutcome;
    finished_at: string;
    duration_seconds: number;
    error: string | null;
    details: Record<string, unknown>;
    pack_id: string | null;
  },
): Promise<void> {
  await db('job_runs')
    .where({ id })
    .update({ ...end, details: JSON.stringify(end.details) });
}

/**
 * Runs of `job` for `date` still marked running while the caller holds that date's lock can
 * only belong to processes that died: they are closed as failures so they stop counting as running.
 */
export async function abandonRunning(
  db: Knex,
  job: JobName,
  date: string,
  exceptId: string,
  now: string,
): Promise<number> {
  return db('job_runs').where({ job, date, status: 'running' }).whereNot({ id: exceptId }).update({
    status: 'failure',
    finished_at: now,
    error: 'abandoned: the process running it stopped before it finished',
  });
}

/**
 * Backfill runs still marked running while the caller holds the backfill lock belong to
 * processes that died; they are closed as failures together with the runs those processes had
 * open (a date's build, reconcile or mark-fresh), found by host, pid and start time.
 */
export async function abandonBackfills(db: Knex, exceptId: string, now: string): Promise<number> {
  const dead = await db('job_runs')
    .where({ job: 'backfill', status: 'running' })
    .whereNot({ id: exceptId })
    .select<{ host: string; pid: number; started_at: string }[]>('host', 'pid', 'started_at');
  let closed = 0;
  for (const d of dead) {
    closed += await db('job_runs')
      .where({ status: 'running', host: d.host, pid: d.pid })
      .andWhere('started_at', '>=', d.started_at)
      .whereNot({ id: exceptId })
      .update({
        status: 'failure',
        finished_at: now,
        error: 'abandoned: the process running it stopped before it finished',
      });
  }
  return closed;
}

export async function get(db: Knex, id: string): Promise<JobRun | null> {
  const row = await db('job_runs').where({ id }).first<Record<string, unknown> | undefined>();
  return row ? toRun(row) : null;
}

export async function list(db: Knex, opts: { job?: JobName; date?: string; limit: number }): Promise<JobRun[]> {
  const q = db('job_runs');
  if (opts.job) q.where({ job: opts.job });
  if (opts.date) q.where({ date: opts.date });
  const rows = await q
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(opts.limit);
  return rows.map(toRun);
}

export interface RunStats {
  finished: { job: string; status: string; n: number }[];
  running: { job: string; n: number }[];
  lastSuccess: { job: string; at: string }[];
}

export async function runStats(db: Knex): Promise<RunStats> {
  const [finished, running, lastSuccess] = await Promise.all([
    db('job_runs')
      .whereIn('status', ['success', 'failure'])
      .groupBy('job', 'status')
      .select('job', 'status')
      .count({ n: '*' }),
    db('job_runs').where({ status: 'running' }).groupBy('job').select('job').count({ n: '*' }),
    db('job_runs').where({ status: 'success' }).groupBy('job').select('job').max({ at: 'finished_at' }),
  ]);
  return {
    finished: (finished as { job: string; status: string; n: unknown }[]).map((r) => ({
      job: r.job,
      status: r.status,
      n: Number(r.n),
    })),
    running: (running as { job: string; n: unknown }[]).map((r) => ({ job: r.job, n: Number(r.n) })),
    lastSuccess: (lastSuccess as { job: string; at: string | null }[])
      .filter((r) => r.at !== null)
      .map((r) => ({ job: r.job, at: r.at! })),
  };
}

export interface DurationBuckets {
  status: string;
  count: number;
  sum: number;
  /** Cumulative count per upper bound, in the order given. */
  buckets: number[];
}

/** A histogram of finished runs' durations by status, counted by the database bucket by bucket. */
export async function durationHistogram(db: Knex, job: JobName, bounds: readonly number[]): Promise<DurationBuckets[]> {
  const perBucket = bounds.map((_, i) => `sum(case when duration_seconds <= ? then 1 else 0 end) as b${i}`).join(', ');
  const result: unknown = await db.raw(
    `select status, count(*) as n, coalesce(sum(duration_seconds), 0) as s${perBucket ? `, ${perBucket}` : ''}
       from job_runs where job = ? and status in ('success', 'failure') group by status`,
    [...bounds, job],
  );
  const rows = rawRows<Record<string, unknown>>(result);
  return rows.map((r) => ({
    status: String(r.status),
    count: Number(r.n),
    sum: Number(r.s),
    buckets: bounds.map((_, i) => Number(r[`b${i}`])),
  }));
}

/**
 * Dates whose last finished build-pack run failed and that have no fresh pack, newest first.
 * A date leaves the list when a rebuild succeeds or a pack of it is published.
 */
export async function failedBuildDates(db: Knex): Promise<string[]> {
  const last = db('job_runs')
    .where({ job: 'build-pack' })
    .whereIn('status', ['success', 'failure'])
    .whereNotNull('date')
    .groupBy('date')
    .select('date')
    .max({ at: 'finished_at' })
    .as('last');
  const rows = await db('job_runs as r')
    .join(last, function () {
      this.on('r.date', '=', 'last.date').andOn('r.finished_at', '=', 'last.at');
    })
    .where({ 'r.job': 'build-pack', 'r.status': 'failure' })
    .whereNotExists(db('pricing_packs as p').whereRaw('p.date = r.date').where('p.status', 'fresh'))
    .distinct('r.date as date')
    .orderBy('date', 'desc');
  return (rows as { date: string }[]).map((r) => r.date);
}

/** One breaker's count of one event during a job run. */
export interface BreakerEventCount {
  breaker: string;
  event: string;
  n: number;
}

/** Stores the breaker events a run saw in a process that is not scraped (job_breaker_events). */
export async function addBreakerEvents(db: Knex, runId: string, counts: readonly BreakerEventCount[]): Promise<void> {
  if (counts.length > 0) await db('job_breaker_events').insert(counts.map((c) => ({ run_id: runId, ...c })));
}

/** Every stored breaker event, summed per breaker and event: monotonic, as a counter must be. */
export async function breakerEventTotals(db: Knex): Promise<BreakerEventCount[]> {
  const rows = await db('job_breaker_events').groupBy('breaker', 'event').select('breaker', 'event').sum({ n: 'n' });
  return (rows as { breaker: string; event: string; n: unknown }[]).map((r) => ({ ...r, n: Number(r.n) }));
}

// ---- Job locks: PostgreSQL advisory locks, SQLite leases ----

/**
 * Takes the transaction-scoped advisory lock `key` without waiting, in a transaction that
 * holds it until committed (or until its connection dies with a crashed holder); null, with
 * nothing left open, when another session holds it.
 */
export async function tryAdvisoryLock(db: Knex, key: string): Promise<Knex.Transaction | null> {
  const trx = await db.transaction();
  try {
    const result: unknown = await trx.raw('select pg_try_advisory_xact_lock(?::bigint) as ok', [key]);
    if (rawRows<{ ok: boolean }>(result)[0]?.ok) return trx;
    await trx.rollback();
    return null;
  } catch (e) {
    await trx.rollback().catch(() => undefined);
    throw e;
  }
}

/**
 * Waits for the transaction-scoped advisory lock `key` and returns the transaction holding it,
 * until committed (or until its connection dies with a crashed holder).
 */
export async function advisoryLockWait(db: Knex, key: string): Promise<Knex.Transaction> {
  const trx = await db.transaction();
  try {
    await trx.raw('select pg_advisory_xact_lock(?::bigint)', [key]);
    return trx;
  } catch (e) {
    await trx.rollback().catch(() => undefined);
    throw e;
  }
}

/**
 * Takes the lease `name` for `holder` until `expiresAt` when nobody holds it or the holder's
 * lease has expired. The insert-or-take-over is one statement, so two processes cannot both
 * win, and it is the transaction's first statement, so SQLite takes the write lock before
 * anything is read.
 */
export async function takeLease(
  db: Knex,
  name: string,
  holder: string,
  now: string,
  expiresAt: string,
): Promise<boolean> {
  return db.transaction(async (trx) => {
    await trx.raw(
      `insert into job_locks (name, holder, acquired_at, expires_at) values (?, ?, ?, ?)
       on conflict (name) do update set holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
       where job_locks.expires_at <= excluded.acquired_at`,
      [name, holder, now, expiresAt],
    );
    const row = await trx('job_locks').where({ name }).first<{ holder: string } | undefined>('holder');
    return row?.holder === holder;
  });
}

/** Extends a lease the holder still has; false when it expired and someone else took it. */
export async function renewLease(db: Knex, name: string, holder: string, expiresAt: string): Promise<boolean> {
  return (await db('job_locks').where({ name, holder }).update({ expires_at: expiresAt })) === 1;
}

export async function releaseLease(db: Knex, name: string, holder: string): Promise<void> {
  await db('job_locks').where({ name, holder }).delete();
}
