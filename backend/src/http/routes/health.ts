import { Router } from 'express';
import type { Knex } from 'knex';
import { migrationsCurrent } from '../../db/knex.js';
import * as packs from '../../db/repositories/packs.js';

export function healthRoutes(db: Knex, isShuttingDown: () => boolean): Router {
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
  r.get('/health/pack', async (_req, res) => {
    const newest = await packs.newest(db);
    const fresh = newest?.status === 'fresh' ? newest : await packs.newestFresh(db);
    const ageSeconds = fresh?.fresh_at
      ? Math.max(0, Math.round((Date.now() - Date.parse(fresh.fresh_at)) / 1000))
      : null;
    const ok = newest?.status === 'fresh';
    res.status(ok ? 200 : 503).json({
      status: ok ? 'fresh' : newest ? newest.status : 'missing',
      newest: newest ? { id: newest.id, date: newest.date, status: newest.status } : null,
      newest_fresh: fresh
        ? { id: fresh.id, date: fresh.date, fresh_at: fresh.fresh_at, age_seconds: ageSeconds }
        : null,
    });
  });
  return r;
}
