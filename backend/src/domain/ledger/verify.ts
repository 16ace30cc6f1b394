import { commitHash, genesisParent } from './commit.js';
import type { Transaction } from './types.js';

/** A commit row as stored, with the fields the chain depends on. */
export interface StoredCommit {
  hash: string;
  parent_hash: string;
  seq: number;
  tx_count: number;
}

/** A transaction row as stored: the canonical transaction and where the row says it belongs. */
export interface StoredRow {
  commit_hash: string;
  portfolio_id: string;
  commit_seq: number;
  row_index: number;
  tx: Transaction;
}

export const CHAIN_PROBLEMS = [
  'seq_gap',
  'parent_mismatch',
  'tx_count_mismatch',
  'row_misplaced',
  'hash_mismatch',
  'orphan_rows',
] as const;
export type ChainProblem = (typeof CHAIN_PROBLEMS)[number];

/** The first place where the stored chain is not what its hashes say it is. */
export interface ChainMismatch {
  seq: number;
  commit_hash: string;
  problem: ChainProblem;
  message: string;
  expected?: string;
  actual?: string;
}

/**
 * Walks a portfolio's chain from the genesis and recomputes every commit hash from the stored
 * rows with the import's own hashing (`commitHash`), so any edit to a row, a commit, or the
 * order or placement of rows since the import shows up. Returns the first mismatch in chain
 * order, or null when every commit verifies. `commits` must be ordered by seq and `rows` by
 * (commit_seq, row_index); rows are matched to commits by `commit_hash`.
 */
export function verifyChain(
  portfolioId: string,
  commits: readonly StoredCommit[],
  rows: readonly StoredRow[],
): ChainMismatch | null {
  const byCommit = new Map<string, StoredRow[]>(commits.map((c) => [c.hash, []]));
  const orphans: StoredRow[] = [];
  for (const row of rows) {
    const list = byCommit.get(row.commit_hash);
    if (list) list.push(row);
    else orphans.push(row);
  }

  let parent = genesisParent(portfolioId);
  for (const [i, c] of commits.entries()) {
    const at = { seq: c.seq, commit_hash: c.hash };
    if (c.seq !== i + 1) {
      return { ...at, problem: 'seq_gap', message: `commit seq ${c.seq} where ${i + 1} was expected` };
    }
    const orphan = orphans.find((r) => r.commit_seq === c.seq);
    if (orphan) return orphanMismatch(at, orphan);
    if (c.parent_hash !== parent) {
      return {
        ...at,
        problem: 'parent_mismatch',
        message: `commit ${c.seq} names parent ${c.parent_hash}, but the chain's previous commit is ${parent}`,
        expected: parent,
        actual: c.parent_hash,
      };
    }
    const own = byCommit.get(c.hash)!;
    if (own.length !== c.tx_count) {
      return {
        ...at,
        problem: 'tx_count_mismatch',
        message: `commit ${c.seq} records ${c.tx_count} transactions, ${own.length} are stored`,
        expected: String(c.tx_count),
        actual: String(own.length),
      };
    }
    const misplaced = own.findIndex(
      (r, index) => r.row_index !== index || r.commit_seq !== c.seq || r.portfolio_id !== portfolioId,
    );
    if (misplaced >= 0) {
      const r = own[misplaced]!;
      return {
        ...at,
        problem: 'row_misplaced',
        message:
          `row ${misplaced} of commit ${c.seq} is stored as row ${r.row_index} of commit seq ${r.commit_seq} ` +
          `in portfolio ${r.portfolio_id}`,
      };
    }
    const computed = commitHash(
      c.parent_hash,
      own.map((r) => r.tx),
    );
    if (computed !== c.hash) {
      return {
        ...at,
        problem: 'hash_mismatch',
        message: `commit ${c.seq}: the stored rows hash to ${computed}, not to the commit's hash`,
        expected: c.hash,
        actual: computed,
      };
    }
    parent = c.hash;
  }
  const orphan = orphans[0];
  return orphan ? orphanMismatch({ seq: orphan.commit_seq, commit_hash: orphan.commit_hash }, orphan) : null;
}

function orphanMismatch(at: { seq: number; commit_hash: string }, r: StoredRow): ChainMismatch {
  return {
    ...at,
    problem: 'orphan_rows',
    message: `a transaction of this portfolio (commit seq ${r.commit_seq}, row ${r.row_index}) belongs to commit ${r.commit_hash}, which is not in its chain`,
  };
}
