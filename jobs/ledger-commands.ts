import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  AppError,
  exportLedger,
  importLedger,
  OPERATOR,
  verifyAllLedgers,
  verifyLedger,
  utf8Text,
  type LedgerVerification,
} from '../backend/src/index.js';
import { withDatabase } from './database.js';
import { countProgress } from './progress.js';
import { UsageError, type Out } from './usage.js';

export const LEDGER_USAGE = `  ledger import --portfolio ID [--format F] [--json] FILE
                                          import a file as one commit (all or nothing); F: folio (ledger CSV,
                                          the default), portfolio-performance (CSV export), ghostfolio (export JSON);
                                          an export's commit column makes one commit per exported commit
  ledger export --portfolio ID [--out FILE] [--json]
                                          the ledger CSV with a commit column (stdout without --out); importing it
                                          into a new portfolio reproduces its commits' transactions
  ledger verify [--portfolio ID] [--json]  recompute every commit hash from the stored rows (every portfolio
                                          without --portfolio) and name the first mismatch; exit 1 on any`;

/** `folio ledger import | verify` (the operator's commands: any portfolio). */
export async function ledgerCommand(argv: string[], io: Out): Promise<number> {
  if (argv[0] === 'verify') return verifyCommand(argv.slice(1), io);
  if (argv[0] === 'export') return exportCommand(argv.slice(1), io);
  return importCommand(argv, io);
}

/** `folio ledger import`: the ledger CSV as one commit on any portfolio. */
async function importCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { portfolio: { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const [sub, file, ...extra] = positionals;
  const portfolioId = values.portfolio;
  if (sub !== 'import' || !file || extra.length > 0 || !portfolioId) {
    throw new UsageError('ledger import needs --portfolio ID and exactly one file');
  }
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const text = utf8Text(fs.readFileSync(file), file);
  // Ghostfolio exports are JSON; every other format is CSV text.
  const document = values.format === 'ghostfolio' ? { json: jsonOf(text, file) } : { csv: text };
  return withDatabase({ migrate: true }, async (_config, db) => {
    const result = await importLedger(
      { db },
      {
        actor: OPERATOR,
        portfolioId,
        document,
        format: values.format,
        source: 'cli',
        onCommit: countProgress(values.json, 'commits written'),
      },
    );
    io.out(JSON.stringify(result));
    return 0;
  });
}

/** `folio ledger export`: the portfolio's ledger CSV to a file or stdout, streamed. */
async function exportCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { portfolio: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const portfolioId = values.portfolio;
  if (!portfolioId || positionals.length > 0)
    throw new UsageError('ledger export needs --portfolio ID (and optionally --out FILE)');
  const file = values.out;
  return withDatabase({ migrate: true }, async (_config, db) => {
    const exported = await exportLedger(db, OPERATOR, portfolioId);
    const progress = countProgress(values.json, 'transactions written');
    let written = 0;
    const counted = async function* () {
      for await (const chunk of exported.chunks) {
        written += chunk.split('\n').length - 1;
        yield chunk;
        // The header is a line too; it is not a transaction.
        progress?.(Math.max(written - 1, 0), exported.transactions);
      }
    };
    if (file) await pipeline(Readable.from(counted()), fs.createWriteStream(file));
    else await pipeline(Readable.from(counted()), process.stdout, { end: false });
    if (file) {
      const { chunks: _c, ...summary } = exported;
      io.out(
        values.json
          ? JSON.stringify({ ...summary, file })
          : `exported ${summary.transactions} transaction(s) in ${summary.commits} commit(s) of ${summary.portfolio_id} to ${file}`,
      );
    }
    return 0;
  });
}

/** `folio ledger verify`: exit 0 when every chain verifies, 1 when any does not. */
async function verifyCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { portfolio: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError('ledger verify takes no arguments besides --portfolio and --json');
  return withDatabase({ migrate: true }, async (_config, db) => {
    const results = values.portfolio
      ? [await verifyLedger(db, OPERATOR, values.portfolio)]
      : await verifyAllLedgers(db);
    const failed = results.filter((r) => !r.ok).length;
    if (values.json) io.out(JSON.stringify({ ok: failed === 0, portfolios: results }));
    else {
      for (const r of results) io.out(verificationLine(r));
      io.out(`${results.length - failed} of ${results.length} chain(s) verify`);
    }
    return failed === 0 ? 0 : 1;
  });
}

function verificationLine(r: LedgerVerification): string {
  const counts = `${r.commits} commit(s), ${r.transactions} transaction(s)`;
  const m = r.first_mismatch;
  if (!m) return `ok        ${r.portfolio_id}  ${counts}, head ${r.ledger_commit_hash}`;
  return `MISMATCH  ${r.portfolio_id}  commit ${m.seq} ${m.commit_hash}: ${m.problem}: ${m.message}`;
}

function jsonOf(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('invalid_request', `${file} is not JSON: ${(e as Error).message}`);
  }
}
