import type { ReadCache } from '../db/read-cache.js';
import { CapabilityRegistry } from '../executor/capability.js';
import { allocationCapabilities } from './allocation-agent.js';
import { attributionCapabilities } from './attribution-agent.js';
import { historyCapabilities } from './history-agent.js';
import { holdingsCapabilities } from './holdings-agent.js';
import { ledgerCapabilities } from './ledger-agent.js';
import { marketCapabilities } from './market-agent.js';
import { metricsCapabilities } from './metrics-agent.js';
import { pricingCapabilities } from './pricing-agent.js';
import type { MarketDataProvider } from '../providers/provider.js';

export function buildRegistry(reads: ReadCache, provider: MarketDataProvider): CapabilityRegistry {
  const registry = new CapabilityRegistry();
  for (const c of [
    ...ledgerCapabilities(reads),
    ...pricingCapabilities(reads),
    ...allocationCapabilities(),
    ...holdingsCapabilities(),
    ...historyCapabilities(reads),
    ...metricsCapabilities(),
    ...attributionCapabilities(reads),
    ...marketCapabilities(reads, provider),
  ])
    registry.register(c);
  return registry;
}
