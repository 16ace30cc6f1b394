/** The one clock: every "now" the backend stores or compares against is read here, in UTC. */

/** Now as stored: an ISO-8601 UTC timestamp. */
export const nowIso = (): string => new Date().toISOString();

/** The timestamp `seconds` from now (before now when negative). */
export const isoSecondsFromNow = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString();

/** Today's date in UTC, the day against which "in the future" is judged. */
export const todayUtc = (): string => nowIso().slice(0, 10);

/** Milliseconds since `started` (a performance.now() reading), to the microsecond, as durations are reported. */
export const elapsedMs = (started: number): number => Math.round((performance.now() - started) * 1000) / 1000;
