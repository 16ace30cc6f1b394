import type { Knex } from 'knex';
import type { CurrentState } from '../db/current-state.js';
import * as ledger from '../db/repositories/ledger.js';
import * as securities from '../db/repositories/securities.js';
import { todayUtc } from '../clock.js';
import { ledgerFormat, type LedgerDocument } from '../domain/ledger/imports/formats.js';
import { AppError } from '../errors.js';
import { checkJsonInput, checkText } from '../validation.js';
import { prepareImport } from './ledger-prepare.js';
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
 * from another tool's export) and checked (a bad row or an unknown security rejects the whole
 * import, naming the row) and validated against the chain, off the event loop for a large
 * file (ledger-prepare.ts), then written as one transaction.
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
  const today = todayUtc();
  // Prepared against the chain as read, and written only if the head is still the one it was
  // validated and hashed on; otherwise another import landed meanwhile, and this one is
  // prepared again on top of it. Preparing outside the write's transaction keeps a large file
  // from holding SQLite's one connection (or a PostgreSQL row lock) while it is parsed.
  for (;;) {
    const tip = await ledger.tip(deps.db, portfolio.id);
    const prepared = await prepareImport({ format, document: req.document, securities: known, today, tip });
    let written = 0;
    const commits = await ledger.appendCommits(deps.db, portfolio.id, tip.hash, prepared, req.source, () =>
      req.onCommit?.(++written, prepared.length),
    );
    if (commits) return landed(deps, portfolio.id, commits);
  }
}

function landed(deps: LedgerImportDeps, portfolioId: string, commits: ledger.Commit[]): LedgerImportResult {
  const { current } = deps;
  if (current) {
    // Inside a caller's transaction (an idempotent write) the commit shows only once that commits.
    if (deps.db.isTransaction)
      void (deps.db as Knex.Transaction).executionPromise.then(
        () => current.ledgerChanged(portfolioId),
        () => undefined,
      );
    else current.ledgerChanged(portfolioId);
  }
  const first = commits[0]!;
  const last = commits.at(-1)!;
  return {
    ledger_commit_hash: last.hash,
    parent_hash: first.parent_hash,
    seq: last.seq,
    count: commits.reduce((n, c) => n + c.tx_count, 0),
    ...(commits.length > 1 ? { commits: commits.map((c) => ({ hash: c.hash, seq: c.seq, count: c.tx_count })) } : {}),
  };
}
