import { AppError, ConfigError, migrateLatest, seedDemo, serve } from '../backend/src/index.js';
import { ACCOUNT_USAGE, keysCommand, portfoliosCommand, usersCommand } from './account-commands.js';
import { withDatabase } from './database.js';
import { EXECUTE_USAGE, executeCommand } from './execute-command.js';
import { LEDGER_USAGE, ledgerCommand } from './ledger-commands.js';
import {
  buildPackCommand,
  markFreshCommand,
  PACK_USAGE,
  packsCommand,
  reconcileCommand,
  schedulerCommand,
} from './pack-commands.js';
import { configuredPackScheduler } from './scheduler.js';
import { SECURITIES_USAGE, securitiesCommand } from './securities-command.js';
import { UsageError, type Out } from './usage.js';

const USAGE = `usage: folio <command> [options]

commands:
  serve                                   run the HTTP service (migrates; seeds demo data on an empty database)
  migrate                                 apply database migrations
  seed-demo                               create the demo user, securities, portfolios and pricing packs
${ACCOUNT_USAGE}
${SECURITIES_USAGE}
${LEDGER_USAGE}
${EXECUTE_USAGE}
${PACK_USAGE}
  help | --help | -h                      this text

exit codes: 0 ok, 1 failure, 2 usage error`;

const stdio: Out = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

export async function runCli(argv: string[], io: Out = stdio): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'serve':
        // FOLIO_SCHEDULER=service: the service also runs the pack schedule; the per-date job
        // lock keeps replicas from building a date twice.
        await serve((config, logger) =>
          config.FOLIO_SCHEDULER === 'service'
            ? (runtime) => {
                const scheduler = configuredPackScheduler(config, { db: runtime.db, logger });
                scheduler.start();
                return scheduler;
              }
            : undefined,
        );
        return 0;
      case 'migrate':
        return await withDatabase({ migrate: false }, async (_config, db) => {
          const applied = await migrateLatest(db);
          io.out(applied.length ? `applied: ${applied.join(', ')}` : 'migrations already current');
          return 0;
        });
      case 'seed-demo':
        return await withDatabase({ migrate: true }, async (config, db) => {
          const summary = await seedDemo(db, { apiKey: config.FOLIO_DEMO_API_KEY, seed: config.FOLIO_DEMO_SEED });
          io.out(JSON.stringify(summary, null, 2));
          return 0;
        });
      case 'users':
        return await usersCommand(rest, io);
      case 'keys':
        return await keysCommand(rest, io);
      case 'portfolios':
        return await portfoliosCommand(rest, io);
      case 'securities':
        return await securitiesCommand(rest, io);
      case 'ledger':
        return await ledgerCommand(rest, io);
      case 'execute':
        return await executeCommand(rest, io);
      case 'build-pack':
        return await buildPackCommand(rest, io);
      case 'reconcile':
        return await reconcileCommand(rest, io);
      case 'mark-fresh':
        return await markFreshCommand(rest, io);
      case 'packs':
        return await packsCommand(rest, io);
      case 'scheduler':
        return await schedulerCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (err) {
    return report(err, io);
  }
}

function report(err: unknown, io: Out): number {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    io.err(err.message);
    return 2;
  }
  if (err instanceof AppError) {
    io.err(`error: ${err.code}: ${err.message}`);
    const rows = (err.details.errors as { row: number; message: string }[] | undefined) ?? [];
    for (const r of rows) io.err(`  row ${r.row}: ${r.message}`);
    return 1;
  }
  io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}
