import { canonicalJson, hashCanonical, sha256Hex } from '../domain/canonical.js';
import type { Warning } from './capability.js';

/** Identifies an answer: equal results with equal warnings hash equally, whatever their key order. */
export function resultHash(result: Record<string, unknown>, warnings: readonly Warning[]): string {
  return sha256Hex(canonicalJson({ result, warnings }));
}

/** A finished answer: its canonical JSON as UTF-8 (also the response body's `result`) and its hash. */
export interface SealedResult {
  result_json: Buffer;
  warnings: readonly Warning[];
  result_hash: string;
}

/**
 * Serialises and encodes a result once and hashes those same bytes, so the answer a client
 * receives is exactly the text the hash covers, and a cached answer is never encoded again.
 * Equal to resultHash(): "result" sorts before "warnings".
 */
export function sealResult(result: Record<string, unknown>, warnings: readonly Warning[]): SealedResult {
  const json = canonicalJson(result);
  return {
    result_json: Buffer.from(json, 'utf8'),
    warnings,
    result_hash: sha256Hex(`{"result":${json},"warnings":${canonicalJson(warnings)}}`),
  };
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
