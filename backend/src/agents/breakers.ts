import { agentSettingsOf, ConfigError, type Config } from '../config.js';
import { AppError, isAppError } from '../errors.js';
import { leavesStepOut, type Capability } from '../executor/capability.js';

import type { Breaker, BreakerRegistry } from '../providers/breakers.js';
import { BREAKER_OPEN, errorCode } from '../providers/errors.js';
import type { Registration } from './index.js';

/** The breaker of an agent in metrics, spans and logs: `agent:<name>`, beside the providers' plain names. */
export const agentBreakerName = (agent: string): string => `agent:${agent}`;

/** opossum rejects with this code when a call outlives the breaker's timeout. */
const CALL_TIMED_OUT = 'ETIMEDOUT';

/**
 * Whether a failed capability call says the agent is unhealthy. A client's mistake (an AppError
 * below 500) is the agent working; so is a provider's `dependency_unavailable`, because the
 * provider's own breaker already counts it and the agent's other capabilities (which read only
 * the database) should keep serving. Timeouts, database errors and anything unexpected count.
 */
export function countsAsAgentFailure(err: unknown): boolean {
  if (!isAppError(err)) return true;
  if (err.status < 500) return false;
  return !(err.code === 'dependency_unavailable' && 'provider' in err.details);
}

/**
 * Puts every agent of the registration table behind its own circuit breaker in `breakers`, one
 * per agent named in the table (so a new agent gets one by being registered), with the agent's
 * settings from the configuration. Each capability call goes through its agent's breaker and the
 * agent's call timeout. Variables that override an agent the table does not have stop start-up.
 */
export function guardAgents(table: readonly Registration[], config: Config, breakers: BreakerRegistry): Registration[] {
  const agents = [...new Set(table.map((r) => r.agent))].sort();
  const unknown = Object.keys(config.agentOverrides).filter((a) => !agents.includes(a));
  if (unknown.length > 0)
    throw new ConfigError(
      unknown.map((a) => `FOLIO_AGENT_${a.toUpperCase()}_*: there is no agent ${a} (agents: ${agents.join(', ')})`),
    );
  const guards = new Map(agents.map((agent) => [agent, agentGuard(agent, config, breakers)]));
  return table.map(({ agent, capability }) => ({ agent, capability: guards.get(agent)!(capability) }));
}

function agentGuard(agent: string, config: Config, breakers: BreakerRegistry): (c: Capability) => Capability {
  const name = agentBreakerName(agent);
  const settings = agentSettingsOf(config, agent);
  // Errors of calls the run itself cancelled (its deadline, another step's failure): not the agent's fault.
  const cancelled = new WeakSet<object>();
  const breaker: Breaker = breakers.breaker(name, {
    timeoutMs: settings.TIMEOUT_MS,
    errorThresholdPercentage: settings.BREAKER_ERROR_THRESHOLD_PERCENT,
    resetTimeoutMs: settings.BREAKER_RESET_TIMEOUT_MS,
    volumeThreshold: settings.BREAKER_VOLUME_THRESHOLD,
    isFailure: (err) => !(typeof err === 'object' && err !== null && cancelled.has(err)) && countsAsAgentFailure(err),
    traceCalls: true,
  });

  const translate = (err: unknown, capability: string): unknown => {
    if (errorCode(err) === BREAKER_OPEN) {
      const wait = breakers.secondsUntilTrial(name);
      return new AppError(
        'dependency_unavailable',
        `agent ${agent} is unavailable after repeated failures; next trial in ${wait} s`,
        { agent, capability },
        wait,
      );
    }
    if (errorCode(err) === CALL_TIMED_OUT)
      return new AppError('timeout', `agent ${agent} did not answer ${capability} within ${settings.TIMEOUT_MS} ms`, {
        agent,
        capability,
        timeout_ms: settings.TIMEOUT_MS,
      });
    return err;
  };

  return (capability) => ({
    ...capability,
    async run(args, call) {
      // Aborted with the run, and when the breaker gives up on the call, so a timed-out capability
      // stops its work too. (A listener rather than AbortSignal.any, which costs tens of µs a call.)
      const own = new AbortController();
      const forward = () => own.abort(call.signal.reason);
      if (call.signal.aborted) forward();
      else call.signal.addEventListener('abort', forward, { once: true });
      try {
        return await breaker.fire(() =>
          capability.run(args, { ...call, signal: own.signal }).catch((err: unknown) => {
            if (call.signal.aborted && typeof err === 'object' && err !== null) cancelled.add(err);
            throw err;
          }),
        );
      } catch (err) {
        own.abort();
        if (call.signal.aborted) throw err;
        const answer = translate(err, capability.name);
        // An optional step's failure is answered without it: the breaker's fallback.
        if (call.optional && leavesStepOut(answer)) breakers.record(name, 'fallback');
        throw answer;
      } finally {
        call.signal.removeEventListener('abort', forward);
      }
    },
  });
}
