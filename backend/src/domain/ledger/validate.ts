import { invalid } from '../../errors.js';
import { compareEntries, describeEntry, LedgerReplayError, replayLedger } from './replay.js';
import { RowErrorList } from './row-errors.js';
import { lookupSecurity } from './securities.js';
import type { LedgerEntry, SecurityInfo, Transaction } from './types.js';

/** Types that can take away units an existing later entry relies on. */
const REDUCING_TYPES: ReadonlySet<string> = new Set(['SELL', 'TRANSFER_OUT', 'SPLIT']);

/**
 * Checks that a batch can be appended to the ledger as commit `nextSeq`: every symbol is a
 * known security in the row's currency, and the whole ledger still replays with the batch
 * in it. Throws a 400 naming the offending batch rows.
 */
export function validateImport(
  existing: readonly LedgerEntry[],
  batch: readonly Transaction[],
  securities: ReadonlyMap<string, SecurityInfo>,
  nextSeq: number,
): void {
  // Checked row by row first so one response lists every unknown symbol, not just the earliest.
  const list = new RowErrorList();
  for (const [i, tx] of batch.entries()) {
    if (tx.symbol === null) continue;
    const { problem } = lookupSecurity({ ...tx, symbol: tx.symbol }, securities);
    if (problem) list.add({ row: i + 1, field: problem.field, message: problem.message });
  }
  if (!list.empty) throw list.toError();

  const entries = batch.map((tx, rowIndex): LedgerEntry => ({ ...tx, commitSeq: nextSeq, rowIndex }));
  try {
    replayLedger([...existing, ...entries], { securities });
  } catch (e) {
    if (!(e instanceof LedgerReplayError)) throw e;
    throw blame(e, entries, nextSeq);
  }
}

function blame(e: LedgerReplayError, entries: readonly LedgerEntry[], nextSeq: number) {
  const list = new RowErrorList();
  const failed = e.entry;
  if (failed.commitSeq === nextSeq) {
    list.add({ row: failed.rowIndex + 1, ...(e.field ? { field: e.field } : {}), message: e.reason });
    return list.toError();
  }

  // An existing entry broke, so back-dated batch rows must have taken away what it relied on.
  const existing = `the existing ${describeEntry(failed)} (commit ${failed.commitSeq})`;
  const culprits = entries.filter(
    (b) => b.symbol === failed.symbol && REDUCING_TYPES.has(b.type) && compareEntries(b, failed) < 0,
  );
  for (const b of culprits) {
    list.add({ row: b.rowIndex + 1, message: `makes ${existing} impossible: ${e.reason}` });
  }
  if (!list.empty) return list.toError();
  return invalid(`with this import, ${existing} can no longer be applied: ${e.reason}`, {
    errors: [],
    existing_entry: { date: failed.date, type: failed.type, symbol: failed.symbol, commit_seq: failed.commitSeq },
  });
}
