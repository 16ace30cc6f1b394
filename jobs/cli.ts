import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, type Config } from '../backend/src/config.js';
import { createDb, migrateLatest } from '../backend/src/db/knex.js';
import { findByUsername } from '../backend/src/db/repositories/users.js';
import { seedDemo } from '../backend/src/demo/seed.js';
import { AppError } from '../backend/src/errors.js';
import { parseExecuteRequest } from '../backend/src/executor/request.js';
import { responseObject } from '../backend/src/services/execution-response.js';
import {
  ExecutionTelemetry,
  executionTracing,
  folioTracer,
  markFailure,
} from '../backend/src/observability/execution-telemetry.js';
import { activeTraceId } from '../backend/src/observability/correlation.js';
import { createLogger } from '../backend/src/observability/logger.js';
import { createMetrics } from '../backend/src/observability/metrics.js';
import { createRuntime, type Runtime } from '../backend/src/runtime.js';
import { main as serve } from '../backend/src/server.js';
import { importLedger, OPERATOR } from '../backend/src/services/index.js';
import { configuredPackScheduler } from './scheduler.js';
import {
  buildPackCommand,
  markFreshCommand,
  PACK_USAGE,
  packsCommand,
  reconcileCommand,
  schedulerCommand,
} from './pack-commands.js';
import { UsageError, type Out } from './usage.js';

const USAGE = `usage: folio <command> [options]

commands:
  serve                                   run the HTTP service (migrates; seeds demo data on an empty database)
  migrate                                 apply database migrations
  seed-demo                               create the demo user, securities, portfolios and pricing packs
  ledger import --portfolio ID FILE.csv   import a ledger CSV as one commit (all or nothing)
  execute PATTERN --input k=v ... [--user NAME] [--asof YYYY-MM-DD] [--pack PP_...] [--commit HASH] [--allow-stale]
                                          run a pattern and print the response as JSON
${PACK_USAGE}

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
        return await withDb(async (_config, db) => {
          const applied = await migrateLatest(db);
          io.out(applied.length ? `applied: ${applied.join(', ')}` : 'migrations already current');
        });
      case 'seed-demo':
        return await withDb(async (config, db) => {
          await migrateLatest(db);
          const summary = await seedDemo(db, { apiKey: config.FOLIO_DEMO_API_KEY, seed: config.FOLIO_DEMO_SEED });
          io.out(JSON.stringify(summary, null, 2));
        });
      case 'ledger':
        return await ledgerImport(rest, io);
      case 'execute':
        return await execute(rest, io);
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

async function withDb(fn: (config: Config, db: ReturnType<typeof createDb>) => Promise<void>): Promise<number> {
  const config = loadConfig();
  const db = createDb(config);
  try {
    await fn(config, db);
    return 0;
  } finally {
    await db.destroy();
  }
}

async function ledgerImport(argv: string[], io: Out): Promise<number> {
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
  return withDb(async (_config, db) => {
    await migrateLatest(db);
    const result = await importLedger({ db }, { actor: OPERATOR, portfolioId, document: { csv }, source: 'cli' });
    io.out(JSON.stringify(result));
  });
}

async function execute(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string', multiple: true, default: [] },
      user: { type: 'string', default: 'demo' },
      asof: { type: 'string' },
      pack: { type: 'string' },
      commit: { type: 'string' },
      'allow-stale': { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const [patternId, ...extra] = positionals;
  if (!patternId || extra.length > 0) throw new UsageError('execute needs exactly one PATTERN');
  const raw: Record<string, string> = {};
  for (const kv of values.input) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input expects k=v, got ${JSON.stringify(kv)}`);
    raw[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const config = loadConfig();
  const rt = createRuntime(config);
  const tracing = executionTracing(config, createLogger({ level: config.LOG_LEVEL, pretty: config.FOLIO_PRETTY_LOGS }));
  // The pattern spans of the service; the metrics they also record are never served here.
  if (tracing) rt.service.observeWith(new ExecutionTelemetry(createMetrics(rt.service.listPatterns()), tracing));
  try {
    return await folioTracer().startActiveSpan(
      'cli.execute',
      { attributes: { 'folio.pattern_id': patternId } },
      async (span) => {
        try {
          return await executeOnce(rt, patternId, raw, values, io);
        } catch (err) {
          // A usage mistake is the caller's, as a 4xx is for the service.
          if (!(err instanceof UsageError)) markFailure(span, err);
          throw err;
        } finally {
          span.end();
        }
      },
    );
  } finally {
    await rt.db.destroy();
  }
}

async function executeOnce(
  rt: Runtime,
  patternId: string,
  raw: Record<string, string>,
  values: { user?: string; asof?: string; pack?: string; commit?: string; 'allow-stale'?: boolean },
  io: Out,
): Promise<number> {
  await migrateLatest(rt.db);
  const user = await findByUsername(rt.db, values.user!);
  if (!user) throw new AppError('unauthorized', `no user named ${values.user}`);
  const pattern = rt.service.getPattern(patternId);
  const request = parseExecuteRequest({
    pattern_id: patternId,
    inputs: coerceInputs(raw, pattern.inputs),
    require_fresh: !values['allow-stale'],
    asof_date: values.asof,
    pricing_pack_id: values.pack,
    ledger_commit_hash: values.commit,
  });
  // With tracing on, the printed trace_id is that of the cli.execute span.
  const traceId = activeTraceId() ?? randomUUID().replaceAll('-', '');
  const response = await rt.service.execute(user, request, { requestId: `cli-${randomUUID()}`, traceId });
  io.out(JSON.stringify(responseObject(response), null, 2));
  return 0;
}

/** Command-line values are text; the pattern's declared input types say what they mean. */
function coerceInputs(raw: Record<string, string>, spec: Record<string, { type: string }>): Record<string, unknown> {
  return Object.fromEntries<unknown>(
    Object.entries(raw).map(([k, v]) => {
      const type = spec[k]?.type;
      if (type === 'integer' || type === 'number') return [k, v.trim() === '' ? v : Number(v)];
      if (type === 'boolean') return [k, v === 'true' ? true : v === 'false' ? false : v];
      return [k, v];
    }),
  );
}
