import type { Knex } from 'knex';
import { dialectOf } from './knex.js';

/**
 * One channel for every change a serving process caches an answer about. NOTIFY is scoped
 * to the database, and replicas of one deployment share its tables, so they share the channel.
 */
export const CHANGES_CHANNEL = 'folio_changes';

/** What changed: a portfolio's ledger head, a pack's status, an API key's state. */
export type ChangeKind = 'ledger' | 'pack' | 'key';
export const CHANGE_KINDS: readonly ChangeKind[] = ['ledger', 'pack', 'key'];

export interface Change {
  kind: ChangeKind;
  /** The portfolio, pack or API key id. */
  id: string;
}

/**
 * Tells every serving process that `change` happened, from inside the transaction that makes
 * it: PostgreSQL delivers a NOTIFY when (and only if) that transaction commits, so no process
 * hears of a change it cannot read yet. SQLite has one serving process, which needs no telling.
 */
export async function announce(db: Knex, change: Change): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await db.raw('select pg_notify(?, ?)', [CHANGES_CHANNEL, `${change.kind}:${change.id}`]);
}

/** The change a notification's payload names; null for a payload this version does not know. */
export function parseChange(payload: string): Change | null {
  const at = payload.indexOf(':');
  const kind = payload.slice(0, at) as ChangeKind;
  if (at < 1 || !CHANGE_KINDS.includes(kind)) return null;
  return { kind, id: payload.slice(at + 1) };
}
