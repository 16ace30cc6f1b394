import type { Knex } from 'knex';
import { migrationsCurrent, servesRequests } from '../db/knex.js';
import { databaseOutage, withinDeadline } from '../db/unavailable.js';
import * as packs from '../db/repositories/packs.js';
import type { FreshnessRule } from '../domain/pack.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/**
 * Ready to take traffic: the database serves the tables requests read, within `timeoutMs`,
 * its migrations are current, and the process is not shutting down. When the database cannot
 * serve, `checks.database` names why in the words of db/unavailable.ts (`unreachable` for
 * any other failure).
 */
export async function readiness(db: Knex, shuttingDown: boolean, timeoutMs: number): Promise<Readiness> {
  const checks: Record<string, string> = {};
  try {
    await withinDeadline(servesRequests(db), timeoutMs);
    checks.database = 'ok';
    checks.migrations = (await withinDeadline(migrationsCurrent(db), timeoutMs)) ? 'ok' : 'pending';
  } catch (err) {
    checks.database = databaseOutage(err) ?? 'unreachable';
  }
  if (shuttingDown) checks.lifecycle = 'shutting_down';
  return { ready: checks.database === 'ok' && checks.migrations === 'ok' && !shuttingDown, checks };
}

export interface PackHealth {
  fresh: boolean;
  status: string;
  expected_date: string;
  newest: { id: string; date: string; status: packs.PackStatus } | null;
  newest_fresh: { id: string; date: string; fresh_at: string | null; age_seconds: number | null } | null;
}

/**
 * Fresh means what the freshness SLO and folio_pack_fresh mean: the newest fresh pack covers
 * the date expected at `now` (domain/pack.ts), and its age is the one folio_pack_age_seconds reports.
 */
export async function packHealth(db: Knex, rule: FreshnessRule, now: Date = new Date()): Promise<PackHealth> {
  const [f, newest] = await Promise.all([packs.freshness(db, now, rule), packs.newest(db)]);
  const newestFresh = f.newestFreshDate === null ? null : await packs.newestFresh(db);
  return {
    fresh: f.fresh,
    status: f.state,
    expected_date: f.expectedDate,
    newest: newest ? { id: newest.id, date: newest.date, status: newest.status } : null,
    newest_fresh: newestFresh
      ? { id: newestFresh.id, date: newestFresh.date, fresh_at: newestFresh.fresh_at, age_seconds: f.ageSeconds }
      : null,
  };
}
