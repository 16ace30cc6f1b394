import { Router } from 'express';
import type { Knex } from 'knex';
import type { FreshnessRule } from '../../domain/pack.js';
import { packHealth, readiness } from '../../services/health.js';

export function healthRoutes(db: Knex, isShuttingDown: () => boolean, freshnessRule: FreshnessRule): Router {
  const r = Router();
  r.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/health/ready', async (_req, res) => {
    const { ready, checks } = await readiness(db, isShuttingDown());
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  r.get('/health/pack', async (_req, res) => {
    const { fresh, ...body } = await packHealth(db, freshnessRule);
    res.status(fresh ? 200 : 503).json(body);
  });
  return r;
}
