import { invalid, type AppError } from '../../errors.js';

/**
 * One problem with one imported transaction. `row` counts transactions from 1 (0 stands for
 * the CSV header); `line` is the physical CSV line, the header being line 1.
 */
export interface RowError {
  row: number;
  line?: number;
  field?: string;
  message: string;
}

/** A broken file can have thousands of bad rows; the first hundred are enough to fix it. */
export const MAX_ROW_ERRORS = 100;

/** Collects row errors up to the cap, remembering whether any were left out. */
export class RowErrorList {
  readonly errors: RowError[] = [];
  private dropped = false;

  add(error: RowError): void {
    if (this.errors.length < MAX_ROW_ERRORS) this.errors.push(error);
    else this.dropped = true;
  }

  /** True once an error had to be left out: from then on, looking for more is wasted work. */
  get truncated(): boolean {
    return this.dropped;
  }

  get empty(): boolean {
    return this.errors.length === 0;
  }

  /** The 400 for an all-or-nothing import: the message names the first bad row, details list them all. */
  toError(): AppError {
    const [first, ...rest] = this.errors;
    if (!first) throw new Error('toError called without row errors');
    const more = rest.length > 0 ? ` (and ${rest.length}${this.truncated ? '+' : ''} more)` : '';
    return invalid(`row ${first.row}: ${first.message}${more}`, {
      errors: this.errors,
      ...(this.truncated ? { truncated: true } : {}),
    });
  }
}
