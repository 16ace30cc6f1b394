import { z } from 'zod';
import { AppError } from '../errors.js';
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

export function holdingsCapabilities(): Capability[] {
  const detail: Capability<z.infer<typeof detailArgs>> = {
    name: 'holdings.detail',
    description: 'One holding: its lots and realised P&L from the ledger joined with its valuation',
    args: detailArgs,
    async run({ symbol, positions, valuation, transactions }) {
      const open = positions.holdings.find((h) => h.symbol === symbol);
      if (open) {
        const valued = valuation.holdings.find((h) => h.symbol === symbol) ?? {};
        return { ...valued, ...open, status: 'open', base_currency: valuation.totals.base_currency };
      }
      const closed = positions.closed.find((h) => h.symbol === symbol);
      if (closed)
        return { ...closed, status: 'closed', quantity: 0, lots: [], base_currency: valuation.totals.base_currency };
      if (transactions.total > 0)
        return { symbol, status: 'no_position', quantity: 0, lots: [], base_currency: valuation.totals.base_currency };
      throw new AppError('security_not_found', `the portfolio has never held ${symbol}`, { symbol });
    },
  };
  return [detail];
}
