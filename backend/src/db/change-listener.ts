import os from 'node:os';
import pg from 'pg';
import { CHANGES_CHANNEL, parseChange, type Change } from './changes.js';

/** What the listener tells its owner; the owner drops cached answers and records metrics. */
export interface ChangeListenerEvents {
  /** Listening (again). Changes made while it was not may have been missed: re-read everything. */
  listening(reconnected: boolean): void;
  changed(change: Change): void;
  /** The connection failed or was lost; the next attempt starts in `retryInMs`. `failures` counts in a row. */
  lost(err: Error, retryInMs: number, failures: number): void;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

/** How a listener connection is named in pg_stat_activity, so an operator can find (and test) it. */
export const listenerApplicationName = (pid = process.pid) => `folio-listener ${pid} ${os.hostname()}`.slice(0, 63);

/**
 * One PostgreSQL connection per serving process, outside the knex pool, that LISTENs on
 * CHANGES_CHANNEL and hands each change to its owner. When the connection fails or is lost
 * (a restart, a failover, pg_terminate_backend) it connects again with jittered exponential
 * backoff (0.1 s doubling to 5 s), and once it listens again its owner is told to re-read
 * everything, since notifications sent in between are gone.
 */
export class ChangeListener {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private everListened = false;
  private stopped = false;
  private listening = false;

  constructor(
    private readonly connectionString: string,
    private readonly events: ChangeListenerEvents,
  ) {}

  /** Whether changes are heard right now. */
  get up(): boolean {
    return this.listening;
  }

  /**
   * Makes the first attempt and resolves once it listens or has failed (at most the connect
   * timeout): a serving process that starts after it serves no answer cached before it
   * listened. After a failure it goes on trying in the background (the caches' TTLs cover the gap).
   */
  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retry = null;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: listenerApplicationName(),
      // A connection that dies silently (a dropped network path) is noticed by TCP keepalive.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 5000,
    });
    this.client = client;
    let gone = false;
    const lose = (err: Error) => {
      if (gone) return;
      gone = true;
      this.listening = false;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures++);
      const retryInMs = Math.round(delay / 2 + (Math.random() * delay) / 2);
      this.events.lost(err, retryInMs, this.failures);
      this.retry = setTimeout(() => void this.connect(), retryInMs);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('the listener connection was closed')));
    client.on('notification', (msg) => {
      if (msg.channel !== CHANGES_CHANNEL) return;
      const change = parseChange(msg.payload ?? '');
      if (change) this.events.changed(change);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANGES_CHANNEL}`);
    } catch (err) {
      lose(err as Error);
      return;
    }
    if (gone || this.stopped) return;
    this.failures = 0;
    this.listening = true;
    this.events.listening(this.everListened);
    this.everListened = true;
  }
}
