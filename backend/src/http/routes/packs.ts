import { Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { PACK_STATUSES } from '../../domain/pack.js';
import { isoDate } from '../../executor/request.js';
import { getPack, listPacks } from '../../services/packs/catalogue.js';
import { parseOr400 } from '../../validation.js';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  before: isoDate.optional(),
  status: z.enum(PACK_STATUSES).optional(),
});

export function packRoutes(db: Knex): Router {
  const r = Router();
  r.get('/packs', async (req, res) => {
    res.json(await listPacks(db, parseOr400(listQuery, req.query, 'query')));
  });
  r.get('/packs/:id', async (req, res) => {
    res.json(await getPack(db, req.params.id));
  });
  return r;
}
