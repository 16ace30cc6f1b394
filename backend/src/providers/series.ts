import { addDays, dayNumber } from '../domain/dates.js';

/** One day of a value's history: a symbol's close, or one currency's reference rate. */
export interface DailyValue {
  date: string;
  value: number;
}

/** A value on a date: the date's own, or the last one before it carried over a gap. */
export interface Found {
  value: number;
  /** The date the value is from; earlier than the date asked for when carried. */
  date: string;
}

/**
 * One history kept compactly (a backfill holds thousands of them): days as numbers and values
 * in typed arrays, sorted by date, only the days inside the window the caller needs.
 */
export class Series {
  private readonly days: Int32Array;
  private readonly values: Float64Array;

  /** `rows` in any order with distinct dates; rows outside `from`..`to` are dropped. */
  constructor(rows: readonly DailyValue[], window?: { from: string; to: string }) {
    const kept = window ? rows.filter((r) => r.date >= window.from && r.date <= window.to) : [...rows];
    kept.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    this.days = Int32Array.from(kept, (r) => dayNumber(r.date));
    this.values = Float64Array.from(kept, (r) => r.value);
  }

  get length(): number {
    return this.days.length;
  }

  /**
   * The value on `date`, or else the last one at most `carryDays` calendar days before it;
   * null when there is none that close (a longer gap, or before the history starts).
   */
  at(date: string, carryDays: number): Found | null {
    const day = dayNumber(date);
    let lo = 0;
    let hi = this.days.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.days[mid]! <= day) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    const gap = day - this.days[found]!;
    if (gap > carryDays) return null;
    return { value: this.values[found]!, date: gap === 0 ? date : addDays(date, -gap) };
  }
}
