import { z } from 'zod';
import type { ReadCache } from '../db/read-cache.js';
import { valuePortfolio } from '../domain/valuation.js';
import type { Capability } from '../executor/capability.js';

const currency = z.string().regex(/^[A-Z]{3}$/);
const valueArgs = z.object({
  base_currency: currency,
  holdings: z.array(
    z.object({
      symbol: z.string(),
      name: z.string(),
      sector: z.string(),
      asset_class: z.string(),
      currency,
      quantity: z.number(),
      cost_basis: z.number(),
    }),
  ),
  cash: z.array(z.object({ currency, balance: z.number() })).default([]),
});

export function pricingCapabilities(reads: ReadCache): Capability[] {
  const value: Capability<z.infer<typeof valueArgs>> = {
    name: 'pricing.value',
    description: "Values holdings and cash with the pinned pack's closes and FX, in local and base currency, with weights",
    args: valueArgs,
    async run({ base_currency, holdings, cash }, { ctx, warn }) {
      const { closes, fx } = await reads.packContent(ctx.pricing_pack_id);
      const valuation = valuePortfolio(holdings, cash, closes, fx, base_currency);
      for (const issue of valuation.issues) warn(issue);
      const { issues: _issues, ...rest } = valuation;
      return { ...rest, pricing_pack_id: ctx.pricing_pack_id, method: 'pack closes; cost basis and cash converted at pack FX' };
    },
  };
  return [value];
}
