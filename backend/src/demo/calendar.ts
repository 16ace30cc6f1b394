/**
 * NYSE full-day closures 2022–2025. Demo series only span these years; outside them the
 * calendar is plain Monday to Friday.
 */
export const NYSE_HOLIDAYS: readonly string[] = [
  '2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05',
  '2022-11-24', '2022-12-26',
  '2023-01-02', '2023-01-16', '2023-02-20', '2023-04-07', '2023-05-29', '2023-06-19', '2023-07-04',
  '2023-09-04', '2023-11-23', '2023-12-25',
  '2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04',
  '2024-09-02', '2024-11-28', '2024-12-25',
  '2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19',
  '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25',
];

const DAY_MS = 86_400_000;
const toMs = (date: string): number => Date.parse(`${date}T00:00:00.000Z`);
const toDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The day after the same date `years` earlier, so the span covers exactly `years` years. */
export function spanStart(endDate: string, years: number): string {
  const end = new Date(toMs(endDate));
  return toDate(Date.UTC(end.getUTCFullYear() - years, end.getUTCMonth(), end.getUTCDate()) + DAY_MS);
}

/** Trading days from `from` to `to` inclusive: weekdays that are not NYSE holidays. */
export function tradingDays(from: string, to: string): string[] {
  if (Number.isNaN(toMs(from)) || Number.isNaN(toMs(to))) throw new RangeError(`invalid date range ${from}..${to}`);
  const holidays = new Set(NYSE_HOLIDAYS);
  const days: string[] = [];
  for (let ms = toMs(from); ms <= toMs(to); ms += DAY_MS) {
    const weekday = new Date(ms).getUTCDay();
    const date = toDate(ms);
    if (weekday !== 0 && weekday !== 6 && !holidays.has(date)) days.push(date);
  }
  return days;
}
