import type { Knex } from 'knex';
import { z } from 'zod';
import { isUniqueViolation } from '../db/knex.js';
import * as securities from '../db/repositories/securities.js';
import { RowErrorList } from '../domain/ledger/row-errors.js';
import { parseSecuritiesCsv, type Security, type SecurityRow } from '../domain/securities-file.js';
import { normaliseSymbol, SYMBOL, SYMBOL_RULE } from '../domain/symbol.js';
import { AppError, invalid } from '../errors.js';
import { parseOr400 } from '../validation.js';
import { decodeCursor, pageLimit, pageOf } from './cursor.js';

export type { Security };

export interface SecuritiesImportResult {
  /** Rows in the file. */
  securities: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Rows written between two progress reports. */
const PROGRESS_EVERY = 500;

/**
 * Registers or updates the securities a CSV file lists, all or nothing in one transaction.
 * A new symbol is inserted; a known one takes the file's name, sector and asset class, and its
 * ISIN and FIGI when the file gives them (a blank cell keeps what is stored). Its currency
 * may change only while no ledger transaction, pack price or pack position names the
 * symbol: amounts already recorded in the old currency would otherwise be read in the new one.
 */
export async function importSecurities(
  db: Knex,
  csv: string,
  onProgress?: (written: number, total: number) => void,
): Promise<SecuritiesImportResult> {
  const rows = parseSecuritiesCsv(csv);
  try {
    return await db.transaction(async (trx) => {
      const known = await securities.records(trx);
      await refuseReferencedCurrencyChanges(trx, rows, known);
      const inserts: Security[] = [];
      const updates: Security[] = [];
      for (const { security: s } of rows) {
        const stored = known.get(s.symbol);
        if (!stored) inserts.push(s);
        else {
          const next = { ...s, isin: s.isin ?? stored.isin, figi: s.figi ?? stored.figi };
          if (COMPARED.some((c) => next[c] !== stored[c])) updates.push(next);
        }
      }
      const total = inserts.length + updates.length;
      for (let i = 0; i < inserts.length; i += PROGRESS_EVERY) {
        await securities.insert(trx, inserts.slice(i, i + PROGRESS_EVERY));
        onProgress?.(Math.min(i + PROGRESS_EVERY, inserts.length), total);
      }
      for (const [i, s] of updates.entries()) {
        await securities.update(trx, s);
        if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === updates.length) onProgress?.(inserts.length + i + 1, total);
      }
      return {
        securities: rows.length,
        inserted: inserts.length,
        updated: updates.length,
        unchanged: rows.length - total,
      };
    });
  } catch (e) {
    // Another import registered one of the new symbols between our read and our insert.
    if (isUniqueViolation(e))
      throw new AppError(
        'conflict',
        'another import registered some of these securities at the same time; run it again',
      );
    throw e;
  }
}

const COMPARED = ['name', 'sector', 'currency', 'asset_class', 'isin', 'figi'] as const;

async function refuseReferencedCurrencyChanges(
  trx: Knex,
  rows: readonly SecurityRow[],
  known: ReadonlyMap<string, Security>,
): Promise<void> {
  const changing = rows.filter(({ security: s }) => {
    const stored = known.get(s.symbol);
    return stored !== undefined && stored.currency !== s.currency;
  });
  if (changing.length === 0) return;
  const used = await securities.referenced(
    trx,
    changing.map((r) => r.security.symbol),
  );
  const errors = new RowErrorList();
  for (const { row, security: s } of changing) {
    if (!used.has(s.symbol)) continue;
    errors.add({
      row,
      field: 'currency',
      message: `${s.symbol}: currency cannot change from ${known.get(s.symbol)!.currency} to ${s.currency}: a ledger or a pricing pack already refers to ${s.symbol}`,
    });
  }
  if (!errors.empty) throw errors.toError();
}

export const securitySearchSchema = z.strictObject({
  q: z.string().trim().max(100).optional(),
  limit: pageLimit(500, 50),
  cursor: z.string().max(200).optional(),
});

export interface SecurityPage {
  securities: Security[];
  next_cursor: string | null;
}

/** Securities in symbol order whose symbol or name starts with `q` (case-insensitive), a page at a time. */
export async function searchSecurities(db: Knex, query: unknown): Promise<SecurityPage> {
  const { q, limit, cursor } = parseOr400(securitySearchSchema, query, 'query');
  const after = cursor === undefined ? undefined : decodeCursor(z.strictObject({ symbol: z.string() }), cursor).symbol;
  const rows = await securities.search(db, { prefix: q, after, limit });
  const page = pageOf(rows, limit, (last) => ({ symbol: last.symbol }));
  return { securities: page.items, next_cursor: page.next_cursor };
}

/** One security by symbol (any case); security_not_found when it is not registered. */
export async function getSecurity(db: Knex, raw: string): Promise<Security> {
  const symbol = normaliseSymbol(raw);
  if (!SYMBOL.test(symbol)) throw invalid(`${JSON.stringify(raw)} is not a symbol: a symbol is ${SYMBOL_RULE}`);
  const s = await securities.get(db, symbol);
  if (!s) throw new AppError('security_not_found', `no security ${symbol} is registered`, { symbol });
  return s;
}
