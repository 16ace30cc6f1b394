import { parseArgs } from 'node:util';
import {
  type Config,
  type Pack,
  isCalendarDate,
  packDateProblem,
  parsePackId,
  createMarketData,
  isProviderName,
  PROVIDER_NAMES,
  buildPack,
  packJobSettings,
  type Progress,
  listPacks,
  staleWarmingPacks,
  type JobContext,
  type JobReport,
  markPackFresh,
  reconcilePack,
  retirePack,
  todayUtc,
} from '../backend/src/index.js';
import { configuredPackScheduler } from './scheduler.js';
import { BACKFILL_OPTIONS, BACKFILL_USAGE, backfillCommand, isBackfill } from './backfill-command.js';
import { QUIET, withJobs } from './job-context.js';
import { UsageError, type Out } from './usage.js';

export const PACK_USAGE = `  build-pack --date YYYY-MM-DD [--provider ${PROVIDER_NAMES.join('|')}] [--mark-fresh] [--force] [--json]
                                          build the date's pricing pack (a new version with --force)
${BACKFILL_USAGE}
  reconcile PP_... [--json]               check a pack: content hash, ledger replay vs stored positions (1 bp)
  mark-fresh PP_... [--force] [--json]    publish a reconciled pack (--force: without reconciliation, recorded)
  packs [--limit N] [--json]              recent packs; warming packs older than FOLIO_PACK_WARMING_STALE_SECONDS are flagged
  packs retire PP_... [--json]            retire an error pack: out of /health/pack and the alerts, kept as history
  scheduler                               run the pack schedule (FOLIO_PACK_SCHEDULE) until SIGTERM/SIGINT`;

const exitOf = (reports: readonly (JobReport | undefined)[]): number =>
  reports.some((r) => r?.status === 'failure') ? 1 : 0;

function printReports(
  io: Out,
  json: boolean,
  reports: Record<string, JobReport | undefined>,
  extra: Record<string, unknown> = {},
): void {
  if (json) {
    io.out(
      JSON.stringify(
        { ...Object.fromEntries(Object.entries(reports).filter(([, r]) => r !== undefined)), ...extra },
        null,
        2,
      ),
    );
    return;
  }
  for (const r of Object.values(reports)) {
    if (!r) continue;
    const line = `${r.job}: ${r.status}: ${r.message}`;
    if (r.status === 'failure') io.err(`error: ${line}`);
    else io.out(line);
  }
}

/** fetched/total and rows written, redrawn in place on a terminal; nothing when stderr is not one. */
function ttyProgress(): Progress | undefined {
  if (!process.stderr.isTTY) return undefined;
  return {
    fetched: (prices, symbols, fx) => process.stderr.write(`fetched ${prices}/${symbols} prices, ${fx} FX rates\n`),
    rows: (written, total) =>
      process.stderr.write(`\rrows written ${written}/${total}${written === total ? '\n' : ''}`),
  };
}

const staleWarming = (ctx: JobContext, config: Config): Promise<Pack[]> =>
  staleWarmingPacks(ctx.db, config.FOLIO_PACK_WARMING_STALE_SECONDS);

const staleLine = (p: Pack) =>
  `warning: ${p.id} has been warming since ${p.created_at} (a build that died?); folio build-pack --date ${p.date} rebuilds it`;

export async function buildPackCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      date: { type: 'string' },
      provider: { type: 'string' },
      'mark-fresh': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...BACKFILL_OPTIONS,
    },
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new UsageError(`build-pack takes no positional arguments (got ${positionals.join(' ')})`);
  if (isBackfill(values)) {
    if (values.date !== undefined || values.force)
      throw new UsageError('build-pack takes either --date (with --force) or a range --from/--to (or --resume)');
    return backfillCommand(values, io);
  }
  if (!values.date || !isCalendarDate(values.date))
    throw new UsageError('build-pack needs --date YYYY-MM-DD (a real calendar date)');
  // Refused before the database is opened: a date no provider can serve would otherwise leave an error pack behind.
  const problem = packDateProblem(values.date, todayUtc());
  if (problem) throw new UsageError(`build-pack --date ${problem}`);
  if (values.provider !== undefined && !isProviderName(values.provider)) {
    throw new UsageError(`unknown provider ${values.provider}; one of ${PROVIDER_NAMES.join(', ')}`);
  }
  const date = values.date;
  return withJobs(async (config, ctx) => {
    const name =
      values.provider !== undefined && isProviderName(values.provider) ? values.provider : config.FOLIO_PROVIDER;
    const stale = await staleWarming(ctx, config);
    if (!values.json) for (const p of stale) io.err(staleLine(p));
    const outcome = await buildPack(ctx, packJobSettings(config), {
      date,
      provider: createMarketData(config, { prices: name }),
      markFresh: values['mark-fresh'],
      force: values.force,
      ...optional(ttyProgress()),
    });
    printReports(
      io,
      values.json,
      { build: outcome.build, reconcile: outcome.reconcile, mark_fresh: outcome.markFresh },
      values.json ? { stale_warming: stale.map((p) => p.id) } : {},
    );
    return exitOf([outcome.build, outcome.reconcile, outcome.markFresh]);
  }, QUIET);
}

const optional = (progress: Progress | undefined): { progress?: Progress } => (progress ? { progress } : {});

function packIdArg(command: string, positionals: string[]): string {
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0)
    throw new UsageError(`${command} needs exactly one pack id (PP_YYYY-MM-DD or PP_YYYY-MM-DD.vN)`);
  if (!parsePackId(id)) throw new UsageError(`${id} is not a pack id (PP_YYYY-MM-DD or PP_YYYY-MM-DD.vN)`);
  return id;
}

export async function reconcileCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const id = packIdArg('reconcile', positionals);
  return withJobs(async (_config, ctx) => {
    const report = await reconcilePack(ctx, id);
    printReports(io, values.json, { reconcile: report });
    return exitOf([report]);
  }, QUIET);
}

export async function markFreshCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { force: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const id = packIdArg('mark-fresh', positionals);
  return withJobs(async (_config, ctx) => {
    const report = await markPackFresh(ctx, id, { force: values.force });
    printReports(io, values.json, { mark_fresh: report });
    return exitOf([report]);
  }, QUIET);
}

export async function packsCommand(argv: string[], io: Out): Promise<number> {
  if (argv[0] === 'retire') return retireCommand(argv.slice(1), io);
  const { values, positionals } = parseArgs({
    args: argv,
    options: { limit: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const limit = Number(values.limit);
  if (positionals.length > 0 || !Number.isInteger(limit) || limit < 1)
    throw new UsageError('packs takes only --limit N (N >= 1) and --json');
  return withJobs(async (config, ctx) => {
    const [{ packs: list }, stale] = await Promise.all([listPacks(ctx.db, { limit }), staleWarming(ctx, config)]);
    const staleIds = new Set(stale.map((p) => p.id));
    if (values.json) {
      io.out(
        JSON.stringify(
          { packs: list.map((p) => ({ ...p, stale: staleIds.has(p.id) })), stale_warming: [...staleIds] },
          null,
          2,
        ),
      );
      return 0;
    }
    for (const p of list) {
      io.out(
        `${p.id.padEnd(20)} ${p.status.padEnd(10)} ${String(p.price_count).padStart(6)} prices ${String(p.fx_count).padStart(4)} FX  ${p.source}${staleIds.has(p.id) ? '  STALE' : ''}${p.error ? `  ${p.error}` : ''}`,
      );
    }
    for (const p of stale) io.err(staleLine(p));
    return 0;
  }, QUIET);
}

async function retireCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const id = packIdArg('packs retire', positionals);
  return withJobs(async (_config, ctx) => {
    const report = await retirePack(ctx, id);
    printReports(io, values.json, { retire: report });
    return exitOf([report]);
  }, QUIET);
}

export async function schedulerCommand(argv: string[], _io: Out): Promise<number> {
  if (argv.length > 0)
    throw new UsageError(
      'scheduler takes no arguments; it is configured by FOLIO_PACK_SCHEDULE and FOLIO_PACK_SCHEDULE_TZ',
    );
  return withJobs(async (config, ctx) => {
    const scheduler = configuredPackScheduler(config, ctx);
    scheduler.start();
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s));
    });
    ctx.logger.info({ signal }, 'pack scheduler stopping');
    await scheduler.stop();
    return 0;
  });
}
