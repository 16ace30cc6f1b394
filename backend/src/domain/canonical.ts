import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, -0 written as 0, undefined members
 * dropped. Two equal values always give the same bytes, which is what makes result and
 * ledger hashes reproducible across processes and databases.
 */
export function canonicalJson(value: unknown): string {
  return write(value);
}

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalise non-finite number ${value}`);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : write(v))).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${write((value as Record<string, unknown>)[k])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot canonicalise ${typeof value}`);
  }
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export const hashCanonical = (value: unknown): string => sha256Hex(canonicalJson(value));
