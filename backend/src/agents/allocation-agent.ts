import { z } from 'zod';
import { allocate } from '../domain/allocation.js';
import type { Valuation } from '../domain/valuation.js';
import type { Capability } from '../executor/capability.js';
import { inPlace, isArrayOf, isNumber, isRecord } from './in-place.js';

const isValuation = (v: unknown): v is Valuation =>
  isRecord(v) &&
  isArrayOf(isRecord)(v.holdings) &&
  isArrayOf(isRecord)(v.cash) &&
  isRecord(v.totals) &&
  isNumber(v.totals.total_value);

const allocationArgs = z.object({
  valuation: inPlace(isValuation, 'must be a pricing.value valuation (holdings, cash, totals.total_value)'),
  top_n: z.number().int().min(1).max(100).default(10),
});

export const breakdown: Capability<z.infer<typeof allocationArgs>> = {
  name: 'allocation.breakdown',
  description: 'Weights by sector, currency and asset class, and top-N concentration',
  args: allocationArgs,
  async run({ valuation, top_n }) {
    // Produced by pricing.value in the same run; the guard checked the parts read here.
    return allocate(valuation, top_n);
  },
};
