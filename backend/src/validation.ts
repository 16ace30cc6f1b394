import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { invalid } from './errors.js';

/** Parses a request part with a zod schema; the first problems become one invalid_request. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 20).map((i) => ({
    field: i.path.join('.') || what,
    message: i.message,
  }));
  const first = problems[0]!;
  throw invalid(`${what}: ${first.field === what ? '' : `${first.field}: `}${first.message}`, { problems });
}

/** How deeply arrays and objects may nest in a JSON body (documented in docs/api.md). */
export const MAX_JSON_DEPTH = 32;

// In a /u regex a surrogate pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * The one string rule for everything a client sends: text both databases store byte for byte
 * and hash alike. PostgreSQL text cannot hold U+0000 (SQLite can, so letting it through would
 * make the databases differ), and a lone UTF-16 surrogate has no UTF-8 form: it would be
 * stored as U+FFFD while the hash covered the surrogate. Null when `s` is fine, else the
 * first offending character's index and what is wrong with it.
 */
export function unstorable(s: string): { index: number; reason: string } | null {
  const nul = s.indexOf('\u0000');
  const surrogate = s.search(LONE_SURROGATE);
  if (nul < 0 && surrogate < 0) return null;
  return nul >= 0 && (surrogate < 0 || nul < surrogate)
    ? { index: nul, reason: 'contains a NUL character (U+0000)' }
    : { index: surrogate, reason: 'contains a lone UTF-16 surrogate' };
}

/**
 * Checks a parsed JSON value before anything reads it: nesting at most MAX_JSON_DEPTH, every
 * key and string storable, every number finite (JSON.parse turns 1e999 into Infinity, which
 * no hash or column can take). Iterative, so no nesting depth can exhaust the stack.
 */
export function checkJsonInput(value: unknown, what: string): void {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: what, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const bad = unstorable(v);
      if (bad) throw invalid(`${path} ${bad.reason}`, { field: path });
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw invalid(`${path} is a number out of range`, { field: path });
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_JSON_DEPTH) {
        throw invalid(`${what} nests deeper than ${MAX_JSON_DEPTH} levels`, { field: path, max_depth: MAX_JSON_DEPTH });
      }
      for (const [key, child] of Object.entries(v)) {
        const at = `${path}.${key}`;
        const bad = unstorable(key);
        if (bad) throw invalid(`a key in ${path} ${bad.reason}`, { field: path });
        stack.push({ v: child, path: at, depth: depth + 1 });
      }
    }
  }
}

/** Checks an uploaded text document (the ledger CSV) with the string rule, naming the line. */
export function checkText(text: string, what: string): void {
  const bad = unstorable(text);
  if (!bad) return;
  const line = text.slice(0, bad.index).split('\n').length;
  throw invalid(`${what} line ${line} ${bad.reason}`, { line });
}

/** A file's bytes as text, refusing bytes that are not UTF-8 rather than replacing them. */
export function utf8Text(bytes: Buffer, what: string): string {
  if (!isUtf8(bytes)) throw invalid(`${what} is not valid UTF-8`);
  return bytes.toString('utf8');
}
