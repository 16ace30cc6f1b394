import assert from 'node:assert/strict';
import { buildRegistry, registrations } from '../../../src/agents/index.js';
import { createDb } from '../../../src/db/knex.js';
import { ReadCache } from '../../../src/db/read-cache.js';
import { agentOf } from '../../../src/executor/capability.js';
import type { MarketDataProvider } from '../../../src/providers/provider.js';

describe('agents/index registration table', () => {
  // Building the table reads nothing: an in-memory SQLite database and a source that is never asked.
  const db = createDb({ sqliteFile: ':memory:' });
  const reads = new ReadCache(db, {
    maxLedgerEntries: 1,
    maxPackRows: 1,
    securityTtlMs: 1,
    maxDerivedSize: 0,
    portfolioTtlMs: 0,
  });
  const provider: MarketDataProvider = {
    name: 'unused',
    snapshot: () => Promise.reject(new Error('not asked in this test')),
  };
  after(() => db.destroy());

  it('names each capability once, under the agent whose namespace it is in', () => {
    const table = registrations(reads, provider);
    assert.deepEqual(
      table.filter((r) => agentOf(r.capability.name) !== r.agent),
      [],
    );
    assert.equal(new Set(table.map((r) => r.capability.name)).size, table.length);
    assert.deepEqual([...new Set(table.map((r) => r.agent))].sort(), [
      'allocation',
      'attribution',
      'history',
      'holdings',
      'ledger',
      'metrics',
      'pricing',
    ]);
    assert.equal(buildRegistry(table).list().length, table.length);
  });
});
