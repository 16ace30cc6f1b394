import { addDays } from './dates.js';

/**
 * NYSE full-day closures 2022–2025. Outside these years the calendar is plain Monday to Friday.
 */
export const NYSE_HOLIDAYS: readonly string[] = [
  '2022-01-17',
  '2022-02-21',
  '2022-04-15',
  '2022-05-30',
  '2022-06-20',
  '2022-07-04',
  '2022-09-05',
  '2022-11-24',
  '2022-12-26',
  '2023-01-02',
  '2023-01-16',
  '2023-02-20',
  '2023-04-07',
  '2023-05-29',
  '2023-06-19',
  '2023-07-04',
  '2023-09-04',
  '2023-11-23',
  '2023-12-25',
  '2024-01-01',
  '2024-01-15',
  '2024-02-19',
  '2024-03-29',
  '2024-05-27',
  '2024-06-19',
  '2024-07-04',
  '2024-09-02',
  '2024-11-28',
  '2024-12-25',
  '2025-01-01',
  '2025-01-09',
  '2025-01-20',
  '2025-02-17',
  '2025-04-18',
  '2025-05-26',
  '2025-06-19',
  '2025-07-04',
  '2025-09-01',
  '2025-11-27',
  '2025-12-25',
];

const HOLIDAYS = new Set(NYSE_HOLIDAYS);

/** The years whose NYSE closures are listed; outside them the calendar is Monday to Friday. */
const HOLIDAY_YEARS = { first: Number(NYSE_HOLIDAYS[0]!.slice(0, 4)), last: Number(NYSE_HOLIDAYS.at(-1)!.slice(0, 4)) };

/**
 * The first date the calendar can tell trading days for: before the first year whose closures
 * are listed it would take every holiday for a trading day. After the last listed year it
 * knows weekends only, which a run records (calendarUsed), so later dates are accepted.
 */
export const CALENDAR_FIRST_DATE = `${HOLIDAY_YEARS.first}-01-01`;

/**
 * Why no pack can be built for `date` when today (UTC) is `today`, or null when one can: a
 * date before the calendar's range has unknown closures, and a date after today has no closes
 * yet. `date` must already be a real calendar date (isCalendarDate).
 */
export function packDateProblem(date: string, today: string): string | null {
  if (date < CALENDAR_FIRST_DATE)
    return `${date} is before the trading calendar's range (it lists NYSE closures from ${CALENDAR_FIRST_DATE})`;
  if (date > today)
    return `${date} is in the future (today is ${today} UTC); packs are built for dates that have closed`;
  return null;
}

/** A trading day: a weekday that is not a NYSE holiday (holidays are known for 2022–2025; other years are Monday to Friday). */
export function isTradingDay(date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !HOLIDAYS.has(date);
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: string): string {
  let d = addDays(date, -1);
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

/** The calendar date and HH:MM wall-clock time of `at` in `timeZone`. */
export function localDateTime(at: Date, timeZone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/**
 * The first instant at which the wall clock in `timeZone` shows `time` (HH:MM) on `date` or
 * later. In a daylight-saving gap, where the clock never shows `time`, that is the jump.
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const target = `${date}T${time}`;
  const reads = (t: number): string => {
    const l = localDateTime(new Date(t), timeZone);
    return `${l.date}T${l.time}`;
  };
  const wall = Date.parse(`${target}:00Z`);
  // The zone's offset at an instant: what its wall clock reads there, minus the instant.
  const offset = (t: number) => Date.parse(`${reads(t)}:00Z`) - t;
  // Near a transition the offset at `wall` can be the wrong one; the offset there is right.
  let t = wall - offset(wall - offset(wall));
  const MINUTE = 60_000;
  while (reads(t) < target) t += MINUTE;
  while (reads(t - MINUTE) >= target) t -= MINUTE;
  return new Date(t);
}

/** Trading days from `from` to `to` inclusive. */
export function tradingDays(from: string, to: string): string[] {
  if (Number.isNaN(Date.parse(`${from}T00:00:00Z`)) || Number.isNaN(Date.parse(`${to}T00:00:00Z`)))
    throw new RangeError(`invalid date range ${from}..${to}`);
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d)) days.push(d);
  return days;
}

/** The trading calendar a range was built with, as a run records it. */
export interface CalendarUsed {
  name: 'XNYS';
  rule: string;
  from: string;
  to: string;
  trading_days: number;
  /** The closures that fell on weekdays of the range. */
  holidays: string[];
  /** Years of the range whose closures are not listed: every weekday of them counts as trading. */
  weekday_only_years: number[];
}

/** The calendar behind tradingDays(from, to), stated so a run record says which days it skipped and why. */
export function calendarUsed(from: string, to: string): CalendarUsed {
  const years: number[] = [];
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++)
    if (y < HOLIDAY_YEARS.first || y > HOLIDAY_YEARS.last) years.push(y);
  return {
    name: 'XNYS',
    rule: `Monday to Friday except NYSE full-day closures (listed for ${HOLIDAY_YEARS.first}-${HOLIDAY_YEARS.last})`,
    from,
    to,
    trading_days: tradingDays(from, to).length,
    holidays: NYSE_HOLIDAYS.filter((d) => d >= from && d <= to),
    weekday_only_years: years,
  };
}
