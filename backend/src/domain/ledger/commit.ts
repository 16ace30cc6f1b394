import { canonicalJson, sha256Hex } from '../canonical.js';
import type { Transaction } from './types.js';

/**
 * Each portfolio's chain starts from its own genesis parent, so the same first batch
 * imported into two portfolios still gives two distinct commits.
 */
export const genesisParent = (portfolioId: string): string => sha256Hex(`folio-genesis:${portfolioId}`);

/**
 * `sha256(canonical JSON of the batch)`: what a commit holds, whatever chain it sits on. An
 * export re-imported into another portfolio gives each commit the same transactions hash
 * (and a different commit hash, since the chain roots differ).
 */
export const transactionsHash = (batch: readonly Transaction[]): string => sha256Hex(canonicalJson(batch));

/** `sha256(parent_hash + canonical JSON of the batch)`, like a git commit. */
export const commitHash = (parentHash: string, batch: readonly Transaction[]): string =>
  sha256Hex(parentHash + canonicalJson(batch));
