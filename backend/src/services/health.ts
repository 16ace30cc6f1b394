import type { Knex } from 'knex';
import { migrationsCurrent, ping } from '../db/knex.js';
import * as packs from '../db/repositories/packs.js';
import type { FreshnessRule } from '../domain/pack.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/** Ready to take traffic: the database answers, its migrations are current, and the process is not shutting down. */
export async function readiness(db: Knex, shuttingDown: boolean): Promise<Readiness> {
  const checks: Record<string, string> = {};
  try {
    await ping(db);
    checks.database = 'ok';
    checks.migrations = (await migrationsCurrent(db)) ? 'ok' : 'pending';
  } catch {
    checks.database = 'unreachable';
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
