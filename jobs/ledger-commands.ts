import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError, importLedger, OPERATOR } from '../backend/src/index.js';
import { withDatabase } from './database.js';
import { UsageError, type Out } from './usage.js';

export const LEDGER_USAGE = `  ledger import --portfolio ID [--format F] FILE
                                          import a file as one commit (all or nothing); F: folio (ledger CSV,
                                          the default), portfolio-performance (CSV export), ghostfolio (export JSON)`;

/** `folio ledger import`: the ledger CSV as one commit on any portfolio (the operator's command). */
export async function ledgerCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { portfolio: { type: 'string' }, format: { type: 'string' } },
    allowPositionals: true,
  });
  const [sub, file, ...extra] = positionals;
  const portfolioId = values.portfolio;
  if (sub !== 'import' || !file || extra.length > 0 || !portfolioId) {
    throw new UsageError('ledger import needs --portfolio ID and exactly one file');
  }
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const text = fs.readFileSync(file, 'utf8');
  // Ghostfolio exports are JSON; every other format is CSV text.
  const document = values.format === 'ghostfolio' ? { json: jsonOf(text, file) } : { csv: text };
  return withDatabase({ migrate: true }, async (_config, db) => {
    const result = await importLedger(
      { db },
      { actor: OPERATOR, portfolioId, document, format: values.format, source: 'cli' },
    );
    io.out(JSON.stringify(result));
    return 0;
  });
}

function jsonOf(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('invalid_request', `${file} is not JSON: ${(e as Error).message}`);
  }
}
