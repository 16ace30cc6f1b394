import { Router } from 'express';
import type { Knex } from 'knex';
import { getSecurity, searchSecurities } from '../../services/securities.js';

export function securityRoutes(db: Knex): Router {
  const r = Router();
  r.get('/securities', async (req, res) => {
    res.json(await searchSecurities(db, req.query));
  });
  r.get('/securities/:symbol', async (req, res) => {
    res.json(await getSecurity(db, req.params.symbol));
  });
  return r;
}
