import { createHmac } from 'node:crypto';

/**
 * Identifiers leave the process only as a keyed hash: HMAC-SHA256 under PII_HASH_KEY, cut to
 * 16 hex characters. Without the key nobody can test guesses (a plain hash of a short user id
 * is reversed by enumeration); with it, support can still match one user's events.
 */
export type IdHasher = (value: string) => string;

export function keyedHasher(key: string): IdHasher {
  return (value) => createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 16);
}
