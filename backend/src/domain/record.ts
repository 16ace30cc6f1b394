/** A JSON object: not null and not an array (typeof says "object" for both). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Array.isArray for values already typed as arrays: the built-in narrows a readonly array to
 * any[], which would drop the element type the checks after it rely on.
 */
export const isList = (v: unknown): v is readonly unknown[] => Array.isArray(v);
