import { dayNumber, isCalendarDate } from '../dates.js';
import type { WarningCode } from '../warnings.js';

/**
 * Bad input to an analytics function: a malformed date, a non-finite number, series out of
 * order. Thrown rather than repaired, because a repaired series would give an answer about
 * data nobody has.
 */
export class AnalyticsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalyticsInputError';
  }
}

/** One observation of a value or index level on a day (YYYY-MM-DD). */
export interface DatedValue {
  date: string;
  value: number;
}

export interface AnalyticsWarning {
  code: WarningCode;
  message: string;
}

/** Days since 1970-01-01 for a calendar date written YYYY-MM-DD. */
function checkedDayNumber(date: unknown, what: string): number {
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new AnalyticsInputError(`${what}: date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  if (!isCalendarDate(date)) throw new AnalyticsInputError(`${what}: ${date} is not a calendar date`);
  return dayNumber(date);
}

/**
 * Day numbers for a series whose dates must increase: strictly, so that every day has one
 * observation, or weakly where several events may share a day (cash flows).
 */
export function chronologicalDays(dates: readonly unknown[], what: string, strict: boolean): number[] {
  const days: number[] = [];
  for (let i = 0; i < dates.length; i++) {
    const day = checkedDayNumber(dates[i], `${what}[${i}]`);
    const prev = days[i - 1];
    if (prev !== undefined && (strict ? day <= prev : day < prev)) {
      throw new AnalyticsInputError(
        `${what}[${i}]: date ${String(dates[i])} ${strict ? 'does not follow' : 'precedes'} ${String(dates[i - 1])}; dates must be in ${strict ? 'strictly increasing' : 'chronological'} order`,
      );
    }
    days.push(day);
  }
  return days;
}

export function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AnalyticsInputError(`${what} must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function nonNegative(value: unknown, what: string): number {
  const v = finite(value, what);
  if (v < 0) throw new AnalyticsInputError(`${what} must not be negative, got ${v}`);
  return v;
}

export function positive(value: unknown, what: string): number {
  const v = finite(value, what);
  if (!(v > 0)) throw new AnalyticsInputError(`${what} must be positive, got ${v}`);
  return v;
}

/** A return series for statistics that need a sample: at least two finite numbers. */
export function returnSeries(returns: readonly unknown[], what: string): number[] {
  if (!Array.isArray(returns) || returns.length < 2) {
    throw new AnalyticsInputError(
      `${what} needs at least 2 returns, got ${Array.isArray(returns) ? returns.length : 'none'}`,
    );
  }
  return returns.map((r, i) => finite(r, `${what}[${i}]`));
}
