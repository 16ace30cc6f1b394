import type { MarketDataProvider } from './provider.js';

/**
 * Closes from one provider and FX rates from another (per-symbol history files carry no FX;
 * the ECB carries no closes). Each keeps its own guard, so a rates outage opens the rates
 * source's breaker only. The name, `prices+fx`, is the pack's `source`.
 */
export function combined(prices: MarketDataProvider, fx: MarketDataProvider): MarketDataProvider {
  const provider: MarketDataProvider = {
    name: `${prices.name}+${fx.name}`,
    async snapshot(req) {
      const [p, f] = await Promise.all([
        prices.snapshot({ ...req, only: 'prices' }),
        fx.snapshot({ ...req, only: 'fx' }),
      ]);
      const warnings = [...(p.warnings ?? []), ...(f.warnings ?? [])];
      return { date: req.date, prices: p.prices, fx: f.fx, ...(warnings.length > 0 ? { warnings } : {}) };
    },
  };
  if (prices.listSymbols) provider.listSymbols = (signal) => prices.listSymbols!(signal);
  return provider;
}
