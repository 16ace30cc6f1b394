import { setImmediate } from 'node:timers/promises';
import { z } from 'zod';
import type { PackData, ReadCache } from '../db/read-cache.js';
import type { Pack } from '../db/repositories/packs.js';
import {
  calendarDays,
  HistoryDataError,
  valuationHistorySteps,
  type DayMarket,
  type History,
} from '../domain/history.js';
import { money } from '../domain/number.js';
import { packDateOf } from '../domain/pack.js';
import { AppError, invalid } from '../errors.js';
import {
  recall,
  remember,
  type Capability,
  type CapabilityCall,
  type Remembered,
  type RequestCtx,
} from '../executor/capability.js';
import { currencyArg, symbolArg } from './args.js';
import { entriesAtPin, symbolsOf } from './pinned-ledger.js';

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

const METHOD =
  'end-of-day value of cash and positions in the base currency, with closes and FX of the newest fresh pricing pack on or before each calendar day; ' +
  "external flows (deposits, withdrawals, transfers; securities transfers at their recorded price) converted at their day's FX";

const earlier = (a: string, b: string): string => (a < b ? a : b);

/**
 * Longest stretch of history computation between two turns of the event loop: long enough
 * that the pauses cost little, short enough that a health check or a cheap request queued
 * behind a multi-year history waits a few milliseconds, not the whole computation.
 */
const SLICE_MS = 5;

/**
 * Packs read per batch (one query for their prices, one for their FX), with a turn of the
 * event loop between batches: SQLite answers synchronously, so years of packs read at once
 * held the loop for most of a second.
 */
const PACKS_PER_BATCH = 50;

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

/**
 * The fresh packs of the last `lookback` pricing days up to the pinned pack, newest first, the
 * oldest being the period's first day. Fewer available shortens the period with a warning.
 */
export async function lookbackPacks(
  reads: ReadCache,
  lookback: number,
  ctx: RequestCtx,
  warn: CapabilityCall['warn'],
): Promise<Pack[]> {
  const wanted = lookback + 1;
  const recent = await reads.recentFreshPacks(packDateOf(ctx.pricing_pack_id), wanted);
  if (recent.length === 0)
    throw new AppError('pricing_pack_not_found', `no fresh pricing pack on or before ${ctx.pricing_pack_id}`);
  if (recent.length < wanted) {
    warn({
      code: 'lookback_shortened',
      message: `only ${recent.length - 1} pricing days are available before the pinned pack, fewer than the ${lookback} asked for`,
    });
  }
  return recent;
}

/** The period a request asks about, checked against its pins. */
async function period(
  reads: ReadCache,
  args: { start_date?: string | null; end_date?: string | null; lookback_days?: number | null },
  ctx: RequestCtx,
  warn: CapabilityCall['warn'],
): Promise<{ start: string; end: string }> {
  if (args.lookback_days != null) {
    const recent = await lookbackPacks(reads, args.lookback_days, ctx, warn);
    return { start: recent[recent.length - 1]!.date, end: ctx.asof_date };
  }
  const start = args.start_date!;
  const end = args.end_date!;
  if (start > end) throw invalid(`start_date ${start} is after end_date ${end}`, { start_date: start, end_date: end });
  if (end > ctx.asof_date)
    throw invalid(`end_date ${end} is after the as-of date ${ctx.asof_date}`, {
      end_date: end,
      asof_date: ctx.asof_date,
    });
  return { start, end };
}

async function computeValues(
  reads: ReadCache,
  args: z.infer<typeof valuesArgs>,
  { ctx, warn, signal }: CapabilityCall,
) {
  const { portfolio_id, base_currency, benchmark } = args;
  const { start, end } = await period(reads, args, ctx, warn);
  const visible = (await entriesAtPin(reads, portfolio_id, ctx)).filter((e) => e.date <= end);
  const symbols = symbolsOf(visible);
  if (benchmark != null) symbols.push(benchmark);

  // Packs newer than the pinned one did not exist for the answer being reproduced.
  const [securities, packs] = await Promise.all([
    reads.securities(symbols),
    reads.freshPacksCovering(start, earlier(packDateOf(ctx.pricing_pack_id), end)),
  ]);
  if (benchmark != null && !securities.has(benchmark)) {
    throw new AppError('security_not_found', `benchmark ${benchmark} is not a known security`, { symbol: benchmark });
  }
  const contents: PackData[] = [];
  for (let i = 0; i < packs.length; i += PACKS_PER_BATCH) {
    if (i > 0) await setImmediate();
    signal.throwIfAborted();
    contents.push(...(await reads.packContents(packs.slice(i, i + PACKS_PER_BATCH).map((p) => p.id))));
  }
  signal.throwIfAborted();

  const markets: { date: string; data: PackData }[] = packs.map((p, i) => ({ date: p.date, data: contents[i]! }));
  let inForce = -1;
  const marketOn = (day: string): DayMarket | null => {
    while (inForce + 1 < markets.length && markets[inForce + 1]!.date <= day) inForce++;
    return inForce < 0 ? null : markets[inForce]!.data;
  };

  let history;
  try {
    history = await runSliced(
      valuationHistorySteps({
        entries: visible,
        securities,
        baseCurrency: base_currency,
        days: calendarDays(start, end),
        marketOn,
      }),
      signal,
    );
  } catch (e) {
    if (!(e instanceof HistoryDataError)) throw e;
    throw new AppError('pricing_pack_not_found', e.message, { date: e.date, ...e.missing });
  }
  for (const w of history.warnings) warn(w);

  const pricing = markets.filter((m) => m.date >= start);
  return {
    base_currency,
    start_date: start,
    end_date: end,
    points: history.points.map((p) => ({
      date: p.date,
      value: money(p.value),
      inflow: money(p.inflow),
      outflow: money(p.outflow),
    })),
    pricing_days: pricing.map((m) => m.date),
    benchmark:
      benchmark == null
        ? null
        : {
            symbol: benchmark,
            currency: securities.get(benchmark)!.currency,
            closes: pricing.flatMap((m) => {
              const close = m.data.closes.get(benchmark);
              return close === undefined ? [] : [{ date: m.date, close }];
            }),
          },
    method: METHOD,
  };
}

type HistoryValues = Awaited<ReturnType<typeof computeValues>>;

export function historyCapabilities(reads: ReadCache): Capability[] {
  const values: Capability<z.infer<typeof valuesArgs>> = {
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
      const hit = reads.derived<Remembered<HistoryValues>>(key);
      if (hit) return recall(hit, call.warn);
      const fresh = await remember(call.warn, (warn) => computeValues(reads, args, { ...call, warn }));
      reads.setDerived(key, fresh, fresh.output.points.length + (fresh.output.benchmark?.closes.length ?? 0));
      return fresh.output;
    },
  };

  return [values];
}
