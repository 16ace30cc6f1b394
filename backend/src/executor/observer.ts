import type { Pattern } from './pattern.js';
import type { RunHooks } from './runner.js';

/**
 * What observability (tracing, metrics) learns about each execution. executor/ defines the
 * seam and imports no telemetry library; observability/execution-telemetry.ts implements it.
 */
export interface ExecutionObserver {
  /** Runs one execution; whatever context the observer makes current is current for all of it. */
  observe<T>(start: ExecutionStart, run: (probe: ExecutionProbe) => Promise<T>): Promise<T>;
}

export interface ExecutionStart {
  /** As requested: it may name no pattern. */
  pattern_id: string;
  user_id: string;
  /** The client's inputs; an observer may report their names, never their values. */
  inputs: Readonly<Record<string, unknown>>;
}

/** Told what an execution finds out as it goes; a failure is the rejection of `run` itself. */
export interface ExecutionProbe {
  pattern(pattern: Pattern): void;
  pinned(pricingPackId: string, ledgerCommitHash: string, asofDate: string): void;
  /** The result cache was consulted (a replay bypasses it). */
  cache(hit: boolean): void;
  succeeded(resultHash: string, cached: boolean): void;
  /** The provenance record is stored (before the answer is given, or the failure passed on). */
  stored(): void;
  /** Step hooks for the pattern run. */
  readonly hooks: RunHooks | undefined;
}

const silentProbe: ExecutionProbe = {
  pattern() {},
  pinned() {},
  cache() {},
  succeeded() {},
  stored() {},
  hooks: undefined,
};

/** The observer until the composition root sets one: it watches nothing. */
export const unobserved: ExecutionObserver = { observe: (_start, run) => run(silentProbe) };
