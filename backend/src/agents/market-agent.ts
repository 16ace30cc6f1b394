import { z } from 'zod';
import type { ReadCache } from '../db/read-cache.js';
import { replayLedger } from '../domain/ledger/replay.js';
import { round } from '../domain/number.js';
import type { Capability } from '../executor/capability.js';
import type { MarketDataProvider } from '../providers/provider.js';
import { packDateOf } from '../domain/pack.js';
import { entriesAtPin, symbolsOf } from './pinned-ledger.js';

const sourceCheckArgs = z.strictObject({ portfolio_id: z.string().min(1) });

const BP_DIGITS = 2;
const basisPoints = (source: number, pack: number): number => round(((source - pack) / pack) * 10_000, BP_DIGITS);

/**
 * Agent that asks the configured market-data source (through its circuit breaker) about the
 * pinned pack's date, so a source outage shows on the request path as 503
 * dependency_unavailable rather than as silently stale numbers.
 */
export function marketCapabilities(reads: ReadCache, provider: MarketDataProvider): Capability[] {
  const sourceCheck: Capability<z.infer<typeof sourceCheckArgs>> = {
    name: 'pricing.source_check',
    description:
      "Compares the pinned pack's closes of the portfolio's current holdings with what the market-data source reports for the pack's date, in basis points",
    args: sourceCheckArgs,
    async run({ portfolio_id }, { ctx, warn, signal }) {
      const entries = (await entriesAtPin(reads, portfolio_id, ctx)).filter((e) => e.date <= ctx.asof_date);
      const securities = await reads.securities(symbolsOf(entries));
      const held = [...replayLedger(entries, { asof: ctx.asof_date, securities }).holdings.values()]
        .map((h) => h.symbol)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const date = packDateOf(ctx.pricing_pack_id);
      const [pack, snapshot] = await Promise.all([
        reads.packContent(ctx.pricing_pack_id),
        provider.snapshot({ date, symbols: held, pairs: [], signal }),
      ]);
      const fromSource = new Map(snapshot.prices.map((p) => [p.symbol, p]));

      const compared = [];
      const missingFromSource: string[] = [];
      const missingFromPack: string[] = [];
      for (const symbol of held) {
        const packClose = pack.closes.get(symbol);
        const source = fromSource.get(symbol);
        if (packClose === undefined) missingFromPack.push(symbol);
        if (source === undefined) missingFromSource.push(symbol);
        if (packClose === undefined || source === undefined) continue;
        const currency = securities.get(symbol)?.currency ?? null;
        // A close in another currency is a different number, not a price move: never compared.
        const sameCurrency = source.currency === currency;
        if (!sameCurrency) {
          warn({
            code: 'source_currency_mismatch',
            message: `${provider.name} quotes ${symbol} in ${source.currency}, the security is listed in ${currency}`,
          });
        }
        compared.push({
          symbol,
          currency,
          pack_close: packClose,
          source_close: source.close,
          source_currency: source.currency,
          difference_bp: sameCurrency ? basisPoints(source.close, packClose) : null,
        });
      }
      if (missingFromSource.length > 0) {
        warn({
          code: 'source_missing_symbols',
          message: `${provider.name} has no close on ${date} for ${missingFromSource.join(', ')}`,
        });
      }
      if (missingFromPack.length > 0) {
        warn({
          code: 'pack_missing_symbols',
          message: `${ctx.pricing_pack_id} has no close for ${missingFromPack.join(', ')}`,
        });
      }
      const differences = compared.flatMap((c) => (c.difference_bp === null ? [] : [Math.abs(c.difference_bp)]));
      return {
        source: provider.name,
        pricing_pack_id: ctx.pricing_pack_id,
        date,
        holdings: held.length,
        compared,
        missing_from_source: missingFromSource,
        missing_from_pack: missingFromPack,
        max_abs_difference_bp: differences.length === 0 ? null : Math.max(...differences),
      };
    },
  };
  return [sourceCheck];
}
