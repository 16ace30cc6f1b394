import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { commitHash, genesisParent } from '../../domain/ledger/commit.js';
import { LEDGER_COLUMNS } from '../../domain/ledger/parse.js';
import type { ChainTip, PreparedCommit } from '../../domain/ledger/imports/prepare.js';
import type { LedgerEntry, Transaction } from '../../domain/ledger/types.js';
import type { StoredCommit, StoredRow } from '../../domain/ledger/verify.js';
import { insertChunked, insertInSlices, SLICE_ROWS } from '../bulk.js';
import { announce } from '../changes.js';
import { dialectOf, isUniqueViolation } from '../knex.js';
import { isoSecondsFromNow, nowIso } from '../../clock.js';

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

/** The commits of a portfolio's chain: staged ones (migration 007) are not part of it yet. */
const published = (db: Knex, portfolioId: string) =>
  db('ledger_commits').where({ portfolio_id: portfolioId }).whereNull('pending_since');

const staged = (db: Knex, portfolioId: string) =>
  db('ledger_commits').where({ portfolio_id: portfolioId }).whereNotNull('pending_since');

/**
 * A staged commit whose import has written nothing for this long belongs to an import that
 * died part way (a killed process): the next import onto that portfolio removes it, rows and all.
 */
export const STAGED_COMMIT_STALE_SECONDS = 10;

/** How often an import waits to see whether another import staging onto its portfolio is done. */
const STAGED_WAIT_MS = 20;

export async function head(db: Knex, portfolioId: string): Promise<LedgerHead> {
  const row = await published(db, portfolioId).orderBy('seq', 'desc').first<HeadRow | undefined>('hash', 'seq');
  return row ? { hash: row.hash, seq: Number(row.seq) } : { hash: genesisParent(portfolioId), seq: 0 };
}

/** Resolves a pinned hash within one portfolio's chain; null when it is not part of that chain. */
export async function resolve(db: Knex, portfolioId: string, hash: string): Promise<LedgerHead | null> {
  if (hash === genesisParent(portfolioId)) return { hash, seq: 0 };
  const row = await published(db, portfolioId).where({ hash }).first<HeadRow | undefined>('hash', 'seq');
  return row ? { hash: row.hash, seq: Number(row.seq) } : null;
}

export async function listCommits(db: Knex, portfolioId: string): Promise<Commit[]> {
  const rows = await published(db, portfolioId).orderBy('seq').select<Commit[]>(COMMIT_COLUMNS);
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
 * either claims to be this portfolio's or belongs to one of its commits, in chain order; the
 * rows of a commit still being staged are not part of the chain yet.
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
    .where((q) => {
      void q.where({ portfolio_id: portfolioId }).orWhereIn('commit_hash', published(db, portfolioId).select('hash'));
    })
    .whereNotIn('commit_hash', staged(db, portfolioId).select('hash'))
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
 * `parentHash`: another import landed after these were prepared and validated. `onCommit`
 * hears of each commit as it is written.
 *
 * SQLite has one connection, and every request that writes (an execution's provenance) waits
 * for it; a 20,000-row import written in one transaction held it for most of a second. There,
 * the commits are staged: claimed as pending, their rows written a slice per transaction,
 * then published in one short transaction that clears the flag, while readers see only
 * published commits. PostgreSQL serves other requests from other connections meanwhile, and
 * a caller's transaction (an idempotent write) holds the connection anyway: both write in one
 * transaction, on PostgreSQL with the portfolio row locked so concurrent imports are
 * serialised rather than forking the chain.
 */
export async function appendCommits(
  db: Knex,
  portfolioId: string,
  parentHash: string,
  prepared: readonly PreparedCommit[],
  source: string,
  onCommit?: (commit: Commit) => void,
): Promise<Commit[] | null> {
  const commits = prepared.map(({ hash, parent_hash, seq, transactions }) => ({
    hash,
    portfolio_id: portfolioId,
    parent_hash,
    seq,
    tx_count: transactions.length,
    source,
    created_at: nowIso(),
  }));
  const rowsOf = (k: number, from: number, to: number) =>
    prepared[k]!.transactions.slice(from, to).map((tx, i) => storedRow(commits[k]!, from + i, tx));
  if (dialectOf(db) === 'postgres' || db.isTransaction) {
    return db.transaction(async (trx) => {
      if (dialectOf(db) === 'postgres') {
        await trx('portfolios').where({ id: portfolioId }).forUpdate().first('id');
      }
      if ((await head(trx, portfolioId)).hash !== parentHash) return null;
      for (const [k, commit] of commits.entries()) {
        await trx('ledger_commits').insert(commit);
        await insertInSlices(trx, 'transactions', prepared[k]!.transactions, (tx, i) => storedRow(commit, i, tx));
        onCommit?.(commit);
      }
      await announce(trx, { kind: 'ledger', id: portfolioId });
      return commits;
    });
  }
  return appendStaged(db, portfolioId, parentHash, commits, rowsOf, onCommit);
}

async function appendStaged(
  db: Knex,
  portfolioId: string,
  parentHash: string,
  commits: readonly Commit[],
  rowsOf: (k: number, from: number, to: number) => object[],
  onCommit?: (commit: Commit) => void,
): Promise<Commit[] | null> {
  const hashes = commits.map((c) => c.hash);
  for (;;) {
    const claim = await claimStaged(db, portfolioId, parentHash, commits);
    if (claim === 'moved') return null;
    if (claim === 'claimed') break;
    await sleep(STAGED_WAIT_MS);
  }
  try {
    for (const [k, commit] of commits.entries()) {
      for (let i = 0; i < commit.tx_count; i += SLICE_ROWS) {
        await setImmediate();
        const alive = await db.transaction(async (trx) => {
          // Keeps the claim from looking dead; 0 rows: it was removed as dead all the same.
          const touched = await trx('ledger_commits').whereIn('hash', hashes).update({ pending_since: nowIso() });
          if (touched !== hashes.length) return false;
          await insertChunked(trx, 'transactions', rowsOf(k, i, i + SLICE_ROWS));
          return true;
        });
        if (!alive) return await discardStaged(db, hashes);
      }
      onCommit?.(commit);
    }
    const done = await db.transaction(async (trx) => {
      const cleared = await trx('ledger_commits')
        .whereIn('hash', hashes)
        .whereNotNull('pending_since')
        .update({ pending_since: null });
      if (cleared !== hashes.length) return false;
      await announce(trx, { kind: 'ledger', id: portfolioId });
      return true;
    });
    return done ? [...commits] : await discardStaged(db, hashes);
  } catch (err) {
    await discardStaged(db, hashes).catch(() => undefined);
    throw err;
  }
}

/**
 * A transaction as its row stores it. Named fields rather than a spread: the transactions of a
 * large import arrive from the preparing thread as dictionary-mode objects, and spreading
 * 20,000 of them held the event loop for over 100 ms.
 */
const storedRow = (commit: Commit, rowIndex: number, tx: Transaction) => ({
  commit_hash: commit.hash,
  portfolio_id: commit.portfolio_id,
  commit_seq: commit.seq,
  row_index: rowIndex,
  date: tx.date,
  type: tx.type,
  symbol: tx.symbol,
  quantity: tx.quantity,
  price: tx.price,
  amount: tx.amount,
  currency: tx.currency,
  fee: tx.fee,
  note: tx.note,
});

/**
 * Claims the seqs after `parentHash` for `commits`, as staged: `moved` when the head is no
 * longer `parentHash`, `busy` while another import is staging onto the same portfolio.
 */
async function claimStaged(
  db: Knex,
  portfolioId: string,
  parentHash: string,
  commits: readonly Commit[],
): Promise<'claimed' | 'moved' | 'busy'> {
  try {
    return await db.transaction(async (trx) => {
      await staged(trx, portfolioId)
        .where('pending_since', '<', isoSecondsFromNow(-STAGED_COMMIT_STALE_SECONDS))
        .delete();
      if ((await head(trx, portfolioId)).hash !== parentHash) return 'moved';
      if (await staged(trx, portfolioId).first('hash')) return 'busy';
      const since = nowIso();
      await insertChunked(
        trx,
        'ledger_commits',
        commits.map((c) => ({ ...c, pending_since: since })),
      );
      return 'claimed';
    });
  } catch (err) {
    // Another process claimed the same seqs first.
    if (isUniqueViolation(err)) return 'busy';
    throw err;
  }
}

/** Removes staged commits with their rows (cascade); null, for appendCommits to prepare again. */
async function discardStaged(db: Knex, hashes: readonly string[]): Promise<null> {
  await db('ledger_commits').whereIn('hash', hashes).whereNotNull('pending_since').delete();
  return null;
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
  const rows = await published(db, portfolioId)
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
