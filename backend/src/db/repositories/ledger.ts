import type { Knex } from 'knex';
import { commitHash, genesisParent } from '../../domain/ledger/commit.js';
import { LEDGER_COLUMNS } from '../../domain/ledger/parse.js';
import type { ChainTip, PreparedCommit } from '../../domain/ledger/imports/prepare.js';
import type { LedgerEntry, Transaction } from '../../domain/ledger/types.js';
import type { StoredCommit, StoredRow } from '../../domain/ledger/verify.js';
import { insertChunked, insertInSlices } from '../bulk.js';
import { announce } from '../changes.js';
import { dialectOf } from '../knex.js';
import { nowIso } from '../../clock.js';

export interface Commit {
  hash: string;
  portfolio_id: string;
  parent_hash: string;
  seq: number;
  tx_count: number;
  source: string;
  created_at: string;
}

/**
 * The ledger state a request reads: a commit of one portfolio's chain. An empty ledger is
 * the chain's genesis, seq 0, so it can be pinned and replayed like any other state.
 */
export interface LedgerHead {
  hash: string;
  seq: number;
}

/** `seq` may come back as text from PostgreSQL aggregates and drivers; read it through Number. */
type HeadRow = { hash: string; seq: number | string };

const COMMIT_COLUMNS = ['hash', 'portfolio_id', 'parent_hash', 'seq', 'tx_count', 'source', 'created_at'] as const;

export async function head(db: Knex, portfolioId: string): Promise<LedgerHead> {
  const row = await db('ledger_commits')
    .where({ portfolio_id: portfolioId })
    .orderBy('seq', 'desc')
    .first<HeadRow | undefined>('hash', 'seq');
  return row ? { hash: row.hash, seq: Number(row.seq) } : { hash: genesisParent(portfolioId), seq: 0 };
}

/** Resolves a pinned hash within one portfolio's chain; null when it is not part of that chain. */
export async function resolve(db: Knex, portfolioId: string, hash: string): Promise<LedgerHead | null> {
  if (hash === genesisParent(portfolioId)) return { hash, seq: 0 };
  const row = await db('ledger_commits')
    .where({ portfolio_id: portfolioId, hash })
    .first<HeadRow | undefined>('hash', 'seq');
  return row ? { hash: row.hash, seq: Number(row.seq) } : null;
}

export async function listCommits(db: Knex, portfolioId: string): Promise<Commit[]> {
  const rows = await db('ledger_commits')
    .where({ portfolio_id: portfolioId })
    .orderBy('seq')
    .select<Commit[]>(COMMIT_COLUMNS);
  return rows.map((r) => ({ ...r, seq: Number(r.seq), tx_count: Number(r.tx_count) }));
}

/** Every transaction of the chain up to and including commit `seq`. */
export async function entriesUpTo(db: Knex, portfolioId: string, seq: number): Promise<LedgerEntry[]> {
  if (seq === 0) return [];
  const rows = await db('transactions')
    .where({ portfolio_id: portfolioId })
    .andWhere('commit_seq', '<=', seq)
    .orderBy([{ column: 'date' }, { column: 'commit_seq' }, { column: 'row_index' }])
    .select(...LEDGER_COLUMNS, 'commit_seq', 'row_index');
  return rows.map(toEntry);
}

function toEntry(r: Record<string, unknown>): LedgerEntry {
  return { ...toTransaction(r), commitSeq: Number(r.commit_seq), rowIndex: Number(r.row_index) };
}

/** A stored row in the canonical transaction shape the commit hash covers (nulls included). */
function toTransaction(r: Record<string, unknown>): Transaction {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    date: String(r.date),
    type: r.type as Transaction['type'],
    symbol: (r.symbol as string | null) ?? null,
    quantity: num(r.quantity),
    price: num(r.price),
    amount: num(r.amount),
    currency: String(r.currency),
    fee: Number(r.fee),
    note: (r.note as string | null) ?? null,
  };
}

/**
 * Everything a chain verification reads: the portfolio's commits by seq, and every row that
 * either claims to be this portfolio's or belongs to one of its commits, in chain order.
 */
export async function storedChain(
  db: Knex,
  portfolioId: string,
): Promise<{ commits: StoredCommit[]; rows: StoredRow[] }> {
  const commits = (await listCommits(db, portfolioId)).map(({ hash, parent_hash, seq, tx_count }) => ({
    hash,
    parent_hash,
    seq,
    tx_count,
  }));
  const rows = await db('transactions')
    .where({ portfolio_id: portfolioId })
    .orWhereIn('commit_hash', db('ledger_commits').where({ portfolio_id: portfolioId }).select('hash'))
    .orderBy([{ column: 'commit_seq' }, { column: 'row_index' }, { column: 'id' }])
    .select(...LEDGER_COLUMNS, 'commit_hash', 'portfolio_id', 'commit_seq', 'row_index');
  return {
    commits,
    rows: rows.map((r: Record<string, unknown>) => ({
      commit_hash: String(r.commit_hash),
      portfolio_id: String(r.portfolio_id),
      commit_seq: Number(r.commit_seq),
      row_index: Number(r.row_index),
      tx: toTransaction(r),
    })),
  };
}

/** The chain as an import finds it: the head and every entry up to it. */
export async function tip(db: Knex, portfolioId: string): Promise<ChainTip> {
  const at = await head(db, portfolioId);
  return { ...at, entries: await entriesUpTo(db, portfolioId, at.seq) };
}

/**
 * Appends prepared commits (domain/ledger/imports/prepare.ts) as consecutive commits onto
 * `parentHash`, all or nothing. Null, with nothing written, when the chain's head is no longer
 * `parentHash`: another import landed after these were prepared and validated. On PostgreSQL
 * the portfolio row is locked, so two concurrent imports are serialised rather than forking
 * the chain. Rows go in a slice at a time, letting other requests run in between (bulk.ts).
 * `onCommit` hears of each commit as it is written.
 */
export async function appendCommits(
  db: Knex,
  portfolioId: string,
  parentHash: string,
  prepared: readonly PreparedCommit[],
  source: string,
  onCommit?: (commit: Commit) => void,
): Promise<Commit[] | null> {
  return db.transaction(async (trx) => {
    if (dialectOf(db) === 'postgres') {
      await trx('portfolios').where({ id: portfolioId }).forUpdate().first('id');
    }
    if ((await head(trx, portfolioId)).hash !== parentHash) return null;
    const commits: Commit[] = [];
    for (const { hash, parent_hash, seq, transactions } of prepared) {
      const commit: Commit = {
        hash,
        portfolio_id: portfolioId,
        parent_hash,
        seq,
        tx_count: transactions.length,
        source,
        created_at: nowIso(),
      };
      await trx('ledger_commits').insert(commit);
      await insertInSlices(trx, 'transactions', transactions, (tx, i) => ({
        ...tx,
        commit_hash: hash,
        portfolio_id: portfolioId,
        commit_seq: seq,
        row_index: i,
      }));
      commits.push(commit);
      onCommit?.(commit);
    }
    await announce(trx, { kind: 'ledger', id: portfolioId });
    return commits;
  });
}

/** A stored transaction with the commit it belongs to. */
export interface StoredTransaction extends Transaction {
  commit_hash: string;
  commit_seq: number;
  row_index: number;
}

export interface TransactionFilter {
  /** Only commits up to this seq (the head a read pinned). */
  upToSeq: number;
  /** Resume after this row, in chain order. */
  after?: { seq: number; row: number } | undefined;
  from?: string | undefined;
  to?: string | undefined;
  type?: string | undefined;
  symbol?: string | undefined;
  commitSeq?: number | undefined;
  limit: number;
}

/** Transactions in chain order (commit, then row within it), filtered, up to `limit`. */
export async function transactionsPage(
  db: Knex,
  portfolioId: string,
  f: TransactionFilter,
): Promise<StoredTransaction[]> {
  const q = db('transactions')
    .where({ portfolio_id: portfolioId })
    .andWhere('commit_seq', '<=', f.upToSeq)
    .orderBy([{ column: 'commit_seq' }, { column: 'row_index' }])
    .limit(f.limit);
  if (f.after) {
    const { seq, row } = f.after;
    q.andWhereRaw('(commit_seq > ? or (commit_seq = ? and row_index > ?))', [seq, seq, row]);
  }
  if (f.from !== undefined) q.andWhere('date', '>=', f.from);
  if (f.to !== undefined) q.andWhere('date', '<=', f.to);
  if (f.type !== undefined) q.andWhere({ type: f.type });
  if (f.symbol !== undefined) q.andWhere({ symbol: f.symbol });
  if (f.commitSeq !== undefined) q.andWhere({ commit_seq: f.commitSeq });
  const rows = await q.select(...LEDGER_COLUMNS, 'commit_hash', 'commit_seq', 'row_index');
  return rows.map((r: Record<string, unknown>) => ({
    ...toTransaction(r),
    commit_hash: String(r.commit_hash),
    commit_seq: Number(r.commit_seq),
    row_index: Number(r.row_index),
  }));
}

/** Commits after seq `afterSeq`, oldest first, up to `limit`. */
export async function commitsPage(db: Knex, portfolioId: string, afterSeq: number, limit: number): Promise<Commit[]> {
  const rows = await db('ledger_commits')
    .where({ portfolio_id: portfolioId })
    .andWhere('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .select<Commit[]>(COMMIT_COLUMNS);
  return rows.map((r) => ({ ...r, seq: Number(r.seq), tx_count: Number(r.tx_count) }));
}

/** The batches of commits `fromSeq`..`toSeq` as imported (rows in order), by seq. */
export async function batchesOf(
  db: Knex,
  portfolioId: string,
  fromSeq: number,
  toSeq: number,
): Promise<Map<number, Transaction[]>> {
  const rows = await db('transactions')
    .where({ portfolio_id: portfolioId })
    .andWhereBetween('commit_seq', [fromSeq, toSeq])
    .orderBy([{ column: 'commit_seq' }, { column: 'row_index' }])
    .select(...LEDGER_COLUMNS, 'commit_seq');
  const out = new Map<number, Transaction[]>();
  for (const r of rows as Record<string, unknown>[]) {
    const seq = Number(r.commit_seq);
    const batch = out.get(seq) ?? [];
    batch.push(toTransaction(r));
    out.set(seq, batch);
  }
  return out;
}

/**
 * Writes a whole chain for a portfolio with an empty ledger, one commit per batch, as a
 * generated data set needs it. Commit timestamps come from each batch's last date, so the
 * same batches always give the same rows.
 */
export async function insertChain(
  trx: Knex.Transaction,
  portfolioId: string,
  batches: readonly (readonly Transaction[])[],
  source: string,
): Promise<{ head: string; transactions: number }> {
  const commits: Commit[] = [];
  const transactions: object[] = [];
  let parent = genesisParent(portfolioId);
  batches.forEach((batch, i) => {
    const seq = i + 1;
    const hash = commitHash(parent, batch);
    commits.push({
      hash,
      portfolio_id: portfolioId,
      parent_hash: parent,
      seq,
      tx_count: batch.length,
      source,
      created_at: `${batch.at(-1)?.date ?? ''}T23:00:00.000Z`,
    });
    batch.forEach((tx, rowIndex) => {
      transactions.push({ commit_hash: hash, portfolio_id: portfolioId, commit_seq: seq, row_index: rowIndex, ...tx });
    });
    parent = hash;
  });
  await insertChunked(trx, 'ledger_commits', commits);
  await insertChunked(trx, 'transactions', transactions);
  return { head: parent, transactions: transactions.length };
}
