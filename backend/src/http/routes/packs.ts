import { Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import * as packs from '../../db/repositories/packs.js';
import { isoDate } from '../../executor/request.js';
import { parseOr400 } from '../../validation.js';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  before: isoDate.optional(),
  status: z.enum(['warming', 'fresh', 'error', 'superseded']).optional(),
});

export function packRoutes(db: Knex): Router {
  const r = Router();
  r.get('/packs', async (req, res) => {
    const q = parseOr400(listQuery, req.query, 'query');
    const list = await packs.list(db, q);
    const last = list.length === q.limit ? list[list.length - 1] : undefined;
    res.json({ packs: list, next_before: last?.date ?? null });
  });
  r.get('/packs/:id', async (req, res) => {
    const pack = await packs.get(db, req.params.id);
    if (!pack)
      throw new AppError('pricing_pack_not_found', `pricing pack ${req.params.id} does not exist`, {
        pricing_pack_id: req.params.id,
      });
    const [prices, fx] = await Promise.all([packs.prices(db, pack.id), packs.fx(db, pack.id)]);
    res.json({ ...pack, prices: [...prices.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)), fx });
  });
  return r;
}
