import { z } from 'zod';
import { holdingDetail } from '../domain/holding-detail.js';
import type { Capability } from '../executor/capability.js';
import { symbolArg } from './args.js';

const row = z.object({ symbol: z.string() }).passthrough();
const detailArgs = z.object({
  symbol: symbolArg,
  positions: z.object({ holdings: z.array(row), closed: z.array(row) }).passthrough(),
  valuation: z
    .object({ holdings: z.array(row), totals: z.object({ base_currency: z.string() }).passthrough() })
    .passthrough(),
  transactions: z.object({ total: z.number() }).passthrough(),
});

export const detail: Capability<z.infer<typeof detailArgs>> = {
  name: 'holdings.detail',
  description: 'One holding: its lots and realised P&L from the ledger joined with its valuation',
  args: detailArgs,
  async run(args) {
    return holdingDetail(args);
  },
};
