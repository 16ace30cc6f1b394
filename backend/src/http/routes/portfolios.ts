import express, { Router, type Request } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError, invalid } from '../../errors.js';
import type { CurrentState } from '../../db/current-state.js';
import * as ledger from '../../db/repositories/ledger.js';
import * as portfolios from '../../db/repositories/portfolios.js';
import * as securities from '../../db/repositories/securities.js';
import { parseLedgerCsv, parseLedgerJson } from '../../domain/ledger/parse.js';
import { validateImport } from '../../domain/ledger/validate.js';
import { authOf } from '../auth.js';
import { parseOr400 } from '../../validation.js';
import { todayUtc } from '../../clock.js';
import { CURRENCY_CODE } from '../../domain/fx.js';

const createSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  base_currency: z.string().regex(CURRENCY_CODE, 'must be an ISO 4217 code such as USD'),
});

export function portfolioRoutes(db: Knex, current: CurrentState, bodyLimitBytes: number): Router {
  const r = Router();

  const owned = async (req: Request<{ id: string }>) => {
    const p = await portfolios.getForUser(db, req.params.id, authOf(req).user.id);
    if (!p)
      throw new AppError('portfolio_not_found', `portfolio ${req.params.id} does not exist`, {
        portfolio_id: req.params.id,
      });
    return p;
  };

  r.get('/portfolios', async (req, res) => {
    const list = await portfolios.listForUser(db, authOf(req).user.id);
    res.json({ portfolios: list.map(({ user_id: _u, ...p }) => p) });
  });

  r.post('/portfolios', async (req, res) => {
    const body = parseOr400(createSchema, req.body, 'body');
    const { user_id: _u, ...p } = await portfolios.create(db, authOf(req).user.id, body.name, body.base_currency);
    res.status(201).json(p);
  });

  r.get('/portfolios/:id', async (req, res) => {
    const { user_id: _u, ...p } = await owned(req);
    const commits = await ledger.listCommits(db, p.id);
    const head = await ledger.head(db, p.id);
    res.json({ ...p, ledger_commit_hash: head.hash, commits: commits.map(({ portfolio_id: _p, ...c }) => c) });
  });

  r.post(
    '/portfolios/:id/transactions',
    express.text({ type: 'text/csv', limit: bodyLimitBytes }),
    async (req, res) => {
      const p = await owned(req);
      const batch = req.is('text/csv')
        ? parseLedgerCsv(typeof req.body === 'string' ? req.body : '', { today: todayUtc() })
        : req.is('application/json')
          ? parseLedgerJson(req.body, { today: todayUtc() })
          : (() => {
              throw new AppError(
                'unsupported_media_type',
                'send text/csv (the ledger CSV) or application/json ({"transactions": [...]})',
              );
            })();
      if (batch.length === 0) throw invalid('no transactions to import');
      const known = await securities.all(db);
      const commit = await ledger.appendCommit(db, p.id, batch, 'api', known, validateImport);
      current.ledgerChanged(p.id);
      res.status(201).json({
        ledger_commit_hash: commit.hash,
        parent_hash: commit.parent_hash,
        seq: commit.seq,
        count: batch.length,
      });
    },
  );

  return r;
}
