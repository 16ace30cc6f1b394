import { AppError, invalid } from '../../../errors.js';
import { commitHash } from '../commit.js';
import type { LedgerEntry, SecurityInfo, Transaction } from '../types.js';
import { validateImport } from '../validate.js';
import { importedBatches, type LedgerDocument, type LedgerFormat } from './formats.js';

/** The chain an import appends to: its head and every entry up to it. */
export interface ChainTip {
  hash: string;
  seq: number;
  entries: LedgerEntry[];
}

export interface PrepareInput {
  format: LedgerFormat;
  document: LedgerDocument;
  securities: ReadonlyMap<string, SecurityInfo>;
  /** Rows dated after this day (YYYY-MM-DD) are rejected. */
  today: string;
  tip: ChainTip;
}

/** A commit ready to be written: its place on the chain, its hash and its rows. */
export interface PreparedCommit {
  hash: string;
  parent_hash: string;
  seq: number;
  transactions: Transaction[];
}

/**
 * A file of any format as the commits it appends to `tip`, all or nothing: every row parsed
 * (or mapped from another tool's export), each batch validated against the chain and the
 * batches before it, and each commit hashed onto its parent. Pure, so it runs the same on the
 * event loop or in a worker thread (services/ledger-prepare.ts).
 */
export function prepareCommits(input: PrepareInput): PreparedCommit[] {
  const batches = importedBatches(input.format, input.document, input.securities, { today: input.today });
  if (batches.every((b) => b.length === 0)) throw invalid('no transactions to import');
  const existing = [...input.tip.entries];
  let parent = { hash: input.tip.hash, seq: input.tip.seq };
  let offset = 0;
  return batches.map((transactions) => {
    const seq = parent.seq + 1;
    validateInFile(existing, transactions, input.securities, seq, offset);
    const commit = { hash: commitHash(parent.hash, transactions), parent_hash: parent.hash, seq, transactions };
    existing.push(...transactions.map((tx, rowIndex) => ({ ...tx, commitSeq: seq, rowIndex })));
    offset += transactions.length;
    parent = commit;
    return commit;
  });
}

/**
 * validateImport with the rows it names renumbered from the batch to the file (`offset` rows
 * come before it), so an error in a file of several commits points at the file's row.
 */
function validateInFile(
  existing: readonly LedgerEntry[],
  batch: readonly Transaction[],
  securities: ReadonlyMap<string, SecurityInfo>,
  seq: number,
  offset: number,
): void {
  try {
    validateImport(existing, batch, securities, seq);
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
}
