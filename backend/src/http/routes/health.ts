import { Router } from 'express';
import type { Knex } from 'knex';
import type { FreshnessRule } from '../../domain/pack.js';
import { withinDeadline } from '../../db/unavailable.js';
import { packHealth, readiness } from '../../services/health.js';

/** `probeTimeoutMs` bounds every database read here, so a hung database gets an answer, not a hung probe. */
export function healthRoutes(
  db: Knex,
  isShuttingDown: () => boolean,
  freshnessRule: FreshnessRule,
  probeTimeoutMs: number,
): Router {
  const r = Router();
  r.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/health/ready', async (_req, res) => {
    const { ready, checks } = await readiness(db, isShuttingDown(), probeTimeoutMs);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  r.get('/health/pack', async (_req, res) => {
    // A database that cannot answer leaves through the error handler as 503 dependency_unavailable.
    const { fresh, ...body } = await withinDeadline(packHealth(db, freshnessRule), probeTimeoutMs);
    res.status(fresh ? 200 : 503).json(body);
  });
  return r;
}
