/** A JSON object: not null and not an array (typeof says "object" for both). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
