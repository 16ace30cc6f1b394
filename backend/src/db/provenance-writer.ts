import { setImmediate as setImmediateAsync } from 'node:timers/promises';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Knex } from 'knex';
import * as executions from './repositories/executions.js';
import type { ExecutionRecord } from './repositories/executions.js';

interface Pending {
  record: ExecutionRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for provenance: every record written during one turn of the event loop goes
 * to the database in one insert, and each caller's promise settles only once its record is
 * stored, so a response is never sent for an execution whose provenance was not written.
 */
export class ProvenanceWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inflight = new Set<Promise<void>>();

  constructor(private readonly db: Knex) {}

  write(record: ExecutionRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when everything queued so far is stored (used on shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inflight.size > 0) {
      if (this.queue.length > 0 && !this.scheduled) this.flush();
      await Promise.allSettled([...this.inflight]);
      if (this.queue.length > 0) await setImmediateAsync();
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    // The insert stores the records of every request of the batch, so it belongs to none of their
    // traces: left in the first one's context, its database span would sit in that request's trace
    // alone, as if that request had made it. Each request's span gets a 'provenance stored' event.
    const p = context.with(ROOT_CONTEXT, () => this.store(batch)).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async store(batch: Pending[]): Promise<void> {
    try {
      await executions.insert(
        this.db,
        batch.map((b) => b.record),
      );
      for (const b of batch) b.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad record (a reused request id) must not take the others down with it.
      for (const b of batch) {
        try {
          await executions.insert(this.db, [b.record]);
          b.resolve();
        } catch (e) {
          b.reject(e);
        }
      }
    }
  }
}
