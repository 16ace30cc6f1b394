import type { Knex } from 'knex';
import { z } from 'zod';
import * as ledger from '../db/repositories/ledger.js';
import { transactionsHash } from '../domain/ledger/commit.js';
import { EXPORT_HEADER, exportLine } from '../domain/ledger/export.js';
import { TX_TYPES, type Transaction } from '../domain/ledger/types.js';
import { normaliseSymbol, SYMBOL } from '../domain/symbol.js';
import { AppError } from '../errors.js';
import { isoDate } from '../executor/request.js';
import { parseOr400 } from '../validation.js';
import { decodeCursor, pageLimit, pageOf } from './cursor.js';
import { requirePortfolio, type Actor } from './portfolios.js';

/** A transaction as read back: the imported fields, and where it sits in the chain. */
export interface TransactionView extends Transaction {
  /** The commit that imported it. */
  commit: string;
  seq: number;
  /** Its row in that commit, from 1, as the import numbered it. */
  row: number;
}

export const transactionQuerySchema = z.strictObject({
  from: isoDate.optional(),
  to: isoDate.optional(),
  type: z
    .string()
    .transform((t) => t.toUpperCase())
    .pipe(z.enum(TX_TYPES))
    .optional(),
  symbol: z
    .string()
    .transform(normaliseSymbol)
    .pipe(z.string().regex(SYMBOL, 'must be a symbol such as BRK.B'))
    .optional(),
  commit: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be a 64-character lowercase hex commit hash')
    .optional(),
  limit: pageLimit(1000, 100),
  cursor: z.string().max(200).optional(),
});

const rowCursor = z.strictObject({ s: z.number().int().min(1), r: z.number().int().min(0) });

/**
 * A portfolio's transactions in chain order (commit by commit, rows as imported), filtered by
 * date range, type, symbol or commit, a page at a time. Commits only ever append after the
 * last one, so a cursor stays valid while imports go on.
 */
export async function listTransactions(
  db: Knex,
  actor: Actor,
  portfolioId: string,
  query: unknown,
): Promise<{ transactions: TransactionView[]; next_cursor: string | null }> {
  const q = parseOr400(transactionQuerySchema, query, 'query');
  const p = await requirePortfolio(db, actor, portfolioId);
  const head = await ledger.head(db, p.id);
  const commit = q.commit === undefined ? undefined : await ledger.resolve(db, p.id, q.commit);
  if (commit === null)
    throw new AppError('ledger_commit_not_found', `commit ${q.commit} is not in portfolio ${p.id}'s ledger`, {
      ledger_commit_hash: q.commit,
    });
  const after = q.cursor === undefined ? undefined : decodeCursor(rowCursor, q.cursor);
  const rows = await ledger.transactionsPage(db, p.id, {
    upToSeq: head.seq,
    after: after && { seq: after.s, row: after.r },
    from: q.from,
    to: q.to,
    type: q.type,
    symbol: q.symbol,
    commitSeq: commit?.seq,
    limit: q.limit + 1,
  });
  const page = pageOf(rows, q.limit, (last) => ({ s: last.commit_seq, r: last.row_index }));
  return {
    transactions: page.items.map(({ commit_hash, commit_seq, row_index, ...tx }) => ({
      ...tx,
      commit: commit_hash,
      seq: commit_seq,
      row: row_index + 1,
    })),
    next_cursor: page.next_cursor,
  };
}

export interface CommitView extends Omit<ledger.Commit, 'portfolio_id'> {
  /** sha256 of the commit's transactions alone: equal for the same batch on any chain. */
  transactions_hash: string;
}

export const commitQuerySchema = z.strictObject({
  limit: pageLimit(500, 100),
  cursor: z.string().max(200).optional(),
});

/** A portfolio's commits, oldest first, a page at a time, each with its transactions hash. */
export async function listCommitPage(
  db: Knex,
  actor: Actor,
  portfolioId: string,
  query: unknown,
): Promise<{ commits: CommitView[]; next_cursor: string | null }> {
  const q = parseOr400(commitQuerySchema, query, 'query');
  const p = await requirePortfolio(db, actor, portfolioId);
  const afterSeq =
    q.cursor === undefined ? 0 : decodeCursor(z.strictObject({ s: z.number().int().min(1) }), q.cursor).s;
  const page = pageOf(await ledger.commitsPage(db, p.id, afterSeq, q.limit + 1), q.limit, (last) => ({ s: last.seq }));
  const first = page.items[0];
  const last = page.items.at(-1);
  const batches =
    first && last ? await ledger.batchesOf(db, p.id, first.seq, last.seq) : new Map<number, Transaction[]>();
  return {
    commits: page.items.map(({ portfolio_id: _p, ...c }) => ({
      ...c,
      transactions_hash: transactionsHash(batches.get(c.seq) ?? []),
    })),
    next_cursor: page.next_cursor,
  };
}

/** Rows read per database round trip while exporting. */
const EXPORT_PAGE = 1000;

export interface LedgerExport {
  portfolio_id: string;
  /** The head exported: commits after it (imported while exporting) are not in the file. */
  ledger_commit_hash: string;
  commits: number;
  transactions: number;
  /** The CSV, header first, produced a page of rows at a time. */
  chunks: AsyncIterable<string>;
}

/**
 * A portfolio's ledger as the ledger CSV with a `commit` column, pinned to the head when the
 * export starts. Importing it into another portfolio appends the same commits (same
 * transactions, same transactions hashes), and so the same positions and analytics.
 */
export async function exportLedger(db: Knex, actor: Actor, portfolioId: string): Promise<LedgerExport> {
  const p = await requirePortfolio(db, actor, portfolioId);
  const head = await ledger.head(db, p.id);
  const commits = await ledger.listCommits(db, p.id);
  const pinned = commits.filter((c) => c.seq <= head.seq);
  return {
    portfolio_id: p.id,
    ledger_commit_hash: head.hash,
    commits: pinned.length,
    transactions: pinned.reduce((n, c) => n + c.tx_count, 0),
    chunks: exportChunks(db, p.id, head.seq),
  };
}

async function* exportChunks(db: Knex, portfolioId: string, upToSeq: number): AsyncGenerator<string> {
  yield EXPORT_HEADER;
  let after: { seq: number; row: number } | undefined;
  for (;;) {
    const rows = await ledger.transactionsPage(db, portfolioId, { upToSeq, after, limit: EXPORT_PAGE });
    if (rows.length === 0) return;
    yield rows.map(({ commit_hash, commit_seq: _s, row_index: _r, ...tx }) => exportLine(tx, commit_hash)).join('');
    const last = rows.at(-1)!;
    after = { seq: last.commit_seq, row: last.row_index };
  }
}
