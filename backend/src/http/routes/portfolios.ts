import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { Router, type Request } from 'express';
import type { Knex } from 'knex';
import type { CurrentState } from '../../db/current-state.js';
import { AppError } from '../../errors.js';
import { importLedger, type LedgerDocument } from '../../services/ledger-import.js';
import { verifyLedger } from '../../services/ledger-verify.js';
import { exportLedger, listCommitPage, listTransactions } from '../../services/ledger-read.js';
import {
  asUser,
  createPortfolio,
  deletePortfolio,
  getPortfolio,
  listPortfolios,
  updatePortfolio,
} from '../../services/portfolios.js';
import { authOf } from '../auth.js';
import { respondOnce } from '../idempotency.js';
import { verifyUtf8 } from '../input-guard.js';

/** The ledger batch in whichever of the two accepted media types it was sent. */
function ledgerDocument(req: Request): LedgerDocument {
  if (req.is('text/csv')) return { csv: typeof req.body === 'string' ? req.body : '' };
  if (req.is('application/json')) return { json: req.body };
  throw new AppError(
    'unsupported_media_type',
    'send text/csv (the ledger CSV) or application/json ({"transactions": [...]})',
  );
}

/** `?format=` names another tool's export; absent means Folio's own ledger CSV or JSON. */
function formatParam(req: Request): string | undefined {
  const format = req.query.format;
  if (format === undefined || typeof format === 'string') return format;
  throw new AppError('invalid_request', 'give format once, as a string', {});
}

export function portfolioRoutes(db: Knex, current: CurrentState, bodyLimitBytes: number): Router {
  const r = Router();

  r.get('/portfolios', async (req, res) => {
    res.json({ portfolios: await listPortfolios(db, authOf(req).user) });
  });

  r.post('/portfolios', async (req, res) => {
    const user = authOf(req).user;
    await respondOnce(req, res, db, 201, (trx) => createPortfolio(trx, user, req.body));
  });

  r.get('/portfolios/:id', async (req, res) => {
    res.json(await getPortfolio(db, asUser(authOf(req).user), req.params.id));
  });

  r.patch('/portfolios/:id', async (req, res) => {
    res.json(await updatePortfolio(db, asUser(authOf(req).user), req.params.id, req.body));
  });

  r.delete('/portfolios/:id', async (req, res) => {
    await deletePortfolio(db, asUser(authOf(req).user), req.params.id);
    res.status(204).end();
  });

  r.post(
    '/portfolios/:id/transactions',
    express.text({ type: 'text/csv', limit: bodyLimitBytes, verify: verifyUtf8 }),
    async (req, res) => {
      const request = {
        actor: asUser(authOf(req).user),
        portfolioId: req.params.id,
        document: ledgerDocument(req),
        format: formatParam(req),
        source: 'api',
      };
      await respondOnce(req, res, db, 201, (trx) => importLedger({ db: trx, current }, request));
    },
  );

  r.get('/portfolios/:id/transactions', async (req, res) => {
    res.json(await listTransactions(db, asUser(authOf(req).user), req.params.id, req.query));
  });

  r.get('/portfolios/:id/commits', async (req, res) => {
    res.json(await listCommitPage(db, asUser(authOf(req).user), req.params.id, req.query));
  });

  r.get('/portfolios/:id/ledger.csv', async (req, res) => {
    const exported = await exportLedger(db, asUser(authOf(req).user), req.params.id);
    res.type('text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${exported.portfolio_id}-ledger.csv"`);
    res.setHeader('x-ledger-commit-hash', exported.ledger_commit_hash);
    // Streamed a page of rows at a time, so a long ledger never sits in memory as one string.
    await pipeline(Readable.from(exported.chunks), res);
  });

  r.get('/portfolios/:id/ledger/verify', async (req, res) => {
    res.json(await verifyLedger(db, asUser(authOf(req).user), req.params.id));
  });

  return r;
}
