import type { Knex } from 'knex';
import type { CurrentState } from '../db/current-state.js';
import * as ledger from '../db/repositories/ledger.js';
import * as securities from '../db/repositories/securities.js';
import { todayUtc } from '../clock.js';
import { parseLedgerCsv, parseLedgerJson } from '../domain/ledger/parse.js';
import type { Transaction } from '../domain/ledger/types.js';
import { validateImport } from '../domain/ledger/validate.js';
import { AppError, invalid } from '../errors.js';
import { requirePortfolio, type Actor } from './portfolios.js';

export interface LedgerImportDeps {
  db: Knex;
  /** A serving process's cached ledger heads: the new commit is visible to the next request at once. */
  current?: CurrentState | undefined;
}

/** The batch as it arrived: the ledger CSV text, or the JSON body `{"transactions": [...]}`. */
export type LedgerDocument = { csv: string } | { json: unknown };

export interface LedgerImportRequest {
  actor: Actor;
  portfolioId: string;
  document: LedgerDocument;
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
 * every row is parsed and checked (a bad row rejects the whole import, naming the row), then
 * validated against the chain inside the commit's transaction.
 */
export async function importLedger(deps: LedgerImportDeps, req: LedgerImportRequest): Promise<LedgerImportResult> {
  const portfolio = await requirePortfolio(deps.db, req.actor, req.portfolioId);
  if (portfolio.archived_at !== null) {
    throw new AppError('portfolio_archived', `portfolio ${portfolio.id} is archived and takes no more imports`, {
      portfolio_id: portfolio.id,
      archived_at: portfolio.archived_at,
    });
  }
  const batch = parseDocument(req.document);
  if (batch.length === 0) throw invalid('no transactions to import');
  const known = await securities.all(deps.db);
  const commit = await ledger.appendCommit(deps.db, portfolio.id, batch, req.source, known, validateImport);
  deps.current?.ledgerChanged(portfolio.id);
  return { ledger_commit_hash: commit.hash, parent_hash: commit.parent_hash, seq: commit.seq, count: batch.length };
}

function parseDocument(doc: LedgerDocument): Transaction[] {
  const opts = { today: todayUtc() };
  return 'csv' in doc ? parseLedgerCsv(doc.csv, opts) : parseLedgerJson(doc.json, opts);
}
