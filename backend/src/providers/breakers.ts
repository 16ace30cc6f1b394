import { trace } from '@opentelemetry/api';
import CircuitBreaker from 'opossum';
import { countsAsBreakerFailure } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Deadline of one call; past it the call fails as a timeout. */
  timeoutMs: number;
  errorThresholdPercentage: number;
  resetTimeoutMs: number;
  volumeThreshold: number;
  /** Whether an error says the guarded dependency is unhealthy; defaults to the providers' rule (errors.ts). */
  isFailure?: (err: unknown) => boolean;
  /**
   * Whether calls that do not succeed (failure, timeout, reject, fallback) are also events of the
   * active span; transitions always are.
   */
  traceCalls?: boolean;
}

/** The breaker runs whatever call it is given, so one breaker can guard every instance of a provider. */
export type GuardedCall = () => Promise<unknown>;
export type Breaker = CircuitBreaker<[GuardedCall], unknown>;

/** One call that reached a provider, for the request-duration histogram. */
export interface ProviderCallSample {
  provider: string;
  operation: string;
  status: 'ok' | 'error';
  seconds: number;
}

/** opossum's events: calls and transitions, and the names spans and metrics use for them. */
export const BREAKER_EVENTS = {
  success: 'success',
  failure: 'failure',
  timeout: 'timeout',
  reject: 'reject',
  fallback: 'fallback',
  open: 'open',
  halfOpen: 'half_open',
  close: 'close',
} as const;
export type BreakerEvent = (typeof BREAKER_EVENTS)[keyof typeof BREAKER_EVENTS];
const TRANSITIONS: ReadonlySet<BreakerEvent> = new Set(['open', 'half_open', 'close']);
const TRACED_CALLS: ReadonlySet<BreakerEvent> = new Set([...TRANSITIONS, 'failure', 'timeout', 'reject', 'fallback']);

/**
 * Metrics and other listeners: told of every event of every breaker, including breakers created
 * later, and of every provider call. The registry listens to each breaker once and fans out, so
 * observers come and go (a server per test) without piling listeners onto the breakers.
 */
export interface BreakerObserver {
  /** A breaker joined the registry (and each breaker already in it, when the observer registers). */
  breakerAdded?(name: string): void;
  breakerEvent?(name: string, event: BreakerEvent): void;
  providerCall?(sample: ProviderCallSample): void;
  /** A provider call is about to be tried again after a transient failure. */
  providerRetry?(provider: string): void;
}

interface Entry {
  breaker: Breaker;
  /** The options it was built with, compared as canonical JSON. */
  options: string;
  resetTimeoutMs: number;
  openedAt: number;
  /** Half-open, and the trial call has not started yet: it carries the transition on its span. */
  trialPending: boolean;
}

/**
 * One circuit breaker per provider name. A provider's health is a property of the source,
 * not of the object that happens to call it, so every caller in the process shares the
 * breaker. A caller asking with different options (which a service, having one
 * configuration, never does; tests with their own settings do) gets a fresh breaker that
 * replaces the old one.
 */
export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly observers = new Set<BreakerObserver>();

  breaker(name: string, opts: BreakerOptions): Breaker {
    const options = JSON.stringify([
      opts.timeoutMs,
      opts.errorThresholdPercentage,
      opts.resetTimeoutMs,
      opts.volumeThreshold,
    ]);
    const existing = this.entries.get(name);
    if (existing?.options === options) return existing.breaker;
    const breaker: Breaker = new CircuitBreaker((call: GuardedCall) => call(), {
      name,
      timeout: opts.timeoutMs,
      errorThresholdPercentage: opts.errorThresholdPercentage,
      resetTimeout: opts.resetTimeoutMs,
      volumeThreshold: opts.volumeThreshold,
      // Permanent errors (4xx, bad data) and 429s say nothing about the source being down.
      errorFilter: (err: unknown) => !(opts.isFailure ?? countsAsBreakerFailure)(err),
    });
    const traced = opts.traceCalls ? TRACED_CALLS : TRANSITIONS;
    const entry: Entry = { breaker, options, resetTimeoutMs: opts.resetTimeoutMs, openedAt: 0, trialPending: false };
    const spanEvent = (label: BreakerEvent) =>
      trace.getActiveSpan()?.addEvent(`breaker.${label}`, { 'breaker.name': name });
    breaker.on('open', () => {
      entry.openedAt = Date.now();
    });
    breaker.on('halfOpen', () => {
      entry.trialPending = true;
    });
    // 'fire' is emitted synchronously inside fire(), in the caller's context, before the state check.
    breaker.on('fire', () => {
      if (!entry.trialPending) return;
      entry.trialPending = false;
      spanEvent('half_open');
    });
    for (const [event, label] of Object.entries(BREAKER_EVENTS)) {
      (breaker as NodeJS.EventEmitter).on(event, () => {
        // A transition happens inside the call that caused it, so its span is the active one;
        // except half-open, which opossum's reset timer makes with no call of its own: the trial
        // call that follows carries it instead (the 'fire' listener above).
        if (traced.has(label) && label !== 'half_open') spanEvent(label);
        // Only the breaker now registered under the name speaks for the provider.
        if (this.entries.get(name)?.breaker !== breaker) return;
        for (const o of this.observers) o.breakerEvent?.(name, label);
      });
    }
    const added = !this.entries.has(name);
    this.entries.set(name, entry);
    if (added) for (const o of this.observers) o.breakerAdded?.(name);
    return breaker;
  }

  state(name: string): BreakerState | undefined {
    const b = this.entries.get(name)?.breaker;
    if (!b) return undefined;
    return b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed';
  }

  /** Every breaker's name and state, sorted by name. */
  states(): { name: string; state: BreakerState }[] {
    return [...this.entries.keys()].sort().map((name) => ({ name, state: this.state(name)! }));
  }

  /** Seconds until an open breaker lets a trial call through; at least 1 while it is not closed. */
  secondsUntilTrial(name: string, now: number = Date.now()): number {
    const entry = this.entries.get(name);
    if (!entry || entry.breaker.closed) return 0;
    return Math.max(1, Math.ceil((entry.openedAt + entry.resetTimeoutMs - now) / 1000));
  }

  /**
   * An event the breaker cannot see itself: the caller answered without the guarded call's result
   * (a fallback), told to observers and the active span like the breaker's own events.
   */
  record(name: string, event: BreakerEvent): void {
    trace.getActiveSpan()?.addEvent(`breaker.${event}`, { 'breaker.name': name });
    for (const o of this.observers) o.breakerEvent?.(name, event);
  }

  /** Registers an observer; returns the function that removes it. */
  observe(observer: BreakerObserver): () => void {
    this.observers.add(observer);
    for (const name of this.entries.keys()) observer.breakerAdded?.(name);
    return () => void this.observers.delete(observer);
  }

  recordCall(sample: ProviderCallSample): void {
    for (const o of this.observers) o.providerCall?.(sample);
  }

  recordRetry(provider: string): void {
    for (const o of this.observers) o.providerRetry?.(provider);
  }
}

/** The process's breakers: what createProvider uses and what /metrics reads. */
export const breakers = new BreakerRegistry();

/** Each process-wide breaker's name and state ('closed' | 'open' | 'half_open'). */
export const breakerStates = (): { name: string; state: BreakerState }[] => breakers.states();
