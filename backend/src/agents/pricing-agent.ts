import { z } from 'zod';
import type { ReadCache } from '../db/read-cache.js';
import { valuePortfolio, type CashInput, type HoldingInput } from '../domain/valuation.js';
import type { Capability } from '../executor/capability.js';
import { inPlace, isArrayOf, isCurrency, isNumber, isRecord, isString } from './in-place.js';
import { currencyArg } from './args.js';

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

export function pricingCapabilities(reads: ReadCache): Capability[] {
  const value: Capability<z.infer<typeof valueArgs>> = {
    name: 'pricing.value',
    description:
      "Values holdings and cash with the pinned pack's closes and FX, in local and base currency, with weights",
    args: valueArgs,
    async run({ base_currency, holdings, cash }, { ctx, warn }) {
      const { closes, fx } = await reads.packContent(ctx.pricing_pack_id);
      const valuation = valuePortfolio(holdings, cash, closes, fx, base_currency);
      for (const issue of valuation.issues) warn(issue);
      const { issues: _issues, ...rest } = valuation;
      return {
        ...rest,
        pricing_pack_id: ctx.pricing_pack_id,
        method: 'pack closes; cost basis and cash converted at pack FX',
      };
    },
  };
  return [value];
}
