const DAY_MS = 86_400_000;
const toMs = (date: string): number => Date.parse(`${date}T00:00:00.000Z`);
const toDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The day after the same date `years` earlier, so the span covers exactly `years` years. */
export function spanStart(endDate: string, years: number): string {
  const end = new Date(toMs(endDate));
  return toDate(Date.UTC(end.getUTCFullYear() - years, end.getUTCMonth(), end.getUTCDate()) + DAY_MS);
}
