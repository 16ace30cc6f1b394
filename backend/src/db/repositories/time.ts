/** Timestamps are stored as ISO-8601 UTC strings in both dialects. */
export const nowIso = (): string => new Date().toISOString();
