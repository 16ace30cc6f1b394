import type { Knex } from 'knex';
import type { CurrentState } from '../db/current-state.js';
import * as ledger from '../db/repositories/ledger.js';
import * as securities from '../db/repositories/securities.js';
import { todayUtc } from '../clock.js';
import { importedTransactions, ledgerFormat, type LedgerDocument } from '../domain/ledger/imports/formats.js';
import { validateImport } from '../domain/ledger/validate.js';
import { AppError, invalid } from '../errors.js';
import { checkJsonInput, checkText } from '../validation.js';
import { requirePortfolio, type Actor } from './portfolios.js';

export interface LedgerImportDeps {
  db: Knex;
  /** A serving process's cached ledger heads: the new commit is visible to the next request at once. */
  current?: CurrentState | undefined;
}

export type { LedgerDocument };

export interface LedgerImportRequest {
  actor: Actor;
  portfolioId: string;
  /** The ledger CSV text or the JSON body `{"transactions": [...]}`, or another tool's export. */
  document: LedgerDocument;
  /** Which file it is: `folio` (the default), `portfolio-performance` or `ghostfolio` (LEDGER_FORMATS). */
  format?: string | undefined;
  /** Recorded on the commit: where the batch came from (`api`, `cli`). */
  source: string;
}

export interface LedgerImportResult {
  ledger_commit_hash: string;
  parent_hash: string;
  seq: number;
  count: number;
}

/**
 * Imports one batch of transactions as one commit on the portfolio's chain, all or nothing:
 * text that breaks the string rule (validation.ts) is refused, every row is parsed (or mapped
 * from another tool's export) and checked (a bad row or an
 * unknown security rejects the whole import, naming the row), then
 * validated against the chain inside the commit's transaction.
 */
export async function importLedger(deps: LedgerImportDeps, req: LedgerImportRequest): Promise<LedgerImportResult> {
  // The string rule first: text the database could not store byte for byte is never hashed.
  if ('csv' in req.document) checkText(req.document.csv, 'the CSV');
  else checkJsonInput(req.document.json, 'body');
  const portfolio = await requirePortfolio(deps.db, req.actor, req.portfolioId);
  if (portfolio.archived_at !== null) {
    throw new AppError('portfolio_archived', `portfolio ${portfolio.id} is archived and takes no more imports`, {
      portfolio_id: portfolio.id,
      archived_at: portfolio.archived_at,
    });
  }
  const known = await securities.all(deps.db);
  const format = ledgerFormat(req.format);
  const batch = importedTransactions(format, req.document, known, { today: todayUtc() });
  if (batch.length === 0) throw invalid('no transactions to import');
  const commit = await ledger.appendCommit(deps.db, portfolio.id, batch, req.source, known, validateImport);
  deps.current?.ledgerChanged(portfolio.id);
  return { ledger_commit_hash: commit.hash, parent_hash: commit.parent_hash, seq: commit.seq, count: batch.length };
}
