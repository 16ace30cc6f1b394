import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { importLedger, OPERATOR } from '../backend/src/index.js';
import { withDatabase } from './database.js';
import { UsageError, type Out } from './usage.js';

export const LEDGER_USAGE = `  ledger import --portfolio ID FILE.csv   import a ledger CSV as one commit (all or nothing)`;

/** `folio ledger import`: the ledger CSV as one commit on any portfolio (the operator's command). */
export async function ledgerCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { portfolio: { type: 'string' } },
    allowPositionals: true,
  });
  const [sub, file, ...extra] = positionals;
  const portfolioId = values.portfolio;
  if (sub !== 'import' || !file || extra.length > 0 || !portfolioId) {
    throw new UsageError('ledger import needs --portfolio ID and exactly one CSV file');
  }
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const csv = fs.readFileSync(file, 'utf8');
  return withDatabase({ migrate: true }, async (_config, db) => {
    const result = await importLedger({ db }, { actor: OPERATOR, portfolioId, document: { csv }, source: 'cli' });
    io.out(JSON.stringify(result));
    return 0;
  });
}
