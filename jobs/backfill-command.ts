import fs from 'node:fs';
import {
  backfill,
  createMarketData,
  isCalendarDate,
  isProviderName,
  packDateProblem,
  packJobSettings,
  PROVIDER_NAMES,
  todayUtc,
  unfinishedBackfill,
  type BackfillDate,
  type BackfillParams,
  type JobReport,
} from '../backend/src/index.js';
import { QUIET, withJobs } from './job-context.js';
import { progressLine, type ProgressLine } from './progress.js';
import { UsageError, type Out } from './usage.js';

export const BACKFILL_USAGE = `  build-pack --from YYYY-MM-DD --to YYYY-MM-DD [--provider P] [--mark-fresh] [--register-securities MAPPING.csv] [--json]
                                          one pack per trading day of the range, in order; fresh dates are skipped
  build-pack --resume [--json]            finish the last backfill that did not (killed, or stopped at a failure)`;

/** The options build-pack takes for a range, parsed with its others. */
export const BACKFILL_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  resume: { type: 'boolean', default: false },
  'register-securities': { type: 'string' },
} as const;

interface BackfillValues {
  from?: string | undefined;
  to?: string | undefined;
  resume?: boolean | undefined;
  'register-securities'?: string | undefined;
  provider?: string | undefined;
  'mark-fresh'?: boolean | undefined;
  json?: boolean | undefined;
}

export const isBackfill = (v: BackfillValues): boolean =>
  v.from !== undefined || v.to !== undefined || v.resume === true || v['register-securities'] !== undefined;

/** `folio build-pack --from D --to D` and `--resume`: parse, run the backfill use case, print each date as it ends. */
export async function backfillCommand(values: BackfillValues, io: Out): Promise<number> {
  const json = values.json === true;
  const given = values.resume ? null : paramsOf(values);
  return withJobs(async (config, ctx) => {
    const params = given ?? (await unfinishedBackfill(ctx.db));
    if (!params) {
      io.out(json ? JSON.stringify({ resumed: null }) : 'nothing to resume: the last backfill finished (or none ran)');
      return 0;
    }
    const [prices, fx] = providerNames(params.provider);
    const line = progressLine(json);
    const progress = line && backfillProgress(line);
    const report = await backfill(ctx, packJobSettings(config), {
      from: params.from,
      to: params.to,
      provider: createMarketData(config, { prices, fx }),
      markFresh: params.mark_fresh,
      prefetch: config.FOLIO_BACKFILL_PREFETCH,
      ...(params.register_securities
        ? { registerSecurities: { file: params.register_securities, csv: readMapping(params.register_securities) } }
        : {}),
      onDate: (d) => (json ? io.out(JSON.stringify(d)) : progress?.(d)),
    });
    printSummary(io, json, report);
    return report.status === 'failure' ? 1 : 0;
  }, QUIET);
}

function paramsOf(v: BackfillValues): BackfillParams {
  const { from, to } = v;
  if (!from || !to || !isCalendarDate(from) || !isCalendarDate(to))
    throw new UsageError('a backfill needs --from YYYY-MM-DD and --to YYYY-MM-DD (real calendar dates), or --resume');
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const problem = packDateProblem(from, todayUtc()) ?? packDateProblem(to, todayUtc());
  if (problem) throw new UsageError(`build-pack --from ${from} --to ${to}: ${problem}`);
  const provider = v.provider;
  if (provider !== undefined && !isProviderName(provider))
    throw new UsageError(`unknown provider ${provider}; one of ${PROVIDER_NAMES.join(', ')}`);
  const mapping = v['register-securities'];
  if (mapping !== undefined && !fs.existsSync(mapping)) throw new UsageError(`no such mapping file: ${mapping}`);
  return {
    from,
    to,
    // Resolved against the configuration once it is loaded (FOLIO_PROVIDER, FOLIO_FX_PROVIDER).
    provider: provider ?? '',
    mark_fresh: v['mark-fresh'] === true,
    register_securities: mapping ?? null,
  };
}

/** A run records its provider as the pack source (`eod`, or `eod+ecb` for closes and FX from two); empty: the configured ones. */
function providerNames(
  source: string,
): [prices?: (typeof PROVIDER_NAMES)[number], fx?: (typeof PROVIDER_NAMES)[number]] {
  if (source === '') return [];
  const [prices, fx] = source.split('+');
  if (!prices || !isProviderName(prices) || (fx !== undefined && !isProviderName(fx)))
    throw new UsageError(`the backfill to resume used provider ${source}, which this version does not know`);
  return fx === undefined ? [prices] : [prices, fx];
}

function readMapping(file: string): string {
  if (!fs.existsSync(file)) throw new UsageError(`no such mapping file: ${file}`);
  return fs.readFileSync(file, 'utf8');
}

function printSummary(io: Out, json: boolean, r: JobReport): void {
  if (json) return io.out(JSON.stringify({ backfill: r }));
  if (r.status === 'failure') io.err(`error: backfill: failure: ${r.message}`);
  else io.out(`backfill: ${r.status}: ${r.message}`);
}

/** Dates done, rows per second, time left at the pace of the dates built so far. */
function backfillProgress(show: ProgressLine): (d: BackfillDate) => void {
  const started = performance.now();
  let rows = 0;
  let built = 0;
  let builtSeconds = 0;
  return (d) => {
    rows += d.rows;
    if (d.status !== 'skipped') {
      built++;
      builtSeconds += d.seconds;
    }
    const elapsed = (performance.now() - started) / 1000;
    const perDate = built > 0 ? builtSeconds / built : 0;
    const eta = perDate * (d.total - d.done);
    const line = `${d.done}/${d.total} dates  ${d.date} ${d.status}  ${Math.round(rows / Math.max(elapsed, 1e-3))} rows/s  ETA ${duration(eta)}`;
    show(line, d.done === d.total || d.status === 'failure');
  };
}

const duration = (s: number): string =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
