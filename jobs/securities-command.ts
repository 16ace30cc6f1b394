import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { importSecurities } from '../backend/src/index.js';
import { withDatabase } from './database.js';
import { countProgress } from './progress.js';
import { UsageError, type Out } from './usage.js';

export const SECURITIES_USAGE = `  securities import FILE.csv [--json]    register or update securities (symbol,name,currency,asset_class,sector
                                          [,isin,figi]) in one transaction; a referenced security keeps its currency`;

/** `folio securities import FILE`: the securities file through the import use case. */
export async function securitiesCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const [sub, file, ...extra] = positionals;
  if (sub !== 'import' || !file || extra.length > 0) throw new UsageError('securities import needs exactly one FILE');
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const csv = fs.readFileSync(file, 'utf8');
  const json = values.json === true;
  return withDatabase({ migrate: true }, async (_config, db) => {
    const r = await importSecurities(db, csv, countProgress(json, 'securities written'));
    io.out(
      json
        ? JSON.stringify(r)
        : `securities: ${r.securities} in the file, ${r.inserted} added, ${r.updated} updated, ${r.unchanged} unchanged`,
    );
    return 0;
  });
}
