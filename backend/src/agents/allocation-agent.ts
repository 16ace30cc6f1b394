import { z } from 'zod';
import { allocate } from '../domain/allocation.js';
import type { Valuation } from '../domain/valuation.js';
import type { Capability } from '../executor/capability.js';

const allocationArgs = z.object({
  valuation: z.object({
    holdings: z.array(z.object({}).passthrough()),
    cash: z.array(z.object({}).passthrough()),
    totals: z.object({ total_value: z.number() }).passthrough(),
  }).passthrough(),
  top_n: z.number().int().min(1).max(100).default(10),
});

export function allocationCapabilities(): Capability[] {
  const breakdown: Capability<z.infer<typeof allocationArgs>> = {
    name: 'allocation.breakdown',
    description: 'Weights by sector, currency and asset class, and top-N concentration',
    args: allocationArgs,
    async run({ valuation, top_n }) {
      // The shape was produced by pricing.value in the same run; zod checked the parts read here.
      return allocate(valuation as unknown as Valuation, top_n);
    },
  };
  return [breakdown];
}
