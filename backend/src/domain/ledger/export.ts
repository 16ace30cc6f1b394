import { COMMIT_COLUMN, LEDGER_COLUMNS } from './parse.js';
import type { Transaction } from './types.js';

/** The export's header: the ledger CSV's columns and the commit each row came from. */
export const EXPORT_HEADER = `${[...LEDGER_COLUMNS, COMMIT_COLUMN].join(',')}\n`;

/**
 * A number as the ledger CSV reads it: a plain decimal (no exponent) that parses back to the
 * same double. JavaScript's shortest round-trip form is used and only its exponent, when it
 * writes one (below 1e-6), is expanded.
 */
export function plainDecimal(x: number): string {
  const text = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign = '', lead = '', rest = '', exp = '0'] = m;
  const digits = lead + rest;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  return `${sign}${digits.padEnd(point, '0').slice(0, point)}${digits.length > point ? `.${digits.slice(point)}` : ''}`;
}

/** RFC 4180 quoting for a cell that needs it (a note may hold commas, quotes or line breaks). */
const cell = (text: string): string => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

const num = (v: number | null): string => (v === null ? '' : plainDecimal(v));

/** One exported row, newline-terminated: importing it gives back exactly `tx`. */
export function exportLine(tx: Transaction, commit: string): string {
  return `${[
    tx.date,
    tx.type,
    tx.symbol ?? '',
    num(tx.quantity),
    num(tx.price),
    num(tx.amount),
    tx.currency,
    num(tx.fee),
    cell(tx.note ?? ''),
    commit,
  ].join(',')}\n`;
}
