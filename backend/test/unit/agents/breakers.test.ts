import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { guardAgents } from '../../../src/agents/breakers.js';
import type { Registration } from '../../../src/agents/index.js';
import { agentSettingsOf, ConfigError, loadConfig } from '../../../src/config.js';
import { AppError } from '../../../src/errors.js';
import type { Capability, CapabilityCall } from '../../../src/executor/capability.js';
import { BreakerRegistry, type BreakerEvent } from '../../../src/providers/breakers.js';
import { ctx, untilAborted } from '../executor/fixtures.js';

type Behaviour = (call: CapabilityCall) => Promise<unknown>;

/** One agent `flaky` whose capability does what the test says next, behind its breaker. */
function guardedFlaky(env: Record<string, string> = {}) {
  let behaviour: Behaviour = async () => 'ok';
  const capability: Capability = {
    name: 'flaky.read',
    description: 'does what the test says',
    args: z.any(),
    run: (_args, call) => behaviour(call),
  };
  const breakers = new BreakerRegistry();
  const events: BreakerEvent[] = [];
  breakers.observe({ breakerEvent: (name, event) => name === 'agent:flaky' && events.push(event) });
  const config = loadConfig({
    NODE_ENV: 'test',
    FOLIO_AGENT_FLAKY_BREAKER_VOLUME_THRESHOLD: '2',
    FOLIO_AGENT_FLAKY_BREAKER_RESET_TIMEOUT_MS: '100',
    ...env,
  });
  const [guarded] = guardAgents([{ agent: 'flaky', capability }], config, breakers);
  const call = (optional = false, signal = new AbortController().signal) =>
    guarded!.capability.run({}, { ctx, signal, warn: () => {}, optional });
  return {
    breakers,
    events,
    call,
    does(b: Behaviour) {
      behaviour = b;
    },
  };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );

describe('agents/breakers', () => {
  it('opens after server-side failures, fails fast with 503 naming the agent, and a good trial closes it', async () => {
    const f = guardedFlaky();
    f.does(async () => {
      throw new Error('relation "pricing_packs" does not exist');
    });
    for (let i = 0; i < 2; i++) assert.match(((await failure(f.call())) as Error).message, /does not exist/);
    assert.equal(f.breakers.state('agent:flaky'), 'open');

    const rejected = await failure(f.call());
    assert.ok(rejected instanceof AppError);
    assert.equal(rejected.status, 503);
    assert.equal(rejected.code, 'dependency_unavailable');
    assert.deepEqual(rejected.details, { agent: 'flaky', capability: 'flaky.read' });
    assert.equal(rejected.retryAfterSeconds, 1);
    assert.doesNotMatch(rejected.message, /pricing_packs/, 'no internals');

    await sleep(150);
    assert.equal(f.breakers.state('agent:flaky'), 'half_open');
    f.does(async () => 'back');
    assert.equal(await f.call(), 'back');
    assert.equal(f.breakers.state('agent:flaky'), 'closed');
    assert.deepEqual(f.events, ['failure', 'failure', 'open', 'reject', 'half_open', 'close', 'success']);
  });

  it('does not count client errors or a provider outage its own breaker already counts', async () => {
    const f = guardedFlaky();
    f.does(async () => {
      throw new AppError('security_not_found', 'benchmark NOPE is not a known security', { symbol: 'NOPE' });
    });
    for (let i = 0; i < 4; i++) assert.equal(((await failure(f.call(true))) as AppError).code, 'security_not_found');
    assert.ok(!f.events.includes('fallback'), 'a client error is not left out, so it is no fallback');
    f.does(async () => {
      throw new AppError('dependency_unavailable', 'http market data is unavailable', { provider: 'http' }, 30);
    });
    for (let i = 0; i < 4; i++)
      assert.equal(((await failure(f.call(true))) as AppError).code, 'dependency_unavailable');
    assert.equal(f.breakers.state('agent:flaky'), 'closed');
    assert.ok(!f.events.includes('failure'));
    // The optional step is still left out without the provider: a fallback, though not the agent's failure.
    assert.equal(f.events.filter((e) => e === 'fallback').length, 4);
  });

  it('aborts a call past its agent timeout and fails it with 504 timeout, counted as a failure', async () => {
    const f = guardedFlaky({ FOLIO_AGENT_FLAKY_TIMEOUT_MS: '20' });
    let aborted = false;
    f.does(async (call) => {
      call.signal.addEventListener('abort', () => (aborted = true));
      return untilAborted(call.signal);
    });
    const err = await failure(f.call(true));
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'timeout');
    assert.deepEqual(err.details, { agent: 'flaky', capability: 'flaky.read', timeout_ms: 20 });
    assert.ok(aborted, 'the capability was told to stop');
    assert.deepEqual(f.events, ['timeout', 'failure', 'fallback']);
  });

  it('does not count a call the run itself cancelled (its deadline, another step failed)', async () => {
    const f = guardedFlaky({ FOLIO_AGENT_FLAKY_BREAKER_VOLUME_THRESHOLD: '0' });
    f.does((call) => untilAborted(call.signal));
    const run = new AbortController();
    const reason = new AppError('timeout', 'pattern exceeded its deadline');
    const pending = f.call(true, run.signal);
    run.abort(reason);
    assert.equal(await failure(pending), reason, "the run's reason, unchanged");
    assert.equal(f.breakers.state('agent:flaky'), 'closed');
    assert.ok(!f.events.includes('failure') && !f.events.includes('fallback'), f.events.join());
  });
});

describe('agent breaker settings', () => {
  it('reads FOLIO_AGENT_* defaults and FOLIO_AGENT_<AGENT>_* overrides', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      FOLIO_AGENT_TIMEOUT_MS: '5000',
      FOLIO_AGENT_BREAKER_RESET_TIMEOUT_MS: '60000',
      FOLIO_AGENT_HISTORY_TIMEOUT_MS: '20000',
      FOLIO_AGENT_HISTORY_BREAKER_RESET_TIMEOUT_MS: '1000',
    });
    assert.deepEqual(agentSettingsOf(config, 'history'), {
      TIMEOUT_MS: 20000,
      BREAKER_ERROR_THRESHOLD_PERCENT: 50,
      BREAKER_RESET_TIMEOUT_MS: 1000,
      BREAKER_VOLUME_THRESHOLD: 10,
    });
    assert.deepEqual(agentSettingsOf(config, 'ledger'), {
      TIMEOUT_MS: 5000,
      BREAKER_ERROR_THRESHOLD_PERCENT: 50,
      BREAKER_RESET_TIMEOUT_MS: 60000,
      BREAKER_VOLUME_THRESHOLD: 10,
    });
  });

  it('lists a bad override with the other configuration problems', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', FOLIO_AGENT_LEDGER_TIMEOUT_MS: '0', PORT: 'x' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.some((p) => p.startsWith('FOLIO_AGENT_LEDGER_TIMEOUT_MS ("0")')) &&
        e.problems.some((p) => p.startsWith('PORT')),
    );
  });

  it('stops start-up when an override names no agent of the table', () => {
    const table: Registration[] = [
      { agent: 'ledger', capability: { name: 'ledger.x', description: '', args: z.any(), run: async () => 1 } },
    ];
    assert.throws(
      () =>
        guardAgents(
          table,
          loadConfig({ NODE_ENV: 'test', FOLIO_AGENT_LEDGRE_TIMEOUT_MS: '10' }),
          new BreakerRegistry(),
        ),
      (e: unknown) =>
        e instanceof ConfigError &&
        /FOLIO_AGENT_LEDGRE_\*: there is no agent ledgre \(agents: ledger\)/.test(e.message),
    );
  });
});
