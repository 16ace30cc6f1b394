import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Knex } from 'knex';
import * as jobs from '../../db/repositories/jobs.js';
import type { JobName, JobOutcome } from '../../db/repositories/jobs.js';
import type { BreakerTally } from '../../observability/breaker-tally.js';
import type { Logger } from '../../observability/logger.js';
import { captureJobFailure } from '../../observability/sentry.js';
import { nowIso } from '../../clock.js';

export const tracer = trace.getTracer('folio');

export interface JobContext {
  db: Knex;
  logger: Logger;
  /** In a process that is not scraped: its breakers' events, stored with each run. */
  breakerTally?: BreakerTally;
}

/** How a job ended, as the CLI prints it and job_runs records it. */
export interface JobReport {
  job: JobName;
  run_id: string;
  status: JobOutcome;
  pack_id: string | null;
  date: string | null;
  message: string;
  duration_seconds: number;
  details: Record<string, unknown>;
}

/** What a job body returns; a thrown error ends the run as a failure with its message. */
export interface JobEnd {
  status: JobOutcome;
  message: string;
  pack_id?: string | null;
  details?: Record<string, unknown>;
}

export interface RunInfo {
  id: string;
  /** Set once the job knows which pack it works on (a build chooses its version after it starts). */
  packId: string | null;
}

/**
 * Runs one job with its job_runs row (written at start and at the end, whatever happens) and
 * its span `job.<name>`. Failures are also handed to the failure reporter.
 */
export async function recordRun(
  ctx: JobContext,
  meta: {
    job: JobName;
    packId?: string | null;
    date?: string | null;
    provider?: string | null;
    /** Recorded at the start (what was asked); the end's details replace them. */
    details?: Record<string, unknown>;
  },
  body: (run: RunInfo) => Promise<JobEnd>,
): Promise<JobReport> {
  const run: RunInfo = { id: randomUUID(), packId: meta.packId ?? null };
  const date = meta.date ?? null;
  const started = performance.now();
  await jobs.startRun(ctx.db, {
    id: run.id,
    job: meta.job,
    pack_id: run.packId,
    date,
    provider: meta.provider ?? null,
    started_at: nowIso(),
    host: os.hostname(),
    pid: process.pid,
    ...(meta.details ? { details: meta.details } : {}),
  });
  ctx.breakerTally?.enter();
  return tracer.startActiveSpan(`job.${meta.job}`, async (span) => {
    span.setAttributes({
      'folio.job': meta.job,
      'folio.job.run_id': run.id,
      ...(date ? { 'folio.pack.date': date } : {}),
      ...(meta.provider ? { 'folio.provider': meta.provider } : {}),
    });
    let end: JobEnd;
    let failure: unknown = null;
    try {
      end = await body(run);
    } catch (err) {
      failure = err;
      const code = (err as { code?: unknown }).code;
      end = {
        status: 'failure',
        message:
          typeof code === 'string' && err instanceof Error && err.name === 'AppError'
            ? `${code}: ${err.message}`
            : errorText(err),
      };
    }
    const packId = end.pack_id ?? run.packId;
    const report: JobReport = {
      job: meta.job,
      run_id: run.id,
      status: end.status,
      pack_id: packId,
      date,
      message: end.message,
      duration_seconds: (performance.now() - started) / 1000,
      details: end.details ?? {},
    };
    const breakerEvents = ctx.breakerTally?.leave() ?? [];
    try {
      await jobs.finishRun(ctx.db, run.id, {
        status: report.status,
        finished_at: nowIso(),
        duration_seconds: report.duration_seconds,
        error: report.status === 'failure' ? report.message : null,
        details: report.details,
        pack_id: packId,
      });
      await jobs.addBreakerEvents(ctx.db, run.id, breakerEvents);
    } finally {
      if (packId) span.setAttribute('folio.pack.id', packId);
      span.setAttribute('folio.job.status', report.status);
      if (report.status === 'failure') {
        span.setStatus({ code: SpanStatusCode.ERROR, message: report.message });
        if (failure instanceof Error) span.recordException(failure);
        reportJobFailure(ctx, failure instanceof Error ? failure : new Error(report.message), {
          job: meta.job,
          pack_id: packId,
          date,
          provider: meta.provider ?? null,
        });
      }
      span.end();
    }
    return report;
  });
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The one place job failures leave the process: the log and the error tracker (a no-op until Sentry is initialised). */
export function reportJobFailure(
  ctx: JobContext,
  err: Error,
  tags: { job: JobName; pack_id: string | null; date: string | null; provider: string | null },
): void {
  ctx.logger.error({ err, ...tags }, `job ${tags.job} failed: ${err.message}`);
  const defined = Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== null)) as {
    job: JobName;
    pack_id?: string;
    date?: string;
    provider?: string;
  };
  captureJobFailure(err, defined);
}
