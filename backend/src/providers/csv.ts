import fs from 'node:fs/promises';
import path from 'node:path';
import { isCalendarDate } from '../domain/dates.js';
import type { PackFx, PackPrice } from '../domain/pack.js';
import { CsvRowError, positiveDecimal, readCsvTable } from './csv-table.js';
import { ProviderError } from './errors.js';
import type { MarketDataProvider } from './provider.js';
import { selectWanted } from './select.js';
import { CURRENCY_CODE } from '../domain/fx.js';
import { SYMBOL } from '../domain/symbol.js';

/**
 * The csv provider reads one directory per date, so a date costs one small read however
 * many dates the directory holds (docs/operations.md#csv-provider):
 *
 *   <FOLIO_PROVIDER_CSV_DIR>/<YYYY-MM-DD>/prices.csv   symbol,close,currency
 *   <FOLIO_PROVIDER_CSV_DIR>/<YYYY-MM-DD>/fx.csv       base,quote,rate   (one base costs rate quote)
 *
 * Both files are required (fx.csv may hold only its header). Any bad row fails the whole
 * date with the file and line, since a partly read file would be a silently partial pack.
 */
const PRICES_COLUMNS = ['symbol', 'close', 'currency'] as const;
const FX_COLUMNS = ['base', 'quote', 'rate'] as const;

type Row<C extends readonly string[]> = { [K in C[number]]: string };

/** Parses a CSV with exactly `columns` (any order), calling `row` with each record and its line. */
function parseTable<C extends readonly string[], T>(
  text: string,
  file: string,
  columns: C,
  row: (fields: Row<C>, fail: (problem: string) => never) => T,
): T[] {
  if (text.replace(/^\uFEFF/, '').trim() === '')
    throw new CsvRowError('csv', file, 1, `empty file; the header must be ${columns.join(',')}`);
  const table = readCsvTable('csv', text, file);
  const names = table.header.map((n) => n.toLowerCase());
  const missing = columns.filter((c) => !names.includes(c));
  const extra = names.filter((n) => !columns.includes(n));
  if (missing.length + extra.length > 0 || names.length !== columns.length) {
    throw new CsvRowError(
      'csv',
      file,
      table.headerLine,
      `the header must be ${columns.join(',')} (found ${table.header.join(',')})`,
    );
  }
  return table.rows.map(({ record, line }) => {
    const fail = (problem: string): never => {
      throw new CsvRowError('csv', file, line, problem);
    };
    if (record.length !== columns.length) fail(`expected ${columns.length} fields, found ${record.length}`);
    const fields = Object.fromEntries(names.map((n, i) => [n, record[i] ?? ''])) as Row<C>;
    return row(fields, fail);
  });
}

function positive(value: string, what: string, fail: (p: string) => never): number {
  const n = positiveDecimal(value, what);
  return typeof n === 'string' ? fail(n) : n;
}

function code(value: string, what: string, re: RegExp, fail: (p: string) => never): string {
  if (!re.test(value)) fail(`${what} ${JSON.stringify(value)} is not valid`);
  return value;
}

export function parsePrices(text: string, file: string): PackPrice[] {
  const seen = new Set<string>();
  return parseTable(text, file, PRICES_COLUMNS, (f, fail) => {
    const symbol = code(f.symbol, 'symbol', SYMBOL, fail);
    if (seen.has(symbol)) fail(`symbol ${symbol} appears more than once`);
    seen.add(symbol);
    return {
      symbol,
      close: positive(f.close, 'close', fail),
      currency: code(f.currency, 'currency', CURRENCY_CODE, fail),
    };
  });
}

export function parseFx(text: string, file: string): PackFx[] {
  const seen = new Set<string>();
  return parseTable(text, file, FX_COLUMNS, (f, fail) => {
    const base = code(f.base, 'base currency', CURRENCY_CODE, fail);
    const quote = code(f.quote, 'quote currency', CURRENCY_CODE, fail);
    if (base === quote) fail(`pair ${base}/${quote} converts a currency to itself`);
    const pair = [base, quote].sort().join('/');
    if (seen.has(pair)) fail(`pair ${base}/${quote} (or its inverse) appears more than once`);
    seen.add(pair);
    return { base, quote, rate: positive(f.rate, 'rate', fail) };
  });
}

/**
 * Files are named relative to the data directory in every message: these errors reach HTTP
 * clients (503 bodies) and must not disclose the server's file system layout.
 */
async function readFile(root: string, file: string, date: string): Promise<string> {
  try {
    return await fs.readFile(path.join(root, file), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ProviderError('csv', 'permanent', `no csv market data for ${date}: ${file} does not exist`);
    throw new ProviderError('csv', 'transient', `cannot read ${file}${code ? ` (${code})` : ''}`, { cause: e });
  }
}

export function csvProvider(dir: string): MarketDataProvider {
  const root = path.resolve(dir);
  return {
    name: 'csv',
    async snapshot({ date, symbols, pairs }) {
      // The date becomes a path, so only a real calendar date may reach the file system.
      if (!isCalendarDate(date)) throw new ProviderError('csv', 'permanent', `invalid date ${JSON.stringify(date)}`);
      const pricesFile = path.join(date, 'prices.csv');
      const fxFile = path.join(date, 'fx.csv');
      // Both are read at once, but a failure is reported in file order, whichever read failed first.
      const [prices, fx] = await Promise.allSettled([readFile(root, pricesFile, date), readFile(root, fxFile, date)]);
      if (prices.status === 'rejected') throw prices.reason;
      if (fx.status === 'rejected') throw fx.reason;
      return {
        date,
        ...selectWanted(parsePrices(prices.value, pricesFile), parseFx(fx.value, fxFile), symbols, pairs),
      };
    },
  };
}
