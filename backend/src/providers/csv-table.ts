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
  return plainCsvTable(text) ?? parsedCsvTable(provider, text, file);
}

/** The full CSV parser: quoting, any whitespace trimmed around fields, any line ending. */
export function parsedCsvTable(provider: string, text: string, file: string): CsvTable {
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

/** Printable ASCII except the quote, and line breaks: nothing to unquote or to trim but spaces. */
const PLAIN = /^[\x20\x21\x23-\x7e\n\r]*$/;
/** A space the full parser would trim: at the start or end of a field. */
const EDGE_SPACE = /(?:^|[,\n\r]) | (?:[,\n\r]|$)/;
/** A line break other than \r\n, in text that has \r\n ones. */
const MIXED_BREAK = /\r(?!\n)|(?<!\r)\n/;

/**
 * The same table as `parsedCsvTable`, split directly when the text has nothing the full
 * parser would change (quotes, whitespace around fields, mixed line endings); null otherwise.
 * Most history files are plain, and a three-year backfill reads millions of their lines:
 * splitting them is an order of magnitude faster than the character-by-character parser.
 */
export function plainCsvTable(text: string): CsvTable | null {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!PLAIN.test(body) || EDGE_SPACE.test(body)) return null;
  const crlf = body.includes('\r');
  if (crlf && MIXED_BREAK.test(body)) return null;
  const lines = body.split(crlf ? '\r\n' : '\n');
  let header: CsvTable | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (header) header.rows.push({ record: line.split(','), line: i + 1 });
    else header = { header: line.split(','), headerLine: i + 1, rows: [] };
  }
  return header;
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
