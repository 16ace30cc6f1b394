import { z } from 'zod';
import type { ReadCache } from '../db/read-cache.js';
import { marketMissing, periodAttribution, type PackMarket } from '../domain/currency-attribution.js';
import { replayLedger } from '../domain/ledger/replay.js';
import { symbolsOf } from '../domain/ledger/securities.js';
import { recall, type Capability } from '../executor/capability.js';
import { currencyArg } from './args.js';
import { entriesAtPin, lookbackAtPin } from './pinned-reads.js';

const currencyArgs = z.strictObject({
  portfolio_id: z.string().min(1),
  base_currency: currencyArg,
  /** Pricing days back from the pinned pack to the period's first day. */
  lookback_days: z.number().int().min(1).max(10_000),
});

export const currency = (reads: ReadCache): Capability<z.infer<typeof currencyArgs>> => ({
  name: 'attribution.currency',
  description:
    "Local, FX and interaction returns per holding and per currency, and each holding's contribution to the portfolio's return, " +
    'for the positions and cash held on the first of the last lookback_days pricing days, up to the pinned pack',
  args: currencyArgs,
  async run({ portfolio_id, base_currency, lookback_days }, call) {
    const { ctx, signal } = call;
    const recent = await lookbackAtPin(reads, lookback_days, call);
    const first = recent[recent.length - 1]!;
    const last = { id: ctx.pricing_pack_id, date: ctx.pricing_pack_date };

    const entries = await entriesAtPin(reads, portfolio_id, ctx);
    const held = entries.filter((e) => e.date <= first.date);
    const symbols = symbolsOf(held);
    const [securities, startData, endData] = await Promise.all([
      reads.securities(symbols),
      reads.packContent(first.id),
      reads.packContent(last.id),
    ]);
    signal.throwIfAborted();
    const atStart = replayLedger(held, { securities });
    const start = { id: first.id, date: first.date, ...startData };
    const end = { ...last, ...endData };

    // Packs before the end are only read when a close or rate is missing, which is rare.
    let earlier: PackMarket[] = [];
    if (marketMissing(atStart, start, end, base_currency)) {
      const covering = await reads.freshPacksCovering(start.date, end.date);
      const contents = await reads.marketsOf(
        covering.map((p) => p.id),
        symbols,
      );
      signal.throwIfAborted();
      earlier = covering.map((p, i) => ({ id: p.id, date: p.date, ...contents[i]! }));
    }

    const attribution = periodAttribution({
      baseCurrency: base_currency,
      lookbackDays: lookback_days,
      tradingDays: recent.length - 1,
      start,
      end,
      atStart,
      entries,
      earlier,
    });
    return recall(attribution, call.warn);
  },
});
