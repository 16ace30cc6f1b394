import type { Knex } from 'knex';
import { CapabilityRegistry } from '../executor/capability.js';
import { allocationCapabilities } from './allocation-agent.js';
import { holdingsCapabilities } from './holdings-agent.js';
import { ledgerCapabilities } from './ledger-agent.js';
import { pricingCapabilities } from './pricing-agent.js';

export function buildRegistry(db: Knex): CapabilityRegistry {
  const registry = new CapabilityRegistry();
  for (const c of [...ledgerCapabilities(db), ...pricingCapabilities(db), ...allocationCapabilities(), ...holdingsCapabilities()]) registry.register(c);
  return registry;
}
