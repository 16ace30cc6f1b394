import { canonicalJson, hashCanonical, sha256Hex } from '../domain/canonical.js';
import type { Warning } from './capability.js';

/** Identifies an answer: equal results with equal warnings hash equally, whatever their key order. */
export function resultHash(result: Record<string, unknown>, warnings: Warning[]): string {
  return sha256Hex(canonicalJson({ result, warnings }));
}

/** Everything a pattern result is a pure function of. */
export interface CacheKeyParts {
  pattern_id: string;
  pattern_version: string;
  inputs: Record<string, unknown>;
  pricing_pack_id: string;
  ledger_commit_hash: string;
  asof_date: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  const { pattern_id, pattern_version, inputs, pricing_pack_id, ledger_commit_hash, asof_date } = parts;
  // Picked field by field so extra properties on the argument can never split or merge keys.
  return hashCanonical({ pattern_id, pattern_version, inputs, pricing_pack_id, ledger_commit_hash, asof_date });
}
