import { canonicalJson, hashCanonical, sha256Hex } from '../domain/canonical.js';
import type { Warning } from './capability.js';

/** Identifies an answer: equal results with equal warnings hash equally, whatever their key order. */
export function resultHash(result: Record<string, unknown>, warnings: readonly Warning[]): string {
  return sha256Hex(canonicalJson({ result, warnings }));
}

/** A finished answer: its canonical JSON text (also the response body's `result`) and its hash. */
export interface SealedResult {
  result_json: string;
  warnings: readonly Warning[];
  result_hash: string;
}

/**
 * Serialises a result once and hashes those same bytes, so the answer a client receives is
 * exactly the text the hash covers. Equal to resultHash(): "result" sorts before "warnings".
 */
export function sealResult(result: Record<string, unknown>, warnings: readonly Warning[]): SealedResult {
  const result_json = canonicalJson(result);
  return { result_json, warnings, result_hash: sha256Hex(`{"result":${result_json},"warnings":${canonicalJson(warnings)}}`) };
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
