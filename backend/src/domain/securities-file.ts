import { invalid } from '../errors.js';
import { isIsoCurrency } from './currencies.js';
import { figiProblem, isinProblem } from './identifiers.js';
import { readRecords } from './ledger/parse.js';
import { RowErrorList } from './ledger/row-errors.js';
import type { SecurityInfo } from './ledger/types.js';
import { normaliseSymbol, SYMBOL, SYMBOL_RULE } from './symbol.js';

/** A security as registered: what the ledger needs, plus its optional global identifiers. */
export interface Security extends SecurityInfo {
  isin: string | null;
  figi: string | null;
}

/** A security read from a file, with the row (from 1, after the header) that gave it. */
export interface SecurityRow {
  row: number;
  security: Security;
}

export const SECURITY_COLUMNS = ['symbol', 'name', 'currency', 'asset_class', 'sector', 'isin', 'figi'] as const;
const REQUIRED = ['symbol', 'name', 'currency', 'asset_class', 'sector'] as const;
type Column = (typeof SECURITY_COLUMNS)[number];

/** Column widths of the securities table. */
const MAX_LENGTH = { name: 200, sector: 100, asset_class: 50 } as const;

/**
 * Parses a securities file (`symbol,name,currency,asset_class,sector[,isin][,figi]`, any
 * order; `asset class` may be written with a space), all or nothing: every bad row is named.
 * Symbols and identifiers are upper-cased; a blank ISIN or FIGI means the file does not say.
 */
export function parseSecuritiesCsv(text: string): SecurityRow[] {
  const [header, ...records] = readRecords(text);
  if (!header) throw invalid('no securities: the file is empty');
  const names = header.fields.map((f) => f.trim().toLowerCase().replace(/\s+/g, '_'));
  const unknown = names.filter((n) => !(SECURITY_COLUMNS as readonly string[]).includes(n));
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (unknown.length || missing.length || new Set(names).size !== names.length) {
    const message =
      `the header must name ${REQUIRED.join(', ')} and may add isin, figi` +
      (missing.length ? `; missing ${missing.join(', ')}` : '') +
      (unknown.length ? `; unknown ${unknown.join(', ')}` : '');
    throw invalid(message, { errors: [{ row: 0, line: header.line, message }] });
  }
  if (records.length === 0) throw invalid('no securities: the file has a header but no rows');

  const errors = new RowErrorList();
  const seen = new Map<string, number>();
  const out: SecurityRow[] = [];
  records.forEach((record, i) => {
    const at = { row: i + 1, line: record.line };
    const cell = (c: Column): string => record.fields[names.indexOf(c)]?.trim() ?? '';
    const fail = (field: Column, message: string) => errors.add({ ...at, field, message });
    if (record.fields.length !== names.length)
      return errors.add({ ...at, message: `expected ${names.length} fields, found ${record.fields.length}` });
    const symbol = normaliseSymbol(cell('symbol'));
    if (!SYMBOL.test(symbol)) return fail('symbol', `symbol ${JSON.stringify(symbol)} is not a symbol: ${SYMBOL_RULE}`);
    const earlier = seen.get(symbol);
    if (earlier !== undefined) return fail('symbol', `${symbol} appears twice (also row ${earlier})`);
    seen.set(symbol, at.row);
    const currency = cell('currency').toUpperCase();
    if (!isIsoCurrency(currency))
      fail('currency', `${symbol}: currency ${JSON.stringify(currency)} is not an active ISO 4217 code`);
    for (const c of ['name', 'sector', 'asset_class'] as const) {
      if (cell(c) === '') fail(c, `${symbol}: ${c} is required`);
      else if (cell(c).length > MAX_LENGTH[c]) fail(c, `${symbol}: ${c} is longer than ${MAX_LENGTH[c]} characters`);
    }
    const isin = cell('isin').toUpperCase() || null;
    const isinWrong = isin === null ? null : isinProblem(isin);
    if (isinWrong) fail('isin', `${symbol}: ISIN ${isin}: ${isinWrong}`);
    const figi = cell('figi').toUpperCase() || null;
    const figiWrong = figi === null ? null : figiProblem(figi);
    if (figiWrong) fail('figi', `${symbol}: FIGI ${figi}: ${figiWrong}`);
    out.push({
      row: at.row,
      security: {
        symbol,
        name: cell('name'),
        currency,
        asset_class: cell('asset_class'),
        sector: cell('sector'),
        isin,
        figi,
      },
    });
  });
  if (!errors.empty) throw errors.toError();
  return out;
}
