import type { ReadCache } from '../db/read-cache.js';
import { CapabilityRegistry, type Capability } from '../executor/capability.js';
import type { MarketDataProvider } from '../providers/provider.js';
import * as allocation from './allocation-agent.js';
import * as attribution from './attribution-agent.js';
import * as history from './history-agent.js';
import * as holdings from './holdings-agent.js';
import * as ledger from './ledger-agent.js';
import * as metrics from './metrics-agent.js';
import * as pricing from './pricing-agent.js';

/** One line of the registration table: a capability and the agent serving it. */
export interface Registration {
  agent: string;
  capability: Capability;
}

/**
 * Every capability a pattern can name, one per line, under the agent that serves it. An agent
 * is the module serving one namespace (`pricing.*` from pricing-agent.ts); registering a
 * capability under another agent's name fails at start-up.
 */
export function registrations(reads: ReadCache, provider: MarketDataProvider): Registration[] {
  return [
    { agent: 'ledger', capability: ledger.portfolio(reads) },
    { agent: 'ledger', capability: ledger.positions(reads) },
    { agent: 'ledger', capability: ledger.transactions(reads) },
    { agent: 'ledger', capability: ledger.summary },
    { agent: 'pricing', capability: pricing.value(reads) },
    { agent: 'pricing', capability: pricing.sourceCheck(reads, provider) },
    { agent: 'allocation', capability: allocation.breakdown },
    { agent: 'holdings', capability: holdings.detail },
    { agent: 'history', capability: history.values(reads) },
    { agent: 'metrics', capability: metrics.performance },
    { agent: 'metrics', capability: metrics.risk },
    { agent: 'metrics', capability: metrics.summary },
    { agent: 'attribution', capability: attribution.currency(reads) },
  ];
}

/** The registry of a table: registrations(), usually behind the agents' breakers (breakers.ts guardAgents). */
export function buildRegistry(table: readonly Registration[]): CapabilityRegistry {
  const registry = new CapabilityRegistry();
  for (const { agent, capability } of table) registry.register(capability, agent);
  return registry;
}
