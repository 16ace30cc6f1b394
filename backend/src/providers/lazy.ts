import type { MarketDataProvider } from './provider.js';

/**
 * A provider whose implementation is loaded on its first snapshot: the demo market's model
 * (the demo data generator) is only loaded by a process that actually asks it for prices.
 */
export function lazyProvider(name: string, load: () => Promise<MarketDataProvider>): MarketDataProvider {
  let loading: Promise<MarketDataProvider> | undefined;
  const provider = (): Promise<MarketDataProvider> => {
    if (!loading) {
      loading = load();
      // A failed load is tried again next time rather than remembered.
      loading.catch(() => (loading = undefined));
    }
    return loading;
  };
  return { name, snapshot: async (req) => (await provider()).snapshot(req) };
}
