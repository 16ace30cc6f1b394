import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isCalendarDate } from '../domain/dates.js';
import { CURRENCY_CODE } from '../domain/fx.js';
import { CsvRowError, positiveDecimal, readCsvTable } from './csv-table.js';
import { ProviderError } from './errors.js';
import { isUrl, readSourceText } from './fetch-text.js';
import type { HistorySource, RatesDay } from './history.js';

/**
 * The ECB's euro foreign exchange reference rates (docs/providers.md#ecb): one EUR costs `rate`
 * units of each currency, published on TARGET business days. Read from the history CSV
 * (`Date,USD,JPY,...`, newest first, `N/A` where a currency has no rate), the daily CSV, or the
 * XML files (daily, 90-day and history: `<Cube time="..."><Cube currency="USD" rate="..."/>`).
 */
const BASE = 'EUR';
const NO_RATE = new Set(['', 'N/A']);
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** `2024-12-20`, or the daily CSV's `20 December 2024`. */
function isoDate(text: string): string | null {
  if (isCalendarDate(text)) return text;
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) + 1 : 0;
  if (!m || month === 0) return null;
  const iso = `${m[3]}-${String(month).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return isCalendarDate(iso) ? iso : null;
}

export function parseEcbCsv(text: string, file: string): RatesDay[] {
  const table = readCsvTable('ecb', text, file);
  const [first, ...currencies] = table.header;
  if (first?.toLowerCase() !== 'date')
    throw new CsvRowError(
      'ecb',
      file,
      table.headerLine,
      `the header must start with Date (found ${table.header.join(',')})`,
    );
  currencies.forEach((c, i) => {
    // The published files end every line with a comma: an unnamed last column.
    if (c === '' && i === currencies.length - 1) return;
    if (!CURRENCY_CODE.test(c))
      throw new CsvRowError('ecb', file, table.headerLine, `column ${JSON.stringify(c)} is not a currency code`);
  });
  const seen = new Set<string>();
  return table.rows.map(({ record, line }) => {
    const fail = (problem: string): never => {
      throw new CsvRowError('ecb', file, line, problem);
    };
    const date = isoDate(record[0] ?? '') ?? fail(`date ${JSON.stringify(record[0])} is not YYYY-MM-DD`);
    if (seen.has(date)) fail(`date ${date} appears more than once`);
    seen.add(date);
    const rates = new Map<string, number>();
    currencies.forEach((c, i) => {
      const value = record[i + 1] ?? '';
      if (c === '' || NO_RATE.has(value)) return;
      const rate = positiveDecimal(value, `${c} rate`);
      if (typeof rate === 'string') fail(rate);
      else rates.set(c, rate);
    });
    return { date, base: BASE, rates };
  });
}

interface CubeXml {
  time?: string;
  currency?: string;
  rate?: string;
  Cube?: CubeXml[];
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseAttributeValue: false,
  isArray: (name) => name === 'Cube',
});

export function parseEcbXml(text: string, file: string): RatesDay[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    throw new ProviderError('ecb', 'permanent', `${file} line ${valid.err.line}: malformed XML: ${valid.err.msg}`);
  const doc = xml.parse(text) as { Envelope?: { Cube?: CubeXml[] } };
  const outer = doc.Envelope?.Cube?.[0]?.Cube;
  if (!outer)
    throw new ProviderError(
      'ecb',
      'permanent',
      `${file}: no <Cube time="..."> elements: not an ECB reference rates file`,
    );
  const seen = new Set<string>();
  return outer.map((day) => {
    const fail = (problem: string): never => {
      throw new ProviderError('ecb', 'permanent', `${file}: ${problem}`);
    };
    const date =
      day.time !== undefined && isCalendarDate(day.time)
        ? day.time
        : fail(`time ${JSON.stringify(day.time)} is not YYYY-MM-DD`);
    if (seen.has(date)) fail(`date ${date} appears more than once`);
    seen.add(date);
    const rates = new Map<string, number>();
    for (const cube of day.Cube ?? []) {
      const c = cube.currency ?? '';
      if (!CURRENCY_CODE.test(c)) fail(`${date}: currency ${JSON.stringify(c)} is not a currency code`);
      if (rates.has(c)) fail(`${date}: ${c} appears more than once`);
      const rate = positiveDecimal(cube.rate ?? '', `${date} ${c} rate`);
      if (typeof rate === 'string') fail(rate);
      else rates.set(c, rate);
    }
    return { date, base: BASE, rates };
  });
}

/** Either format, told apart by the first character. */
export function parseEcbRates(text: string, file: string): RatesDay[] {
  return /^\uFEFF?\s*</.test(text) ? parseEcbXml(text, file) : parseEcbCsv(text, file);
}

export interface EcbSourceOptions {
  /** A file (CSV or XML) or an http(s) URL of one. */
  location: string;
  timeoutMs: number;
}

export function ecbSource(opts: EcbSourceOptions): HistorySource {
  const remote = isUrl(opts.location);
  const file = remote ? new URL(opts.location).pathname.split('/').pop() || 'rates' : path.basename(opts.location);
  return {
    name: 'ecb',
    async rates(signal) {
      const location = remote
        ? { url: new URL(opts.location) }
        : { root: path.dirname(path.resolve(opts.location)), file };
      const text = await readSourceText('ecb', location, { timeoutMs: opts.timeoutMs, signal });
      if (text === null) throw new ProviderError('ecb', 'permanent', `${file} does not exist`);
      return parseEcbRates(text, file);
    },
  };
}
