import assert from 'node:assert/strict';
import { CapabilityRegistry } from '../../../src/executor/capability.js';
import { cap } from './fixtures.js';

describe('executor/capability registry', () => {
  it('registers, finds and lists capabilities sorted by name', () => {
    const registry = new CapabilityRegistry();
    registry.register(cap('pricing.value'));
    registry.register(cap('ledger.positions'));
    assert.equal(registry.has('ledger.positions'), true);
    assert.equal(registry.has('ledger.nope'), false);
    assert.equal(registry.get('pricing.value')?.name, 'pricing.value');
    assert.equal(registry.get('ledger.nope'), undefined);
    assert.deepEqual(
      registry.list().map((c) => c.name),
      ['ledger.positions', 'pricing.value'],
    );
  });

  it('refuses a second capability with the same name', () => {
    const registry = new CapabilityRegistry();
    registry.register(cap('ledger.positions'));
    assert.throws(() => registry.register(cap('ledger.positions')), /ledger\.positions is already registered/);
  });

  it('refuses a capability registered under an agent other than the one its name belongs to', () => {
    const registry = new CapabilityRegistry();
    registry.register(cap('pricing.value'), 'pricing');
    assert.throws(
      () => registry.register(cap('pricing.source_check'), 'market'),
      /pricing\.source_check is registered under agent market, outside its namespace/,
    );
    assert.equal(registry.has('pricing.source_check'), false);
  });
});
