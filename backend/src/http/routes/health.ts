import { Router } from 'express';
import type { Knex } from 'knex';
import { migrationsCurrent } from '../../db/knex.js';
import * as packs from '../../db/repositories/packs.js';
import type { FreshnessRule } from '../../domain/pack.js';

export function healthRoutes(db: Knex, isShuttingDown: () => boolean, freshnessRule: FreshnessRule): Router {
  const r = Router();
  r.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/health/ready', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await db.raw('select 1');
      checks.database = 'ok';
      checks.migrations = (await migrationsCurrent(db)) ? 'ok' : 'pending';
    } catch {
      checks.database = 'unreachable';
    }
    if (isShuttingDown()) checks.lifecycle = 'shutting_down';
    const ready = checks.database === 'ok' && checks.migrations === 'ok' && !isShuttingDown();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  // Fresh means what the freshness SLO and folio_pack_fresh mean: the newest fresh pack covers
  // the date expected now (domain/pack.ts), and its age is the one folio_pack_age_seconds reports.
  r.get('/health/pack', async (_req, res) => {
    const [f, newest] = await Promise.all([packs.freshness(db, new Date(), freshnessRule), packs.newest(db)]);
    const newestFresh = f.newestFreshDate === null ? null : await packs.newestFresh(db);
    res.status(f.fresh ? 200 : 503).json({
      status: f.state,
      expected_date: f.expectedDate,
      newest: newest ? { id: newest.id, date: newest.date, status: newest.status } : null,
      newest_fresh: newestFresh
        ? { id: newestFresh.id, date: newestFresh.date, fresh_at: newestFresh.fresh_at, age_seconds: f.ageSeconds }
        : null,
    });
  });
  return r;
}
