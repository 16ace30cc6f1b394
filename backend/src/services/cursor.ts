import { z } from 'zod';
import { invalid } from '../errors.js';

/**
 * Page cursors are opaque to clients: base64url JSON of where the last page ended, so the
 * key a listing pages by can change without breaking the API's shape.
 */
export const encodeCursor = (position: object): string => Buffer.from(JSON.stringify(position)).toString('base64url');

export function decodeCursor<T extends z.ZodType>(schema: T, cursor: string): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const r = schema.safeParse(value);
  if (!r.success) throw invalid('cursor is not one this listing gave (pass next_cursor back unchanged)', { cursor });
  return r.data;
}

/** The bounded page size every cursor listing takes. */
export const pageLimit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** A page of `items` read with one extra row: the page itself and the cursor for the next, null at the end. */
export function pageOf<T>(
  rows: T[],
  limit: number,
  positionOf: (last: T) => object,
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
