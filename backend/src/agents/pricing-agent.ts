import { z } from 'zod';
import type { ReadCache } from '../db/read-cache.js';
import { replayLedger } from '../domain/ledger/replay.js';
import { symbolsOf } from '../domain/ledger/securities.js';
import { compareWithSource, heldSymbols } from '../domain/source-check.js';
import { valuePortfolio, type CashInput, type HoldingInput } from '../domain/valuation.js';
import { recall, type Capability } from '../executor/capability.js';
import type { MarketDataProvider } from '../providers/provider.js';
import { currencyArg } from './args.js';
import { inPlace, isArrayOf, isCurrency, isNumber, isRecord, isString } from './in-place.js';
import { entriesAsOf } from './pinned-reads.js';

const isHolding = (v: unknown): v is HoldingInput =>
  isRecord(v) &&
  isString(v.symbol) &&
  isString(v.name) &&
  isString(v.sector) &&
  isString(v.asset_class) &&
  isCurrency(v.currency) &&
  isNumber(v.quantity) &&
  isNumber(v.cost_basis);
const isCash = (v: unknown): v is CashInput => isRecord(v) && isCurrency(v.currency) && isNumber(v.balance);

const valueArgs = z.object({
  base_currency: currencyArg,
  holdings: inPlace(
    isArrayOf(isHolding),
    'must be holdings with symbol, name, sector, asset_class, currency (ISO code), quantity and cost_basis',
  ),
  cash: inPlace(isArrayOf(isCash), 'must be cash balances with currency (ISO code) and balance').default([]),
});

export const value = (reads: ReadCache): Capability<z.infer<typeof valueArgs>> => ({
  name: 'pricing.value',
  description:
    "Values holdings and cash with the pinned pack's closes and FX, in local and base currency, with weights",
  args: valueArgs,
  async run({ base_currency, holdings, cash }, { ctx, warn }) {
    const { closes, fx } = await reads.packContent(ctx.pricing_pack_id);
    const { issues, ...valuation } = valuePortfolio(holdings, cash, closes, fx, base_currency);
    issues.forEach(warn);
    return {
      ...valuation,
      pricing_pack_id: ctx.pricing_pack_id,
      method: 'pack closes; cost basis and cash converted at pack FX',
    };
  },
});

const sourceCheckArgs = z.strictObject({ portfolio_id: z.string().min(1) });

/**
 * Asks the configured market-data source (through its circuit breaker) about the pinned
 * pack's date, so a source outage shows on the request path as 503 dependency_unavailable
 * rather than as silently stale numbers.
 */
export const sourceCheck = (
  reads: ReadCache,
  provider: MarketDataProvider,
): Capability<z.infer<typeof sourceCheckArgs>> => ({
  name: 'pricing.source_check',
  description:
    "Compares the pinned pack's closes of the portfolio's current holdings with what the market-data source reports for the pack's date, in basis points",
  args: sourceCheckArgs,
  async run({ portfolio_id }, { ctx, warn, signal }) {
    const entries = await entriesAsOf(reads, portfolio_id, ctx);
    const securities = await reads.securities(symbolsOf(entries));
    const held = heldSymbols(replayLedger(entries, { asof: ctx.asof_date, securities }));
    const date = ctx.pricing_pack_date;
    const [pack, snapshot] = await Promise.all([
      reads.packContent(ctx.pricing_pack_id),
      provider.snapshot({
        date,
        symbols: held,
        pairs: [],
        // Sources whose files carry no currency (eod) quote each close in the listing currency.
        currencies: new Map(
          held.flatMap((s) => {
            const c = securities.get(s)?.currency;
            return c ? [[s, c] as const] : [];
          }),
        ),
        only: 'prices',
        signal,
      }),
    ]);
    const check = compareWithSource({
      source: provider.name,
      packId: ctx.pricing_pack_id,
      date,
      held,
      securities,
      packCloses: pack.closes,
      sourcePrices: snapshot.prices,
    });
    return recall(check, warn);
  },
});
