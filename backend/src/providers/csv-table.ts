import { CsvError, parse, type InfoRecord } from 'csv-parse/sync';
import { ProviderError } from './errors.js';

/** A problem in one line of one file; the message names both. */
export class CsvRowError extends ProviderError {
  constructor(provider: string, file: string, line: number, problem: string) {
    super(provider, 'permanent', `${file} line ${line}: ${problem}`);
  }
}

export interface CsvTable {
  /** Header names as written (quotes and a byte-order mark removed, trimmed). */
  header: string[];
  headerLine: number;
  rows: { record: string[]; line: number }[];
}

/** Parses CSV text into its header and rows with their line numbers; malformed CSV names the line. */
export function readCsvTable(provider: string, text: string, file: string): CsvTable {
  let records: { record: string[]; info: InfoRecord }[];
  try {
    // csv-parse's typings do not model `info: true`, which wraps each record with its position.
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    throw new CsvRowError(provider, file, Number(e.lines), `malformed CSV: ${e.message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new CsvRowError(provider, file, 1, 'empty file: no header');
  return {
    header: header.record,
    headerLine: header.info.lines,
    rows: rows.map((r) => ({ record: r.record, line: r.info.lines })),
  };
}

const DECIMAL_RE = /^(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A strictly positive plain decimal, or the reason it is not. */
export function positiveDecimal(value: string, what: string): number | string {
  const n = Number(value);
  if (!DECIMAL_RE.test(value) || !Number.isFinite(n))
    return `${what} ${JSON.stringify(value)} is not a positive decimal number`;
  if (!(n > 0)) return `${what} ${value} must be positive`;
  return n;
}
