import fs from 'node:fs/promises';
import path from 'node:path';
import { isCalendarDate } from '../domain/dates.js';
import { isSymbol } from '../domain/symbol.js';
import { CsvRowError, positiveDecimal, readCsvTable } from './csv-table.js';
import { ProviderError } from './errors.js';
import { isUrl, readSourceText } from './fetch-text.js';
import type { HistorySource } from './history.js';
import type { DailyValue } from './series.js';

/**
 * Per-symbol daily history files, one file per symbol, as chart sites and many vendors export
 * them (docs/providers.md#eod): `Date,Open,High,Low,Close,Adj Close,Volume` or
 * `Date,Open,High,Low,Close,Volume`. Only Date and Close are read. Close is the price as traded
 * that day: the ledger records splits and dividends as transactions, so a split-adjusted or
 * dividend-adjusted close (Adj Close) would count them twice.
 */
const SYMBOL_TOKEN = '{symbol}';
/** Yahoo-style exports write `null` in every price field of a day they have no data for. */
const NO_DATA = new Set(['', 'null', 'NULL', 'N/A', 'NaN']);

/** A history file's closes; a day without data (`null`, empty) is skipped, anything else malformed fails the file. */
export function parseEodHistory(provider: string, text: string, file: string): DailyValue[] {
  const table = readCsvTable(provider, text, file);
  const names = table.header.map((n) => n.toLowerCase());
  const dateAt = names.indexOf('date');
  const closeAt = names.indexOf('close');
  if (dateAt < 0 || closeAt < 0) {
    const hint = names.includes('adj close')
      ? ' (Adj Close alone is not used: it is adjusted for splits and dividends)'
      : '';
    throw new CsvRowError(
      provider,
      file,
      table.headerLine,
      `the header must name Date and Close, as Date,Open,High,Low,Close[,Adj Close],Volume (found ${table.header.join(',')})${hint}`,
    );
  }
  const seen = new Set<string>();
  const out: DailyValue[] = [];
  for (const { record, line } of table.rows) {
    const date = record[dateAt] ?? '';
    const close = record[closeAt];
    if (close === undefined)
      throw new CsvRowError(provider, file, line, `expected ${names.length} fields, found ${record.length}`);
    if (!isCalendarDate(date))
      throw new CsvRowError(provider, file, line, `date ${JSON.stringify(date)} is not YYYY-MM-DD`);
    if (seen.has(date)) throw new CsvRowError(provider, file, line, `date ${date} appears more than once`);
    seen.add(date);
    if (NO_DATA.has(close)) continue;
    const value = positiveDecimal(close, 'close');
    if (typeof value === 'string') throw new CsvRowError(provider, file, line, value);
    out.push({ date, value });
  }
  return out;
}

export interface EodSourceOptions {
  /** A directory of `<SYMBOL>.csv` files, or an http(s) URL template containing `{symbol}`. */
  location: string;
  /** Deadline of one download. */
  timeoutMs: number;
}

export function eodSource(opts: EodSourceOptions): HistorySource {
  const name = 'eod';
  if (isUrl(opts.location)) {
    if (!opts.location.includes(SYMBOL_TOKEN))
      throw new ProviderError(name, 'permanent', `the URL template must contain ${SYMBOL_TOKEN}`);
    return {
      name,
      async closes(symbol, signal) {
        if (!isSymbol(symbol)) return null;
        const url = new URL(opts.location.replaceAll(SYMBOL_TOKEN, encodeURIComponent(symbol)));
        const text = await readSourceText(name, { url }, { timeoutMs: opts.timeoutMs, signal });
        // Named by symbol, not URL: the template may carry a vendor's key in its query.
        return text === null ? null : parseEodHistory(name, text, `${symbol}.csv`);
      },
    };
  }
  const root = path.resolve(opts.location);
  return {
    name,
    async listSymbols() {
      let files: string[];
      try {
        files = await fs.readdir(root);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ProviderError(
          name,
          code === 'ENOENT' ? 'permanent' : 'transient',
          `cannot list the history directory (${code ?? 'error'})`,
        );
      }
      return files
        .filter((f) => f.endsWith('.csv'))
        .map((f) => f.slice(0, -'.csv'.length))
        .filter(isSymbol)
        .sort();
    },
    async closes(symbol, signal) {
      // The symbol becomes a file name, so only a well-formed one may reach the file system.
      if (!isSymbol(symbol)) return null;
      const file = `${symbol}.csv`;
      const text = await readSourceText(name, { root, file }, { timeoutMs: opts.timeoutMs, signal });
      return text === null ? null : parseEodHistory(name, text, file);
    },
  };
}
