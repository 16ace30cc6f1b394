import { AppError, invalid } from '../../../errors.js';
import { parseLedgerCsv, parseLedgerJson, type ParseOptions } from '../parse.js';
import type { SecurityInfo, Transaction } from '../types.js';
import { GHOSTFOLIO_FORMAT, mapGhostfolioExport } from './ghostfolio.js';
import { mappedTransactions } from './mapped.js';
import { mapPortfolioPerformanceCsv, PP_FORMAT } from './portfolio-performance.js';

/** The files a ledger import reads: Folio's own ledger CSV or JSON, and other tools' exports. */
export const LEDGER_FORMATS = ['folio', PP_FORMAT, GHOSTFOLIO_FORMAT] as const;
export type LedgerFormat = (typeof LEDGER_FORMATS)[number];

/** The format a caller named, `folio` when it named none. */
export function ledgerFormat(name: string | undefined): LedgerFormat {
  if (name === undefined || name === '') return 'folio';
  const format = LEDGER_FORMATS.find((f) => f === name);
  if (!format)
    throw invalid(`unknown format ${JSON.stringify(name)}; formats: ${LEDGER_FORMATS.join(', ')}`, { format: name });
  return format;
}

/** The batch as it arrived: CSV text, or a parsed JSON body. */
export type LedgerDocument = { csv: string } | { json: unknown };

/**
 * A file of any format as the ledger's rows, all or nothing, in the commits it makes: one,
 * or for a ledger CSV with a `commit` column (an export) one per commit it lists.
 */
export function importedBatches(
  format: LedgerFormat,
  doc: LedgerDocument,
  securities: ReadonlyMap<string, SecurityInfo>,
  opts: ParseOptions,
): Transaction[][] {
  switch (format) {
    case 'folio':
      return 'csv' in doc ? parseLedgerCsv(doc.csv, opts) : [parseLedgerJson(doc.json, opts)];
    case PP_FORMAT:
      if (!('csv' in doc)) throw wrongMedia(format, 'text/csv');
      return [mappedTransactions(mapPortfolioPerformanceCsv(doc.csv), securities, opts)];
    case GHOSTFOLIO_FORMAT:
      if (!('json' in doc)) throw wrongMedia(format, 'application/json');
      return [mappedTransactions(mapGhostfolioExport(doc.json), securities, opts)];
  }
}

const wrongMedia = (format: string, media: string) =>
  new AppError('unsupported_media_type', `the ${format} format is sent as ${media}`, { format });
