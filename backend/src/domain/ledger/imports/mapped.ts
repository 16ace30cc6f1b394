import { invalid } from '../../../errors.js';
import { round } from '../../number.js';
import { validateRows, type ParseOptions, type RawRow } from '../parse.js';
import { RowErrorList } from '../row-errors.js';
import type { SecurityInfo, Transaction } from '../types.js';

/** A security as another tool's file names it: the symbol Folio would know it by, and what else the file says. */
export interface NamedSecurity {
  symbol: string;
  name: string | null;
  isin: string | null;
}

/**
 * One row of another tool's file mapped to the ledger's fields (or why it cannot be), with the
 * security it names. Each source row maps to one ledger row, so row numbers stay the file's.
 */
export interface MappedRow extends RawRow {
  security?: NamedSecurity;
}

/**
 * Amounts a mapping computes (a gross from a net less fees) are rounded back to the cents and
 * fractions the files carry, so binary noise never reaches the ledger's 15-digit check.
 */
export const amountOf = (v: number): number => round(v, 8);

/** A unit price derived by division, to 12 significant digits: far inside the ledger's 0.01 amount tolerance. */
export const unitPrice = (gross: number, quantity: number): number => Number((gross / quantity).toPrecision(12));

/**
 * The mapped rows as transactions, all or nothing: rows that could not be mapped or are not
 * valid ledger rows are a 400 naming each row; then every security the file names that Folio
 * does not know is a 400 listing them all, with the hint to import them first (Folio never
 * creates a security from these files: they lack the sector and asset class it needs).
 */
export function mappedTransactions(
  rows: readonly MappedRow[],
  securities: ReadonlyMap<string, SecurityInfo>,
  opts: ParseOptions,
): Transaction[] {
  const transactions = validateRows(rows, opts);
  const unknown = new Map<string, NamedSecurity>();
  const list = new RowErrorList();
  for (const [i, row] of rows.entries()) {
    const security = row.security;
    if (security === undefined || securities.has(security.symbol)) continue;
    unknown.set(security.symbol, unknown.get(security.symbol) ?? security);
    list.add({
      row: i + 1,
      ...(row.line === undefined ? {} : { line: row.line }),
      field: 'symbol',
      message: `unknown symbol ${security.symbol}`,
    });
  }
  if (unknown.size === 0) return transactions;
  const named = [...unknown.values()];
  const listed = named
    .map((s) => [s.symbol, [s.name, s.isin].filter(Boolean).join(', ')].filter(Boolean).join(' '))
    .join('; ');
  throw invalid(
    `${named.length} securit${named.length === 1 ? 'y' : 'ies'} in the file ${named.length === 1 ? 'is' : 'are'} not known: ${listed}; ` +
      'import them first (folio securities import FILE.csv), then import this file again',
    { unknown_securities: named, errors: list.errors },
  );
}
