import { hash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, -0 written as 0, undefined members
 * dropped. Two equal values always give the same bytes, which is what makes result and
 * ledger hashes reproducible across processes and databases.
 */
export function canonicalJson(value: unknown): string {
  return write(value);
}

// Characters JSON.stringify escapes (quote, backslash, controls) or may escape (surrogates,
// lone ones are written as \uXXXX): a string without any is copied between quotes as it is.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

// Keys come from a small vocabulary (field names, currencies, sectors): each is quoted once.
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** Above this many keys an insertion sort's quadratic comparisons cost more than sort()'s allocations. */
const INSERTION_SORT_MAX_KEYS = 32;

/**
 * Sorts in code-unit order, as Array.prototype.sort compares strings. Most objects are small
 * and need sorting; sort() allocated about 900 bytes for each (a third of what hashing a
 * portfolio_overview result allocated), an insertion sort in place nothing.
 */
function sortKeys(keys: string[]): void {
  if (keys.length > INSERTION_SORT_MAX_KEYS) {
    for (let i = 1; i < keys.length; i++) {
      if (keys[i - 1]! > keys[i]!) {
        keys.sort();
        return;
      }
    }
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

// Written with plain loops and string concatenation: this runs over every result to hash it
// (a cold portfolio_overview spent a tenth of its time here).
function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalise non-finite number ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v: unknown = value[i];
          out += v === undefined ? 'null' : write(v);
        }
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      sortKeys(keys);
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${quoteKey(k)}:${write(v)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot canonicalise ${typeof value}`);
  }
}

/** One-shot `hash`, not a `createHash` object: a third of the cost on the hot path's short texts. */
export const sha256Hex = (text: string): string => hash('sha256', text, 'hex');

export const hashCanonical = (value: unknown): string => sha256Hex(canonicalJson(value));
