import type { Knex } from 'knex';
import type { CurrentState } from '../db/current-state.js';
import * as ledger from '../db/repositories/ledger.js';
import * as securities from '../db/repositories/securities.js';
import { todayUtc } from '../clock.js';
import { importedBatches, ledgerFormat, type LedgerDocument } from '../domain/ledger/imports/formats.js';
import type { Transaction } from '../domain/ledger/types.js';
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
  /** Hears of each commit as it is written (an export carries several). */
  onCommit?: ((done: number, total: number) => void) | undefined;
}

export interface LedgerImportResult {
  ledger_commit_hash: string;
  parent_hash: string;
  seq: number;
  count: number;
  /** Present when the file held several commits (an export): each one appended, oldest first. */
  commits?: { hash: string; seq: number; count: number }[];
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
  const batches = importedBatches(format, req.document, known, { today: todayUtc() });
  const count = batches.reduce((n, b) => n + b.length, 0);
  if (count === 0) throw invalid('no transactions to import');
  let written = 0;
  const commits = await ledger.appendCommits(
    deps.db,
    portfolio.id,
    batches,
    req.source,
    known,
    validateInFile(batches),
    () => req.onCommit?.(++written, batches.length),
  );
  const { current } = deps;
  if (current) {
    // Inside a caller's transaction (an idempotent write) the commit shows only once that commits.
    if (deps.db.isTransaction)
      void (deps.db as Knex.Transaction).executionPromise.then(
        () => current.ledgerChanged(portfolio.id),
        () => undefined,
      );
    else current.ledgerChanged(portfolio.id);
  }
  const first = commits[0]!;
  const last = commits.at(-1)!;
  return {
    ledger_commit_hash: last.hash,
    parent_hash: first.parent_hash,
    seq: last.seq,
    count,
    ...(commits.length > 1 ? { commits: commits.map((c) => ({ hash: c.hash, seq: c.seq, count: c.tx_count })) } : {}),
  };
}

/**
 * validateImport for each batch in turn, with the rows it names renumbered from the batch to
 * the file, so an error in a file of several commits points at the file's row.
 */
function validateInFile(batches: readonly Transaction[][]): ledger.ImportValidator {
  let index = 0;
  return (existing, batch, securities, nextSeq) => {
    const offset = batches.slice(0, index++).reduce((n, b) => n + b.length, 0);
    try {
      validateImport(existing, batch, securities, nextSeq);
    } catch (e) {
      if (!(e instanceof AppError) || offset === 0) throw e;
      const errors = e.details.errors as { row: number }[] | undefined;
      if (!errors?.length) throw e;
      const shifted = errors.map((r) => ({ ...r, row: r.row + offset }));
      throw new AppError(e.code, `row ${shifted[0]!.row}: ${e.message.replace(/^row \d+: /, '')}`, {
        ...e.details,
        errors: shifted,
      });
    }
  };
}
