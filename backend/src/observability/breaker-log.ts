import type { BreakerEvent, BreakerRegistry } from '../providers/breakers.js';
import type { Logger } from './logger.js';

const LEVEL: Record<BreakerEvent, 'warn' | 'info' | 'debug' | null> = {
  open: 'warn',
  half_open: 'info',
  close: 'info',
  // A degraded answer was given: worth a line each, like the transitions.
  fallback: 'warn',
  // Each failed or rejected request is already logged by the error handler; here only when debugging.
  failure: 'debug',
  timeout: 'debug',
  reject: 'debug',
  success: null,
};

/**
 * Logs the events of every breaker in `breakers` (the agents'): transitions and fallbacks as they
 * happen, failures, timeouts and rejects at debug. Returns the function that stops logging.
 */
export function logBreakerEvents(breakers: BreakerRegistry, logger: Logger): () => void {
  return breakers.observe({
    breakerEvent(breaker, event) {
      const level = LEVEL[event];
      if (!level) return;
      const state = breakers.state(breaker);
      const retryAfter = event === 'open' ? { next_trial_in_s: breakers.secondsUntilTrial(breaker) } : {};
      logger[level]({ breaker, event, state, ...retryAfter }, `circuit breaker ${breaker}: ${event.replace('_', '-')}`);
    },
  });
}
