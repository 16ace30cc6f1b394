import { setImmediate } from 'node:timers/promises';
import { z } from 'zod';
import type { ReadCache } from '../db/read-cache.js';
import { calendarDays, HistoryDataError, valuationHistorySteps, type History } from '../domain/history.js';
import { historySeries, marketsInForce, type HistorySeries } from '../domain/history-series.js';
import { symbolsOf } from '../domain/ledger/securities.js';
import { AppError, invalid } from '../errors.js';
import { recall, remember, type Capability, type CapabilityCall, type Remembered } from '../executor/capability.js';
import { currencyArg, symbolArg } from './args.js';
import { entriesAtPin, lookbackAtPin } from './pinned-reads.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const valuesArgs = z
  .strictObject({
    portfolio_id: z.string().min(1),
    base_currency: currencyArg,
    start_date: date.nullish(),
    end_date: date.nullish(),
    /** Instead of dates: this many pricing days back from the as-of date. */
    lookback_days: z.number().int().min(1).max(10_000).nullish(),
    /** A security whose closes on the pricing days are returned alongside. */
    benchmark: symbolArg.nullish(),
  })
  .refine((a) => (a.lookback_days != null) !== (a.start_date != null && a.end_date != null), {
    message: 'give either start_date and end_date, or lookback_days',
  });
type ValuesArgs = z.infer<typeof valuesArgs>;

const earlier = (a: string, b: string): string => (a < b ? a : b);

/**
 * Longest stretch of history computation between two turns of the event loop: long enough
 * that the pauses cost little, short enough that a health check or a cheap request queued
 * behind a multi-year history waits a few milliseconds, not the whole computation.
 */
const SLICE_MS = 5;

/** Runs the history day by day, yielding to the event loop between slices and stopping once the call is aborted. */
async function runSliced(steps: Generator<void, History, void>, signal: AbortSignal): Promise<History> {
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await setImmediate();
      signal.throwIfAborted();
      sliceStart = performance.now();
    }
  }
}

/** The period a request asks about, checked against its pins. */
async function period(
  reads: ReadCache,
  args: ValuesArgs,
  call: CapabilityCall,
): Promise<{ start: string; end: string }> {
  const { asof_date } = call.ctx;
  if (args.lookback_days != null) {
    const recent = await lookbackAtPin(reads, args.lookback_days, call);
    return { start: recent[recent.length - 1]!.date, end: asof_date };
  }
  const start = args.start_date!;
  const end = args.end_date!;
  if (start > end) throw invalid(`start_date ${start} is after end_date ${end}`, { start_date: start, end_date: end });
  if (end > asof_date)
    throw invalid(`end_date ${end} is after the as-of date ${asof_date}`, { end_date: end, asof_date });
  return { start, end };
}

async function computeValues(reads: ReadCache, args: ValuesArgs, call: CapabilityCall): Promise<HistorySeries> {
  const { portfolio_id, base_currency, benchmark } = args;
  const { ctx, warn, signal } = call;
  const { start, end } = await period(reads, args, call);
  const visible = (await entriesAtPin(reads, portfolio_id, ctx)).filter((e) => e.date <= end);
  const symbols = symbolsOf(visible);
  if (benchmark != null) symbols.push(benchmark);

  // Packs newer than the pinned one did not exist for the answer being reproduced.
  const [securities, packs] = await Promise.all([
    reads.securities(symbols),
    reads.freshPacksCovering(start, earlier(ctx.pricing_pack_date, end)),
  ]);
  const benchmarkSecurity = benchmark == null ? null : securities.get(benchmark);
  if (benchmarkSecurity === undefined) {
    throw new AppError('security_not_found', `benchmark ${benchmark} is not a known security`, { symbol: benchmark });
  }
  // Only the portfolio's own closes (and the benchmark's) are read: no other close can value it.
  const contents = await reads.marketsOf(
    packs.map((p) => p.id),
    symbols,
  );
  signal.throwIfAborted();
  const markets = packs.map((p, i) => ({ date: p.date, data: contents[i]! }));

  let history;
  try {
    history = await runSliced(
      valuationHistorySteps({
        entries: visible,
        securities,
        baseCurrency: base_currency,
        days: calendarDays(start, end),
        marketOn: marketsInForce(markets),
      }),
      signal,
    );
  } catch (e) {
    if (!(e instanceof HistoryDataError)) throw e;
    throw new AppError('pricing_pack_not_found', e.message, { date: e.date, ...e.missing });
  }
  history.warnings.forEach(warn);
  return historySeries({ baseCurrency: base_currency, start, end, history, markets, benchmark: benchmarkSecurity });
}

export const values = (reads: ReadCache): Capability<ValuesArgs> => ({
  name: 'history.values',
  description:
    'Daily portfolio value in the base currency with external flows separated, from the pack series up to the pinned pack; ' +
    'for start_date..end_date or the last lookback_days pricing days',
  args: valuesArgs,
  /**
   * A history is a pure function of its arguments and pins, and costs tens of milliseconds
   * for a large portfolio, so it is kept (with the warnings it raised) for the next request
   * with the same pins: the overview's metrics strip then costs a lookup.
   */
  async run(args, call) {
    const key = `history:${JSON.stringify([args, call.ctx.ledger_commit_hash, call.ctx.pricing_pack_id, call.ctx.asof_date])}`;
    const hit = reads.derived<Remembered<HistorySeries>>(key);
    if (hit) return recall(hit, call.warn);
    const fresh = await remember(call.warn, (warn) => computeValues(reads, args, { ...call, warn }));
    reads.setDerived(key, fresh, fresh.output.points.length + (fresh.output.benchmark?.closes.length ?? 0));
    return fresh.output;
  },
});
