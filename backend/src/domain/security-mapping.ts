import { CsvError, parse } from 'csv-parse/sync';
import { invalid } from '../errors.js';
import { isIsoCurrency } from './currencies.js';
import type { SecurityInfo } from './ledger/types.js';
import { RowErrorList } from './ledger/row-errors.js';
import { SYMBOL, SYMBOL_RULE } from './symbol.js';

/** Columns of a security mapping file; `symbol` and `currency` are required, the rest describe the listing. */
export const MAPPING_COLUMNS = ['symbol', 'currency', 'name', 'sector', 'asset_class'] as const;
type Column = (typeof MAPPING_COLUMNS)[number];

/** What a listing is called when the mapping does not say: stated, not guessed (docs/providers.md). */
export const UNCLASSIFIED = 'Unclassified';

/**
 * Parses a mapping file (`symbol,currency[,name,sector,asset_class]`) into the securities it
 * describes, all or nothing: every bad row is named (row 1 is the first after the header). A
 * missing name is the symbol; a missing sector or asset class is `Unclassified`.
 */
export function parseSecurityMapping(text: string): SecurityInfo[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true });
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    throw invalid(`malformed mapping CSV: ${e.message}`, { errors: [{ row: Number(e.records), message: e.message }] });
  }
  const [header, ...rows] = records;
  const names = (header ?? []).map((h) => h.toLowerCase());
  const unknown = names.filter((n) => !(MAPPING_COLUMNS as readonly string[]).includes(n));
  if (
    !names.includes('symbol') ||
    !names.includes('currency') ||
    unknown.length > 0 ||
    new Set(names).size !== names.length
  )
    throw invalid(
      `the mapping header must name symbol and currency, and may add ${MAPPING_COLUMNS.slice(2).join(', ')}` +
        (unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''),
      { errors: [{ row: 0, message: `header ${names.join(',')}` }] },
    );
  const at = (record: string[], c: Column): string => record[names.indexOf(c)] ?? '';
  const errors = new RowErrorList();
  const seen = new Map<string, number>();
  const out: SecurityInfo[] = [];
  rows.forEach((record, i) => {
    const row = i + 1;
    const symbol = at(record, 'symbol');
    const currency = at(record, 'currency').toUpperCase();
    if (!SYMBOL.test(symbol))
      return errors.add({
        row,
        field: 'symbol',
        message: `symbol ${JSON.stringify(symbol)} is not a symbol: ${SYMBOL_RULE}`,
      });
    if (!isIsoCurrency(currency))
      return errors.add({
        row,
        field: 'currency',
        message: `${symbol}: currency ${JSON.stringify(currency)} is not an active ISO 4217 code`,
      });
    const earlier = seen.get(symbol);
    if (earlier !== undefined)
      return errors.add({ row, field: 'symbol', message: `${symbol} is mapped twice (also row ${earlier})` });
    seen.set(symbol, row);
    out.push({
      symbol,
      currency,
      name: at(record, 'name') || symbol,
      sector: at(record, 'sector') || UNCLASSIFIED,
      asset_class: at(record, 'asset_class') || UNCLASSIFIED,
    });
  });
  if (!errors.empty) throw errors.toError();
  return out;
}
