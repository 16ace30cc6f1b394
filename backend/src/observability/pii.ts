import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';

/**
 * Identifiers leave the process only as a keyed hash: HMAC-SHA256 under PII_HASH_KEY, cut to
 * 16 hex characters. Without the key nobody can test guesses (a plain hash of a short user id
 * is reversed by enumeration); with it, support can still match one user's events.
 */
export type IdHasher = (value: string) => string;

/** The shape of every keyed hash; our own identifiers (usr_…, pf_…, key_…) never have it. */
export const HASHED_ID = /^[0-9a-f]{16}$/;

export function keyedHasher(key: string): IdHasher {
  // Every traced request hashes its user; an HMAC costs more than the rest of its span.
  const known = new LRUCache<string, string>({ max: 10_000 });
  return (value) => {
    let hashed = known.get(value);
    if (hashed === undefined) {
      hashed = createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 16);
      known.set(value, hashed);
    }
    return hashed;
  };
}

let processKey: string | undefined;

/**
 * The process's identifier hasher, shared by error reports and spans so that one user's hash
 * is the same in Sentry and in the traces. Without PII_HASH_KEY (config.ts refuses that in
 * production while anything is exported) a random key is made once per process: nothing
 * leaks, but hashes then differ between restarts and instances, hence the warning.
 */
export function idHasher(config: Pick<Config, 'PII_HASH_KEY'>, logger: Pick<Logger, 'warn'>): IdHasher {
  if (config.PII_HASH_KEY !== undefined) return keyedHasher(config.PII_HASH_KEY);
  if (processKey === undefined) {
    processKey = randomBytes(32).toString('hex');
    logger.warn(
      'PII_HASH_KEY is unset: identifiers are hashed with a random per-process key, so their hashes differ between restarts and instances',
    );
  }
  return keyedHasher(processKey);
}
